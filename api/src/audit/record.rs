//! The middleware that turns a finished request into an audit event. It runs outside the
//! credential check, the rate limiter and every handler (so it sees their refusals) and inside the
//! request-id middleware (so it sees the id echoed on the response).

use std::net::IpAddr;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use priceline_domain::NewAuditEvent;

use super::AuditLog;
use crate::auth::scope::Scopes;
use crate::auth::{self, Caller, RefusedCaller};
use crate::forwarded::Forwarding;
use crate::middleware::request_id::REQUEST_ID;
use crate::pagination::ResultCount;

/// Records the request when it is audited: only registered (as app data, [`AuditLog`]) when the
/// server records, and only for protected paths. With `PRICELINE_AUDIT=on` that is every request
/// with a verified credential plus every refusal; the log is not registered on an open API unless
/// `PRICELINE_AUDIT=all`, which records every request to a protected path.
pub async fn record(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let log = request.app_data::<web::Data<AuditLog>>().cloned();
    let Some(log) = log.filter(|_| auth::protects(request.path())) else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let recorded_at = chrono::Utc::now();
    let method = request.method().to_string();
    let path = request.path().to_owned();
    let client_address = client_address(request.request());
    let every = log.every();
    match next.call(request).await {
        Ok(response) => {
            let status = response.status();
            let request = response.request();
            let request_id = response
                .headers()
                .get(&REQUEST_ID)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let event = event(request, status, every, request_id).map(|event| NewAuditEvent {
                recorded_at,
                method,
                path,
                client_address,
                ..event
            });
            if let Some(event) = event {
                log.submit(event);
            }
            Ok(response.map_into_boxed_body())
        }
        Err(error) => {
            // Answered further out from the error; recorded with its status (no request id: the
            // header is set on the response built from it, outside).
            let status = error.as_response_error().status_code();
            // The request is gone with the error: only what was read before is known.
            if every || is_refusal(status) {
                log.submit(NewAuditEvent {
                    recorded_at,
                    caller: None,
                    scopes: String::new(),
                    method,
                    route: None,
                    path,
                    status: status.as_u16(),
                    result_count: None,
                    request_id: None,
                    client_address,
                });
            }
            Err(error)
        }
    }
}

fn is_refusal(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
    )
}

/// The event's who, what and outcome, when the request is audited; the caller fills in the rest.
fn event(
    request: &HttpRequest,
    status: StatusCode,
    every: bool,
    request_id: Option<String>,
) -> Option<NewAuditEvent> {
    let extensions = request.extensions();
    let caller = extensions
        .get::<Caller>()
        .or_else(|| extensions.get::<RefusedCaller>().map(|refused| &refused.0));
    if caller.is_none() && !every && !is_refusal(status) {
        return None;
    }
    let scopes = extensions
        .get::<Scopes>()
        .map(|scopes| {
            scopes
                .iter()
                .map(|scope| scope.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    Some(NewAuditEvent {
        recorded_at: chrono::Utc::now(),
        caller: caller.map(describe),
        scopes,
        method: String::new(),
        route: request.match_pattern(),
        path: String::new(),
        status: status.as_u16(),
        result_count: extensions.get::<ResultCount>().map(|count| count.0),
        request_id,
        client_address: None,
    })
}

/// How the trail names a caller, as the access log does: `key:NAME` or `sub:SUBJECT`.
pub fn describe(caller: &Caller) -> String {
    match caller {
        Caller::ApiKey(name) => format!("key:{name}"),
        Caller::Subject(subject) => format!("sub:{subject}"),
    }
}

/// The peer's address, or the first `X-Forwarded-For` hop when the server trusts it
/// (`PRICELINE_TRUST_FORWARDED`, as the rate limiter does).
fn client_address(request: &HttpRequest) -> Option<String> {
    let trust = request
        .app_data::<web::Data<Forwarding>>()
        .is_some_and(|forwarding| forwarding.trust);
    let forwarded = trust
        .then(|| request.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .and_then(|first| first.trim().parse::<IpAddr>().ok());
    forwarded
        .or_else(|| request.peer_addr().map(|peer| peer.ip()))
        .map(|ip| ip.to_string())
}
