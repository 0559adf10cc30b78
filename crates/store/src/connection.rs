//! Choosing and opening the backend from the database URL.
//!
//! The scheme decides: a plain path or `sqlite://` is the embedded SQLite file, `postgres://` or
//! `postgresql://` is PostgreSQL. We never let Diesel's `MultiConnection::establish` try backends in turn:
//! SQLite accepts any string as a file name and the real PostgreSQL error would be lost.

use std::fmt;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};

use crate::{StoreError, StoreResult};

/// One connection to whichever backend the URL chose; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A validated database URL. `Display` hides any password so the URL can be logged.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(url::Url),
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> StoreResult<Self> {
        let text = text.trim();
        let invalid = |reason: String| StoreError::InvalidUrl { reason };
        if text.is_empty() {
            return Err(invalid("it is empty".into()));
        }
        let Some((scheme, rest)) = text.split_once("://") else {
            if text.contains(":memory:") {
                return Err(invalid(
                    "an in-memory SQLite database would differ per pooled connection; give a file path".into(),
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(text)));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                if rest.is_empty() {
                    return Err(invalid(
                        "sqlite:// needs a file path, e.g. sqlite://./data/priceline.db".into(),
                    ));
                }
                Ok(Self::Sqlite(PathBuf::from(rest)))
            }
            "postgres" | "postgresql" => url::Url::parse(text)
                .map(Self::Postgres)
                .map_err(|error| invalid(format!("{error} in {}", redact_text(text)))),
            other => Err(invalid(format!(
                "unsupported scheme {other:?}: use a file path or sqlite:// for SQLite, postgres:// or postgresql:// for PostgreSQL"
            ))),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Where the database lives, for messages: the file path or `host:port`.
    pub fn target(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => format!(
                "{}:{}",
                url.host_str().unwrap_or("localhost"),
                url.port().unwrap_or(5432)
            ),
        }
    }

    /// The text handed to the driver (and to a child process). Contains the password: never log it.
    /// A PostgreSQL URL gets [`LIBPQ_DEFAULTS`] for each of them it does not set itself.
    pub fn connection_string(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => {
                let mut url = url.clone();
                let missing: Vec<(&str, &str)> = LIBPQ_DEFAULTS
                    .into_iter()
                    .filter(|(key, _)| !url.query_pairs().any(|(set, _)| set == *key))
                    .collect();
                if !missing.is_empty() {
                    url.query_pairs_mut().extend_pairs(missing);
                }
                url.to_string()
            }
        }
    }
}

/// libpq settings that make an unreachable server or a dead network an error rather than a hang: a
/// bounded connect (seconds), and TCP keepalives that notice a peer gone silent (idle seconds, then
/// probes every interval, given up after count).
pub const LIBPQ_DEFAULTS: [(&str, &str); 5] = [
    ("connect_timeout", "5"),
    ("keepalives", "1"),
    ("keepalives_idle", "30"),
    ("keepalives_interval", "10"),
    ("keepalives_count", "3"),
];

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => {
                let mut shown = url.clone();
                if shown.password().is_some() {
                    // Only fails for URLs that cannot have a password, which this one has.
                    let _ = shown.set_password(Some("****"));
                }
                // libpq also takes the password as a parameter (`?password=…`).
                if shown
                    .query_pairs()
                    .any(|(key, _)| is_secret_parameter(&key))
                {
                    let pairs: Vec<(String, String)> = shown
                        .query_pairs()
                        .map(|(key, value)| {
                            let value = if is_secret_parameter(&key) {
                                "****".to_owned()
                            } else {
                                value.into_owned()
                            };
                            (key.into_owned(), value)
                        })
                        .collect();
                    shown.query_pairs_mut().clear().extend_pairs(pairs);
                }
                f.write_str(shown.as_str())
            }
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// libpq connection parameters that hold a secret.
fn is_secret_parameter(key: &str) -> bool {
    matches!(key, "password" | "sslpassword")
}

fn redact_text(text: &str) -> String {
    // Text that failed to parse: hide anything between "://" and the last "@" (user and password;
    // a password may hold `?` or `@`), then everything after a `?` (parameters may hold it too).
    let text = match (text.find("://"), text.rfind('@')) {
        (Some(start), Some(end)) if end > start => {
            format!("{}://****{}", &text[..start], &text[end..])
        }
        _ => text.to_owned(),
    };
    match text.split_once('?') {
        Some((base, _)) => format!("{base}?****"),
        None => text,
    }
}

/// Opens one connection, with per-connection settings applied (SQLite pragmas).
pub fn connect(url: &DatabaseUrl) -> StoreResult<DbConnection> {
    let backend = url.backend();
    let failed = |reason: String| StoreError::Connect {
        backend: backend.name(),
        target: url.target(),
        reason,
    };
    match url {
        DatabaseUrl::Sqlite(path) => {
            create_parent_dir(path).map_err(|error| failed(error.to_string()))?;
            let mut connection = SqliteConnection::establish(&url.connection_string())
                .map_err(|error| failed(describe(error)))?;
            configure_sqlite(&mut connection).map_err(|error| failed(error.to_string()))?;
            Ok(DbConnection::Sqlite(connection))
        }
        DatabaseUrl::Postgres(_) => PgConnection::establish(&url.connection_string())
            .map(DbConnection::Postgres)
            .map_err(|error| failed(describe(error))),
    }
}

/// How long a statement waits for SQLite's write lock before failing.
const SQLITE_BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 5000";

/// 16 KiB pages for a new database (the page size is fixed once the first table exists; it must come
/// before WAL): measured back to back, a 1M-rate import took 1.8 s instead of 2.0–2.3 s with 4 KiB
/// pages (fewer b-tree splits, half the system time), for a file of the same size. WAL lets readers
/// go on while an import writes;
/// busy_timeout makes writers wait instead of failing; a 32 MB page cache (allocated as used) keeps
/// the indexes an import extends in memory; SQLite leaves foreign keys off unless asked, per
/// connection.
fn configure_sqlite(connection: &mut SqliteConnection) -> diesel::QueryResult<()> {
    connection.batch_execute(
        "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
         PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768;",
    )?;
    connection.batch_execute(SQLITE_BUSY_TIMEOUT)
}

fn create_parent_dir(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => std::fs::create_dir_all(parent),
        _ => Ok(()),
    }
}

fn describe(error: ConnectionError) -> String {
    match error {
        ConnectionError::BadConnection(text) => text.trim().to_owned(),
        other => other.to_string().trim().to_owned(),
    }
}

/// Checks that the database answers a trivial query.
pub fn ping(connection: &mut DbConnection) -> StoreResult<()> {
    connection
        .batch_execute("SELECT 1")
        .map_err(StoreError::from)
}
