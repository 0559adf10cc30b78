//! Tokens this server issues at `POST /oauth/token` (OAuth2 client credentials) in exchange for a
//! managed key: HS256 with `PRICELINE_JWT_SECRET` when it is set (so gateways and the plain bearer
//! path verify them too), else EdDSA with the Ed25519 key of `PRICELINE_OAUTH_SIGNING_KEY`.
//!
//! A token names its key (claim `key_id`) and carries the `kid` of this issuer; a bearer token with
//! that `kid` is verified here and its key read from the database on every request, so revoking
//! the key ends its tokens at once.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::scope::Scopes;

/// Where tokens are issued (`POST`).
pub const TOKEN_PATH: &str = "/oauth/token";

/// The `kid` of HS256 tokens issued here.
pub const KID_HS256: &str = "priceline-oauth-hs256";
/// The `kid` of EdDSA tokens issued here.
pub const KID_EDDSA: &str = "priceline-oauth-eddsa";
/// The `iss` of tokens issued here when `PRICELINE_JWT_ISSUER` names none.
pub const DEFAULT_ISSUER: &str = "priceline";
/// Seconds a token lives unless `PRICELINE_OAUTH_TOKEN_SECONDS` says otherwise.
pub const DEFAULT_TOKEN_SECONDS: u64 = 900;

/// Signs and checks this server's own tokens. Debug output shows no key.
#[derive(Clone)]
pub struct TokenIssuer(Arc<Inner>);

struct Inner {
    algorithm: Algorithm,
    kid: &'static str,
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: Option<String>,
    lifetime: u64,
}

impl fmt::Debug for TokenIssuer {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("TokenIssuer")
            .field("algorithm", &self.0.algorithm)
            .field("key", &"<redacted>")
            .field("issuer", &self.0.issuer)
            .field("lifetime", &self.0.lifetime)
            .finish()
    }
}

/// The claims of a token issued here.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The key's public prefix.
    pub sub: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub aud: Option<String>,
    pub exp: u64,
    pub iat: u64,
    pub scope: String,
    /// The id of the managed key the token was issued for: checked on every request.
    pub key_id: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tier: Option<String>,
}

impl TokenIssuer {
    /// HS256 with the JWT secret; `iss` and `aud` as the bearer path expects them.
    pub fn hs256(
        secret: &[u8],
        issuer: Option<String>,
        audience: Option<String>,
        lifetime: u64,
    ) -> Self {
        install_crypto_provider();
        Self(Arc::new(Inner {
            algorithm: Algorithm::HS256,
            kid: KID_HS256,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.unwrap_or_else(|| DEFAULT_ISSUER.to_owned()),
            audience,
            lifetime,
        }))
    }

    /// EdDSA with an Ed25519 private key in PKCS#8 PEM (`openssl genpkey -algorithm ed25519`). The
    /// error says what is wrong without quoting the key.
    pub fn eddsa(pem: &str, lifetime: u64) -> Result<Self, String> {
        install_crypto_provider();
        let body: String = pem
            .trim()
            .strip_prefix("-----BEGIN PRIVATE KEY-----")
            .and_then(|rest| rest.trim_end().strip_suffix("-----END PRIVATE KEY-----"))
            .ok_or("is not a PEM private key (-----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----)")?
            .split_whitespace()
            .collect();
        let der = STANDARD
            .decode(body)
            .map_err(|_| "the PEM body is not base64".to_owned())?;
        let signing = SigningKey::from_pkcs8_der(&der)
            .map_err(|_| "is not an Ed25519 private key in PKCS#8 (make one with `openssl genpkey -algorithm ed25519`)".to_owned())?;
        let public = signing.verifying_key().to_bytes();
        Ok(Self(Arc::new(Inner {
            algorithm: Algorithm::EdDSA,
            kid: KID_EDDSA,
            encoding: EncodingKey::from_ed_der(&der),
            decoding: DecodingKey::from_ed_der(&public),
            issuer: DEFAULT_ISSUER.to_owned(),
            audience: None,
            lifetime,
        })))
    }

