//! The CMS JSON schema of each version, checked by hand on one value at a time, and the conversion
//! of what passes into domain records. Locations are the JSON pointers Ajv reports: a missing
//! property or a failed conditional is reported at the object that lacks it, a bad value at the value.

use priceline_domain::{
    Amount, Attestation, BillingClass, Code, CodeType, ContractProvision, DrugInfo, DrugUnitType,
    Facility, Item, License, Methodology, Modifier, ModifierPayerInfo, PayerRate, Percentage,
    Quantity, RawValue, RecordLocation, Setting, StandardCharge, StateCode, TemplateVersion,
};

use super::lexer::{Key, Value};
use crate::detect::{AFFIRMATION, ATTESTATION};
use crate::finding::Finding;
use crate::labels::Label;
use crate::location::pair_locations;
use crate::rules;
use crate::values::{Check, Exact};

type Fields = [(Key, Value)];

/// `{pointer}/{key}`: where a finding about a property points, formatted only when a finding is
/// made (almost every property passes, and formatting each one dominated reading an element).
#[derive(Clone, Copy)]
struct Under<'a>(&'a str, &'a str);

impl std::fmt::Display for Under<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)?;
        f.write_str("/")?;
        f.write_str(self.1)
    }
}

/// `{pointer}/{array}/{index}`, the pointer of an array element (kept in records as their source).
fn element_pointer(pointer: &str, array: &str, index: usize) -> String {
    use std::fmt::Write;
    let mut at = String::with_capacity(pointer.len() + array.len() + 8);
    at.push_str(pointer);
    at.push('/');
    at.push_str(array);
    at.push('/');
    let _ = write!(at, "{index}");
    at
}

fn fields(value: &Value) -> &Fields {
    match value {
        Value::Object(fields) => fields,
        _ => &[],
    }
}

fn get<'a>(object: &'a Fields, key: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value)
}

/// Checks that a value is an object; reports the type otherwise.
fn object<'a>(value: &'a Value, pointer: &str, check: &mut Check) -> Option<&'a Fields> {
    match value {
        Value::Object(fields) => Some(fields),
        other => {
            wrong_type(check, pointer, "object", other);
            None
        }
    }
}

fn missing(check: &mut Check, pointer: &str, key: &str) {
    check.push(Finding::new(
        rules::REQUIRED_VALUE,
        pointer,
        format!("must have required property '{key}'"),
    ));
}

/// A string property. `non_empty` is the schema's `minLength: 1`.
fn string(
    object: &Fields,
    key: &str,
    pointer: &str,
    required: bool,
    non_empty: bool,
    check: &mut Check,
) -> Option<String> {
    let at = Under(pointer, key);
    match get(object, key) {
        None => {
            if required {
                missing(check, pointer, key);
            }
            None
        }
        Some(Value::String(text)) if text.is_empty() => {
            if non_empty {
                check.push(Finding::new(
                    rules::REQUIRED_VALUE,
                    at.to_string(),
                    "must NOT have fewer than 1 characters",
                ));
            }
            None
        }
        Some(Value::String(text)) => Some(text.clone()),
        // A number or boolean where text belongs reads unambiguously as its text.
        Some(Value::Number(text)) => {
            type_error(check, at.to_string(), "must be string", true);
            Some(text.clone())
        }
        Some(other) => {
            wrong_type(check, at.to_string(), "string", other);
            None
        }
    }
}

/// A positive number property (`exclusiveMinimum: 0`).
fn number<T: Exact>(
    object: &Fields,
    key: &str,
    pointer: &str,
    raw: &mut Vec<RawValue>,
    check: &mut Check,
) -> Option<T> {
    let at = Under(pointer, key);
    match get(object, key)? {
        Value::Number(text) => check.positive_json(text, key, &at),
        Value::String(text) => {
            let mut scratch = Vec::new();
            let value = check.positive_text::<T>(text, key, &at, &mut scratch);
            if value.is_some() {
                type_error(check, at.to_string(), "must be number", true);
                raw.push(RawValue {
                    field: key.to_owned(),
                    raw: text.clone(),
                });
            } else if !text.trim().is_empty() {
                type_error(check, at.to_string(), "must be number", false);
            }
            value
        }
        other => {
            wrong_type(check, at.to_string(), "number", other);
            None
        }
    }
}

