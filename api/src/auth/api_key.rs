//! API keys: the server holds only their SHA-256 hashes (`PRICELINE_API_KEYS`), so a leaked setting
//! or log line reveals no key. A presented key is hashed and compared against every entry in constant
//! time.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::scope::Scopes;
use super::tier::Tier;

/// What every generated key starts with, so a key found in a file or a log is recognisable.
pub const KEY_PREFIX: &str = "plk_";

/// The header that carries an API key.
pub const HEADER: &str = "X-API-Key";

struct Entry {
    name: Arc<str>,
    hash: [u8; 32],
    scopes: Scopes,
    /// The rate-limit tier the entry names, if any.
    tier: Option<Tier>,
}

/// The configured keys: names and hashes. Debug output shows the names only.
#[derive(Clone, Default)]
pub struct ApiKeys(Arc<[Entry]>);

impl fmt::Debug for ApiKeys {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_list()
            .entries(self.0.iter().map(|entry| &entry.name))
            .finish()
    }
}

impl ApiKeys {
    /// Parses comma-separated `name:sha256hex` entries, each optionally followed by `:` and the
    /// key's scopes joined by `+` (`ops:<hash>:prices:read+imports:write`), then optionally by `:`
    /// and the key's rate-limit tier (`ops:<hash>:prices:read:partner`; `ops:<hash>::partner` for
    /// the default scopes); an entry without a list grants `prices:read` only, an entry without a
    /// tier is in the default tier. The error says which entry is wrong and why,
    /// without echoing it: a pasted key in the wrong place must not end up in a log.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut entries: Vec<Entry> = Vec::new();
        for (index, item) in text.split(',').map(str::trim).enumerate() {
            let position = index + 1;
            // An empty entry is a list that lost a key on its way here: refused, as a malformed
            // credential setting must stop the server.
            if item.is_empty() {
                return Err(format!(
                    "entry {position} is empty (entries are name:sha256hex, separated by commas)"
                ));
            }
            let Some((name, hash)) = item.split_once(':') else {
                return Err(format!(
                    "entry {position} is not name:sha256hex (generate one with `priceline api-key NAME`)"
                ));
            };
            let name = name.trim();
            check_name(name).map_err(|reason| format!("entry {position}: {reason}"))?;
            // The hash is 64 hex digits: what follows its colon is the scope list, then the tier.
            let (hash, scopes, tier) = match hash.split_once(':') {
                Some((hash, rest)) => {
                    let (scopes, tier) = scopes_and_tier(rest)
                        .map_err(|reason| format!("entry {position} ({name}): {reason}"))?;
                    (hash, scopes, tier)
                }
                None => (hash, Scopes::DEFAULT_KEY, None),
            };
            let hash = decode_hash(hash.trim()).ok_or_else(|| {
                format!(
                    "entry {position} ({name}): the hash must be 64 hexadecimal digits (SHA-256)"
                )
            })?;
            if entries.iter().any(|entry| &*entry.name == name) {
                return Err(format!("entry {position}: the name {name} is used twice"));
            }
            entries.push(Entry {
                name: name.into(),
                hash,
                scopes,
                tier,
            });
        }
        Ok(Self(entries.into()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The tiers the entries name, to check against the configured ones.
    pub fn tiers(&self) -> impl Iterator<Item = (&str, &Tier)> {
        self.0
            .iter()
            .filter_map(|entry| Some((&*entry.name, entry.tier.as_ref()?)))
    }

    /// The rate-limit tier of the key `presented`, when it is one of ours and names one.
    pub fn tier_of_key(&self, presented: &[u8]) -> Option<Tier> {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        let mut found = None;
        for entry in self.0.iter() {
            if bool::from(entry.hash.ct_eq(&digest)) {
                found = entry.tier.clone();
            }
        }
        found
    }

    /// The name of the key `presented`, if it is one of ours. Every entry is compared, in constant
    /// time, whatever matches first.
    pub fn find(&self, presented: &[u8]) -> Option<Arc<str>> {
        self.find_with_scopes(presented).map(|(name, _)| name)
    }

    /// The name and scopes of the key `presented`, if it is one of ours.
    pub fn find_with_scopes(&self, presented: &[u8]) -> Option<(Arc<str>, Scopes)> {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        let mut found = None;
        for entry in self.0.iter() {
            if bool::from(entry.hash.ct_eq(&digest)) {
                found = Some((entry.name.clone(), entry.scopes));
            }
        }
        found
    }
}

/// What follows an entry's hash: `scopes`, `scopes:tier` or `:tier`. Scopes themselves hold a colon
/// (`prices:read`), so the tier is the part after the last colon only when the whole is not a
/// scope list.
fn scopes_and_tier(rest: &str) -> Result<(Scopes, Option<Tier>), String> {
    let whole = match Scopes::parse_list(rest) {
        Ok(scopes) => return Ok((scopes, None)),
        Err(reason) => reason,
    };
    let Some((list, tier)) = rest.rsplit_once(':') else {
        return Err(whole);
    };
    let scopes = if list.trim().is_empty() {
        Scopes::DEFAULT_KEY
    } else {
        // The error about the whole is the clearer one when the list is wrong too.
        Scopes::parse_list(list).map_err(|_| whole)?
    };
    let tier = tier.trim();
    crate::middleware::quota::check_tier_name(tier)?;
    Ok((scopes, Some(Tier(tier.into()))))
}

/// Key names become rate-limit keys and log fields: short, printable, no separators.
pub fn check_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "the name {name:?} must be 1 to 64 letters, digits, '-', '_' or '.'"
        ))
    }
}

