//! Choosing and opening the backend from the database URL.
//!
//! The scheme decides: a plain path or `sqlite://` is the embedded SQLite file, `postgres://` or
//! `postgresql://` is PostgreSQL. We never let Diesel's `MultiConnection::establish` try backends in turn:
//! SQLite accepts any string as a file name and the real PostgreSQL error would be lost.
//!
//! A SQLite file may be encrypted (SQLCipher, issue 14): its [`DatabaseKey`] travels with the URL, is
//! applied first on every connection, and a file that the key (or the lack of one) cannot read is an
//! error before anything is written to it.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
    /// The file, and the SQLCipher key it is encrypted with (none: a plain SQLite file).
    Sqlite(PathBuf, Option<DatabaseKey>),
    Postgres(url::Url),
}

/// The passphrase a SQLite file is encrypted with (SQLCipher derives the key from it with PBKDF2).
/// Never shown: `Debug` prints `****`.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey(String);

impl DatabaseKey {
    /// A passphrase used byte for byte; an empty one (or only spaces) is refused: it would be a
    /// secret that did not arrive, not an encryption.
    pub fn new(passphrase: &str) -> Result<Self, String> {
        if passphrase.trim().is_empty() {
            return Err("is set but empty; unset it for a plain (unencrypted) database".to_owned());
        }
        if passphrase.contains('\0') {
            return Err("holds a NUL character".to_owned());
        }
        Ok(Self(passphrase.to_owned()))
    }

    /// The passphrase as an SQL string literal, for `PRAGMA key` and `ATTACH … KEY`.
    pub(crate) fn literal(&self) -> String {
        format!("'{}'", self.0.replace('\'', "''"))
    }
}

