use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use priceline_store::queries::payers::{self, PayerPlanKey};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use crate::pagination::{self, PageInfo};
use crate::problem::{ApiError, ReadErrors};
use crate::routes::params::{limit_or_default, scope};
use crate::routes::query::ValidQuery;
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::payer::PayerPlanList;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PayersQuery {
    /// Payer or plan name contains this text (any case).
    #[param(example = "platform")]
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// Count rates in each facility's snapshot in force on this date.
    #[param(value_type = Option<String>, format = Date, example = "2025-01-01")]
    #[serde(default, deserialize_with = "crate::routes::params::date")]
    pub as_of: Option<NaiveDate>,
    /// Page size, 1 to 1000.
    #[param(example = 50, minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    #[param(
        example = "eyJwYXllcl9uYW1lIjoiQSIsInBsYW5fbmFtZSI6IkIifQ",
        pattern = "^[A-Za-z0-9_-]+$"
    )]
    pub cursor: Option<String>,
}

/// List and search payers and plans
///
/// Payer plans with at least one rate in scope, by payer then plan name, with how many facilities
/// and rates each has.
#[utoipa::path(
    tag = "payers",
    operation_id = "listPayers",
    params(PayersQuery),
    responses((status = 200, description = "A page of payer plans", body = PayerPlanList), ReadErrors)
)]
#[get("/v1/payers")]
pub async fn list_payers(
    state: web::Data<AppState>,
    query: ValidQuery<PayersQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let after: Option<PayerPlanKey> = pagination::decode(query.cursor.as_deref())?;
    let limit = limit_or_default(query.limit);
    let (scope, name) = (scope(query.as_of), query.name.clone());
    let page = with_connection(&state, move |connection| {
        Ok(payers::search(
            connection,
            scope,
            name.as_deref(),
            after.as_ref(),
            limit,
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PayerPlanList {
        page: PageInfo::new(&request, limit, page.next.as_ref(), page.total),
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}
