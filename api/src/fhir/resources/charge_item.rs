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
//!
//! Built as typed values that serialize straight to JSON rather than as a `serde_json::Value` tree:
//! a search page of 50 items holds thousands of small objects, and building, serializing and
//! freeing them as maps was most of a search's time (measured at 10M rates: a page of 50 with
//! 365 rates took 2× the time of the /v1 lookup returning the same 365 lines).

use std::borrow::Cow;

use priceline_domain::{RawValue, RecordLocation};
use priceline_store::queries::charge_items::{ChargeItem, ItemCharge, PlanRate};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use super::{decimal, instant, percent_factor};
use crate::fhir::{DEFINITIONS, codes, ids};

const USAGE_CONTEXT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/usage-context-type";

/// `{"system": …, "code": …}`.
#[derive(Serialize, Clone, Copy)]
struct Coding<'a> {
    system: &'a str,
    code: &'a str,
}

/// A CodeableConcept of one coding.
#[derive(Serialize)]
struct Concept<'a> {
    coding: [Coding<'a>; 1],
}

#[derive(Serialize)]
struct Money {
    value: Value,
    currency: &'static str,
}

#[derive(Serialize)]
struct PriceComponent<'a> {
    #[serde(rename = "type")]
    component_type: &'static str,
    code: Concept<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    factor: Option<Value>,
}

/// A price component of the kind `kind` (a /v1 field name) with an amount in dollars.
fn amount<'a>(
    kinds: &'a str,
    component_type: &'static str,
    kind: &'a str,
    value: &str,
) -> PriceComponent<'a> {
    PriceComponent {
        component_type,
        code: Concept {
            coding: [Coding {
                system: kinds,
                code: kind,
            }],
        },
        amount: Some(Money {
            value: decimal(value),
            currency: "USD",
        }),
        factor: None,
    }
}

#[derive(Serialize)]
struct Reference<'a> {
    reference: String,
    display: Cow<'a, str>,
}

/// An extension's URL: one of ours by name (`{DEFINITIONS}/StructureDefinition/{name}`), or the
/// plain name of a part of a complex extension.
enum Url {
    Ours(&'static str),
    Part(&'static str),
}

impl Serialize for Url {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Url::Ours(name) => {
                serializer.collect_str(&format_args!("{DEFINITIONS}/StructureDefinition/{name}"))
            }
            Url::Part(name) => serializer.serialize_str(name),
        }
    }
}

/// An extension's value, under its `value[x]` name, or its parts (`extension`).
enum Content<'a> {
    String(Cow<'a, str>),
    Code(&'a str),
    Integer(i64),
    Date(String),
    Reference(Reference<'a>),
    Quantity { value: Value, unit: &'a str },
    Parts(Vec<Extension<'a>>),
}

struct Extension<'a> {
    url: Url,
    content: Content<'a>,
}

impl Serialize for Extension<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Quantity<'q> {
            value: &'q Value,
            unit: &'q str,
        }
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("url", &self.url)?;
        match &self.content {
            Content::String(value) => map.serialize_entry("valueString", value)?,
            Content::Code(value) => map.serialize_entry("valueCode", value)?,
            Content::Integer(value) => map.serialize_entry("valueInteger", value)?,
            Content::Date(value) => map.serialize_entry("valueDate", value)?,
            Content::Reference(value) => map.serialize_entry("valueReference", value)?,
            Content::Quantity { value, unit } => {
                map.serialize_entry("valueQuantity", &Quantity { value, unit })?
            }
            Content::Parts(parts) => map.serialize_entry("extension", parts)?,
        }
        map.end()
    }
}

fn ours<'a>(name: &'static str, content: Content<'a>) -> Extension<'a> {
    Extension {
        url: Url::Ours(name),
        content,
    }
}

fn part<'a>(name: &'static str, content: Content<'a>) -> Extension<'a> {
    Extension {
        url: Url::Part(name),
        content,
    }
}

fn string(value: &str) -> Content<'_> {
    Content::String(Cow::Borrowed(value))
}

/// Where a record was read: its CSV row or JSON pointer.
fn source(location: &RecordLocation) -> Extension<'_> {
    match location {
        RecordLocation::Row(row) => ours(
            "source-row",
            Content::Integer(i64::try_from(*row).unwrap_or(i64::MAX)),
        ),
        RecordLocation::Pointer(pointer) => ours("source-pointer", string(pointer)),
    }
}

/// A value the file wrote in a form that had to be repaired: the field and the file's own text.
fn raw_value(raw: &RawValue) -> Extension<'_> {
    ours(
        "raw-value",
        Content::Parts(vec![
            part("field", string(&raw.field)),
            part("raw", string(&raw.raw)),
        ]),
    )
}

