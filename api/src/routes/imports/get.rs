use actix_web::{HttpResponse, get, web};
use priceline_store::queries::import_jobs;

use super::{job_response, require_access};
use crate::jobs::{Jobs, is_id};
use crate::problem::{ApiError, ImportErrors, OrNotFound};
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::import_job::ImportJobView;

/// One import job
///
/// The job's state (`queued`, `running`, `succeeded`, `failed`), byte progress and counts, its
/// timestamps, why it failed, and once it has run the import's report (the same as
/// `priceline import --report` writes). Never cached: ask again for fresh progress.
#[utoipa::path(
    tag = "imports",
    operation_id = "getImport",
    params(("id" = String, Path, pattern = "^[0-9a-f]{32}$", min_length = 32, max_length = 32, description = "The job's id, as `POST /v1/imports` gave it",
            example = "6f1c0d2e9a8b47c3b5d4e3f2a1b0c9d8")),
    responses(
        (status = 200, description = "The job", body = ImportJobView,
         headers(("Cache-Control" = String, description = "`no-store`: a job's state changes while it runs"))),
        ImportErrors
    )
)]
#[get("/v1/imports/{id}")]
pub async fn get_import(
    state: web::Data<AppState>,
    jobs: web::Data<Jobs>,
    request: actix_web::HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require_access(&request, &jobs)?;
    let id = id.into_inner();
    if !is_id(&id) {
        return Err(ApiError::invalid(
            "id",
            "is not a job id (32 lowercase hexadecimal digits)",
        ));
    }
    let job = match jobs.live(&id) {
        Some(job) => job,
        None => {
            let wanted = id.clone();
            let stored = with_connection(&state, move |connection| {
                import_jobs::get(connection, &wanted)
                    .or_not_found(|| format!("no import job {wanted}"))
            })
            .await?;
            jobs.with_progress(stored)
        }
    };
    Ok(job_response(HttpResponse::Ok(), job.into()))
}
