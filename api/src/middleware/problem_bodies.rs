//! Errors actix answers by itself (405 on a known path, 413, a 404 from a static route…) come with an
//! empty or text body; this gives every such error the problem+json body of [`ApiError`], the
//! handlers' own.

use actix_web::ResponseError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;

use crate::problem::{ApiError, PROBLEM_JSON};

pub async fn problem_bodies(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(request).await?;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| {
            // An OperationOutcome of the FHIR interface is that interface's error body.
            value.as_bytes() == PROBLEM_JSON.as_bytes()
                || value.as_bytes() == crate::fhir::FHIR_JSON.as_bytes()
        });
    // The OAuth2 token endpoint answers errors in RFC 6749 §5.2's own JSON, which clients expect.
    let oauth_error = response.request().path() == crate::auth::oauth::TOKEN_PATH
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|value| value.as_bytes() == b"application/json");
    if !(status.is_client_error() || status.is_server_error()) || is_problem || oauth_error {
        return Ok(response.map_into_boxed_body());
    }
    let error = match status {
        // (The route's own `Allow`, when actix gave one, replaces this default below.)
        StatusCode::METHOD_NOT_ALLOWED => ApiError::method_not_allowed(
            response.request().method(),
            response.request().path(),
            "GET, HEAD",
        ),
        StatusCode::NOT_FOUND => ApiError::no_route(response.request().path()),
        other => ApiError::Status(other),
    };
    let (request, old) = response.into_parts();
    let mut replaced = error.error_response();
    if let Some(allow) = old.headers().get(header::ALLOW) {
        replaced.headers_mut().insert(header::ALLOW, allow.clone());
    }
    Ok(ServiceResponse::new(request, replaced))
}
