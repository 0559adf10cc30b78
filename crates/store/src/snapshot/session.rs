//! The one transaction of an import, with the import lock, on either backend.

use diesel::prelude::*;

use super::{postgres, sqlite};
use crate::StoreError;
use crate::connection::DbConnection;

/// The connection an import writes through, inside its transaction (see [`import`]); handed to
/// `SnapshotWriter::begin`.
pub struct ImportSession<'s>(pub(super) Session<'s>);

pub(super) enum Session<'s> {
    /// The import's own SQLite connection (see `sqlite.rs` for why it is not Diesel's).
    Sqlite(&'s rusqlite::Connection),
    /// The import's PostgreSQL connections, on threads of their own (see `postgres.rs`).
    Postgres(postgres::Session<'s>),
}

/// Runs `write` inside one transaction that holds the import lock, so a failure anywhere (an error, a
/// killed process, a lost connection) leaves every earlier snapshot exactly as it was. The caller's
/// error type carries its own failures (a reader's, say) through the rollback.
///
/// `rates`, a second connection to the same PostgreSQL database, lets a second server process store
/// the payer rates (see `postgres::Session`); SQLite has one writer and ignores it. Its transaction
/// commits just before the main one, once everything else is written, so the rates are reachable
/// only when the main one has committed too: until then no charge's range names them. Should the main
/// commit itself fail after the rates' did, the rates are left above every committed charge's range,
/// unreachable, and the next import deletes them before writing (`writer::start`).
pub fn import<T, E>(
    connection: &mut DbConnection,
    rates: Option<&mut DbConnection>,
    write: impl FnOnce(ImportSession<'_>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    match connection {
        DbConnection::Sqlite(connection) => {
            let path = sqlite::database_path(connection)?;
            let raw = sqlite::open(&path)?;
            // BEGIN IMMEDIATE takes SQLite's write lock at once: the import lock on this backend
            // (taken up front, so two importers never deadlock upgrading read locks).
            raw.execute_batch("BEGIN IMMEDIATE")
                .map_err(StoreError::from)?;
            let result = sqlite::take_import_lock(&raw, chrono::Utc::now().naive_utc())
                .map_err(E::from)
                .and_then(|()| write(ImportSession(Session::Sqlite(&raw))));
            match result {
                Ok(value) => {
                    raw.execute_batch("COMMIT").map_err(StoreError::from)?;
                    Ok(value)
                }
                Err(error) => {
                    // Closing the connection rolls back too; this makes it explicit and immediate.
                    let _ = raw.execute_batch("ROLLBACK");
                    Err(error)
                }
            }
        }
        DbConnection::Postgres(connection) => connection
            .transaction(|connection| {
                postgres::take_import_lock(connection, chrono::Utc::now().naive_utc())
                    .map_err(|error| Rollback::Caller(E::from(error)))?;
                match rates {
                    Some(DbConnection::Postgres(rates)) => rates.transaction(|rates| {
                        write_postgres(connection, Some(rates), write).map_err(Rollback::Caller)
                    }),
                    _ => write_postgres(connection, None, write).map_err(Rollback::Caller),
                }
            })
            .map_err(Rollback::into_caller),
    }
}

/// Why a PostgreSQL import transaction rolled back: the caller's error, or Diesel's own (its
/// BEGIN, COMMIT or ROLLBACK failed), which the caller is given as a [`StoreError`]. Diesel's
/// transactions need an error type that absorbs Diesel's; this keeps that type out of the store's
/// public API.
enum Rollback<E> {
    Caller(E),
    Transaction(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for Rollback<E> {
    fn from(error: diesel::result::Error) -> Self {
        Self::Transaction(error)
    }
}

impl<E: From<StoreError>> Rollback<E> {
    fn into_caller(self) -> E {
        match self {
            Self::Caller(error) => error,
            Self::Transaction(error) => E::from(StoreError::from(error)),
        }
    }
}

/// Runs `write` with the PostgreSQL connections driven by threads of their own.
fn write_postgres<T, E>(
    connection: &mut diesel::PgConnection,
    rates: Option<&mut diesel::PgConnection>,
    write: impl FnOnce(ImportSession<'_>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    std::thread::scope(|scope| {
        let (session, workers) = postgres::Session::start(scope, connection, rates);
        let mut result = write(ImportSession(Session::Postgres(session)));
        // The session is gone with `write`, so the threads have run out of work.
        for worker in workers {
            let failure = match worker.join() {
                Ok(failure) => failure,
                Err(_) => Some(StoreError::Unavailable(
                    "the import's database thread panicked".into(),
                )),
            };
            if let Some(failure) = failure {
                result = result.and(Err(failure.into()));
            }
        }
        result
    })
}
