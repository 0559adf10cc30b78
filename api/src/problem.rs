//! The single error policy of the HTTP API: every error is an RFC 9457 `application/problem+json` body.
//! Internal causes are logged, never sent: no SQL, stack or driver text reaches a client.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use priceline_store::StoreError;
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem details object.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
    "detail": "zip: expected five digits, e.g. 92832",
    "parameter": "zip"
}))]
pub struct Problem {
    /// A URI reference identifying the problem type; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP reason phrase of the status.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence, in plain words.
    pub detail: String,
    /// The request parameter that was refused, for a 400 or 422 (or the 403 of an import `url`
    /// outside the allowlist); the credential header at fault (`X-API-Key` or `Authorization`), for
    /// a 401 or 403 about a credential that was sent; `Content-Type`, for a 415.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

/// The reason phrase of `status` as RFC 9110 names it: the `http` crate still has the RFC 7231
/// names for 413 and 422.
pub(crate) fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "Content Too Large",
        StatusCode::UNPROCESSABLE_ENTITY => "Unprocessable Content",
        other => other.canonical_reason().unwrap_or("Error"),
    }
}

/// Built only by [`ApiError`]: every problem body the API sends, its handlers' and actix's own
/// errors alike, is the body of an `ApiError`.
impl Problem {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            problem_type: "about:blank".to_owned(),
            title: title(status).to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            parameter: None,
        }
    }

    fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
            .json(self)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{parameter}: {detail}")]
    InvalidParameter { parameter: String, detail: String },
    /// Parameters that are each well-formed but contradict each other; `parameter` is the one to change.
    #[error("{parameter}: {detail}")]
    Contradiction { parameter: String, detail: String },
    /// No credential, or one that does not verify; `header` names the one at fault when one was sent.
    #[error("{detail}")]
    Unauthorized {
        header: Option<&'static str>,
        detail: String,
    },
    /// A valid credential that does not grant what the operation needs (`scope`).
    #[error("{detail}")]
    Forbidden {
        header: &'static str,
        detail: String,
        scope: &'static str,
    },
    /// Import jobs with credentials off, unless PRICELINE_ALLOW_ANONYMOUS_IMPORTS allows them.
    #[error("{0}")]
    ImportsClosed(String),
    /// Key administration with credentials off: nobody can hold the admin scope.
    #[error("{0}")]
    AdminClosed(String),
    /// The resource is in a state the operation cannot act on (rotating a revoked key).
    #[error("{0}")]
    Conflict(String),
    /// A well-formed parameter this server will not act on (a URL outside the import allowlist).
    #[error("{parameter}: {detail}")]
    ForbiddenParameter { parameter: String, detail: String },
    /// An import upload above PRICELINE_IMPORT_MAX_BYTES.
    #[error(
        "the file is larger than {limit} bytes, the most an import job takes (PRICELINE_IMPORT_MAX_BYTES); nothing was stored"
    )]
    UploadTooLarge { limit: u64 },
    /// An import upload of a media type that is not a price file's.
    #[error("{0}")]
    UnsupportedUpload(String),
    #[error("{0}")]
    NotFound(String),
    /// A known path with a method it does not answer; `allow` lists those it does.
    #[error("{method} is not allowed on {path}; use {allow}")]
    MethodNotAllowed {
        method: String,
        path: String,
        allow: &'static str,
    },
    #[error("this API serves application/json (and application/problem+json for errors) only")]
    NotAcceptable,
    /// A request body above [`crate::middleware::request_body::BODY_LIMIT`] bytes.
    #[error("the request body is larger than {limit} bytes; /v1 requests take no body")]
    ContentTooLarge { limit: usize },
    /// A non-empty request body that is not JSON.
    #[error(
        "/v1 requests take no body; this one has a body that is not application/json: send none"
    )]
    UnsupportedMediaType,
    #[error("too many requests from this client; retry after {retry_after} s")]
    RateLimited { retry_after: u64 },
    /// Too many refused credentials from the client's address: every /v1 request from it is
    /// refused for a while (`crate::middleware::auth_failures`).
    #[error(
        "too many refused credentials from this address; requests from it are refused for \
         {retry_after} s"
    )]
    TooManyFailedCredentials { retry_after: u64 },
    #[error("the database is unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal,
    /// A request head refused before routing (a malformed request line, an over-long target, too
    /// large headers), answered by the connection itself: see `crate::server::head`.
    #[error("{detail}")]
    Unparsable { status: StatusCode, detail: String },
    /// The server is not ready to serve (`/readyz`): stopping, or the schema is behind this build.
    #[error("{0}")]
    NotReady(String),
    /// An error actix answered by itself, with nothing more to say than its status.
    #[error("{}", .0.canonical_reason().unwrap_or("error"))]
    Status(StatusCode),
}

