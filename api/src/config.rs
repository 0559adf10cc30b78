//! Typed configuration from environment variables (and an optional `.env` file), validated at start.
//! A bad value fails with a message naming the variable; secrets (the database password) are never
//! printed (nor the JWT secret or API key hashes, also not in Debug output).

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use priceline_store::{Backend, DatabaseUrl, PoolOptions, SQLITE_MAX_POOL_SIZE};
use thiserror::Error;

use crate::audit::{AuditMode, AuditSettings};
use crate::auth::AuthPolicy;
use crate::auth::api_key::ApiKeys;
use crate::auth::jwt::{JwtVerifier, MIN_SECRET_BYTES};
use crate::forwarded::PublicUrl;
use crate::metrics::MetricsSettings;
use crate::middleware::rate_limit::RateLimitSettings;
use crate::security::Security;
use crate::telemetry::{LogFormat, OtelSettings};

/// The variables we read, with their defaults; the README's configuration table mirrors this.
pub const DATABASE_URL: &str = "PRICELINE_DATABASE_URL";
pub const LISTEN: &str = "PRICELINE_LISTEN";
pub const LOG: &str = "PRICELINE_LOG";
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
pub const LOG_FORMAT: &str = "PRICELINE_LOG_FORMAT";
pub const METRICS: &str = "PRICELINE_METRICS";
pub const METRICS_TOKEN: &str = "PRICELINE_METRICS_TOKEN";
pub const PUBLIC_URL: &str = "PRICELINE_PUBLIC_URL";
pub const SHUTDOWN_SECONDS: &str = "PRICELINE_SHUTDOWN_SECONDS";
pub const SHUTDOWN_DELAY_SECONDS: &str = "PRICELINE_SHUTDOWN_DELAY_SECONDS";
pub const KEEP_ALIVE_SECONDS: &str = "PRICELINE_KEEP_ALIVE_SECONDS";
pub const IMPORT_MAX_BYTES: &str = "PRICELINE_IMPORT_MAX_BYTES";
pub const IMPORT_URL_ALLOWLIST: &str = "PRICELINE_IMPORT_URL_ALLOWLIST";
pub const ALLOW_ANONYMOUS_IMPORTS: &str = "PRICELINE_ALLOW_ANONYMOUS_IMPORTS";
pub const IMPORT_DIR: &str = "PRICELINE_IMPORT_DIR";
pub const IMPORT_DIR_SHARED: &str = "PRICELINE_IMPORT_DIR_SHARED";
pub const IMPORT_RECOVERY_SECONDS: &str = "PRICELINE_IMPORT_RECOVERY_SECONDS";
pub const AUDIT: &str = "PRICELINE_AUDIT";
pub const AUDIT_RETENTION_DAYS: &str = "PRICELINE_AUDIT_RETENTION_DAYS";

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
/// Seconds in-flight requests get to finish once the listener stops (SIGTERM/SIGINT); what is still
/// running then is dropped. Kubernetes' default grace period is also 30 s: it must cover this plus
/// any delay (preStop, PRICELINE_SHUTDOWN_DELAY_SECONDS).
pub const DEFAULT_SHUTDOWN_SECONDS: u32 = 30;
/// Seconds between a stop signal (readiness fails at once) and the listener closing. 0: a load
/// balancer that learns of the stop from `/readyz` needs its probe period times its failure
/// threshold here; Kubernetes takes a terminating pod out of its Service by itself (deploy/ adds a
/// preStop pause), and an operator pressing Ctrl-C wants the server gone at once.
pub const DEFAULT_SHUTDOWN_DELAY_SECONDS: u32 = 0;
/// Seconds an idle keep-alive connection stays open. A load balancer must close an idle connection
/// before its backend does, or a request it sends on it as the server closes it fails (a 502): the
/// server's timeout must exceed every balancer's. AWS ALB: 60 s by default; Azure Load Balancer:
/// 4 min (240 s) by default; Google Cloud's external Application Load Balancers keep backend
/// connections 600 s (610 s for the classic one) and ask for a longer backend timeout. 620 s is above
/// all three; an idle connection costs a few kilobytes.
pub const DEFAULT_KEEP_ALIVE_SECONDS: u32 = 620;
/// The largest file an import job takes (upload or download): 4 GiB, above the biggest hospital
/// files published (about 2 GB uncompressed).
pub const DEFAULT_IMPORT_MAX_BYTES: u64 = 4 << 30;
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
    /// The URL clients reach the API at, when it is not the server's own (a gateway, a path prefix):
    /// the spec's `servers` and the `page.next` links are based on it.
    pub public_url: Option<PublicUrl>,
    /// Stopping: how long readiness fails before the listener closes, then how long in-flight
    /// requests get; and the idle keep-alive timeout.
    pub lifecycle: Lifecycle,
    /// Import jobs over the API (`POST /v1/imports`).
    pub imports: ImportSettings,
    /// Text, JSON, or JSON unless stderr is a terminal.
    pub log_format: LogFormat,
    /// Whether `/metrics` is served, and the token it requires.
    pub metrics: MetricsSettings,
    /// Which OTLP exporters the standard `OTEL_*` variables ask for.
    pub otel: OtelSettings,
    /// What the audit trail records and how long it keeps it.
    pub audit: AuditSettings,
}

