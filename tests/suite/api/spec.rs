//! The OpenAPI 3.0.3 gateway profile (`openapi/openapi-3.0.json`): it is what the code generates, it
//! has none of 3.1's constructs, it imports into the gateways (AWS API Gateway, Azure APIM, Apigee,
//! Kong), and every operation is described the same way. Also the converter on the 3.1 constructs our
//! own spec does not use (yet).

use std::collections::{BTreeMap, BTreeSet};

use priceline_api::openapi::v30;
use serde_json::{Value, json};

const PROBLEM_REF: &str = "#/components/schemas/Problem";

fn spec_3_0() -> Value {
    serde_json::from_str(&v30::spec_json_3_0()).expect("the 3.0 spec is JSON")
}

fn operations(spec: &Value) -> Vec<(String, String, &Value)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if [
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ]
            .contains(&method.as_str())
            {
                found.push((path.clone(), method.clone(), operation));
            }
        }
    }
    assert!(!found.is_empty(), "the spec has operations");
    found
}

/// Follows an internal `$ref` (`#/a/b`) from the document's root.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => spec
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{pointer} does not resolve")),
        None => value,
    }
}

/// Every schema reachable from `schema`, following `$ref`s (each component once).
fn reachable_schemas<'a>(
    spec: &'a Value,
    schema: &'a Value,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<&'a Value>,
) {
    if let Some(pointer) = schema.get("$ref").and_then(Value::as_str) {
        if seen.insert(pointer.to_owned()) {
            reachable_schemas(spec, resolve(spec, schema), seen, out);
        }
        return;
    }
    out.push(schema);
    for key in ["items", "additionalProperties", "not"] {
        if let Some(sub) = schema.get(key).filter(|s| s.is_object()) {
            reachable_schemas(spec, sub, seen, out);
        }
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for sub in properties.values() {
            reachable_schemas(spec, sub, seen, out);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for sub in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            reachable_schemas(spec, sub, seen, out);
        }
    }
}

/// Every value under `key` anywhere in `value`, with its JSON pointer.
fn find_key<'a>(value: &'a Value, key: &str, at: String, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(object) => {
            for (name, sub) in object {
                let here = format!("{at}/{name}");
                if name == key {
                    out.push((here.clone(), sub));
                }
                find_key(sub, key, here, out);
            }
        }
        Value::Array(items) => {
            for (index, sub) in items.iter().enumerate() {
                find_key(sub, key, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

/// Every schema of the document: components and the schemas of parameters, bodies and headers, with
/// the ones inside them.
fn all_schemas(spec: &Value) -> Vec<&Value> {
    let mut roots: Vec<&Value> = Vec::new();
    if let Some(schemas) = spec["components"]["schemas"].as_object() {
        roots.extend(schemas.values());
    }
    let mut found = Vec::new();
    find_key(&spec["paths"], "schema", String::new(), &mut found);
    roots.extend(found.into_iter().map(|(_, schema)| schema));
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for root in roots {
        // Components are listed themselves: no need to follow `$ref`s into them twice.
        reachable_schemas(spec, root, &mut seen, &mut out);
    }
    out
}

#[test]
fn the_committed_3_0_spec_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi-3.0.json"
    ))
    .expect("openapi/openapi-3.0.json is committed; run `make openapi`");
    assert!(
        committed == v30::spec_json_3_0(),
        "openapi/openapi-3.0.json differs from what the code generates; run `make openapi` and commit the result"
    );
}

