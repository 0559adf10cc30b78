//! Audit events (`GET /v1/admin/audit-events`, and each line of `priceline audit export`).

use chrono::{DateTime, Utc};
use priceline_domain::AuditEvent;
use serde::Serialize;
use utoipa::ToSchema;

use super::list_view;

/// One audited request: who, what, when and how it ended. Maps onto a FHIR `AuditEvent`
/// (`recorded` ← `recorded_at`, `action` ← `method`, `outcome` ← `status`, `agent` ← `caller`,
/// `scopes` and `client_address`, `entity` ← `route`, `path`, `result_count` and `request_id`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1042, "recorded_at": "2026-12-06T09:30:12.345678Z", "caller": "key:billing-portal",
    "scopes": ["prices:read"], "method": "GET", "route": "/v1/facilities/{id}",
    "path": "/v1/facilities/3", "status": 200, "result_count": null,
    "request_id": "0188c1f2d3a4b5c6-00000007", "client_address": "203.0.113.7"
}))]
pub struct AuditEventView {
    /// Orders events as they were written; the cursor of the next page is the last one's id.
    pub id: i64,
    pub recorded_at: DateTime<Utc>,
    /// `key:NAME` (an API key's name or public prefix) or `sub:SUBJECT` (a token's subject); null
    /// for a refused request without a verified credential. Never a secret or a token.
    pub caller: Option<String>,
    /// The scopes the credential granted (empty when none verified).
    pub scopes: Vec<String>,
    pub method: String,
    /// The route template that matched, e.g. `/v1/facilities/{id}`; null when none matched.
    pub route: Option<String>,
    /// The path as requested, without the query string.
    pub path: String,
    /// The response status: 401, 403 and 429 are refusals.
    #[schema(minimum = 100, maximum = 599)]
    pub status: u16,
    /// The number of items a list response returned; null for other responses.
    pub result_count: Option<u64>,
    /// The request's `X-Request-Id`.
    pub request_id: Option<String>,
    /// The client's address (the first `X-Forwarded-For` hop when PRICELINE_TRUST_FORWARDED).
    pub client_address: Option<String>,
}

impl From<AuditEvent> for AuditEventView {
    fn from(AuditEvent { id, event }: AuditEvent) -> Self {
        Self {
            id,
            recorded_at: event.recorded_at,
            caller: event.caller,
            scopes: event
                .scopes
                .split_ascii_whitespace()
                .map(str::to_owned)
                .collect(),
            method: event.method,
            route: event.route,
            path: event.path,
            status: event.status,
            result_count: event.result_count,
            request_id: event.request_id,
            client_address: event.client_address,
        }
    }
}

list_view!(
    /// A page of audit events, the most recent first.
    AuditEventList,
    AuditEventView
);