impl ApiError {
    /// A refused request parameter, named so the client knows which to fix.
    pub fn invalid(parameter: &str, detail: impl Into<String>) -> Self {
        Self::InvalidParameter {
            parameter: parameter.to_owned(),
            detail: detail.into(),
        }
    }

    /// Well-formed parameters that contradict each other; `parameter` names the one to change.
    pub fn contradiction(parameter: &str, detail: impl Into<String>) -> Self {
        Self::Contradiction {
            parameter: parameter.to_owned(),
            detail: detail.into(),
        }
    }

    /// No route has `path`.
    pub fn no_route(path: &str) -> Self {
        Self::NotFound(format!("no route matches {path}"))
    }

    /// `method` is not one `path` answers; `allow` lists those it does (`GET, HEAD`).
    pub fn method_not_allowed(method: &Method, path: &str, allow: &'static str) -> Self {
        Self::MethodNotAllowed {
            method: method.to_string(),
            path: path.to_owned(),
            allow,
        }
    }

    /// The body this error is sent with.
    pub(crate) fn problem(&self) -> Problem {
        let mut problem = Problem::new(self.status_code(), self.to_string());
        problem.parameter = match self {
            Self::InvalidParameter { parameter, .. }
            | Self::Contradiction { parameter, .. }
            | Self::ForbiddenParameter { parameter, .. } => Some(parameter.clone()),
            Self::UnsupportedMediaType | Self::UnsupportedUpload(_) => {
                Some("Content-Type".to_owned())
            }
            Self::Unauthorized { header, .. } => header.map(str::to_owned),
            Self::Forbidden { header, .. } => Some((*header).to_owned()),
            _ => None,
        };
        problem
    }

