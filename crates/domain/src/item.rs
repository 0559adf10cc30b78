//! Items and their prices: an item (a service or drug with its codes) has standard charges per setting
//! (and modifiers), and each standard charge has payer-specific rates.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::enumeration::text_enum;
use crate::{AllowedCount, Amount, BillingClass, Code, Methodology, Percentage, Quantity, Setting};

text_enum! {
    /// Unit of a drug quantity. `ME` is milligram and `F2` international unit.
    DrugUnitType, "drug type of measurement" {
        Gr => "GR",
        Me => "ME",
        Ml => "ML",
        Un => "UN",
        F2 => "F2",
        Ea => "EA",
        Gm => "GM",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugInfo {
    pub unit: Quantity,
    pub unit_type: DrugUnitType,
}

/// Where in the source file a record was read: a 1-based CSV line or a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordLocation {
    Row(u64),
    Pointer(String),
}

impl RecordLocation {
    /// Parses the form written by `Display`: `row 10` or a JSON pointer starting with `/`.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(number) = text.strip_prefix("row ") {
            return number.parse().ok().map(Self::Row);
        }
        (text.starts_with('/') || text.is_empty()).then(|| Self::Pointer(text.to_owned()))
    }
}

impl fmt::Display for RecordLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Row(row) => write!(f, "row {row}"),
            Self::Pointer(pointer) => f.write_str(pointer),
        }
    }
}

/// The text a file wrote for a field whose value had to be normalised (`$800 ` → 800), kept beside the
/// parsed value so nothing changes silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawValue {
    pub field: String,
    pub raw: String,
}

/// A billable item or service: a description and 1..n codes, with drug information for drugs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub description: String,
    pub codes: Vec<Code>,
    pub drug: Option<DrugInfo>,
    pub standard_charges: Vec<StandardCharge>,
}

/// The standard charges of an item in one setting (and with given modifiers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardCharge {
    pub setting: Setting,
    pub billing_class: Option<BillingClass>,
    /// Modifier codes the charge applies with (`50`, `62`, …).
    pub modifiers: Vec<String>,
    pub gross: Option<Amount>,
    pub discounted_cash: Option<Amount>,
    /// De-identified minimum negotiated charge.
    pub minimum: Option<Amount>,
    /// De-identified maximum negotiated charge.
    pub maximum: Option<Amount>,
    pub generic_notes: Option<String>,
    pub payer_rates: Vec<PayerRate>,
    pub source: RecordLocation,
    pub raw_values: Vec<RawValue>,
}

/// A payer-specific negotiated charge for one payer and plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayerRate {
    pub payer_name: String,
    /// Missing in Wide headers with three parts (`standard_charge|MEDICARE|negotiated_dollar`).
    pub plan_name: Option<String>,
    pub negotiated_dollar: Option<Amount>,
    pub negotiated_percentage: Option<Percentage>,
    pub negotiated_algorithm: Option<String>,
    pub methodology: Option<Methodology>,
    /// Allowed amounts from remittances (v3.0).
    pub median_amount: Option<Amount>,
    pub percentile_10th: Option<Amount>,
    pub percentile_90th: Option<Amount>,
    pub count: Option<AllowedCount>,
    /// v2.2 only: the estimated dollar amount of a percentage or algorithm charge.
    pub estimated_amount: Option<Amount>,
    pub payer_notes: Option<String>,
    pub source: RecordLocation,
    pub raw_values: Vec<RawValue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_locations_round_trip_through_text() {
        for location in [
            RecordLocation::Row(10),
            RecordLocation::Pointer("/standard_charge_information/3/standard_charges/0".into()),
        ] {
            assert_eq!(RecordLocation::parse(&location.to_string()), Some(location));
        }
        assert_eq!(RecordLocation::parse("nonsense"), None);
    }
}
