//! Typed configuration from environment variables (and an optional `.env` file), validated at start.
//! A bad value fails with a message naming the variable; secrets (the database password) are never
//! printed (nor the JWT secret or API key hashes, also not in Debug output).

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use priceline_store::{Backend, DatabaseUrl, PoolOptions, SQLITE_MAX_POOL_SIZE};
use thiserror::Error;

use crate::auth::AuthPolicy;
use crate::auth::api_key::ApiKeys;
use crate::auth::jwt::{JwtVerifier, MIN_SECRET_BYTES};
use crate::metrics::MetricsSettings;
use crate::middleware::rate_limit::RateLimitSettings;
use crate::security::Security;
use crate::telemetry::{LogFormat, OtelSettings};

/// The variables we read, with their defaults; the README's configuration table mirrors this.
pub const DATABASE_URL: &str = "PRICELINE_DATABASE_URL";
pub const LISTEN: &str = "PRICELINE_LISTEN";
pub const LOG: &str = "PRICELINE_LOG";
pub const LOG_FORMAT: &str = "PRICELINE_LOG_FORMAT";
pub const METRICS: &str = "PRICELINE_METRICS";
pub const METRICS_TOKEN: &str = "PRICELINE_METRICS_TOKEN";
pub const POOL_SIZE: &str = "PRICELINE_POOL_SIZE";
pub const WORKERS: &str = "PRICELINE_WORKERS";
pub const API_KEYS: &str = "PRICELINE_API_KEYS";
pub const JWT_SECRET: &str = "PRICELINE_JWT_SECRET";
pub const JWT_ISSUER: &str = "PRICELINE_JWT_ISSUER";
pub const JWT_AUDIENCE: &str = "PRICELINE_JWT_AUDIENCE";
pub const RATE_LIMIT_PER_SECOND: &str = "PRICELINE_RATE_LIMIT_PER_SECOND";
pub const RATE_LIMIT_BURST: &str = "PRICELINE_RATE_LIMIT_BURST";
pub const TRUST_FORWARDED: &str = "PRICELINE_TRUST_FORWARDED";
pub const CORS_ORIGINS: &str = "PRICELINE_CORS_ORIGINS";
pub const CACHE_MB: &str = "PRICELINE_CACHE_MB";
pub const DB_ACQUIRE_TIMEOUT: &str = "PRICELINE_DB_ACQUIRE_TIMEOUT";
pub const DB_STATEMENT_TIMEOUT: &str = "PRICELINE_DB_STATEMENT_TIMEOUT";

pub const DEFAULT_DATABASE_URL: &str = "./data/priceline.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_LOG: &str = "info";
pub const DEFAULT_POOL_SIZE: u32 = 8;
pub const DEFAULT_CACHE_MB: u32 = 64;
/// Seconds a request waits for a database connection: fails fast when the pool is exhausted or the
/// server refuses connections.
pub const DEFAULT_DB_ACQUIRE_TIMEOUT: u32 = 3;
/// Seconds one query of a request may run (PostgreSQL cancels it; on SQLite the request is answered
/// 503 while the query finishes).
pub const DEFAULT_DB_STATEMENT_TIMEOUT: u32 = 10;
pub const DEFAULT_RATE_LIMIT_PER_SECOND: u32 = 50;
pub const DEFAULT_RATE_LIMIT_BURST: u32 = 100;

/// Every spelling `PRICELINE_TRUST_FORWARDED` accepts (in any case), as its error and the README
/// list them.
pub const TRUST_FORWARDED_SPELLINGS: &str = "true, false, yes, no, 1, 0 (in any case)";