fn decode_hash(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut hash = [0u8; 32];
    for (byte, pair) in hash.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(hash)
}

/// The lowercase hex SHA-256 of a key: what `PRICELINE_API_KEYS` holds for it.
pub fn hash_hex(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A new key: 32 bytes from the operating system's CSPRNG, base64url, behind [`KEY_PREFIX`].
pub fn generate() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_found_by_its_hash_only() {
        let key = generate().unwrap();
        assert!(
            key.starts_with(KEY_PREFIX) && key.len() == KEY_PREFIX.len() + 43,
            "{key}"
        );
        assert_ne!(key, generate().unwrap());
        let keys = ApiKeys::parse(&format!(
            "other:{}, reporting:{}",
            hash_hex("x"),
            hash_hex(&key)
        ))
        .unwrap();
        assert_eq!(keys.find(key.as_bytes()).as_deref(), Some("reporting"));
        assert_eq!(keys.find(b"x").as_deref(), Some("other"));
        assert_eq!(keys.find(b"plk_wrong"), None);
        assert_eq!(format!("{keys:?}"), r#"["other", "reporting"]"#);
    }

    #[test]
    fn malformed_entries_are_refused_without_echoing_them() {
        let secret = "plk_pastedTheKeyInsteadOfItsHash";
        for text in [
            secret.to_owned(),
            format!("name:{secret}"),
            format!("bad name:{}", hash_hex("k")),
            format!("a:{0},a:{0}", hash_hex("k")),
            format!(":{}", hash_hex("k")),
        ] {
            let error = ApiKeys::parse(&text).unwrap_err();
            assert!(!error.contains(secret), "{error}");
            assert!(error.contains("entry"), "{error}");
        }
        // Entries lost on the way (a blank list, a doubled comma) are refused, not skipped.
        assert!(ApiKeys::parse(" , ").is_err());
        // A scope list: known scopes joined by '+'; an unknown scope is refused without the hash.
        let keys = ApiKeys::parse(&format!(
            "ops:{}:prices:read+imports:write,plain:{}",
            hash_hex("o"),
            hash_hex("p")
        ))
        .unwrap();
        let (_, ops) = keys.find_with_scopes(b"o").unwrap();
        assert!(ops.grants(super::super::scope::Scope::ImportsWrite));
        let (_, plain) = keys.find_with_scopes(b"p").unwrap();
        assert_eq!(plain, Scopes::DEFAULT_KEY);
        let error = ApiKeys::parse(&format!("ops:{}:imports:delete", hash_hex("o"))).unwrap_err();
        assert!(
            error.contains("imports:delete") && !error.contains(&hash_hex("o")),
            "{error}"
        );
        assert!(ApiKeys::parse(&format!("a:{0},,b:{0}", hash_hex("k"))).is_err());
        // A tier after the scopes, or after an empty scope list; the key is found with it.
        let tiered = ApiKeys::parse(&format!(
            "ops:{}:prices:read+imports:write:partner,lite:{}::free,plain:{}",
            hash_hex("o"),
            hash_hex("l"),
            hash_hex("p")
        ))
        .unwrap();
        assert_eq!(tiered.tier_of_key(b"o"), Some(Tier("partner".into())));
        assert_eq!(tiered.tier_of_key(b"l"), Some(Tier("free".into())));
        assert_eq!(
            tiered.find_with_scopes(b"l").unwrap().1,
            Scopes::DEFAULT_KEY
        );
        assert!(
            tiered
                .find_with_scopes(b"o")
                .unwrap()
                .1
                .grants(super::super::scope::Scope::ImportsWrite)
        );
        assert_eq!(tiered.tier_of_key(b"p"), None);
        assert_eq!(tiered.tier_of_key(b"x"), None);
        let named: Vec<&str> = tiered.tiers().map(|(name, _)| name).collect();
        assert_eq!(named, ["ops", "lite"]);
        for bad in [":bad tier", ":prices:write:free", "::"] {
            let error = ApiKeys::parse(&format!("ops:{}{bad}", hash_hex("o"))).unwrap_err();
            assert!(error.contains("entry 1 (ops)"), "{bad}: {error}");
        }
        let upper = hash_hex("k").to_ascii_uppercase();
        assert!(
            ApiKeys::parse(&format!("k:{upper}"))
                .unwrap()
                .find(b"k")
                .is_some()
        );
    }
}
