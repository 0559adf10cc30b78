use actix_web::{HttpRequest, HttpResponse, get, web};
use priceline_store::queries::{facilities, source_files};

use crate::pagination::{self, PageInfo};
use crate::problem::{ApiError, ReadErrors};
use crate::routes::params::limit_or_default;
use crate::routes::query::ValidQuery;
use crate::routes::source_files::list::PageQuery;
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::source_file::SourceFileList;

/// A facility's snapshots
///
/// Every file the facility has published, newest first: its history of snapshots. Any price query
/// can be answered from an earlier one with `as_of`.
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
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().0;
    let before: Option<i64> = pagination::decode(query.cursor.as_deref())?;
    let limit = limit_or_default(query.limit);
    let page = with_connection(&state, move |connection| {
        // A facility without files is not one: 404 rather than an empty list.
        // Only "not found" is a 404: a failing database stays a 500 or 503.
        facilities::get(connection, id, priceline_store::queries::Scope::Current).map_err(
            |error| match error {
                priceline_store::StoreError::NotFound => {
                    ApiError::NotFound(format!("no facility {id}"))
                }
                other => other.into(),
            },
        )?;
        Ok(source_files::list(connection, Some(id), before, limit)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(SourceFileList {
        page: PageInfo::new(&request, limit, page.next.as_ref(), page.total),
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}