#[derive(Serialize)]
struct Applicability {
    description: String,
}

#[derive(Serialize)]
struct PropertyGroup<'a> {
    extension: Vec<Extension<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    applicability: Vec<Applicability>,
    #[serde(rename = "priceComponent", skip_serializing_if = "Vec::is_empty")]
    price_component: Vec<PriceComponent<'a>>,
}

/// The property group of a standard charge itself.
fn charge_group<'a>(kinds: &'a str, entry: &'a ItemCharge) -> PropertyGroup<'a> {
    let charge = &entry.charge;
    let mut extensions = vec![source(&charge.source)];
    if let Some(class) = charge.billing_class {
        extensions.push(ours("billing-class", Content::Code(class.as_str())));
    }
    for modifier in &charge.modifiers {
        extensions.push(ours("modifier", Content::Code(modifier)));
    }
    if let Some(notes) = &charge.generic_notes {
        extensions.push(ours("generic-notes", string(notes)));
    }
    extensions.extend(charge.raw_values.iter().map(raw_value));
    let price_component = [
        ("base", "gross", &charge.gross),
        ("discount", "discounted_cash", &charge.discounted_cash),
        ("informational", "minimum", &charge.minimum),
        ("informational", "maximum", &charge.maximum),
    ]
    .into_iter()
    .filter_map(|(component_type, kind, value)| {
        let value = value.as_ref()?.to_string();
        Some(amount(kinds, component_type, kind, &value))
    })
    .collect();
    PropertyGroup {
        extension: extensions,
        applicability: Vec::new(),
        price_component,
    }
}

/// The property group of one payer rate.
fn rate_group<'a>(kinds: &'a str, planned: &'a PlanRate) -> PropertyGroup<'a> {
    let rate = &planned.rate;
    let mut applies = format!("payer={}", rate.payer_name);
    if let Some(plan_name) = &rate.plan_name {
        applies.push_str("; plan=");
        applies.push_str(plan_name);
    }
    let plan = Reference {
        reference: format!("InsurancePlan/{}", ids::plan(planned.plan_id)),
        display: Cow::Owned(applies.clone()),
    };
    let mut extensions = vec![
        ours("payer-plan", Content::Reference(plan)),
        ours("payer-name", string(&rate.payer_name)),
    ];
    if let Some(plan_name) = &rate.plan_name {
        extensions.push(ours("plan-name", string(plan_name)));
    }
    if let Some(methodology) = rate.methodology {
        extensions.push(ours("methodology", Content::Code(methodology.as_str())));
    }
    if let Some(algorithm) = &rate.negotiated_algorithm {
        extensions.push(ours("negotiated-algorithm", string(algorithm)));
    }
    if let Some(count) = &rate.count {
        extensions.push(ours(
            "allowed-count",
            Content::String(Cow::Owned(count.to_string())),
        ));
    }
    if let Some(notes) = &rate.payer_notes {
        extensions.push(ours("payer-notes", string(notes)));
    }
    extensions.push(source(&rate.source));
    extensions.extend(rate.raw_values.iter().map(raw_value));
    let mut components = Vec::new();
    if let Some(dollar) = &rate.negotiated_dollar {
        components.push(amount(
            kinds,
            "base",
            "negotiated_dollar",
            &dollar.to_string(),
        ));
    }
    if let Some(percentage) = &rate.negotiated_percentage {
        components.push(PriceComponent {
            component_type: "base",
            code: Concept {
                coding: [Coding {
                    system: kinds,
                    code: "negotiated_percentage",
                }],
            },
            amount: None,
            factor: Some(percent_factor(&percentage.to_string())),
        });
    }
    for (kind, value) in [
        ("median_amount", &rate.median_amount),
        ("percentile_10th", &rate.percentile_10th),
        ("percentile_90th", &rate.percentile_90th),
        ("estimated_amount", &rate.estimated_amount),
    ] {
        if let Some(value) = value {
            components.push(amount(kinds, "informational", kind, &value.to_string()));
        }
    }
    PropertyGroup {
        extension: extensions,
        applicability: vec![Applicability {
            description: applies,
        }],
        price_component: components,
    }
}