#[derive(Debug, Error)]
#[error("configuration variable {variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub listen: SocketAddr,
    /// A `tracing` filter directive such as `info` or `priceline_api=debug,info`.
    pub log_filter: String,
    pub pool_size: u32,
    /// HTTP worker threads; `None` lets actix use one per core.
    pub workers: Option<usize>,
    /// Credentials the /v1 API accepts (none: open) and the per-client rate limit.
    pub security: Security,
    /// Origins browsers may call the API from (`*` for any); empty turns CORS off.
    pub cors_origins: Vec<String>,
    /// Memory for cached responses, in bytes; 0 turns the response cache off.
    pub cache_bytes: usize,
    /// How long a request waits for a database connection.
    pub db_acquire_timeout: Duration,
    /// How long one query of a request may run; `None` for no limit.
    pub db_statement_timeout: Option<Duration>,
    /// Text, JSON, or JSON unless stderr is a terminal.
    pub log_format: LogFormat,
    /// Whether `/metrics` is served, and the token it requires.
    pub metrics: MetricsSettings,
    /// Which OTLP exporters the standard `OTEL_*` variables ask for.
    pub otel: OtelSettings,
}

impl Settings {
    /// Reads the process environment, after loading `.env` from the working directory if present.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal; a malformed one is worth failing on.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(error) if error.not_found() => {}
            Err(error) => {
                return Err(ConfigError {
                    variable: ".env",
                    reason: error.to_string(),
                });
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds settings from any variable source (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str, default: &str| {
            lookup(name)
                .filter(|value| !value.trim().is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        let database_url =
            DatabaseUrl::parse(&get(DATABASE_URL, DEFAULT_DATABASE_URL)).map_err(|error| {
                ConfigError {
                    variable: DATABASE_URL,
                    reason: error.to_string(),
                }
            })?;
        let listen = parse_listen(&get(LISTEN, DEFAULT_LISTEN))?;
        let log_filter = get(LOG, DEFAULT_LOG);
        tracing_subscriber::EnvFilter::try_new(&log_filter).map_err(|error| ConfigError {
            variable: LOG,
            reason: format!("{log_filter:?} is not a log filter such as info or debug: {error}"),
        })?;
        let pool_size = parse_positive(POOL_SIZE, &get(POOL_SIZE, &DEFAULT_POOL_SIZE.to_string()))?;
        let workers = lookup(WORKERS)
            .filter(|value| !value.trim().is_empty())
            .map(|value| parse_positive(WORKERS, &value).map(|n| n as usize))
            .transpose()?;
        let security = parse_security(&lookup)?;
        let cors_origins = parse_origins(&lookup(CORS_ORIGINS).unwrap_or_default())?;
        let cache_text = get(CACHE_MB, &DEFAULT_CACHE_MB.to_string());
        let cache_bytes = match cache_text.trim().parse::<u32>() {
            Ok(megabytes) if megabytes <= 65_536 => megabytes as usize * 1024 * 1024,
            _ => {
                return Err(ConfigError {
                    variable: CACHE_MB,
                    reason: format!(
                        "{cache_text:?} is not a size in megabytes from 0 (off) to 65536"
                    ),
                });
            }
        };
        let seconds = |variable: &'static str, default: u32| {
            let text = get(variable, &default.to_string());
            match text.trim().parse::<u32>() {
                Ok(value) if value <= 3600 => Ok(value),
                _ => Err(ConfigError {
                    variable,
                    reason: format!("{text:?} is not a number of seconds from 0 to 3600"),
                }),
            }
        };
        let db_acquire_timeout = match seconds(DB_ACQUIRE_TIMEOUT, DEFAULT_DB_ACQUIRE_TIMEOUT)? {
            0 => {
                return Err(ConfigError {
                    variable: DB_ACQUIRE_TIMEOUT,
                    reason: "must be at least 1 second".to_owned(),
                });
            }
            value => Duration::from_secs(value.into()),
        };
        let db_statement_timeout =
            match seconds(DB_STATEMENT_TIMEOUT, DEFAULT_DB_STATEMENT_TIMEOUT)? {
                0 => None,
                value => Some(Duration::from_secs(value.into())),
            };
        let log_format_text = get(LOG_FORMAT, "auto");
        let log_format = LogFormat::parse(&log_format_text).ok_or_else(|| ConfigError {
            variable: LOG_FORMAT,
            reason: format!("{log_format_text:?} is not one of text, json or auto"),
        })?;
        let metrics = parse_metrics(&lookup)?;
        let otel = OtelSettings::from_lookup(&lookup)
            .map_err(|(variable, reason)| ConfigError { variable, reason })?;
        Ok(Self {
            database_url,
            listen,
            log_filter,
            log_format,
            metrics,
            otel,
            pool_size,
            workers,
            security,
            cors_origins,
            cache_bytes,
            db_acquire_timeout,
            db_statement_timeout,
        })
    }
}

impl Settings {
    /// The pool the server reads through: its size and both timeouts.
    pub fn pool_options(&self) -> PoolOptions {
        PoolOptions {
            max_size: self.pool_size,
            acquire_timeout: self.db_acquire_timeout,
            statement_timeout: self.db_statement_timeout,
        }
    }

    /// Settings that are accepted but not used as given, for the start-up log: the operator asked
    /// for something and must learn that they got something else.
    pub fn notices(&self) -> Vec<String> {
        let mut notices = Vec::new();
        if self.database_url.backend() == Backend::Sqlite && self.pool_size > SQLITE_MAX_POOL_SIZE {
            notices.push(format!(
                "{POOL_SIZE}={} is capped at {SQLITE_MAX_POOL_SIZE} on SQLite (it has one writer): \
                 the pool has {SQLITE_MAX_POOL_SIZE} connections",
                self.pool_size
            ));
        }
        notices
    }
}

/// `host:port`, where host is an IP address or a name resolved now, once (`localhost:8080`): the
/// first address it resolves to is the one served on.
fn parse_listen(text: &str) -> Result<SocketAddr, ConfigError> {
    let text = text.trim();
    if let Ok(address) = text.parse() {
        return Ok(address);
    }
    let invalid = |reason: String| ConfigError {
        variable: LISTEN,
        reason: format!(
            "{text:?} is not an address such as 127.0.0.1:8080 or localhost:8080: {reason}"
        ),
    };
    // Without a port, `to_socket_addrs` would fail with a less helpful message.
    if text
        .rsplit_once(':')
        .is_none_or(|(_, port)| port.parse::<u16>().is_err())
    {
        return Err(invalid("it needs a port".to_owned()));
    }
    text.to_socket_addrs()
        .map_err(|error| invalid(error.to_string()))?
        .next()
        .ok_or_else(|| invalid("the name resolves to no address".to_owned()))
}

/// API keys, the JWT verifier and the rate limit. Neither the secret nor a key entry is ever quoted
/// in an error.
fn parse_security(lookup: &impl Fn(&str) -> Option<String>) -> Result<Security, ConfigError> {
    let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    // Credentials fail closed: a credential setting that is present but blank is a secret that did
    // not reach the process (an empty Kubernetes secret, a `.env` line left empty), never a request
    // to serve the API open.
    let credential = |variable: &'static str| match lookup(variable) {
        Some(value) if value.trim().is_empty() => Err(ConfigError {
            variable,
            reason: "is set but empty; unset it to do without this credential".to_owned(),
        }),
        value => Ok(value),
    };
    let api_keys = match credential(API_KEYS)? {
        None => ApiKeys::default(),
        Some(text) => ApiKeys::parse(&text).map_err(|reason| ConfigError {
            variable: API_KEYS,
            reason,
        })?,
    };
    let issuer = credential(JWT_ISSUER)?.map(|value| value.trim().to_owned());
    let audience = credential(JWT_AUDIENCE)?.map(|value| value.trim().to_owned());
    let jwt = match credential(JWT_SECRET)? {
        // The secret is used byte for byte: surrounding spaces are part of it.
        Some(secret) if secret.len() < MIN_SECRET_BYTES => {
            return Err(ConfigError {
                variable: JWT_SECRET,
                reason: format!(
                    "the secret is {} bytes; HS256 needs at least {MIN_SECRET_BYTES}",
                    secret.len()
                ),
            });
        }
        Some(secret) => Some(JwtVerifier::new(secret.as_bytes(), issuer, audience)),
        None => {
            for variable in [JWT_ISSUER, JWT_AUDIENCE] {
                if lookup(variable).is_some() {
                    return Err(ConfigError {
                        variable,
                        reason: format!("is set but {JWT_SECRET} is not"),
                    });
                }
            }
            None
        }
    };
    let count = |variable: &'static str, default: u32| match set(variable) {
        None => Ok(default),
        Some(text) => match text.trim().parse::<u32>() {
            Ok(value) if value <= 1_000_000 => Ok(value),
            _ => Err(ConfigError {
                variable,
                reason: format!("{text:?} is not a whole number from 0 (no limit) to 1000000"),
            }),
        },
    };
    let trust_forwarded = match set(TRUST_FORWARDED).map(|value| value.trim().to_owned()) {
        None => false,
        Some(value) => match value.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => true,
            "false" | "no" | "0" => false,
            _ => {
                return Err(ConfigError {
                    variable: TRUST_FORWARDED,
                    reason: format!("{value:?} is not one of {TRUST_FORWARDED_SPELLINGS}"),
                });
            }
        },
    };
    Ok(Security {
        auth: AuthPolicy::new(api_keys, jwt),
        rate_limit: RateLimitSettings {
            per_second: count(RATE_LIMIT_PER_SECOND, DEFAULT_RATE_LIMIT_PER_SECOND)?,
            burst: count(RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_BURST)?,
            trust_forwarded,
        },
    })
}