/// An enumeration property, read as `labels` says: JSON enums are exact, so another case is read
/// but reported; a label read leniently keeps its text in `raw`.
fn enumeration<T: Label>(
    object: &Fields,
    key: &str,
    pointer: &str,
    required: bool,
    raw: &mut Vec<RawValue>,
    check: &mut Check,
) -> Option<T> {
    let text = string(object, key, pointer, required, true, check)?;
    check.label(&text, &key, &Under(pointer, key), raw, true)
}

fn array<'a>(
    object: &'a Fields,
    key: &str,
    pointer: &str,
    required: bool,
    check: &mut Check,
) -> Option<&'a [Value]> {
    match get(object, key) {
        None => {
            if required {
                missing(check, pointer, key);
            }
            None
        }
        Some(Value::Array(values)) => {
            if values.is_empty() {
                check.push(Finding::new(
                    rules::REQUIRED_VALUE,
                    format!("{pointer}/{key}"),
                    "must NOT have fewer than 1 items",
                ));
            }
            Some(values)
        }
        Some(other) => {
            wrong_type(check, format!("{pointer}/{key}"), "array", other);
            None
        }
    }
}

/// An array of strings; `non_empty` is the schema's `minLength: 1` on its items (v3), which makes
/// an empty string an error (whitespace passes the schema and is skipped like blank text).
fn strings(
    object: &Fields,
    key: &str,
    pointer: &str,
    required: bool,
    non_empty: bool,
    check: &mut Check,
) -> Vec<String> {
    let Some(values) = array(object, key, pointer, required, check) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (index, value) in values.iter().enumerate() {
        match value {
            Value::String(text) if !text.trim().is_empty() => out.push(text.trim().to_owned()),
            Value::String(text) if text.is_empty() && non_empty => check.push(Finding::new(
                rules::REQUIRED_VALUE,
                format!("{pointer}/{key}/{index}"),
                "must NOT have fewer than 1 characters",
            )),
            Value::String(_) => {}
            other => wrong_type(check, format!("{pointer}/{key}/{index}"), "string", other),
        }
    }
    out
}

/// The general data elements of the root object.
pub(super) struct Root {
    pub facility: Facility,
    pub last_updated_on: Option<chrono::NaiveDate>,
    pub attestation: Option<Attestation>,
}

