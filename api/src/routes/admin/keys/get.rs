use actix_web::{HttpRequest, HttpResponse, get, web};
use priceline_store::queries::api_keys;

use super::{key_id, no_store, require_caller};
use crate::problem::{AdminErrors, ApiError, OrNotFound};
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::api_key::ApiKeyView;

/// One API key
///
/// The key's name, prefix, scopes, tier, status and times, never its secret. `{id}` is the key's
/// id or its prefix. Needs the `admin` scope.
#[utoipa::path(
    tag = "admin",
    operation_id = "getApiKey",
    params(("id" = String, Path, pattern = "^([0-9a-f]{32}|pl_live_[0-9a-f]{8})$", min_length = 16, max_length = 32,
            description = "The key's id or its prefix", example = "pl_live_ab12cd34")),
    responses(
        (status = 200, description = "The key", body = ApiKeyView,
         headers(("Cache-Control" = String, description = "`no-store`"))),
        AdminErrors
    )
)]
#[get("/v1/admin/keys/{id}")]
pub async fn get_api_key(
    state: web::Data<AppState>,
    id: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    require_caller(&request)?;
    let id = key_id(&id)?;
    let key = with_connection(&state, move |connection| {
        api_keys::find(connection, &id).or_not_found(|| format!("no API key {id}"))
    })
    .await?;
    Ok(no_store(HttpResponse::Ok()).json(ApiKeyView::from(key)))
}
