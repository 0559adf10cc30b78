//! The OpenAPI 3.0.3 "gateway profile": the 3.1 document utoipa emits, rewritten for tools that read
//! 3.0 only (AWS API Gateway, Azure APIM, Apigee, Kong's openapi2kong).
//!
//! The rewrite is structural: it knows where the document holds schemas (components, parameters,
//! media types, headers) and rewrites only those, so a property named `type`, `const` or `examples`
//! is never mistaken for a keyword. What changes:
//!
//! - `"openapi": "3.1.x"` becomes `"3.0.3"`; `jsonSchemaDialect`, `webhooks`, `components.pathItems`,
//!   `info.summary` and `mutualTLS` security schemes (with requirements naming them) are dropped;
//!   `license.identifier` becomes a `license.url` to the SPDX page when there is no URL;
//! - `type: [X, "null"]` becomes `type: X` + `nullable: true` (`type: "null"` alone: `nullable` and
//!   `enum: [null]`);
//! - `oneOf`/`anyOf` with a `{"type": "null"}` member becomes the other member plus `nullable: true` (a
//!   lone `$ref` is wrapped as `allOf: [$ref]`, since 3.0 ignores a `$ref`'s siblings); what is left with
//!   several members is flattened when they are all objects (properties merged, `required` the common
//!   part) or all enums of one type (values merged);
//! - a `$ref` with siblings becomes `allOf: [$ref]` beside them;
//! - `examples: [..]` in a schema becomes `example` (its first value); `const: v` becomes `enum: [v]`;
//! - numeric `exclusiveMinimum`/`exclusiveMaximum` become `minimum`/`maximum` + `true`;
//! - `contentEncoding: base64` becomes `format: byte`, a string with `contentMediaType` only becomes
//!   `format: binary`; `$schema`, `$id`, `$anchor`, `$comment`, `$defs`, `$dynamicRef`,
//!   `$dynamicAnchor`, `prefixItems`, `contains`, `minContains`, `maxContains`, `patternProperties`,
//!   `propertyNames`, `unevaluatedProperties`, `unevaluatedItems`, `dependentRequired`,
//!   `dependentSchemas`, `if`/`then`/`else`, `contentMediaType` and `contentSchema` are dropped;
//! - a Reference Object outside schemas keeps only its `$ref` (3.1 allows `summary`/`description`).

use serde_json::{Map, Value, json};

/// The 3.0.3 document of the served API, pretty-printed with a trailing newline (the committed form of
/// `openapi/openapi-3.0.json`).
pub fn spec_json_3_0() -> String {
    let spec = serde_json::to_value(super::spec()).unwrap_or(Value::Null);
    let mut text = serde_json::to_string_pretty(&convert(spec)).unwrap_or_default();
    text.push('\n');
    text
}

/// Rewrites an OpenAPI 3.1 document (as JSON) into OpenAPI 3.0.3.
pub fn convert(mut document: Value) -> Value {
    let Some(root) = document.as_object_mut() else {
        return document;
    };
    root.insert("openapi".to_owned(), json!("3.0.3"));
    root.remove("jsonSchemaDialect");
    root.remove("webhooks");
    root.remove("$schema");
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        info.remove("summary");
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut)
            && let Some(identifier) = license.remove("identifier")
            && !license.contains_key("url")
            && let Some(identifier) = identifier.as_str()
        {
            license.insert(
                "url".to_owned(),
                json!(format!("https://spdx.org/licenses/{identifier}.html")),
            );
        }
    }
    // Schemes 3.0 cannot express, and the requirements that name them.
    let mut dropped_schemes = Vec::new();
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        components.remove("pathItems");
        if let Some(schemes) = components
            .get_mut("securitySchemes")
            .and_then(Value::as_object_mut)
        {
            schemes.retain(|name, scheme| {
                let keep = scheme["type"] != "mutualTLS";
                if !keep {
                    dropped_schemes.push(name.clone());
                }
                keep
            });
        }
    }
    let flatten_context = root
        .get("components")
        .and_then(|components| components.get("schemas"))
        .cloned()
        .unwrap_or(Value::Null);
    let rewrite = Rewrite {
        schemas: &flatten_context,
        dropped_schemes: &dropped_schemes,
    };
    if let Some(security) = root.get_mut("security") {
        rewrite.security(security);
    }
    match root.get_mut("paths") {
        Some(Value::Object(paths)) => {
            for item in paths.values_mut() {
                rewrite.path_item(item);
            }
        }
        _ => {
            // `paths` is required in 3.0.
            root.insert("paths".to_owned(), json!({}));
        }
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        rewrite.components(components);
    }
    document
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Keywords of JSON Schema 2020-12 that OpenAPI 3.0's schema object does not have.
const DROPPED_SCHEMA_KEYWORDS: [&str; 21] = [
    "$schema",
    "$id",
    "$anchor",
    "$comment",
    "$defs",
    "$dynamicRef",
    "$dynamicAnchor",
    "$vocabulary",
    "prefixItems",
    "contains",
    "minContains",
    "maxContains",
    "patternProperties",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "dependentRequired",
    "dependentSchemas",
    "if",
    "then",
    "else",
];

