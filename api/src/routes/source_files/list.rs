use actix_web::{HttpRequest, get, web};
use priceline_store::queries::source_files::{self, FileStatus};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::pagination::Paging;
use crate::problem::{ApiError, ReadErrors};
use crate::routes::query::ValidQuery;
use crate::routes::read_page;
use crate::state::AppState;
use crate::views::source_file::SourceFileList;

/// Paging only.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 1000.
    #[param(example = 50, minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page, unchanged: the sort key of its last item, as JSON.
    #[param(inline, value_type = Option<crate::pagination::IdCursor>, example = "12")]
    pub cursor: Option<String>,
}

/// A source file's status, as a filter.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceFileStatusFilter {
    /// Snapshots (current or history).
    Accepted,
    /// Unusable files kept with their findings.
    Rejected,
}

impl From<SourceFileStatusFilter> for FileStatus {
    fn from(status: SourceFileStatusFilter) -> Self {
        match status {
            SourceFileStatusFilter::Accepted => Self::Accepted,
            SourceFileStatusFilter::Rejected => Self::Rejected,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct SourceFilesQuery {
    /// Only this facility's files.
    #[param(example = 1, minimum = 1)]
    #[validate(range(min = 1))]
    pub facility_id: Option<i64>,
    /// Only files of this status: `accepted` (snapshots) or `rejected` (unusable submissions).
    #[param(inline, example = "rejected")]
    pub status: Option<SourceFileStatusFilter>,
    /// Page size, 1 to 1000.
    #[param(example = 50, minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page, unchanged: the sort key of its last item, as JSON.
    #[param(inline, value_type = Option<crate::pagination::IdCursor>, example = "12")]
    pub cursor: Option<String>,
}

/// List source files
///
/// Imported files, newest first, with their import counts and validation status: snapshots and
/// rejected submissions (`status`).
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
) -> Result<web::Json<SourceFileList>, ApiError> {
    let paging = Paging::new(query.cursor.as_deref(), query.limit)?;
    let facility_id = query.facility_id;
    let status = query.status.map(FileStatus::from);
    read_page(
        &state,
        &request,
        paging,
        move |connection, before, limit| {
            source_files::list(connection, facility_id, status, before.copied(), limit)
        },
    )
    .await
}
