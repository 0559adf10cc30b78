//! A managed API key: made by `priceline keys create` or `POST /v1/admin/keys`, stored as a hash
//! behind a public prefix, revoked or rotated without a restart.

use chrono::{DateTime, Utc};

/// One managed key as stored. The secret itself is never held: only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// 32 hexadecimal digits, chosen when the key is made.
    pub id: String,
    /// Who the key is for (letters, digits, '-', '_' or '.').
    pub name: String,
    /// The key's first characters (`pl_live_ab12cd34`): names it in logs and the audit trail, and
    /// finds it when presented.
    pub prefix: String,
    /// The lowercase hex SHA-256 of the whole key.
    pub secret_hash: String,
    /// The scopes granted, as their names (`prices:read`, `imports:write`, `admin`).
    pub scopes: Vec<String>,
    /// The rate-limit tier, when the key names one.
    pub tier: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The key that replaced this one by rotation.
    pub successor_id: Option<String>,
    /// When a rotated key stops working (its grace period's end).
    pub grace_ends_at: Option<DateTime<Utc>>,
}

/// Whether a key works now, and if not why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    Active,
    /// Rotated: still valid until its grace period ends.
    Rotating,
    Revoked,
    Expired,
    /// Rotated, and its grace period is over.
    Retired,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Rotating => "rotating",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::Retired => "retired",
        }
    }

    /// Whether a key in this state is accepted.
    pub fn is_valid(self) -> bool {
        matches!(self, Self::Active | Self::Rotating)
    }
}

impl ApiKey {
    /// The key's state at `now`. Revocation wins over everything; then the earlier of its expiry
    /// and its grace period's end.
    pub fn status(&self, now: DateTime<Utc>) -> KeyStatus {
        if self.revoked_at.is_some_and(|at| at <= now) {
            return KeyStatus::Revoked;
        }
        if self.expires_at.is_some_and(|at| at <= now) {
            return KeyStatus::Expired;
        }
        match self.grace_ends_at {
            Some(at) if at <= now => KeyStatus::Retired,
            Some(_) => KeyStatus::Rotating,
            None => KeyStatus::Active,
        }
    }

    /// When the key stops working by itself: the earlier of its expiry and its grace period's end.
    pub fn valid_until(&self) -> Option<DateTime<Utc>> {
        match (self.expires_at, self.grace_ends_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