/// `PRICELINE_METRICS` (default on) and `PRICELINE_METRICS_TOKEN`, a credential: set but blank is
/// an error, never `/metrics` left open by a secret that did not arrive.
fn parse_metrics(lookup: &impl Fn(&str) -> Option<String>) -> Result<MetricsSettings, ConfigError> {
    let enabled = match lookup(METRICS).map(|value| value.trim().to_ascii_lowercase()) {
        None => true,
        Some(value) if value.is_empty() => true,
        Some(value) => match value.as_str() {
            "true" | "yes" | "1" => true,
            "false" | "no" | "0" => false,
            _ => {
                return Err(ConfigError {
                    variable: METRICS,
                    reason: format!("{value:?} is not one of {TRUST_FORWARDED_SPELLINGS}"),
                });
            }
        },
    };
    let token = match lookup(METRICS_TOKEN) {
        None => None,
        Some(token) if token.trim().is_empty() => {
            return Err(ConfigError {
                variable: METRICS_TOKEN,
                reason: "is set but empty; unset it to serve /metrics without a token".to_owned(),
            });
        }
        Some(token) => Some(token.trim().to_owned()),
    };
    Ok(MetricsSettings { enabled, token })
}

/// `*`, or a comma-separated list of `http(s)://host[:port]` origins.
fn parse_origins(text: &str) -> Result<Vec<String>, ConfigError> {
    let origins: Vec<String> = text
        .split(',')
        .map(|origin| origin.trim().trim_end_matches('/').to_owned())
        .filter(|origin| !origin.is_empty())
        .collect();
    for origin in &origins {
        let scheme_ok = origin.starts_with("http://") || origin.starts_with("https://");
        if origin != "*" && (!scheme_ok || origin.matches('/').count() != 2) {
            return Err(ConfigError {
                variable: CORS_ORIGINS,
                reason: format!(
                    "{origin:?} is not an origin such as https://app.example.com (or *)"
                ),
            });
        }
    }
    Ok(origins)
}