#[test]
fn the_3_0_spec_has_no_3_1_constructs() {
    let text = v30::spec_json_3_0();
    let spec: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(spec["openapi"], "3.0.3");
    for key in ["webhooks", "jsonSchemaDialect", "$schema"] {
        assert!(spec.get(key).is_none(), "{key}");
    }
    assert!(spec["info"]["license"].get("identifier").is_none());
    assert!(spec["info"]["license"]["name"].is_string());
    for schema in all_schemas(&spec) {
        let context = schema.to_string();
        assert!(
            schema.get("type").is_none_or(Value::is_string),
            "type must be one string: {context}"
        );
        assert_ne!(schema.get("type"), Some(&json!("null")), "{context}");
        for key in [
            "examples",
            "const",
            "$schema",
            "$id",
            "$defs",
            "contentMediaType",
            "contentEncoding",
            "prefixItems",
            "unevaluatedProperties",
            "dependentRequired",
        ] {
            assert!(schema.get(key).is_none(), "{key} in {context}");
        }
        for key in ["exclusiveMinimum", "exclusiveMaximum"] {
            assert!(
                schema.get(key).is_none_or(Value::is_boolean),
                "{key} must be a boolean: {context}"
            );
        }
        // `nullable` only means something beside a `type` (Redocly: nullable-type-sibling).
        if schema.get("nullable") == Some(&json!(true)) {
            assert!(
                schema.get("type").is_some(),
                "nullable without type: {context}"
            );
        }
        if let Some(pointer) = schema.get("$ref") {
            assert_eq!(
                schema.as_object().unwrap().len(),
                1,
                "a $ref has no siblings in 3.0: {pointer}"
            );
        }
        for members in ["oneOf", "anyOf"] {
            for member in schema
                .get(members)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                assert_ne!(member.get("type"), Some(&json!("null")), "{context}");
            }
        }
    }
    // The nullable references of the 3.1 document survived as `allOf` + `nullable`.
    let payer_rate = &spec["components"]["schemas"]["PriceView"]["properties"]["payer_rate"];
    assert_eq!(payer_rate["nullable"], true, "{payer_rate}");
    assert_eq!(payer_rate["type"], "object", "{payer_rate}");
    assert_eq!(
        payer_rate["allOf"][0]["$ref"],
        "#/components/schemas/PayerRateView"
    );
}

