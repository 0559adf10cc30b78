//! Authentication of /v1 requests: an API key in `X-API-Key` or a JWT in `Authorization: Bearer`.
//! Credentials are read from headers only, never from the query string (which ends up in logs).
//!
//! Two middleware steps surround the rate limiter: [`authenticate`] (outside it) verifies the
//! credential and records who called, so the limiter can keep one budget per caller; [`enforce`]
//! (inside it) turns a refused credential into its 401/403. Refused requests are thereby rate limited
//! too, by address (the `anonymous` tier), and between the two the failed-credential throttle
//! ([`crate::middleware::auth_failures`], which asks [`credential_refused`]) slows and then refuses
//! an address that keeps presenting refused credentials.

pub mod api_key;
pub mod jwks;
pub mod jwt;
pub mod key_store;
pub mod managed;
pub mod oauth;
pub mod scope;
pub mod smart;
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
use key_store::{Grant, KeyStore};
use scope::{Scope, Scopes};

/// Who made a request, once a credential verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// The name of an API key in `PRICELINE_API_KEYS`, or the public prefix of a managed key.
    ApiKey(Arc<str>),
    /// The `sub` claim of a bearer token (a managed key's prefix, for tokens of `/oauth/token`).
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

    /// Whether API keys (`X-API-Key`) are accepted.
    pub fn accepts_api_keys(&self) -> bool {
        !self.api_keys.is_empty()
    }

    /// Whether JWT bearer tokens are accepted.
    pub fn accepts_bearer_tokens(&self) -> bool {
        self.jwt.is_some()
    }

    /// No credential configured: every request is let through.
    pub fn is_open(&self) -> bool {
        self.api_keys.is_empty() && self.jwt.is_none()
    }

    /// Whether `presented` is one of the `PRICELINE_API_KEYS` keys (those win over managed keys).
    pub fn knows_api_key(&self, presented: &[u8]) -> bool {
        !self.api_keys.is_empty() && self.api_keys.find(presented).is_some()
    }

    /// Whether `PRICELINE_API_KEYS` lists any key.
    pub fn has_api_keys(&self) -> bool {
        !self.api_keys.is_empty()
    }

    /// What `/v1` requires, for the start-up log: an operator must be able to tell from it alone
    /// whether the credentials they configured are in force. Never names a key or the secret.
    pub fn describe(&self) -> String {
        let keys = match self.api_keys.len() {
            0 => None,
            1 => Some("1 API key (X-API-Key)".to_owned()),
            n => Some(format!("{n} API keys (X-API-Key)")),
        };
        let jwt = self.jwt.as_ref().map(|jwt| {
            let keys = jwt
                .jwks()
                .map(|jwks| format!(", keys from {}", jwks.source()))
                .unwrap_or_default();
            format!(
                "JWT bearer tokens (Authorization: Bearer; {}{keys})",
                jwt.algorithms()
            )
        });
        match (keys, jwt) {
            (None, None) => "credentials off: /v1 is open to anyone".to_owned(),
            (Some(one), None) | (None, Some(one)) => format!("credentials on: /v1 requires {one}"),
            (Some(keys), Some(jwt)) => {
                format!("credentials on: /v1 requires one of {keys} or {jwt}")
            }
        }
    }

    /// Fetches the identity provider's key set, when one is configured, before the server
    /// serves: a set that cannot be fetched or holds no usable key stops the start (fail closed:
    /// every token would be refused, and the operator must learn why now, not from clients). The
    /// error is about `PRICELINE_JWT_JWKS_URL`; the caller names it.
    pub fn load_keys(&self) -> Result<Option<String>, String> {
        let Some(jwks) = self.jwt.as_ref().and_then(JwtVerifier::jwks) else {
            return Ok(None);
        };
        let count = jwks
            .load()
            .map_err(|reason| format!("cannot load the JWKS from {}: {reason}", jwks.source()))?;
        Ok(Some(format!(
            "JWKS loaded from {}: {count} signing keys",
            jwks.source()
        )))
    }

    /// Fetches the JWKS again, off the worker thread, when the request's bearer token names a key
    /// that is not held (rotation), at most once per refetch interval; see [`jwks`].
    async fn refetch_keys_for(&self, headers: &HeaderMap) {
        let Some(jwt) = &self.jwt else { return };
        if headers.contains_key(api_key::HEADER) {
            return;
        }
        let wanted = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .and_then(|(_, token)| jwt.refetch_wanted(token.trim()));
        if let Some((jwks, kid)) = wanted {
            jwks.refetch_for(&kid).await;
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

/// Only the data APIs are protected, /v1 and /fhir: health probes, the spec, Swagger UI and the
/// FHIR CapabilityStatement (`/fhir/metadata`, which clients read to learn how to authenticate)
/// stay open. Every protected path is audited too ([`crate::audit`]).
pub fn protects(path: &str) -> bool {
    path == "/v1"
        || path.starts_with("/v1/")
        || (crate::fhir::is_fhir(path) && path != "/fhir/metadata")
}

/// Verifies the credential of a /v1 request and records the [`Caller`] (or the refusal) in the
/// request's extensions. Reads the policy from app data.
pub async fn authenticate(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let policy = request.app_data::<web::Data<AuthPolicy>>().cloned();
    let store = request.app_data::<web::Data<KeyStore>>().cloned();
    let path_protected = protects(request.path());
    let mut protected = path_protected && policy.as_ref().is_some_and(|policy| !policy.is_open());
    // Managed keys switch credentials on by themselves (fail closed): see `key_store`. A database
    // that cannot say lets nothing through: the request is answered 503.
    if path_protected
        && !protected
        && let Some(store) = &store
    {
        match store.credentials_on().await {
            Ok(on) => protected = on,
            Err(error) => {
                request.extensions_mut().insert(Refused(error));
                protected = true;
            }
        }
    }
    let undecided = request.extensions().contains::<Refused>();
    if protected && !undecided {
        let required = scope::required(request.path());
        let policy = policy.map(|policy| policy.into_inner()).unwrap_or_default();
        policy.refetch_keys_for(request.headers()).await;
        let managed = match &store {
            Some(store) => managed_grant(store, &policy, request.headers()).await,
            None => None,
        };
        let outcome = match managed {
            Some(Ok(grant)) if grant.scopes.grants(required) => Ok(grant),
            Some(Ok(grant)) => {
                let error = key_store::forbidden(&grant, required);
                Err((error, Some(grant.caller)))
            }
            Some(Err(error)) => Err((error, None)),
            None => policy
                .check(request.headers(), required)
                .map(|(caller, scopes)| Grant {
                    caller,
                    scopes,
                    // The rate-limit tier an environment key names.
                    tier: request
                        .headers()
                        .get(api_key::HEADER)
                        .and_then(|key| policy.api_keys.tier_of_key(key.as_bytes())),
                    header: "",
                }),
        };
        match outcome {
            Ok(grant) => {
                let mut extensions = request.extensions_mut();
                extensions.insert(grant.caller);
                extensions.insert(grant.scopes);
                if let Some(tier) = grant.tier {
                    extensions.insert(tier);
                }
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

/// The verdict on a managed credential: a managed key in X-API-Key (an environment key of the same
/// value wins), or a bearer token issued at `/oauth/token`. `None`: not a managed credential, for
/// [`AuthPolicy::check`] to judge.
async fn managed_grant(
    store: &KeyStore,
    policy: &AuthPolicy,
    headers: &HeaderMap,
) -> Option<Result<Grant, ApiError>> {
    if let Some(value) = headers.get(api_key::HEADER) {
        if policy.knows_api_key(value.as_bytes()) {
            return None;
        }
        let text = value.to_str().unwrap_or_default();
        if let Some(verdict) = store.verify_key(text).await {
            return Some(verdict);
        }
        if !policy.has_api_keys() {
            return Some(Err(ApiError::Unauthorized {
                header: Some(api_key::HEADER),
                detail: "the API key in X-API-Key is not known".to_owned(),
            }));
        }
        return None;
    }
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    store.verify_token(token.trim()).await
}

/// A response given for a credential is that caller's: no cache (a CDN, a corporate proxy, the
/// browser's own disk) may store it (issue 14: `no-store`, whatever the handler said). `Vary` says
/// so as well to a cache that does not honour `no-store` per credential header.
fn keep_from_shared_caches(headers: &mut HeaderMap) {
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.append(
        header::VARY,
        header::HeaderValue::from_static("Authorization, X-API-Key"),
    );
}

/// Whether [`authenticate`] refused a credential the request presented (not one it lacks, nor
/// one without the scope needed): what the failed-authentication throttle counts.
pub fn credential_refused(request: &ServiceRequest) -> bool {
    request
        .extensions()
        .get::<Refused>()
        .is_some_and(|refused| {
            matches!(
                refused.0,
                ApiError::Unauthorized {
                    header: Some(_),
                    ..
                }
            )
        })
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