    /// Seconds a token lives.
    pub fn lifetime(&self) -> u64 {
        self.0.lifetime
    }

    /// `HS256` or `EdDSA`, for the start-up log.
    pub fn algorithm(&self) -> &'static str {
        match self.0.algorithm {
            Algorithm::EdDSA => "EdDSA",
            _ => "HS256",
        }
    }

    /// A token for the key `key_id` (prefix `prefix`) with these scopes.
    pub fn issue(
        &self,
        key_id: &str,
        prefix: &str,
        scopes: Scopes,
        tier: Option<&str>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            iss: self.0.issuer.clone(),
            sub: prefix.to_owned(),
            aud: self.0.audience.clone(),
            exp: now + self.0.lifetime,
            iat: now,
            scope: scopes.names().collect::<Vec<_>>().join(" "),
            key_id: key_id.to_owned(),
            tier: tier.map(str::to_owned),
        };
        let mut header = Header::new(self.0.algorithm);
        header.kid = Some(self.0.kid.to_owned());
        jsonwebtoken::encode(&header, &claims, &self.0.encoding)
    }

    /// Whether `token` says it was issued here (its `kid`); only then is [`Self::verify`] its judge.
    pub fn is_ours(&self, token: &str) -> bool {
        jsonwebtoken::decode_header(token)
            .ok()
            .and_then(|header| header.kid)
            .is_some_and(|kid| kid == self.0.kid)
    }

    /// The claims of a token issued here, when it verifies (signature, `exp`, `iss`, `aud`).
    pub fn verify(&self, token: &str) -> Result<Claims, String> {
        let mut validation = Validation::new(self.0.algorithm);
        validation.leeway = 5;
        validation.set_issuer(&[&self.0.issuer]);
        match &self.0.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.0.decoding, &validation).map_err(
            |error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    "the bearer token has expired; ask POST /oauth/token for a new one".to_owned()
                }
                _ => "the bearer token does not verify".to_owned(),
            },
        )?;
        if data.header.crit.is_some() {
            return Err(
                "the bearer token's header names critical extensions (crit) this server does not support"
                    .to_owned(),
            );
        }
        Ok(data.claims)
    }
}

/// As in `jwt.rs`: the pure-Rust backend, named so a build without it fails to compile.
fn install_crypto_provider() {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::scope::Scope;

    /// A throwaway Ed25519 key (`openssl genpkey -algorithm ed25519`), for this test only.
    const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIC3tYXHjP3JkHlVYmWRU4kAVrpqmkfJLchIBlLXTSV9U\n-----END PRIVATE KEY-----\n";

    #[test]
    fn issued_tokens_verify_only_with_their_key() {
        let read = Scopes::default().with(Scope::PricesRead);
        for issuer in [
            TokenIssuer::hs256(b"0123456789abcdef0123456789abcdef", None, None, 60),
            TokenIssuer::eddsa(PEM, 60).unwrap(),
        ] {
            let token = issuer
                .issue("k1", "pl_live_00000000", read, Some("gold"))
                .unwrap();
            assert!(issuer.is_ours(&token));
            let claims = issuer.verify(&token).unwrap();
            assert_eq!(
                (
                    claims.key_id.as_str(),
                    claims.scope.as_str(),
                    claims.tier.as_deref()
                ),
                ("k1", "prices:read", Some("gold"))
            );
            let mut forged = token.clone();
            forged.pop();
            forged.push('A');
            assert!(issuer.verify(&forged).is_err() || forged == token);
            assert!(!format!("{issuer:?}").contains("0123456789abcdef"));
        }
        let other = TokenIssuer::hs256(b"another secret of at least 32 bytes!", None, None, 60);
        let token = other.issue("k1", "pl_live_00000000", read, None).unwrap();
        assert!(
            TokenIssuer::hs256(b"0123456789abcdef0123456789abcdef", None, None, 60)
                .verify(&token)
                .is_err()
        );
        for bad in [
            "",
            "not a pem",
            "-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----",
        ] {
            assert!(TokenIssuer::eddsa(bad, 60).is_err());
        }
    }
}
