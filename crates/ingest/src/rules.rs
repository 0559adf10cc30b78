//! The rules findings report against: the CMS validator's error and alert classes (§5, §6 of the
//! format notes) and the importer's own data-quality rules.

use crate::finding::{Rule, Severity};

const fn cms_error(id: &'static str) -> Rule {
    Rule {
        id,
        severity: Severity::Error,
        cms: true,
    }
}

const fn cms_alert(id: &'static str) -> Rule {
    Rule {
        id,
        severity: Severity::Alert,
        cms: true,
    }
}

const fn importer_alert(id: &'static str) -> Rule {
    Rule {
        id,
        severity: Severity::Alert,
        cms: false,
    }
}

// File structure (CSV rows 1–3, JSON root).
pub const HEADER_BLANK: Rule = cms_error("HeaderBlankError");
pub const MIN_ROWS: Rule = cms_error("MinRowsError");
pub const HEADER_COLUMN_MISSING: Rule = cms_error("HeaderColumnMissingError");
pub const DUPLICATE_HEADER_COLUMN: Rule = cms_error("DuplicateHeaderColumnError");
pub const INVALID_STATE_CODE: Rule = cms_error("InvalidStateCodeError");
pub const COLUMN_MISSING: Rule = cms_error("ColumnMissingError");
pub const DUPLICATE_COLUMN: Rule = cms_error("DuplicateColumnError");
pub const AMBIGUOUS_FORMAT: Rule = cms_error("AmbiguousFormatError");
pub const PLACEHOLDER: Rule = cms_error("PlaceholderError");
pub const PROBLEMS_IN_HEADER: Rule = cms_error("ProblemsInHeaderError");
pub const INVALID_JSON: Rule = cms_error("InvalidJsonError");

// Values.
pub const REQUIRED_VALUE: Rule = cms_error("RequiredValueError");
pub const INVALID_DATE: Rule = cms_error("InvalidDateError");
pub const ALLOWED_VALUES: Rule = cms_error("AllowedValuesError");
pub const INVALID_POSITIVE_NUMBER: Rule = cms_error("InvalidPositiveNumberError");
pub const INVALID_COUNT_NUMBER: Rule = cms_error("InvalidCountNumberError");
/// JSON only: a value of the wrong JSON type (Ajv `type`).
pub const INVALID_TYPE: Rule = cms_error("InvalidTypeError");
/// JSON only: the affirmation/attestation text differs from the required statement (Ajv `const`).
pub const STATEMENT_TEXT: Rule = cms_error("StatementTextError");

// Conditional requirements 1–12.
pub const CODE_PAIR_MISSING: Rule = cms_error("CodePairMissingError");
pub const CHARGE_WITH_PAYER_PLAN: Rule = cms_error("ChargeWithPayerPlanError");
pub const DOLLAR_NEEDS_MIN_MAX: Rule = cms_error("DollarNeedsMinMaxError");
pub const ITEM_REQUIRES_CHARGE: Rule = cms_error("ItemRequiresChargeError");
pub const OTHER_METHODOLOGY_NOTES: Rule = cms_error("OtherMethodologyNotesError");
pub const ALLOWED_COUNT_ZERO_NOTES: Rule = cms_error("AllowedCountZeroNotesError");
pub const PERCENTAGE_ALGORITHM_COUNT: Rule = cms_error("PercentageAlgorithmCountError");
pub const PERCENTAGE_ALGORITHM_MEDIAN: Rule = cms_error("PercentageAlgorithmMedianError");
pub const PERCENTAGE_ALGORITHM_10TH: Rule = cms_error("PercentageAlgorithm10thError");
pub const PERCENTAGE_ALGORITHM_90TH: Rule = cms_error("PercentageAlgorithm90thError");
pub const PERCENTAGE_ALGORITHM_ESTIMATE: Rule = cms_error("PercentageAlgorithmEstimateError");
pub const DRUG_INFORMATION_REQUIRED: Rule = cms_error("DrugInformationRequiredError");
pub const MODIFIER_MISSING_INFO: Rule = cms_error("ModifierMissingInfoError");

// CMS alerts.
pub const VERSION_MISMATCH: Rule = cms_alert("VersionMismatchAlert");
pub const FALSE_STATEMENT: Rule = cms_alert("FalseStatementAlert");
pub const NINE_NINES: Rule = cms_alert("NineNinesAlert");
pub const ESTIMATED_AMOUNT_IN_V3: Rule = cms_alert("EstimatedAmountAlert");

// The importer's data-quality alerts: things CMS accepts (or does not look at) but a reader of the
// prices should know.
pub const PROBABLE_FRACTION: Rule = importer_alert("probable-fraction");
pub const EXTRA_COLUMN: Rule = importer_alert("extra-column");
pub const DUPLICATE_ROW: Rule = importer_alert("duplicate-row");
pub const BRACKETED_NAME: Rule = importer_alert("bracketed-name");
pub const MISSING_PLAN: Rule = importer_alert("missing-plan-name");
pub const LOCATION_ADDRESS_COUNT: Rule = importer_alert("location-address-count");
pub const ROOT_IN_ARRAY: Rule = importer_alert("root-wrapped-in-array");
pub const ENCODING_FALLBACK: Rule = importer_alert("not-utf8");
/// NUL characters in the text, removed: PostgreSQL cannot store them, and no value holds one.
pub const NUL_REMOVED: Rule = importer_alert("nul-characters-removed");
pub const UNKNOWN_VERSION: Rule = importer_alert("unknown-declared-version");
/// A legacy (pre-template) chargemaster read through a mapping profile: it follows no CMS template.
pub const LEGACY_FILE: Rule = importer_alert("legacy-chargemaster");
/// A legacy file's column that its mapping profile does not name: its values are not imported.
pub const LEGACY_UNMAPPED_COLUMN: Rule = importer_alert("legacy-unmapped-column");
/// A type-2 NPI that is not 10 digits (CMS checks only that the list is not blank).
pub const INVALID_NPI: Rule = importer_alert("invalid-npi");

const fn importer_error(id: &'static str) -> Rule {
    Rule {
        id,
        severity: Severity::Error,
        cms: false,
    }
}

/// A valid CMS number that cannot be held exactly (more than 6 decimals or 12 whole digits).
pub const UNREPRESENTABLE_NUMBER: Rule = importer_error("unrepresentable-number");
