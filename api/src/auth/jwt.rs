//! JWT bearer tokens: HS256 with a shared secret (`PRICELINE_JWT_SECRET`) and RS256/ES256/EdDSA
//! from an identity provider's JWKS (`PRICELINE_JWT_JWKS_URL`, [`super::jwks`]), either or both.
//! The token's algorithm must be on an explicit allow-list and match its key: HMAC tokens are only
//! ever checked with the secret and asymmetric ones only with a JWKS key of that type, so a token
//! "signed" with a public key as an HMAC secret, or with `alg: none`, never verifies. `exp` and
//! `sub` are required, `nbf` and `iat` judged, `iss`/`aud` checked when configured, all with one
//! leeway; the OAuth2 `scope` claim (or `scp`, or Entra ID's `roles`) says what the token may do
//! (checked per operation by [`super::AuthPolicy`]).

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, Validation};
use serde::Deserialize;

use super::jwks::Jwks;
use super::scope::Scopes;

/// HS256 keys shorter than the hash output are guessable (RFC 7518 §3.2).
pub const MIN_SECRET_BYTES: usize = 32;

/// Seconds of clock difference allowed between the issuer and this server, for `exp`, `nbf` and
/// `iat` alike, unless `PRICELINE_JWT_LEEWAY_SECONDS` says otherwise.
pub const DEFAULT_LEEWAY_SECONDS: u64 = 60;
/// A larger leeway would keep expired tokens alive for long.
pub const MAX_LEEWAY_SECONDS: u64 = 300;

/// What a JWKS is trusted for unless `PRICELINE_JWT_ALGORITHMS` says otherwise.
pub const DEFAULT_JWKS_ALGORITHMS: [Algorithm; 3] =
    [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

/// Why a token was refused (a 401: the token is not good).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Invalid(String),
}

/// How tokens are checked.
pub struct JwtOptions {
    /// The HMAC secret (`PRICELINE_JWT_SECRET`).
    pub secret: Option<Vec<u8>>,
    /// The identity provider's keys (`PRICELINE_JWT_JWKS_URL`).
    pub jwks: Option<Arc<Jwks>>,
    /// The allow-list: HMAC ones need the secret, the others the JWKS.
    pub algorithms: Vec<Algorithm>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub leeway_seconds: u64,
}

/// Checks tokens; the secret is held only as a decoding key and never shown.
#[derive(Clone)]
pub struct JwtVerifier(Arc<Inner>);

struct Inner {
    secret: Option<DecodingKey>,
    jwks: Option<Arc<Jwks>>,
    algorithms: Vec<Algorithm>,
    /// Every check but the algorithm, which is set per token to the one allowed for its key.
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
    leeway_seconds: u64,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("JwtVerifier")
            .field("secret", &self.0.secret.as_ref().map(|_| "<redacted>"))
            .field("jwks", &self.0.jwks)
            .field("algorithms", &self.0.algorithms)
            .field("issuer", &self.0.issuer)
            .field("audience", &self.0.audience)
            .field("leeway_seconds", &self.0.leeway_seconds)
            .finish()
    }
}

/// A scope claim: OAuth2's space-separated string (RFC 8693 §4.2), or an array as Okta's `scp`
/// and Entra ID's `roles` are.
#[derive(Deserialize)]
#[serde(untagged)]
enum ScopeClaim {
    Text(String),
    List(Vec<String>),
}

