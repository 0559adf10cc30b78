//! Authentication of /v1 requests: an API key in `X-API-Key` or a JWT in `Authorization: Bearer`.
//! Credentials are read from headers only, never from the query string (which ends up in logs).
//!
//! Two middleware steps surround the rate limiter: [`authenticate`] (outside it) verifies the
//! credential and records who called, so the limiter can keep one budget per caller; [`enforce`]
//! (inside it) turns a refused credential into its 401/403. Refused requests are thereby rate limited
//! too, by address, which slows down guessing.

pub mod api_key;
pub mod jwt;
pub mod scope;
pub mod tier;

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};

use crate::problem::ApiError;
use api_key::ApiKeys;
use jwt::{JwtVerifier, Refusal};
use scope::{Scope, Scopes};

/// Who made a request, once a credential verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// The name of an API key in `PRICELINE_API_KEYS`.
    ApiKey(Arc<str>),
    /// The `sub` claim of a bearer token.
    Subject(Arc<str>),
}

/// Which credentials the server accepts. With none configured the API is open.
#[derive(Debug, Clone, Default)]
pub struct AuthPolicy {
    api_keys: ApiKeys,
    jwt: Option<JwtVerifier>,
}

/// A refused credential, carried from [`authenticate`] to [`enforce`].
struct Refused(ApiError);

/// The caller of a credential that verified but lacks the scope the route needs (a 403): not a
/// [`Caller`], which only a granted request has, but named in the audit trail.
#[derive(Debug, Clone)]
pub struct RefusedCaller(pub Caller);

const REQUIRED: &str = "this API requires a credential: an API key in the X-API-Key header or a \
                        bearer token (JWT) in the Authorization header";

impl AuthPolicy {
    pub fn new(api_keys: ApiKeys, jwt: Option<JwtVerifier>) -> Self {
        Self { api_keys, jwt }
    }

    /// No credential configured: every request is let through.
    pub fn is_open(&self) -> bool {
        self.api_keys.is_empty() && self.jwt.is_none()
    }

    /// What `/v1` requires, for the start-up log: an operator must be able to tell from it alone
    /// whether the credentials they configured are in force. Never names a key or the secret.
    pub fn describe(&self) -> String {
        let keys = match self.api_keys.len() {
            0 => None,
            1 => Some("1 API key (X-API-Key)".to_owned()),
            n => Some(format!("{n} API keys (X-API-Key)")),
        };
        let jwt = self
            .jwt
            .as_ref()
            .map(|_| "JWT bearer tokens (Authorization: Bearer)".to_owned());
        match (keys, jwt) {
            (None, None) => "credentials off: /v1 is open to anyone".to_owned(),
            (Some(one), None) | (None, Some(one)) => format!("credentials on: /v1 requires {one}"),
            (Some(keys), Some(jwt)) => {
                format!("credentials on: /v1 requires one of {keys} or {jwt}")
            }
        }
    }

    /// The caller named by the request's credential and its scopes, when it grants `required`. An
    /// API key is tried first when both are sent. A credential that verifies without granting
    /// `required` is refused with its caller, which the audit trail records.
    fn check(
        &self,
        headers: &HeaderMap,
        required: Scope,
    ) -> Result<(Caller, Scopes), (ApiError, Option<Caller>)> {
        let (caller, scopes, header) = self.identify(headers).map_err(|error| (error, None))?;
        if scopes.grants(required) {
            return Ok((caller, scopes));
        }
        let detail = match header {
            api_key::HEADER => format!(
                "this API key does not grant {required}: give its PRICELINE_API_KEYS entry the \
                 scope (name:sha256hex:{required}, scopes joined by '+')"
            ),
            _ => format!("the bearer token's scope does not include {required} (or admin)"),
        };
        Err((
            ApiError::Forbidden {
                header,
                detail,
                scope: required.as_str(),
            },
            Some(caller),
        ))
    }

