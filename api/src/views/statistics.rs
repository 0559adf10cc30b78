//! Statistics of one code.

use priceline_store::queries::statistics::{Distribution, StatisticsGroup};
use serde::Serialize;
use utoipa::ToSchema;

/// Nearest-rank spread of one kind of amount: every figure is an amount some file states.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"count": 4, "min": "250", "p10": "250", "p25": "250", "median": "300",
                          "p75": "400", "p90": "400", "max": "400"}))]
pub struct DistributionView {
    pub count: u64,
    pub min: String,
    pub p10: String,
    pub p25: String,
    pub median: String,
    pub p75: String,
    pub p90: String,
    pub max: String,
}

impl From<Distribution> for DistributionView {
    fn from(d: Distribution) -> Self {
        Self {
            count: d.count,
            min: d.min.to_string(),
            p10: d.p10.to_string(),
            p25: d.p25.to_string(),
            median: d.median.to_string(),
            p75: d.p75.to_string(),
            p90: d.p90.to_string(),
            max: d.max.to_string(),
        }
    }
}

/// Lines of one setting and methodology (`null`: charges with no payer rate), and of one payer or
/// license state when split so.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatisticsGroupView {
    #[schema(example = "outpatient")]
    pub setting: String,
    #[schema(example = "fee schedule")]
    pub methodology: Option<String>,
    pub payer_name: Option<String>,
    pub state: Option<String>,
    pub facilities: u64,
    /// Distinct standard charges (their gross and cash amounts count once each).
    pub charges: u64,
    pub rates: u64,
    pub gross: Option<DistributionView>,
    pub discounted_cash: Option<DistributionView>,
    pub negotiated_dollar: Option<DistributionView>,
    /// Fewer than 3 facilities: the figures describe a hospital or two.
    pub small_sample: bool,
}

impl From<StatisticsGroup> for StatisticsGroupView {
    fn from(group: StatisticsGroup) -> Self {
        Self {
            setting: group.setting.as_str().to_owned(),
            methodology: group.methodology.map(|m| m.as_str().to_owned()),
            payer_name: group.payer_name,
            state: group.state,
            facilities: group.facilities,
            charges: group.charges,
            rates: group.rates,
            gross: group.gross.map(Into::into),
            discounted_cash: group.discounted_cash.map(Into::into),
            negotiated_dollar: group.negotiated_dollar.map(Into::into),
            small_sample: group.small_sample,
        }
    }
}

/// The statistics of one code.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeStatisticsView {
    #[schema(example = "CPT")]
    pub code_type: String,
    #[schema(example = "70551")]
    pub code: String,
    pub groups: Vec<StatisticsGroupView>,
}
