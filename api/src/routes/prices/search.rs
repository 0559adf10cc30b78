use actix_web::{HttpRequest, get, web};
use priceline_domain::{Amount, ChargeKind, CodeType, Methodology, Setting};
use priceline_store::queries::prices::{self, PriceQuery, PriceSort};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::pagination::Paging;
use crate::problem::{ApiError, ContradictionErrors, ReadErrors};
use crate::routes::params::{facility_filtered_query, scope};
use crate::routes::query::ValidQuery;
use crate::routes::read_page;
use crate::state::AppState;
use crate::views::price::PriceList;

/// Order of price lines.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum PriceSortParam {
    /// By facility, then the order of the file.
    #[serde(rename = "facility")]
    Facility,
    /// Cheapest first by the amount of `kind`.
    #[serde(rename = "amount")]
    Amount,
    /// Dearest first by the amount of `kind`.
    #[serde(rename = "-amount")]
    AmountDescending,
}

facility_filtered_query! {
    cursor = crate::pagination::PriceCursor;
    cursor_example = r#"{"value":1,"item_id":7,"charge_id":12,"rate_id":34}"#;
    /// Price search: every criterion given must match.
    pub struct PricesQuery {
        /// Billing code, as the file writes it.
        #[param(example = "70551", min_length = 1, max_length = 50, pattern = "^[^\\x00]*$")]
        #[validate(length(min = 1, max = 50))]
        pub code: Option<String>,
        /// Type of `code` (any case); without it, `code` matches in every type.
        #[param(inline, value_type = Option<crate::routes::params::CodeTypeName>, example = "CPT")]
        pub code_type: Option<CodeType>,
        /// Item description contains this text (any case).
        #[param(example = "MRI", min_length = 1, max_length = 200, pattern = "^[^\\x00]*$")]
        #[validate(length(min = 1, max = 200))]
        pub q: Option<String>,
        /// Setting of care; `inpatient` and `outpatient` also match charges for `both`.
        #[param(inline, value_type = Option<crate::routes::params::SettingName>, example = "outpatient")]
        pub setting: Option<Setting>,
        /// Payer name contains this text (any case).
        #[param(example = "Platform", min_length = 1, max_length = 200, pattern = "^[^\\x00]*$")]
        #[validate(length(min = 1, max = 200))]
        pub payer: Option<String>,
        /// Plan name contains this text (any case).
        #[param(example = "PPO", min_length = 1, max_length = 200, pattern = "^[^\\x00]*$")]
        #[validate(length(min = 1, max = 200))]
        pub plan: Option<String>,
        /// Contracting methodology of the payer rate.
        #[param(inline, value_type = Option<crate::routes::params::MethodologyName>, example = "fee schedule")]
        pub methodology: Option<Methodology>,
        /// Only lines stating this kind of charge; needed by `sort=amount` and the amount bounds.
        #[param(inline, value_type = Option<crate::views::charge_kind::ChargeKindView>, example = "negotiated_dollar")]
        #[serde(default, deserialize_with = "crate::views::charge_kind::any_kind")]
        pub kind: Option<ChargeKind>,
        /// Lowest amount of `kind`, inclusive: a plain decimal.
        #[param(value_type = Option<String>, example = "100", pattern = "^[0-9]{1,12}(\\.[0-9]{1,6})?$")]
        pub min_amount: Option<Amount>,
        /// Highest amount of `kind`, inclusive: a plain decimal.
        #[param(value_type = Option<String>, example = "5000.50", pattern = "^[0-9]{1,12}(\\.[0-9]{1,6})?$")]
        pub max_amount: Option<Amount>,
        /// `facility` (default), `amount` (cheapest first) or `-amount` (dearest first).
        #[param(inline, example = "amount")]
        pub sort: Option<PriceSortParam>,
    }
}