impl ScopeClaim {
    fn scopes(&self) -> Scopes {
        match self {
            Self::Text(text) => Scopes::from_claim(text),
            Self::List(items) => items
                .iter()
                .map(|item| Scopes::from_claim(item))
                .fold(Scopes::default(), Scopes::union),
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    // Optional here so that a token without one gets the same "no sub claim" answer as the
    // required-claims check gives, not a generic JSON error.
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    scope: Option<ScopeClaim>,
    /// Entra ID (delegated) and Okta put the scopes here.
    #[serde(default)]
    scp: Option<ScopeClaim>,
    /// Entra ID puts an application's app roles here (client-credentials tokens have no `scp`).
    #[serde(default)]
    roles: Option<ScopeClaim>,
    /// Issued-at, checked here: the library reads it but does not judge it. A NumericDate may have
    /// a fraction (RFC 7519 §2).
    #[serde(default)]
    iat: Option<f64>,
}

/// The header fields read before a key is chosen; `alg` as text, so that `none` (in any spelling)
/// gets its own answer rather than a parse error.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// The token's header, when it is a JWS in compact form with a JSON header.
fn raw_header(token: &str) -> Result<RawHeader, Refusal> {
    let malformed = || Refusal::Invalid("the bearer token is not a well-formed JWT".to_owned());
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let bytes = URL_SAFE_NO_PAD.decode(header).map_err(|_| malformed())?;
    serde_json::from_slice(&bytes).map_err(|_| malformed())
}

fn names(algorithms: &[Algorithm]) -> String {
    algorithms
        .iter()
        .map(|algorithm| format!("{algorithm:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl JwtVerifier {
    /// A verifier for HS256 tokens signed with `secret` (at least [`MIN_SECRET_BYTES`] bytes; the
    /// configuration checks that and names the variable).
    pub fn new(secret: &[u8], issuer: Option<String>, audience: Option<String>) -> Self {
        Self::with_options(JwtOptions {
            secret: Some(secret.to_vec()),
            jwks: None,
            algorithms: vec![Algorithm::HS256],
            issuer,
            audience,
            leeway_seconds: DEFAULT_LEEWAY_SECONDS,
        })
    }

    /// A verifier as `options` say. The configuration has checked that each allowed algorithm has
    /// its key source; one without is simply never accepted.
    pub fn with_options(options: JwtOptions) -> Self {
        install_crypto_provider();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = options.leeway_seconds;
        // Off by default in the library: a token that is not valid yet must be refused.
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        if let Some(issuer) = &options.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        match &options.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            // Without a configured audience, a token's `aud` is not ours to judge.
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        Self(Arc::new(Inner {
            secret: options.secret.as_deref().map(DecodingKey::from_secret),
            jwks: options.jwks,
            algorithms: options.algorithms,
            validation,
            issuer: options.issuer,
            audience: options.audience,
            leeway_seconds: options.leeway_seconds,
        }))
    }

    /// The identity provider's key set, when one is configured.
    pub fn jwks(&self) -> Option<&Arc<Jwks>> {
        self.0.jwks.as_ref()
    }

    /// The algorithms accepted, for the start-up log.
    pub fn algorithms(&self) -> String {
        names(&self.0.algorithms)
    }

    /// The `kid` of a token whose key the JWKS should be fetched again for before it is checked:
    /// an allowed asymmetric algorithm naming a key that is not held (or a set gone stale).
    pub fn refetch_wanted(&self, token: &str) -> Option<(Arc<Jwks>, String)> {
        let jwks = self.0.jwks.as_ref()?;
        let header = raw_header(token).ok()?;
        let algorithm = header.alg.parse::<Algorithm>().ok()?;
        if algorithm.family() == AlgorithmFamily::Hmac || !self.0.algorithms.contains(&algorithm) {
            return None;
        }
        let kid = header.kid?;
        jwks.wants_refetch(&kid).then(|| (Arc::clone(jwks), kid))
    }

    /// The token's subject and scopes, when the token verifies.
    pub fn verify(&self, token: &str) -> Result<(Arc<str>, Scopes), Refusal> {
        let header = raw_header(token)?;
        if header.alg.trim().eq_ignore_ascii_case("none") {
            return Err(Refusal::Invalid(
                "the bearer token is unsigned (alg none), which is never accepted".to_owned(),
            ));
        }
        let accepted = || {
            format!(
                "the bearer token's algorithm {:?} is not accepted here (accepted: {})",
                header.alg,
                names(&self.0.algorithms)
            )
        };
        let Some(algorithm) = header
            .alg
            .parse::<Algorithm>()
            .ok()
            .filter(|algorithm| self.0.algorithms.contains(algorithm))
        else {
            return Err(Refusal::Invalid(accepted()));
        };
        // The key comes from the algorithm's own source: never a public key used as an HMAC
        // secret, never the secret for an asymmetric algorithm.
        let jwks_key;
        let key = if algorithm.family() == AlgorithmFamily::Hmac {
            self.0
                .secret
                .as_ref()
                .ok_or_else(|| Refusal::Invalid(accepted()))?
        } else {
            let jwks = self
                .0
                .jwks
                .as_ref()
                .ok_or_else(|| Refusal::Invalid(accepted()))?;
            let Some(kid) = header.kid.as_deref() else {
                return Err(Refusal::Invalid(
                    "the bearer token names no key (kid), which a JWKS-signed token must"
                        .to_owned(),
                ));
            };
            jwks_key = jwks.key(kid).ok_or_else(|| {
                Refusal::Invalid(format!(
                    "the bearer token's key (kid {kid:?}) is not in the identity provider's key set"
                ))
            })?;
            if !jwks_key.algorithms.contains(&algorithm) {
                return Err(Refusal::Invalid(format!(
                    "the bearer token's algorithm {algorithm:?} does not match its key (kid {kid:?}: {})",
                    names(&jwks_key.algorithms)
                )));
            }
            &jwks_key.key
        };
        let mut validation = self.0.validation.clone();
        validation.algorithms = vec![algorithm];
        let data = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|error| refusal(error.kind()))?;
        // RFC 7515 §4.1.11: a header naming extensions the recipient must understand is refused
        // when it does not understand them, and this server understands none.
        if data.header.crit.is_some() {
            return Err(Refusal::Invalid(
                "the bearer token's header names critical extensions (crit) this server does not support"
                    .to_owned(),
            ));
        }
        let now = jsonwebtoken::get_current_timestamp();
        if data
            .claims
            .iat
            .is_some_and(|iat| iat > (now + self.0.leeway_seconds) as f64)
        {
            return Err(Refusal::Invalid(
                "the bearer token is issued in the future (iat)".to_owned(),
            ));
        }
        let scopes = [&data.claims.scope, &data.claims.scp, &data.claims.roles]
            .into_iter()
            .flatten()
            .map(ScopeClaim::scopes)
            .fold(Scopes::default(), Scopes::union);
        let Some(subject) = data.claims.sub.filter(|sub| !sub.is_empty()) else {
            return Err(Refusal::Invalid(
                "the bearer token has no sub claim".to_owned(),
            ));
        };
        Ok((subject.into(), scopes))
    }
}

/// Plain words for each failure, naming the claim at fault and nothing of the token or the secret.
fn refusal(kind: &ErrorKind) -> Refusal {
    let detail = match kind {
        ErrorKind::ExpiredSignature => "the bearer token has expired",
        ErrorKind::ImmatureSignature => "the bearer token is not valid yet (nbf)",
        ErrorKind::InvalidSignature => "the bearer token's signature does not verify",
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "the bearer token's algorithm is not accepted here"
        }
        ErrorKind::InvalidIssuer => "the bearer token's issuer (iss) is not accepted",
        ErrorKind::InvalidAudience => "the bearer token's audience (aud) is not accepted",
        ErrorKind::MissingRequiredClaim(claim) => {
            return Refusal::Invalid(format!("the bearer token has no {claim} claim"));
        }
        ErrorKind::InvalidClaimFormat(claim) => {
            return Refusal::Invalid(format!("the bearer token's {claim} claim is malformed"));
        }
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => "the bearer token is not a well-formed JWT",
        _ => "the bearer token was refused",
    };
    Refusal::Invalid(detail.to_owned())
}

/// Selects the pure-Rust backend explicitly. Naming the module makes a build without the
/// `rust_crypto` feature a compile error instead of a panic on the first token (engineering.md P11).
/// A second call (another verifier, or a test) finds it installed, which is fine.
fn install_crypto_provider() {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header, encode, get_current_timestamp};
    use serde_json::json;

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn token(claims: serde_json::Value, secret: &[u8]) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap()
    }

