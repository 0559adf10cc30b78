use actix_web::{HttpRequest, HttpResponse, get, web};
use priceline_store::queries::source_files;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use crate::pagination::{self, PageInfo};
use crate::problem::{ApiError, ReadErrors};
use crate::routes::params::limit_or_default;
use crate::routes::query::ValidQuery;
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::source_file::SourceFileList;

/// Paging only.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 1000.
    #[param(example = 50, minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    #[param(example = "MTI", pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SourceFilesQuery {
    /// Only this facility's files.
    #[param(example = 1, minimum = 1)]
    #[validate(range(min = 1))]
    pub facility_id: Option<i64>,
    /// Page size, 1 to 1000.
    #[param(example = 50, minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    #[param(example = "MTI", pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

/// List source files
///
/// Imported files, newest first, with their import counts and validation status.
#[utoipa::path(
    tag = "source-files",
    operation_id = "listSourceFiles",
    params(SourceFilesQuery),
    responses((status = 200, description = "A page of source files", body = SourceFileList), ReadErrors)
)]
#[get("/v1/source-files")]
pub async fn list_source_files(
    state: web::Data<AppState>,
    query: ValidQuery<SourceFilesQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let before: Option<i64> = pagination::decode(query.cursor.as_deref())?;
    let (limit, facility_id) = (limit_or_default(query.limit), query.facility_id);
    let page = with_connection(&state, move |connection| {
        Ok(source_files::list(connection, facility_id, before, limit)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(SourceFileList {
        page: PageInfo::new(&request, limit, page.next.as_ref(), page.total),
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}
