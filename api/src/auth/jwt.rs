//! JWT bearer tokens: HS256 with a shared secret (`PRICELINE_JWT_SECRET`), `exp` and `sub` required,
//! `iss`/`aud` checked when configured; the OAuth2-style `scope` claim says what the token may do
//! (checked per operation by [`super::AuthPolicy`]).

use std::fmt;
use std::sync::Arc;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::scope::Scopes;

/// HS256 keys shorter than the hash output are guessable (RFC 7518 §3.2).
pub const MIN_SECRET_BYTES: usize = 32;

/// Why a token was refused (a 401: the token is not good).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Invalid(String),
}

/// Checks tokens; the secret is held only as a decoding key and never shown.
#[derive(Clone)]
pub struct JwtVerifier(Arc<Inner>);

struct Inner {
    key: DecodingKey,
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("JwtVerifier")
            .field("secret", &"<redacted>")
            .field("issuer", &self.0.issuer)
            .field("audience", &self.0.audience)
            .finish()
    }
}

#[derive(Deserialize)]
struct Claims {
    // Optional here so that a token without one gets the same "no sub claim" answer as the
    // required-claims check gives, not a generic JSON error.
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    /// Issued-at, checked here: the library reads it but does not judge it. A NumericDate may have
    /// a fraction (RFC 7519 §2).
    #[serde(default)]
    iat: Option<f64>,
}

/// Seconds of clock difference allowed between the issuer and this server, for `exp`, `nbf` and
/// `iat` alike (the library's default).
const LEEWAY_SECONDS: u64 = 60;

impl JwtVerifier {
    /// A verifier for HS256 tokens signed with `secret` (at least [`MIN_SECRET_BYTES`] bytes; the
    /// configuration checks that and names the variable).
    pub fn new(secret: &[u8], issuer: Option<String>, audience: Option<String>) -> Self {
        install_crypto_provider();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        // Off by default in the library: a token that is not valid yet must be refused.
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        if let Some(issuer) = &issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        match &audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            // Without a configured audience, a token's `aud` is not ours to judge.
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        Self(Arc::new(Inner {
            key: DecodingKey::from_secret(secret),
            validation,
            issuer,
            audience,
        }))
    }

    /// The token's subject and scopes, when the token verifies.
    pub fn verify(&self, token: &str) -> Result<(Arc<str>, Scopes), Refusal> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.0.key, &self.0.validation)
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
            .is_some_and(|iat| iat > (now + LEEWAY_SECONDS) as f64)
        {
            return Err(Refusal::Invalid(
                "the bearer token is issued in the future (iat)".to_owned(),
            ));
        }
        let scopes = data
            .claims
            .scope
            .as_deref()
            .map(Scopes::from_claim)
            .unwrap_or_default();
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
        ErrorKind::InvalidAlgorithm => "the bearer token must be signed with HS256",
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
