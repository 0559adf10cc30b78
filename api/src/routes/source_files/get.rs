use actix_web::{get, web};
use priceline_store::queries::source_files;

use crate::problem::{ApiError, OrNotFound, ReadErrors};
use crate::routes::read_data;
use crate::state::AppState;
use crate::views::source_file::SourceFileView;

/// One source file
///
/// The file's header, attestation, import counts and validation status; its findings are at
/// `/v1/source-files/{id}/findings`.
#[utoipa::path(
    tag = "source-files",
    operation_id = "getSourceFile",
    params(("id" = i64, Path, description = "Source file id", example = 1, minimum = 1)),
    responses((status = 200, description = "The file", body = SourceFileView), ReadErrors)
)]
#[get("/v1/source-files/{id}")]
pub async fn get_source_file(
    state: web::Data<AppState>,
    id: web::Path<crate::routes::params::PositiveId>,
) -> Result<web::Json<SourceFileView>, ApiError> {
    let id = id.into_inner().0;
    let file = read_data(&state, move |connection| {
        source_files::get(connection, id).or_not_found(|| format!("no source file {id}"))
    })
    .await?;
    Ok(web::Json(file.into()))
}
