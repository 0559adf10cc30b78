//! What the middleware adds to every response, stated on the generated document rather than on each
//! handler (so no operation can be forgotten): `X-Request-Id` on every response, the weak `ETag` of
//! a successful GET and its 304 answer to `If-None-Match`, `Priceline-Data-Version` on a read of
//! price data, `Retry-After` on a 503, `Allow` on a 405, and one example body for each error status.

use std::collections::BTreeMap;

use actix_web::ResponseError;
use actix_web::http::{Method, StatusCode};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr, Required, Response, ResponseBuilder};

use crate::problem::ApiError;

/// The names under `components.headers` and `components.parameters` (the request id's is
/// [`crate::middleware::request_id::REQUEST_ID`], capitalized as documents write it).
pub const REQUEST_ID_HEADER: &str = "X-Request-Id";
pub const ETAG_HEADER: &str = "ETag";
pub const DATA_VERSION_HEADER: &str = "Priceline-Data-Version";
pub const IF_NONE_MATCH: &str = "If-None-Match";

/// The form of the tags [`crate::middleware::etag::tag`] makes.
pub const ETAG_PATTERN: &str = r#"^W/"[0-9a-f]{16}"$"#;
const ETAG_EXAMPLE: &str = r#"W/"5f1e2d3c4b5a6978""#;

/// Adds the headers, the 304 responses, the `If-None-Match` parameter and the error examples.
pub fn document(spec: &mut OpenApi) {
    let components = spec.components.get_or_insert_with(Default::default);
    components.headers.insert(
        REQUEST_ID_HEADER.to_owned(),
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(128))
                        .pattern(Some("^[!-~]+$")),
                ))
                .description(Some(
                    "The request's id: the client's own `X-Request-Id` when it sent a printable \
                     token of at most 128 characters, else one the server made. Logged with the \
                     request; quote it when reporting a problem.",
                ))
                .example(Some(serde_json::json!("187e4c2a9d3b1f00-0000002a")))
                .build(),
        ),
    );
    components.headers.insert(
        ETAG_HEADER.to_owned(),
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(ETAG_PATTERN)),
                ))
                .description(Some(
                    "A weak tag of the body (RFC 9110 §8.8.3). Send it back in `If-None-Match` to \
                     get a 304 without a body while the answer is unchanged.",
                ))
                .example(Some(serde_json::json!(ETAG_EXAMPLE)))
                .build(),
        ),
    );
    components.headers.insert(
        DATA_VERSION_HEADER.to_owned(),
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                            utoipa::openapi::KnownFormat::Int64,
                        )))
                        .minimum(Some(0)),
                ))
                .description(Some(
                    "The data version the answer reflects: the id of the newest source file \
                     (import) it includes, read in the same transaction as the data. Versions only \
                     grow; an import of file 42 is visible in any answer of version 42 or later \
                     (a replica may answer with an older version for a short while).",
                ))
                .example(Some(serde_json::json!(200)))
                .build(),
        ),
    );
    components.parameters.insert(
        IF_NONE_MATCH.to_owned(),
        RefOr::T(
            ParameterBuilder::new()
                .name(IF_NONE_MATCH)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(format!(
                    "ETags of answers the client holds (comma-separated, or `*`): when one is the \
                     current answer's, the response is a 304 without a body. For example \
                     `{ETAG_EXAMPLE}`."
                )))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .examples([ETAG_EXAMPLE]),
                ))
                .build(),
        ),
    );
    let examples: BTreeMap<String, serde_json::Value> = problem_examples()
        .into_iter()
        .map(|(status, body)| (status.as_str().to_owned(), body))
        .collect();

    for (path, item) in spec.paths.paths.iter_mut() {
        if let Some(get) = item.get.as_mut() {
            conditional_get(get);
            if crate::middleware::data_version::states_version(path)
                && let Some(RefOr::T(ok)) = get.responses.responses.get_mut(StatusCode::OK.as_str())
            {
                ok.headers.insert(
                    DATA_VERSION_HEADER.to_owned(),
                    header_ref(DATA_VERSION_HEADER),
                );
            }
        }
        for operation in super::operations::of_item(item) {
            for (status, response) in operation.responses.responses.iter_mut() {
                if let RefOr::T(response) = response {
                    every_response(status, response, &examples);
                }
            }
        }
    }
}

