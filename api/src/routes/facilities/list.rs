use actix_web::{HttpRequest, HttpResponse, get, web};
use priceline_store::queries::facilities::{self, FacilityKey};

use crate::pagination::{self, PageInfo};
use crate::problem::{ApiError, ReadErrors};
use crate::routes::params::{facility_filtered_query, limit_or_default, scope};
use crate::routes::query::ValidQuery;
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::facility::FacilityList;

facility_filtered_query! {
    cursor_example = "eyJuYW1lIjoiV2VzdCBNZXJjeSBIb3NwaXRhbCIsImlkIjoxfQ";
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
) -> Result<HttpResponse, ApiError> {
    let after: Option<FacilityKey> = pagination::decode(query.cursor.as_deref())?;
    let limit = limit_or_default(query.limit);
    let (scope, filter) = (scope(query.as_of), query.facilities());
    let page = with_connection(&state, move |connection| {
        Ok(facilities::search(
            connection,
            scope,
            &filter,
            after.as_ref(),
            limit,
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(FacilityList {
        page: PageInfo::new(&request, limit, page.next.as_ref(), page.total),
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}
