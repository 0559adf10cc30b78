//! The store's one error type. Messages are for operators (CLI, logs); the API maps variants to
//! HTTP problems and never shows the text of `Query` to clients.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("invalid database URL: {reason}")]
    InvalidUrl { reason: String },
    #[error("could not connect to {backend} at {target}: {reason}")]
    Connect {
        backend: &'static str,
        target: String,
        reason: String,
    },
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// PostgreSQL cancelled a statement that ran past the connection's `statement_timeout`.
    #[error("the database cancelled a statement that ran too long: {0}")]
    TimedOut(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored {what} {value:?} cannot be read back: {reason}")]
    Corrupt {
        what: &'static str,
        value: String,
        reason: String,
    },
    #[error("not found")]
    NotFound,
    /// A snapshot writer finished before the file's real hash was stored (a bug in its caller).
    #[error("the file's SHA-256 was not stored before the import finished")]
    UnconfirmedHash,
    /// A file with standard charges was to be kept as a rejected submission (a bug in its caller:
    /// a rejected submission never holds rates).
    #[error("a file with standard charges cannot be stored as a rejected submission")]
    RejectedWithCharges,
    /// SQLite gave a bulk row another id than the import had given it (see `sqlite::Inserts`).
    #[error("{table} row {expected} was stored with id {stored}")]
    IdMismatch {
        table: &'static str,
        expected: i64,
        stored: i64,
    },
    /// A paged read whose full fetch gave no line past its cursor (a bug in the read's cursor
    /// condition): reading on would loop forever, so the request fails instead.
    #[error("a paged read did not move past its cursor")]
    Stalled,
    #[error(transparent)]
    Query(QueryError),
    /// From the SQLite import connection (`snapshot::sqlite`).
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

impl From<diesel::result::Error> for StoreError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => Self::NotFound,
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection,
                info,
            ) => Self::Unavailable(info.message().to_owned()),
            // SQLSTATE 57014, which diesel does not expose: PostgreSQL's message for it (in the
            // server's default English; a server with other `lc_messages` gives a 500 instead).
            diesel::result::Error::DatabaseError(_, info)
                if info.message().contains("statement timeout") =>
            {
                Self::TimedOut(info.message().to_owned())
            }
            other => Self::Query(QueryError(other)),
        }
    }
}

/// A query the database refused or could not run. It wraps Diesel's error so that Diesel stays an
/// implementation detail of the store: callers see its message (and `source`), never its type.
#[derive(Debug, Error)]
#[error(transparent)]
pub struct QueryError(diesel::result::Error);

impl From<r2d2::Error> for StoreError {
    fn from(error: r2d2::Error) -> Self {
        Self::Unavailable(error.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