fn parse_positive(variable: &'static str, text: &str) -> Result<u32, ConfigError> {
    match text.trim().parse::<u32>() {
        Ok(value) if (1..=1024).contains(&value) => Ok(value),
        _ => Err(ConfigError {
            variable,
            reason: format!("{text:?} is not a whole number from 1 to 1024"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let settings = settings(&[]).unwrap();
        assert_eq!(
            settings.database_url.to_string(),
            "sqlite://./data/priceline.db"
        );
        assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.log_filter, "info");
        assert_eq!(settings.pool_size, 8);
        assert_eq!(settings.workers, None);
        assert!(settings.cors_origins.is_empty());
        assert!(settings.security.auth.is_open());
        assert_eq!(
            settings.security.rate_limit,
            RateLimitSettings {
                per_second: 50,
                burst: 100,
                trust_forwarded: false
            }
        );
    }

    #[test]
    fn security_settings_are_checked_and_never_shown() {
        let secret = "a-jwt-secret-of-exactly-32-bytes";
        let hash = crate::auth::api_key::hash_hex("plk_k");
        let configured = settings(&[
            (API_KEYS, &format!("reporting:{hash}")),
            (JWT_SECRET, secret),
            (JWT_ISSUER, "https://issuer.example"),
            (RATE_LIMIT_PER_SECOND, "0"),
            (TRUST_FORWARDED, "true"),
        ])
        .unwrap();
        assert!(!configured.security.auth.is_open());
        assert!(!configured.security.rate_limit.enabled());
        assert!(configured.security.rate_limit.trust_forwarded);
        let shown = format!("{configured:?}");
        assert!(!shown.contains(secret) && !shown.contains(&hash), "{shown}");
        assert!(shown.contains("reporting"), "{shown}");

        let short = "31 bytes, one short of 32 bytes";
        let cases = [
            (JWT_SECRET, short),
            // Set but blank: refused, never taken as "no credential" (the API would be open).
            (JWT_SECRET, "   "),
            (JWT_SECRET, ""),
            (API_KEYS, ""),
            (API_KEYS, " "),
            (API_KEYS, ","),
            (API_KEYS, &format!("reporting:{hash},,other:{hash}")),
            (JWT_ISSUER, " "),
            (API_KEYS, "reporting"),
            (API_KEYS, "reporting:abc"),
            (JWT_AUDIENCE, "api"),
            (RATE_LIMIT_BURST, "-1"),
            (RATE_LIMIT_PER_SECOND, "fast"),
            (TRUST_FORWARDED, "maybe"),
        ];
        for (variable, value) in cases {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, variable, "{error}");
            let text = error.to_string();
            assert!(text.contains(variable), "{text}");
            // (Blank and one-character values are refused for being blank; there is nothing to hide.)
            if (variable == JWT_SECRET || variable == API_KEYS) && value.trim().len() > 1 {
                assert!(!text.contains(value), "{text} shows the value");
            }
        }
    }

    #[test]
    fn cors_origins_are_checked() {
        let configured = settings(&[(
            CORS_ORIGINS,
            "https://app.example.com/, http://localhost:3000",
        )])
        .unwrap();
        assert_eq!(
            configured.cors_origins,
            ["https://app.example.com", "http://localhost:3000"]
        );
        assert_eq!(
            settings(&[(CORS_ORIGINS, "*")]).unwrap().cors_origins,
            ["*"]
        );
        let error = settings(&[(CORS_ORIGINS, "app.example.com")]).unwrap_err();
        assert_eq!(error.variable, CORS_ORIGINS);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let cases = [
            (LISTEN, "localhost"),
            (POOL_SIZE, "0"),
            (WORKERS, "many"),
            (DATABASE_URL, "mysql://db/prices"),
            (LOG, "info,[["),
            (CACHE_MB, "lots"),
            (CACHE_MB, "100000"),
        ];
        for (variable, value) in cases {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, variable);
            assert!(error.to_string().contains(variable), "{error}");
        }
    }

    #[test]
    fn the_listen_address_may_be_a_host_name() {
        let listen = settings(&[(LISTEN, "localhost:8123")]).unwrap().listen;
        assert!(listen.ip().is_loopback(), "{listen}");
        assert_eq!(listen.port(), 8123);
        assert_eq!(
            settings(&[(LISTEN, " [::1]:9000 ")])
                .unwrap()
                .listen
                .to_string(),
            "[::1]:9000"
        );
        for bad in ["localhost", "localhost:http", "no-such-host.invalid:8080"] {
            let error = settings(&[(LISTEN, bad)]).unwrap_err().to_string();
            assert!(error.contains(LISTEN) && error.contains(bad), "{error}");
        }
    }

    #[test]
    fn trust_forwarded_accepts_exactly_the_spellings_its_error_lists() {
        for (text, trusted) in [
            ("true", true),
            ("YES", true),
            ("1", true),
            ("False", false),
            ("no", false),
            ("0", false),
        ] {
            let settings = settings(&[(TRUST_FORWARDED, text)]).unwrap();
            assert_eq!(
                settings.security.rate_limit.trust_forwarded, trusted,
                "{text}"
            );
        }
        for text in ["on", "off", "y", "2", "truthy"] {
            let error = settings(&[(TRUST_FORWARDED, text)])
                .unwrap_err()
                .to_string();
            assert!(error.contains(TRUST_FORWARDED_SPELLINGS), "{error}");
            assert!(error.contains(&format!("{text:?}")), "{error}");
        }
        assert_eq!(
            TRUST_FORWARDED_SPELLINGS,
            "true, false, yes, no, 1, 0 (in any case)"
        );
    }

    #[test]
    fn a_sqlite_pool_above_its_cap_is_noticed() {
        let notices = settings(&[(POOL_SIZE, "50")]).unwrap().notices();
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(
            notices[0].contains("PRICELINE_POOL_SIZE=50") && notices[0].contains("capped at 8"),
            "{notices:?}"
        );
        assert!(settings(&[(POOL_SIZE, "8")]).unwrap().notices().is_empty());
        let postgres = settings(&[
            (POOL_SIZE, "50"),
            (DATABASE_URL, "postgres://db.internal/prices"),
        ])
        .unwrap();
        assert!(postgres.notices().is_empty());
    }

    #[test]
    fn the_cache_size_is_in_megabytes_and_zero_turns_it_off() {
        assert_eq!(settings(&[]).unwrap().cache_bytes, 64 * 1024 * 1024);
        let defaults = settings(&[]).unwrap().pool_options();
        assert_eq!(defaults.acquire_timeout, Duration::from_secs(3));
        assert_eq!(defaults.statement_timeout, Some(Duration::from_secs(10)));
        let configured = settings(&[(DB_ACQUIRE_TIMEOUT, "1"), (DB_STATEMENT_TIMEOUT, "0")])
            .unwrap()
            .pool_options();
        assert_eq!(configured.acquire_timeout, Duration::from_secs(1));
        assert_eq!(configured.statement_timeout, None, "0 turns it off");
        for (variable, value) in [
            (DB_ACQUIRE_TIMEOUT, "0"),
            (DB_ACQUIRE_TIMEOUT, "soon"),
            (DB_STATEMENT_TIMEOUT, "-1"),
            (DB_STATEMENT_TIMEOUT, "9999"),
        ] {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, variable, "{error}");
        }
        assert_eq!(settings(&[(CACHE_MB, "0")]).unwrap().cache_bytes, 0);
        assert_eq!(settings(&[(CACHE_MB, " 8 ")]).unwrap().cache_bytes, 8 << 20);
    }

    #[test]
    fn the_database_password_is_never_shown() {
        let settings = settings(&[(
            DATABASE_URL,
            "postgres://app:s3cret@db.internal:5433/prices",
        )])
        .unwrap();
        let shown = format!("{:?} {}", settings, settings.database_url);
        assert!(!shown.contains("s3cret"), "{shown}");
        let error = settings_error("postgres://app:s3cret@db.internal:notaport/prices");
        assert!(!error.contains("s3cret"), "{error}");
        assert!(error.contains("port"), "{error}");
    }

    fn settings_error(url: &str) -> String {
        settings(&[(DATABASE_URL, url)]).unwrap_err().to_string()
    }
}
