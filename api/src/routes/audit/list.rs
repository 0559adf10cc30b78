use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use priceline_domain::StatusFilter;
use priceline_store::queries::audit_events::{self, AuditFilter};
use serde::Deserialize;
use utoipa::{IntoParams, IntoResponses};
use validator::Validate;

use crate::pagination::Paging;
use crate::problem::{ApiError, Problem};
use crate::routes::query::ValidQuery;
use crate::routes::read_page;
use crate::state::AppState;
use crate::views::audit_event::AuditEventList;

/// The longest `caller` filter: a key name or a token subject.
const CALLER_MAX: u64 = 256;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct AuditEventsQuery {
    /// Only events recorded at or after this time (RFC 3339, e.g. `2026-12-06T00:00:00Z`).
    #[param(value_type = Option<String>, format = DateTime, example = "2026-12-06T00:00:00Z")]
    pub since: Option<String>,
    /// Only events recorded before this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime, example = "2026-12-07T00:00:00Z")]
    pub until: Option<String>,
    /// Only this caller's events, as events name it: `key:NAME` or `sub:SUBJECT`.
    #[param(example = "key:billing-portal", min_length = 1, max_length = 256)]
    #[validate(length(min = 1, max = CALLER_MAX))]
    pub caller: Option<String>,
    /// Only events of this status (`403`) or status class (`4xx`).
    #[param(example = "4xx", pattern = "^(?:[1-5][0-9]{2}|[1-5][xX]{2})$")]
    pub status: Option<String>,
    /// Page size, 1 to 1000.
    #[param(example = 50, minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page, unchanged: the id of its last event.
    #[param(inline, value_type = Option<crate::pagination::IdCursor>, example = "1042")]
    pub cursor: Option<String>,
}

/// The errors of the audit log listing (`/v1/admin/audit-events`). Key administration's
/// (`problem::AdminErrors`) document other parameters and a 409.
#[derive(IntoResponses)]
// Only its documentation is used, as for `ReadErrors`.
#[allow(dead_code)]
pub enum AuditErrors {
    /// A parameter is malformed (`since`, `until`, `status`, `caller`, `limit`, `cursor`) or
    /// unknown; `parameter` names it.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No credential was sent, or it is not known or does not verify. `WWW-Authenticate` names
    /// the scheme.
    #[response(
        status = 401,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "The Bearer challenge (RFC 6750); an API key goes in X-API-Key instead"))
    )]
    Unauthorized(Problem),
    /// The credential does not grant `admin`.
    #[response(
        status = 403,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "With a bearer token: the Bearer challenge with error=\"insufficient_scope\", scope=\"admin\""))
    )]
    Forbidden(Problem),
    /// No such resource (as for every /v1 path: an unknown path below `/v1/admin`).
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The method is not allowed on this path.
    #[response(status = 405, content_type = "application/problem+json")]
    MethodNotAllowed(Problem),
    /// The `Accept` header admits neither application/json nor application/problem+json.
    #[response(status = 406, content_type = "application/problem+json")]
    NotAcceptable(Problem),
    /// The request carries a body larger than 64 KiB; /v1 reads take none.
    #[response(status = 413, content_type = "application/problem+json")]
    ContentTooLarge(Problem),
    /// The request carries a non-empty body that is not `application/json`; /v1 reads take none.
    /// `parameter` is `Content-Type`.
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

fn time(parameter: &str, text: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    text.map(|text| {
        DateTime::parse_from_rfc3339(text.trim())
            .map(|time| time.with_timezone(&Utc))
            .map_err(|_| {
                ApiError::invalid(
                    parameter,
                    "expected an RFC 3339 date and time such as 2026-12-06T00:00:00Z",
                )
            })
    })
    .transpose()
}

/// The filter a query asks for, or a 400 naming the parameter that does not parse.
pub fn filter(query: &AuditEventsQuery) -> Result<AuditFilter, ApiError> {
    let since = time("since", query.since.as_deref())?;
    let until = time("until", query.until.as_deref())?;
    let status = query
        .status
        .as_deref()
        .map(|text| {
            StatusFilter::parse(text).ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    "expected a status from 100 to 599 (403) or a class such as 4xx",
                )
            })
        })
        .transpose()?;
    Ok(AuditFilter {
        since,
        until,
        caller: query.caller.clone(),
        status,
    })
}

/// List audit events
///
/// The audit trail: every authenticated request and every refusal (401, 403, 429) of the protected
/// API, the most recent first, filtered by time range (`since` inclusive, `until` exclusive),
/// caller and status. Events are written in batches off the request path: an event appears within
/// about a second. Needs the `admin` scope; never cached.
#[utoipa::path(
    tag = "admin",
    operation_id = "listAuditEvents",
    params(AuditEventsQuery),
    responses(
        (status = 200, description = "A page of audit events", body = AuditEventList,
         headers(("Cache-Control" = String, description = "`no-store`: the trail grows with every request"))),
        AuditErrors
    )
)]
#[get("/v1/admin/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    query: ValidQuery<AuditEventsQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let filter = filter(&query)?;
    let paging = Paging::<i64>::new(query.cursor.as_deref(), query.limit)?;
    let web::Json(body): web::Json<AuditEventList> =
        read_page(&state, &request, paging, move |connection, after, limit| {
            audit_events::list(connection, &filter, after.copied(), limit)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}
