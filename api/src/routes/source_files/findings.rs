use actix_web::{HttpRequest, HttpResponse, get, web};
use priceline_store::StoreError;
use priceline_store::queries::source_files;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::pagination::{self, PageInfo};
use crate::problem::{ApiError, ReadErrors};
use crate::routes::params::limit_or_default;
use crate::routes::query::ValidQuery;
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::source_file::FindingList;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Alert,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FindingsQuery {
    /// Only findings of this severity.
    #[param(inline, example = "error")]
    pub severity: Option<Severity>,
    /// Page size, 1 to 1000.
    #[param(example = 50, minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    #[param(example = "MTI", pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

/// A file's validation findings
///
/// The findings of the CMS rules and of our data-quality checks, in file order; the page carries
/// their total.
#[utoipa::path(
    tag = "source-files",
    operation_id = "listSourceFileFindings",
    params(("id" = i64, Path, description = "Source file id", example = 1, minimum = 1), FindingsQuery),
    responses((status = 200, description = "A page of findings", body = FindingList), ReadErrors)
)]
#[get("/v1/source-files/{id}/findings")]
pub async fn list_source_file_findings(
    state: web::Data<AppState>,
    id: web::Path<crate::routes::params::PositiveId>,
    query: ValidQuery<FindingsQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().0;
    let after: Option<i32> = pagination::decode(query.cursor.as_deref())?;
    let limit = limit_or_default(query.limit);
    let severity = query.severity.map(|severity| match severity {
        Severity::Error => "error",
        Severity::Alert => "alert",
    });
    let page = with_connection(&state, move |connection| {
        source_files::get(connection, id).map_err(|error| match error {
            StoreError::NotFound => ApiError::NotFound(format!("no source file {id}")),
            other => other.into(),
        })?;
        Ok(source_files::findings(
            connection, id, severity, after, limit,
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(FindingList {
        page: PageInfo::new(&request, limit, page.next.as_ref(), page.total),
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}
