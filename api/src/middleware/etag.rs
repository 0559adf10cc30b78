//! ETag over the body of every successful GET, and 304 when `If-None-Match` names it. The tag is
//! weak: compression, applied after, changes the bytes but not the meaning. A response that already
//! carries a tag (a cached one, tagged once when stored) keeps it rather than being hashed again.

use actix_web::body::{BodySize, BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};

use crate::problem::ApiError;

/// The weak tag of a body: its XXH3 hash, the same in every process and on every replica (the
/// algorithm is fixed, where std's `DefaultHasher` may change between Rust releases).
pub fn tag(body: &[u8]) -> String {
    format!("W/\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(body))
}

pub async fn etag(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let conditional = matches!(*request.method(), Method::GET | Method::HEAD);
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.call(request).await?;
    // A streamed body (a bulk export file read from disk) is never gathered into memory to tag it.
    let streamed = matches!(response.response().body().size(), BodySize::Stream);
    if !conditional || response.status() != StatusCode::OK || streamed {
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body).await else {
        return Ok(ServiceResponse::new(
            request,
            ApiError::Internal.error_response(),
        ));
    };
    let tag = match head
        .headers()
        .get(header::ETAG)
        .and_then(|value| value.to_str().ok())
    {
        Some(known) => known.to_owned(),
        None => tag(&bytes),
    };
    let matched = if_none_match
        .as_ref()
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value.trim() == "*" || value.split(',').any(|candidate| candidate.trim() == tag)
        });
    let mut response = if matched {
        let mut not_modified = HttpResponse::NotModified().finish();
        for name in [header::CACHE_CONTROL, header::VARY] {
            if let Some(value) = head.headers().get(&name) {
                not_modified.headers_mut().insert(name, value.clone());
            }
        }
        not_modified
    } else {
        head.set_body(bytes).map_into_boxed_body()
    };
    if let Ok(value) = header::HeaderValue::from_str(&tag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(ServiceResponse::new(request, response))
}
