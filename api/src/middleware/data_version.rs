//! `Priceline-Data-Version`: the data version a response reflects, the id of the newest imported
//! file it includes. Handlers read price data through `routes::read_data`, which reads the version in
//! the same transaction as the data and records it here, for the request it runs in.

use std::cell::Cell;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use priceline_store::queries::DataVersion;

pub const HEADER: HeaderName = HeaderName::from_static("priceline-data-version");

tokio::task_local! {
    /// The version the request's reads saw: the oldest, if it read twice across an import.
    static SERVED: Cell<Option<DataVersion>>;
}

/// Records `version` as read by the request being handled (nothing outside one).
pub fn served(version: DataVersion) {
    let _ = SERVED.try_with(|served| {
        let oldest = match served.get() {
            Some(earlier) if earlier.newest_file() <= version.newest_file() => earlier,
            _ => version,
        };
        served.set(Some(oldest));
    });
}

pub fn value(version: DataVersion) -> HeaderValue {
    HeaderValue::from(version.newest_file())
}

/// The paths that answer with price data and state its version: /v1 but for import jobs and
/// administration (keys, the audit trail), which a data version does not describe.
pub fn states_version(path: &str) -> bool {
    use crate::auth::scope::{is_admin, is_imports};
    path.starts_with("/v1/") && !is_admin(path) && !is_imports(path)
}

pub async fn data_version(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // FHIR reads state it too: they read the same price data.
    if !states_version(request.path()) && !request.path().starts_with("/fhir/") {
        return next.call(request).await;
    }
    SERVED
        .scope(Cell::new(None), async move {
            let mut response = next.call(request).await?;
            if let Some(version) = SERVED.with(Cell::get) {
                response.headers_mut().insert(HEADER, value(version));
            }
            Ok(response)
        })
        .await
}
