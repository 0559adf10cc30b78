//! What every handler can reach.

use std::time::Duration;

use priceline_store::Pool;

use crate::cache::ResponseCache;
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
    /// How long a request's database work may take in all (waiting for a connection, then its
    /// query) before it is answered 503; `None` for no bound.
    pub database_deadline: Option<Duration>,
}
