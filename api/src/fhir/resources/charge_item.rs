//! ChargeItemDefinition: one item of a hospital's snapshot in one setting.
//!
//! - `code`: the item's billing codes, each under its code type's system (`codes::system`);
//! - `useContext`: the setting (venue) and the hospital (`Organization/hospital-{id}`);
//! - one `propertyGroup` per standard charge: gross (`base`), discounted cash (`discount`), minimum
//!   and maximum (`informational`), with the charge's billing class, modifiers, notes, source
//!   record and repaired values as extensions;
//! - then one `propertyGroup` per payer rate of that charge (one per payer and plan): the
//!   negotiated dollar amount (`base` amount) or percentage (`base` factor, 70.5 % as 0.705), the
//!   allowed amounts and estimate (`informational`), and the plan (`InsurancePlan/plan-{id}`),
//!   payer and plan names, methodology, algorithm, allowed count, notes and source record as
//!   extensions;
//! - the source file (id, name, date, legacy profile) as an extension of the resource.
//!
//! Extension URLs are `{DEFINITIONS}/StructureDefinition/{name}`; README, "FHIR", lists them.

use priceline_domain::{RawValue, RecordLocation};
use priceline_store::queries::charge_items::{ChargeItem, ItemCharge, PlanRate};
use serde_json::{Value, json};

use super::{decimal, extension, extension_url, meta, percent_factor, reference};
use crate::fhir::{DEFINITIONS, codes, ids};

const USAGE_CONTEXT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/usage-context-type";

fn text<T: ToString>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(ToString::to_string)
}

/// A price component of the kind `kind` (a /v1 field name) with an amount in dollars.
fn amount(component_type: &str, kind: &str, value: &str) -> Value {
    json!({
        "type": component_type,
        "code": { "coding": [{ "system": codes::price_kinds(), "code": kind }] },
        "amount": { "value": decimal(value), "currency": "USD" },
    })
}

/// Where a record was read: its CSV row or JSON pointer.
fn source(location: &RecordLocation) -> Value {
    match location {
        RecordLocation::Row(row) => extension("source-row", "valueInteger", json!(row)),
        RecordLocation::Pointer(pointer) => {
            extension("source-pointer", "valueString", json!(pointer))
        }
    }
}

/// A value the file wrote in a form that had to be repaired: the field and the file's own text.
fn raw_value(raw: &RawValue) -> Value {
    json!({
        "url": extension_url("raw-value"),
        "extension": [
            { "url": "field", "valueString": raw.field },
            { "url": "raw", "valueString": raw.raw },
        ],
    })
}

/// The property group of a standard charge itself.
fn charge_group(entry: &ItemCharge) -> Value {
    let charge = &entry.charge;
    let mut extensions = vec![source(&charge.source)];
    if let Some(class) = charge.billing_class {
        extensions.push(extension(
            "billing-class",
            "valueCode",
            json!(class.as_str()),
        ));
    }
    for modifier in &charge.modifiers {
        extensions.push(extension("modifier", "valueCode", json!(modifier)));
    }
    if let Some(notes) = &charge.generic_notes {
        extensions.push(extension("generic-notes", "valueString", json!(notes)));
    }
    extensions.extend(charge.raw_values.iter().map(raw_value));
    let components: Vec<Value> = [
        ("base", "gross", text(&charge.gross)),
        ("discount", "discounted_cash", text(&charge.discounted_cash)),
        ("informational", "minimum", text(&charge.minimum)),
        ("informational", "maximum", text(&charge.maximum)),
    ]
    .into_iter()
    .filter_map(|(component_type, kind, value)| Some(amount(component_type, kind, &value?)))
    .collect();
    let mut group = json!({ "extension": extensions });
    if !components.is_empty() {
        group["priceComponent"] = Value::Array(components);
    }
    group
}

