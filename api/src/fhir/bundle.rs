//! Searchset Bundles: `total`, `link` self and next, `entry.fullUrl` and `entry.search.mode`
//! (`match`, `include`, or `outcome` for the OperationOutcome that reports ignored parameters).

use std::borrow::Cow;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// A resource as a Bundle entry holds it: a JSON value, or the JSON text of a typed resource
/// serialized once (a page of ChargeItemDefinitions builds no value tree: see
/// `resources::charge_item`).
pub enum Resource {
    Value(Value),
    Text {
        resource_type: &'static str,
        id: String,
        json: Box<RawValue>,
    },
}

impl Resource {
    /// `resource` serialized to JSON text now.
    pub fn typed(resource_type: &'static str, id: String, resource: &impl Serialize) -> Self {
        match serde_json::value::to_raw_value(resource) {
            Ok(json) => Resource::Text {
                resource_type,
                id,
                json,
            },
            // Only a map with keys that are not strings fails, and no resource has one.
            Err(_) => Resource::Value(serde_json::to_value(resource).unwrap_or(Value::Null)),
        }
    }

    /// The resource as a value, parsed when held as text (for `_include`, `_elements`, `_since`).
    pub fn to_value(&self) -> Cow<'_, Value> {
        match self {
            Resource::Value(value) => Cow::Borrowed(value),
            Resource::Text { json, .. } => {
                Cow::Owned(serde_json::from_str(json.get()).unwrap_or(Value::Null))
            }
        }
    }

    /// `{base}/fhir/{type}/{id}`, for a resource with an id.
    fn full_url(&self, base: &str) -> Option<String> {
        let (resource_type, id) = match self {
            Resource::Value(value) => (value["resourceType"].as_str()?, value["id"].as_str()?),
            Resource::Text {
                resource_type, id, ..
            } => (*resource_type, id.as_str()),
        };
        Some(format!("{base}{}/{resource_type}/{id}", super::BASE_PATH))
    }
}

impl Serialize for Resource {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Resource::Value(value) => value.serialize(serializer),
            Resource::Text { json, .. } => json.serialize(serializer),
        }
    }
}

/// One search's results, ready to be wrapped.
pub struct Results {
    pub total: u64,
    pub matches: Vec<Resource>,
    pub includes: Vec<Value>,
    /// A warning OperationOutcome (ignored parameters), if any.
    pub outcome: Option<Value>,
}

#[derive(Serialize)]
struct Mode {
    mode: &'static str,
}

#[derive(Serialize)]
struct Entry {
    #[serde(rename = "fullUrl", skip_serializing_if = "Option::is_none")]
    full_url: Option<String>,
    resource: Resource,
    search: Mode,
}

fn entry(base: &str, resource: Resource, mode: &'static str) -> Entry {
    Entry {
        full_url: resource.full_url(base),
        resource,
        search: Mode { mode },
    }
}

#[derive(Serialize)]
struct Link<'a> {
    relation: &'static str,
    url: &'a str,
}

/// A searchset Bundle as it serializes.
#[derive(Serialize)]
pub struct Searchset<'a> {
    #[serde(rename = "resourceType")]
    resource_type: &'static str,
    #[serde(rename = "type")]
    bundle_type: &'static str,
    total: u64,
    link: Vec<Link<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    entry: Vec<Entry>,
}

/// The Bundle of `results`; `base` is the server's external origin and prefix.
pub fn searchset<'a>(
    base: &str,
    self_link: &'a str,
    next_link: Option<&'a str>,
    results: Results,
) -> Searchset<'a> {
    let mut link = vec![Link {
        relation: "self",
        url: self_link,
    }];
    if let Some(next) = next_link {
        link.push(Link {
            relation: "next",
            url: next,
        });
    }
    let mut entries: Vec<Entry> = Vec::new();
    entries.extend(results.matches.into_iter().map(|r| entry(base, r, "match")));
    entries.extend(
        results
            .includes
            .into_iter()
            .map(|r| entry(base, Resource::Value(r), "include")),
    );
    if let Some(outcome) = results.outcome {
        entries.push(entry(base, Resource::Value(outcome), "outcome"));
    }
    Searchset {
        resource_type: "Bundle",
        bundle_type: "searchset",
        total: results.total,
        link,
        entry: entries,
    }
}

/// Keeps only the top-level `elements` of a resource (and what every resource must keep:
/// `resourceType`, `id`, `meta`), and tags it SUBSETTED as FHIR asks.
pub fn keep_elements(resource: &mut Value, elements: &[String]) {
    let Some(object) = resource.as_object_mut() else {
        return;
    };
    object.retain(|name, _| {
        matches!(name.as_str(), "resourceType" | "id" | "meta")
            || elements.iter().any(|e| e == name)
    });
    let subsetted = json!({
        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
        "code": "SUBSETTED",
    });
    match object.get_mut("meta") {
        Some(meta) => meta["tag"] = json!([subsetted]),
        None => {
            object.insert("meta".to_owned(), json!({ "tag": [subsetted] }));
        }
    }
}
