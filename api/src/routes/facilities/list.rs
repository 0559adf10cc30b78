use actix_web::{HttpRequest, get, web};
use priceline_store::queries::facilities;

use crate::pagination::Paging;
use crate::problem::{ApiError, ReadErrors};
use crate::routes::params::{facility_filtered_query, scope};
use crate::routes::query::ValidQuery;
use crate::routes::read_page;
use crate::state::AppState;
use crate::views::facility::FacilityList;

facility_filtered_query! {
    cursor = crate::pagination::FacilityCursor;
    cursor_example = r#"{"name":"West Mercy Hospital","id":1}"#;
    /// Facility search: every criterion given must match.
    pub struct FacilitiesQuery {}
}

/// List and search facilities
///
/// Facilities by name, as their current snapshot (or the one of `as_of`) describes them, filtered by
/// name, state, city, ZIP, NPI, CCN or license number. The page carries the total.
#[utoipa::path(
    tag = "facilities",
    operation_id = "listFacilities",
    params(FacilitiesQuery),
    responses((status = 200, description = "A page of facilities", body = FacilityList), ReadErrors)
)]
#[get("/v1/facilities")]
pub async fn list_facilities(
    state: web::Data<AppState>,
    query: ValidQuery<FacilitiesQuery>,
    request: HttpRequest,
) -> Result<web::Json<FacilityList>, ApiError> {
    let paging = Paging::new(query.cursor.as_deref(), query.limit)?;
    let (scope, filter) = (scope(query.as_of), query.facilities());
    read_page(&state, &request, paging, move |connection, after, limit| {
        facilities::search(connection, scope, &filter, after, limit)
    })
    .await
}
