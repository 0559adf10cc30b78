//! Per-client rate limiting of /v1 on `governor` (through actix-governor): a token bucket per
//! client, sized by the client's tier, each tier one keyed governor limiter
//! ([`super::tier_limiter`]). An authenticated caller spends its own budget (per API key name or
//! prefix, or token subject) under the tier its credential names ([`crate::auth::tier::Tier`]), or
//! the `default` tier; a request without an accepted credential spends its address's budget under
//! the `anonymous` tier. Health probes, the spec and Swagger UI are never limited.
//!
//! actix-governor's own middleware applies one quota per configuration and answers a refusal in
//! text/plain with only the `X-` fields; the tier is known only once the credential is checked, and
//! every response states the budget, so the dispatch to a tier's limiter and the headers are here.
//!
//! Every limited response, 200s included, says where the client stands, in two header families:
//! - the IETF fields of draft-ietf-httpapi-ratelimit-headers-11 (23 May 2026, the latest revision;
//!   §3 `RateLimit-Policy`, §4 `RateLimit`), structured-field lists:
//!   `RateLimit-Policy: "free";q=20;w=2` (the tier, its burst `q`, and `w` the whole seconds an
//!   empty bucket takes to fill, so `q` per `w` is the sustained rate) and
//!   `RateLimit: "free";r=17;t=1` (`r` the requests left now, `t` the seconds until the bucket is
//!   full again). The draft's earlier revisions used separate `RateLimit-Limit`/`-Remaining`/
//!   `-Reset` fields; clients that read those read the `X-` fields below instead.
//! - `X-RateLimit-Limit` (the burst) and `X-RateLimit-Remaining`, as before, and on a 429
//!   `X-RateLimit-After`, as actix-governor sends them: what gateways and client libraries widely
//!   read today.
//!
//! A 429 is problem+json with `Retry-After` in whole seconds rounded up (rounding down would tell a
//! client to retry at once when the wait is under a second; governor's own answer rounds down).
//! `r` is exact; `t` and `Retry-After` are exact on a 429 and `t` is at most one replenish interval
//! high on a success (see [`super::tier_limiter`] for why).

use std::net::IpAddr;
use std::sync::{Arc, Mutex, TryLockError};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use opentelemetry::metrics::Counter;

use super::client_address;
use super::quota::{ANONYMOUS_TIER, DEFAULT_TIER, Quota, Tiers};
use super::tier_limiter::{Outcome, TierLimiter};
use crate::auth::tier::Tier;
use crate::auth::{self, Caller};
use crate::problem::ApiError;

/// The header names, as the spec writes them.
pub const RATELIMIT: &str = "RateLimit";
pub const RATELIMIT_POLICY: &str = "RateLimit-Policy";
pub const X_RATELIMIT_LIMIT: &str = "X-RateLimit-Limit";
pub const X_RATELIMIT_REMAINING: &str = "X-RateLimit-Remaining";
pub const X_RATELIMIT_AFTER: &str = "X-RateLimit-After";

/// Rate limit settings, as `PRICELINE_RATE_LIMIT_*` and `PRICELINE_TRUST_FORWARDED` give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Requests added back to each default-tier client's bucket per second; 0 turns limiting off.
    pub per_second: u32,
    /// The default tier's bucket size: requests a client may send at once; 0 turns limiting off.
    pub burst: u32,
    /// Key anonymous clients by the first `X-Forwarded-For` hop instead of the peer address: only
    /// behind a proxy that sets it, since clients can send anything.
    pub trust_forwarded: bool,
    /// The named tiers (`PRICELINE_RATE_LIMIT_TIERS`), `anonymous` among them when configured.
    pub tiers: Tiers,
}

impl RateLimitSettings {
    pub fn enabled(&self) -> bool {
        self.per_second > 0 && self.burst > 0
    }

    /// The default tier's quota.
    pub fn default_quota(&self) -> Quota {
        Quota::per_second(self.per_second.max(1), self.burst.max(1))
    }