#[test]
fn the_3_0_spec_is_gateway_safe() {
    let text = v30::spec_json_3_0();
    assert!(
        text.len() < 4 * 1024 * 1024,
        "the spec is {} bytes; gateways take at most 4 MB",
        text.len()
    );
    let spec: Value = serde_json::from_str(&text).unwrap();

    // Only internal references, and each resolves.
    let mut references = Vec::new();
    find_key(&spec, "$ref", String::new(), &mut references);
    assert!(!references.is_empty());
    for (at, reference) in references {
        let pointer = reference
            .as_str()
            .unwrap_or_else(|| panic!("{at}: $ref is text"));
        assert!(pointer.starts_with("#/"), "{at}: external $ref {pointer}");
        assert!(
            spec.pointer(&pointer[1..]).is_some(),
            "{at}: {pointer} does not resolve"
        );
    }

    for (path, method, operation) in operations(&spec) {
        let label = format!("{method} {path}");
        // No oneOf/anyOf in any response schema, however deep.
        for (status, response) in operation["responses"].as_object().unwrap() {
            let response = resolve(&spec, response);
            for (media, content) in response["content"].as_object().into_iter().flatten() {
                let mut schemas = Vec::new();
                reachable_schemas(
                    &spec,
                    &content["schema"],
                    &mut BTreeSet::new(),
                    &mut schemas,
                );
                for schema in schemas {
                    for key in ["oneOf", "anyOf", "discriminator"] {
                        assert!(
                            schema.get(key).is_none(),
                            "{label} {status} {media}: {key} in {schema}"
                        );
                    }
                }
            }
        }
        // Path parameters are whole segments, and declared exactly.
        let mut in_template = BTreeSet::new();
        for segment in path.split('/') {
            if segment.contains('{') || segment.contains('}') {
                let name = segment
                    .strip_prefix('{')
                    .and_then(|rest| rest.strip_suffix('}'))
                    .filter(|name| !name.contains(['{', '}']))
                    .unwrap_or_else(|| panic!("{label}: `{segment}` is not a whole segment"));
                assert!(in_template.insert(name.to_owned()), "{label}: {name} twice");
            }
        }
        let declared: BTreeSet<String> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|parameter| resolve(&spec, parameter))
            .filter(|parameter| parameter["in"] == "path")
            .map(|parameter| {
                assert_eq!(parameter["required"], true, "{label}: {parameter}");
                parameter["name"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(declared, in_template, "{label}: path parameters");
        // Azure: parameter names unique across the URL template, case-insensitively.
        let mut names = BTreeSet::new();
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let parameter = resolve(&spec, parameter);
            let name = parameter["name"].as_str().unwrap().to_ascii_lowercase();
            assert!(
                names.insert(name.clone()),
                "{label}: parameter {name} twice"
            );
        }
    }
}

#[test]
fn every_operation_is_described_alike() {
    let spec = spec_3_0();
    let declared_tags: BTreeSet<&str> = spec["tags"]
        .as_array()
        .expect("top-level tags")
        .iter()
        .map(|tag| tag["name"].as_str().unwrap())
        .collect();
    let mut operation_ids = BTreeMap::new();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let problems: Vec<&String> = schemas
        .keys()
        .filter(|name| name.to_ascii_lowercase().contains("problem"))
        .collect();
    assert_eq!(problems, ["Problem"], "one Problem schema");

    for (path, method, operation) in operations(&spec) {
        let label = format!("{method} {path}");
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{label}: no operationId"));
        let camel = id.starts_with(|c: char| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric());
        assert!(camel, "{label}: operationId `{id}` is not camelCase");
        if let Some(other) = operation_ids.insert(id.to_owned(), label.clone()) {
            panic!("operationId {id} on both {other} and {label}");
        }
        assert!(
            operation["summary"]
                .as_str()
                .is_some_and(|s| !s.trim().is_empty()),
            "{label}: no summary"
        );
        let tags = operation["tags"].as_array().expect("tags");
        assert!(!tags.is_empty(), "{label}: no tag");
        for tag in tags {
            assert!(
                declared_tags.contains(tag.as_str().unwrap()),
                "{label}: tag {tag} is not declared"
            );
        }
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let parameter = resolve(&spec, parameter);
            let schema = resolve(&spec, &parameter["schema"]);
            let has_example = parameter.get("example").is_some()
                || parameter["examples"]
                    .as_object()
                    .is_some_and(|e| !e.is_empty())
                || schema.get("example").is_some();
            assert!(
                has_example,
                "{label}: parameter {} has no example",
                parameter["name"]
            );
        }
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|status| status.starts_with('2')),
            "{label}: no success response"
        );
        let errors: Vec<(&String, &Value)> = responses
            .iter()
            .filter(|(status, _)| {
                status.starts_with('4') || status.starts_with('5') || *status == "default"
            })
            .collect();
        assert!(!errors.is_empty(), "{label}: no error response");
        // The OAuth2 token endpoint answers errors in RFC 6749 §5.2's JSON, which OAuth2 clients
        // read; every other operation in problem+json.
        if path == "/oauth/token" {
            continue;
        }
        for (status, response) in errors {
            let content = resolve(&spec, response)["content"]
                .as_object()
                .unwrap_or_else(|| panic!("{label} {status}: no content"));
            assert_eq!(
                content.keys().collect::<Vec<_>>(),
                ["application/problem+json"],
                "{label} {status}"
            );
            assert_eq!(
                content["application/problem+json"]["schema"]["$ref"], PROBLEM_REF,
                "{label} {status}"
            );
        }
    }
}