/// See [`DEFAULT_SHUTDOWN_SECONDS`], [`DEFAULT_SHUTDOWN_DELAY_SECONDS`], [`DEFAULT_KEEP_ALIVE_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    pub shutdown_timeout: Duration,
    pub shutdown_delay: Duration,
    /// `None`: keep-alive off (`PRICELINE_KEEP_ALIVE_SECONDS=0`), one request per connection.
    pub keep_alive: Option<Duration>,
}

/// What `POST /v1/imports` accepts and where received files wait.
#[derive(Debug, Clone)]
pub struct ImportSettings {
    /// The largest upload or download, in bytes.
    pub max_bytes: u64,
    /// URL prefixes a job may download from; empty: URL jobs are refused.
    pub url_allowlist: Vec<String>,
    /// Import jobs without credentials, when credentials are off.
    pub allow_anonymous: bool,
    /// Where received files wait for the runner (a folder per job).
    pub dir: std::path::PathBuf,
    /// Every server over the database sees the same `dir` (a shared volume): any of them may run
    /// an upload job. Otherwise only the server that received the upload runs it.
    pub dir_shared: bool,
    /// On PostgreSQL, how often a server looks for jobs left running by a server that is gone.
    pub recovery_period: std::time::Duration,
}

/// Seconds between two looks for jobs a vanished server left running (PostgreSQL).
pub const DEFAULT_IMPORT_RECOVERY_SECONDS: u64 = 60;

