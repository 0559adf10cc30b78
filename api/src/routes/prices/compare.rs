use actix_web::{HttpRequest, get, web};
use priceline_domain::{ChargeKind, Setting};
use priceline_store::queries::compare::{self, CompareQuery};

use super::CodePath;
use crate::pagination::Paging;
use crate::problem::{ApiError, ReadErrors};
use crate::routes::params::{facility_filtered_query, scope};
use crate::routes::query::ValidQuery;
use crate::routes::read_page;
use crate::state::AppState;
use crate::views::compare::FacilityPriceList;

facility_filtered_query! {
    cursor = crate::pagination::CompareCursor;
    cursor_example = r#"{"price_micros":1080000000,"facility_id":1}"#;
    /// Where a code is cheaper.
    pub struct CompareParams {
        /// Only this setting (charges for `both` included).
        #[param(inline, value_type = Option<crate::routes::params::SettingName>, example = "outpatient")]
        pub setting: Option<Setting>,
        /// The kind facilities are ranked by; `discounted_cash` (the self-pay price) by default.
        #[param(inline, value_type = Option<crate::views::charge_kind::DollarKindName>, example = "discounted_cash")]
        #[serde(default, deserialize_with = "crate::views::charge_kind::dollar_kind")]
        pub kind: Option<ChargeKind>,
    }
}

/// Compare a code across facilities
///
/// Where is this cheaper? Every facility stating the code, with its locations, every kind of charge
/// it states and the range of each dollar kind: first those stating `kind`, cheapest first by their
/// lowest amount of it, then those that state the code without `kind` (`price` is null), by id. So
/// no facility is left out: with the default `discounted_cash`, a facility publishing only payer
/// rates for the code is listed last rather than missing.
#[utoipa::path(
    tag = "prices",
    operation_id = "compareCode",
    params(
        CodePath,
        CompareParams
    ),
    responses((status = 200, description = "Facilities, cheapest first; those without `kind` last, with a null price", body = FacilityPriceList), ReadErrors)
)]
#[get("/v1/codes/{code_type}/{code}/compare")]
pub async fn compare_code(
    state: web::Data<AppState>,
    path: web::Path<CodePath>,
    query: ValidQuery<CompareParams>,
    request: HttpRequest,
) -> Result<web::Json<FacilityPriceList>, ApiError> {
    let (code_type, code) = path.into_inner().parse()?;
    let paging = Paging::new(query.cursor.as_deref(), query.limit)?;
    let compare = CompareQuery {
        scope: scope(query.as_of),
        facilities: query.facilities(),
        code_type,
        code,
        setting: query.setting,
        kind: query.kind.unwrap_or(ChargeKind::DiscountedCash),
    };
    read_page(&state, &request, paging, move |connection, after, limit| {
        compare::compare(connection, &compare, after, limit)
    })
    .await
}
