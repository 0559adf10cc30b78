//! Typed configuration from environment variables (and an optional `.env` file), validated at start.
//! A bad value fails with a message naming the variable; secrets (the database password) are never
//! printed (nor the JWT secret or API key hashes, also not in Debug output).

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use priceline_store::{Backend, DatabaseKey, DatabaseUrl, PoolOptions, SQLITE_MAX_POOL_SIZE};
use thiserror::Error;

use crate::audit::{AuditMode, AuditSettings};
use crate::auth::AuthPolicy;
use crate::auth::api_key::ApiKeys;
use crate::auth::jwt::MIN_SECRET_BYTES;
use crate::auth::key_store::KeySettings;
use crate::auth::oauth::{DEFAULT_TOKEN_SECONDS, TokenIssuer};
use crate::forwarded::PublicUrl;
use crate::metrics::MetricsSettings;
use crate::middleware::auth_failures::AuthFailureSettings;
use crate::middleware::quota::{DEFAULT_TIER, Tiers};
use crate::middleware::rate_limit::RateLimitSettings;
use crate::security::Security;
use crate::telemetry::{LogFormat, OtelSettings};

mod jwt;

/// The variables we read, with their defaults; the README's configuration table mirrors this.
pub const DATABASE_URL: &str = "PRICELINE_DATABASE_URL";
pub const DATABASE_READ_URL: &str = "PRICELINE_DATABASE_READ_URL";
pub const LISTEN: &str = "PRICELINE_LISTEN";
pub const LOG: &str = "PRICELINE_LOG";
pub const POOL_SIZE: &str = "PRICELINE_POOL_SIZE";
pub const WORKERS: &str = "PRICELINE_WORKERS";
pub const API_KEYS: &str = "PRICELINE_API_KEYS";
pub const JWT_SECRET: &str = "PRICELINE_JWT_SECRET";
pub const JWT_ISSUER: &str = "PRICELINE_JWT_ISSUER";
pub const JWT_AUDIENCE: &str = "PRICELINE_JWT_AUDIENCE";
pub const JWT_JWKS_URL: &str = "PRICELINE_JWT_JWKS_URL";
pub const JWT_ALGORITHMS: &str = "PRICELINE_JWT_ALGORITHMS";
pub const JWT_LEEWAY_SECONDS: &str = "PRICELINE_JWT_LEEWAY_SECONDS";
pub const JWT_JWKS_REFETCH_SECONDS: &str = "PRICELINE_JWT_JWKS_REFETCH_SECONDS";
pub const KEYS_MANAGED: &str = "PRICELINE_KEYS_MANAGED";
pub const OAUTH_SIGNING_KEY: &str = "PRICELINE_OAUTH_SIGNING_KEY";
pub const OAUTH_TOKEN_SECONDS: &str = "PRICELINE_OAUTH_TOKEN_SECONDS";
pub const RATE_LIMIT_PER_SECOND: &str = "PRICELINE_RATE_LIMIT_PER_SECOND";
pub const RATE_LIMIT_BURST: &str = "PRICELINE_RATE_LIMIT_BURST";
pub const RATE_LIMIT_TIERS: &str = "PRICELINE_RATE_LIMIT_TIERS";
pub const AUTH_FAILURE_LIMIT: &str = "PRICELINE_AUTH_FAILURE_LIMIT";
pub const AUTH_FAILURE_WINDOW_SECONDS: &str = "PRICELINE_AUTH_FAILURE_WINDOW_SECONDS";
pub const AUTH_FAILURE_PENALTY_SECONDS: &str = "PRICELINE_AUTH_FAILURE_PENALTY_SECONDS";
pub const AUTH_FAILURE_DELAY_MS: &str = "PRICELINE_AUTH_FAILURE_DELAY_MS";
pub const TRUST_FORWARDED: &str = "PRICELINE_TRUST_FORWARDED";
pub const CORS_ORIGINS: &str = "PRICELINE_CORS_ORIGINS";
pub const CACHE_MB: &str = "PRICELINE_CACHE_MB";
pub const DB_ACQUIRE_TIMEOUT: &str = "PRICELINE_DB_ACQUIRE_TIMEOUT";
pub const DB_THREADS: &str = "PRICELINE_DB_THREADS";
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
pub const TLS_CERT: &str = "PRICELINE_TLS_CERT";
pub const TLS_KEY: &str = "PRICELINE_TLS_KEY";
pub const DATABASE_KEY: &str = "PRICELINE_DATABASE_KEY";
/// Only for `priceline db rekey`: the key the database gets (an environment variable, never an
/// argument, which other users could read in `ps`).
pub const DATABASE_NEW_KEY: &str = "PRICELINE_DATABASE_NEW_KEY";
pub const EXPORT_DIR: &str = "PRICELINE_EXPORT_DIR";
pub const EXPORT_FILE_LINES: &str = "PRICELINE_EXPORT_FILE_LINES";
pub const AUDIT: &str = "PRICELINE_AUDIT";
pub const AUDIT_RETENTION_DAYS: &str = "PRICELINE_AUDIT_RETENTION_DAYS";

