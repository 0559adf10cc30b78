//! Snapshot functions only tests call (feature `test-support`): a whole snapshot written from
//! memory, and the bookkeeping a test checks after an import. An import goes through
//! [`super::import`] and [`super::SnapshotWriter`] instead.

use diesel::prelude::*;
use priceline_domain::{Facility, Item, Modifier, Sha256, SourceFile};

use super::{Begin, FileReport, SnapshotIds, SnapshotWriter, import};
use crate::connection::DbConnection;
use crate::schema::{facilities, source_files};
use crate::{StoreError, StoreResult};

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
