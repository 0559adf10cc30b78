//! 406 for a client that accepts none of what the API serves: JSON bodies and problem+json errors.

use actix_web::ResponseError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;

use crate::problem::ApiError;

fn accepts_json(accept: &str) -> bool {
    accept.split(',').any(|range| {
        let media = range
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        matches!(
            media.as_str(),
            "*/*" | "application/*" | "application/json" | "application/problem+json" | ""
        )
    })
}

pub async fn require_json(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Swagger UI serves HTML and scripts, /metrics Prometheus text; the JSON API is everything else.
    let documentation = request.path().starts_with("/docs") || request.path() == "/metrics";
    // /fhir also answers `application/fhir+json`, and its `_format` overrides `Accept` (the FHIR
    // handlers check it).
    let fhir = crate::fhir::is_fhir(request.path());
    let format_given = fhir
        && form_urlencoded::parse(request.query_string().as_bytes())
            .any(|(name, _)| name == "_format");
    let accepted = |accept: &str| {
        accepts_json(accept)
            || (fhir
                && accept.split(',').any(|range| {
                    let media = range
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase();
                    // Bulk export files are NDJSON.
                    crate::fhir::format::accepts(&media)
                        || media == crate::fhir::export::FHIR_NDJSON
                        || media == "application/ndjson"
                }))
    };
    let refused = !documentation
        && !format_given
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| !accepted(accept));
    if refused {
        let response = ApiError::NotAcceptable.error_response();
        return Ok(request.into_response(response));
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}