#[test]
fn the_converter_downgrades_every_3_1_construct() {
    let input = json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {"title": "t", "version": "1", "summary": "s",
                 "license": {"name": "GPL-3.0-or-later", "identifier": "GPL-3.0-or-later"}},
        "webhooks": {"ping": {}},
        "paths": {
            "/things/{id}": {"get": {
                "operationId": "getThing",
                "parameters": [
                    {"name": "id", "in": "path", "required": true,
                     "schema": {"type": "integer", "exclusiveMinimum": 0}},
                    {"$ref": "#/components/parameters/Kind", "description": "a 3.1 sibling"}
                ],
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Thing"}}}}}
            }}
        },
        "components": {
            "parameters": {"Kind": {"name": "kind", "in": "query",
                                    "schema": {"type": "string", "const": "a"}}},
            "pathItems": {"unused": {}},
            "schemas": {
                "Thing": {
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "type": "object",
                    "properties": {
                        "type": {"type": ["string", "null"], "examples": ["x", "y"]},
                        "const": {"type": "number", "exclusiveMaximum": 10, "maximum": 20},
                        "examples": {"oneOf": [{"type": "null"},
                                               {"$ref": "#/components/schemas/Part",
                                                "description": "kept"}]},
                        "nullable_inline": {"anyOf": [{"type": "string", "format": "date"},
                                                      {"type": "null"}]},
                        "either": {"oneOf": [{"$ref": "#/components/schemas/Part"},
                                             {"type": "object", "required": ["b", "c"],
                                              "properties": {"b": {"type": "integer"},
                                                             "c": {"type": "integer"}}}]},
                        "colour": {"oneOf": [{"type": "string", "enum": ["red"]},
                                             {"type": "string", "const": "blue"}]},
                        "blob": {"type": "string", "contentMediaType": "image/png"},
                        "b64": {"type": "string", "contentEncoding": "base64",
                                "contentMediaType": "image/png"},
                        "tuple": {"type": "array", "prefixItems": [{"type": "string"}],
                                  "items": {"type": "string"}},
                        "nothing": {"type": "null"}
                    }
                },
                "Part": {"type": "object", "required": ["b"],
                         "properties": {"b": {"type": "integer"}, "a": {"type": "string"}}}
            }
        }
    });
    let out = v30::convert(input);
    assert_eq!(out["openapi"], "3.0.3");
    for key in ["jsonSchemaDialect", "webhooks"] {
        assert!(out.get(key).is_none(), "{key}");
    }
    assert!(out["info"].get("summary").is_none());
    assert_eq!(
        out["info"]["license"],
        json!({"name": "GPL-3.0-or-later", "url": "https://spdx.org/licenses/GPL-3.0-or-later.html"})
    );
    assert!(out["components"].get("pathItems").is_none());
    let operation = &out["paths"]["/things/{id}"]["get"];
    assert_eq!(
        operation["parameters"][0]["schema"],
        json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true})
    );
    assert_eq!(
        operation["parameters"][1],
        json!({"$ref": "#/components/parameters/Kind"})
    );
    assert_eq!(
        out["components"]["parameters"]["Kind"]["schema"],
        json!({"type": "string", "enum": ["a"]})
    );
    let thing = &out["components"]["schemas"]["Thing"];
    assert!(thing.get("$schema").is_none());
    let properties = &thing["properties"];
    assert_eq!(
        properties["type"],
        json!({"type": "string", "nullable": true, "example": "x"})
    );
    // The inclusive maximum 20 is looser than the exclusive 10: the exclusive bound wins.
    assert_eq!(
        properties["const"],
        json!({"type": "number", "maximum": 10, "exclusiveMaximum": true})
    );
    assert_eq!(
        properties["examples"],
        json!({"allOf": [{"$ref": "#/components/schemas/Part"}], "nullable": true,
               "type": "object", "description": "kept"})
    );
    assert_eq!(
        properties["nullable_inline"],
        json!({"type": "string", "format": "date", "nullable": true})
    );
    assert_eq!(
        properties["either"],
        json!({"type": "object", "required": ["b"],
               "properties": {"a": {"type": "string"}, "b": {"type": "integer"},
                              "c": {"type": "integer"}}})
    );
    assert_eq!(
        properties["colour"],
        json!({"type": "string", "enum": ["red", "blue"]})
    );
    assert_eq!(
        properties["blob"],
        json!({"type": "string", "format": "binary"})
    );
    assert_eq!(
        properties["b64"],
        json!({"type": "string", "format": "byte"})
    );
    assert_eq!(
        properties["tuple"],
        json!({"type": "array", "items": {"type": "string"}})
    );
    assert_eq!(
        properties["nothing"],
        json!({"nullable": true, "enum": [null]})
    );
}
