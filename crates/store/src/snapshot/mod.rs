//! Snapshots: one imported file of one facility, with everything it said.
//!
//! [`SnapshotWriter`] streams a file's records into the database in batches inside one transaction
//! (see [`write_snapshot`] and [`import`]); [`load_snapshot`] gives back the same domain values.

mod cells;
mod postgres;
mod reader;
mod sqlite;
mod writer;

use diesel::prelude::*;
use priceline_domain::{Facility, Item, Modifier, Sha256, SourceFile};

use crate::connection::DbConnection;
use crate::schema::{facilities, source_files};
use crate::{StoreError, StoreResult};

pub use reader::{StoredCounts, count_rows, load_snapshot, source_file_ids};
pub(crate) use writer::effective_date;
pub use writer::{Begin, FileReport, SnapshotWriter, StoredFinding, StoredQuarantine, Written};

/// Database ids of a written snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotIds {
    pub facility_id: i64,
    pub source_file_id: i64,
}

/// A stored snapshot read back as domain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub facility_key: String,
    pub facility: Facility,
    pub source_file: SourceFile,
    pub items: Vec<Item>,
    pub modifiers: Vec<Modifier>,
}

/// The connection an import writes through, inside its transaction (see [`import`]); handed to
/// [`SnapshotWriter::begin`].
pub struct ImportSession<'s>(Session<'s>);

enum Session<'s> {
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
    E: From<diesel::result::Error> + From<StoreError>,
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
        DbConnection::Postgres(connection) => connection.transaction(|connection| {
            postgres::take_import_lock(connection, chrono::Utc::now().naive_utc())?;
            match rates {
                Some(DbConnection::Postgres(rates)) => {
                    rates.transaction(|rates| write_postgres(connection, Some(rates), write))
                }
                _ => write_postgres(connection, None, write),
            }
        }),
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

/// Writes a whole snapshot held in memory in one transaction (the ids of the stored one when these
/// bytes were imported before).
pub fn write_snapshot(
    connection: &mut DbConnection,
    facility_key: &str,
    facility: &Facility,
    file: &SourceFile,
    items: &[Item],
    modifiers: &[Modifier],
) -> StoreResult<SnapshotIds> {
    import(connection, None, |session| -> StoreResult<SnapshotIds> {
        let mut writer = match SnapshotWriter::begin(session, facility_key, facility, file)? {
            Begin::Writer(writer) => writer,
            Begin::AlreadyImported(ids) => return Ok(ids),
        };
        for item in items {
            writer.push_item(item)?;
        }
        for modifier in modifiers {
            writer.push_modifier(modifier)?;
        }
        writer.finish(&FileReport::default())
    })
}

/// The snapshot already made from these exact bytes, if any.
pub fn find_by_sha256(
    connection: &mut DbConnection,
    sha256: &Sha256,
) -> StoreResult<Option<SnapshotIds>> {
    Ok(source_files::table
        .filter(source_files::sha256.eq(sha256.to_string()))
        .select((source_files::facility_id, source_files::id))
        .first::<(i64, i64)>(connection)
        .optional()?
        .map(|(facility_id, source_file_id)| SnapshotIds {
            facility_id,
            source_file_id,
        }))
}

/// The facility's current snapshot id, if it has one.
pub fn current_source_file_id(
    connection: &mut DbConnection,
    facility_id: i64,
) -> StoreResult<Option<i64>> {
    facilities::table
        .find(facility_id)
        .select(facilities::current_source_file_id)
        .first(connection)
        .map_err(StoreError::from)
}