pub const DEFAULT_DATABASE_URL: &str = "./data/priceline.db";
/// Where FHIR bulk exports write their files (a folder per job).
pub const DEFAULT_EXPORT_DIR: &str = "./data/exports";
/// The most resources in one bulk export file; a type with more is split over several files.
pub const DEFAULT_EXPORT_FILE_LINES: u64 = 100_000;
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
/// Refused credentials from one address within the window before it is refused for the penalty:
/// a person mistyping a key stays well below it, a guesser reaches it within seconds.
pub const DEFAULT_AUTH_FAILURE_LIMIT: u32 = 10;
pub const DEFAULT_AUTH_FAILURE_WINDOW_SECONDS: u32 = 60;
pub const DEFAULT_AUTH_FAILURE_PENALTY_SECONDS: u32 = 300;
/// Each refused credential waits this many milliseconds per earlier failure in the window.
pub const DEFAULT_AUTH_FAILURE_DELAY_MS: u32 = 250;

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
    /// PostgreSQL read replicas that serve the API's reads of price data (none: the primary does).
    pub read_urls: Vec<DatabaseUrl>,
    pub listen: SocketAddr,
    /// A `tracing` filter directive such as `info` or `priceline_api=debug,info`.
    pub log_filter: String,
    pub pool_size: u32,
    /// The threads requests' reads run on ([`crate::db_threads`]): by default one per core on
    /// SQLite (whose queries run in process; no more than its connections), and one per pooled
    /// connection on PostgreSQL.
    pub db_threads: usize,
    /// HTTP worker threads; `None` lets actix use one per core.
    pub workers: Option<usize>,
    /// Credentials the /v1 API accepts (none: open) and the per-client rate limit.
    pub security: Security,
    /// Managed API keys and the tokens of `/oauth/token`.
    pub keys: KeySettings,
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
    /// FHIR bulk exports: where their files go and how many lines one holds.
    pub exports: ExportSettings,
    /// Text, JSON, or JSON unless stderr is a terminal.
    pub log_format: LogFormat,
    /// Whether `/metrics` is served, and the token it requires.
    pub metrics: MetricsSettings,
    /// Which OTLP exporters the standard `OTEL_*` variables ask for.
    pub otel: OtelSettings,
    /// The certificate and key the server serves TLS with; `None`: plain HTTP.
    pub tls: Option<TlsFiles>,
    /// What the audit trail records and how long it keeps it.
    pub audit: AuditSettings,
}

/// Where the certificate chain and its private key are (PEM files), as configured; read by
/// `crate::server::tls` when the server starts and on SIGHUP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
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

/// FHIR bulk exports (`GET /fhir/$export`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSettings {
    /// Where jobs write their files, a folder per job.
    pub dir: std::path::PathBuf,
    /// The most lines (resources) in one file.
    pub file_lines: u64,
}

/// Seconds between two looks for jobs a vanished server left running (PostgreSQL).
pub const DEFAULT_IMPORT_RECOVERY_SECONDS: u64 = 60;

