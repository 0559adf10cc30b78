use actix_web::{HttpRequest, get, web};
use priceline_store::DbConnection;
use priceline_store::queries::source_files::{self, FileStatus, SourceFileSummary};
use priceline_store::queries::{Page, Scope, facilities};

use crate::pagination::Paging;
use crate::problem::{ApiError, OrNotFound, ReadErrors};
use crate::routes::query::ValidQuery;
use crate::routes::read_page;
use crate::routes::source_files::list::PageQuery;
use crate::state::AppState;
use crate::views::source_file::SourceFileList;

/// A facility's snapshots
///
/// Every usable file the facility has published, newest first: its history of snapshots. Any price
/// query can be answered from an earlier one with `as_of`. Rejected submissions are not snapshots:
/// `/v1/source-files?facility_id=…&status=rejected` lists them.
#[utoipa::path(
    tag = "facilities",
    operation_id = "listFacilitySnapshots",
    params(("id" = i64, Path, description = "Facility id", example = 1, minimum = 1), PageQuery),
    responses((status = 200, description = "The facility's files", body = SourceFileList), ReadErrors)
)]
#[get("/v1/facilities/{id}/snapshots")]
pub async fn list_facility_snapshots(
    state: web::Data<AppState>,
    id: web::Path<crate::routes::params::PositiveId>,
    query: ValidQuery<PageQuery>,
    request: HttpRequest,
) -> Result<web::Json<SourceFileList>, ApiError> {
    let id = id.into_inner().0;
    let paging = Paging::new(query.cursor.as_deref(), query.limit)?;
    read_page(
        &state,
        &request,
        paging,
        move |connection, before, limit| snapshots(connection, id, before.copied(), limit),
    )
    .await
}

/// The facility's accepted files after `before`. A facility without files is not one: 404 rather than an
/// empty list.
fn snapshots(
    connection: &mut DbConnection,
    id: i64,
    before: Option<i64>,
    limit: usize,
) -> Result<Page<SourceFileSummary, i64>, ApiError> {
    facilities::get(connection, id, Scope::Current).or_not_found(|| format!("no facility {id}"))?;
    let accepted = Some(FileStatus::Accepted);
    Ok(source_files::list(
        connection,
        Some(id),
        accepted,
        before,
        limit,
    )?)
}
