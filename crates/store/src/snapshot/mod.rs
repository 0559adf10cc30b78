//! Snapshots: one imported file of one facility, with everything it said.
//!
//! [`SnapshotWriter`] streams a file's records into the database in batches inside one transaction
//! (see [`write_snapshot`] and [`import`]); [`load_snapshot`] gives back the same domain values.

mod reader;
mod writer;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use priceline_domain::{Facility, Item, Modifier, Sha256, SourceFile};

use crate::connection::DbConnection;
use crate::schema::{facilities, source_files};
use crate::{StoreError, StoreResult};

pub use reader::{StoredCounts, count_rows, load_snapshot, source_file_ids};
pub(crate) use writer::effective_date;
pub use writer::{FileReport, SnapshotWriter, StoredFinding, StoredQuarantine, Written};

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

/// Runs `write` inside one transaction that first takes the import lock, so a failure anywhere (an
/// error, a killed process, a lost connection) leaves every earlier snapshot exactly as it was.
/// The caller's error type carries its own failures (a reader's, say) through the rollback.
pub fn import<T, E>(
    connection: &mut DbConnection,
    write: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error> + From<StoreError>,
{
    // On SQLite the import lock is the database's write lock: wait for another import to finish
    // (up to an hour) rather than give up after the usual five seconds.
    let sqlite = matches!(connection, DbConnection::Sqlite(_));
    if sqlite {
        connection.batch_execute(IMPORT_SQLITE_SETTINGS)?;
    }
    let result = connection.transaction(|connection| {
        writer::take_import_lock(connection)?;
        write(connection)
    });
    if sqlite {
        connection.batch_execute(crate::connection::SQLITE_BUSY_TIMEOUT)?;
        connection.batch_execute(SQLITE_DEFAULT_TEMP_STORE)?;
    }
    result
}

/// An import's SQLite settings: the long busy timeout (above), and statement journals in memory.
/// Every multi-row INSERT into a table with NOT NULL columns runs as a statement transaction whose
/// journal keeps a copy of each page it changes; on the default temp store that journal spills to a
/// temporary file after 64 KiB, which made a 1M-rate import write about 1.9 GB of scratch data
/// (ten times the database it produced). The journal of one statement is a few hundred KiB.
const IMPORT_SQLITE_SETTINGS: &str = "PRAGMA busy_timeout = 3600000; PRAGMA temp_store = MEMORY";
/// Back to the compile-time default once the import is done (sorts of large reads may need files).
const SQLITE_DEFAULT_TEMP_STORE: &str = "PRAGMA temp_store = DEFAULT";

/// Writes a whole snapshot held in memory in one transaction.
pub fn write_snapshot(
    connection: &mut DbConnection,
    facility_key: &str,
    facility: &Facility,
    file: &SourceFile,
    items: &[Item],
    modifiers: &[Modifier],
) -> StoreResult<SnapshotIds> {
    import(connection, |connection| -> StoreResult<SnapshotIds> {
        let mut writer = SnapshotWriter::begin(connection, facility_key, facility, file)?;
        for item in items {
            writer.push_item(connection, item)?;
        }
        for modifier in modifiers {
            writer.push_modifier(connection, modifier)?;
        }
        writer.finish(connection, &FileReport::default())
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
