//! Managed API keys (`/v1/admin/keys`). A key's secret appears once, in [`CreatedKeyView`], when it
//! is made; every other view shows its prefix only.

use chrono::{DateTime, Utc};
use priceline_domain::{ApiKey, KeyStatus};
use serde::Serialize;
use utoipa::ToSchema;

use super::list_view;

/// Whether a key works now: `active`; `rotating` (replaced, valid until its grace period ends);
/// `revoked`, `expired` or `retired` (rotated, grace period over) are refused.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatusView {
    Active,
    Rotating,
    Revoked,
    Expired,
    Retired,
}

impl From<KeyStatus> for KeyStatusView {
    fn from(status: KeyStatus) -> Self {
        match status {
            KeyStatus::Active => Self::Active,
            KeyStatus::Rotating => Self::Rotating,
            KeyStatus::Revoked => Self::Revoked,
            KeyStatus::Expired => Self::Expired,
            KeyStatus::Retired => Self::Retired,
        }
    }
}

/// A managed API key, without its secret.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "3b9f0c1d2e4a5b6c7d8e9f0a1b2c3d4e", "name": "reporting", "prefix": "pl_live_ab12cd34",
    "scopes": ["prices:read"], "tier": "partner", "status": "active",
    "expires_at": "2027-06-30T00:00:00Z", "created_at": "2026-12-06T09:00:00Z",
    "revoked_at": null, "successor_id": null, "grace_ends_at": null
}))]
pub struct ApiKeyView {
    /// The key's id (32 hexadecimal digits): `GET /v1/admin/keys/{id}`; also its OAuth2 client id.
    pub id: String,
    /// Who the key is for.
    pub name: String,
    /// The key's first 16 characters: what logs and the audit trail name it by; also its OAuth2
    /// client id.
    pub prefix: String,
    /// What the key may do: `prices:read`, `imports:write`, `admin` (everything).
    pub scopes: Vec<String>,
    /// The key's rate-limit tier, if it names one.
    pub tier: Option<String>,
    pub status: KeyStatusView,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The key that replaced this one (`POST /v1/admin/keys/{id}/rotate`).
    pub successor_id: Option<String>,
    /// When this rotated key stops working.
    pub grace_ends_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyView {
    fn from(key: ApiKey) -> Self {
        Self {
            status: key.status(Utc::now()).into(),
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            scopes: key.scopes,
            tier: key.tier,
            expires_at: key.expires_at,
            created_at: key.created_at,
            revoked_at: key.revoked_at,
            successor_id: key.successor_id,
            grace_ends_at: key.grace_ends_at,
        }
    }
}

/// A key just made: its record and, this once, the key itself.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "key": {"id": "3b9f0c1d2e4a5b6c7d8e9f0a1b2c3d4e", "name": "reporting", "prefix": "pl_live_ab12cd34",
            "scopes": ["prices:read"], "tier": null, "status": "active", "expires_at": null,
            "created_at": "2026-12-06T09:00:00Z", "revoked_at": null, "successor_id": null,
            "grace_ends_at": null},
    "secret": "pl_live_ab12cd34_q3JcW0nLr8yV5mTb2XkPz7Hd1sGfA9uE4oNiR6wYtCM"
}))]
pub struct CreatedKeyView {
    pub key: ApiKeyView,
    /// The whole key, shown only now (the server keeps its SHA-256): clients send it in
    /// `X-API-Key`, or exchange it at `POST /oauth/token` for a bearer token.
    pub secret: String,
}

list_view!(
    /// A page of managed API keys, the most recent first.
    ApiKeyList,
    ApiKeyView
);