    #[test]
    fn each_failure_is_named() {
        let verifier = JwtVerifier::new(SECRET, Some("issuer".into()), Some("api".into()));
        let later = get_current_timestamp() + 600;
        let good = json!({"sub": "c1", "exp": later, "iss": "issuer", "aud": "api", "scope": "a prices:read"});
        assert_eq!(
            verifier
                .verify(&token(good.clone(), SECRET))
                .map(|(subject, _)| subject)
                .as_deref(),
            Ok("c1")
        );
        let mut expired = good.clone();
        expired["exp"] = json!(get_current_timestamp() - 3600);
        let mut other_issuer = good.clone();
        other_issuer["iss"] = json!("someone");
        let mut no_scope = good.clone();
        no_scope["scope"] = json!("prices:write");
        let mut no_sub = good.clone();
        no_sub.as_object_mut().unwrap().remove("sub");
        let mut not_yet = good.clone();
        not_yet["nbf"] = json!(get_current_timestamp() + 3600);
        let mut issued_later = good.clone();
        issued_later["iat"] = json!(get_current_timestamp() + 5 * 365 * 86_400);
        let mut critical = Header::new(Algorithm::HS256);
        critical.crit = Some(vec!["exp".to_owned()]);
        let with_crit = encode(&critical, &good, &EncodingKey::from_secret(SECRET)).unwrap();
        // Within the leeway, a clock a little ahead of ours is fine.
        let mut slightly_ahead = good.clone();
        slightly_ahead["iat"] = json!(get_current_timestamp() + 10);
        slightly_ahead["nbf"] = json!(get_current_timestamp() + 10);
        assert!(verifier.verify(&token(slightly_ahead, SECRET)).is_ok());
        let mut fractional = good.clone();
        fractional["iat"] = json!(get_current_timestamp() as f64 - 0.5);
        assert!(verifier.verify(&token(fractional, SECRET)).is_ok());
        let cases = [
            (token(expired, SECRET), "expired"),
            (
                token(good.clone(), b"another secret of at least 32 bytes!"),
                "signature",
            ),
            (token(other_issuer, SECRET), "iss"),
            (token(no_sub, SECRET), "sub"),
            (token(not_yet, SECRET), "nbf"),
            (token(issued_later, SECRET), "iat"),
            (with_crit, "crit"),
            ("not.a.token".to_owned(), "well-formed"),
        ];
        for (token, expected) in cases {
            let refusal = verifier.verify(&token).unwrap_err();
            let text = format!("{refusal:?}");
            assert!(text.contains(expected), "{text} lacks {expected}");
        }
        // A token without prices:read verifies; the operation then refuses it (403).
        let (_, scopes) = verifier.verify(&token(no_scope, SECRET)).unwrap();
        assert!(!scopes.grants(super::super::scope::Scope::PricesRead));
        assert!(!format!("{verifier:?}").contains("0123456789abcdef"));
    }
}
