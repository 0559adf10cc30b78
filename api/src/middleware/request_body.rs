//! 413 and 415 for request bodies. Every /v1 operation is a GET that reads no body, so a body is
//! either harmless (empty, or JSON within the limit: ignored) or refused with a problem saying why:
//! 413 Content Too Large above [`BODY_LIMIT`], 415 Unsupported Media Type for any other non-empty body.
//!
//! Other methods are left to routing, so a POST is a 405 whatever its body; health checks, the spec
//! and the docs are outside /v1 and untouched.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError};
use futures_util::StreamExt;

use crate::problem::ApiError;

/// The largest body a /v1 request may carry (and that is then ignored): 64 KiB.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A body above the limit is still read and dropped up to this size, so the client, which is usually
/// still sending, gets its 413 on a clean connection (RFC 9112 §9.3: read the whole body or close the
/// connection). A larger declared body is refused unread; actix then closes the connection.
const DRAIN_LIMIT: usize = 1024 * 1024;

/// The header says a body follows: a non-zero `Content-Length`, or a `Transfer-Encoding` (chunked).
fn declares_body(request: &ServiceRequest) -> bool {
    let headers = request.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || declared_length(request).is_some_and(|n| n > 0)
}

fn declared_length(request: &ServiceRequest) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok())
}

/// `application/json` or a structured `+json` type, with any parameters.
fn is_json(request: &ServiceRequest) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|essence| {
            essence == "application/json"
                || (essence.starts_with("application/") && essence.ends_with("+json"))
        })
}

/// Reads and drops the body, counting its bytes; stops once past `limit`.
async fn drain(mut payload: Payload, limit: usize) -> Result<usize, ApiError> {
    let mut size = 0;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| {
            tracing::debug!(%error, "request body could not be read");
            ApiError::invalid("body", "the request body could not be read to its end")
        })?;
        size += chunk.len();
        if size > limit {
            break;
        }
    }
    Ok(size)
}

pub async fn refuse_bodies(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let applies = crate::auth::protects(request.path())
        && matches!(*request.method(), Method::GET | Method::HEAD)
        && declares_body(&request);
    if !applies {
        return Ok(next.call(request).await?.map_into_boxed_body());
    }
    let refusal = if declared_length(&request).is_some_and(|n| n > DRAIN_LIMIT as u64) {
        Some(ApiError::ContentTooLarge { limit: BODY_LIMIT })
    } else {
        match drain(request.take_payload(), DRAIN_LIMIT).await {
            Err(error) => Some(error),
            Ok(size) if size > BODY_LIMIT => Some(ApiError::ContentTooLarge { limit: BODY_LIMIT }),
            Ok(size) if size > 0 && !is_json(&request) => Some(ApiError::UnsupportedMediaType),
            Ok(_) => None,
        }
    };
    match refusal {
        Some(error) => Ok(request.into_response(error.error_response())),
        None => Ok(next.call(request).await?.map_into_boxed_body()),
    }
}