struct Rewrite<'a> {
    /// `components.schemas` of the original document, to flatten `oneOf` members given by `$ref`.
    schemas: &'a Value,
    dropped_schemes: &'a [String],
}

impl Rewrite<'_> {
    fn components(&self, components: &mut Map<String, Value>) {
        for (section, entries) in components.iter_mut() {
            let Some(entries) = entries.as_object_mut() else {
                continue;
            };
            for entry in entries.values_mut() {
                match section.as_str() {
                    "schemas" => self.schema(entry),
                    "parameters" | "headers" => self.parameter(entry),
                    "responses" => self.response(entry),
                    "requestBodies" => self.request_body(entry),
                    "callbacks" => self.callback(entry),
                    "examples" | "links" | "securitySchemes" => {
                        reference(entry);
                    }
                    _ => {}
                }
            }
        }
    }

    fn security(&self, requirements: &mut Value) {
        if let Some(list) = requirements.as_array_mut() {
            list.retain(|requirement| {
                !self
                    .dropped_schemes
                    .iter()
                    .any(|scheme| requirement.get(scheme).is_some())
            });
        }
    }

    fn path_item(&self, item: &mut Value) {
        if reference(item) {
            return;
        }
        let Some(item) = item.as_object_mut() else {
            return;
        };
        if let Some(parameters) = item.get_mut("parameters").and_then(Value::as_array_mut) {
            parameters.iter_mut().for_each(|p| self.parameter(p));
        }
        for method in METHODS {
            if let Some(operation) = item.get_mut(method) {
                self.operation(operation);
            }
        }
    }

    fn operation(&self, operation: &mut Value) {
        let Some(operation) = operation.as_object_mut() else {
            return;
        };
        if let Some(parameters) = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
        {
            parameters.iter_mut().for_each(|p| self.parameter(p));
        }
        if let Some(body) = operation.get_mut("requestBody") {
            self.request_body(body);
        }
        if let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        {
            responses.values_mut().for_each(|r| self.response(r));
        }
        if let Some(callbacks) = operation
            .get_mut("callbacks")
            .and_then(Value::as_object_mut)
        {
            callbacks.values_mut().for_each(|c| self.callback(c));
        }
        if let Some(security) = operation.get_mut("security") {
            self.security(security);
        }
    }

    fn callback(&self, callback: &mut Value) {
        if reference(callback) {
            return;
        }
        if let Some(expressions) = callback.as_object_mut() {
            expressions.values_mut().for_each(|i| self.path_item(i));
        }
    }

    /// A parameter or a header: a schema, or a content map.
    fn parameter(&self, parameter: &mut Value) {
        if reference(parameter) {
            return;
        }
        if let Some(schema) = parameter.get_mut("schema") {
            self.schema(schema);
        }
        if let Some(content) = parameter.get_mut("content") {
            self.content(content);
        }
    }

    fn request_body(&self, body: &mut Value) {
        if reference(body) {
            return;
        }
        if let Some(content) = body.get_mut("content") {
            self.content(content);
        }
    }

    fn response(&self, response: &mut Value) {
        if reference(response) {
            return;
        }
        if let Some(content) = response.get_mut("content") {
            self.content(content);
        }
        if let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut) {
            headers.values_mut().for_each(|h| self.parameter(h));
        }
        if let Some(links) = response.get_mut("links").and_then(Value::as_object_mut) {
            links.values_mut().for_each(|link| {
                reference(link);
            });
        }
    }

    fn content(&self, content: &mut Value) {
        let Some(media_types) = content.as_object_mut() else {
            return;
        };
        for media_type in media_types.values_mut() {
            if let Some(schema) = media_type.get_mut("schema") {
                self.schema(schema);
            }
            if let Some(encodings) = media_type
                .get_mut("encoding")
                .and_then(Value::as_object_mut)
            {
                for encoding in encodings.values_mut() {
                    if let Some(headers) =
                        encoding.get_mut("headers").and_then(Value::as_object_mut)
                    {
                        headers.values_mut().for_each(|h| self.parameter(h));
                    }
                }
            }
        }
    }

    /// Rewrites one schema and, first, every schema inside it.
    fn schema(&self, schema: &mut Value) {
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        // Subschemas first, so a member lifted out of a `oneOf` below is already 3.0.
        for key in ["items", "additionalProperties", "not"] {
            if let Some(sub) = object.get_mut(key) {
                self.schema(sub);
            }
        }
        if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
            properties.values_mut().for_each(|p| self.schema(p));
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(members) = object.get_mut(key).and_then(Value::as_array_mut) {
                members.iter_mut().for_each(|m| self.schema(m));
            }
        }

        for key in DROPPED_SCHEMA_KEYWORDS {
            object.remove(key);
        }
        content_keywords(object);
        if let Some(value) = object.remove("const") {
            object.insert("enum".to_owned(), json!([value]));
        }
        if let Some(Value::Array(examples)) = object.remove("examples")
            && !object.contains_key("example")
            && let Some(first) = examples.into_iter().next()
        {
            object.insert("example".to_owned(), first);
        }
        exclusive_bound(object, "exclusiveMinimum", "minimum", |bound, inclusive| {
            inclusive <= bound
        });
        exclusive_bound(object, "exclusiveMaximum", "maximum", |bound, inclusive| {
            inclusive >= bound
        });
        type_list(object);
        for key in ["oneOf", "anyOf"] {
            self.alternatives(object, key);
        }
        if let Some(Value::Array(items)) = object.get("items")
            && let Some(first) = items.first().cloned()
        {
            // 2020-12 tuple form from older generators: keep the first item's schema.
            object.insert("items".to_owned(), first);
        }
        ref_with_siblings(object);
    }

    /// `oneOf`/`anyOf`: null members become `nullable`; a single member left replaces the list; several
    /// are flattened when that loses nothing a gateway could use.
    fn alternatives(&self, object: &mut Map<String, Value>, key: &str) {
        let Some(Value::Array(members)) = object.remove(key) else {
            return;
        };
        let (nulls, mut members): (Vec<Value>, Vec<Value>) =
            members.into_iter().partition(is_null_schema);
        if !nulls.is_empty() {
            object.insert("nullable".to_owned(), json!(true));
        }
        match members.len() {
            0 => {
                object.insert("enum".to_owned(), json!([null]));
            }
            1 => {
                let member = members.pop().unwrap_or(Value::Null);
                lift(object, member);
            }
            _ => match self.flatten(&members) {
                Some(merged) => lift(object, merged),
                None => {
                    object.insert(key.to_owned(), Value::Array(members));
                }
            },
        }
        // 3.0 gives `nullable` meaning only beside a `type` (Redocly's nullable-type-sibling): a
        // nullable `allOf: [$ref]` states the type its members share.
        if object.get("nullable") == Some(&json!(true))
            && !object.contains_key("type")
            && let Some(kind) = self.shared_type(object)
        {
            object.insert("type".to_owned(), kind);
        }
    }

    /// The `type` every `allOf` member has (references resolved), when they agree.
    fn shared_type(&self, object: &Map<String, Value>) -> Option<Value> {
        let Some(Value::Array(members)) = object.get("allOf") else {
            return None;
        };
        let mut types = members
            .iter()
            .map(|member| self.resolve(member).get("type"));
        let first = types.next()??;
        types.all(|kind| kind == Some(first)).then(|| first.clone())
    }

    fn resolve<'v>(&'v self, schema: &'v Value) -> &'v Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(pointer) => pointer
                .strip_prefix("#/components/schemas/")
                .and_then(|name| self.schemas.get(name))
                .unwrap_or(schema),
            None => schema,
        }
    }

    /// Several alternatives as one schema: all objects (properties merged, `required` what every
    /// member requires), or all enums of one type (values merged). `None` when they are neither.
    fn flatten(&self, members: &[Value]) -> Option<Value> {
        let resolved: Vec<Value> = members
            .iter()
            .map(|member| {
                let mut copy = self.resolve(member).clone();
                self.schema(&mut copy);
                copy
            })
            .collect();
        let all_objects = resolved.iter().all(|m| {
            m["type"] == "object" || (m.get("type").is_none() && m.get("properties").is_some())
        });
        if all_objects {
            let mut properties = Map::new();
            let mut required: Option<Vec<Value>> = None;
            for member in &resolved {
                if let Some(own) = member.get("properties").and_then(Value::as_object) {
                    for (name, schema) in own {
                        properties
                            .entry(name.clone())
                            .or_insert_with(|| schema.clone());
                    }
                }
                let own: Vec<Value> = member
                    .get("required")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                required = Some(match required {
                    None => own,
                    Some(common) => common.into_iter().filter(|n| own.contains(n)).collect(),
                });
            }
            let mut merged = json!({"type": "object", "properties": properties});
            if let Some(required) = required.filter(|r| !r.is_empty()) {
                merged["required"] = Value::Array(required);
            }
            return Some(merged);
        }
        let first_type = resolved.first()?.get("type")?.clone();
        let all_enums = resolved.iter().all(|m| {
            m.get("type") == Some(&first_type) && m.get("enum").is_some_and(Value::is_array)
        });
        if all_enums {
            let mut values: Vec<Value> = Vec::new();
            for member in &resolved {
                for value in member["enum"].as_array().into_iter().flatten() {
                    if !values.contains(value) {
                        values.push(value.clone());
                    }
                }
            }
            return Some(json!({"type": first_type, "enum": values}));
        }
        None
    }
}