/// The extension naming the source file of an item.
fn source_file(item: &ChargeItem) -> Extension<'_> {
    let provenance = &item.provenance;
    let mut parts = vec![
        part("id", Content::Integer(provenance.source_file_id)),
        part("name", string(&provenance.file_name)),
    ];
    if let Some(date) = provenance.last_updated_on {
        parts.push(part("lastUpdatedOn", Content::Date(date.to_string())));
    }
    if let Some(profile) = &provenance.legacy_profile {
        parts.push(part("legacyProfile", string(profile)));
    }
    ours("source-file", Content::Parts(parts))
}

#[derive(Serialize)]
struct Meta {
    #[serde(rename = "versionId")]
    version_id: String,
    #[serde(rename = "lastUpdated")]
    last_updated: String,
}

#[derive(Serialize)]
struct Venue<'a> {
    code: Coding<'a>,
    #[serde(
        rename = "valueCodeableConcept",
        skip_serializing_if = "Option::is_none"
    )]
    concept: Option<Concept<'a>>,
    #[serde(rename = "valueReference", skip_serializing_if = "Option::is_none")]
    reference: Option<Reference<'a>>,
}

#[derive(Serialize)]
struct CodeableConcept<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    coding: Vec<Coding<'a>>,
}

/// A ChargeItemDefinition as it serializes; it borrows from the item and from the code systems'
/// URLs it holds.
#[derive(Serialize)]
pub struct ChargeItemDefinition<'a> {
    #[serde(rename = "resourceType")]
    resource_type: &'static str,
    id: String,
    meta: Meta,
    extension: Vec<Extension<'a>>,
    url: String,
    title: &'a str,
    status: &'static str,
    publisher: &'a str,
    #[serde(rename = "useContext")]
    use_context: [Venue<'a>; 2],
    code: CodeableConcept<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(rename = "propertyGroup", skip_serializing_if = "Vec::is_empty")]
    property_group: Vec<PropertyGroup<'a>>,
}

/// The code systems a ChargeItemDefinition names, made once and borrowed by its parts.
pub struct Systems {
    kinds: String,
    settings: String,
    codes: Vec<String>,
}

impl Systems {
    pub fn of(item: &ChargeItem) -> Self {
        Self {
            kinds: codes::price_kinds(),
            settings: codes::settings(),
            codes: item
                .codes
                .iter()
                .map(|code| codes::system(code.code_type))
                .collect(),
        }
    }
}

/// The item as a ChargeItemDefinition, ready to serialize.
pub fn typed<'a>(item: &'a ChargeItem, systems: &'a Systems) -> ChargeItemDefinition<'a> {
    let id = ids::charge_item(&item.key);
    let mut extensions = vec![source_file(item)];
    if let Some(drug) = &item.drug {
        extensions.push(ours(
            "drug-unit",
            Content::Quantity {
                value: decimal(&drug.unit.to_string()),
                unit: drug.unit_type.as_str(),
            },
        ));
    }
    let coding = item
        .codes
        .iter()
        .zip(&systems.codes)
        .map(|(code, system)| Coding {
            system,
            code: &code.code,
        })
        .collect();
    let venue = Coding {
        system: USAGE_CONTEXT_TYPE,
        code: "venue",
    };
    let mut property_group = Vec::new();
    for entry in &item.charges {
        property_group.push(charge_group(&systems.kinds, entry));
        property_group.extend(
            entry
                .rates
                .iter()
                .map(|rate| rate_group(&systems.kinds, rate)),
        );
    }
    ChargeItemDefinition {
        resource_type: "ChargeItemDefinition",
        url: format!("{DEFINITIONS}/ChargeItemDefinition/{id}"),
        id,
        meta: Meta {
            version_id: item.provenance.source_file_id.to_string(),
            last_updated: instant(item.imported_at),
        },
        extension: extensions,
        title: &item.description,
        status: if item.current { "active" } else { "retired" },
        publisher: &item.facility_name,
        use_context: [
            Venue {
                code: venue,
                concept: Some(Concept {
                    coding: [Coding {
                        system: &systems.settings,
                        code: item.setting.as_str(),
                    }],
                }),
                reference: None,
            },
            Venue {
                code: venue,
                concept: None,
                reference: Some(Reference {
                    reference: format!("Organization/{}", ids::hospital(item.facility_id)),
                    display: Cow::Borrowed(&item.facility_name),
                }),
            },
        ],
        code: CodeableConcept {
            text: &item.description,
            coding,
        },
        date: item.provenance.last_updated_on.map(|date| date.to_string()),
        property_group,
    }
}

/// The item as a ChargeItemDefinition JSON value, for a read (searches serialize [`typed`]).
pub fn charge_item_definition(item: &ChargeItem) -> Value {
    let systems = Systems::of(item);
    serde_json::to_value(typed(item, &systems)).unwrap_or(Value::Null)
}
