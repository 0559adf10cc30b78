//! HTTP handlers, one module per resource and one file per action. Handlers are thin: validated
//! parameters in, one store query off the event loop (reads of price data on
//! [`crate::db_threads`]), a view out.

pub mod admin;
pub mod audit;
pub mod facilities;
pub mod health;
pub mod imports;
pub mod oauth;
pub mod params;
pub mod payers;
pub mod prices;
pub mod query;
pub mod source_files;

use actix_web::{HttpMessage, HttpRequest, web};
use priceline_store::queries::Page;
use priceline_store::{DbConnection, Pool};
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::pagination::{PageInfo, Paging, ResultCount};
use crate::problem::ApiError;
use crate::state::AppState;
use crate::views::ListBody;

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
        .service(source_files::findings::list_source_file_findings)
        .service(imports::create::create_import)
        .service(imports::list::list_imports)
        .service(imports::get::get_import)
        .service(admin::keys::list::list_api_keys)
        .service(admin::keys::create::create_api_key)
        .service(admin::keys::get::get_api_key)
        .service(admin::keys::revoke::revoke_api_key)
        .service(admin::keys::revoke::delete_api_key)
        .service(admin::keys::rotate::rotate_api_key)
        .service(oauth::issue_token)
        .service(audit::list::list_audit_events);
}

/// The methods a known path answers, for a 405's `Allow`.
pub fn allowed_methods(path: &str) -> &'static str {
    let key_path = path
        .strip_prefix(admin::keys::PATH)
        .and_then(|rest| rest.strip_prefix('/'));
    match key_path {
        Some(rest) if rest.ends_with("/revoke") || rest.ends_with("/rotate") => "POST",
        Some(_) => "GET, HEAD, DELETE",
        None if path == imports::PATH || path == admin::keys::PATH => "GET, HEAD, POST",
        None if path == oauth::PATH => "POST",
        None => "GET, HEAD",
    }
}

/// Runs `work`, a read of price data, in one consistent read (`consistent_read`) on a read replica
/// (the primary when none is configured or none answers) and records the data version it saw for
/// the response's `Priceline-Data-Version`.
pub async fn read_data<T: Send + 'static>(
    state: &web::Data<AppState>,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let (replicas, primary) = (state.replicas.clone(), state.pool.clone());
    let acquire = move |checkout| match replicas.connection(checkout) {
        Some(connection) => Ok(connection),
        None => primary.checkout(checkout),
    };
    let (version, value) = state
        .db_threads
        .run(move || priceline_store::queries::consistent_read(acquire, work))
        .await?;
    crate::middleware::data_version::served(version);
    Ok(value)
}

/// Runs `work` with a pooled connection on the blocking thread pool (Diesel is synchronous), within
/// the database deadline: the imports' and keys' operations, writes among them, which on SQLite may
/// wait for the writer's lock and so are kept off the few threads that serve reads.
pub async fn with_connection<T: Send + 'static>(
    state: &web::Data<AppState>,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    within(state.db_threads.deadline(), &state.pool, work).await
}

/// Runs `work` with a connection of `pool` on the blocking thread pool; past `deadline` the request
/// is answered 503 at once. (A query that outlives it finishes on its thread, and its connection
/// goes back to the pool then; PostgreSQL's statement timeout cancels it before that.)
pub async fn within<T: Send + 'static>(
    deadline: Option<std::time::Duration>,
    pool: &Pool,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let pool = pool.clone();
    run_within(deadline, move || {
        let mut connection = pool.get()?;
        work(&mut connection)
    })
    .await
}

/// [`within`] for `job`, which takes its own connection.
async fn run_within<T: Send + 'static>(
    deadline: Option<std::time::Duration>,
    job: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let blocking = web::block(job);
    let Some(deadline) = deadline else {
        return blocking.await?;
    };
    match actix_web::rt::time::timeout(deadline, blocking).await {
        Ok(result) => result?,
        Err(_) => {
            tracing::warn!(?deadline, "the database did not answer in time");
            Err(ApiError::Unavailable)
        }
    }
}

/// How every list operation ends: `read` gets a connection, the key the page starts after and its
/// size; its page becomes the body, each item a view, with the page info and the link to the next
/// page (the request with the cursor of the page's last item).
pub async fn read_page<K, T, L, E>(
    state: &web::Data<AppState>,
    request: &HttpRequest,
    paging: Paging<K>,
    read: impl FnOnce(&mut DbConnection, Option<&K>, usize) -> Result<Page<T, K>, E> + Send + 'static,
) -> Result<web::Json<L>, ApiError>
where
    K: Serialize + Send + 'static,
    T: Send + 'static,
    E: Into<ApiError>,
    L: ListBody<Item: From<T>>,
{
    let Paging { after, limit } = paging;
    let page = read_data(state, move |connection| {
        read(connection, after.as_ref(), limit).map_err(Into::into)
    })
    .await?;
    request
        .extensions_mut()
        .insert(ResultCount(page.items.len() as u64));
    Ok(web::Json(L::new(
        page.items.into_iter().map(Into::into).collect(),
        PageInfo::new(request, limit, page.next.as_ref(), page.total),
    )))
}
