//! Throttling of repeated failed authentication, per client address: each refused credential
//! after the first from an address within the window is answered more slowly, and once an address
//! reaches the limit every /v1 request from it is refused (429 with `Retry-After`) for the penalty.
//! Failures are counted by the address they come from, never by the key or subject claimed: a
//! stranger guessing at a key cannot get its owner refused elsewhere. Nor does a success reset the
//! count (an attacker holding one valid key could otherwise wipe it between guesses): failures
//! simply age out of the window.
//!
//! Sits inside the rate limiter (its refusals carry the `RateLimit` fields like any other) and
//! outside [`crate::auth::enforce`], which answers the refused credential.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};

use super::client_address;
use crate::auth;
use crate::problem::ApiError;

/// The longest a refused credential is held back, whatever the delay setting and count.
pub const MAX_DELAY: Duration = Duration::from_secs(2);
/// How often addresses whose failures have all aged out are forgotten.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// `PRICELINE_AUTH_FAILURE_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthFailureSettings {
    /// Refused credentials from one address within `window` that start its penalty; 0 turns the
    /// throttle off.
    pub limit: u32,
    pub window: Duration,
    /// How long an address is refused once it reached the limit.
    pub penalty: Duration,
    /// Each refused credential is answered after this times the address's earlier failures in the
    /// window (at most [`MAX_DELAY`]).
    pub delay: Duration,
    /// Take the address from `X-Forwarded-For` (`PRICELINE_TRUST_FORWARDED`).
    pub trust_forwarded: bool,
}

impl AuthFailureSettings {
    pub fn enabled(&self) -> bool {
        self.limit > 0
    }
}

#[derive(Default)]
struct Record {
    /// Times of the failures within the window, oldest first.
    recent: VecDeque<Instant>,
    blocked_until: Option<Instant>,
}

/// What a refused credential leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Answer the refusal after this delay.
    Slowed(Duration),
    /// The address reached the limit: refused for this long.
    Blocked(Duration),
}

struct State {
    addresses: HashMap<IpAddr, Record>,
    pruned: Instant,
}

/// The failures of every address, one store per process (shared by the workers as app data).
pub struct AuthFailures {
    settings: AuthFailureSettings,
    state: Mutex<State>,
}

impl AuthFailures {
    pub fn new(settings: AuthFailureSettings) -> Self {
        Self {
            settings,
            state: Mutex::new(State {
                addresses: HashMap::new(),
                pruned: Instant::now(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another worker panicked mid-update of plain data.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How much longer `address` is refused, if it is.
    pub fn blocked(&self, address: IpAddr, now: Instant) -> Option<Duration> {
        let mut state = self.lock();
        let record = state.addresses.get_mut(&address)?;
        match record.blocked_until {
            Some(until) if until > now => Some(until - now),
            Some(_) => {
                // The penalty is served: the address starts afresh.
                record.blocked_until = None;
                None
            }
            None => None,
        }
    }

    /// Records a refused credential from `address`.
    pub fn failed(&self, address: IpAddr, now: Instant) -> Verdict {
        let settings = self.settings;
        let mut state = self.lock();
        if now.saturating_duration_since(state.pruned) >= PRUNE_EVERY {
            state.addresses.retain(|_, record| {
                record.blocked_until.is_some_and(|until| until > now)
                    || record
                        .recent
                        .back()
                        .is_some_and(|last| now.saturating_duration_since(*last) < settings.window)
            });
            state.pruned = now;
        }
        let record = state.addresses.entry(address).or_default();
        while record
            .recent
            .front()
            .is_some_and(|first| now.saturating_duration_since(*first) >= settings.window)
        {
            record.recent.pop_front();
        }
        record.recent.push_back(now);
        let count = record.recent.len() as u32;
        if count >= settings.limit {
            record.recent.clear();
            record.blocked_until = Some(now + settings.penalty);
            return Verdict::Blocked(settings.penalty);
        }
        Verdict::Slowed(settings.delay.saturating_mul(count - 1).min(MAX_DELAY))
    }
}

/// The middleware. Reads [`AuthFailures`] from app data; only /v1 requests, and only from a known
/// address, are throttled.
pub async fn throttle(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let failures = request.app_data::<web::Data<AuthFailures>>().cloned();
    let address = failures
        .as_ref()
        .filter(|failures| failures.settings.enabled() && auth::protects(request.path()))
        .and_then(|failures| client_address::of(&request, failures.settings.trust_forwarded));
    let (Some(failures), Some(address)) = (failures, address) else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let now = Instant::now();
    if let Some(left) = failures.blocked(address, now) {
        return Ok(request.into_response(refusal(left).error_response()));
    }
    if auth::credential_refused(&request) {
        match failures.failed(address, now) {
            Verdict::Blocked(penalty) => {
                tracing::warn!(
                    %address,
                    seconds = penalty.as_secs(),
                    "too many refused credentials: address refused for a while"
                );
                return Ok(request.into_response(refusal(penalty).error_response()));
            }
            Verdict::Slowed(delay) if !delay.is_zero() => {
                actix_web::rt::time::sleep(delay).await;
            }
            Verdict::Slowed(_) => {}
        }
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

fn refusal(left: Duration) -> ApiError {
    let retry_after = (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1);
    ApiError::TooManyFailedCredentials { retry_after }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AuthFailureSettings {
        AuthFailureSettings {
            limit: 3,
            window: Duration::from_secs(60),
            penalty: Duration::from_secs(10),
            delay: Duration::from_millis(100),
            trust_forwarded: false,
        }
    }

    #[test]
    fn failures_slow_then_block_one_address_until_the_penalty_is_served() {
        let failures = AuthFailures::new(settings());
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        let owner: IpAddr = "198.51.100.2".parse().unwrap();
        let start = Instant::now();
        assert_eq!(
            failures.failed(stranger, start),
            Verdict::Slowed(Duration::ZERO)
        );
        assert_eq!(
            failures.failed(stranger, start),
            Verdict::Slowed(Duration::from_millis(100))
        );
        assert_eq!(failures.blocked(stranger, start), None);
        assert_eq!(
            failures.failed(stranger, start),
            Verdict::Blocked(Duration::from_secs(10))
        );
        let soon = start + Duration::from_secs(4);
        assert_eq!(
            failures.blocked(stranger, soon),
            Some(Duration::from_secs(6))
        );
        assert_eq!(failures.blocked(owner, soon), None, "another address");
        let served = start + Duration::from_secs(10);
        assert_eq!(failures.blocked(stranger, served), None);
        // Afresh: the first failure after the penalty is not slowed.
        assert_eq!(
            failures.failed(stranger, served),
            Verdict::Slowed(Duration::ZERO)
        );
    }

    #[test]
    fn failures_age_out_of_the_window_and_the_delay_is_capped() {
        let failures = AuthFailures::new(AuthFailureSettings {
            limit: 100,
            delay: Duration::from_secs(1),
            ..settings()
        });
        let address: IpAddr = "2001:db8::1".parse().unwrap();
        let start = Instant::now();
        failures.failed(address, start);
        failures.failed(address, start);
        // A minute on, both have aged out: no delay.
        let later = start + Duration::from_secs(60);
        assert_eq!(
            failures.failed(address, later),
            Verdict::Slowed(Duration::ZERO)
        );
        for _ in 0..5 {
            failures.failed(address, later);
        }
        assert_eq!(failures.failed(address, later), Verdict::Slowed(MAX_DELAY));
    }
}
