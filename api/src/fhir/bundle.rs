//! Searchset Bundles: `total`, `link` self and next, `entry.fullUrl` and `entry.search.mode`
//! (`match`, `include`, or `outcome` for the OperationOutcome that reports ignored parameters).

use serde_json::{Value, json};

/// One search's results, ready to be wrapped.
pub struct Results {
    pub total: u64,
    pub matches: Vec<Value>,
    pub includes: Vec<Value>,
    /// A warning OperationOutcome (ignored parameters), if any.
    pub outcome: Option<Value>,
}

/// The absolute URL of a resource: `{base}/fhir/{type}/{id}`.
pub fn full_url(base: &str, resource: &Value) -> String {
    format!(
        "{base}{}/{}/{}",
        super::BASE_PATH,
        resource["resourceType"].as_str().unwrap_or_default(),
        resource["id"].as_str().unwrap_or_default()
    )
}

fn entry(base: &str, resource: Value, mode: &str) -> Value {
    let mut entry = json!({ "search": { "mode": mode } });
    if resource["id"].is_string() {
        entry["fullUrl"] = json!(full_url(base, &resource));
    }
    entry["resource"] = resource;
    entry
}

/// The Bundle of `results`; `base` is the server's external origin and prefix.
pub fn searchset(base: &str, self_link: &str, next_link: Option<&str>, results: Results) -> Value {
    let mut links = vec![json!({ "relation": "self", "url": self_link })];
    if let Some(next) = next_link {
        links.push(json!({ "relation": "next", "url": next }));
    }
    let mut entries: Vec<Value> = Vec::new();
    entries.extend(results.matches.into_iter().map(|r| entry(base, r, "match")));
    entries.extend(
        results
            .includes
            .into_iter()
            .map(|r| entry(base, r, "include")),
    );
    if let Some(outcome) = results.outcome {
        entries.push(entry(base, outcome, "outcome"));
    }
    let mut bundle = json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": results.total,
        "link": links,
    });
    if !entries.is_empty() {
        bundle["entry"] = Value::Array(entries);
    }
    bundle
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
