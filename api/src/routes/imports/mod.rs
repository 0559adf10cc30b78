//! Import jobs: `POST /v1/imports` (an upload or a URL), `GET /v1/imports/{id}`, `GET /v1/imports`.
//! They need the `imports:write` scope when credentials are on (see `auth::scope`), and are refused
//! when credentials are off unless `PRICELINE_ALLOW_ANONYMOUS_IMPORTS=true`.

pub mod create;
pub mod get;
pub mod list;

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};

use crate::auth::Caller;
use crate::config::ALLOW_ANONYMOUS_IMPORTS;
use crate::jobs::Jobs;
use crate::problem::ApiError;
use crate::views::import_job::ImportJobView;

/// The collection's path.
pub const PATH: &str = crate::auth::scope::IMPORTS_PATH;

/// Import jobs with no credential configured (no caller was authenticated: with credentials on,
/// a request without one never gets here): refused unless the operator allowed them.
pub fn require_access(request: &HttpRequest, jobs: &web::Data<Jobs>) -> Result<(), ApiError> {
    let anonymous = request.extensions().get::<Caller>().is_none();
    if anonymous && !jobs.settings().allow_anonymous {
        return Err(ApiError::ImportsClosed(format!(
            "import jobs need a credential and this server has none configured: set \
             PRICELINE_API_KEYS (an entry name:sha256hex:imports:write) or PRICELINE_JWT_SECRET \
             (tokens with scope imports:write), or {ALLOW_ANONYMOUS_IMPORTS}=true to accept \
             imports from anyone"
        )));
    }
    Ok(())
}

/// A job resource. Never stored by any cache: its state changes while it runs.
pub fn job_response(
    mut response: actix_web::HttpResponseBuilder,
    job: ImportJobView,
) -> HttpResponse {
    response
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(job)
}
