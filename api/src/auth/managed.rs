//! Managed API keys: their shape, how they are made, and the rules shared by `priceline keys` and
//! `/v1/admin/keys` (names, scopes, tiers, expiry, grace periods), so both refuse the same input
//! with the same words.
//!
//! A key is `pl_live_<8 hex>_<43 base64url>`: the first 16 characters are its public prefix (stored,
//! shown in lists and logs), the rest 256 random bits. The store keeps the SHA-256 of the whole key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use priceline_domain::ApiKey;
use subtle::ConstantTimeEq;

use super::api_key::{check_name, hash_hex};
use super::scope::{Scope, Scopes};

/// What every managed key (and so every prefix) starts with.
pub const KEY_START: &str = "pl_live_";

/// `pl_live_` and 8 hexadecimal digits.
pub const PREFIX_LEN: usize = KEY_START.len() + 8;

/// The longest grace period a rotation may give: a year.
pub const MAX_GRACE_SECONDS: i64 = 366 * 86_400;

/// A key just made: the whole key (shown once), and the record the store keeps.
pub struct NewKey {
    pub secret: String,
    pub record: ApiKey,
}

/// What a new key grants and is called; checked by [`KeySpec::check`].
#[derive(Debug, Clone)]
pub struct KeySpec {
    pub name: String,
    pub scopes: Scopes,
    pub tier: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Refused input: the field at fault (as the HTTP API names it) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub reason: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.field, self.reason)
    }
}

fn refuse(field: &'static str, reason: impl Into<String>) -> Refusal {
    Refusal {
        field,
        reason: reason.into(),
    }
}

/// The prefix of a presented key, when it has a managed key's shape.
pub fn prefix_of(presented: &str) -> Option<&str> {
    let prefix = presented.get(..PREFIX_LEN)?;
    let digits = prefix.strip_prefix(KEY_START)?;
    let shaped = digits
        .bytes()
        .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
        && presented.as_bytes().get(PREFIX_LEN) == Some(&b'_')
        && presented.len() > PREFIX_LEN + 1;
    shaped.then_some(prefix)
}

/// Whether `text` is a key prefix (`pl_live_` and 8 lowercase hexadecimal digits).
pub fn is_prefix(text: &str) -> bool {
    text.len() == PREFIX_LEN
        && text.strip_prefix(KEY_START).is_some_and(|digits| {
            digits
                .bytes()
                .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
        })
}

/// Whether `presented` is this key, compared in constant time.
pub fn matches(key: &ApiKey, presented: &str) -> bool {
    let digest = hash_hex(presented);
    digest.len() == key.secret_hash.len()
        && bool::from(digest.as_bytes().ct_eq(key.secret_hash.as_bytes()))
}

/// The scopes a stored key grants (names this build does not know grant nothing).
pub fn scopes_of(key: &ApiKey) -> Scopes {
    Scopes::from_claim(&key.scopes.join(" "))
}

fn random<const N: usize>() -> Result<[u8; N], Refusal> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| {
        refuse(
            "key",
            format!("the operating system's random number generator failed: {error}"),
        )
    })?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl KeySpec {
    /// Checks the parts given as text (the CLI's arguments, the HTTP body's fields).
    pub fn parse(
        name: &str,
        scopes: &[String],
        tier: Option<&str>,
        expires: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Self, Refusal> {
        check_name(name).map_err(|reason| refuse("name", reason))?;
        if scopes.is_empty() {
            return Err(refuse(
                "scopes",
                format!("name at least one scope: {}", known_scopes()),
            ));
        }
        let mut granted = Scopes::default();
        for scope in scopes {
            let parsed = Scope::parse(scope.trim()).ok_or_else(|| {
                refuse(
                    "scopes",
                    format!("{scope:?} is not a scope; use {}", known_scopes()),
                )
            })?;
            granted = granted.with(parsed);
        }
        let tier = tier
            .map(|tier| {
                check_name(tier)
                    .map(|()| tier.to_owned())
                    .map_err(|reason| refuse("tier", reason.replace("name", "tier")))
            })
            .transpose()?;
        let expires_at = expires.map(|text| parse_expiry(text, now)).transpose()?;
        Ok(Self {
            name: name.to_owned(),
            scopes: granted,
            tier,
            expires_at,
        })
    }

    /// A new key with these properties.
    pub fn generate(&self, now: DateTime<Utc>) -> Result<NewKey, Refusal> {
        let id = hex(&random::<16>()?);
        let prefix = format!("{KEY_START}{}", hex(&random::<4>()?));
        let secret = format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(random::<32>()?));
        let record = ApiKey {
            id,
            name: self.name.clone(),
            prefix,
            secret_hash: hash_hex(&secret),
            scopes: self.scopes.names().map(str::to_owned).collect(),
            tier: self.tier.clone(),
            expires_at: self.expires_at,
            created_at: now,
            revoked_at: None,
            successor_id: None,
            grace_ends_at: None,
        };
        Ok(NewKey { secret, record })
    }

    /// The properties of `key`, for its successor.
    pub fn of(key: &ApiKey) -> Self {
        Self {
            name: key.name.clone(),
            scopes: scopes_of(key),
            tier: key.tier.clone(),
            expires_at: key.expires_at,
        }
    }
}

