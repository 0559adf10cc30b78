//! An identity provider's signing keys: a JSON Web Key Set (RFC 7517 §5) read from
//! `PRICELINE_JWT_JWKS_URL` (https, or a `file://` copy for tests and air-gapped sites), held in
//! memory and chosen by `kid`.
//!
//! Providers rotate keys by publishing the next one before signing with it, so a token naming a
//! `kid` we do not hold makes us fetch the set again, at most once per refetch interval (a minute by
//! default): a stream of made-up `kid`s cannot turn into a stream of requests to the provider. The
//! fetch runs on the blocking pool, never on an HTTP worker, and the https client has a deadline.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};

/// Where the key set comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    Https(url::Url),
    File(PathBuf),
}

/// A JWKS is a few kilobytes; anything far larger is not one.
const MAX_JWKS_BYTES: u64 = 1 << 20;
/// How long a fetch over https may take in all (connect, TLS, response).
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Keys a provider has withdrawn are dropped on the next fetch; without unknown `kid`s that fetch
/// would never come, so a set older than this is fetched again (and kept if that fails).
const MAX_AGE: Duration = Duration::from_secs(3600);

impl JwksSource {
    /// `https://…` or `file:///absolute/path`; any other scheme is refused (plain http would let
    /// anyone on the path swap the keys).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let url = url::Url::parse(text).map_err(|error| {
            format!("{text:?} is not a URL ({error}); give an https:// URL or a file:// path")
        })?;
        match url.scheme() {
            "https" => Ok(Self::Https(url)),
            "file" => url.to_file_path().map(Self::File).map_err(|()| {
                format!("{text:?} is not a local file URL such as file:///etc/priceline/jwks.json")
            }),
            other => Err(format!(
                "the scheme {other}: is not accepted; give an https:// URL (or file:// for a local copy)"
            )),
        }
    }

    /// The set's text, from the provider or the file. Blocking.
    fn read(&self) -> Result<String, String> {
        match self {
            Self::File(path) => {
                let metadata = std::fs::metadata(path)
                    .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
                if metadata.len() > MAX_JWKS_BYTES {
                    return Err(format!(
                        "{} is larger than {MAX_JWKS_BYTES} bytes: not a JWKS",
                        path.display()
                    ));
                }
                std::fs::read_to_string(path)
                    .map_err(|error| format!("cannot read {}: {error}", path.display()))
            }
            Self::Https(url) => {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    // A redirect may not downgrade to plain http.
                    .https_only(true)
                    .http_status_as_error(false)
                    .timeout_global(Some(FETCH_TIMEOUT))
                    .build()
                    .into();
                let mut response = agent
                    .get(url.as_str())
                    .header("Accept", "application/json")
                    .call()
                    .map_err(|error| format!("cannot fetch {url}: {error}"))?;
                let status = response.status();
                if !status.is_success() {
                    return Err(format!("{url} answered HTTP {}", status.as_u16()));
                }
                response
                    .body_mut()
                    .with_config()
                    .limit(MAX_JWKS_BYTES)
                    .read_to_string()
                    .map_err(|error| format!("cannot read the JWKS from {url}: {error}"))
            }
        }
    }
}

impl std::fmt::Display for JwksSource {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Https(url) => write!(formatter, "{url}"),
            Self::File(path) => write!(formatter, "file://{}", path.display()),
        }
    }
}

/// One verification key and the algorithms it may be used with.
pub struct SigningKey {
    pub key: DecodingKey,
    /// The JWK's own `alg` when it names one; otherwise every algorithm of its key type (RSA: RS*
    /// and PS*; P-256: ES256; P-384: ES384; Ed25519: EdDSA).
    pub algorithms: Vec<Algorithm>,
}

/// The keys by `kid`.
type Keys = HashMap<String, Arc<SigningKey>>;

struct Held {
    keys: Keys,
    fetched: Option<Instant>,
}

/// The cached set, shared by every worker.
pub struct Jwks {
    source: JwksSource,
    refetch_interval: Duration,
    held: RwLock<Held>,
    /// When the set was last fetched or tried: the rate limit on refetches.
    last_attempt: Mutex<Option<Instant>>,
    /// One refetch at a time; requests that need it wait on it without holding a worker thread.
    refetching: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Jwks")
            .field("source", &self.source)
            .field("refetch_interval", &self.refetch_interval)
            .finish_non_exhaustive()
    }
}

impl Jwks {
    pub fn new(source: JwksSource, refetch_interval: Duration) -> Self {
        Self {
            source,
            refetch_interval,
            held: RwLock::new(Held {
                keys: Keys::new(),
                fetched: None,
            }),
            last_attempt: Mutex::new(None),
            refetching: tokio::sync::Mutex::new(()),
        }
    }

    pub fn source(&self) -> &JwksSource {
        &self.source
    }

    /// Fetches the set now (at start-up), blocking. Returns how many usable keys it holds.
    pub fn load(&self) -> Result<usize, String> {
        self.note_attempt();
        let keys = parse(&self.source.read()?)?;
        let count = keys.len();
        self.install(keys);
        Ok(count)
    }

    /// The key named `kid`, when the set holds it.
    pub fn key(&self, kid: &str) -> Option<Arc<SigningKey>> {
        self.held
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .keys
            .get(kid)
            .cloned()
    }

