//! Price lines.

use chrono::NaiveDate;
use priceline_domain::{Code, PayerRate, RawValue, RecordLocation};
use priceline_store::queries::prices::PriceLine;
use serde::Serialize;
use utoipa::ToSchema;

use super::list_view;

fn text<T: ToString>(value: Option<T>) -> Option<String> {
    value.map(|value| value.to_string())
}

/// A billing code with its type.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeView {
    #[schema(example = "CPT")]
    pub code_type: String,
    #[schema(example = "70551")]
    pub code: String,
}

impl From<Code> for CodeView {
    fn from(code: Code) -> Self {
        Self {
            code_type: code.code_type.as_str().to_owned(),
            code: code.code,
        }
    }
}

/// The facility a line belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityRefView {
    pub id: i64,
    pub name: String,
}

/// A field whose text had to be normalised, with the text the file wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct RawValueView {
    pub field: String,
    pub raw: String,
}

impl From<RawValue> for RawValueView {
    fn from(raw: RawValue) -> Self {
        Self {
            field: raw.field,
            raw: raw.raw,
        }
    }
}

/// Where the line was read: the file, the hospital's date of it, and the CSV row or JSON pointer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvenanceView {
    pub source_file_id: i64,
    pub file_name: String,
    pub last_updated_on: Option<NaiveDate>,
    /// True when the file is a legacy (pre-template) chargemaster, not a CMS template file.
    pub legacy: bool,
    /// The mapping a legacy file was read through (`auto` or the profile's name).
    pub legacy_profile: Option<String>,
    /// 1-based CSV line of the record (CSV files).
    pub row: Option<u64>,
    /// JSON pointer of the record (JSON files).
    pub pointer: Option<String>,
}

/// A payer-specific negotiated charge. Amounts are exact decimal strings in their shortest form:
/// trailing zeros after the point are dropped (`2889.70` → `2889.7`, `4660.00` → `4660`); the value
/// is never rounded.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayerRateView {
    #[schema(example = "Platform Health Insurance")]
    pub payer_name: String,
    #[schema(example = "PPO")]
    pub plan_name: Option<String>,
    #[schema(example = "400")]
    pub negotiated_dollar: Option<String>,
    /// A percentage as files write it: `70.5` means 70.5 %.
    #[schema(example = "70.5")]
    pub negotiated_percentage: Option<String>,
    pub negotiated_algorithm: Option<String>,
    #[schema(example = "fee schedule")]
    pub methodology: Option<String>,
    /// Allowed amounts from remittances (v3.0).
    pub median_amount: Option<String>,
    pub percentile_10th: Option<String>,
    pub percentile_90th: Option<String>,
    /// `0`, `1 through 10`, or a whole number of at least 11.
    pub count: Option<String>,
    /// v2.2: the estimated dollar amount of a percentage or algorithm.
    pub estimated_amount: Option<String>,
    pub payer_notes: Option<String>,
}

impl From<PayerRate> for PayerRateView {
    fn from(rate: PayerRate) -> Self {
        Self {
            payer_name: rate.payer_name,
            plan_name: rate.plan_name,
            negotiated_dollar: text(rate.negotiated_dollar),
            negotiated_percentage: text(rate.negotiated_percentage),
            negotiated_algorithm: rate.negotiated_algorithm,
            methodology: rate.methodology.map(|m| m.as_str().to_owned()),
            median_amount: text(rate.median_amount),
            percentile_10th: text(rate.percentile_10th),
            percentile_90th: text(rate.percentile_90th),
            count: text(rate.count),
            estimated_amount: text(rate.estimated_amount),
            payer_notes: rate.payer_notes,
        }
    }
}

