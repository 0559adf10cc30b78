//! Read replicas (`PRICELINE_DATABASE_READ_URL`): PostgreSQL standbys that serve the API's reads of
//! price data, in turn, while imports and every other write go to the primary. A replica that
//! cannot give a connection is passed over for [`DOWN_FOR`], and reads fall back to the primary
//! when none can: a replica's outage costs one request at most [`ACQUIRE_TIMEOUT`] per replica and
//! period, never an error. Each answer states the data version it read (`Priceline-Data-Version`),
//! so a lagging replica is visible to the client; `/readyz` reports each replica.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use priceline_store::{Checkout, DatabaseUrl, Pool, PoolOptions, PooledConnection, StoreResult};

/// How long a replica that failed is passed over before it is tried again.
pub const DOWN_FOR: Duration = Duration::from_secs(5);
/// The longest a read waits for a replica's connection before it reads from the primary.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct Replicas {
    members: Arc<[Replica]>,
    next: Arc<AtomicUsize>,
}

pub struct Replica {
    pool: Pool,
    down_until: Mutex<Option<Instant>>,
}

impl Replica {
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    fn is_down(&self, now: Instant) -> bool {
        let down_until = self
            .down_until
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        down_until.is_some_and(|until| now < until)
    }

    /// Checks that the replica answers, for `/readyz`: its data version, and it is marked up or
    /// down accordingly.
    pub fn check(&self) -> StoreResult<priceline_store::queries::DataVersion> {
        let result = self
            .pool
            .get()
            .and_then(|mut connection| priceline_store::queries::data_version(&mut connection));
        self.mark(result.is_ok());
        result
    }

    fn mark(&self, up: bool) {
        let mut down_until = self
            .down_until
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        *down_until = (!up).then(|| Instant::now() + DOWN_FOR);
    }
}

impl Replicas {
    /// Pools for `urls`, connecting when first used, so the server starts while a replica is down.
    pub fn open(urls: &[DatabaseUrl], options: PoolOptions) -> Self {
        let options = PoolOptions {
            acquire_timeout: options.acquire_timeout.min(ACQUIRE_TIMEOUT),
            ..options
        };
        Self {
            members: urls
                .iter()
                .map(|url| Replica {
                    pool: Pool::open_unchecked(url, options),
                    down_until: Mutex::new(None),
                })
                .collect(),
            next: Arc::default(),
        }
    }

    pub fn members(&self) -> &[Replica] {
        &self.members
    }

    /// A connection to the next replica in turn that gives one, or `None` when none does (or none
    /// is configured): the caller then reads from the primary. A replica that fails is passed over
    /// for [`DOWN_FOR`].
    pub fn connection(&self, checkout: Checkout) -> Option<PooledConnection> {
        let count = self.members.len();
        if count == 0 {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        (0..count)
            .map(|offset| &self.members[(start + offset) % count])
            .filter(|replica| !replica.is_down(now))
            .find_map(|replica| match replica.pool.checkout(checkout) {
                Ok(connection) => Some(connection),
                Err(error) => {
                    tracing::warn!(replica = %replica.pool.url(), %error, "read replica unavailable: reading from the primary");
                    replica.mark(false);
                    None
                }
            })
    }
}
