//! One code across facilities.

use priceline_store::queries::compare::{AmountRange, FacilityPrice};
use serde::Serialize;
use utoipa::ToSchema;

use super::charge_kind::ChargeKindView;
use super::facility::FacilityView;
use super::list_view;

/// The lowest and highest amount of one dollar kind at the facility.
#[derive(Debug, Serialize, ToSchema)]
pub struct AmountRangeView {
    pub kind: ChargeKindView,
    #[schema(example = "250")]
    pub lowest: String,
    #[schema(example = "400")]
    pub highest: String,
    pub count: u64,
}

impl From<AmountRange> for AmountRangeView {
    fn from(range: AmountRange) -> Self {
        Self {
            kind: ChargeKindView(range.kind),
            lowest: range.lowest.to_string(),
            highest: range.highest.to_string(),
            count: range.count,
        }
    }
}

/// A facility's prices for the code, ranked by `price`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityPriceView {
    pub facility: FacilityView,
    /// The facility's lowest amount of the ranked `kind`. `null` for a facility that states the
    /// code but not that kind: such facilities are listed after all those with a price, by id,
    /// and `kinds` and `ranges` say what they do state.
    #[schema(example = "1080")]
    pub price: Option<String>,
    /// Every kind of charge the facility states for the code.
    pub kinds: Vec<ChargeKindView>,
    pub ranges: Vec<AmountRangeView>,
}

impl From<FacilityPrice> for FacilityPriceView {
    fn from(price: FacilityPrice) -> Self {
        Self {
            facility: price.facility.into(),
            price: price.price.map(|amount| amount.to_string()),
            kinds: price.kinds.into_iter().map(ChargeKindView).collect(),
            ranges: price.ranges.into_iter().map(Into::into).collect(),
        }
    }
}

list_view!(
    /// Facilities, cheapest first; those without the ranked kind last.
    FacilityPriceList,
    FacilityPriceView
);