fn known_scopes() -> String {
    let names: Vec<&str> = Scope::ALL.iter().map(|scope| scope.as_str()).collect();
    names.join(", ")
}

/// An expiry: an RFC 3339 time (`2027-01-31T00:00:00Z`) or a date (`2027-01-31`, the start of
/// that day in UTC); it must be in the future.
pub fn parse_expiry(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Refusal> {
    let text = text.trim();
    let at = DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|date| date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .map_err(|_| {
            refuse(
                "expires_at",
                format!("{text:?} is neither a date (2027-01-31) nor an RFC 3339 time (2027-01-31T12:00:00Z)"),
            )
        })?;
    if at <= now {
        return Err(refuse("expires_at", format!("{text} is not in the future")));
    }
    Ok(at)
}

/// A grace period: a whole number followed by `s`, `m`, `h` or `d` (`0s` ends the old key at once),
/// at most a year.
pub fn parse_grace(text: &str) -> Result<chrono::Duration, Refusal> {
    let text = text.trim();
    let refused = || {
        refuse(
            "grace",
            format!(
                "{text:?} is not a duration such as 30m, 24h or 7d (a whole number and s, m, h or d; at most 366d)"
            ),
        )
    };
    let unit = text.chars().last().ok_or_else(refused)?;
    let count: i64 = text[..text.len() - unit.len_utf8()]
        .parse()
        .map_err(|_| refused())?;
    let seconds = match unit {
        's' => Some(count),
        'm' => count.checked_mul(60),
        'h' => count.checked_mul(3600),
        'd' => count.checked_mul(86_400),
        _ => None,
    }
    .filter(|seconds| (0..=MAX_GRACE_SECONDS).contains(seconds))
    .ok_or_else(refused)?;
    Ok(chrono::Duration::seconds(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_has_its_prefix_and_only_its_hash_is_kept() {
        let now = Utc::now();
        let spec = KeySpec::parse("ops", &["prices:read".to_owned()], None, None, now).unwrap();
        let new = spec.generate(now).unwrap();
        assert_eq!(prefix_of(&new.secret), Some(new.record.prefix.as_str()));
        assert!(is_prefix(&new.record.prefix));
        assert!(matches(&new.record, &new.secret));
        assert!(!matches(&new.record, &format!("{}x", new.secret)));
        assert!(
            !new.record
                .secret_hash
                .contains(&new.secret[PREFIX_LEN + 1..])
        );
        assert_eq!(new.record.scopes, ["prices:read"]);
        assert_eq!(prefix_of("plk_other"), None);
        assert_eq!(prefix_of("pl_live_ABCDEF12_x"), None);
    }

    #[test]
    fn bad_input_names_its_field() {
        let now = Utc::now();
        let field = |name: &str, scopes: &[&str], tier, expires| {
            let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
            KeySpec::parse(name, &scopes, tier, expires, now)
                .unwrap_err()
                .field
        };
        assert_eq!(field("bad name", &["admin"], None, None), "name");
        assert_eq!(field("ok", &[], None, None), "scopes");
        assert_eq!(field("ok", &["prices:write"], None, None), "scopes");
        assert_eq!(field("ok", &["admin"], Some("a b"), None), "tier");
        assert_eq!(
            field("ok", &["admin"], None, Some("2001-01-01")),
            "expires_at"
        );
        assert_eq!(field("ok", &["admin"], None, Some("soon")), "expires_at");
        assert_eq!(parse_grace("24h").unwrap().num_seconds(), 86_400);
        assert_eq!(parse_grace("0s").unwrap().num_seconds(), 0);
        for bad in ["", "h", "-1h", "10y", "400d", "1.5h"] {
            assert_eq!(parse_grace(bad).unwrap_err().field, "grace", "{bad}");
        }
    }
}