    /// The anonymous tier's quota: as configured; otherwise, when credentials are required, a fifth
    /// of the default tier's (requests without a credential are then only ever refused, and
    /// guessing must not go at an authenticated client's pace); when the API is open (every client
    /// is anonymous), the default tier's, as before tiers existed.
    pub fn anonymous_quota(&self, api_open: bool) -> Quota {
        if let Some(quota) = self.tiers.get(ANONYMOUS_TIER) {
            return quota;
        }
        let default = self.default_quota();
        if api_open {
            return default;
        }
        Quota::per_second((default.count / 5).max(1), (default.burst / 5).max(1))
    }
}

/// Whose budget a request spends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ClientKey {
    Caller(Caller),
    Address(IpAddr),
    /// No address known (not over TCP); all such requests share one budget.
    Unknown,
}

/// How often the limiters forget the clients whose budget is full again: the maps hold only
/// clients seen in the last moments, not every client ever seen.
const FORGET_FULL_EVERY: Duration = Duration::from_secs(60);

/// One tier as the limiter applies it: its name (as the headers quote it), quota, and the budgets of
/// its clients.
struct Policy {
    name: Arc<str>,
    quota: Quota,
    /// The `RateLimit-Policy` value, the same on every response of the tier.
    header: HeaderValue,
    budgets: TierLimiter<ClientKey>,
}

impl Policy {
    fn new(name: &str, quota: Quota) -> Self {
        let text = format!("\"{name}\";q={};w={}", quota.burst, quota.window_seconds());
        Self {
            name: name.into(),
            quota,
            // Tier names are checked to be letters, digits, '-', '_' and '.'.
            header: HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("\"default\"")),
            budgets: TierLimiter::new(quota),
        }
    }
}

/// The limiter: the tiers, each with its clients' budgets, built once and shared by every worker (as
/// app data) so the budgets are per process, not per worker.
pub struct RateLimit {
    enabled: bool,
    trust_forwarded: bool,
    default: Policy,
    anonymous: Policy,
    named: Vec<Policy>,
    /// When the limiters last forgot their full budgets.
    forgotten: Mutex<Instant>,
    /// Counts each 429 (`priceline_rate_limit_refusals_total`).
    refusals: Counter<u64>,
}

impl RateLimit {
    /// `api_open`: no credential is configured (see [`RateLimitSettings::anonymous_quota`]).
    pub fn new(settings: &RateLimitSettings, api_open: bool, refusals: Counter<u64>) -> Self {
        Self {
            enabled: settings.enabled(),
            trust_forwarded: settings.trust_forwarded,
            default: Policy::new(DEFAULT_TIER, settings.default_quota()),
            anonymous: Policy::new(ANONYMOUS_TIER, settings.anonymous_quota(api_open)),
            named: settings
                .tiers
                .iter()
                .filter(|(name, _)| &***name != ANONYMOUS_TIER)
                .map(|(name, quota)| Policy::new(name, *quota))
                .collect(),
            forgotten: Mutex::new(Instant::now()),
            refusals,
        }
    }

    /// The policy and budget of a request to /v1.
    fn classify(&self, request: &ServiceRequest) -> (&Policy, ClientKey) {
        let extensions = request.extensions();
        if let Some(caller) = extensions.get::<Caller>() {
            let policy = match extensions.get::<Tier>() {
                Some(Tier(name)) => self
                    .named
                    .iter()
                    .find(|policy| policy.name == *name)
                    .unwrap_or_else(|| {
                        // A managed key may name a tier this server does not configure.
                        tracing::debug!(tier = %name, "unknown tier: the default tier applies");
                        &self.default
                    }),
                None => &self.default,
            };
            return (policy, ClientKey::Caller(caller.clone()));
        }
        let key = client_address::of(request, self.trust_forwarded)
            .map_or(ClientKey::Unknown, ClientKey::Address);
        (&self.anonymous, key)
    }

