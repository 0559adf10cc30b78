use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use priceline_store::queries::api_keys;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{created, parse_body, refused, require_caller};
use crate::auth::managed::KeySpec;
use crate::problem::{AdminErrors, ApiError};
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::api_key::{ApiKeyView, CreatedKeyView};

/// A key to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "reporting", "scopes": ["prices:read"], "tier": "partner", "expires_at": "2027-06-30"}))]
pub struct NewApiKey {
    /// Who the key is for: 1 to 64 letters, digits, '-', '_' or '.'.
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub name: String,
    /// At least one of `prices:read`, `imports:write`, `admin` (which grants everything).
    #[schema(min_items = 1)]
    pub scopes: Vec<String>,
    /// The key's rate-limit tier (a name the rate-limit configuration knows).
    #[schema(max_length = 64, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub tier: Option<String>,
    /// When the key stops working: a date (`2027-06-30`, the start of that day in UTC) or an
    /// RFC 3339 time; in the future. Without it the key works until revoked.
    pub expires_at: Option<String>,
}

/// Make an API key
///
/// Makes a managed key and answers with it **once** (`secret`): the server keeps only its SHA-256
/// and its prefix. Clients send it in `X-API-Key`, or exchange it at `POST /oauth/token`. Needs the
/// `admin` scope.
#[utoipa::path(
    tag = "admin",
    operation_id = "createApiKey",
    request_body(content = NewApiKey, content_type = "application/json"),
    responses(
        (status = 201, description = "The key, with its secret (shown only now)", body = CreatedKeyView,
         headers(("Location" = String, description = "The key: `/v1/admin/keys/{id}`"),
                 ("Cache-Control" = String, description = "`no-store`"))),
        AdminErrors
    )
)]
#[post("/v1/admin/keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_caller(&request)?;
    let new: NewApiKey = parse_body(&body)?;
    let now = Utc::now();
    let spec = KeySpec::parse(
        &new.name,
        &new.scopes,
        new.tier.as_deref(),
        new.expires_at.as_deref(),
        now,
    )
    .map_err(refused)?;
    let made = spec.generate(now).map_err(|refusal| {
        tracing::error!(%refusal, "no key could be made");
        ApiError::Internal
    })?;
    let record = made.record.clone();
    with_connection(&state, move |connection| {
        Ok(api_keys::insert(connection, &record)?)
    })
    .await?;
    tracing::info!(key = %made.record.prefix, name = %made.record.name, "API key made");
    let id = made.record.id.clone();
    Ok(created(&id).json(CreatedKeyView {
        key: ApiKeyView::from(made.record),
        secret: made.secret,
    }))
}
