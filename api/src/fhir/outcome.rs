//! Errors on /fhir are OperationOutcome resources, never problem+json. The FHIR handlers answer with
//! a [`FhirError`]; everything the rest of the server answers for a /fhir path by itself (a refused
//! credential, the rate limiter's 429, a 404 for an unknown path, a 405, a 406) is an [`ApiError`]
//! problem body, which [`outcome_bodies`] rewrites as the same OperationOutcome: one error policy,
//! two renderings.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Value, json};

use super::{FHIR_JSON, is_fhir};
use crate::problem::{ApiError, PROBLEM_JSON};

/// `OperationOutcome.issue.severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

/// The issue type (`OperationOutcome.issue.code`, value set `issue-type`) of an error status.
pub fn issue_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 422 => "invalid",
        401 => "login",
        403 => "forbidden",
        404 => "not-found",
        405 | 406 | 415 => "not-supported",
        410 => "deleted",
        413 => "too-long",
        429 => "throttled",
        503 => "transient",
        504 => "timeout",
        _ => "exception",
    }
}

/// An OperationOutcome with one issue; `expression` names the parameter at fault, if any.
pub fn outcome(
    severity: Severity,
    code: &str,
    diagnostics: &str,
    expression: Option<&str>,
) -> Value {
    let mut issue = json!({
        "severity": severity.as_str(),
        "code": code,
        "diagnostics": diagnostics,
    });
    if let Some(expression) = expression {
        issue["expression"] = json!([expression]);
    }
    json!({ "resourceType": "OperationOutcome", "issue": [issue] })
}

/// An error of the FHIR interface: a status, an issue and the headers that go with it.
#[derive(Debug, thiserror::Error)]
#[error("{diagnostics}")]
pub struct FhirError {
    pub status: StatusCode,
    pub diagnostics: String,
    /// The request parameter at fault.
    pub expression: Option<String>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl FhirError {
    pub fn new(status: StatusCode, diagnostics: impl Into<String>) -> Self {
        Self {
            status,
            diagnostics: diagnostics.into(),
            expression: None,
            headers: Vec::new(),
        }
    }

    /// A 400 naming the parameter.
    pub fn invalid(parameter: &str, detail: impl Into<String>) -> Self {
        let mut error = Self::new(
            StatusCode::BAD_REQUEST,
            format!("{parameter}: {}", detail.into()),
        );
        error.expression = Some(parameter.to_owned());
        error
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn gone(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, detail)
    }

    /// The OperationOutcome this error is sent with.
    pub fn outcome(&self) -> Value {
        outcome(
            Severity::Error,
            issue_code(self.status),
            &self.diagnostics,
            self.expression.as_deref(),
        )
    }
}

impl From<ApiError> for FhirError {
    fn from(error: ApiError) -> Self {
        let problem = error.problem();
        let mut fhir = Self::new(error.status_code(), problem.detail);
        if matches!(problem.status, 400 | 422) {
            fhir.expression = problem.parameter;
        }
        // The headers the problem response carries (Retry-After, Allow, WWW-Authenticate).
        let response = error.error_response();
        fhir.headers = kept_headers(response.headers());
        fhir
    }
}

impl From<priceline_store::StoreError> for FhirError {
    fn from(error: priceline_store::StoreError) -> Self {
        ApiError::from(error).into()
    }
}

/// The headers of an error response that say something about the error, not about its body.
fn kept_headers(headers: &header::HeaderMap) -> Vec<(header::HeaderName, HeaderValue)> {
    headers
        .iter()
        .filter(|(name, _)| {
            // The new body is neither the old one's length nor compressed.
            **name != header::CONTENT_TYPE
                && **name != header::CONTENT_LENGTH
                && **name != header::CONTENT_ENCODING
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

impl ResponseError for FhirError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        for (name, value) in &self.headers {
            response.append_header((name.clone(), value.clone()));
        }
        response
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON)))
            .body(self.outcome().to_string())
    }
}

/// Rewrites the problem+json bodies of /fhir responses as OperationOutcome, keeping status and
/// headers. Mounted twice: inside compression (for the 404s and 405s of routing, whose bodies are
/// then still plain) and outside everything that can refuse a request (credentials, rate limit,
/// 406), so that no /fhir answer is problem+json.
pub async fn outcome_bodies(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let fhir = is_fhir(request.path());
    let response = next.call(request).await?.map_into_boxed_body();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == PROBLEM_JSON.as_bytes());
    if !fhir || !is_problem {
        return Ok(response);
    }
    let status = response.status();
    let (request, response) = response.into_parts();
    let headers = kept_headers(response.headers());
    let body = to_bytes(response.into_body()).await.unwrap_or_default();
    let problem: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let detail = problem["detail"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    let mut error = FhirError::new(status, detail);
    if matches!(status.as_u16(), 400 | 422) {
        error.expression = problem["parameter"].as_str().map(str::to_owned);
    }
    error.headers = headers;
    Ok(ServiceResponse::new(request, error.error_response()))
}