impl PricesQuery {
    fn to_store(&self) -> Result<PriceQuery, ApiError> {
        let kind = self.kind;
        let amount_kind = kind.filter(|kind| kind.has_amount());
        let sort = match self.sort {
            None | Some(PriceSortParam::Facility) => PriceSort::Facility,
            Some(PriceSortParam::Amount) => PriceSort::AmountAscending,
            Some(PriceSortParam::AmountDescending) => PriceSort::AmountDescending,
        };
        // Each value below is well-formed on its own: refusing a combination is a 422, not a 400.
        if sort != PriceSort::Facility && amount_kind.is_none() {
            return Err(ApiError::contradiction(
                "kind",
                "sorting by amount needs a kind with an amount (gross, discounted_cash, negotiated_dollar, negotiated_percentage, minimum or maximum)",
            ));
        }
        if (self.min_amount.is_some() || self.max_amount.is_some()) && amount_kind.is_none() {
            return Err(ApiError::contradiction(
                "kind",
                "min_amount and max_amount bound the amount of a kind with an amount: give one",
            ));
        }
        if let (Some(min), Some(max)) = (self.min_amount, self.max_amount)
            && min > max
        {
            return Err(ApiError::contradiction(
                "min_amount",
                format!("{min} is above max_amount {max}: no amount lies between them"),
            ));
        }
        let has_criterion = self.code.is_some()
            || self.code_type.is_some()
            || self.q.is_some()
            || !self.facilities().is_empty()
            || self.payer.is_some()
            || self.plan.is_some();
        // Each parameter is well-formed; it is their combination (none) that is refused, as above.
        if !has_criterion {
            return Err(ApiError::contradiction(
                "code",
                "give a code, code_type, q, payer, plan or a facility criterion",
            ));
        }
        Ok(PriceQuery {
            scope: scope(self.as_of),
            facilities: self.facilities(),
            code_type: self.code_type,
            code: self.code.clone(),
            description: self.q.clone(),
            setting: self.setting,
            payer: self.payer.clone(),
            plan: self.plan.clone(),
            methodology: self.methodology,
            kind,
            min_micros: self.min_amount.map(Amount::to_micros),
            max_micros: self.max_amount.map(Amount::to_micros),
            sort,
        })
    }
}

/// Search prices
///
/// Standard charges and payer rates by code and code type (all 21 CMS types), description, facility,
/// place, setting, payer, plan, methodology, kind of charge and amount range; sorted by facility or
/// amount. Each line is one standard charge and at most one of its payer rates, with exact amounts
/// (in their shortest form: `2889.70` is `2889.7`) and its provenance: file, the hospital's
/// `last_updated_on`, and the CSV row or JSON pointer it came from.
///
/// Sorted by an amount of the charge itself (`kind` `gross`, `discounted_cash`, `minimum` or
/// `maximum` with `sort=amount` or `-amount`) and with no `payer`, `plan` or `methodology`, each
/// standard charge is one line without `payer_rate`: its rates would only repeat the same amount.
/// Otherwise each payer rate is a line of its own.
///
/// At least one criterion is required: `code`, `code_type`, `q`, `payer`, `plan` or a facility
/// criterion (422 naming `code` without one: OpenAPI has no way to state that a search needs one of
/// several optional parameters, so the spec states it here and in the 422).
#[utoipa::path(
    tag = "prices",
    operation_id = "searchPrices",
    params(PricesQuery),
    responses(
        (status = 200, description = "A page of price lines", body = PriceList),
        ReadErrors,
        ContradictionErrors
    )
)]
#[get("/v1/prices")]
pub async fn search_prices(
    state: web::Data<AppState>,
    query: ValidQuery<PricesQuery>,
    request: HttpRequest,
) -> Result<web::Json<PriceList>, ApiError> {
    let paging = Paging::new(query.cursor.as_deref(), query.limit)?;
    let search = query.to_store()?;
    read_page(&state, &request, paging, move |connection, after, limit| {
        prices::search(connection, &search, after, limit)
    })
    .await
}