    /// The caller, its scopes and the header its credential came in.
    fn identify(&self, headers: &HeaderMap) -> Result<(Caller, Scopes, &'static str), ApiError> {
        if let Some(key) = headers.get(api_key::HEADER) {
            let refused = |detail: &str| ApiError::Unauthorized {
                header: Some(api_key::HEADER),
                detail: detail.to_owned(),
            };
            if self.api_keys.is_empty() {
                return Err(refused(
                    "this server accepts no API keys; use a bearer token",
                ));
            }
            return self
                .api_keys
                .find_with_scopes(key.as_bytes())
                .map(|(name, scopes)| (Caller::ApiKey(name), scopes, api_key::HEADER))
                .ok_or_else(|| refused("the API key in X-API-Key is not known"));
        }
        let Some(authorization) = headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::Unauthorized {
                header: None,
                detail: REQUIRED.to_owned(),
            });
        };
        let refused = |detail: String| ApiError::Unauthorized {
            header: Some("Authorization"),
            detail,
        };
        let token = authorization
            .to_str()
            .ok()
            .and_then(|value| {
                let (scheme, token) = value.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                refused("the Authorization header must be `Bearer <token>`".to_owned())
            })?;
        let Some(verifier) = &self.jwt else {
            return Err(refused(
                "this server accepts no bearer tokens; send an API key in X-API-Key".to_owned(),
            ));
        };
        match verifier.verify(token) {
            Ok((subject, scopes)) => Ok((Caller::Subject(subject), scopes, "Authorization")),
            Err(Refusal::Invalid(detail)) => Err(refused(detail)),
        }
    }
}

/// Only the data API is protected: health probes, the spec and Swagger UI stay open. Every
/// protected path is audited too ([`crate::audit`]).
pub fn protects(path: &str) -> bool {
    path == "/v1" || path.starts_with("/v1/")
}

/// Verifies the credential of a /v1 request and records the [`Caller`] (or the refusal) in the
/// request's extensions. Reads the policy from app data.
pub async fn authenticate(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let policy = request.app_data::<web::Data<AuthPolicy>>().cloned();
    let protected =
        policy.as_ref().is_some_and(|policy| !policy.is_open()) && protects(request.path());
    if let Some(policy) = policy.filter(|_| protected) {
        match policy.check(request.headers(), scope::required(request.path())) {
            Ok((caller, scopes)) => {
                request.extensions_mut().insert(caller);
                request.extensions_mut().insert(scopes);
            }
            Err((error, caller)) => {
                if let Some(caller) = caller {
                    request.extensions_mut().insert(RefusedCaller(caller));
                }
                request.extensions_mut().insert(Refused(error));
            }
        }
    }
    let mut response = next.call(request).await?.map_into_boxed_body();
    if protected {
        keep_from_shared_caches(response.headers_mut());
    }
    Ok(response)
}

/// A response given for a credential is that caller's: a shared cache (a CDN, a corporate proxy)
/// must not store it, and a private one stores it per credential and asks again (an `ETag` makes
/// that a 304).
fn keep_from_shared_caches(headers: &mut HeaderMap) {
    // A response that forbids storing altogether (an import job's) keeps saying so.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-cache"),
        );
    }
    headers.append(
        header::VARY,
        header::HeaderValue::from_static("Authorization, X-API-Key"),
    );
}

/// Answers a request whose credential [`authenticate`] refused, before it reaches a handler (or a
/// cache).
pub async fn enforce(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let refused = request.extensions_mut().remove::<Refused>();
    if let Some(Refused(error)) = refused {
        tracing::info!(path = request.path(), %error, "credential refused");
        if let Some(metrics) = request.app_data::<web::Data<crate::metrics::Metrics>>() {
            let status = error.status_code().as_u16();
            metrics.auth_failures.add(
                1,
                &[opentelemetry::KeyValue::new("status", i64::from(status))],
            );
        }
        return Ok(request.into_response(error.error_response()));
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}
