//! `priceline openapi --gateway NAME --backend URL`: the document an API gateway imports as is, with
//! every operation routed to the backend that serves the API.
//!
//! - **aws** (API Gateway, REST APIs): OpenAPI 3.0.3 with an `x-amazon-apigateway-integration` of
//!   type `http_proxy` on each operation (path, query and header parameters mapped one to one), the
//!   API-key scheme API Gateway checks (`x-api-key`, the same header the server reads its keys from)
//!   and `x-amazon-apigateway-api-key-source: HEADER`. Schemas lose `example` and `readOnly`, which
//!   API Gateway's models (JSON Schema draft 4) would drop with a warning.
//! - **google** (API Gateway on Google Cloud): OpenAPI 3.0.3 (the gateway takes 3.0.x and 3.1.x; the
//!   3.0 profile is the one every gateway here starts from) with the backend declared once, in the
//!   root `x-google-api-management.backends`, and each operation's `x-google-backend` naming it.
//!   `pathTranslation: APPEND_PATH_TO_ADDRESS` keeps the request path the backend's. `disableAuth`
//!   is set: the gateway would otherwise put its own ID token in `Authorization`, where the server
//!   looks for its bearer tokens. The only security scheme is a Google API key in the `key` query
//!   parameter (an API key cannot be OR-ed with another scheme there, so the server's schemes are
//!   left out); the server's own `X-API-Key` / `Authorization` pass through untouched. `servers` is
//!   dropped: the gateway would read its relative `/` as a base path, and its host is the gateway's.
//! - **azure** (API Management): OpenAPI 3.0.3 with `servers` set to the backend, which APIM takes
//!   as the API's web service URL.

use actix_web::http::Uri;
use serde_json::{Map, Value, json};

/// The gateways `--gateway` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    Aws,
    Google,
    Azure,
}

impl Gateway {
    pub const NAMES: [&'static str; 3] = ["aws", "google", "azure"];

    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "aws" => Ok(Self::Aws),
            "google" | "gcp" => Ok(Self::Google),
            "azure" => Ok(Self::Azure),
            _ => Err(format!(
                "{text:?} is not a gateway this command knows; use one of {}",
                Self::NAMES.join(", ")
            )),
        }
    }
}

/// The backend's base URL: `http` or `https`, a host, an optional port and path prefix; no query or
/// fragment. Kept without a trailing slash, so `{base}{path}` is each operation's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    base: String,
}

impl Backend {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let refuse = |why: &str| {
            Err(format!(
                "{text:?} is not a backend URL: {why} (expected e.g. https://priceline.example.org)"
            ))
        };
        if text.contains(['?', '#']) {
            return refuse("it has a query or a fragment");
        }
        let Ok(uri) = text.parse::<Uri>() else {
            return refuse("it does not parse as a URL");
        };
        match uri.scheme_str() {
            Some("http" | "https") => {}
            Some(_) => return refuse("its scheme is neither http nor https"),
            None => return refuse("it is not absolute"),
        }
        let Some(authority) = uri.authority() else {
            return refuse("it has no host");
        };
        if authority.host().is_empty() || authority.as_str().contains('@') {
            return refuse("it has no host, or has credentials in it");
        }
        let base = text.trim_end_matches('/').to_owned();
        Ok(Self { base })
    }

    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// The backend URL of `path` (a path template of the document).
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// The gateway's document, pretty-printed with a trailing newline.
pub fn document_json(gateway: Gateway, backend: &Backend) -> String {
    let mut text = serde_json::to_string_pretty(&document(gateway, backend)).unwrap_or_default();
    text.push('\n');
    text
}

/// The gateway's document, from the 3.0.3 profile of the served API.
pub fn document(gateway: Gateway, backend: &Backend) -> Value {
    let spec = serde_json::to_value(super::spec()).unwrap_or(Value::Null);
    let spec = super::v30::convert(spec);
    match gateway {
        Gateway::Aws => aws(spec, backend),
        Gateway::Google => google(spec, backend),
        Gateway::Azure => azure(spec, backend),
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Each operation of the document with its path and method.
fn for_each_operation(
    spec: &mut Value,
    mut visit: impl FnMut(&str, &str, &mut Map<String, Value>),
) {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            if let Some(operation) = item.get_mut(method).and_then(Value::as_object_mut) {
                visit(path, method, operation);
            }
        }
    }
}

/// Follows a `#/...` reference from the document's root (parameters may be references).
fn resolved<'a>(root: &'a Value, value: &'a Value) -> &'a Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|pointer| root.pointer(pointer.trim_start_matches('#')))
        .unwrap_or(value)
}

/// The name of the API-key scheme in the gateway documents.
const GATEWAY_KEY_SCHEME: &str = "api_key";

