//! What every handler can reach.

use priceline_store::Pool;

use crate::cache::ResponseCache;
use crate::db_threads::DbThreads;
use crate::lifecycle::Stopping;
use crate::replicas::Replicas;

pub struct AppState {
    /// Set on SIGTERM/SIGINT: `/readyz` fails while requests in flight finish.
    pub stopping: Stopping,
    pub pool: Pool,
    /// Read replicas for the API's reads of price data (none: the primary serves them).
    pub replicas: Replicas,
    /// Shared by all workers: a response computed by one is served by every other.
    pub cache: ResponseCache,
    /// Where requests' reads run; its deadline bounds all of a request's database work.
    pub db_threads: DbThreads,
}
