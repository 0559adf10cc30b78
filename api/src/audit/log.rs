//! The queue between the requests and the database, and the thread that empties it in batches.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry::metrics::Counter;
use priceline_domain::NewAuditEvent;
use priceline_store::Pool;
use priceline_store::queries::audit_events;

use super::AuditSettings;

/// Events waiting to be written, at most: about 4 MB at the size of an event.
pub const QUEUE: usize = 16_384;
/// The most events one insert transaction writes.
pub const BATCH: usize = 512;
/// How long an event waits at most before its batch is written (and how often the writer checks
/// that the server is stopping).
pub const INTERVAL: Duration = Duration::from_millis(200);
/// How often retention runs, after once at start.
const RETENTION_PERIOD: Duration = Duration::from_secs(3600);

/// The requests' side of the queue: shared by every worker of a server.
pub struct AuditLog {
    sender: SyncSender<NewAuditEvent>,
    /// `priceline_audit_dropped_total`.
    dropped: Counter<u64>,
    /// Dropped so far by this server, for the log: the first drop and every thousandth are logged.
    dropped_count: AtomicU64,
    /// `PRICELINE_AUDIT=all`: every request to a protected path, not only authenticated ones and
    /// refusals.
    every: bool,
}

impl AuditLog {
    /// A queue of `capacity` events; the receiver goes to [`AuditWriter::start`].
    pub fn new(
        capacity: usize,
        every: bool,
        dropped: Counter<u64>,
    ) -> (Self, Receiver<NewAuditEvent>) {
        let (sender, receiver) = sync_channel(capacity);
        let log = Self {
            sender,
            dropped,
            dropped_count: AtomicU64::new(0),
            every,
        };
        (log, receiver)
    }

    /// Queues `event` without ever waiting: a full queue (or a stopped writer) drops it, counted.
    pub fn submit(&self, event: NewAuditEvent) {
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
            self.sender.try_send(event)
        {
            self.dropped.add(1, &[]);
            let dropped = self.dropped_count.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped == 1 || dropped.is_multiple_of(1000) {
                tracing::warn!(
                    dropped,
                    "audit events dropped: the audit queue is full (the database does not keep up)"
                );
            }
        }
    }

    pub fn every(&self) -> bool {
        self.every
    }

    /// Events dropped so far by this server.
    pub fn dropped(&self) -> u64 {
        self.dropped_count.load(Ordering::Relaxed)
    }
}

/// The background writer. Dropping it stops it: the events still queued are written first.
pub struct AuditWriter {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl AuditWriter {
    /// Starts the writer thread over `pool`; it applies retention at once, then every hour.
    pub fn start(
        pool: Pool,
        receiver: Receiver<NewAuditEvent>,
        settings: AuditSettings,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("audit-writer".to_owned())
            .spawn(move || run(&pool, &receiver, settings.retention, &stopping))?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for AuditWriter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the audit writer panicked; queued audit events are lost");
        }
    }
}

fn run(
    pool: &Pool,
    receiver: &Receiver<NewAuditEvent>,
    retention: Option<Duration>,
    stop: &AtomicBool,
) {
    let mut next_retention = Instant::now();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        // Read before waiting: once set, the queue is emptied and the thread ends.
        let stopping = stop.load(Ordering::Relaxed);
        let mut closed = false;
        match receiver.recv_timeout(INTERVAL) {
            Ok(event) => batch.push(event),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => closed = true,
        }
        loop {
            while batch.len() < BATCH {
                match receiver.try_recv() {
                    Ok(event) => batch.push(event),
                    Err(_) => break,
                }
            }
            if batch.is_empty() {
                break;
            }
            write(pool, &mut batch);
            // Only a stopping writer empties the whole queue at once; otherwise one batch per
            // turn keeps retention and the stop check going under load.
            if !(stopping || closed) {
                break;
            }
        }
        if let Some(keep) = retention
            && Instant::now() >= next_retention
        {
            delete_expired(pool, keep);
            next_retention = Instant::now() + RETENTION_PERIOD;
        }
        if stopping || closed {
            return;
        }
    }
}

/// Inserts `batch` in one transaction, once more after a short wait if that fails (SQLite busy
/// with an import); then gives up on it, logged.
fn write(pool: &Pool, batch: &mut Vec<NewAuditEvent>) {
    let attempt = || -> Result<(), String> {
        let mut connection = pool.get().map_err(|error| error.to_string())?;
        audit_events::insert(&mut connection, batch).map_err(|error| error.to_string())
    };
    let result = attempt().or_else(|_| {
        std::thread::sleep(INTERVAL);
        attempt()
    });
    if let Err(error) = result {
        tracing::error!(events = batch.len(), %error, "audit events could not be written");
    }
    batch.clear();
}

fn delete_expired(pool: &Pool, keep: Duration) {
    let Ok(keep) = chrono::Duration::from_std(keep) else {
        return;
    };
    let cutoff = chrono::Utc::now() - keep;
    let deleted = pool
        .get()
        .map_err(|error| error.to_string())
        .and_then(|mut connection| {
            audit_events::delete_before(&mut connection, cutoff).map_err(|error| error.to_string())
        });
    match deleted {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, %cutoff, "audit retention: deleted older events"),
        Err(error) => tracing::warn!(%error, "audit retention could not delete older events"),
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::metrics::MeterProvider as _;

    use super::*;

    fn event(path: &str) -> NewAuditEvent {
        NewAuditEvent {
            recorded_at: chrono::Utc::now(),
            caller: Some("key:reader".to_owned()),
            scopes: "prices:read".to_owned(),
            method: "GET".to_owned(),
            route: None,
            path: path.to_owned(),
            status: 200,
            result_count: None,
            request_id: None,
            client_address: None,
        }
    }

    /// The choice made for a full queue: the request does not wait, the event is dropped and
    /// counted; the queued ones are kept.
    #[test]
    fn a_full_queue_drops_and_counts_without_waiting() {
        let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder().build();
        let counter = provider.meter("test").u64_counter("dropped").build();
        let (log, receiver) = AuditLog::new(2, false, counter);
        let started = Instant::now();
        for path in ["/v1/a", "/v1/b", "/v1/c", "/v1/d"] {
            log.submit(event(path));
        }
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(log.dropped(), 2);
        let kept: Vec<String> = receiver.try_iter().map(|event| event.path).collect();
        assert_eq!(kept, ["/v1/a", "/v1/b"]);
        drop(receiver);
        log.submit(event("/v1/e"));
        assert_eq!(log.dropped(), 3, "a stopped writer drops too, counted");
    }
}