impl fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DatabaseKey(****)")
    }
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
            return Ok(Self::Sqlite(PathBuf::from(text), None));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                if rest.is_empty() {
                    return Err(invalid(
                        "sqlite:// needs a file path, e.g. sqlite://./data/priceline.db".into(),
                    ));
                }
                Ok(Self::Sqlite(PathBuf::from(rest), None))
            }
            "postgres" | "postgresql" => url::Url::parse(text)
                .map(Self::Postgres)
                .map_err(|error| invalid(format!("{error} in {}", redact_text(text)))),
            other => Err(invalid(format!(
                "unsupported scheme {other:?}: use a file path or sqlite:// for SQLite, postgres:// or postgresql:// for PostgreSQL"
            ))),
        }
    }

    /// The same database, opened with `key` (SQLCipher). Only a SQLite file can be encrypted here:
    /// PostgreSQL's data is protected by the server's disk encryption and TLS, so a key given for it
    /// is refused rather than ignored.
    pub fn with_key(self, key: Option<DatabaseKey>) -> StoreResult<Self> {
        match (self, key) {
            (Self::Sqlite(path, _), key) => Ok(Self::Sqlite(path, key)),
            (url, None) => Ok(url),
            (Self::Postgres(_), Some(_)) => Err(StoreError::InvalidUrl {
                reason: "a database key encrypts the embedded SQLite file only; PostgreSQL relies on \
                         the server's disk or cloud volume encryption, and TLS (sslmode=verify-full)"
                    .to_owned(),
            }),
        }
    }

    /// The SQLite file's key, if it is encrypted.
    pub fn key(&self) -> Option<&DatabaseKey> {
        match self {
            Self::Sqlite(_, key) => key.as_ref(),
            Self::Postgres(_) => None,
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(..) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Where the database lives, for messages: the file path or `host:port`.
    pub fn target(&self) -> String {
        match self {
            Self::Sqlite(path, _) => path.display().to_string(),
            Self::Postgres(url) => format!(
                "{}:{}",
                url.host_str().unwrap_or("localhost"),
                url.port().unwrap_or(5432)
            ),
        }
    }

    /// The text handed to the driver (and to a child process). Contains the password: never log it.
    /// A PostgreSQL URL gets [`LIBPQ_DEFAULTS`] for each of them it does not set itself. A SQLite
    /// file's key is not part of it.
    pub fn connection_string(&self) -> String {
        match self {
            Self::Sqlite(path, _) => path.display().to_string(),
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
            Self::Sqlite(path, _) => write!(f, "sqlite://{}", path.display()),
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
    // OpenSSL (libpq's TLS, SQLCipher's crypto) initialised without its exit-time cleanup: the
    // pool opens connections on threads of its own, and a process that exited (a server stopping on
    // a startup error) while one of them set up TLS crashed in OpenSSL's freed state about one
    // time in fifteen (SIGSEGV in `SSL_CTX_new` instead of exit code 1). The process's memory goes
    // at exit anyway. Once per process; libpq's own initialisation then changes nothing.
    openssl_sys::init();
    let backend = url.backend();
    let failed = |reason: String| StoreError::Connect {
        backend: backend.name(),
        target: url.target(),
        reason,
    };
    match url {
        DatabaseUrl::Sqlite(path, key) => {
            create_parent_dir(path).map_err(|error| failed(error.to_string()))?;
            let mut connection = SqliteConnection::establish(&url.connection_string())
                .map_err(|error| failed(describe(error)))?;
            unlock_sqlite(&mut connection, path, key.as_ref()).map_err(failed)?;
            configure_sqlite(&mut connection, key.is_some())
                .map_err(|error| failed(error.to_string()))?;
            Ok(DbConnection::Sqlite(connection))
        }
        DatabaseUrl::Postgres(_) => {
            let mut connection = PgConnection::establish(&url.connection_string())
                .map_err(|error| failed(describe(error)))?;
            connection
                .batch_execute(POSTGRES_SESSION)
                .map_err(|error| failed(error.to_string()))?;
            Ok(DbConnection::Postgres(connection))
        }
    }
}

/// Every PostgreSQL session's settings.
/// - JIT off: the planner estimates the joins of rates by id range (`payer_rates.id BETWEEN
///   first_rate_id AND last_rate_id`) at millions of rows, past `jit_above_cost`, and compiling the
///   plan then took ~190 ms for a statement that runs in under one.
/// - Custom plans: diesel prepares each statement once per connection, and after five runs
///   PostgreSQL may switch to a generic plan that ignores the parameters' values: the item range
///   of a charge-item page (`item_id >= $1`, a facility range) was then read in full (a FHIR page
///   at 10M rates: 135 ms a request from the sixth on, against 17 ms). Planning each run costs
///   well under a millisecond for these statements. The /v1 code lookup is the exception: with
///   200 snapshots its planning took 2–3 ms a run, so its transaction asks for a generic plan
///   (`queries::prices::search`).
const POSTGRES_SESSION: &str = "SET jit = off; SET plan_cache_mode = force_custom_plan";

/// The first 16 bytes of every plain SQLite file; an encrypted file's first page is all cipher text.
pub const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether the file at `path` exists and does not start with [`SQLITE_HEADER`] (an encrypted
/// database, or not a database at all).
pub(crate) fn looks_encrypted(path: &Path) -> bool {
    use std::io::Read as _;
    let mut start = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut start))
        .is_ok_and(|()| &start != SQLITE_HEADER)
}

/// Gives a SQLite connection its key (SQLCipher's `PRAGMA key`, before anything else), then reads
/// the schema once: a wrong key, a key for a plain file or no key for an encrypted one fails here,
/// with the remedy, before any pragma could write to the file. The key is also recorded for the
/// import's own connection to the same file (see [`registered_key`]).
fn unlock_sqlite(
    connection: &mut SqliteConnection,
    path: &Path,
    key: Option<&DatabaseKey>,
) -> Result<(), String> {
    if let Some(key) = key {
        connection
            .batch_execute(&format!("{QUIET}; PRAGMA key = {}", key.literal()))
            .map_err(|error| error.to_string())?;
    }
    // Before the first read: a connection opened while another one migrates or imports waits for
    // its lock instead of failing with "database is locked" (as the pool's second connection at
    // start-up did, now and then).
    connection
        .batch_execute(SQLITE_BUSY_TIMEOUT)
        .map_err(|error| error.to_string())?;
    if let Err(error) = connection.batch_execute("SELECT count(*) FROM sqlite_master") {
        let reason = error.to_string();
        if !reason.contains("not a database") {
            return Err(reason);
        }
        return Err(match key {
            Some(_) if looks_encrypted(path) => {
                "PRICELINE_DATABASE_KEY does not open this encrypted database (a wrong key?); \
                 nothing was changed"
                    .to_owned()
            }
            Some(_) => {
                "this is a plain (unencrypted) SQLite file, or not a database: `priceline db \
                        encrypt` encrypts it with PRICELINE_DATABASE_KEY; nothing was changed"
                    .to_owned()
            }
            None => "the file is encrypted (or not a SQLite database): set PRICELINE_DATABASE_KEY \
                     to its key; nothing was changed"
                .to_owned(),
        });
    }
    register_key(connection, key).map_err(|error| error.to_string())
}

/// SQLCipher's own log (to stderr, process-wide): off. A wrong key would print "hmac check failed"
/// lines outside the service's log format; the error returned says what happened.
pub(crate) const QUIET: &str = "PRAGMA cipher_log_level = NONE";

/// Keys of the encrypted SQLite files this process opened, by the path SQLite reports for them.
/// Diesel exposes no raw handle to its connection, so an import opens a second connection to the
/// same file (`snapshot::sqlite::open`) from that path alone: it finds the key here.
static SQLITE_KEYS: Mutex<Option<HashMap<PathBuf, DatabaseKey>>> = Mutex::new(None);

fn register_key(
    connection: &mut SqliteConnection,
    key: Option<&DatabaseKey>,
) -> diesel::QueryResult<()> {
    #[derive(diesel::QueryableByName)]
    struct File {
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    use diesel::RunQueryDsl as _;
    let file: File = diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .get_result(connection)?;
    let mut keys = SQLITE_KEYS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let keys = keys.get_or_insert_with(HashMap::new);
    match key {
        Some(key) => keys.insert(PathBuf::from(file.file), key.clone()),
        None => keys.remove(Path::new(&file.file)),
    };
    Ok(())
}

/// The key the file at `path` (as SQLite reports it) was opened with in this process, if any.
pub(crate) fn registered_key(path: &Path) -> Option<DatabaseKey> {
    SQLITE_KEYS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .and_then(|keys| keys.get(path).cloned())
}

/// How long a statement waits for SQLite's write lock before failing.
const SQLITE_BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 5000";

/// 16 KiB pages for a new database (the page size is fixed once the first table exists; it must come
/// before WAL): measured back to back, a 1M-rate import took 1.8 s instead of 2.0–2.3 s with 4 KiB
/// pages (fewer b-tree splits, half the system time), for a file of the same size. WAL lets readers
/// go on while an import writes; busy_timeout (set in `unlock_sqlite`) makes writers wait instead
/// of failing; a 32 MB page cache (allocated as used) keeps the indexes an import extends in memory;
/// SQLite leaves foreign keys off unless asked, per connection. Reads go through a memory map of the
/// file (its first 2 GB, SQLite's default ceiling) instead of a copy of each page into each
/// connection's cache: at 10M rates a page sorted by amount reads index pages all over the file,
/// and its copies (a `pread` and a `malloc` each, the allocator's lock contended between the pool's
/// connections) cost more than the reads. Measured after a warm-up, wrk 32 connections, alternated
/// twice: cheapest first 695/792 -> 1,276/1,317 req/s, 100 codes in turn 2,171/1,898 -> 2,663/2,559.
/// (SQLCipher maps nothing: an encrypted file is read page by page, as before.)
///
/// An encrypted file keeps SQLCipher's default 4 KiB pages: under SQLCipher `page_size` sets the
/// cipher's page size, which every later connection (the import's, `priceline db`'s) would have to
/// repeat before its first read, or read nothing.
fn configure_sqlite(connection: &mut SqliteConnection, encrypted: bool) -> diesel::QueryResult<()> {
    if !encrypted {
        connection.batch_execute("PRAGMA page_size = 16384;")?;
    }
    connection.batch_execute(
        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
         PRAGMA cache_size = -32768; PRAGMA mmap_size = 2147418112;",
    )
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

/// Runs `work` in a transaction that writes. On SQLite it is begun `IMMEDIATE`, as imports begin
/// theirs: it takes the write lock, or waits for it, before it reads anything. Begun deferred, it
/// read first and took the lock at its first write: under a long import's lock its reading was for
/// nothing, and once the import committed, its snapshot was stale and the upgrade failed at once
/// (`SQLITE_BUSY_SNAPSHOT`, "database is locked"), whatever the busy timeout.
pub(crate) fn write_transaction<T>(
    connection: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> StoreResult<T>,
) -> StoreResult<T> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConnection as Connection>::TransactionManager;
    match connection {
        DbConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(_) => Manager::begin_transaction(connection)?,
    }
    let result = work(connection);
    end_transaction(connection, result)
}

/// Ends the transaction `connection` has open: committed if `result` is a value, rolled back if it
/// is an error. The work's own error is the one to report; a rollback that fails leaves the
/// transaction manager broken, and the pool then drops the connection.
pub(crate) fn end_transaction<T, E: From<StoreError>>(
    connection: &mut DbConnection,
    result: Result<T, E>,
) -> Result<T, E> {
    use diesel::connection::TransactionManager;
    type Manager = <DbConnection as Connection>::TransactionManager;
    match result {
        Ok(value) => {
            Manager::commit_transaction(connection).map_err(|error| E::from(error.into()))?;
            Ok(value)
        }
        Err(error) => {
            let _ = Manager::rollback_transaction(connection);
            Err(error)
        }
    }
}
