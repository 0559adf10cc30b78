//! HTTP handlers, one module per resource and one file per action. Handlers are thin: validated
//! parameters in, one store query on a blocking thread, a view out.

pub mod facilities;
pub mod health;
pub mod params;
pub mod payers;
pub mod prices;
pub mod query;
pub mod source_files;

use actix_web::web;
use priceline_store::DbConnection;

use crate::problem::ApiError;
use crate::state::AppState;

/// Runs `work` with a pooled connection on the blocking thread pool (Diesel is synchronous).
pub async fn with_connection<T: Send + 'static>(
    state: &web::Data<AppState>,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let pool = state.pool.clone();
    web::block(move || {
        let mut connection = pool.get()?;
        work(&mut connection)
    })
    .await?
}
