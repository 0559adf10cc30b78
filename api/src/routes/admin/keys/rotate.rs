use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use priceline_store::queries::api_keys;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{created, key_id, parse_body, refused, require_caller};
use crate::auth::key_store::usable;
use crate::auth::managed::{KeySpec, parse_grace};
use crate::problem::{AdminErrors, ApiError, OrNotFound};
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::api_key::{ApiKeyView, CreatedKeyView};

/// How long the old key keeps working beside its successor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grace": "24h"}))]
pub struct Rotation {
    /// A whole number and `s`, `m`, `h` or `d` (`30m`, `24h`, `7d`; `0s` ends the old key at once),
    /// at most `366d`.
    #[schema(pattern = "^[0-9]+[smhd]$")]
    pub grace: String,
}

/// Rotate an API key
///
/// Makes the key's successor (same name, scopes, tier and expiry) and answers with it and its
/// secret, once. The old key keeps working until the grace period ends, then is refused. A revoked,
/// expired or already rotated key cannot be rotated (409). Needs the `admin` scope.
#[utoipa::path(
    tag = "admin",
    operation_id = "rotateApiKey",
    params(("id" = String, Path, pattern = "^([0-9a-f]{32}|pl_live_[0-9a-f]{8})$", min_length = 16, max_length = 32,
            description = "The key's id or its prefix", example = "pl_live_ab12cd34")),
    request_body(content = Rotation, content_type = "application/json"),
    responses(
        (status = 201, description = "The successor, with its secret (shown only now)", body = CreatedKeyView,
         headers(("Location" = String, description = "The successor: `/v1/admin/keys/{id}`"),
                 ("Cache-Control" = String, description = "`no-store`"))),
        AdminErrors
    )
)]
#[post("/v1/admin/keys/{id}/rotate")]
pub async fn rotate_api_key(
    state: web::Data<AppState>,
    id: web::Path<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_caller(&request)?;
    let id = key_id(&id)?;
    let rotation: Rotation = parse_body(&body)?;
    let grace = parse_grace(&rotation.grace).map_err(refused)?;
    let made = with_connection(&state, move |connection| {
        let old = api_keys::find(connection, &id).or_not_found(|| format!("no API key {id}"))?;
        rotate(connection, &old, grace)
    })
    .await?;
    tracing::info!(key = %made.record.prefix, "API key rotated");
    let id = made.record.id.clone();
    Ok(created(&id).json(CreatedKeyView {
        key: ApiKeyView::from(made.record),
        secret: made.secret,
    }))
}

/// Makes `old`'s successor and starts its grace period (shared with `priceline keys rotate`).
pub fn rotate(
    connection: &mut priceline_store::DbConnection,
    old: &priceline_domain::ApiKey,
    grace: chrono::Duration,
) -> Result<crate::auth::managed::NewKey, ApiError> {
    let now = Utc::now();
    if old.successor_id.is_some() {
        return Err(ApiError::Conflict(format!(
            "the API key {} was rotated already; rotate its successor",
            old.prefix
        )));
    }
    usable(old).map_err(|reason| ApiError::Conflict(format!("{reason}: it cannot be rotated")))?;
    let made = KeySpec::of(old).generate(now).map_err(|refusal| {
        tracing::error!(%refusal, "no key could be made");
        ApiError::Internal
    })?;
    if !api_keys::rotate(connection, &old.id, &made.record, now + grace)? {
        return Err(ApiError::Conflict(format!(
            "the API key {} was revoked or rotated meanwhile",
            old.prefix
        )));
    }
    Ok(made)
}