    /// The problem body as JSON text, for a response written without actix's response types.
    pub(crate) fn problem_json(&self) -> String {
        serde_json::to_string(&self.problem()).unwrap_or_default()
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            Self::Contradiction { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::ContentTooLarge { .. } | Self::UploadTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Self::UnsupportedMediaType | Self::UnsupportedUpload(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            Self::ForbiddenParameter { .. } => StatusCode::FORBIDDEN,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } | Self::ImportsClosed(_) | Self::AdminClosed(_) => {
                StatusCode::FORBIDDEN
            }
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::RateLimited { .. } | Self::TooManyFailedCredentials { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unparsable { status, .. } => *status,
            Self::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Status(status) => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = self.problem().response();
        let headers = response.headers_mut();
        match self {
            Self::Unavailable => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            Self::RateLimited { retry_after } | Self::TooManyFailedCredentials { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            Self::MethodNotAllowed { allow, .. } => {
                headers.insert(header::ALLOW, HeaderValue::from_static(allow));
            }
            // RFC 9110 §15.5.2: a 401 names the scheme to use; RFC 6750 §3 adds the error code.
            // X-API-Key has no scheme of its own, so the detail mentions it.
            Self::Unauthorized { header, .. } => {
                let challenge = if header.is_some() {
                    r#"Bearer realm="priceline", error="invalid_token""#
                } else {
                    r#"Bearer realm="priceline""#
                };
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(challenge),
                );
            }
            Self::Forbidden { scope, .. } => {
                let challenge = format!(
                    r#"Bearer realm="priceline", error="insufficient_scope", scope="{scope}""#
                );
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    headers.insert(header::WWW_AUTHENTICATE, value);
                }
            }
            _ => {}
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound("not found".to_owned()),
            StoreError::Unavailable(reason) | StoreError::Connect { reason, .. } => {
                tracing::warn!(%reason, "database unavailable");
                Self::Unavailable
            }
            // The request's database deadline passed: a 503 like the server's own deadline,
            // which it races with.
            StoreError::TimedOut(reason) => {
                tracing::warn!(%reason, "the database did not answer in time");
                Self::Unavailable
            }
            other => {
                tracing::error!(error = %other, "store error");
                Self::Internal
            }
        }
    }
}

/// A store read of one named resource: its "not found" is the 404 of that resource, saying which.
pub trait OrNotFound<T> {
    /// `what` describes the resource that was not found, e.g. `no source file 12`. Only "not found"
    /// is a 404: a failing database stays a 500 or 503.
    fn or_not_found(self, what: impl FnOnce() -> String) -> Result<T, ApiError>;
}

impl<T> OrNotFound<T> for Result<T, StoreError> {
    fn or_not_found(self, what: impl FnOnce() -> String) -> Result<T, ApiError> {
        self.map_err(|error| match error {
            StoreError::NotFound => ApiError::NotFound(what()),
            other => other.into(),
        })
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        tracing::error!(%error, "blocking task failed");
        Self::Internal
    }
}

/// The errors every read operation can answer with, documented once and referenced by each.
#[derive(IntoResponses)]
// Only its documentation is used: errors are built by `ApiError`, never from these variants.
#[allow(dead_code)]
pub enum ReadErrors {
    /// A parameter is malformed, out of range or unknown; `parameter` names it.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No credential was sent (when the server requires one), or the API key is not known, or the
    /// bearer token is malformed, expired or does not verify. `WWW-Authenticate` names the scheme.
    #[response(
        status = 401,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "The Bearer challenge (RFC 6750); an API key goes in X-API-Key instead"))
    )]
    Unauthorized(Problem),
    /// The bearer token is valid but its `scope` does not include `prices:read`.
    #[response(
        status = 403,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "The Bearer challenge with error=\"insufficient_scope\""))
    )]
    Forbidden(Problem),
    /// The resource does not exist (or has no snapshot in scope).
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The method is not allowed on this path.
    #[response(status = 405, content_type = "application/problem+json")]
    MethodNotAllowed(Problem),
    /// The `Accept` header admits neither application/json nor application/problem+json.
    #[response(status = 406, content_type = "application/problem+json")]
    NotAcceptable(Problem),
    /// The request carries a body larger than 64 KiB; /v1 requests take none.
    #[response(status = 413, content_type = "application/problem+json")]
    ContentTooLarge(Problem),
    /// The request carries a non-empty body that is not `application/json`; /v1 requests take none.
    /// `parameter` is `Content-Type`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// This client (API key, token subject or address) sent more requests than its tier's rate limit
    /// allows, or its address sent too many refused credentials and is refused for a while.
    #[response(
        status = 429,
        content_type = "application/problem+json",
        headers(
            ("Retry-After" = u64, description = "Seconds to wait before the next request is accepted"),
            ("X-RateLimit-After" = u64, description = "Seconds until a request is accepted again (as Retry-After)")
        )
    )]
    TooManyRequests(Problem),
    /// An unexpected failure; details are logged, never returned.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
    /// The database is unavailable; retry after the `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// The errors of the import-job operations (`/v1/imports`).
#[derive(IntoResponses)]
// Only its documentation is used, as for `ReadErrors`.
#[allow(dead_code)]
pub enum ImportErrors {
    /// A parameter or the body is malformed (`filename`, `url`, `id`, `cursor`, an empty or broken
    /// upload); `parameter` names it.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No credential was sent (when the server requires one), or it is not known or does not
    /// verify. `WWW-Authenticate` names the scheme.
    #[response(
        status = 401,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "The Bearer challenge (RFC 6750); an API key goes in X-API-Key instead"))
    )]
    Unauthorized(Problem),
    /// The credential does not grant `imports:write` (nor `admin`); or the server has no
    /// credentials configured and does not allow anonymous imports
    /// (`PRICELINE_ALLOW_ANONYMOUS_IMPORTS`); or the `url` does not start with a prefix of
    /// `PRICELINE_IMPORT_URL_ALLOWLIST` (`parameter` is `url`).
    #[response(
        status = 403,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "With a credential: the Bearer challenge with error=\"insufficient_scope\", scope=\"imports:write\""))
    )]
    Forbidden(Problem),
    /// No such job.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The method is not allowed on this path.
    #[response(status = 405, content_type = "application/problem+json")]
    MethodNotAllowed(Problem),
    /// The `Accept` header admits neither application/json nor application/problem+json.
    #[response(status = 406, content_type = "application/problem+json")]
    NotAcceptable(Problem),
    /// The upload is larger than `PRICELINE_IMPORT_MAX_BYTES`; nothing was stored.
    #[response(status = 413, content_type = "application/problem+json")]
    ContentTooLarge(Problem),
    /// The upload's media type is not one a price file is sent as (multipart/form-data is not
    /// taken); `parameter` is `Content-Type`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// This client sent more requests than its tier's rate limit allows, or its address sent too
    /// many refused credentials and is refused for a while.
    #[response(
        status = 429,
        content_type = "application/problem+json",
        headers(
            ("Retry-After" = u64, description = "Seconds to wait before the next request is accepted"),
            ("X-RateLimit-After" = u64, description = "Seconds until a request is accepted again (as Retry-After)")
        )
    )]
    TooManyRequests(Problem),
    /// An unexpected failure (the upload folder cannot be written, say); details are logged.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
    /// The database is unavailable; retry after the `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// The errors of key administration (`/v1/admin/keys`).
