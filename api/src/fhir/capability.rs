//! The CapabilityStatement, written from the registry the routes are mounted from, and naming the
//! security schemes the server actually has on.

use serde_json::{Value, json};

use super::registry::RESOURCES;
use super::{FHIR_JSON, FHIR_VERSION};
use crate::auth::AuthPolicy;

const SECURITY_SERVICE: &str = "http://terminology.hl7.org/CodeSystem/restful-security-service";

/// When the statement's content was last defined (it changes with the code, not with the data).
const DATE: &str = "2026-12-05";

fn security(policy: Option<&AuthPolicy>) -> Value {
    let (keys, tokens) = policy.map_or((false, false), |policy| {
        (policy.accepts_api_keys(), policy.accepts_bearer_tokens())
    });
    let mut schemes = Vec::new();
    if keys {
        schemes.push("an API key in the X-API-Key header");
    }
    if tokens {
        schemes.push(
            "a JWT bearer token in the Authorization header whose scope grants prices:read or \
             the SMART system scopes system/*.read or system/*.rs",
        );
    }
    let description = if schemes.is_empty() {
        "No credential is required: the server runs without API keys or bearer tokens.".to_owned()
    } else {
        format!(
            "Every /fhir interaction but metadata requires {}; the same rate limits as /v1 apply.",
            schemes.join(" or ")
        )
    };
    let mut security = json!({ "cors": true, "description": description });
    if tokens {
        security["service"] = json!([{ "coding": [{
            "system": SECURITY_SERVICE, "code": "OAuth", "display": "OAuth"
        }] }]);
    }
    security
}

/// The statement; `base` is the server's external base URL (origin and prefix).
pub fn statement(policy: Option<&AuthPolicy>, base: &str) -> Value {
    let resources: Vec<Value> = RESOURCES
        .iter()
        .map(|resource| {
            let mut entry = json!({
                "type": resource.name,
                "documentation": resource.documentation,
                "interaction": resource
                    .interactions
                    .iter()
                    .map(|interaction| json!({ "code": interaction.code() }))
                    .collect::<Vec<_>>(),
                "versioning": "versioned",
                "readHistory": false,
                "searchParam": resource
                    .params
                    .iter()
                    .map(|param| json!({
                        "name": param.name,
                        "type": param.kind.code(),
                        "documentation": param.documentation,
                    }))
                    .collect::<Vec<_>>(),
            });
            entry["operation"] = super::export::operations();
            if !resource.includes.is_empty() {
                entry["searchInclude"] = json!(resource.includes);
            }
            entry
        })
        .collect();
    json!({
        "resourceType": "CapabilityStatement",
        "id": "priceline",
        "status": "active",
        "date": DATE,
        "publisher": "Hospital Priceline",
        "kind": "instance",
        "software": { "name": "Hospital Priceline", "version": env!("CARGO_PKG_VERSION") },
        "implementation": {
            "description": "US hospital price transparency files as FHIR R4 resources",
            "url": format!("{base}{}", super::BASE_PATH),
        },
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Search results page forward through the opaque _cursor of each \
                              Bundle's next link; _count is at most 1000. Only current versions \
                              are served: a version read of an earlier version answers 410 Gone.",
            "security": security(policy),
            "resource": resources,
            "operation": super::export::operations(),
        }],
    })
}