    /// Every [`FORGET_FULL_EVERY`], on the request path of whichever worker comes first (the others
    /// do not wait for it), drops the clients whose budget is full again.
    fn forget_full_budgets(&self) {
        let mut forgotten = match self.forgotten.try_lock() {
            Ok(forgotten) => forgotten,
            // Another worker panicked while holding it: the time is still a time.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        if forgotten.elapsed() < FORGET_FULL_EVERY {
            return;
        }
        *forgotten = Instant::now();
        drop(forgotten);
        for policy in [&self.default, &self.anonymous]
            .into_iter()
            .chain(&self.named)
        {
            policy.budgets.forget_full();
        }
    }
}

/// The middleware: spends one request of the client's budget, refuses it with a 429 when there is
/// none left, and states the budget on the response either way. Reads [`RateLimit`] from app data.
pub async fn limit(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limiter = request.app_data::<web::Data<RateLimit>>().cloned();
    let Some(limiter) = limiter.filter(|limiter| limiter.enabled && auth::protects(request.path()))
    else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    limiter.forget_full_budgets();
    let (policy, key) = limiter.classify(&request);
    let outcome = policy.budgets.check(&key);
    if !outcome.allowed {
        let retry_after = whole_seconds_up(outcome.retry_in).max(1);
        let mut response = ApiError::RateLimited { retry_after }.error_response();
        let headers = response.headers_mut();
        state(headers, policy, &outcome);
        headers.insert(
            HeaderName::from_static("x-ratelimit-after"),
            HeaderValue::from(retry_after),
        );
        limiter.refusals.add(1, &[]);
        tracing::debug!(tier = %policy.name, retry_after, "rate limit exceeded");
        return Ok(request.into_response(response));
    }
    let mut response = next.call(request).await?.map_into_boxed_body();
    state(response.headers_mut(), policy, &outcome);
    Ok(response)
}

/// The two header families, on any response to a limited request.
fn state(headers: &mut HeaderMap, policy: &Policy, outcome: &Outcome) {
    headers.insert(
        HeaderName::from_static("ratelimit-policy"),
        policy.header.clone(),
    );
    let current = format!(
        "\"{}\";r={};t={}",
        policy.name,
        outcome.remaining,
        whole_seconds_up(outcome.full_in)
    );
    if let Ok(value) = HeaderValue::from_str(&current) {
        headers.insert(HeaderName::from_static("ratelimit"), value);
    }
    headers.insert(
        HeaderName::from_static("x-ratelimit-limit"),
        HeaderValue::from(policy.quota.burst),
    );
    headers.insert(
        HeaderName::from_static("x-ratelimit-remaining"),
        HeaderValue::from(outcome.remaining),
    );
}

fn whole_seconds_up(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(tiers: &str) -> RateLimitSettings {
        RateLimitSettings {
            per_second: 50,
            burst: 100,
            trust_forwarded: false,
            tiers: if tiers.is_empty() {
                Tiers::default()
            } else {
                Tiers::parse(tiers).unwrap()
            },
        }
    }

    #[test]
    fn the_anonymous_tier_is_lower_unless_the_api_is_open_or_it_is_configured() {
        let plain = settings("");
        assert_eq!(plain.anonymous_quota(true), Quota::per_second(50, 100));
        assert_eq!(plain.anonymous_quota(false), Quota::per_second(10, 20));
        let configured = settings("anonymous=30/m:5");
        assert_eq!(configured.anonymous_quota(false).burst, 5);
        assert_eq!(configured.anonymous_quota(true).burst, 5);
    }

    #[test]
    fn policies_are_quoted_structured_field_items() {
        let policy = Policy::new("free", Quota::per_second(10, 20));
        assert_eq!(policy.header, "\"free\";q=20;w=2");
        let mut headers = HeaderMap::new();
        let outcome = Outcome {
            allowed: true,
            remaining: 7,
            full_in: Duration::from_millis(1300),
            retry_in: Duration::ZERO,
        };
        state(&mut headers, &policy, &outcome);
        assert_eq!(headers.get("ratelimit").unwrap(), "\"free\";r=7;t=2");
        assert_eq!(headers.get("x-ratelimit-limit").unwrap(), "20");
        assert_eq!(headers.get("x-ratelimit-remaining").unwrap(), "7");
    }
}
