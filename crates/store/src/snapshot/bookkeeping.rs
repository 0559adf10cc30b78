//! What records a snapshot around its bulk rows: its ids, its counts, and the statements each
//! backend implements for them (`sqlite.rs` with rusqlite, `postgres.rs` with Diesel). The writer
//! applies the rules once over this trait; the backends sit below it and never import the writer.

use chrono::{NaiveDate, NaiveDateTime};
use priceline_domain::{Facility, SourceFile};

use super::cells::BulkTable;
use super::report::Rejection;
use crate::StoreResult;

/// `source_files.status` of a file that is (or may become) a snapshot of its facility.
pub const ACCEPTED: &str = "accepted";
/// `source_files.status` of a rejected submission: an unusable file kept with its findings, never a
/// snapshot (see `SnapshotWriter::reject`).
pub const REJECTED: &str = "rejected";

/// Database ids of a written snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotIds {
    pub facility_id: i64,
    pub source_file_id: i64,
}

/// Counts of what this writer stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub items: i64,
    /// Items in one setting (an item with charges in two settings is two): the FHIR
    /// ChargeItemDefinitions of the file.
    pub charge_items: i64,
    pub standard_charges: i64,
    pub payer_rates: i64,
    pub modifiers: i64,
    pub quarantined: i64,
    pub findings: i64,
}

/// The counts `finish` records on the source file.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SnapshotCounts {
    pub rows_read: i64,
    pub duplicate_rows: i64,
    pub skipped_rows: i64,
    pub error_count: i64,
    pub alert_count: i64,
    pub written: Written,
}

/// The statements that record a snapshot around its bulk rows, once per backend: `sqlite.rs`
/// (rusqlite) and `postgres.rs` (Diesel). The rules they serve are written once, below.
pub(crate) trait Bookkeeping {
    /// Whether the backend gives bulk rows their ids itself, the next after the largest (SQLite,
    /// see `sqlite::Inserts`): the import's ids are then read after leftover rates are deleted.
    const ASSIGNS_IDS: bool;

    fn find_by_sha256(&mut self, sha256: &str) -> StoreResult<Option<SnapshotIds>>;
    fn set_sha256(&mut self, source_file_id: i64, sha256: &str) -> StoreResult<()>;
    /// The facility's id, found by its key or created (with its names, without identifiers).
    fn upsert_facility(
        &mut self,
        facility_key: &str,
        facility: &Facility,
        now: NaiveDateTime,
    ) -> StoreResult<i64>;
    fn insert_source_file(
        &mut self,
        facility_id: i64,
        facility: &Facility,
        file: &SourceFile,
    ) -> StoreResult<i64>;
    /// The highest id of an id-keyed bulk table (0 when empty).
    fn max_id(&mut self, table: BulkTable) -> StoreResult<i64>;
    /// Runs [`DELETE_UNREACHABLE_RATES`].
    fn delete_unreachable_rates(&mut self) -> StoreResult<()>;
    /// The id of a payer and plan (`''` for no plan), stored on first sight.
    fn payer_plan_id(&mut self, payer: &str, plan: &str) -> StoreResult<i64>;
    /// Records the file's counts and its payer plans' rate counts.
    fn record_counts(
        &mut self,
        source_file_id: i64,
        counts: &SnapshotCounts,
        plan_rates: &[(i64, i64)],
    ) -> StoreResult<()>;
    /// Records the CCN and EIN a usable file gives (a rejected one changes no facility's
    /// identifiers); one it does not give keeps the one an earlier file gave.
    fn record_identifiers(&mut self, facility_id: i64, facility: &Facility) -> StoreResult<()>;
    /// Marks the file a rejected submission: its status, the reason, the next step and its raw
    /// header. It is then never made current (see `writer::conclude`).
    fn reject(&mut self, source_file_id: i64, rejection: &Rejection) -> StoreResult<()>;
    /// The facility's current snapshot, if it has one: its source file id and the date it speaks for.
    fn current_snapshot(&mut self, facility_id: i64) -> StoreResult<Option<(i64, NaiveDate)>>;
    /// Runs one statement of the read models (`statistics::record`).
    fn run(&mut self, statement: &str) -> StoreResult<()>;
    /// Makes the snapshot its facility's current one, with the facility's names from its header.
    fn make_current(
        &mut self,
        ids: SnapshotIds,
        facility: &Facility,
        now: NaiveDateTime,
    ) -> StoreResult<()>;
}

/// Payer rates above the range of the last committed charge with rates: left by an import whose
/// rates' transaction committed and whose main one did not (see `snapshot::import`). Charges and
/// their rates get ids in the same increasing order, so every reachable rate is at or below that
/// range's end. Charges without rates are passed over: those migration 000004 found without rates
/// have the empty range (0, -1), which would make every rate look unreachable.
pub(super) const DELETE_UNREACHABLE_RATES: &str = "DELETE FROM payer_rates WHERE id > COALESCE(\
     (SELECT last_rate_id FROM standard_charges WHERE last_rate_id >= first_rate_id \
      ORDER BY id DESC LIMIT 1), 0)";
