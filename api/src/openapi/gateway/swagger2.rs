//! OpenAPI 3.0.3 (the gateway profile [`super::super::v30`] makes) → Swagger 2.0, for gateways that
//! import 2.0 (Google Cloud API Gateway, Cloud Endpoints).
//!
//! The input is already 3.0 (single `type`s, `nullable`, no `oneOf` in responses), so what is left is
//! the change of shape:
//!
//! - `components.schemas` → `definitions`, every `#/components/schemas/` reference → `#/definitions/`;
//!   `nullable` → `x-nullable`; keywords 2.0 schemas lack (`writeOnly`, `deprecated`, `oneOf`,
//!   `anyOf`, `not`) are dropped;
//! - a parameter's `schema` is folded into the parameter (2.0 parameters other than `body` carry
//!   `type`, `format`, `enum`, bounds and `pattern` themselves); its `example` becomes `x-example`;
//!   referenced parameters are written inline;
//! - a response's `content` becomes one `schema` (JSON or problem+json, the same for every media
//!   type here) with the media types in the document's `produces`; an `example` becomes
//!   `examples: {media type: value}`; headers are written inline with their schema folded in;
//! - `servers` is dropped (2.0's `host` is the gateway's own, set when it is deployed), `basePath` is
//!   `/` and `schemes` is `https`;
//! - `apiKey` security schemes become `securityDefinitions`; an HTTP bearer scheme (which 2.0 lacks)
//!   becomes an `apiKey` in the `Authorization` header.

use serde_json::{Map, Value, json};

/// Keywords a Swagger 2.0 schema has (beside `x-` extensions).
const SCHEMA_KEYWORDS: [&str; 31] = [
    "$ref",
    "format",
    "title",
    "description",
    "default",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "type",
    "items",
    "allOf",
    "properties",
    "additionalProperties",
    "discriminator",
    "readOnly",
    "xml",
    "externalDocs",
    "example",
    "x-nullable",
];