/// The property group of one payer rate.
fn rate_group(planned: &PlanRate) -> Value {
    let rate = &planned.rate;
    let mut plan = reference("InsurancePlan", &ids::plan(planned.plan_id));
    let mut applies = format!("payer={}", rate.payer_name);
    if let Some(plan_name) = &rate.plan_name {
        applies.push_str(&format!("; plan={plan_name}"));
    }
    plan["display"] = json!(applies.clone());
    let mut extensions = vec![
        extension("payer-plan", "valueReference", plan),
        extension("payer-name", "valueString", json!(rate.payer_name)),
    ];
    if let Some(plan_name) = &rate.plan_name {
        extensions.push(extension("plan-name", "valueString", json!(plan_name)));
    }
    if let Some(methodology) = rate.methodology {
        extensions.push(extension(
            "methodology",
            "valueCode",
            json!(methodology.as_str()),
        ));
    }
    if let Some(algorithm) = &rate.negotiated_algorithm {
        extensions.push(extension(
            "negotiated-algorithm",
            "valueString",
            json!(algorithm),
        ));
    }
    if let Some(count) = &rate.count {
        extensions.push(extension(
            "allowed-count",
            "valueString",
            json!(count.to_string()),
        ));
    }
    if let Some(notes) = &rate.payer_notes {
        extensions.push(extension("payer-notes", "valueString", json!(notes)));
    }
    extensions.push(source(&rate.source));
    extensions.extend(rate.raw_values.iter().map(raw_value));
    let mut components = Vec::new();
    if let Some(dollar) = &rate.negotiated_dollar {
        components.push(amount("base", "negotiated_dollar", &dollar.to_string()));
    }
    if let Some(percentage) = &rate.negotiated_percentage {
        components.push(json!({
            "type": "base",
            "code": { "coding": [{
                "system": codes::price_kinds(), "code": "negotiated_percentage"
            }] },
            "factor": percent_factor(&percentage.to_string()),
        }));
    }
    for (kind, value) in [
        ("median_amount", text(&rate.median_amount)),
        ("percentile_10th", text(&rate.percentile_10th)),
        ("percentile_90th", text(&rate.percentile_90th)),
        ("estimated_amount", text(&rate.estimated_amount)),
    ] {
        if let Some(value) = value {
            components.push(amount("informational", kind, &value));
        }
    }
    let mut group = json!({
        "extension": extensions,
        "applicability": [{ "description": applies }],
    });
    if !components.is_empty() {
        group["priceComponent"] = Value::Array(components);
    }
    group
}

/// The extension naming the source file of an item.
fn source_file(item: &ChargeItem) -> Value {
    let provenance = &item.provenance;
    let mut parts = vec![
        json!({ "url": "id", "valueInteger": provenance.source_file_id }),
        json!({ "url": "name", "valueString": provenance.file_name }),
    ];
    if let Some(date) = provenance.last_updated_on {
        parts.push(json!({ "url": "lastUpdatedOn", "valueDate": date.to_string() }));
    }
    if let Some(profile) = &provenance.legacy_profile {
        parts.push(json!({ "url": "legacyProfile", "valueString": profile }));
    }
    json!({ "url": extension_url("source-file"), "extension": parts })
}

pub fn charge_item_definition(item: &ChargeItem) -> Value {
    let id = ids::charge_item(&item.key);
    let mut extensions = vec![source_file(item)];
    if let Some(drug) = &item.drug {
        extensions.push(extension(
            "drug-unit",
            "valueQuantity",
            json!({
                "value": decimal(&drug.unit.to_string()),
                "unit": drug.unit_type.as_str(),
            }),
        ));
    }
    let codings: Vec<Value> = item
        .codes
        .iter()
        .map(|code| json!({ "system": codes::system(code.code_type), "code": code.code }))
        .collect();
    let mut code = json!({ "text": item.description });
    if !codings.is_empty() {
        code["coding"] = Value::Array(codings);
    }
    let mut hospital = reference("Organization", &ids::hospital(item.facility_id));
    hospital["display"] = json!(item.facility_name);
    let mut groups = Vec::new();
    for entry in &item.charges {
        groups.push(charge_group(entry));
        groups.extend(entry.rates.iter().map(rate_group));
    }
    let mut resource = json!({
        "resourceType": "ChargeItemDefinition",
        "id": id,
        "meta": meta(item.provenance.source_file_id, item.imported_at),
        "extension": extensions,
        "url": format!("{DEFINITIONS}/ChargeItemDefinition/{id}"),
        "title": item.description,
        "status": if item.current { "active" } else { "retired" },
        "publisher": item.facility_name,
        "useContext": [
            {
                "code": { "system": USAGE_CONTEXT_TYPE, "code": "venue" },
                "valueCodeableConcept": {
                    "coding": [{ "system": codes::settings(), "code": item.setting.as_str() }],
                },
            },
            {
                "code": { "system": USAGE_CONTEXT_TYPE, "code": "venue" },
                "valueReference": hospital,
            },
        ],
        "code": code,
    });
    if let Some(date) = item.provenance.last_updated_on {
        resource["date"] = json!(date.to_string());
    }
    if !groups.is_empty() {
        resource["propertyGroup"] = Value::Array(groups);
    }
    resource
}