/// `PRICELINE_DATABASE_READ_URL`: one or more PostgreSQL URLs, separated by commas, of replicas of
/// the PostgreSQL primary. Fails closed: set but blank, a URL that does not parse, SQLite (which has
/// no replicas) or a replica of an embedded database stop the server rather than serve without them.
fn parse_read_urls(
    primary: &DatabaseUrl,
    value: Option<String>,
) -> Result<Vec<DatabaseUrl>, ConfigError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let refuse = |reason: String| ConfigError {
        variable: DATABASE_READ_URL,
        reason,
    };
    if value.trim().is_empty() {
        return Err(refuse(
            "is set but empty: give one or more PostgreSQL replica URLs, or unset it".to_owned(),
        ));
    }
    if primary.backend() != Backend::Postgres {
        return Err(refuse(format!(
            "read replicas need a PostgreSQL primary; {DATABASE_URL} is {}",
            primary.backend().name()
        )));
    }
    value
        .split(',')
        .enumerate()
        .map(|(index, text)| {
            let url = DatabaseUrl::parse(text.trim())
                .map_err(|error| refuse(format!("URL {}: {error}", index + 1)))?;
            if url.backend() != Backend::Postgres {
                return Err(refuse(format!(
                    "URL {} is {}, not a PostgreSQL replica",
                    index + 1,
                    url.backend().name()
                )));
            }
            Ok(url)
        })
        .collect()
}

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
        let read_urls = parse_read_urls(&database_url, lookup(DATABASE_READ_URL))?;
        let database_key = parse_database_key(DATABASE_KEY, lookup(DATABASE_KEY))?;
        let database_url = database_url
            .with_key(database_key)
            .map_err(|error| ConfigError {
                variable: DATABASE_KEY,
                reason: error.to_string(),
            })?;
        let listen = parse_listen(&get(LISTEN, DEFAULT_LISTEN))?;
        let log_filter = get(LOG, DEFAULT_LOG);
        tracing_subscriber::EnvFilter::try_new(&log_filter).map_err(|error| ConfigError {
            variable: LOG,
            reason: format!("{log_filter:?} is not a log filter such as info or debug: {error}"),
        })?;
        let pool_size = parse_positive(POOL_SIZE, &get(POOL_SIZE, &DEFAULT_POOL_SIZE.to_string()))?;
        let db_threads = match lookup(DB_THREADS).filter(|value| !value.trim().is_empty()) {
            Some(value) => parse_positive(DB_THREADS, &value)? as usize,
            // Never more threads than connections: a thread without one would wait in the pool.
            None => match database_url.backend() {
                Backend::Sqlite => std::thread::available_parallelism()
                    .map_or(2, usize::from)
                    .min(pool_size.min(SQLITE_MAX_POOL_SIZE) as usize),
                Backend::Postgres => pool_size as usize,
            },
        };
        let workers = lookup(WORKERS)
            .filter(|value| !value.trim().is_empty())
            .map(|value| parse_positive(WORKERS, &value).map(|n| n as usize))
            .transpose()?;
        let security = parse_security(&lookup)?;
        let keys = parse_keys(&lookup)?;
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
        let exports = ExportSettings {
            dir: std::path::PathBuf::from(get(EXPORT_DIR, DEFAULT_EXPORT_DIR).trim()),
            file_lines: match lookup(EXPORT_FILE_LINES).filter(|v| !v.trim().is_empty()) {
                None => DEFAULT_EXPORT_FILE_LINES,
                Some(text) => text
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|lines| *lines >= 1)
                    .ok_or_else(|| ConfigError {
                        variable: EXPORT_FILE_LINES,
                        reason: format!("{text:?} is not a whole number of lines (at least 1)"),
                    })?,
            },
        };
        let log_format_text = get(LOG_FORMAT, "auto");
        let log_format = LogFormat::parse(&log_format_text).ok_or_else(|| ConfigError {
            variable: LOG_FORMAT,
            reason: format!("{log_format_text:?} is not one of text, json or auto"),
        })?;
        let metrics = parse_metrics(&lookup)?;
        let otel = OtelSettings::from_lookup(&lookup)
            .map_err(|(variable, reason)| ConfigError { variable, reason })?;
        let tls = parse_tls(&lookup)?;
        let audit = parse_audit(&lookup)?;
        Ok(Self {
            database_url,
            read_urls,
            listen,
            log_filter,
            pool_size,
            db_threads,
            workers,
            security,
            keys,
            cors_origins,
            cache_bytes,
            db_acquire_timeout,
            db_statement_timeout,
            public_url,
            lifecycle,
            imports,
            exports,
            log_format,
            metrics,
            otel,
            tls,
            audit,
        })
    }
}

