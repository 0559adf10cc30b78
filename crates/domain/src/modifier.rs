//! Modifier definitions: what a modifier code does to a price, per payer and plan.

use serde::{Deserialize, Serialize};

use crate::{Amount, Percentage, Setting};

/// A modifier (JSON `modifier_information`, or a CSV row with modifiers and no code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modifier {
    /// The code or combination as written, e.g. `50` or `50|62`.
    pub code: String,
    pub description: String,
    pub setting: Option<Setting>,
    /// Notes on a modifier row that names no payer (CSV `additional_generic_notes`).
    pub notes: Option<String>,
    pub payer_info: Vec<ModifierPayerInfo>,
}

/// How one payer and plan treat a modifier. JSON gives a description; CSV rows may instead give the
/// adjustment as a dollar amount, percentage or algorithm with notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModifierPayerInfo {
    pub payer_name: String,
    pub plan_name: Option<String>,
    pub description: Option<String>,
    pub negotiated_dollar: Option<Amount>,
    pub negotiated_percentage: Option<Percentage>,
    pub negotiated_algorithm: Option<String>,
}
