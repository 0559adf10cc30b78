use actix_web::{HttpRequest, HttpResponse, delete, post, web};
use chrono::Utc;
use priceline_store::queries::api_keys;

use super::{key_id, no_store, require_caller};
use crate::problem::{AdminErrors, ApiError, OrNotFound};
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::api_key::ApiKeyView;

/// Revokes the key `id` names (its first revocation time stays) and answers with it.
async fn revoke(
    state: web::Data<AppState>,
    id: &str,
    request: &HttpRequest,
) -> Result<HttpResponse, ApiError> {
    require_caller(request)?;
    let id = key_id(id)?;
    let key = with_connection(&state, move |connection| {
        let key = api_keys::find(connection, &id).or_not_found(|| format!("no API key {id}"))?;
        api_keys::revoke(connection, &key.id, Utc::now())?;
        Ok(api_keys::get(connection, &key.id)?)
    })
    .await?;
    tracing::info!(key = %key.prefix, "API key revoked");
    Ok(no_store(HttpResponse::Ok()).json(ApiKeyView::from(key)))
}

/// Revoke an API key
///
/// Revokes the key at once: its next request, on any server sharing the database, is refused, and
/// so are the tokens issued for it. Revoking a revoked key changes nothing. Needs the `admin` scope.
#[utoipa::path(
    tag = "admin",
    operation_id = "revokeApiKey",
    params(("id" = String, Path, pattern = "^([0-9a-f]{32}|pl_live_[0-9a-f]{8})$", min_length = 16, max_length = 32,
            description = "The key's id or its prefix", example = "pl_live_ab12cd34")),
    responses(
        (status = 200, description = "The revoked key", body = ApiKeyView,
         headers(("Cache-Control" = String, description = "`no-store`"))),
        AdminErrors
    )
)]
#[post("/v1/admin/keys/{id}/revoke")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    id: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    revoke(state, &id, &request).await
}

/// Revoke an API key (DELETE)
///
/// The same as `POST /v1/admin/keys/{id}/revoke`: the key's record stays (listed as `revoked`), so
/// the audit trail can still name it. Needs the `admin` scope.
#[utoipa::path(
    tag = "admin",
    operation_id = "deleteApiKey",
    params(("id" = String, Path, pattern = "^([0-9a-f]{32}|pl_live_[0-9a-f]{8})$", min_length = 16, max_length = 32,
            description = "The key's id or its prefix", example = "pl_live_ab12cd34")),
    responses(
        (status = 200, description = "The revoked key", body = ApiKeyView,
         headers(("Cache-Control" = String, description = "`no-store`"))),
        AdminErrors
    )
)]
#[delete("/v1/admin/keys/{id}")]
pub async fn delete_api_key(
    state: web::Data<AppState>,
    id: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    revoke(state, &id, &request).await
}