/// A Reference Object outside schemas: 3.0 allows nothing beside `$ref`. True when it is one.
fn reference(value: &mut Value) -> bool {
    let Some(object) = value.as_object_mut() else {
        return false;
    };
    if !object.contains_key("$ref") {
        return false;
    }
    object.retain(|key, _| key == "$ref");
    true
}

/// `{"type": "null"}`, or what [`type_list`] made of it when the members were rewritten first.
fn is_null_schema(schema: &Value) -> bool {
    schema.as_object().is_some_and(|object| {
        let null_type = object.get("type") == Some(&json!("null"))
            || (object.get("type").is_none()
                && object.get("nullable") == Some(&json!(true))
                && object.get("enum") == Some(&json!([null])));
        null_type
            && object.keys().all(|k| {
                matches!(
                    k.as_str(),
                    "type" | "nullable" | "enum" | "description" | "title"
                )
            })
    })
}

/// Puts `member`'s keywords into `object` (which keeps its own on a clash): a `$ref` member becomes
/// `allOf: [$ref]`, since 3.0 ignores anything beside a `$ref`.
fn lift(object: &mut Map<String, Value>, member: Value) {
    let Value::Object(mut member) = member else {
        return;
    };
    if let Some(pointer) = member.remove("$ref") {
        let mut all_of = vec![json!({ "$ref": pointer })];
        if let Some(Value::Array(more)) = object.remove("allOf") {
            all_of.extend(more);
        }
        object.insert("allOf".to_owned(), Value::Array(all_of));
    }
    for (key, value) in member {
        object.entry(key).or_insert(value);
    }
}

