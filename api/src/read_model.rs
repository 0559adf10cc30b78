//! Brings the statistics read model up to date in the background (`snapshot::statistics::refresh`):
//! an import only records which snapshots became current, so it writes its prices at full speed;
//! every server applies what is pending every [`INTERVAL`] (one at a time: the store makes sure no
//! change is applied twice). Until then statistics add the pending files' lines of the code to
//! the model's sums, exact either way.
//!
//! The refresh runs on a thread of its own that a stopping server does not wait for. A batch can
//! take minutes at national scale (the last one recomputes the summaries of every group the
//! batches touched), and on actix's blocking pool it held the process past
//! `PRICELINE_SHUTDOWN_SECONDS`: the runtime waits for its blocking work when it is dropped. A
//! batch cut short is lost whole (one transaction, rolled back when its connection closes) and
//! applied again by the next server to look.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::Duration;

use priceline_store::snapshot::statistics;
use priceline_store::{Pool, StoreError};

/// How often a server looks for pending changes.
pub const INTERVAL: Duration = Duration::from_secs(2);

/// How long a stopping server waits for a batch under way before leaving it to roll back: long
/// enough for the small batches of a test's data, short beside a grace period.
const FINISH_WAIT: Duration = Duration::from_secs(1);

/// The background refresh; told to stop when dropped (with the server).
pub struct Refresher {
    /// Dropped to stop the thread: its waits and its checks between batches see the disconnect.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Refresher {
    fn drop(&mut self) {
        self.stop.take();
        let Some(thread) = self.thread.take() else {
            return;
        };
        if !crate::lifecycle::join_within(thread, FINISH_WAIT) {
            tracing::info!(
                "a statistics refresh is under way: what it has not committed when the process \
                 exits is rolled back, and the next server applies it again"
            );
        }
    }
}

/// Starts the refresh over the primary's `pool`.
pub fn spawn(pool: Pool) -> std::io::Result<Refresher> {
    let (stop, stopped) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("statistics-refresh".to_owned())
        .spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                // A panic is logged and the refresh goes on at the next interval, as it did on
                // actix's blocking pool, rather than ending the thread for good.
                let refreshed = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    bring_up_to_date(&pool, &stopped)
                }));
                match refreshed {
                    Ok(Ok(Refreshed::UpToDate(0))) => {}
                    Ok(Ok(Refreshed::UpToDate(changes))) => {
                        tracing::info!(changes, "statistics read model brought up to date")
                    }
                    Ok(Ok(Refreshed::Stopped(changes))) => tracing::info!(
                        changes,
                        "statistics refresh stopped with the server; changes may still be pending"
                    ),
                    Ok(Err(error)) => tracing::warn!(
                        %error,
                        "bringing the statistics read model up to date failed"
                    ),
                    Err(_) => tracing::error!("the statistics refresh panicked; it goes on"),
                }
            }
        })?;
    Ok(Refresher {
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// How a round of batches ended, with how many changes it applied.
enum Refreshed {
    /// Nothing is pending any more.
    UpToDate(usize),
    /// The server is stopping.
    Stopped(usize),
}

/// Batch after batch while changes are pending and the server is not stopping.
fn bring_up_to_date(pool: &Pool, stopped: &Receiver<()>) -> Result<Refreshed, StoreError> {
    let mut connection = pool.get()?;
    let mut changes = 0;
    while let Err(TryRecvError::Empty) = stopped.try_recv() {
        match statistics::refresh(&mut connection)? {
            0 => return Ok(Refreshed::UpToDate(changes)),
            batch => changes += batch,
        }
    }
    Ok(Refreshed::Stopped(changes))
}
