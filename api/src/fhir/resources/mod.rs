//! Builders: store values to FHIR resources (JSON). Each is a plain function of the store's value,
//! with no request in sight, so that search, read and a bulk export build the same resource.
//!
//! Every resource carries `meta.versionId` (the id of the source file its data comes from: a new
//! file of the hospital is a new version) and `meta.lastUpdated` (when that file was imported).

pub mod charge_item;
pub mod insurance_plan;
pub mod location;
pub mod organization;

use chrono::NaiveDateTime;
use serde_json::{Value, json};

/// A FHIR `instant` in UTC.
pub fn instant(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn meta(version: i64, last_updated: NaiveDateTime) -> Value {
    json!({ "versionId": version.to_string(), "lastUpdated": instant(last_updated) })
}

/// The version of a built resource (`meta.versionId`).
pub fn version(resource: &Value) -> Option<i64> {
    resource["meta"]["versionId"].as_str()?.parse().ok()
}

pub fn reference(type_name: &str, id: &str) -> Value {
    json!({ "reference": format!("{type_name}/{id}") })
}

/// An exact decimal's text as a JSON number (FHIR `decimal`).
pub fn decimal(text: &str) -> Value {
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// `70.5` (percent) as the factor `0.705`, moving the decimal point in the text so that no binary
/// rounding creeps in.
pub fn percent_factor(text: &str) -> Value {
    let negative = text.starts_with('-');
    let digits = text.trim_start_matches('-');
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let whole = format!("{whole:0>3}");
    let (head, tail) = whole.split_at(whole.len() - 2);
    let factor = format!("{}{head}.{tail}{fraction}", if negative { "-" } else { "" });
    decimal(&factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_become_exact_factors() {
        assert_eq!(percent_factor("70.5").to_string(), "0.705");
        assert_eq!(percent_factor("5").to_string(), "0.05");
        assert_eq!(percent_factor("150").to_string(), "1.5");
        assert_eq!(percent_factor("0.25").to_string(), "0.0025");
        assert_eq!(decimal("2889.7").to_string(), "2889.7");
    }
}