#[derive(IntoResponses)]
// Only its documentation is used, as for `ReadErrors`.
#[allow(dead_code)]
pub enum AdminErrors {
    /// A parameter or a field of the body is malformed (`id`, `cursor`, `limit`, `name`, `scopes`,
    /// `tier`, `expires_at`, `grace`); `parameter` names it.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No credential was sent, or it is not known, revoked, expired or does not verify.
    #[response(
        status = 401,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "The Bearer challenge (RFC 6750); an API key goes in X-API-Key instead"))
    )]
    Unauthorized(Problem),
    /// The credential does not grant `admin`; or the server has no credentials at all (make the
    /// first admin key with `priceline keys create NAME --scope admin`).
    #[response(
        status = 403,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "With a credential: the Bearer challenge with error=\"insufficient_scope\", scope=\"admin\""))
    )]
    Forbidden(Problem),
    /// No such key.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The method is not allowed on this path.
    #[response(status = 405, content_type = "application/problem+json")]
    MethodNotAllowed(Problem),
    /// The `Accept` header admits neither application/json nor application/problem+json.
    #[response(status = 406, content_type = "application/problem+json")]
    NotAcceptable(Problem),
    /// The key cannot be rotated: it is revoked, expired or already rotated.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// A GET carries a body larger than 64 KiB; reads take none.
    #[response(status = 413, content_type = "application/problem+json")]
    ContentTooLarge(Problem),
    /// A GET carries a non-empty body that is not `application/json`; `parameter` is
    /// `Content-Type`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// This client sent more requests than its rate limit allows.
    #[response(
        status = 429,
        content_type = "application/problem+json",
        headers(
            ("Retry-After" = u64, description = "Seconds to wait before the next request is accepted"),
            ("X-RateLimit-Limit" = u32, description = "The client's burst size: requests accepted at once"),
            ("X-RateLimit-Remaining" = u32, description = "Requests left in the burst (0 on a 429)"),
            ("X-RateLimit-After" = u64, description = "Seconds until a request is accepted again (as Retry-After)")
        )
    )]
    TooManyRequests(Problem),
    /// An unexpected failure; details are logged, never returned.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
    /// The database is unavailable; retry after the `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// The refusal of parameters that are each well-formed but contradict each other, documented on the
/// operations whose parameters can (beside [`ReadErrors`]).
#[derive(IntoResponses)]
// Only its documentation is used, as for `ReadErrors`.
#[allow(dead_code)]
pub enum ContradictionErrors {
    /// Parameters that are each well-formed but contradict each other, e.g. `min_amount` above
    /// `max_amount`, an amount bound or `sort=amount` without a `kind` that has an amount, or a
    /// search with no criterion at all; `parameter` names the one to change. (OpenAPI cannot state
    /// such rules between parameters in their schemas: the operation's description does.)
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
}

/// The errors of the health checks, which take no parameters and read no resource.
#[derive(IntoResponses)]
// Only its documentation is used, as for `ReadErrors`.
#[allow(dead_code)]
pub enum MetaErrors {
    /// The method is not allowed on this path.
    #[response(status = 405, content_type = "application/problem+json")]
    MethodNotAllowed(Problem),
    /// The `Accept` header admits neither application/json nor application/problem+json.
    #[response(status = 406, content_type = "application/problem+json")]
    NotAcceptable(Problem),
    /// An unexpected failure; details are logged, never returned.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
}