/// One standard charge and at most one of its payer rates, as a Tall CSV row holds them. Amounts are
/// exact decimal strings in their shortest form: trailing zeros after the point are dropped
/// (`2889.70` → `2889.7`, `4660.00` → `4660`); the value is never rounded.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "facility": {"id": 1, "name": "West Mercy Hospital"},
    "description": "MRI of brain (no contrast)",
    "codes": [{"code_type": "RC", "code": "611"}, {"code_type": "CPT", "code": "70551"}],
    "setting": "outpatient", "billing_class": null, "modifiers": [],
    "gross": "1200", "discounted_cash": "1080", "minimum": "250", "maximum": "400",
    "drug_unit": null, "drug_unit_type": null, "generic_notes": null,
    "payer_rate": {"payer_name": "Platform Health Insurance", "plan_name": "PPO", "negotiated_dollar": "400",
                   "negotiated_percentage": null, "negotiated_algorithm": null, "methodology": "fee schedule",
                   "median_amount": null, "percentile_10th": null, "percentile_90th": null, "count": null,
                   "estimated_amount": null, "payer_notes": null},
    "raw_values": [],
    "provenance": {"source_file_id": 3, "file_name": "V3.0.0_Tall_CSV_Format_Example.csv",
                   "last_updated_on": "2026-04-01", "legacy": false, "row": 4, "pointer": null}
}))]
pub struct PriceView {
    pub facility: FacilityRefView,
    pub description: String,
    pub codes: Vec<CodeView>,
    /// `inpatient`, `outpatient` or `both`.
    pub setting: String,
    pub billing_class: Option<String>,
    pub modifiers: Vec<String>,
    pub gross: Option<String>,
    pub discounted_cash: Option<String>,
    /// De-identified minimum negotiated charge.
    pub minimum: Option<String>,
    /// De-identified maximum negotiated charge.
    pub maximum: Option<String>,
    /// Drug quantity and its unit, for drugs.
    pub drug_unit: Option<String>,
    pub drug_unit_type: Option<String>,
    pub generic_notes: Option<String>,
    /// Absent for a charge with no payer rate, and on the lines of a search sorted by an amount of
    /// the charge itself (see `searchPrices`), which lists each charge once.
    pub payer_rate: Option<PayerRateView>,
    /// The file's own text, exactly as written, for each value that had to be repaired to be read
    /// (`$800 ` read as 800). Empty when every value was a plain number: writing `2889.70` as
    /// `2889.7` is not a repair.
    pub raw_values: Vec<RawValueView>,
    pub provenance: ProvenanceView,
}

impl From<PriceLine> for PriceView {
    fn from(line: PriceLine) -> Self {
        let charge = line.charge;
        let mut raw_values: Vec<RawValueView> =
            charge.raw_values.into_iter().map(Into::into).collect();
        let source = match &line.rate {
            Some(rate) => {
                raw_values.extend(rate.raw_values.iter().cloned().map(Into::into));
                rate.source.clone()
            }
            None => charge.source,
        };
        let (row, pointer) = match source {
            RecordLocation::Row(row) => (Some(row), None),
            RecordLocation::Pointer(pointer) => (None, Some(pointer)),
        };
        Self {
            facility: FacilityRefView {
                id: line.facility_id,
                name: line.facility_name,
            },
            description: line.description,
            codes: line.codes.into_iter().map(Into::into).collect(),
            setting: charge.setting.as_str().to_owned(),
            billing_class: charge.billing_class.map(|c| c.as_str().to_owned()),
            modifiers: charge.modifiers,
            gross: text(charge.gross),
            discounted_cash: text(charge.discounted_cash),
            minimum: text(charge.minimum),
            maximum: text(charge.maximum),
            drug_unit: line.drug.as_ref().map(|drug| drug.unit.to_string()),
            drug_unit_type: line.drug.map(|drug| drug.unit_type.as_str().to_owned()),
            generic_notes: charge.generic_notes,
            payer_rate: line.rate.map(Into::into),
            raw_values,
            provenance: ProvenanceView {
                source_file_id: line.provenance.source_file_id,
                file_name: line.provenance.file_name,
                last_updated_on: line.provenance.last_updated_on,
                legacy: line.provenance.legacy_profile.is_some(),
                legacy_profile: line.provenance.legacy_profile,
                row,
                pointer,
            },
        }
    }
}

list_view!(
    /// A page of price lines.
    PriceList,
    PriceView
);
