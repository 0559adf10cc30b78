//! What every handler can reach.

use priceline_store::Pool;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
}