/// `type: [X, "null"]` → `type: X, nullable: true`. Several non-null types cannot be one 3.0 type:
/// the schema keeps no `type` (any value) rather than an `anyOf` gateways refuse.
fn type_list(object: &mut Map<String, Value>) {
    let types: Vec<Value> = match object.get("type") {
        Some(Value::Array(types)) => types.clone(),
        Some(Value::String(single)) if single == "null" => vec![json!("null")],
        _ => return,
    };
    let others: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
    if others.len() != types.len() {
        object.insert("nullable".to_owned(), json!(true));
    }
    match others.as_slice() {
        [] => {
            object.remove("type");
            object.entry("enum").or_insert(json!([null]));
        }
        [single] => {
            object.insert("type".to_owned(), single.clone());
        }
        _ => {
            object.remove("type");
        }
    }
}

/// 2020-12 numeric `exclusiveMinimum: n` → 3.0 `minimum: n, exclusiveMinimum: true`, unless an
/// inclusive bound already given is the stricter one.
fn exclusive_bound(
    object: &mut Map<String, Value>,
    exclusive_key: &str,
    inclusive_key: &str,
    inclusive_is_looser: fn(f64, f64) -> bool,
) {
    let Some(bound) = object.get(exclusive_key).filter(|v| v.is_number()).cloned() else {
        return;
    };
    object.remove(exclusive_key);
    let looser = match object.get(inclusive_key).and_then(Value::as_f64) {
        Some(inclusive) => inclusive_is_looser(bound.as_f64().unwrap_or_default(), inclusive),
        None => true,
    };
    if looser {
        object.insert(inclusive_key.to_owned(), bound);
        object.insert(exclusive_key.to_owned(), json!(true));
    }
}

/// 2020-12 content keywords → 3.0 string formats.
fn content_keywords(object: &mut Map<String, Value>) {
    let encoding = object.remove("contentEncoding");
    let media_type = object.remove("contentMediaType");
    object.remove("contentSchema");
    if object.contains_key("format") {
        return;
    }
    if encoding.as_ref().and_then(Value::as_str) == Some("base64") {
        object.insert("format".to_owned(), json!("byte"));
    } else if media_type.is_some() && object.get("type") == Some(&json!("string")) {
        object.insert("format".to_owned(), json!("binary"));
    }
}

/// A schema `$ref` with siblings → `allOf: [$ref]` beside them (3.0 ignores a `$ref`'s siblings).
fn ref_with_siblings(object: &mut Map<String, Value>) {
    if object.len() > 1
        && let Some(pointer) = object.remove("$ref")
    {
        let mut all_of = vec![json!({ "$ref": pointer })];
        if let Some(Value::Array(more)) = object.remove("allOf") {
            all_of.extend(more);
        }
        object.insert("allOf".to_owned(), Value::Array(all_of));
    }
}
