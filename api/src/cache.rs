//! Responses of the read API kept in memory until the data changes.
//!
//! Every price and facility resource is a pure function of its URL and of the imported data, and the
//! data changes only when an import commits. So a response is kept under its URL together with the
//! data version it was computed at, and served again while that version is current. The version is
//! re-read from the database at most every [`VERSION_CHECK_INTERVAL`], by one request at a time; an
//! import therefore shows within that interval, and no request waits on more than that one query.
//!
//! The version is taken *before* the response is computed: a response computed while an import
//! commits is stored under the older version and dropped at the next check, never served as new.
//!
//! Concurrent misses of one URL are computed once: the first request computes, the others wait for
//! it and are then served its response. Right after an import empties the cache, 32 clients asking
//! for a common code's statistics cost one computation, not 32.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use lru::LruCache;
use priceline_store::queries::DataVersion;
use tokio::sync::watch;

/// How stale a response may be after an import commits.
pub const VERSION_CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// Larger bodies (deep exports of 1000-line pages) are not worth the memory.
const MAX_ENTRY_BYTES: usize = 1 << 20;

/// A successful response's body and content type (other headers are added by outer middleware).
pub struct CachedResponse {
    pub content_type: actix_web::http::header::HeaderValue,
    /// Its ETag, computed once when stored.
    pub etag: actix_web::http::header::HeaderValue,
    pub body: Bytes,
    /// The items of a list page, given again with a hit (the audit trail records it).
    pub result_count: Option<u64>,
    /// Its `Priceline-Data-Version`, given again with a hit.
    pub data_version: Option<actix_web::http::header::HeaderValue>,
}

struct Entries {
    /// The data version the entries were computed at; `None` until first read.
    version: Option<DataVersion>,
    checked_at: Option<Instant>,
    checking: bool,
    lru: LruCache<String, Arc<CachedResponse>>,
    bytes: usize,
    /// URLs being computed, each with a channel that closes when its computation ends.
    computing: HashMap<String, watch::Receiver<()>>,
}

/// The right to compute one URL's response; waiting requests wake when it is dropped.
pub struct Computing {
    _done: watch::Sender<()>,
}

pub struct ResponseCache {
    capacity_bytes: usize,
    entries: Mutex<Entries>,
}

/// What a request learns from the cache before computing its response.
pub enum Lookup {
    Hit(Arc<CachedResponse>),
    /// Not cached: compute it, store it under this version, then drop the [`Computing`].
    Miss(DataVersion, Computing),
    /// Another request is computing it: wait for the channel to close, then look up again.
    Wait(watch::Receiver<()>),
    /// The version is due for a check and this request does it, then looks up again with
    /// [`ResponseCache::lookup_checked`].
    Check,
    /// The cache is off, or the version is not known yet and another request is checking it.
    Bypass,
}

impl ResponseCache {
    /// A cache holding at most `capacity_bytes` of bodies; 0 turns it off.
    pub fn new(capacity_bytes: usize) -> Self {
        Self {
            capacity_bytes,
            entries: Mutex::new(Entries {
                version: None,
                checked_at: None,
                checking: false,
                lru: LruCache::unbounded(),
                bytes: 0,
                computing: HashMap::new(),
            }),
        }
    }

    fn entries(&self) -> MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves nothing half-updated that matters: entries are
        // whole values, so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What to do for `key`; at most one request at a time is told to check the version.
    pub fn lookup(&self, key: &str) -> Lookup {
        if self.capacity_bytes == 0 {
            return Lookup::Bypass;
        }
        let mut entries = self.entries();
        let due = entries
            .checked_at
            .is_none_or(|at| at.elapsed() >= VERSION_CHECK_INTERVAL);
        if due && !entries.checking {
            entries.checking = true;
            return Lookup::Check;
        }
        Self::find(&mut entries, key)
    }

    /// Like [`lookup`](Self::lookup) once this request has checked the version: never `Check`.
    pub fn lookup_checked(&self, key: &str) -> Lookup {
        if self.capacity_bytes == 0 {
            return Lookup::Bypass;
        }
        Self::find(&mut self.entries(), key)
    }

    fn find(entries: &mut Entries, key: &str) -> Lookup {
        let Some(version) = entries.version else {
            return Lookup::Bypass;
        };
        if let Some(hit) = entries.lru.get(key) {
            return Lookup::Hit(hit.clone());
        }
        // A closed channel is a computation that ended without storing (an error, say): take over.
        if let Some(running) = entries.computing.get(key)
            && running.has_changed().is_ok()
        {
            return Lookup::Wait(running.clone());
        }
        let (done, running) = watch::channel(());
        entries.computing.insert(key.to_owned(), running);
        Lookup::Miss(version, Computing { _done: done })
    }