/// A SQLCipher passphrase setting: unset is none; set but blank is an error (fail closed: a key
/// that did not arrive must not leave a database unencrypted, or make a new plain one).
pub fn parse_database_key(
    variable: &'static str,
    value: Option<String>,
) -> Result<Option<DatabaseKey>, ConfigError> {
    value
        .map(|text| DatabaseKey::new(&text).map_err(|reason| ConfigError { variable, reason }))
        .transpose()
}

/// `PRICELINE_TLS_CERT` and `PRICELINE_TLS_KEY`: both or neither, neither blank. The files are read
/// when the server starts (`crate::server::tls`), so other commands do not depend on them.
fn parse_tls(lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<TlsFiles>, ConfigError> {
    let path = |variable: &'static str| match lookup(variable) {
        Some(value) if value.trim().is_empty() => Err(ConfigError {
            variable,
            reason: "is set but empty; unset both PRICELINE_TLS_CERT and PRICELINE_TLS_KEY to \
                     serve plain HTTP"
                .to_owned(),
        }),
        value => Ok(value.map(|value| std::path::PathBuf::from(value.trim()))),
    };
    match (path(TLS_CERT)?, path(TLS_KEY)?) {
        (Some(cert), Some(key)) => Ok(Some(TlsFiles { cert, key })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError {
            variable: TLS_KEY,
            reason: format!("is not set but {TLS_CERT} is: TLS needs both"),
        }),
        (None, Some(_)) => Err(ConfigError {
            variable: TLS_CERT,
            reason: format!("is not set but {TLS_KEY} is: TLS needs both"),
        }),
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
        let rate_limit = &self.security.rate_limit;
        if !rate_limit.enabled() && !rate_limit.tiers.is_empty() {
            notices.push(format!(
                "{RATE_LIMIT_TIERS} is not used: rate limiting is off ({RATE_LIMIT_PER_SECOND} or \
                 {RATE_LIMIT_BURST} is 0)"
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
    let jwt = jwt::parse(lookup, &credential)?;
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
    // Set but blank is a list that did not arrive: refused, as the tiers' keys would silently fall
    // back to the default tier.
    let tiers = match lookup(RATE_LIMIT_TIERS) {
        None => Tiers::default(),
        Some(text) => Tiers::parse(&text).map_err(|reason| ConfigError {
            variable: RATE_LIMIT_TIERS,
            reason,
        })?,
    };
    for (name, tier) in api_keys.tiers() {
        if &*tier.0 != DEFAULT_TIER && !tiers.contains(&tier.0) {
            return Err(ConfigError {
                variable: API_KEYS,
                reason: format!(
                    "the key {name} names the tier {}, which {RATE_LIMIT_TIERS} does not define",
                    tier.0
                ),
            });
        }
    }
    Ok(Security {
        auth: AuthPolicy::new(api_keys, jwt),
        rate_limit: RateLimitSettings {
            per_second: count(RATE_LIMIT_PER_SECOND, DEFAULT_RATE_LIMIT_PER_SECOND)?,
            burst: count(RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_BURST)?,
            trust_forwarded,
            tiers,
        },
        auth_failures: parse_auth_failures(lookup, trust_forwarded)?,
    })
}

/// `PRICELINE_AUTH_FAILURE_*`: each a whole number in its range, the default when unset.
fn parse_auth_failures(
    lookup: &impl Fn(&str) -> Option<String>,
    trust_forwarded: bool,
) -> Result<AuthFailureSettings, ConfigError> {
    let number = |variable: &'static str, default: u32, range: std::ops::RangeInclusive<u32>| {
        let Some(text) = lookup(variable).filter(|value| !value.trim().is_empty()) else {
            return Ok(default);
        };
        match text.trim().parse::<u32>() {
            Ok(value) if range.contains(&value) => Ok(value),
            _ => Err(ConfigError {
                variable,
                reason: format!(
                    "{text:?} is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            }),
        }
    };
    let seconds = |value: u32| Duration::from_secs(value.into());
    Ok(AuthFailureSettings {
        limit: number(AUTH_FAILURE_LIMIT, DEFAULT_AUTH_FAILURE_LIMIT, 0..=1000)?,
        window: seconds(number(
            AUTH_FAILURE_WINDOW_SECONDS,
            DEFAULT_AUTH_FAILURE_WINDOW_SECONDS,
            1..=86_400,
        )?),
        penalty: seconds(number(
            AUTH_FAILURE_PENALTY_SECONDS,
            DEFAULT_AUTH_FAILURE_PENALTY_SECONDS,
            1..=86_400,
        )?),
        delay: Duration::from_millis(
            number(
                AUTH_FAILURE_DELAY_MS,
                DEFAULT_AUTH_FAILURE_DELAY_MS,
                0..=10_000,
            )?
            .into(),
        ),
        trust_forwarded,
    })
}

/// `PRICELINE_KEYS_MANAGED` and the signer of `/oauth/token` tokens: HS256 with
/// `PRICELINE_JWT_SECRET` when set (checked by `parse_security`), else EdDSA with the PEM of
/// `PRICELINE_OAUTH_SIGNING_KEY`, which fails closed: set but blank or not an Ed25519 key stops the
/// server, whichever signs.
fn parse_keys(lookup: &impl Fn(&str) -> Option<String>) -> Result<KeySettings, ConfigError> {
    let managed = parse_flag(
        KEYS_MANAGED,
        lookup(KEYS_MANAGED).filter(|value| !value.trim().is_empty()),
    )?;
    let lifetime = match lookup(OAUTH_TOKEN_SECONDS).filter(|value| !value.trim().is_empty()) {
        None => DEFAULT_TOKEN_SECONDS,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(value) if (60..=86_400).contains(&value) => value,
            _ => {
                return Err(ConfigError {
                    variable: OAUTH_TOKEN_SECONDS,
                    reason: format!("{text:?} is not a number of seconds from 60 to 86400"),
                });
            }
        },
    };
    let eddsa = match lookup(OAUTH_SIGNING_KEY) {
        None => None,
        Some(value) if value.trim().is_empty() => {
            return Err(ConfigError {
                variable: OAUTH_SIGNING_KEY,
                reason: "is set but empty; unset it to do without this credential".to_owned(),
            });
        }
        // A PEM given on one line (`.env`, a container's environment) may write its line breaks
        // as `\n`.
        Some(pem) => Some(
            TokenIssuer::eddsa(&pem.replace("\\n", "\n"), lifetime).map_err(|reason| {
                ConfigError {
                    variable: OAUTH_SIGNING_KEY,
                    reason,
                }
            })?,
        ),
    };
    // `parse_security` has refused a blank or short secret already.
    let issuer = match lookup(JWT_SECRET).filter(|secret| secret.len() >= MIN_SECRET_BYTES) {
        Some(secret) => Some(TokenIssuer::hs256(
            secret.as_bytes(),
            lookup(JWT_ISSUER).map(|value| value.trim().to_owned()),
            lookup(JWT_AUDIENCE).map(|value| value.trim().to_owned()),
            lifetime,
        )),
        None => eddsa,
    };
    Ok(KeySettings { managed, issuer })
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
    fn read_replicas_are_postgresql_urls_of_a_postgresql_primary() {
        let primary = (DATABASE_URL, "postgres://app@primary:5432/prices");
        let read = |value: &str| settings(&[primary, (DATABASE_READ_URL, value)]);
        let two =
            read("postgres://r@replica-1/prices, postgresql://r@replica-2:6432/prices").unwrap();
        let targets: Vec<String> = two.read_urls.iter().map(DatabaseUrl::target).collect();
        assert_eq!(targets, ["replica-1:5432", "replica-2:6432"]);
        assert!(settings(&[primary]).unwrap().read_urls.is_empty());
        for (value, reason) in [
            ("  ", "set but empty"),
            ("postgres://r@replica-1/prices,", "URL 2"),
            ("./replica.db", "not a PostgreSQL replica"),
        ] {
            let error = read(value).unwrap_err();
            assert_eq!(error.variable, DATABASE_READ_URL);
            assert!(error.reason.contains(reason), "{value:?}: {}", error.reason);
        }
        let error = settings(&[(DATABASE_READ_URL, "postgres://r@replica-1/prices")]).unwrap_err();
        assert!(
            error.reason.contains("PostgreSQL primary"),
            "{}",
            error.reason
        );
    }

    #[test]
    fn database_threads_follow_the_backend_unless_set() {
        let cores = std::thread::available_parallelism().unwrap().get();
        assert_eq!(settings(&[]).unwrap().db_threads, cores);
        let postgres = (DATABASE_URL, "postgres://db.internal/prices");
        assert_eq!(settings(&[postgres]).unwrap().db_threads, 8);
        assert_eq!(
            settings(&[postgres, (POOL_SIZE, "20")]).unwrap().db_threads,
            20
        );
        assert_eq!(settings(&[(DB_THREADS, "3")]).unwrap().db_threads, 3);
        assert_eq!(settings(&[(POOL_SIZE, "1")]).unwrap().db_threads, 1);
        assert_eq!(settings(&[(DB_THREADS, " ")]).unwrap().db_threads, cores);
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
                trust_forwarded: false,
                tiers: Tiers::default(),
            }
        );
        assert_eq!(
            settings.security.auth_failures,
            AuthFailureSettings {
                limit: 10,
                window: Duration::from_secs(60),
                penalty: Duration::from_secs(300),
                delay: Duration::from_millis(250),
                trust_forwarded: false,
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
    fn managed_key_settings_fail_closed() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIC3tYXHjP3JkHlVYmWRU4kAVrpqmkfJLchIBlLXTSV9U\n-----END PRIVATE KEY-----\n";
        let defaults = settings(&[]).unwrap();
        assert!(!defaults.keys.managed && defaults.keys.issuer.is_none());
        let eddsa = settings(&[(OAUTH_SIGNING_KEY, pem), (KEYS_MANAGED, "yes")]).unwrap();
        assert!(eddsa.keys.managed);
        assert_eq!(
            eddsa.keys.issuer.as_ref().map(|issuer| issuer.algorithm()),
            Some("EdDSA")
        );
        assert!(!format!("{eddsa:?}").contains("MC4CAQ"));
        // One line with escaped line breaks, as an env file holds it.
        let escaped = pem.replace('\n', "\\n");
        assert!(settings(&[(OAUTH_SIGNING_KEY, &escaped)]).is_ok());
        // The JWT secret, when set, signs the tokens (HS256).
        let hs = settings(&[
            (JWT_SECRET, "a-jwt-secret-of-exactly-32-bytes"),
            (OAUTH_SIGNING_KEY, pem),
        ])
        .unwrap();
        assert_eq!(
            hs.keys.issuer.as_ref().map(|issuer| issuer.algorithm()),
            Some("HS256")
        );
        for (variable, value) in [
            (OAUTH_SIGNING_KEY, ""),
            (OAUTH_SIGNING_KEY, "  "),
            (OAUTH_SIGNING_KEY, "not a key"),
            (
                OAUTH_SIGNING_KEY,
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            ),
            (KEYS_MANAGED, "maybe"),
            (OAUTH_TOKEN_SECONDS, "10"),
            (OAUTH_TOKEN_SECONDS, "a day"),
        ] {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, variable, "{value}: {error}");
        }
    }

    #[test]
    fn export_settings_are_checked() {
        let defaults = settings(&[]).unwrap().exports;
        assert_eq!(defaults.dir, std::path::Path::new("./data/exports"));
        assert_eq!(defaults.file_lines, 100_000);
        let configured = settings(&[(EXPORT_DIR, "/srv/exports"), (EXPORT_FILE_LINES, "5")])
            .unwrap()
            .exports;
        assert_eq!(configured.dir, std::path::Path::new("/srv/exports"));
        assert_eq!(configured.file_lines, 5);
        for value in ["0", "-1", "many"] {
            let error = settings(&[(EXPORT_FILE_LINES, value)]).unwrap_err();
            assert_eq!(error.variable, EXPORT_FILE_LINES, "{value}");
        }
    }

    #[test]
    fn rate_limit_tiers_and_auth_failure_settings_are_checked() {
        let hash = crate::auth::api_key::hash_hex("plk_k");
        let configured = settings(&[
            (RATE_LIMIT_TIERS, "free=10/s:20,partner=200/s:400"),
            (API_KEYS, &format!("reporting:{hash}:prices:read:partner")),
            (AUTH_FAILURE_LIMIT, "0"),
            (AUTH_FAILURE_DELAY_MS, "0"),
            (AUTH_FAILURE_PENALTY_SECONDS, "2"),
            (TRUST_FORWARDED, "yes"),
        ])
        .unwrap();
        let rate_limit = &configured.security.rate_limit;
        assert_eq!(rate_limit.tiers.get("partner").unwrap().burst, 400);
        let failures = configured.security.auth_failures;
        assert!(!failures.enabled() && failures.trust_forwarded);
        assert_eq!(failures.penalty, Duration::from_secs(2));
        assert!(failures.delay.is_zero());
        // A key may name the default tier without defining it.
        settings(&[(API_KEYS, &format!("reporting:{hash}::default"))]).unwrap();
        let unknown_tier = format!("reporting:{hash}::gold");
        for (vars, variable) in [
            (vec![(RATE_LIMIT_TIERS, "")], RATE_LIMIT_TIERS),
            (vec![(RATE_LIMIT_TIERS, " ")], RATE_LIMIT_TIERS),
            (vec![(RATE_LIMIT_TIERS, "free=10")], RATE_LIMIT_TIERS),
            (vec![(RATE_LIMIT_TIERS, "free=10/s,")], RATE_LIMIT_TIERS),
            (vec![(API_KEYS, unknown_tier.as_str())], API_KEYS),
            (vec![(AUTH_FAILURE_LIMIT, "many")], AUTH_FAILURE_LIMIT),
            (vec![(AUTH_FAILURE_LIMIT, "1001")], AUTH_FAILURE_LIMIT),
            (
                vec![(AUTH_FAILURE_WINDOW_SECONDS, "0")],
                AUTH_FAILURE_WINDOW_SECONDS,
            ),
            (
                vec![(AUTH_FAILURE_PENALTY_SECONDS, "-5")],
                AUTH_FAILURE_PENALTY_SECONDS,
            ),
            (
                vec![(AUTH_FAILURE_DELAY_MS, "10001")],
                AUTH_FAILURE_DELAY_MS,
            ),
        ] {
            let error = settings(&vars).unwrap_err();
            assert_eq!(error.variable, variable, "{vars:?}: {error}");
            assert!(error.to_string().contains(variable), "{error}");
        }
        let off = settings(&[(RATE_LIMIT_TIERS, "free=1/s"), (RATE_LIMIT_BURST, "0")]).unwrap();
        assert!(
            off.notices()[0].contains(RATE_LIMIT_TIERS),
            "{:?}",
            off.notices()
        );
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
            (DB_THREADS, "0"),
            (DB_THREADS, "all"),
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

    #[test]
    fn tls_needs_both_files_and_neither_blank() {
        assert_eq!(settings(&[]).unwrap().tls, None);
        let both = settings(&[
            (TLS_CERT, "/etc/tls/cert.pem"),
            (TLS_KEY, "/etc/tls/key.pem"),
        ])
        .unwrap()
        .tls
        .unwrap();
        assert_eq!(both.cert, std::path::Path::new("/etc/tls/cert.pem"));
        for (vars, variable) in [
            (&[(TLS_CERT, "/c.pem")][..], TLS_KEY),
            (&[(TLS_KEY, "/k.pem")][..], TLS_CERT),
            (&[(TLS_CERT, " "), (TLS_KEY, "/k.pem")][..], TLS_CERT),
            (&[(TLS_CERT, "/c.pem"), (TLS_KEY, "")][..], TLS_KEY),
        ] {
            let error = settings(vars).unwrap_err();
            assert_eq!(error.variable, variable, "{error}");
        }
    }

    #[test]
    fn a_database_key_is_for_sqlite_never_blank_and_never_shown() {
        let keyed = settings(&[(DATABASE_KEY, "correct horse battery staple")]).unwrap();
        assert!(keyed.database_url.key().is_some());
        let shown = format!("{keyed:?} {}", keyed.database_url);
        assert!(!shown.contains("horse"), "{shown}");
        assert!(settings(&[]).unwrap().database_url.key().is_none());
        for vars in [
            &[(DATABASE_KEY, "")][..],
            &[(DATABASE_KEY, "   ")][..],
            &[
                (DATABASE_KEY, "k"),
                (DATABASE_URL, "postgres://db.internal/prices"),
            ][..],
        ] {
            let error = settings(vars).unwrap_err();
            assert_eq!(error.variable, DATABASE_KEY, "{error}");
        }
    }

    fn settings_error(url: &str) -> String {
        settings(&[(DATABASE_URL, url)]).unwrap_err().to_string()
    }
}
