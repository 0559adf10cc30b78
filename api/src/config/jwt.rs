//! The `PRICELINE_JWT_*` settings: an HS256 secret, an identity provider's JWKS, or both; the
//! algorithm allow-list, issuer, audience and clock leeway. Every combination that would leave a
//! setting without effect is an error naming it, so what an operator set is what is in force.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, AlgorithmFamily};

use super::{
    ConfigError, JWT_ALGORITHMS, JWT_AUDIENCE, JWT_ISSUER, JWT_JWKS_REFETCH_SECONDS, JWT_JWKS_URL,
    JWT_LEEWAY_SECONDS, JWT_SECRET,
};
use crate::auth::jwks::{Jwks, JwksSource};
use crate::auth::jwt::{
    DEFAULT_JWKS_ALGORITHMS, DEFAULT_LEEWAY_SECONDS, JwtOptions, JwtVerifier, MAX_LEEWAY_SECONDS,
    MIN_SECRET_BYTES,
};

/// How often an unknown `kid` may make the server fetch the JWKS again, unless
/// `PRICELINE_JWT_JWKS_REFETCH_SECONDS` says otherwise.
pub const DEFAULT_JWKS_REFETCH_SECONDS: u64 = 60;
const MAX_JWKS_REFETCH_SECONDS: u64 = 3600;

/// Every algorithm the verifier implements, in the spelling of RFC 7518.
const KNOWN: [Algorithm; 12] = [
    Algorithm::HS256,
    Algorithm::HS384,
    Algorithm::HS512,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

fn error(variable: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        reason: reason.into(),
    }
}

/// The JWT verifier, or none when neither a secret nor a JWKS is configured. `credential` reads a
/// variable that must not be set but blank.
pub(super) fn parse(
    lookup: &impl Fn(&str) -> Option<String>,
    credential: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
) -> Result<Option<JwtVerifier>, ConfigError> {
    let issuer = credential(JWT_ISSUER)?.map(|value| value.trim().to_owned());
    let audience = credential(JWT_AUDIENCE)?.map(|value| value.trim().to_owned());
    let secret = match credential(JWT_SECRET)? {
        // The secret is used byte for byte: surrounding spaces are part of it.
        Some(secret) if secret.len() < MIN_SECRET_BYTES => {
            return Err(error(
                JWT_SECRET,
                format!(
                    "the secret is {} bytes; HS256 needs at least {MIN_SECRET_BYTES}",
                    secret.len()
                ),
            ));
        }
        secret => secret.map(String::into_bytes),
    };
    let source = credential(JWT_JWKS_URL)?
        .map(|text| JwksSource::parse(&text).map_err(|reason| error(JWT_JWKS_URL, reason)))
        .transpose()?;
    let listed = credential(JWT_ALGORITHMS)?
        .map(|text| parse_algorithms(&text))
        .transpose()?;
    let set = |variable: &str| lookup(variable).filter(|value| !value.trim().is_empty());
    if secret.is_none() && source.is_none() {
        for variable in [
            JWT_ISSUER,
            JWT_AUDIENCE,
            JWT_ALGORITHMS,
            JWT_LEEWAY_SECONDS,
            JWT_JWKS_REFETCH_SECONDS,
        ] {
            if lookup(variable).is_some() {
                return Err(error(
                    variable,
                    format!("is set but neither {JWT_SECRET} nor {JWT_JWKS_URL} is"),
                ));
            }
        }
        return Ok(None);
    }
    let algorithms = match listed {
        Some(listed) => listed,
        None => {
            let mut defaults = Vec::new();
            if secret.is_some() {
                defaults.push(Algorithm::HS256);
            }
            if source.is_some() {
                defaults.extend(DEFAULT_JWKS_ALGORITHMS);
            }
            defaults
        }
    };
    let hmac = |algorithm: &Algorithm| algorithm.family() == AlgorithmFamily::Hmac;
    if let Some(algorithm) = algorithms.iter().find(|algorithm| hmac(algorithm))
        && secret.is_none()
    {
        return Err(error(
            JWT_ALGORITHMS,
            format!("{algorithm:?} is checked with {JWT_SECRET}, which is not set"),
        ));
    }
    if let Some(algorithm) = algorithms.iter().find(|algorithm| !hmac(algorithm))
        && source.is_none()
    {
        return Err(error(
            JWT_ALGORITHMS,
            format!("{algorithm:?} is checked with the keys at {JWT_JWKS_URL}, which is not set"),
        ));
    }
    if secret.is_some() && !algorithms.iter().any(hmac) {
        return Err(error(
            JWT_SECRET,
            format!("is set but {JWT_ALGORITHMS} lists no HMAC algorithm (HS256) to use it for"),
        ));
    }
    if source.is_some() && algorithms.iter().all(hmac) {
        return Err(error(
            JWT_JWKS_URL,
            format!(
                "is set but {JWT_ALGORITHMS} lists no algorithm (RS256, ES256, EdDSA…) to use it for"
            ),
        ));
    }
    let seconds =
        |variable: &'static str, default: u64, range: std::ops::RangeInclusive<u64>| match set(
            variable,
        ) {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|value| range.contains(value))
                .ok_or_else(|| {
                    error(
                        variable,
                        format!(
                            "{text:?} is not a number of seconds from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    )
                }),
        };
    let leeway_seconds = seconds(
        JWT_LEEWAY_SECONDS,
        DEFAULT_LEEWAY_SECONDS,
        0..=MAX_LEEWAY_SECONDS,
    )?;
    let refetch = seconds(
        JWT_JWKS_REFETCH_SECONDS,
        DEFAULT_JWKS_REFETCH_SECONDS,
        1..=MAX_JWKS_REFETCH_SECONDS,
    )?;
    if source.is_none() && set(JWT_JWKS_REFETCH_SECONDS).is_some() {
        return Err(error(
            JWT_JWKS_REFETCH_SECONDS,
            format!("is set but {JWT_JWKS_URL} is not"),
        ));
    }
    Ok(Some(JwtVerifier::with_options(JwtOptions {
        secret,
        jwks: source.map(|source| Arc::new(Jwks::new(source, Duration::from_secs(refetch)))),
        algorithms,
        issuer,
        audience,
        leeway_seconds,
    })))
}

