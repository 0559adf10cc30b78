//! Rate-limit quotas and the tiers that name them, as `PRICELINE_RATE_LIMIT_TIERS` states them:
//! `NAME=COUNT/UNIT[:BURST]` entries separated by commas, such as
//! `free=10/s:20,partner=200/s:400,anonymous=60/m:10`. `COUNT` requests per `UNIT` (`s`, `m` or
//! `h`) are added back to a client's bucket, which holds `BURST` requests (`COUNT` when left out).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The tier of authenticated callers whose credential names none (or names one not configured):
/// `PRICELINE_RATE_LIMIT_PER_SECOND` and `_BURST` give its quota.
pub const DEFAULT_TIER: &str = "default";
/// The tier of requests without an accepted credential, budgeted per address.
pub const ANONYMOUS_TIER: &str = "anonymous";

/// A token bucket: `burst` requests at once, refilled with `count` requests every `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub count: u32,
    pub period: Duration,
    pub burst: u32,
}

impl Quota {
    pub fn per_second(count: u32, burst: u32) -> Self {
        Self {
            count,
            period: Duration::from_secs(1),
            burst,
        }
    }

    /// Requests added back per second.
    pub fn rate(&self) -> f64 {
        f64::from(self.count) / self.period.as_secs_f64()
    }

    /// Whole seconds an empty bucket takes to fill: the window the `RateLimit-Policy` field states
    /// (`burst` requests per this window is the sustained rate, give or take rounding).
    pub fn window_seconds(&self) -> u64 {
        ((f64::from(self.burst) / self.rate()).ceil() as u64).max(1)
    }
}

/// Tier names are quoted into the `RateLimit` fields and logged: short, and nothing to escape.
pub fn check_tier_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "the tier name {name:?} must be 1 to 32 letters, digits, '-', '_' or '.'"
        ))
    }
}

/// The tiers configured by name (`anonymous` among them when given). The default tier is not
/// among them: its quota has settings of its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tiers(BTreeMap<Arc<str>, Quota>);

impl Tiers {
    /// Parses the setting; the error names the entry at fault and the expected form.
    pub fn parse(text: &str) -> Result<Self, String> {
        const FORM: &str = "NAME=COUNT/UNIT[:BURST] with UNIT s, m or h, such as free=10/s:20";
        let mut tiers = BTreeMap::new();
        for (index, entry) in text.split(',').map(str::trim).enumerate() {
            let position = index + 1;
            if entry.is_empty() {
                return Err(format!(
                    "entry {position} is empty (entries are {FORM}, separated by commas)"
                ));
            }
            let Some((name, quota)) = entry.split_once('=') else {
                return Err(format!("entry {position} ({entry:?}) is not {FORM}"));
            };
            let name = name.trim();
            check_tier_name(name).map_err(|reason| format!("entry {position}: {reason}"))?;
            if name == DEFAULT_TIER {
                return Err(format!(
                    "entry {position}: the default tier's quota is set by \
                     PRICELINE_RATE_LIMIT_PER_SECOND and PRICELINE_RATE_LIMIT_BURST"
                ));
            }
            let quota = parse_quota(quota.trim())
                .ok_or_else(|| format!("entry {position} ({entry:?}) is not {FORM}"))?;
            if tiers.insert(Arc::from(name), quota).is_some() {
                return Err(format!("entry {position}: the tier {name} is named twice"));
            }
        }
        Ok(Self(tiers))
    }

    pub fn get(&self, name: &str) -> Option<Quota> {
        self.0.get(name).copied()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The configured tiers with their quotas.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &Quota)> {
        self.0.iter()
    }
}

/// `COUNT/UNIT[:BURST]`, every number at least 1 and at most a million.
fn parse_quota(text: &str) -> Option<Quota> {
    let number = |text: &str| {
        text.trim()
            .parse::<u32>()
            .ok()
            .filter(|value| (1..=1_000_000).contains(value))
    };
    let (rate, burst) = match text.split_once(':') {
        Some((rate, burst)) => (rate, Some(number(burst)?)),
        None => (text, None),
    };
    let (count, unit) = rate.split_once('/')?;
    let count = number(count)?;
    let seconds = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return None,
    };
    Some(Quota {
        count,
        period: Duration::from_secs(seconds),
        burst: burst.unwrap_or(count),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_parse_and_state_their_windows() {
        let tiers = Tiers::parse("free=10/s:20, partner = 200/s:400,anonymous=60/m").unwrap();
        let free = tiers.get("free").unwrap();
        assert_eq!(free, Quota::per_second(10, 20));
        assert_eq!(free.window_seconds(), 2);
        let anonymous = tiers.get(ANONYMOUS_TIER).unwrap();
        assert_eq!(anonymous.burst, 60);
        assert!((anonymous.rate() - 1.0).abs() < 1e-9);
        assert_eq!(anonymous.window_seconds(), 60);
        assert_eq!(tiers.get("partner").unwrap().burst, 400);
        assert!(tiers.get("gold").is_none());
        let hourly = Tiers::parse("batch=36/h:2").unwrap().get("batch").unwrap();
        assert_eq!(hourly.window_seconds(), 200);
    }

    #[test]
    fn malformed_tiers_are_refused_naming_the_entry() {
        for (text, says) in [
            ("", "entry 1 is empty"),
            ("free=10/s,", "entry 2 is empty"),
            ("free", "entry 1"),
            ("free=10", "entry 1"),
            ("free=10/d", "entry 1"),
            ("free=0/s", "entry 1"),
            ("free=10/s:0", "entry 1"),
            ("free=ten/s", "entry 1"),
            ("free=10/s:20:30", "entry 1"),
            ("free=1/s,free=2/s", "named twice"),
            ("default=1/s", "PRICELINE_RATE_LIMIT_PER_SECOND"),
            ("gold tier=1/s", "tier name"),
            ("\"x\"=1/s", "tier name"),
        ] {
            let error = Tiers::parse(text).unwrap_err();
            assert!(error.contains(says), "{text:?}: {error}");
        }
    }
}
