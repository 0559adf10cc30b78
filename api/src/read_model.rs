//! Brings the statistics read model up to date in the background (`snapshot::statistics::refresh`):
//! an import only records which snapshots became current, so it writes its prices at full speed;
//! every server applies what is pending every [`INTERVAL`] (one at a time: the store makes sure no
//! change is applied twice). Until then statistics are read from the lines, exact either way.
//!
//! The refresh runs on a thread of its own that a stopping server does not wait for. A batch can
//! take minutes at national scale (the last one recomputes the summaries of every group the
//! batches touched), and on actix's blocking pool it held the process past
//! `PRICELINE_SHUTDOWN_SECONDS`: the runtime waits for its blocking work when it is dropped. A
//! batch cut short is lost whole (one transaction, rolled back when its connection closes) and
//! applied again by the next server to look.

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
                "a statistics refresh is under way: its batch is rolled back and applied again \
                 by the next server"
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
                match bring_up_to_date(&pool, &stopped) {
                    Ok(0) => {}
                    Ok(changes) => {
                        tracing::info!(changes, "statistics read model brought up to date")
                    }
                    Err(error) => tracing::warn!(
                        %error,
                        "bringing the statistics read model up to date failed"
                    ),
                }
            }
        })?;
    Ok(Refresher {
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// Batch after batch while changes are pending and the server is not stopping; how many changes
/// were applied.
fn bring_up_to_date(pool: &Pool, stopped: &Receiver<()>) -> Result<usize, StoreError> {
    let mut connection = pool.get()?;
    let mut changes = 0;
    while let Err(TryRecvError::Empty) = stopped.try_recv() {
        match statistics::refresh(&mut connection)? {
            0 => break,
            batch => changes += batch,
        }
    }
    Ok(changes)
}
