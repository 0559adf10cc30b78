//! Rewrites of the generated document's parameters, applied to every operation so none is forgotten:
//!
//! - an optional parameter's example moves into its schema's `examples` and its description. Swagger
//!   UI's "Try it out" fills each field from the parameter's `example` (or the schema's singular
//!   `example`), so every optional filter arrived filled in and the first request found nothing;
//!   it does not fill from `examples`. Required parameters keep theirs: filled in, the first try
//!   works.
//! - the `Prefer: handling=strict` request header and the `Ignored-Query-Parameters` and
//!   `Preference-Applied` response headers (see [`crate::middleware::unknown_parameters`]) are
//!   documented on every operation.

use serde_json::Value;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{Header, OpenApi, Ref, RefOr, Required};

use crate::middleware::unknown_parameters::{IGNORED_HEADER, MAX_NAMED, PREFERENCE_APPLIED_HEADER};

/// The name of the `Prefer` parameter in `components.parameters`.
pub const PREFER_PARAMETER: &str = "Prefer";

/// Every operation of `spec`.
fn operations(spec: &mut OpenApi) -> impl Iterator<Item = &mut Operation> {
    spec.paths
        .paths
        .values_mut()
        .flat_map(super::operations::of_item)
}

/// Moves each optional parameter's `example` out of Swagger UI's "Try it out" fields.
pub fn examples_out_of_try_it_out(spec: &mut OpenApi) {
    for operation in operations(spec) {
        for parameter in operation.parameters.iter_mut().flatten() {
            if let RefOr::T(parameter) = parameter
                && !matches!(parameter.required, Required::True)
            {
                move_example(parameter);
            }
        }
    }
}

fn move_example(parameter: &mut Parameter) {
    // utoipa keeps `example` private: read it from the serialized form, clear it with the builder.
    let example = serde_json::to_value(&*parameter)
        .ok()
        .and_then(|mut value| value.get_mut("example").map(Value::take));
    let Some(example) = example else {
        return;
    };
    *parameter = ParameterBuilder::from(parameter.clone())
        .example(None)
        .build();
    let shown = match &example {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let description = parameter.description.get_or_insert_default();
    if !description.is_empty() && !description.ends_with('\n') {
        description.push(' ');
    }
    description.push_str(&format!("Example: `{shown}`."));
    if let Some(RefOr::T(Schema::Object(schema))) = &mut parameter.schema
        && !schema.examples.contains(&example)
    {
        schema.examples.insert(0, example);
    }
}

/// Documents unknown-parameter handling: a `Prefer` header parameter on every operation, and the two
/// response headers on its success and 400 responses.
pub fn document_query_handling(spec: &mut OpenApi) {
    let components = spec.components.get_or_insert_with(Default::default);
    let prefer = ParameterBuilder::new()
        .name("Prefer")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(format!(
            "`handling=strict` refuses a query parameter the operation does not take with a 400 \
             naming it; by default (`handling=lenient`) such parameters, like API gateways' \
             `subscription-key` or `_` cache-busters, are ignored and named in the \
             `{IGNORED_HEADER}` response header. Other preferences (RFC 7240) are ignored, and \
             so is this header when it holds no `handling` preference."
        )))
        // Any text: per RFC 7240 a preference the server does not know is ignored, not refused
        // (an `enum` would call every other value a request to refuse).
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                // In the schema, where "Try it out" does not fill it in.
                .examples(["handling=strict", "handling=lenient"]),
        ))
        .build();
    components
        .parameters
        .insert(PREFER_PARAMETER.to_owned(), RefOr::T(prefer));
    let string = || ObjectBuilder::new().schema_type(Type::String).build();
    let mut ignored = Header::new(string());
    ignored.description = Some(format!(
        "The query parameters this operation does not take and ignored, comma-separated and \
         URL-encoded as in the query (at most {MAX_NAMED}, then `...`). Absent when there were \
         none, and under `Prefer: handling=strict`, which refuses them instead."
    ));
    ignored.example = Some(Value::from("subscription-key, _"));
    let mut applied = Header::new(string());
    applied.description = Some(
        "The `handling` preference the request stated and the server honoured (RFC 7240)."
            .to_owned(),
    );
    applied.example = Some(Value::from("handling=strict"));
    components
        .headers
        .insert(IGNORED_HEADER.to_owned(), RefOr::T(ignored));
    components
        .headers
        .insert(PREFERENCE_APPLIED_HEADER.to_owned(), RefOr::T(applied));
    let header_ref = |name: &str| RefOr::Ref(Ref::new(format!("#/components/headers/{name}")));
    for operation in operations(spec) {
        operation
            .parameters
            .get_or_insert_default()
            .push(RefOr::Ref(Ref::new(format!(
                "#/components/parameters/{PREFER_PARAMETER}"
            ))));
        for (status, response) in operation.responses.responses.iter_mut() {
            let documented = status.starts_with('2') || status == "400";
            if let (true, RefOr::T(response)) = (documented, response) {
                for name in [IGNORED_HEADER, PREFERENCE_APPLIED_HEADER] {
                    response.headers.insert(name.to_owned(), header_ref(name));
                }
            }
        }
    }
}
