//! One tier's budgets: a keyed `governor` rate limiter (GCRA, the token bucket's equivalent) with
//! one state per client, reached through actix-governor's re-export. The rate limiter builds one per
//! tier, once per process before the workers start, and every worker checks the same one: a budget
//! is the same whichever worker takes a request (a limiter per worker would multiply every limit by
//! the number of workers).
//!
//! What a check says about the budget, and how exactly (governor exposes the outcome of a check, not
//! the client's state itself):
//! - `remaining` is exact: governor's `remaining_burst_capacity`, the whole requests left.
//! - on a refusal, `retry_in` is exact (`NotUntil::wait_time_from` now) and so is `full_in`: the
//!   wait plus `burst - 1` replenish intervals, as GCRA lets the burst through only once the
//!   theoretical arrival time is that far ahead.
//! - on a success, `full_in` is an upper bound: `burst - remaining` replenish intervals, more than the
//!   true time by less than one interval (the part of the next request already refilled is not
//!   exposed). `retry_in` is zero while a request is left, else one interval (the same bound).

use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_governor::governor;
use governor::RateLimiter;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;

use super::quota::Quota;

/// What spending one request of a client's budget came to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// The request may go on.
    pub allowed: bool,
    /// Whole requests left after this one.
    pub remaining: u32,
    /// Until the budget is full again.
    pub full_in: Duration,
    /// Until the next request would be allowed (zero when one would be now).
    pub retry_in: Duration,
}

/// The clients of one tier, each with its own budget under the tier's quota.
pub struct TierLimiter<K: Hash + Eq + Clone, C: Clock = DefaultClock> {
    limiter: RateLimiter<K, DashMapStateStore<K>, C, StateInformationMiddleware>,
    /// The time one request takes to come back.
    interval: Duration,
    burst: u32,
}

impl<K: Hash + Eq + Clone> TierLimiter<K> {
    pub fn new(quota: Quota) -> Self {
        Self::with_clock(quota, DefaultClock::default())
    }
}

impl<K: Hash + Eq + Clone, C: Clock> TierLimiter<K, C> {
    pub fn with_clock(quota: Quota, clock: C) -> Self {
        let quota = governed(quota);
        Self {
            limiter: RateLimiter::dashmap_with_clock(quota, clock)
                .with_middleware::<StateInformationMiddleware>(),
            interval: quota.replenish_interval(),
            burst: quota.burst_size().get(),
        }
    }

    /// Spends one request of `key`'s budget (a client not seen lately starts with a full one).
    pub fn check(&self, key: &K) -> Outcome {
        match self.limiter.check_key(key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Outcome {
                    allowed: true,
                    remaining,
                    full_in: self.interval * self.burst.saturating_sub(remaining),
                    retry_in: if remaining > 0 {
                        Duration::ZERO
                    } else {
                        self.interval
                    },
                }
            }
            Err(refusal) => {
                let retry_in = refusal.wait_time_from(self.limiter.clock().now());
                Outcome {
                    allowed: false,
                    remaining: 0,
                    full_in: retry_in + self.interval * (self.burst - 1),
                    retry_in,
                }
            }
        }
    }

    /// Forgets the clients whose budget is full again (governor's `retain_recent`: such a client is
    /// the same as one never seen), so the map holds only clients seen in the last moments.
    pub fn forget_full(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// Clients with a budget in the map.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.limiter.len()
    }
}