    /// Records the version a checking request read (`None` when reading it failed), dropping every
    /// entry when it moved.
    pub fn checked(&self, version: Option<DataVersion>) {
        let mut entries = self.entries();
        entries.checking = false;
        let Some(version) = version else {
            return;
        };
        entries.checked_at = Some(Instant::now());
        if entries.version != Some(version) {
            entries.lru.clear();
            entries.bytes = 0;
            entries.version = Some(version);
        }
    }

    /// Keeps `response` for `key` if it was computed at the current version and fits.
    pub fn store(&self, key: String, version: DataVersion, response: CachedResponse) {
        let size = key.len() + response.body.len();
        if size > MAX_ENTRY_BYTES.min(self.capacity_bytes) {
            self.entries().computing.remove(&key);
            return;
        }
        let mut entries = self.entries();
        entries.computing.remove(&key);
        if entries.version != Some(version) {
            return;
        }
        if let Some(old) = entries.lru.put(key.clone(), Arc::new(response)) {
            entries.bytes -= key.len() + old.body.len();
        }
        entries.bytes += size;
        while entries.bytes > self.capacity_bytes {
            match entries.lru.pop_lru() {
                Some((evicted_key, evicted)) => {
                    entries.bytes -= evicted_key.len() + evicted.body.len();
                }
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;
    use priceline_store::queries::DataVersion;

    use super::*;

    fn body(size: usize) -> CachedResponse {
        CachedResponse {
            content_type: HeaderValue::from_static("application/json"),
            etag: HeaderValue::from_static("W/\"0\""),
            body: Bytes::from(vec![b'x'; size]),
            result_count: None,
            data_version: None,
        }
    }

    /// Takes the version check a fresh cache asks for, as the middleware does.
    fn checked(cache: &ResponseCache, version: DataVersion) {
        assert!(matches!(cache.lookup("any"), Lookup::Check));
        cache.checked(Some(version));
    }

    #[test]
    fn entries_are_served_until_the_version_moves() {
        let cache = ResponseCache::new(1024);
        let first = DataVersion::for_tests(1);
        checked(&cache, first);
        assert!(matches!(cache.lookup("/v1/a"), Lookup::Miss(v, _) if v == first));
        cache.store("/v1/a".into(), first, body(10));
        assert!(matches!(cache.lookup("/v1/a"), Lookup::Hit(hit) if hit.body.len() == 10));
        // A response computed at an older version is never stored.
        cache.store("/v1/b".into(), DataVersion::for_tests(0), body(10));
        assert!(matches!(cache.lookup("/v1/b"), Lookup::Miss(..)));
        // A new version empties the cache.
        cache.entries().checked_at = None;
        checked(&cache, DataVersion::for_tests(2));
        assert!(matches!(cache.lookup("/v1/a"), Lookup::Miss(..)));
    }

    #[test]
    fn the_least_recently_used_entries_go_first_when_full() {
        let cache = ResponseCache::new(100);
        let version = DataVersion::for_tests(1);
        checked(&cache, version);
        cache.store("/v1/a".into(), version, body(40));
        cache.store("/v1/b".into(), version, body(40));
        assert!(matches!(cache.lookup("/v1/a"), Lookup::Hit(_)));
        cache.store("/v1/c".into(), version, body(40));
        assert!(matches!(cache.lookup("/v1/a"), Lookup::Hit(_)));
        assert!(matches!(cache.lookup("/v1/b"), Lookup::Miss(..)));
        assert!(matches!(cache.lookup("/v1/c"), Lookup::Hit(_)));
        // Larger than the whole cache: not kept.
        cache.store("/v1/d".into(), version, body(200));
        assert!(matches!(cache.lookup("/v1/d"), Lookup::Miss(..)));
    }

    #[test]
    fn one_request_computes_while_the_others_wait() {
        let cache = ResponseCache::new(1024);
        let version = DataVersion::for_tests(1);
        checked(&cache, version);
        let Lookup::Miss(_, computing) = cache.lookup("/v1/a") else {
            panic!("the first request computes");
        };
        let Lookup::Wait(waiting) = cache.lookup("/v1/a") else {
            panic!("a second request waits");
        };
        cache.store("/v1/a".into(), version, body(10));
        drop(computing);
        assert!(waiting.has_changed().is_err(), "the waiter is woken");
        assert!(matches!(cache.lookup("/v1/a"), Lookup::Hit(_)));
        // A computation that ends without storing hands over to the next request.
        let Lookup::Miss(_, failed) = cache.lookup("/v1/b") else {
            panic!("computes");
        };
        drop(failed);
        assert!(matches!(cache.lookup("/v1/b"), Lookup::Miss(..)));
    }

    #[test]
    fn a_size_of_zero_turns_it_off() {
        assert!(matches!(
            ResponseCache::new(0).lookup("/v1/a"),
            Lookup::Bypass
        ));
    }
}