pub(super) fn root(
    value: &Value,
    keys: &[String],
    version: TemplateVersion,
    check: &mut Check,
) -> Root {
    let object = fields(value);
    let v3 = version >= TemplateVersion::V3_0;
    let hospital_name = string(object, "hospital_name", "", true, true, check).unwrap_or_default();
    let last_updated_on =
        string(object, "last_updated_on", "", true, true, check).and_then(|text| {
            let date = crate::values::date(&text, false);
            if date.is_none() {
                check.push(Finding::new(
                    rules::INVALID_DATE,
                    "/last_updated_on",
                    format!("{text:?} must match format \"date\""),
                ));
            }
            date
        });
    string(object, "version", "", true, true, check);
    let names = strings(
        object,
        if v3 {
            "location_name"
        } else {
            "hospital_location"
        },
        "",
        true,
        v3,
        check,
    );
    let addresses = strings(object, "hospital_address", "", true, v3, check);
    let mut location_findings = Vec::new();
    let locations = pair_locations(names, addresses, &mut location_findings);
    location_findings
        .into_iter()
        .for_each(|finding| check.push(finding));
    let type_2_npis = if v3 {
        strings(object, "type_2_npi", "", true, true, check);
        let listed = match get(object, "type_2_npi") {
            Some(Value::Array(values)) => values.as_slice(),
            _ => &[],
        };
        let written = listed
            .iter()
            .enumerate()
            .filter_map(|(index, value)| match value {
                Value::String(text) if !text.trim().is_empty() => {
                    Some((format!("/type_2_npi/{index}"), text.as_str()))
                }
                _ => None,
            });
        crate::values::npis(written, check)
    } else {
        Vec::new()
    };
    let license = match get(object, "license_information") {
        None => {
            missing(check, "", "license_information");
            License::default()
        }
        Some(value) => object_license(value, check),
    };
    let attestation = statement(object, v3, check);
    if !keys.iter().any(|key| key == "standard_charge_information") {
        missing(check, "", "standard_charge_information");
    }
    let general_contract_provisions = match get(object, "general_contract_provisions") {
        Some(Value::String(text)) if !text.is_empty() => vec![ContractProvision {
            payer_name: None,
            plan_name: None,
            provisions: text.clone(),
        }],
        Some(Value::Array(values)) => values
            .iter()
            .filter_map(|value| {
                let provision = fields(value);
                let text = |key: &str| match get(provision, key) {
                    Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
                    _ => None,
                };
                text("provisions").map(|provisions| ContractProvision {
                    payer_name: text("payer_name"),
                    plan_name: text("plan_name"),
                    provisions,
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let facility = Facility {
        hospital_name,
        locations,
        license,
        type_2_npis,
        ccn: None,
        ein: None,
        financial_aid_policy: string(object, "financial_aid_policy", "", false, false, check),
        general_contract_provisions,
    };
    Root {
        facility,
        last_updated_on,
        attestation,
    }
}

fn object_license(value: &Value, check: &mut Check) -> License {
    let Some(license) = object(value, "/license_information", check) else {
        return License::default();
    };
    let state =
        string(license, "state", "/license_information", true, true, check).and_then(|text| {
            match StateCode::parse(&text) {
                Ok(state) if state.as_str() == text => Some(state),
                _ => {
                    check.push(Finding::new(
                        rules::ALLOWED_VALUES,
                        "/license_information/state",
                        format!("{text:?} is not a state code"),
                    ));
                    None
                }
            }
        });
    License {
        state,
        number: string(
            license,
            "license_number",
            "/license_information",
            false,
            true,
            check,
        ),
    }
}

/// v2 `affirmation {affirmation, confirm_affirmation}` or v3 `attestation {attestation,
/// confirm_attestation, attester_name}`.
fn statement(object: &Fields, v3: bool, check: &mut Check) -> Option<Attestation> {
    let (key, confirm, required_text) = if v3 {
        ("attestation", "confirm_attestation", ATTESTATION)
    } else {
        ("affirmation", "confirm_affirmation", AFFIRMATION)
    };
    let pointer = format!("/{key}");
    let Some(value) = get(object, key) else {
        missing(check, "", key);
        return None;
    };
    let statement = object_or_none(value, &pointer, check)?;
    let text = string(statement, key, &pointer, true, true, check).unwrap_or_default();
    if !text.is_empty() && text.trim() != required_text {
        check.push(Finding::new(
            rules::STATEMENT_TEXT,
            format!("{pointer}/{key}"),
            "must be equal to constant (the statement of the template version)",
        ));
    }
    let confirmed = match get(statement, confirm) {
        Some(Value::Bool(confirmed)) => Some(*confirmed),
        None => {
            missing(check, &pointer, confirm);
            None
        }
        Some(other) => {
            wrong_type(check, format!("{pointer}/{confirm}"), "boolean", other);
            None
        }
    };
    if confirmed == Some(false) {
        check.push(Finding::new(
            rules::FALSE_STATEMENT,
            format!("{pointer}/{confirm}"),
            "the hospital does not confirm its statement",
        ));
    }
    let attester_name = if v3 {
        string(statement, "attester_name", &pointer, true, true, check)
    } else {
        None
    };
    Some(Attestation {
        text,
        confirmed,
        attester_name,
    })
}

fn object_or_none<'a>(value: &'a Value, pointer: &str, check: &mut Check) -> Option<&'a Fields> {
    object(value, pointer, check)
}

/// One element of `standard_charge_information`.
pub(super) fn item(
    value: &Value,
    pointer: &str,
    version: TemplateVersion,
    check: &mut Check,
) -> Option<Item> {
    let object = object(value, pointer, check)?;
    let description = string(object, "description", pointer, true, true, check);
    // The raw text of labels of the item itself (code types, drug unit), kept on each of its
    // charges: an item holds no raw values of its own.
    let mut item_raw = Vec::new();
    let mut codes = Vec::new();
    let mut ndc = false;
    if let Some(entries) = array(object, "code_information", pointer, true, check) {
        for (index, entry) in entries.iter().enumerate() {
            let at = element_pointer(pointer, "code_information", index);
            let Some(entry) = object_or_none(entry, &at, check) else {
                continue;
            };
            let code = string(entry, "code", &at, true, true, check);
            let code_type: Option<CodeType> =
                enumeration(entry, "type", &at, true, &mut item_raw, check);
            if let Some(kind) = code_type
                && kind.is_v3_only()
                && version < TemplateVersion::V3_0
            {
                check.push(Finding::new(
                    rules::ALLOWED_VALUES,
                    format!("{at}/type"),
                    format!("code type {kind} exists only from template v3.0"),
                ));
            }
            ndc |= code_type == Some(CodeType::Ndc);
            if let (Some(code), Some(kind)) = (code, code_type) {
                codes.extend(Code::new(kind, &code).ok());
            }
        }
    }
    let drug = match get(object, "drug_information") {
        None => {
            if ndc && version >= TemplateVersion::V2_2 {
                check.push(Finding::new(
                    rules::DRUG_INFORMATION_REQUIRED,
                    pointer,
                    "must have required property 'drug_information' (an NDC code needs it)",
                ));
            }
            None
        }
        Some(value) => drug(
            value,
            &format!("{pointer}/drug_information"),
            version,
            &mut item_raw,
            check,
        ),
    };
    let mut charges = Vec::new();
    if let Some(entries) = array(object, "standard_charges", pointer, true, check) {
        for (index, entry) in entries.iter().enumerate() {
            charges.extend(charge(
                entry,
                &element_pointer(pointer, "standard_charges", index),
                version,
                check,
            ));
        }
    }
    if !item_raw.is_empty() {
        for charge in &mut charges {
            charge.raw_values.extend(item_raw.iter().cloned());
        }
    }
    Some(Item {
        description: description?,
        codes,
        drug,
        standard_charges: charges,
    })
}

fn drug(
    value: &Value,
    pointer: &str,
    version: TemplateVersion,
    raw: &mut Vec<RawValue>,
    check: &mut Check,
) -> Option<DrugInfo> {
    let object = object(value, pointer, check)?;
    let at = format!("{pointer}/unit");
    // v3 writes the unit as a number, v2.2 as a string; the other form is a type error, but its
    // value is unambiguous.
    let unit = match (get(object, "unit"), version >= TemplateVersion::V3_0) {
        (None, _) => {
            missing(check, pointer, "unit");
            None
        }
        (Some(Value::Number(text)), true) => check.positive_json::<Quantity>(text, "unit", &at),
        (Some(Value::String(text)), false) => {
            check.positive_text::<Quantity>(text, "unit", &at, &mut Vec::new())
        }
        (Some(Value::Number(text)), false) => {
            let unit = check.positive_json::<Quantity>(text, "unit", &at);
            type_error(check, at, "must be string", unit.is_some());
            unit
        }
        (Some(Value::String(text)), true) => {
            let unit = check.positive_text::<Quantity>(text, "unit", &at, &mut Vec::new());
            type_error(check, at, "must be number", unit.is_some());
            unit
        }
        (Some(other), v3) => {
            type_error(
                check,
                at,
                format!(
                    "must be {}, not {}",
                    if v3 { "number" } else { "string" },
                    other.kind()
                ),
                false,
            );
            None
        }
    };
    let unit_type: Option<DrugUnitType> = enumeration(object, "type", pointer, true, raw, check);
    Some(DrugInfo {
        unit: unit?,
        unit_type: unit_type?,
    })
}

/// A value of the wrong JSON type; repaired when its text still reads unambiguously.
/// A value of another JSON type than the schema's, which cannot be read as it: an error naming both.
fn wrong_type(check: &mut Check, at: impl Into<String>, expected: &str, found: &Value) {
    let message = format!("must be {expected}, not {}", found.kind());
    type_error(check, at, message, false);
}

fn type_error(
    check: &mut Check,
    at: impl Into<String>,
    message: impl Into<String>,
    repaired: bool,
) {
    let finding = Finding::new(rules::INVALID_TYPE, at, message);
    check.push(if repaired {
        finding.normalised()
    } else {
        finding
    });
}

fn charge(
    value: &Value,
    pointer: &str,
    version: TemplateVersion,
    check: &mut Check,
) -> Option<StandardCharge> {
    let object = object(value, pointer, check)?;
    let v3 = version >= TemplateVersion::V3_0;
    let mut raw = Vec::new();
    let setting: Option<Setting> = enumeration(object, "setting", pointer, true, &mut raw, check);
    let gross = number::<Amount>(object, "gross_charge", pointer, &mut raw, check);
    let cash = number::<Amount>(object, "discounted_cash", pointer, &mut raw, check);
    let minimum = number::<Amount>(object, "minimum", pointer, &mut raw, check);
    let maximum = number::<Amount>(object, "maximum", pointer, &mut raw, check);
    let billing_class: Option<BillingClass> =
        enumeration(object, "billing_class", pointer, false, &mut raw, check);
    let generic_notes = string(
        object,
        "additional_generic_notes",
        pointer,
        false,
        v3,
        check,
    );
    let modifiers = strings(object, "modifier_code", pointer, false, v3, check);
    let mut rates = Vec::new();
    let mut any_dollar = false;
    let mut every_payer_charged = true;
    let mut uncharged: Vec<String> = Vec::new();
    let payers = match get(object, "payers_information") {
        Some(_) => array(object, "payers_information", pointer, false, check).unwrap_or_default(),
        None => &[],
    };
    for (index, entry) in payers.iter().enumerate() {
        let at = element_pointer(pointer, "payers_information", index);
        let Some(payer) = object_or_none(entry, &at, check) else {
            continue;
        };
        any_dollar |= get(payer, "standard_charge_dollar").is_some();
        let charged = [
            "standard_charge_dollar",
            "standard_charge_percentage",
            "standard_charge_algorithm",
        ]
        .iter()
        .any(|key| get(payer, key).is_some());
        every_payer_charged &= charged;
        if !charged {
            uncharged.push(at.clone());
        }
        rates.extend(payer_rate(payer, &at, version, check));
    }
    if version >= TemplateVersion::V2_1 {
        if any_dollar && (get(object, "minimum").is_none() || get(object, "maximum").is_none()) {
            check.push(Finding::new(rules::DOLLAR_NEEDS_MIN_MAX, pointer, "must have required properties minimum and maximum (a payer dollar amount needs them)"));
        }
        let has_charge = get(object, "gross_charge").is_some()
            || get(object, "discounted_cash").is_some()
            || (!payers.is_empty() && every_payer_charged);
        if !has_charge {
            check.push(Finding::new(rules::ITEM_REQUIRES_CHARGE, pointer, "must match a schema in anyOf (a gross charge, a discounted cash price or payer charges)"));
            // The schema's third branch (every payer has a charge) fails at each payer without
            // one, and Ajv reports it there too. (v3 reports each such payer in any case, below.)
            if version < TemplateVersion::V3_0 {
                for at in &uncharged {
                    check.push(Finding::new(rules::CHARGE_WITH_PAYER_PLAN, at, "must match a schema in anyOf (a payer needs a dollar amount, percentage or algorithm when the charge has no gross or cash)"));
                }
            }
        }
    }
    Some(StandardCharge {
        setting: setting?,
        billing_class,
        modifiers,
        gross,
        discounted_cash: cash,
        minimum,
        maximum,
        generic_notes,
        payer_rates: rates,
        source: RecordLocation::Pointer(pointer.to_owned()),
        raw_values: raw,
    })
}

fn payer_rate(
    object: &Fields,
    pointer: &str,
    version: TemplateVersion,
    check: &mut Check,
) -> Option<PayerRate> {
    let v3 = version >= TemplateVersion::V3_0;
    let mut raw = Vec::new();
    let payer_name = string(object, "payer_name", pointer, true, true, check);
    let plan_name = string(object, "plan_name", pointer, true, true, check);
    let methodology: Option<Methodology> =
        enumeration(object, "methodology", pointer, true, &mut raw, check);
    let dollar = number::<Amount>(object, "standard_charge_dollar", pointer, &mut raw, check);
    let percentage = number::<Percentage>(
        object,
        "standard_charge_percentage",
        pointer,
        &mut raw,
        check,
    );
    check.percentage_alert(percentage, &Under(pointer, "standard_charge_percentage"));
    let algorithm = string(
        object,
        "standard_charge_algorithm",
        pointer,
        false,
        v3,
        check,
    );
    let notes = string(object, "additional_payer_notes", pointer, false, v3, check);
    let estimated = number::<Amount>(object, "estimated_amount", pointer, &mut raw, check);
    let median = number::<Amount>(object, "median_amount", pointer, &mut raw, check);
    let p10 = number::<Amount>(object, "10th_percentile", pointer, &mut raw, check);
    let p90 = number::<Amount>(object, "90th_percentile", pointer, &mut raw, check);
    let count_text = string(object, "count", pointer, false, false, check);
    let count = count_text
        .as_deref()
        .and_then(|text| check.count(text, &Under(pointer, "count")));

    let has = |key: &str| get(object, key).is_some();
    let percentage_or_algorithm =
        has("standard_charge_percentage") || has("standard_charge_algorithm");
    if version >= TemplateVersion::V2_1
        && methodology == Some(Methodology::Other)
        && notes.is_none()
    {
        check.push(Finding::new(
            rules::OTHER_METHODOLOGY_NOTES,
            pointer,
            "must have required property 'additional_payer_notes' (methodology \"other\")",
        ));
    }
    if version == TemplateVersion::V2_2
        && percentage_or_algorithm
        && !has("standard_charge_dollar")
        && !has("estimated_amount")
    {
        check.push(Finding::new(
            rules::PERCENTAGE_ALGORITHM_ESTIMATE,
            pointer,
            "must have required property 'estimated_amount' (a percentage or algorithm charge)",
        ));
    }
    if v3 {
        if has("estimated_amount") {
            check.push(Finding::new(
                rules::ESTIMATED_AMOUNT_IN_V3,
                format!("{pointer}/estimated_amount"),
                "estimated_amount is not part of template v3.0",
            ));
        }
        if !has("standard_charge_dollar") && !percentage_or_algorithm {
            check.push(Finding::new(rules::CHARGE_WITH_PAYER_PLAN, pointer, "must match a schema in anyOf (a payer needs a dollar amount, percentage or algorithm)"));
        }
        if percentage_or_algorithm && count_text.is_none() {
            check.push(Finding::new(
                rules::PERCENTAGE_ALGORITHM_COUNT,
                pointer,
                "must have required property 'count'",
            ));
        }
        if percentage_or_algorithm && count_text.as_deref() != Some("0") {
            for (key, rule) in [
                ("median_amount", rules::PERCENTAGE_ALGORITHM_MEDIAN),
                ("10th_percentile", rules::PERCENTAGE_ALGORITHM_10TH),
                ("90th_percentile", rules::PERCENTAGE_ALGORITHM_90TH),
            ] {
                if !has(key) {
                    check.push(Finding::new(
                        rule,
                        pointer,
                        format!("must have required property '{key}'"),
                    ));
                }
            }
        }
        if count_text.as_deref() == Some("0") && notes.is_none() {
            check.push(Finding::new(
                rules::ALLOWED_COUNT_ZERO_NOTES,
                pointer,
                "must have required property 'additional_payer_notes' (count is 0)",
            ));
        }
    }
    Some(PayerRate {
        payer_name: payer_name?,
        plan_name: Some(plan_name?),
        negotiated_dollar: dollar,
        negotiated_percentage: percentage,
        negotiated_algorithm: algorithm,
        methodology,
        median_amount: median,
        percentile_10th: p10,
        percentile_90th: p90,
        count,
        estimated_amount: estimated,
        payer_notes: notes,
        source: RecordLocation::Pointer(pointer.to_owned()),
        raw_values: raw,
    })
}

/// One element of `modifier_information`.
pub(super) fn modifier(
    value: &Value,
    pointer: &str,
    version: TemplateVersion,
    check: &mut Check,
) -> Option<Modifier> {
    let object = object(value, pointer, check)?;
    let description = string(object, "description", pointer, true, true, check);
    let code = string(object, "code", pointer, true, true, check);
    let setting = if version >= TemplateVersion::V3_0 {
        // A modifier keeps no raw values: a repaired setting is reported, its text not kept.
        enumeration(object, "setting", pointer, false, &mut Vec::new(), check)
    } else {
        None
    };
    let mut payer_info = Vec::new();
    if let Some(entries) = array(object, "modifier_payer_information", pointer, true, check) {
        for (index, entry) in entries.iter().enumerate() {
            let at = format!("{pointer}/modifier_payer_information/{index}");
            let Some(entry) = object_or_none(entry, &at, check) else {
                continue;
            };
            let payer_name = string(entry, "payer_name", &at, true, true, check);
            let plan_name = string(entry, "plan_name", &at, true, true, check);
            let description = string(entry, "description", &at, true, true, check);
            if let Some(payer_name) = payer_name {
                payer_info.push(ModifierPayerInfo {
                    payer_name,
                    plan_name,
                    description,
                    negotiated_dollar: None,
                    negotiated_percentage: None,
                    negotiated_algorithm: None,
                });
            }
        }
    }
    Some(Modifier {
        code: code?,
        description: description?,
        setting,
        notes: None,
        payer_info,
    })
}
