//! Managed keys as `authenticate` meets them: each request's key (or the key named by a token issued
//! at `/oauth/token`) is read from the database by its prefix or id, so a revocation or expiry made
//! by any process is in force on the very next request of every process. There is no cache: the
//! read is one indexed row.
//!
//! The same table decides whether credentials are on when nothing else asks for them: once any
//! managed key was made (revoked and expired ones included), /v1 requires a credential. That fact is
//! only ever learned, never forgotten, so this process remembers it.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use priceline_domain::{ApiKey, KeyStatus};
use priceline_store::queries::api_keys;
use priceline_store::{DbConnection, Pool, start_on};

use super::Caller;
use super::api_key::HEADER;
use super::managed::{matches, prefix_of, scopes_of};
use super::oauth::TokenIssuer;
use super::scope::{Scope, Scopes};
use super::tier::Tier;
use crate::db_threads::DbThreads;
use crate::problem::ApiError;

/// `PRICELINE_KEYS_MANAGED` and the token issuer, as configured.
#[derive(Debug, Clone, Default)]
pub struct KeySettings {
    /// Credentials on even before the first managed key exists.
    pub managed: bool,
    /// Signs and checks the tokens of `/oauth/token`; none: the endpoint issues no tokens.
    pub issuer: Option<TokenIssuer>,
}

/// A verified managed credential: who, what it may do, and its tier.
#[derive(Debug, Clone)]
pub struct Grant {
    pub caller: Caller,
    pub scopes: Scopes,
    pub tier: Option<Tier>,
    /// The header the credential came in, for a refusal's `parameter`.
    pub header: &'static str,
}

/// The managed keys of this server's database.
pub struct KeyStore {
    pool: Pool,
    threads: DbThreads,
    settings: KeySettings,
    /// A managed key has been seen in the database: credentials are on for good.
    seen: AtomicBool,
}

impl KeyStore {
    pub fn new(pool: Pool, threads: DbThreads, settings: KeySettings) -> Self {
        Self {
            pool,
            threads,
            seen: AtomicBool::new(settings.managed),
            settings,
        }
    }

    pub fn issuer(&self) -> Option<&TokenIssuer> {
        self.settings.issuer.as_ref()
    }

    /// Runs `work`, which changes nothing, on the database threads within their deadline, on a
    /// connection as it is in the pool (`start_on`: once more on a checked one if that one died
    /// there); a database that does not answer is a 503.
    pub async fn read<T: Send + 'static>(
        &self,
        work: impl Fn(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let pool = self.pool.clone();
        self.threads
            .run(move || start_on(|checkout| pool.checkout(checkout), work).map(|(_, value)| value))
            .await
    }

    /// Whether managed keys switch credentials on: `PRICELINE_KEYS_MANAGED=true`, or any managed
    /// key in the database. A database that cannot say is an error (the request is refused).
    pub async fn credentials_on(&self) -> Result<bool, ApiError> {
        if self.seen.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let any = self
            .read(|connection| Ok(api_keys::any(connection)?))
            .await?;
        if any {
            self.seen.store(true, Ordering::Relaxed);
        }
        Ok(any)
    }

    /// The key `presented` in X-API-Key, when it has a managed key's shape (`None` otherwise: not
    /// ours to judge).
    pub async fn verify_key(&self, presented: &str) -> Option<Result<Grant, ApiError>> {
        let prefix = prefix_of(presented)?.to_owned();
        let presented = presented.to_owned();
        Some(self.verify_key_by_prefix(prefix, presented).await)
    }