fn aws(mut spec: Value, backend: &Backend) -> Value {
    let root = spec.clone();
    require_gateway_key(&mut spec);
    for_each_operation(&mut spec, |path, method, operation| {
        let mut mappings = Map::new();
        for parameter in operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let parameter = resolved(&root, parameter);
            let (Some(name), Some(place)) = (
                parameter.get("name").and_then(Value::as_str),
                parameter.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            let place = match place {
                "path" => "path",
                "query" => "querystring",
                "header" => "header",
                _ => continue,
            };
            mappings.insert(
                format!("integration.request.{place}.{name}"),
                json!(format!("method.request.{place}.{name}")),
            );
        }
        operation.insert(
            "x-amazon-apigateway-integration".to_owned(),
            json!({
                "type": "http_proxy",
                "httpMethod": method.to_ascii_uppercase(),
                "uri": backend.url(path),
                "connectionType": "INTERNET",
                "passthroughBehavior": "when_no_match",
                "requestParameters": mappings,
            }),
        );
    });
    if let Some(root) = spec.as_object_mut() {
        root.insert(
            "x-amazon-apigateway-api-key-source".to_owned(),
            json!("HEADER"),
        );
    }
    // API Gateway checks its own keys (usage plans) in `x-api-key`: the header the server reads its
    // keys from too, so one key can be registered in both. Bearer tokens pass through to the server.
    spec["components"]["securitySchemes"] = json!({
        GATEWAY_KEY_SCHEME: {
            "type": "apiKey",
            "name": "x-api-key",
            "in": "header",
            "description": "An API Gateway API key (usage plan). Register the server's own key value \
                            (`priceline api-key`) as the API Gateway key, or run the server with \
                            credentials off behind the gateway."
        }
    });
    if let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            strip_keywords(schema, &["example", "readOnly", "writeOnly"]);
        }
    }
    spec
}

/// The name the Google document gives its one backend, which every operation's `x-google-backend`
/// refers to.
pub const GOOGLE_BACKEND_NAME: &str = "priceline";

fn google(mut spec: Value, backend: &Backend) -> Value {
    require_gateway_key(&mut spec);
    for_each_operation(&mut spec, |_, _, operation| {
        operation.insert("x-google-backend".to_owned(), json!(GOOGLE_BACKEND_NAME));
    });
    if let Some(root) = spec.as_object_mut() {
        root.remove("servers");
        root.insert(
            "x-google-api-management".to_owned(),
            json!({
                "backends": {
                    GOOGLE_BACKEND_NAME: {
                        "address": backend.as_str(),
                        "pathTranslation": "APPEND_PATH_TO_ADDRESS",
                        "disableAuth": true,
                    }
                }
            }),
        );
    }
    spec["components"]["securitySchemes"] = json!({
        GATEWAY_KEY_SCHEME: {
            "type": "apiKey",
            "name": "key",
            "in": "query",
            "description": "A Google Cloud API key of the gateway's project. The server's own \
                            credential (X-API-Key or Authorization) is passed through to it."
        }
    });
    spec
}

fn azure(mut spec: Value, backend: &Backend) -> Value {
    spec["servers"] = json!([{
        "url": backend.as_str(),
        "description": "The Hospital Priceline server behind API Management"
    }]);
    spec
}

/// The gateway's key scheme alone on the operations the server protects (the /v1 ones), none on
/// the others, so health probes stay open. Alone: each gateway document declares only its key
/// scheme, and Google's gateway refuses an API key OR-ed with another scheme.
fn require_gateway_key(spec: &mut Value) {
    let protected = protected_operations(spec);
    for_each_operation(spec, |path, method, operation| {
        let key_required = protected.iter().any(|(p, m)| p == path && m == method);
        operation.insert(
            "security".to_owned(),
            if key_required {
                json!([{ GATEWAY_KEY_SCHEME: [] }])
            } else {
                json!([])
            },
        );
    });
}

/// The operations that name a security requirement (the /v1 ones), as (path, method).
fn protected_operations(spec: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let requirements = item
                .get(method)
                .and_then(|operation| operation.get("security"))
                .and_then(Value::as_array);
            if requirements.is_some_and(|list| {
                list.iter()
                    .any(|r| r.as_object().is_some_and(|r| !r.is_empty()))
            }) {
                found.push((path.clone(), method.to_owned()));
            }
        }
    }
    found
}

/// Removes `keywords` from a schema and every schema inside it.
fn strip_keywords(schema: &mut Value, keywords: &[&str]) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    for keyword in keywords {
        object.remove(*keyword);
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(sub) = object.get_mut(key) {
            strip_keywords(sub, keywords);
        }
    }
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        // Property names are not keywords: only the schemas under them are rewritten.
        properties
            .values_mut()
            .for_each(|p| strip_keywords(p, keywords));
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(members) = object.get_mut(key).and_then(Value::as_array_mut) {
            members.iter_mut().for_each(|m| strip_keywords(m, keywords));
        }
    }
}