/// A comma-separated list of RFC 7518 names (any case); `none` is refused outright.
fn parse_algorithms(text: &str) -> Result<Vec<Algorithm>, ConfigError> {
    let mut algorithms = Vec::new();
    for name in text
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        if name.eq_ignore_ascii_case("none") {
            return Err(error(
                JWT_ALGORITHMS,
                "none (unsigned tokens) is never accepted",
            ));
        }
        let Some(algorithm) = KNOWN
            .into_iter()
            .find(|known| format!("{known:?}").eq_ignore_ascii_case(name))
        else {
            let known: Vec<String> = KNOWN.iter().map(|known| format!("{known:?}")).collect();
            return Err(error(
                JWT_ALGORITHMS,
                format!("{name:?} is not one of {}", known.join(", ")),
            ));
        };
        if !algorithms.contains(&algorithm) {
            algorithms.push(algorithm);
        }
    }
    if algorithms.is_empty() {
        return Err(error(JWT_ALGORITHMS, "lists no algorithm"));
    }
    Ok(algorithms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_names_are_read_in_any_case_and_none_is_refused() {
        assert_eq!(
            parse_algorithms("rs256, EdDSA,es256,RS256").unwrap(),
            [Algorithm::RS256, Algorithm::EdDSA, Algorithm::ES256]
        );
        for refused in ["none", "RS256,None", "HS1", ",", "RS256 ES256"] {
            let failure = parse_algorithms(refused).unwrap_err();
            assert_eq!(failure.variable, JWT_ALGORITHMS, "{refused}");
        }
    }

    fn settings(vars: &[(&str, &str)]) -> Result<super::super::Settings, ConfigError> {
        super::super::Settings::from_lookup(|name| {
            vars.iter()
                .find(|(variable, _)| *variable == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    const SECRET: &str = "a-jwt-secret-of-exactly-32-bytes";
    const JWKS: &str = "file:///etc/priceline/jwks.json";

    #[test]
    fn each_setting_must_take_effect() {
        for good in [
            vec![(JWT_JWKS_URL, JWKS)],
            vec![
                (JWT_JWKS_URL, "https://login.example/keys"),
                (JWT_ISSUER, "https://login.example"),
            ],
            vec![
                (JWT_SECRET, SECRET),
                (JWT_JWKS_URL, JWKS),
                (JWT_ALGORITHMS, "HS256,RS256"),
            ],
            vec![
                (JWT_JWKS_URL, JWKS),
                (JWT_LEEWAY_SECONDS, "0"),
                (JWT_JWKS_REFETCH_SECONDS, "5"),
            ],
        ] {
            let settings = settings(&good).unwrap();
            assert!(!settings.security.auth.is_open(), "{good:?}");
        }
        let cases: [(&[(&str, &str)], &str); 13] = [
            (&[(JWT_JWKS_URL, "")], JWT_JWKS_URL),
            (&[(JWT_JWKS_URL, " ")], JWT_JWKS_URL),
            (&[(JWT_JWKS_URL, "http://login.example/keys")], JWT_JWKS_URL),
            (&[(JWT_JWKS_URL, "keys.json")], JWT_JWKS_URL),
            (
                &[(JWT_JWKS_URL, JWKS), (JWT_ALGORITHMS, "")],
                JWT_ALGORITHMS,
            ),
            (
                &[(JWT_JWKS_URL, JWKS), (JWT_ALGORITHMS, "none")],
                JWT_ALGORITHMS,
            ),
            // HMAC needs the secret: a JWKS key is never an HMAC secret.
            (
                &[(JWT_JWKS_URL, JWKS), (JWT_ALGORITHMS, "RS256,HS256")],
                JWT_ALGORITHMS,
            ),
            (
                &[(JWT_SECRET, SECRET), (JWT_ALGORITHMS, "RS256")],
                JWT_ALGORITHMS,
            ),
            (
                &[
                    (JWT_SECRET, SECRET),
                    (JWT_JWKS_URL, JWKS),
                    (JWT_ALGORITHMS, "RS256"),
                ],
                JWT_SECRET,
            ),
            (
                &[(JWT_JWKS_URL, JWKS), (JWT_LEEWAY_SECONDS, "301")],
                JWT_LEEWAY_SECONDS,
            ),
            (&[(JWT_LEEWAY_SECONDS, "10")], JWT_LEEWAY_SECONDS),
            (
                &[(JWT_JWKS_URL, JWKS), (JWT_JWKS_REFETCH_SECONDS, "0")],
                JWT_JWKS_REFETCH_SECONDS,
            ),
            (
                &[(JWT_SECRET, SECRET), (JWT_JWKS_REFETCH_SECONDS, "5")],
                JWT_JWKS_REFETCH_SECONDS,
            ),
        ];
        for (vars, variable) in cases {
            let failure = settings(vars).unwrap_err();
            assert_eq!(failure.variable, variable, "{vars:?}: {failure}");
        }
    }
}
