use actix_web::{HttpRequest, get, web};
use chrono::NaiveDate;
use priceline_store::queries::payers;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use crate::pagination::Paging;
use crate::problem::{ApiError, ReadErrors};
use crate::routes::params::scope;
use crate::routes::query::ValidQuery;
use crate::routes::read_page;
use crate::state::AppState;
use crate::views::payer::PayerPlanList;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PayersQuery {
    /// Payer or plan name contains this text (any case).
    #[param(
        example = "platform",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00]*$"
    )]
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
    /// `next_cursor` of the previous page, unchanged: the sort key of its last item, as JSON.
    #[param(
        inline,
        value_type = Option<crate::pagination::PayerPlanCursor>,
        example = r#"{"payer_name":"A","plan_name":"B"}"#
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
) -> Result<web::Json<PayerPlanList>, ApiError> {
    let paging = Paging::new(query.cursor.as_deref(), query.limit)?;
    let (scope, name) = (scope(query.as_of), query.name.clone());
    read_page(&state, &request, paging, move |connection, after, limit| {
        payers::search(connection, scope, name.as_deref(), after, limit)
    })
    .await
}
