//! Brings the statistics read model up to date in the background (`snapshot::statistics::refresh`):
//! an import only records which snapshots became current, so it writes its prices at full speed;
//! every server applies what is pending every [`INTERVAL`] (one at a time: the store makes sure no
//! change is applied twice). Until then statistics are read from the lines, exact either way.

use std::time::Duration;

use actix_web::rt::task::JoinHandle;
use actix_web::web;
use priceline_store::Pool;
use priceline_store::snapshot::statistics;

/// How often a server looks for pending changes.
pub const INTERVAL: Duration = Duration::from_secs(2);

/// The background refresh; stopped when dropped (with the server).
pub struct Refresher(JoinHandle<()>);

impl Drop for Refresher {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the refresh over the primary's `pool`.
pub fn spawn(pool: Pool) -> Refresher {
    Refresher(actix_web::rt::spawn(async move {
        loop {
            let pool = pool.clone();
            // Batch after batch while changes are pending.
            let refreshed = web::block(move || {
                let mut connection = pool.get()?;
                let mut changes = 0;
                loop {
                    match statistics::refresh(&mut connection)? {
                        0 => return Ok::<_, priceline_store::StoreError>(changes),
                        batch => changes += batch,
                    }
                }
            })
            .await;
            match refreshed {
                Ok(Ok(0)) => {}
                Ok(Ok(changes)) => {
                    tracing::info!(changes, "statistics read model brought up to date")
                }
                Ok(Err(error)) => {
                    tracing::warn!(%error, "bringing the statistics read model up to date failed")
                }
                Err(error) => tracing::warn!(%error, "the statistics refresh stopped"),
            }
            actix_web::rt::time::sleep(INTERVAL).await;
        }
    }))
}
