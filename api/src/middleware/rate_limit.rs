//! Per-client rate limiting of /v1 with actix-governor: a token bucket of `burst` requests, refilled
//! at `per_second`, per API key name or token subject, else per address. Health probes, the spec and
//! Swagger UI are never limited.
//!
//! Headers: a 429 carries `Retry-After` and the `X-RateLimit-Limit` / `X-RateLimit-Remaining` /
//! `X-RateLimit-After` fields actix-governor itself emits. We keep governor's `X-` names rather than
//! the IETF `RateLimit-*` fields: the IETF draft has changed their shape between revisions (separate
//! fields, then one structured `RateLimit` field), while the `X-` names are what clients and gateways
//! widely read today. `Limit` is the burst size, not a count per window.

use std::net::IpAddr;
use std::sync::Arc;

use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::{Governor, GovernorConfig, GovernorConfigBuilder, KeyExtractor};
use actix_web::dev::ServiceRequest;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Condition;
use actix_web::{HttpMessage, HttpResponse, HttpResponseBuilder, ResponseError};
use opentelemetry::metrics::Counter;

use crate::auth::{self, Caller};
use crate::problem::ApiError;

/// Rate limit settings, as `PRICELINE_RATE_LIMIT_*` and `PRICELINE_TRUST_FORWARDED` give them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Requests added back to each client's bucket per second; 0 turns limiting off.
    pub per_second: u32,
    /// The bucket's size: requests a client may send at once; 0 turns limiting off.
    pub burst: u32,
    /// Key anonymous clients by the first `X-Forwarded-For` hop instead of the peer address: only
    /// behind a proxy that sets it, since clients can send anything.
    pub trust_forwarded: bool,
}

impl RateLimitSettings {
    pub fn enabled(&self) -> bool {
        self.per_second > 0 && self.burst > 0
    }
}

/// Whose budget a request spends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// Not limited: anything outside /v1.
    Exempt,
    Caller(Caller),
    /// An anonymous client (IPv6 per /56, as governor's own peer-IP extractor does: one customer's
    /// prefix is one client).
    Address(IpAddr),
    /// No address known (not over TCP); all such requests share one budget.
    Unknown,
}

#[derive(Debug, Clone)]
pub struct ClientKeyExtractor {
    trust_forwarded: bool,
    per_second: u32,
    /// Counts each 429 (`priceline_rate_limit_refusals_total`).
    refusals: Counter<u64>,
}

impl KeyExtractor for ClientKeyExtractor {
    type Key = ClientKey;
    type KeyExtractionError = ApiError;

    fn extract(&self, request: &ServiceRequest) -> Result<ClientKey, ApiError> {
        if !auth::protects(request.path()) {
            return Ok(ClientKey::Exempt);
        }
        if let Some(caller) = request.extensions().get::<Caller>() {
            return Ok(ClientKey::Caller(caller.clone()));
        }
        let forwarded = self
            .trust_forwarded
            .then(|| request.headers().get("x-forwarded-for"))
            .flatten()
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(',').next())
            .and_then(|first| first.trim().parse::<IpAddr>().ok());
        let address = forwarded.or_else(|| request.peer_addr().map(|peer| peer.ip()));
        Ok(match address {
            Some(IpAddr::V6(ip)) => {
                let mut octets = ip.octets();
                octets[7..].fill(0);
                ClientKey::Address(IpAddr::from(octets))
            }
            Some(ip) => ClientKey::Address(ip),
            None => ClientKey::Unknown,
        })
    }

    /// The 429 as problem+json (governor's own is text/plain), with whole seconds rounded up:
    /// governor rounds down, which tells a client to retry at once ("0") when the wait is under 1 s.
    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        _governor_response: HttpResponseBuilder,
    ) -> HttpResponse {
        let wait = negative.wait_time_from(DefaultClock::default().now());
        let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let mut response = ApiError::RateLimited { retry_after }.error_response();
        let headers = response.headers_mut();
        let burst = negative.quota().burst_size().get();
        for (name, value) in [
            ("x-ratelimit-limit", u64::from(burst)),
            ("x-ratelimit-remaining", 0),
            ("x-ratelimit-after", retry_after),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
        self.refusals.add(1, &[]);
        tracing::debug!(per_second = self.per_second, burst, "rate limit exceeded");
        response
    }

    fn whitelisted_keys(&self) -> Vec<ClientKey> {
        vec![ClientKey::Exempt]
    }
}

/// The limiter, built once and shared by every worker (a config per worker would give each worker
/// its own buckets, multiplying the limit).
#[derive(Clone)]
pub struct RateLimit {
    config: Arc<GovernorConfig<ClientKeyExtractor, NoOpMiddleware>>,
    enabled: bool,
}

impl RateLimit {
    /// `refusals` counts the requests refused.
    pub fn new(settings: RateLimitSettings, refusals: Counter<u64>) -> Self {
        let enabled = settings.enabled();
        // Off, the middleware is skipped; the config is still built (a bucket of 1) to keep one type.
        let per_second = settings.per_second.max(1);
        let config = GovernorConfigBuilder::default()
            .requests_per_second(u64::from(per_second))
            .burst_size(settings.burst.max(1))
            .key_extractor(ClientKeyExtractor {
                trust_forwarded: settings.trust_forwarded,
                per_second,
                refusals,
            })
            .finish()
            .expect("a non-zero period and burst");
        Self {
            config: Arc::new(config),
            enabled,
        }
    }

    /// The middleware for one worker, over the shared buckets.
    pub fn middleware(&self) -> Condition<Governor<ClientKeyExtractor, NoOpMiddleware>> {
        Condition::new(self.enabled, Governor::new(&self.config))
    }
}