    async fn verify_key_by_prefix(
        &self,
        prefix: String,
        presented: String,
    ) -> Result<Grant, ApiError> {
        let refused = |detail: String| ApiError::Unauthorized {
            header: Some(HEADER),
            detail,
        };
        let key = self
            .read(move |connection| Ok(api_keys::by_prefix(connection, &prefix)?))
            .await?
            .filter(|key| matches(key, &presented))
            .ok_or_else(|| refused("the API key in X-API-Key is not known".to_owned()))?;
        usable(&key).map_err(refused)?;
        Ok(Grant {
            caller: Caller::ApiKey(key.prefix.as_str().into()),
            scopes: scopes_of(&key),
            tier: key.tier.as_deref().map(|tier| Tier(tier.into())),
            header: HEADER,
        })
    }

    /// A bearer token issued at `/oauth/token` (`None` when the token is not one of ours): its
    /// signature and expiry, then its key's state now. Its scopes are those of the token that the
    /// key still grants.
    pub async fn verify_token(&self, token: &str) -> Option<Result<Grant, ApiError>> {
        let issuer = self.settings.issuer.as_ref()?;
        if !issuer.is_ours(token) {
            return None;
        }
        let refused = |detail: String| ApiError::Unauthorized {
            header: Some("Authorization"),
            detail,
        };
        let claims = match issuer.verify(token) {
            Ok(claims) => claims,
            Err(detail) => return Some(Err(refused(detail))),
        };
        let id = claims.key_id.clone();
        let key = match self
            .read(move |connection| Ok(api_keys::get(connection, &id).ok()))
            .await
        {
            Ok(Some(key)) => key,
            Ok(None) => {
                return Some(Err(refused(
                    "the bearer token's key is not known".to_owned(),
                )));
            }
            Err(error) => return Some(Err(error)),
        };
        if let Err(detail) = usable(&key) {
            return Some(Err(refused(format!("the bearer token's key: {detail}"))));
        }
        Some(Ok(Grant {
            caller: Caller::Subject(key.prefix.as_str().into()),
            scopes: Scopes::from_claim(&claims.scope).intersect(scopes_of(&key)),
            tier: key.tier.as_deref().map(|tier| Tier(tier.into())),
            header: "Authorization",
        }))
    }
}

/// Why a key that matched is refused now, if it is.
pub fn usable(key: &ApiKey) -> Result<(), String> {
    let prefix = &key.prefix;
    match key.status(Utc::now()) {
        KeyStatus::Active | KeyStatus::Rotating => Ok(()),
        KeyStatus::Revoked => Err(format!("the API key {prefix} is revoked")),
        KeyStatus::Expired => Err(format!("the API key {prefix} has expired")),
        KeyStatus::Retired => Err(format!(
            "the API key {prefix} was rotated and its grace period is over; use its successor"
        )),
    }
}

/// The 403 of a managed credential without `required`.
pub fn forbidden(grant: &Grant, required: Scope) -> ApiError {
    let detail = if grant.header == HEADER {
        format!(
            "this API key does not grant {required}: make a key with --scope {required} \
             (priceline keys create) or ask an administrator"
        )
    } else {
        format!("the bearer token's scope does not include {required} (or admin)")
    };
    ApiError::Forbidden {
        header: grant.header,
        detail,
        scope: required.as_str(),
    }
}

/// The start-up line: what /v1 requires, managed keys included. `managed`: some managed key exists
/// (or `PRICELINE_KEYS_MANAGED=true`), which switches credentials on by itself.
pub fn describe(policy: &super::AuthPolicy, managed: bool, settings: &KeySettings) -> String {
    let tokens = settings
        .issuer
        .as_ref()
        .map(|issuer| {
            format!(
                "; POST /oauth/token issues {} tokens for them",
                issuer.algorithm()
            )
        })
        .unwrap_or_default();
    match (policy.is_open(), managed) {
        (true, false) => format!(
            "{} (until a managed key is made: priceline keys create)",
            policy.describe()
        ),
        (false, false) => policy.describe(),
        (true, true) => format!(
            "credentials on: /v1 requires a managed API key (X-API-Key, from the database){tokens}"
        ),
        (false, true) => format!(
            "{}, or a managed API key (X-API-Key, from the database){tokens}",
            policy.describe()
        ),
    }
}
