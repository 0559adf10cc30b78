//! What every handler can reach.

use priceline_store::Pool;

use crate::cache::ResponseCache;

pub struct AppState {
    pub pool: Pool,
    /// Shared by all workers: a response computed by one is served by every other.
    pub cache: ResponseCache,
}