/// One typical refusal for each status the API answers with, as its body is sent: the example the
/// spec gives each error response (built from [`ApiError`] itself, so it cannot drift from the
/// wire format).
fn problem_examples() -> Vec<(StatusCode, serde_json::Value)> {
    let errors = [
        ApiError::invalid("zip", "expected five digits, e.g. 92832"),
        ApiError::Unauthorized {
            header: Some(crate::auth::api_key::HEADER),
            detail: "the API key in X-API-Key is not known".to_owned(),
        },
        ApiError::Forbidden {
            header: "Authorization",
            detail: "the bearer token's scope does not include prices:read (or admin)".to_owned(),
            scope: crate::auth::scope::Scope::PricesRead.as_str(),
        },
        ApiError::NotFound("no facility 12".to_owned()),
        ApiError::method_not_allowed(&Method::POST, "/v1/facilities", "GET, HEAD"),
        ApiError::NotAcceptable,
        ApiError::ContentTooLarge {
            limit: crate::middleware::request_body::BODY_LIMIT,
        },
        ApiError::UnsupportedMediaType,
        ApiError::contradiction(
            "kind",
            "min_amount and max_amount bound the amount of a kind with an amount: give one",
        ),
        ApiError::RateLimited { retry_after: 1 },
        ApiError::Internal,
        ApiError::Unavailable,
    ];
    errors
        .iter()
        .map(|error| {
            let body = serde_json::to_value(error.problem()).unwrap_or_default();
            (error.status_code(), body)
        })
        .collect()
}

fn header_ref(name: &str) -> RefOr<utoipa::openapi::Header> {
    RefOr::Ref(Ref::new(format!("#/components/headers/{name}")))
}

/// A GET answers 200 with an `ETag`, and 304 to an `If-None-Match` that names it.
fn conditional_get(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    let Some(RefOr::T(ok)) = responses.get_mut(StatusCode::OK.as_str()) else {
        return;
    };
    ok.headers
        .insert(ETAG_HEADER.to_owned(), header_ref(ETAG_HEADER));
    let not_modified = ResponseBuilder::new()
        .description(
            "Not modified: `If-None-Match` names the current answer's ETag. No body; the ETag \
             (and `Cache-Control`/`Vary` when the 200 has them) as on the 200.",
        )
        .header_ref(
            ETAG_HEADER,
            Ref::new(format!("#/components/headers/{ETAG_HEADER}")),
        )
        .build();
    responses.insert(
        StatusCode::NOT_MODIFIED.as_str().to_owned(),
        RefOr::T(not_modified),
    );
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(RefOr::Ref(Ref::new(format!(
            "#/components/parameters/{IF_NONE_MATCH}"
        ))));
}

/// Headers every response of this status carries, and the example of an error body.
fn every_response(
    status: &str,
    response: &mut Response,
    examples: &BTreeMap<String, serde_json::Value>,
) {
    response
        .headers
        .insert(REQUEST_ID_HEADER.to_owned(), header_ref(REQUEST_ID_HEADER));
    let integer = |description: &str| {
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(0)),
                ))
                .description(Some(description))
                .build(),
        )
    };
    match status {
        "503" => {
            response
                .headers
                .entry("Retry-After".to_owned())
                .or_insert_with(|| integer("Seconds to wait before trying again"));
        }
        "405" => {
            response
                .headers
                .entry("Allow".to_owned())
                .or_insert_with(|| {
                    RefOr::T(
                        HeaderBuilder::new()
                            .schema(Some(
                                ObjectBuilder::new()
                                    .schema_type(Type::String)
                                    .enum_values(Some(["GET, HEAD"])),
                            ))
                            .description(Some("The methods the path answers"))
                            .build(),
                    )
                });
        }
        _ => {}
    }
    if let Some(example) = examples.get(status) {
        for (media_type, content) in response.content.iter_mut() {
            if media_type == crate::problem::PROBLEM_JSON
                && let RefOr::T(content) = content
                && content.example.is_none()
                && content.examples.is_empty()
            {
                content.example = Some(example.clone());
            }
        }
    }
}
