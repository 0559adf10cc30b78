//! The token buckets of every client, one store per process: built once before the workers start
//! and shared by all of them, so a client's budget is the same whichever worker takes its request
//! (a store per worker would multiply every limit by the number of workers).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::quota::Quota;

/// Shards of the map, each behind its own lock, so workers rarely wait on each other.
const SHARDS: usize = 16;
/// How often a shard drops the buckets that have filled up again (a full bucket is the same as
/// none): the map holds only clients seen in the last moments, not every client ever seen.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// What taking one request from a bucket came to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// The request may go on.
    pub allowed: bool,
    /// Whole requests left in the bucket after this one.
    pub remaining: u32,
    /// Until the bucket is full again.
    pub full_in: Duration,
    /// Until the next request would be allowed (zero when one would be now).
    pub retry_in: Duration,
}

struct Bucket {
    tokens: f64,
    at: Instant,
    /// When the bucket is full again if nothing is taken: a full bucket can be forgotten.
    full_at: Instant,
}

struct Shard<K> {
    buckets: HashMap<K, Bucket>,
    pruned: Instant,
}

pub struct Buckets<K> {
    shards: Vec<Mutex<Shard<K>>>,
    hasher: RandomState,
}

impl<K: Hash + Eq> Buckets<K> {
    pub fn new() -> Self {
        let now = Instant::now();
        Self {
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        buckets: HashMap::new(),
                        pruned: now,
                    })
                })
                .collect(),
            hasher: RandomState::new(),
        }
    }

    /// Takes one request from `key`'s bucket under `quota` (a new client starts with a full one).
    pub fn take(&self, key: K, quota: Quota, now: Instant) -> Outcome {
        let index = (self.hasher.hash_one(&key) as usize) % SHARDS;
        // A poisoned lock only means another worker panicked mid-update of plain numbers.
        let mut shard = self.shards[index]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if now.saturating_duration_since(shard.pruned) >= PRUNE_EVERY {
            shard.buckets.retain(|_, bucket| bucket.full_at > now);
            shard.pruned = now;
        }
        let burst = f64::from(quota.burst.max(1));
        let rate = quota.rate();
        let bucket = shard.buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
            full_at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        // `min`: a quota lowered since (a key moved to a smaller tier) caps what is left.
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.at = now;
        let allowed = bucket.tokens >= 1.0;
        if allowed {
            bucket.tokens -= 1.0;
        }
        let full_in = Duration::from_secs_f64((burst - bucket.tokens) / rate);
        bucket.full_at = now + full_in;
        let retry_in = if bucket.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - bucket.tokens) / rate)
        };
        Outcome {
            allowed,
            remaining: bucket.tokens.floor() as u32,
            full_in,
            retry_in,
        }
    }

    /// Clients with a bucket now (for tests of the pruning).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                shard
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .buckets
                    .len()
            })
            .sum()
    }
}

impl<K: Hash + Eq> Default for Buckets<K> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_refuses_and_refills_at_its_rate() {
        let buckets = Buckets::new();
        let quota = Quota::per_second(2, 3);
        let start = Instant::now();
        let outcomes: Vec<Outcome> = (0..4).map(|_| buckets.take("a", quota, start)).collect();
        assert_eq!(
            outcomes.iter().map(|o| o.allowed).collect::<Vec<_>>(),
            [true, true, true, false]
        );
        assert_eq!(
            outcomes.iter().map(|o| o.remaining).collect::<Vec<_>>(),
            [2, 1, 0, 0]
        );
        let refused = outcomes[3];
        assert_eq!(refused.retry_in, Duration::from_millis(500));
        assert_eq!(refused.full_in, Duration::from_millis(1500));
        // Another client has its own bucket.
        assert!(buckets.take("b", quota, start).allowed);
        // Half a second later one request is back, and only one.
        let later = start + Duration::from_millis(500);
        assert!(buckets.take("a", quota, later).allowed);
        assert!(!buckets.take("a", quota, later).allowed);
        // Long idle: full again, never above the burst.
        let idle = later + Duration::from_secs(60);
        assert_eq!(buckets.take("a", quota, idle).remaining, 2);
    }

    #[test]
    fn full_buckets_are_forgotten() {
        let buckets = Buckets::new();
        let quota = Quota::per_second(10, 10);
        let start = Instant::now();
        for client in 0..100 {
            buckets.take(client, quota, start);
        }
        assert_eq!(buckets.len(), 100);
        let later = start + PRUNE_EVERY + Duration::from_secs(1);
        for client in 100..100 + SHARDS as u32 * 8 {
            buckets.take(client, quota, later);
        }
        assert!(buckets.len() < 100 + SHARDS * 8, "{}", buckets.len());
    }
}
