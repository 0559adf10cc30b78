use actix_web::{HttpRequest, HttpResponse, get, web};
use priceline_domain::{ChargeKind, CodeType, Setting};
use priceline_store::queries::compare::{self, CompareKey, CompareQuery};

use crate::pagination::{self, PageInfo};
use crate::problem::{ApiError, ReadErrors};
use crate::routes::params::{facility_filtered_query, limit_or_default, scope};
use crate::routes::query::ValidQuery;
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::compare::FacilityPriceList;

facility_filtered_query! {
    cursor_example = "eyJwcmljZV9taWNyb3MiOjEwODAwMDAwMDAsImZhY2lsaXR5X2lkIjoxfQ";
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
        ("code_type" = inline(crate::routes::params::CodeTypeName), Path, description = "CMS code type (any case)", example = "CPT"),
        ("code" = String, Path, description = "Billing code", example = "70551"),
        CompareParams
    ),
    responses((status = 200, description = "Facilities, cheapest first; those without `kind` last, with a null price", body = FacilityPriceList), ReadErrors)
)]
#[get("/v1/codes/{code_type}/{code}/compare")]
pub async fn compare_code(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: ValidQuery<CompareParams>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (code_type, code) = path.into_inner();
    let code = crate::routes::query::path_text("code", code)?;
    let code_type = CodeType::parse(&code_type)
        .map_err(|error| ApiError::invalid("code_type", error.to_string()))?;
    let after: Option<CompareKey> = pagination::decode(query.cursor.as_deref())?;
    let limit = limit_or_default(query.limit);
    let compare = CompareQuery {
        scope: scope(query.as_of),
        facilities: query.facilities(),
        code_type,
        code,
        setting: query.setting,
        kind: query.kind.unwrap_or(ChargeKind::DiscountedCash),
    };
    let page = with_connection(&state, move |connection| {
        Ok(compare::compare(
            connection,
            &compare,
            after.as_ref(),
            limit,
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(FacilityPriceList {
        page: PageInfo::new(&request, limit, page.next.as_ref(), page.total),
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}
