//! What /fhir answers in: `application/fhir+json` (also for `Accept: application/json`), chosen by
//! `Accept` or overridden by `_format` (`json`, `application/json`, `application/fhir+json`).
//! Other formats (XML, Turtle) are not served: 406.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use serde::Serialize;
use serde_json::Value;

use super::FHIR_JSON;
use super::outcome::FhirError;

/// The `_format` values that mean JSON.
const JSON_FORMATS: &[&str] = &[
    "json",
    "application/json",
    "application/fhir+json",
    "application/json+fhir",
];

/// Whether a media type (from `Accept`) is one /fhir serves.
pub fn accepts(media: &str) -> bool {
    matches!(
        media,
        "*/*"
            | "application/*"
            | "application/json"
            | "application/fhir+json"
            | "application/json+fhir"
            | ""
    )
}

/// Refuses a `_format` other than JSON with a 406 naming it.
pub fn check(format: Option<&str>) -> Result<(), FhirError> {
    match format {
        Some(format) if !JSON_FORMATS.contains(&format.split(';').next().unwrap_or("").trim()) => {
            let mut error = FhirError::new(
                StatusCode::NOT_ACCEPTABLE,
                format!(
                    "_format: {format} is not served; this server answers in application/fhir+json (_format=json)"
                ),
            );
            error.expression = Some("_format".to_owned());
            Err(error)
        }
        _ => Ok(()),
    }
}

/// A 200 with a FHIR JSON body.
pub fn ok(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON)))
        .body(to_bytes(body))
}

/// The body's JSON, written straight into a buffer (`Value`'s `Display` would pass every token
/// through the formatting machinery).
fn to_bytes(body: &impl Serialize) -> Vec<u8> {
    let mut buffer = Vec::with_capacity(16 * 1024);
    // Writing JSON into a `Vec` cannot fail: every map's keys are strings and the buffer grows.
    let _ = serde_json::to_writer(&mut buffer, body);
    buffer
}

/// A resource with its version as weak ETag (`W/"3"`): `If-None-Match` with it is a 304 (the ETag
/// middleware keeps a tag a handler set).
pub fn resource(body: &Value) -> HttpResponse {
    let mut response = ok(body);
    if let Some(version) = body["meta"]["versionId"].as_str()
        && let Ok(value) = HeaderValue::from_str(&format!("W/\"{version}\""))
    {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}