    /// Whether a request naming `kid` should wait for a refetch: the `kid` is unknown or the set is
    /// old, and the last attempt is longer ago than the refetch interval.
    pub fn wants_refetch(&self, kid: &str) -> bool {
        let (known, fresh) = {
            let held = self
                .held
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            (
                held.keys.contains_key(kid),
                held.fetched.is_some_and(|at| at.elapsed() < MAX_AGE),
            )
        };
        if known && fresh {
            return false;
        }
        self.last_attempt
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_none_or(|at| at.elapsed() >= self.refetch_interval)
    }

    /// Fetches the set again when [`Self::wants_refetch`] says so, on the blocking pool. A failed
    /// fetch keeps the keys held (the provider being down must not lock out valid tokens).
    pub async fn refetch_for(self: &Arc<Self>, kid: &str) {
        let _one_at_a_time = self.refetching.lock().await;
        // Another request may have fetched while this one waited.
        if !self.wants_refetch(kid) {
            return;
        }
        self.note_attempt();
        let jwks = Arc::clone(self);
        let fetched =
            actix_web::rt::task::spawn_blocking(move || parse(&jwks.source.read()?)).await;
        match fetched {
            Ok(Ok(keys)) => {
                tracing::info!(source = %self.source, keys = keys.len(), "JWKS fetched again");
                self.install(keys);
            }
            Ok(Err(reason)) => {
                tracing::warn!(source = %self.source, %reason, "JWKS refetch failed; keeping the keys held");
            }
            Err(error) => {
                tracing::warn!(source = %self.source, %error, "JWKS refetch did not finish");
            }
        }
    }

    fn note_attempt(&self) {
        *self
            .last_attempt
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
    }

    fn install(&self, keys: Keys) {
        let mut held = self
            .held
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        held.keys = keys;
        held.fetched = Some(Instant::now());
    }
}

/// The usable signing keys of a JWKS document. Keys this server cannot use (encryption keys,
/// symmetric `oct` keys, which have no place in a published set, unknown key types, keys without a
/// `kid`) are skipped; a set left with none is an error.
fn parse(text: &str) -> Result<Keys, String> {
    let document: serde_json::Value =
        serde_json::from_str(text).map_err(|error| format!("the JWKS is not JSON: {error}"))?;
    let Some(entries) = document.get("keys").and_then(serde_json::Value::as_array) else {
        return Err("the document is not a JWKS (it has no \"keys\" array)".to_owned());
    };
    let mut keys = Keys::new();
    for entry in entries {
        let Ok(jwk) = serde_json::from_value::<Jwk>(entry.clone()) else {
            continue;
        };
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        if matches!(jwk.common.public_key_use, Some(ref usage) if *usage != PublicKeyUse::Signature)
        {
            continue;
        }
        let Ok(key) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        let algorithms: Vec<Algorithm> = algorithms_of(&jwk)
            .into_iter()
            .filter(|algorithm| algorithm.family() == key.family())
            .collect();
        if algorithms.is_empty() || key.family() == AlgorithmFamily::Hmac {
            continue;
        }
        keys.entry(kid)
            .or_insert_with(|| Arc::new(SigningKey { key, algorithms }));
    }
    if keys.is_empty() {
        return Err(
            "the JWKS holds no signing key this server can use (RSA, EC P-256/P-384 or Ed25519, \
             each with a kid)"
                .to_owned(),
        );
    }
    Ok(keys)
}

fn algorithms_of(jwk: &Jwk) -> Vec<Algorithm> {
    if let Some(named) = jwk.common.key_algorithm {
        return Algorithm::try_from(named).into_iter().collect();
    }
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => AlgorithmFamily::Rsa.algorithms().to_vec(),
        AlgorithmParameters::EllipticCurve(parameters) => match parameters.curve {
            EllipticCurve::P256 => vec![Algorithm::ES256],
            EllipticCurve::P384 => vec![Algorithm::ES384],
            _ => Vec::new(),
        },
        AlgorithmParameters::OctetKeyPair(parameters)
            if parameters.curve == EllipticCurve::Ed25519 =>
        {
            vec![Algorithm::EdDSA]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_and_file_urls_are_sources() {
        assert!(matches!(
            JwksSource::parse("https://login.example/keys"),
            Ok(JwksSource::Https(_))
        ));
        assert_eq!(
            JwksSource::parse("file:///etc/priceline/jwks.json"),
            Ok(JwksSource::File(PathBuf::from("/etc/priceline/jwks.json")))
        );
        for refused in [
            "http://login.example/keys",
            "ftp://x/y",
            "/etc/jwks.json",
            "jwks",
        ] {
            assert!(JwksSource::parse(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn unusable_keys_are_skipped_and_an_empty_set_refused() {
        // An Ed25519 public key (RFC 8037 A.2) beside keys that cannot be used for signatures here.
        let text = r#"{"keys":[
            {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"ed"},
            {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty":"oct","k":"c2VjcmV0","kid":"shared"},
            {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"enc","use":"enc"},
            {"kty":"XYZ","kid":"odd"}
        ]}"#;
        let keys = parse(text).unwrap();
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["ed"]);
        assert_eq!(keys["ed"].algorithms, [Algorithm::EdDSA]);
        assert!(parse(r#"{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"shared"}]}"#).is_err());
        assert!(parse(r#"{"not":"a set"}"#).is_err());
        assert!(parse("<html>").is_err());
    }
}