impl Settings {
    /// Reads the process environment, after loading `.env` from the working directory if present.
    pub fn from_env() -> Result<Self, ConfigError> {
        load_dotenv()?;
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Only the address `serve` listens on, read as `from_env` reads it (`.env` included), for
    /// `priceline healthcheck`: a probe must not fail on settings it does not use.
    pub fn listen_from_env() -> Result<SocketAddr, ConfigError> {
        load_dotenv()?;
        let text = std::env::var(LISTEN)
            .ok()
            .filter(|value| !value.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        parse_listen(&text)
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
        let public_url = lookup(PUBLIC_URL)
            .filter(|value| !value.trim().is_empty())
            .map(|value| {
                PublicUrl::parse(&value).map_err(|reason| ConfigError {
                    variable: PUBLIC_URL,
                    reason,
                })
            })
            .transpose()?;
        let lifecycle = Lifecycle {
            shutdown_timeout: Duration::from_secs(
                seconds(SHUTDOWN_SECONDS, DEFAULT_SHUTDOWN_SECONDS)?.into(),
            ),
            shutdown_delay: Duration::from_secs(
                seconds(SHUTDOWN_DELAY_SECONDS, DEFAULT_SHUTDOWN_DELAY_SECONDS)?.into(),
            ),
            keep_alive: match seconds(KEEP_ALIVE_SECONDS, DEFAULT_KEEP_ALIVE_SECONDS)? {
                0 => None,
                value => Some(Duration::from_secs(value.into())),
            },
        };
        let imports = parse_imports(&lookup)?;
        let log_format_text = get(LOG_FORMAT, "auto");
        let log_format = LogFormat::parse(&log_format_text).ok_or_else(|| ConfigError {
            variable: LOG_FORMAT,
            reason: format!("{log_format_text:?} is not one of text, json or auto"),
        })?;
        let metrics = parse_metrics(&lookup)?;
        let otel = OtelSettings::from_lookup(&lookup)
            .map_err(|(variable, reason)| ConfigError { variable, reason })?;
        let audit = parse_audit(&lookup)?;
        Ok(Self {
            database_url,
            listen,
            log_filter,
            pool_size,
            workers,
            security,
            cors_origins,
            cache_bytes,
            db_acquire_timeout,
            db_statement_timeout,
            public_url,
            lifecycle,
            imports,
            log_format,
            metrics,
            otel,
            audit,
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

/// Loads `.env` from the working directory into the environment. A missing .env is normal; a
/// malformed one is worth failing on.
fn load_dotenv() -> Result<(), ConfigError> {
    match dotenvy::dotenv() {
        Ok(_) => Ok(()),
        Err(error) if error.not_found() => Ok(()),
        Err(error) => Err(ConfigError {
            variable: ".env",
            reason: error.to_string(),
        }),
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
    let trust_forwarded = parse_flag(TRUST_FORWARDED, set(TRUST_FORWARDED))?;
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
    // On unless turned off: unset or blank means the default.
    let enabled = match lookup(METRICS).filter(|value| !value.trim().is_empty()) {
        None => true,
        value => parse_flag(METRICS, value)?,
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

/// `PRICELINE_AUDIT` (`on` when unset) and `PRICELINE_AUDIT_RETENTION_DAYS` (unset or 0: keep
/// forever). Both fail closed: a value set but blank or malformed stops the server, since an audit
/// trail silently off, or silently shortened, is what an auditor must not find.
fn parse_audit(lookup: &impl Fn(&str) -> Option<String>) -> Result<AuditSettings, ConfigError> {
    let mode = match lookup(AUDIT) {
        None => AuditMode::default(),
        Some(text) => AuditMode::parse(&text).ok_or_else(|| ConfigError {
            variable: AUDIT,
            reason: format!("{text:?} is not one of {}", AuditMode::SPELLINGS),
        })?,
    };
    let retention = match lookup(AUDIT_RETENTION_DAYS) {
        None => None,
        Some(text) => match text.trim().parse::<u32>() {
            Ok(0) => None,
            Ok(days) if days <= 36_500 => Some(Duration::from_secs(u64::from(days) * 86_400)),
            _ => {
                return Err(ConfigError {
                    variable: AUDIT_RETENTION_DAYS,
                    reason: format!(
                        "{text:?} is not a whole number of days from 0 (keep forever) to 36500"
                    ),
                });
            }
        },
    };
    Ok(AuditSettings { mode, retention })
}

/// A yes/no setting, false when unset: one of [`TRUST_FORWARDED_SPELLINGS`].
fn parse_flag(variable: &'static str, value: Option<String>) -> Result<bool, ConfigError> {
    let Some(value) = value.map(|value| value.trim().to_owned()) else {
        return Ok(false);
    };
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(ConfigError {
            variable,
            reason: format!("{value:?} is not one of {TRUST_FORWARDED_SPELLINGS}"),
        }),
    }
}

/// The import-job settings: the size limit, the URL allowlist, anonymous imports, the folder.
fn parse_imports(lookup: &impl Fn(&str) -> Option<String>) -> Result<ImportSettings, ConfigError> {
    let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    let max_bytes = match set(IMPORT_MAX_BYTES) {
        None => DEFAULT_IMPORT_MAX_BYTES,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(bytes) if bytes >= 1 => bytes,
            _ => {
                return Err(ConfigError {
                    variable: IMPORT_MAX_BYTES,
                    reason: format!("{text:?} is not a whole number of bytes (at least 1)"),
                });
            }
        },
    };
    let mut url_allowlist = Vec::new();
    for prefix in set(IMPORT_URL_ALLOWLIST)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|prefix| !prefix.is_empty())
    {
        // A prefix must name at least a scheme and a host, so `https://` alone (any host) or a
        // bare host (`example.com`, which would match nothing) is a mistake to report.
        let parsed = url::Url::parse(prefix).ok();
        let valid = parsed.as_ref().is_some_and(|url| {
            matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|h| !h.is_empty())
        });
        if !valid {
            return Err(ConfigError {
                variable: IMPORT_URL_ALLOWLIST,
                reason: format!(
                    "{prefix:?} is not an http(s) URL prefix with a host, such as https://data.example-hospital.org/prices/"
                ),
            });
        }
        url_allowlist.push(prefix.to_owned());
    }
    let allow_anonymous = parse_flag(ALLOW_ANONYMOUS_IMPORTS, set(ALLOW_ANONYMOUS_IMPORTS))?;
    let dir = set(IMPORT_DIR).map_or_else(
        || std::env::temp_dir().join("priceline-imports"),
        |dir| std::path::PathBuf::from(dir.trim()),
    );
    let dir_shared = parse_flag(IMPORT_DIR_SHARED, set(IMPORT_DIR_SHARED))?;
    let recovery_period = match set(IMPORT_RECOVERY_SECONDS) {
        None => DEFAULT_IMPORT_RECOVERY_SECONDS,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(seconds) if (1..=86_400).contains(&seconds) => seconds,
            _ => {
                return Err(ConfigError {
                    variable: IMPORT_RECOVERY_SECONDS,
                    reason: format!("{text:?} is not a whole number of seconds from 1 to 86400"),
                });
            }
        },
    };
    Ok(ImportSettings {
        max_bytes,
        url_allowlist,
        allow_anonymous,
        dir,
        dir_shared,
        recovery_period: std::time::Duration::from_secs(recovery_period),
    })
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
        assert_eq!(
            settings.lifecycle,
            Lifecycle {
                shutdown_timeout: Duration::from_secs(30),
                shutdown_delay: Duration::ZERO,
                keep_alive: Some(Duration::from_secs(620)),
            }
        );
    }

    #[test]
    fn lifecycle_settings_are_read_and_checked() {
        let set = settings(&[
            (SHUTDOWN_SECONDS, "5"),
            (SHUTDOWN_DELAY_SECONDS, "10"),
            (KEEP_ALIVE_SECONDS, "0"),
        ])
        .unwrap();
        assert_eq!(set.lifecycle.shutdown_timeout, Duration::from_secs(5));
        assert_eq!(set.lifecycle.shutdown_delay, Duration::from_secs(10));
        assert_eq!(set.lifecycle.keep_alive, None);
        for variable in [SHUTDOWN_SECONDS, SHUTDOWN_DELAY_SECONDS, KEEP_ALIVE_SECONDS] {
            for value in ["-1", "soon", "3601"] {
                let error = settings(&[(variable, value)]).unwrap_err();
                assert_eq!(error.variable, variable, "{error}");
            }
        }
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
    fn import_settings_are_checked() {
        let defaults = settings(&[]).unwrap().imports;
        assert_eq!(defaults.max_bytes, 4 << 30);
        assert!(defaults.url_allowlist.is_empty() && !defaults.allow_anonymous);
        assert!(!defaults.dir_shared);
        assert_eq!(defaults.recovery_period, Duration::from_secs(60));
        let configured = settings(&[
            (IMPORT_MAX_BYTES, "1000"),
            (
                IMPORT_URL_ALLOWLIST,
                "https://files.example.org/mrf/, http://127.0.0.1:8000/",
            ),
            (ALLOW_ANONYMOUS_IMPORTS, "true"),
            (IMPORT_DIR, "/var/lib/priceline/uploads"),
            (IMPORT_DIR_SHARED, "yes"),
            (IMPORT_RECOVERY_SECONDS, "5"),
        ])
        .unwrap()
        .imports;
        assert!(configured.dir_shared);
        assert_eq!(configured.recovery_period, Duration::from_secs(5));
        assert_eq!(configured.max_bytes, 1000);
        assert_eq!(
            configured.url_allowlist,
            ["https://files.example.org/mrf/", "http://127.0.0.1:8000/"]
        );
        assert!(configured.allow_anonymous);
        assert_eq!(
            configured.dir,
            std::path::Path::new("/var/lib/priceline/uploads")
        );
        for (variable, value) in [
            (IMPORT_MAX_BYTES, "0"),
            (IMPORT_MAX_BYTES, "4GB"),
            (IMPORT_URL_ALLOWLIST, "files.example.org"),
            (IMPORT_URL_ALLOWLIST, "ftp://files.example.org/"),
            (ALLOW_ANONYMOUS_IMPORTS, "sure"),
            (IMPORT_DIR_SHARED, "sometimes"),
            (IMPORT_RECOVERY_SECONDS, "0"),
            (IMPORT_RECOVERY_SECONDS, "1m"),
        ] {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, variable, "{error}");
        }
    }

    #[test]
    fn audit_settings_default_on_and_fail_closed() {
        let defaults = settings(&[]).unwrap().audit;
        assert_eq!(defaults.mode, AuditMode::On);
        assert_eq!(defaults.retention, None);
        let all = settings(&[(AUDIT, "ALL"), (AUDIT_RETENTION_DAYS, "30")]).unwrap();
        assert_eq!(all.audit.mode, AuditMode::All);
        assert_eq!(all.audit.retention, Some(Duration::from_secs(30 * 86_400)));
        let forever = settings(&[(AUDIT_RETENTION_DAYS, "0")]).unwrap();
        assert_eq!(forever.audit.retention, None);
        for (variable, value) in [
            (AUDIT, ""),
            (AUDIT, "yes"),
            (AUDIT_RETENTION_DAYS, ""),
            (AUDIT_RETENTION_DAYS, "-1"),
            (AUDIT_RETENTION_DAYS, "30d"),
            (AUDIT_RETENTION_DAYS, "99999"),
        ] {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, variable, "{value:?}");
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
    fn the_public_url_is_an_absolute_http_url() {
        assert_eq!(settings(&[]).unwrap().public_url, None);
        let url = settings(&[(PUBLIC_URL, "https://gw.example.com/priceline")]).unwrap();
        assert!(url.public_url.is_some());
        for bad in [
            "gw.example.com",
            "/priceline",
            "https://gw.example.com/a//b",
        ] {
            let error = settings(&[(PUBLIC_URL, bad)]).unwrap_err();
            assert_eq!(error.variable, PUBLIC_URL, "{error}");
        }
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
