//! The single error policy of the HTTP API: every error is an RFC 9457 `application/problem+json` body.
//! Internal causes are logged, never sent: no SQL, stack or driver text reaches a client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
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
    /// The request parameter that was refused, for a 400.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            problem_type: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            parameter: None,
        }
    }

    pub fn response(&self) -> HttpResponse {
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
    #[error("{0}")]
    NotFound(String),
    #[error("this API serves application/json (and application/problem+json for errors) only")]
    NotAcceptable,
    #[error("the database is unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// A refused request parameter, named so the client knows which to fix.
    pub fn invalid(parameter: &str, detail: impl Into<String>) -> Self {
        Self::InvalidParameter {
            parameter: parameter.to_owned(),
            detail: detail.into(),
        }
    }

    fn problem(&self) -> Problem {
        let mut problem = Problem::new(self.status_code(), self.to_string());
        if let Self::InvalidParameter { parameter, .. } = self {
            problem.parameter = Some(parameter.clone());
        }
        problem
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = self.problem().response();
        if matches!(self, Self::Unavailable) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
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
            other => {
                tracing::error!(error = %other, "store error");
                Self::Internal
            }
        }
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
    /// The resource does not exist (or has no snapshot in scope).
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The method is not allowed on this path.
    #[response(status = 405, content_type = "application/problem+json")]
    MethodNotAllowed(Problem),
    /// The `Accept` header admits neither application/json nor application/problem+json.
    #[response(status = 406, content_type = "application/problem+json")]
    NotAcceptable(Problem),
    /// An unexpected failure; details are logged, never returned.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
    /// The database is unavailable; retry after the `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
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