/// The quota as governor states it: one request back every `period / count` (to the nanosecond),
/// `burst` at once. Parsed quotas are at least 1 request per hour and at most a million per second.
fn governed(quota: Quota) -> governor::Quota {
    let interval = (quota.period / quota.count.max(1)).max(Duration::from_nanos(1));
    let burst = NonZeroU32::new(quota.burst).unwrap_or(NonZeroU32::MIN);
    governor::Quota::with_period(interval)
        .unwrap_or_else(|| governor::Quota::per_second(NonZeroU32::MAX))
        .allow_burst(burst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    #[test]
    fn a_budget_empties_refuses_and_refills_at_its_rate() {
        let clock = FakeRelativeClock::default();
        let limiter = TierLimiter::with_clock(Quota::per_second(2, 3), clock.clone());
        let outcomes: Vec<Outcome> = (0..4).map(|_| limiter.check(&"a")).collect();
        assert_eq!(
            outcomes.iter().map(|o| o.allowed).collect::<Vec<_>>(),
            [true, true, true, false]
        );
        assert_eq!(
            outcomes.iter().map(|o| o.remaining).collect::<Vec<_>>(),
            [2, 1, 0, 0]
        );
        assert_eq!(outcomes[0].full_in, Duration::from_millis(500));
        assert_eq!(outcomes[2].full_in, Duration::from_millis(1500));
        let refused = outcomes[3];
        assert_eq!(refused.retry_in, Duration::from_millis(500));
        assert_eq!(refused.full_in, Duration::from_millis(1500));
        // Another client has its own budget.
        assert!(limiter.check(&"b").allowed);
        // Some time later the refusal's wait is shorter by as much, exactly.
        clock.advance(Duration::from_millis(200));
        let refused = limiter.check(&"a");
        assert!(!refused.allowed);
        assert_eq!(refused.retry_in, Duration::from_millis(300));
        assert_eq!(refused.full_in, Duration::from_millis(1300));
        // Half a second after the burst one request is back, and only one.
        clock.advance(Duration::from_millis(300));
        let back = limiter.check(&"a");
        assert!(back.allowed);
        assert_eq!(back.remaining, 0);
        assert_eq!(back.full_in, Duration::from_millis(1500));
        assert!(!limiter.check(&"a").allowed);
        // Long idle: full again, never above the burst.
        clock.advance(Duration::from_secs(60));
        assert_eq!(limiter.check(&"a").remaining, 2);
    }

    #[test]
    fn a_success_states_the_time_until_full_at_most_one_interval_over() {
        let clock = FakeRelativeClock::default();
        let limiter = TierLimiter::with_clock(Quota::per_second(2, 3), clock.clone());
        limiter.check(&"a");
        // A quarter second on, half of the spent request is back: full in 750 ms, stated as 1 s.
        clock.advance(Duration::from_millis(250));
        let outcome = limiter.check(&"a");
        assert_eq!(outcome.remaining, 1);
        assert_eq!(outcome.full_in, Duration::from_millis(1000));
    }

    #[test]
    fn quotas_per_minute_and_hour_refill_one_request_per_share_of_the_period() {
        let clock = FakeRelativeClock::default();
        let limiter = TierLimiter::with_clock(
            Quota {
                count: 36,
                period: Duration::from_secs(3600),
                burst: 2,
            },
            clock.clone(),
        );
        assert!(limiter.check(&1).allowed);
        assert!(limiter.check(&1).allowed);
        let refused = limiter.check(&1);
        assert_eq!(refused.retry_in, Duration::from_secs(100));
        assert_eq!(refused.full_in, Duration::from_secs(200));
        clock.advance(Duration::from_secs(100));
        assert!(limiter.check(&1).allowed);
    }

    #[test]
    fn full_budgets_are_forgotten() {
        let clock = FakeRelativeClock::default();
        // One request back every 100 ms: a client that spent one is full again 100 ms later.
        let limiter = TierLimiter::with_clock(Quota::per_second(10, 10), clock.clone());
        for client in 0..100 {
            limiter.check(&client);
        }
        clock.advance(Duration::from_millis(50));
        for client in 100..150 {
            limiter.check(&client);
        }
        limiter.forget_full();
        assert_eq!(limiter.len(), 150, "none is full yet");
        clock.advance(Duration::from_millis(170));
        limiter.forget_full();
        assert_eq!(limiter.len(), 50, "the first hundred are full again");
        assert!(limiter.check(&0).allowed && limiter.check(&0).remaining == 8);
    }
}