/// What a 2.0 non-body parameter or header takes from its schema.
const SIMPLE_KEYWORDS: [&str; 16] = [
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// Converts an OpenAPI 3.0.x document (as JSON) to Swagger 2.0.
pub fn convert(spec: Value) -> Value {
    let root = spec.clone();
    let mut out = Map::new();
    out.insert("swagger".to_owned(), json!("2.0"));
    if let Some(info) = spec.get("info") {
        out.insert("info".to_owned(), info.clone());
    }
    out.insert("basePath".to_owned(), json!("/"));
    out.insert("schemes".to_owned(), json!(["https"]));

    let mut produces: Vec<String> = Vec::new();
    let mut paths = Map::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        let mut converted = Map::new();
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                converted.insert(
                    method.to_owned(),
                    operation_2_0(&root, operation, &mut produces),
                );
            }
        }
        paths.insert(path.clone(), Value::Object(converted));
    }
    out.insert(
        "produces".to_owned(),
        Value::Array(produces.into_iter().map(Value::String).collect()),
    );
    out.insert("paths".to_owned(), Value::Object(paths));

    let mut definitions = Map::new();
    for (name, schema) in spec["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        definitions.insert(name.clone(), schema_2_0(schema));
    }
    out.insert("definitions".to_owned(), Value::Object(definitions));

    let mut security = Map::new();
    for (name, scheme) in spec["components"]["securitySchemes"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let description = scheme.get("description").cloned();
        let mut converted = match scheme["type"].as_str() {
            Some("apiKey") => json!({
                "type": "apiKey",
                "name": scheme["name"],
                "in": scheme["in"],
            }),
            Some("http")
                if scheme["scheme"]
                    .as_str()
                    .map(str::to_ascii_lowercase)
                    .as_deref()
                    == Some("bearer") =>
            {
                json!({
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                })
            }
            _ => continue,
        };
        if let Some(description) = description {
            converted["description"] = description;
        }
        security.insert(name.clone(), converted);
    }
    if !security.is_empty() {
        out.insert("securityDefinitions".to_owned(), Value::Object(security));
    }
    for key in ["security", "tags", "externalDocs"] {
        if let Some(value) = spec.get(key) {
            out.insert(key.to_owned(), value.clone());
        }
    }
    for (key, value) in spec.as_object().into_iter().flatten() {
        if key.starts_with("x-") {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

fn operation_2_0(root: &Value, operation: &Value, produces: &mut Vec<String>) -> Value {
    let mut out = Map::new();
    for key in [
        "tags",
        "summary",
        "description",
        "operationId",
        "deprecated",
        "security",
        "externalDocs",
    ] {
        if let Some(value) = operation.get(key) {
            out.insert(key.to_owned(), value.clone());
        }
    }
    let parameters: Vec<Value> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|parameter| parameter_2_0(resolve(root, parameter)))
        .collect();
    if !parameters.is_empty() {
        out.insert("parameters".to_owned(), Value::Array(parameters));
    }
    let mut responses = Map::new();
    for (status, response) in operation["responses"].as_object().into_iter().flatten() {
        responses.insert(
            status.clone(),
            response_2_0(root, resolve(root, response), produces),
        );
    }
    out.insert("responses".to_owned(), Value::Object(responses));
    for (key, value) in operation.as_object().into_iter().flatten() {
        if key.starts_with("x-") {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

/// A query, path or header parameter: its schema's keywords on the parameter itself.
fn parameter_2_0(parameter: &Value) -> Value {
    let mut out = Map::new();
    for key in ["name", "in", "description", "required"] {
        if let Some(value) = parameter.get(key) {
            out.insert(key.to_owned(), value.clone());
        }
    }
    let schema = parameter.get("schema").cloned().unwrap_or(json!({}));
    fold_simple(&mut out, &schema);
    if let Some(example) = parameter.get("example").or_else(|| schema.get("example")) {
        out.insert("x-example".to_owned(), example.clone());
    }
    Value::Object(out)
}

/// Copies what a 2.0 parameter or header can hold of `schema`; a string when it says no type.
fn fold_simple(out: &mut Map<String, Value>, schema: &Value) {
    for key in SIMPLE_KEYWORDS {
        if let Some(value) = schema.get(key) {
            let value = if key == "items" {
                let mut items = Map::new();
                fold_simple(&mut items, value);
                Value::Object(items)
            } else {
                value.clone()
            };
            out.insert(key.to_owned(), value);
        }
    }
    if let Some(Value::Array(values)) = out.get_mut("enum") {
        values.retain(|value| !value.is_null());
    }
    out.entry("type").or_insert(json!("string"));
}

fn response_2_0(root: &Value, response: &Value, produces: &mut Vec<String>) -> Value {
    let mut out = Map::new();
    out.insert(
        "description".to_owned(),
        response.get("description").cloned().unwrap_or(json!("")),
    );
    let mut examples = Map::new();
    for (media_type, content) in response["content"].as_object().into_iter().flatten() {
        if !produces.contains(media_type) {
            produces.push(media_type.clone());
        }
        if let Some(schema) = content.get("schema")
            && !out.contains_key("schema")
        {
            out.insert("schema".to_owned(), schema_2_0(schema));
        }
        if let Some(example) = content.get("example") {
            examples.insert(media_type.clone(), example.clone());
        }
    }
    if !examples.is_empty() {
        out.insert("examples".to_owned(), Value::Object(examples));
    }
    let mut headers = Map::new();
    for (name, header) in response["headers"].as_object().into_iter().flatten() {
        let header = resolve(root, header);
        let mut converted = Map::new();
        if let Some(description) = header.get("description") {
            converted.insert("description".to_owned(), description.clone());
        }
        fold_simple(&mut converted, header.get("schema").unwrap_or(&Value::Null));
        headers.insert(name.clone(), Value::Object(converted));
    }
    if !headers.is_empty() {
        out.insert("headers".to_owned(), Value::Object(headers));
    }
    Value::Object(out)
}

/// A 3.0 schema as a 2.0 one.
fn schema_2_0(schema: &Value) -> Value {
    let Some(object) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in object {
        let value = match key.as_str() {
            "$ref" => json!(value.as_str().unwrap_or_default().replacen(
                "#/components/schemas/",
                "#/definitions/",
                1
            )),
            "nullable" => {
                out.insert("x-nullable".to_owned(), value.clone());
                continue;
            }
            "items" | "additionalProperties" if value.is_object() => schema_2_0(value),
            "properties" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, sub)| (name.clone(), schema_2_0(sub)))
                    .collect(),
            ),
            "allOf" => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(schema_2_0)
                    .collect(),
            ),
            other if SCHEMA_KEYWORDS.contains(&other) || other.starts_with("x-") => value.clone(),
            _ => continue,
        };
        out.insert(key.clone(), value);
    }
    Value::Object(out)
}

/// Follows an internal reference from the document's root.
fn resolve<'a>(root: &'a Value, value: &'a Value) -> &'a Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|pointer| root.pointer(pointer.trim_start_matches('#')))
        .unwrap_or(value)
}
