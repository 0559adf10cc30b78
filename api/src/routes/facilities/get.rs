use actix_web::{get, web};
use chrono::NaiveDate;
use priceline_store::queries::facilities;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use crate::problem::{ApiError, OrNotFound, ReadErrors};
use crate::routes::params::scope;
use crate::routes::query::ValidQuery;
use crate::routes::read_data;
use crate::state::AppState;
use crate::views::facility::FacilityDetailView;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct FacilityQuery {
    /// Describe the facility as its snapshot in force on this date.
    #[param(value_type = Option<String>, format = Date, example = "2025-01-01")]
    #[serde(default, deserialize_with = "crate::routes::params::date")]
    pub as_of: Option<NaiveDate>,
}

/// One facility
///
/// The facility with its locations, its source files (newest first) and a summary of its current
/// snapshot (or the one of `as_of`): counts, `last_updated_on`, attestation and validation status.
#[utoipa::path(
    tag = "facilities",
    operation_id = "getFacility",
    params(("id" = i64, Path, description = "Facility id", example = 1, minimum = 1), FacilityQuery),
    responses((status = 200, description = "The facility", body = FacilityDetailView), ReadErrors)
)]
#[get("/v1/facilities/{id}")]
pub async fn get_facility(
    state: web::Data<AppState>,
    id: web::Path<crate::routes::params::PositiveId>,
    query: ValidQuery<FacilityQuery>,
) -> Result<web::Json<FacilityDetailView>, ApiError> {
    let (id, scope) = (id.into_inner().0, scope(query.as_of));
    let detail = read_data(&state, move |connection| {
        facilities::get(connection, id, scope)
            .or_not_found(|| format!("no facility {id} with a snapshot in scope"))
    })
    .await?;
    Ok(web::Json(detail.into()))
}
