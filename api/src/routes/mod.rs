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
use utoipa_actix_web::service_config::ServiceConfig;

use crate::problem::ApiError;
use crate::state::AppState;

/// Every documented route. The server mounts exactly these, and the spec is generated from them.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(health::healthz)
        .service(health::readyz)
        .service(facilities::list::list_facilities)
        .service(facilities::get::get_facility)
        .service(facilities::snapshots::list_facility_snapshots)
        .service(prices::search::search_prices)
        .service(prices::statistics::get_code_statistics)
        .service(prices::compare::compare_code)
        .service(payers::list::list_payers)
        .service(source_files::list::list_source_files)
        .service(source_files::get::get_source_file)
        .service(source_files::findings::list_source_file_findings);
}

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
