//! Imports into SQLite on a connection of their own, through rusqlite rather than Diesel.
//!
//! Why: Diesel binds every value through its generic serialisation layer and runs multi-row INSERTs,
//! which SQLite journals per statement; together they were half of an import's write time (profiled:
//! about 10k instructions a payer rate for binding alone). Here each row is one execution of a
//! prepared single-row INSERT with its values bound straight from the domain values. Diesel exposes
//! no raw handle to its SQLite connection, so the import opens a second connection to the same file
//! and does everything of one snapshot on it, inside one `BEGIN IMMEDIATE` transaction (which is also
//! SQLite's write lock, so it serialises importers like the import lock does on PostgreSQL).
//!
//! Its [`Bookkeeping`] statements are those of `postgres.rs` (Diesel), in plain SQL.

use std::fmt::Write;
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use priceline_domain::{Ccn, Ein, Facility, SourceFile, StateCode};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Statement, params};

use super::bookkeeping::{
    Bookkeeping, DELETE_UNREACHABLE_RATES, REJECTED, SnapshotCounts, SnapshotIds,
};
use super::cells::{BulkTable, Cell, Row, position};
use super::report::Rejection;
use crate::codec::template_version_text;
use crate::queries::place::AddressParts;
use crate::{StoreError, StoreResult};

/// How Diesel writes `Timestamp` and `Date` on SQLite, so the API reads these rows back alike.
const TIMESTAMP_FORMAT: &str = "%F %T%.f";

/// The file behind a Diesel SQLite connection (`main` in `PRAGMA database_list`).
pub(super) fn database_path(
    connection: &mut diesel::sqlite::SqliteConnection,
) -> StoreResult<PathBuf> {
    #[derive(diesel::QueryableByName)]
    struct File {
        #[diesel(sql_type = Text)]
        file: String,
    }
    let file: File = diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .get_result(connection)?;
    // A temporary or in-memory database has no file a second connection could open.
    if file.file.is_empty() {
        return Err(StoreError::InvalidUrl {
            reason: "imports need a database file; this SQLite database has none".into(),
        });
    }
    Ok(PathBuf::from(file.file))
}

/// Opens the import's own connection with the settings of `connection::configure_sqlite`, a wait of
/// up to an hour for another import's write lock, statement journals in memory and a larger page
/// cache for the indexes an import extends. 48 MiB imports a 5M-row file as fast as 64 MiB did
/// (measured), and leaves room for the reader's index of repeated rows within the import's memory
/// of before (issue 15).
pub(super) fn open(path: &PathBuf) -> StoreResult<Connection> {
    let connection = Connection::open(path)?;
    // An encrypted file: the key its Diesel connection was opened with, first of all.
    if let Some(key) = crate::connection::registered_key(path) {
        connection.execute_batch(&format!("PRAGMA key = {}", key.literal()))?;
    }
    connection.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
         PRAGMA cache_size = -49152; PRAGMA temp_store = MEMORY; PRAGMA busy_timeout = 3600000;",
    )?;
    Ok(connection)
}

fn timestamp(value: NaiveDateTime) -> String {
    value.format(TIMESTAMP_FORMAT).to_string()
}

pub(super) fn take_import_lock(connection: &Connection, now: NaiveDateTime) -> StoreResult<()> {
    connection.execute(
        "UPDATE import_lock SET locked_at = ?1 WHERE id = 1",
        [timestamp(now)],
    )?;
    Ok(())
}

/// The prepared single-row INSERT of every bulk table.
///
/// A table keyed by a rowid `id` (items, charges, rates, modifiers) is inserted into without its
/// id: SQLite then gives the row the next after the largest, which is the one the import gave it
/// (the import holds the write lock and counts on from the largest, see `writer::start`), and it
/// appends the row at the end of the table instead of seeking where that id belongs (a seek per row
/// was a tenth of the writer thread). Each such insert checks that the id SQLite gave is the one
/// the other rows refer to by.
pub(super) struct Inserts<'c> {
    connection: &'c Connection,
    tables: Vec<TableInsert<'c>>,
    /// Where [`Cell::Display`] values are formatted (SQLite copies bound text).
    scratch: String,
}

struct TableInsert<'c> {
    statement: Statement<'c>,
    /// Whether the row's first cell is its rowid `id`, which SQLite assigns.
    assigned_id: bool,
    /// What each parameter holds from the last row, where that is a number or NULL: SQLite keeps
    /// bindings across executions, so an unchanged value is not bound again (a file's id on every
    /// row, the many columns a payer rate leaves empty).
    bound: Vec<Option<Bound>>,
}

impl<'c> Inserts<'c> {
    pub(super) fn prepare(connection: &'c Connection) -> StoreResult<Self> {
        let tables = BulkTable::ALL
            .iter()
            .map(|table| {
                let assigned_id = table.columns().first() == Some(&"id");
                let columns = &table.columns()[usize::from(assigned_id)..];
                let values: Vec<String> = (1..=columns.len()).map(|n| format!("?{n}")).collect();
                let statement = connection.prepare(&format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    table.name(),
                    columns.join(", "),
                    values.join(", ")
                ))?;
                Ok(TableInsert {
                    statement,
                    assigned_id,
                    bound: vec![None; columns.len()],
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok(Self {
            connection,
            tables,
            scratch: String::new(),
        })
    }

    pub(super) fn insert(&mut self, (table, cells): Row<'_, '_>) -> StoreResult<()> {
        let TableInsert {
            statement,
            assigned_id,
            bound,
        } = &mut self.tables[table as usize];
        let (id, cells) = match cells {
            [Cell::BigInt(id), rest @ ..] if *assigned_id => (Some(*id), rest),
            // `cells` makes every row of such a table with its id first.
            _ if *assigned_id => unreachable!("a {} row without its id", table.name()),
            _ => (None, cells),
        };
        for ((index, cell), last) in cells.iter().enumerate().zip(bound.iter_mut()) {
            let value = match cell {
                Cell::Text(text) => {
                    *last = None;
                    ValueRef::Text(text.as_bytes())
                }
                Cell::Display(value) => {
                    *last = None;
                    self.scratch.clear();
                    // Writing into a String cannot fail.
                    let _ = write!(self.scratch, "{value}");
                    ValueRef::Text(self.scratch.as_bytes())
                }
                Cell::Null | Cell::Int(_) | Cell::BigInt(_) => {
                    let now = match cell {
                        Cell::Int(value) => Bound::Integer(i64::from(*value)),
                        Cell::BigInt(value) => Bound::Integer(*value),
                        _ => Bound::Null,
                    };
                    if *last == Some(now) {
                        continue;
                    }
                    *last = Some(now);
                    match now {
                        Bound::Null => ValueRef::Null,
                        Bound::Integer(value) => ValueRef::Integer(value),
                    }
                }
            };
            statement.raw_bind_parameter(index + 1, ToSqlOutput::Borrowed(value))?;
        }
        statement.raw_execute()?;
        match id {
            Some(expected) if self.connection.last_insert_rowid() != expected => {
                Err(StoreError::IdMismatch {
                    table: table.name(),
                    expected,
                    stored: self.connection.last_insert_rowid(),
                })
            }
            _ => Ok(()),
        }
    }
}

/// A parameter value that is cheap to compare with the next row's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    Null,
    Integer(i64),
}

impl Bookkeeping for &Connection {
    const ASSIGNS_IDS: bool = true;

    fn find_by_sha256(&mut self, sha256: &str) -> StoreResult<Option<SnapshotIds>> {
        let connection: &Connection = self;
        Ok(connection
            .prepare("SELECT facility_id, id FROM source_files WHERE sha256 = ?1")?
            .query_row([sha256], |row| {
                Ok(SnapshotIds {
                    facility_id: row.get(0)?,
                    source_file_id: row.get(1)?,
                })
            })
            .optional()?)
    }

    fn set_sha256(&mut self, source_file_id: i64, sha256: &str) -> StoreResult<()> {
        let connection: &Connection = self;
        connection.execute(
            "UPDATE source_files SET sha256 = ?1 WHERE id = ?2",
            params![sha256, source_file_id],
        )?;
        Ok(())
    }

    fn upsert_facility(
        &mut self,
        facility_key: &str,
        facility: &Facility,
        now: NaiveDateTime,
    ) -> StoreResult<i64> {
        let connection: &Connection = self;
        let existing: Option<i64> = connection
            .query_row(
                "SELECT id FROM facilities WHERE facility_key = ?1",
                [facility_key],
                |row| row.get(0),
            )
            .optional()?;
        Ok(match existing {
            Some(id) => {
                connection.execute(
                    "UPDATE facilities SET updated_at = ?1 WHERE id = ?2",
                    params![timestamp(now), id],
                )?;
                id
            }
            // Identifiers come from usable files only (`record_identifiers`).
            None => connection.query_row(
                "INSERT INTO facilities (facility_key, hospital_name, license_state, license_number, \
                 created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id",
                params![
                    facility_key,
                    facility.hospital_name,
                    facility.license.state.as_ref().map(StateCode::as_str),
                    facility.license.number,
                    timestamp(now),
                ],
                |row| row.get(0),
            )?,
        })
    }

    fn insert_source_file(
        &mut self,
        facility_id: i64,
        facility: &Facility,
        file: &SourceFile,
    ) -> StoreResult<i64> {
        let connection: &Connection = self;
        let attestation = file.attestation.as_ref();
        let source_file_id = connection.query_row(
            "INSERT INTO source_files (facility_id, file_name, sha256, format, template_version, \
             declared_version, last_updated_on, attestation_text, attestation_confirmed, attester_name, \
             imported_at, hospital_name, license_state, license_number, financial_aid_policy, \
             legacy_profile) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) RETURNING id",
            params![
                facility_id,
                file.file_name,
                file.sha256.to_string(),
                file.format.as_str(),
                template_version_text(file),
                file.declared_version,
                file.last_updated_on.map(|date| date.format("%F").to_string()),
                attestation.map(|a| a.text.as_str()),
                attestation.and_then(|a| a.confirmed),
                attestation.and_then(|a| a.attester_name.as_deref()),
                timestamp(file.imported_at.naive_utc()),
                facility.hospital_name,
                facility.license.state.as_ref().map(StateCode::as_str),
                facility.license.number,
                facility.financial_aid_policy,
                file.legacy,
            ],
            |row| row.get(0),
        )?;
        for (index, location) in facility.locations.iter().enumerate() {
            let parts = AddressParts::of(location.address.as_deref());
            connection.execute(
                "INSERT INTO file_locations (source_file_id, position, name, address, city, state, \
                 zip) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    source_file_id,
                    position(index),
                    location.name,
                    location.address,
                    parts.city,
                    parts.state,
                    parts.zip
                ],
            )?;
        }
        for (index, npi) in facility.type_2_npis.iter().enumerate() {
            connection.execute(
                "INSERT INTO file_npis (source_file_id, position, npi) VALUES (?1, ?2, ?3)",
                params![source_file_id, position(index), npi.as_str()],
            )?;
        }
        for (index, provision) in facility.general_contract_provisions.iter().enumerate() {
            connection.execute(
                "INSERT INTO file_contract_provisions (source_file_id, position, payer_name, \
                 plan_name, provisions) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    source_file_id,
                    position(index),
                    provision.payer_name,
                    provision.plan_name,
                    provision.provisions
                ],
            )?;
        }
        Ok(source_file_id)
    }

    fn max_id(&mut self, table: BulkTable) -> StoreResult<i64> {
        let connection: &Connection = self;
        Ok(connection.query_row(
            &format!("SELECT COALESCE(MAX(id), 0) FROM {}", table.name()),
            [],
            |row| row.get(0),
        )?)
    }

    fn delete_unreachable_rates(&mut self) -> StoreResult<()> {
        let connection: &Connection = self;
        connection.execute(DELETE_UNREACHABLE_RATES, [])?;
        Ok(())
    }

    fn payer_plan_id(&mut self, payer: &str, plan: &str) -> StoreResult<i64> {
        let connection: &Connection = self;
        let existing = connection
            .prepare("SELECT id FROM payer_plans WHERE payer_name = ?1 AND plan_name = ?2")?
            .query_row([payer, plan], |row| row.get(0))
            .optional()?;
        Ok(match existing {
            Some(id) => id,
            None => connection
                .prepare(
                    "INSERT INTO payer_plans (payer_name, plan_name) VALUES (?1, ?2) RETURNING id",
                )?
                .query_row([payer, plan], |row| row.get(0))?,
        })
    }

    fn record_counts(
        &mut self,
        source_file_id: i64,
        counts: &SnapshotCounts,
        plan_rates: &[(i64, i64)],
    ) -> StoreResult<()> {
        let connection: &Connection = self;
        connection.execute(
            "UPDATE source_files SET rows_read = ?1, items_count = ?2, standard_charges_count = ?3, \
             payer_rates_count = ?4, modifiers_count = ?5, quarantined_count = ?6, \
             duplicate_rows = ?7, error_count = ?8, alert_count = ?9, skipped_rows = ?11, \
             charge_items_count = ?12 WHERE id = ?10",
            params![
                counts.rows_read,
                counts.written.items,
                counts.written.standard_charges,
                counts.written.payer_rates,
                counts.written.modifiers,
                counts.written.quarantined,
                counts.duplicate_rows,
                counts.error_count,
                counts.alert_count,
                source_file_id,
                counts.skipped_rows,
                counts.written.charge_items,
            ],
        )?;
        let mut insert = connection.prepare(
            "INSERT INTO file_payer_plans (source_file_id, payer_plan_id, rates) VALUES (?1, ?2, ?3)",
        )?;
        for (plan, rates) in plan_rates {
            insert.execute(params![source_file_id, plan, rates])?;
        }
        Ok(())
    }

    fn record_identifiers(&mut self, facility_id: i64, facility: &Facility) -> StoreResult<()> {
        let connection: &Connection = self;
        // A file that does not give an identifier keeps the one an earlier file gave.
        connection.execute(
            "UPDATE facilities SET ccn = COALESCE(?1, ccn), ein = COALESCE(?2, ein) WHERE id = ?3",
            params![
                facility.ccn.as_ref().map(Ccn::as_str),
                facility.ein.as_ref().map(Ein::as_str),
                facility_id
            ],
        )?;
        Ok(())
    }

    fn reject(&mut self, source_file_id: i64, rejection: &Rejection) -> StoreResult<()> {
        let connection: &Connection = self;
        connection.execute(
            "UPDATE source_files SET status = ?1, rejection_reason = ?2, next_step = ?3, \
             raw_header = ?4 WHERE id = ?5",
            params![
                REJECTED,
                rejection.reason,
                rejection.next_step,
                rejection.raw_header,
                source_file_id
            ],
        )?;
        Ok(())
    }

    fn current_snapshot(&mut self, facility_id: i64) -> StoreResult<Option<(i64, NaiveDate)>> {
        let connection: &Connection = self;
        let current: Option<(i64, Option<String>, String)> = connection
            .query_row(
                "SELECT s.id, s.last_updated_on, s.imported_at FROM facilities f \
                 JOIN source_files s ON s.id = f.current_source_file_id WHERE f.id = ?1",
                [facility_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let day = |text: &str| NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%F").ok();
        // A date that does not parse never keeps a newer file from becoming current.
        Ok(current.map(|(id, last_updated_on, imported_at)| {
            let date = last_updated_on
                .as_deref()
                .and_then(day)
                .or_else(|| day(&imported_at));
            (id, date.unwrap_or(NaiveDate::MIN))
        }))
    }

    fn run(&mut self, statement: &str) -> StoreResult<()> {
        let connection: &Connection = self;
        connection.execute(statement, [])?;
        Ok(())
    }

    fn make_current(
        &mut self,
        ids: SnapshotIds,
        facility: &Facility,
        now: NaiveDateTime,
    ) -> StoreResult<()> {
        let connection: &Connection = self;
        connection.execute(
            "UPDATE facilities SET current_source_file_id = ?1, hospital_name = ?2, \
             license_state = ?3, license_number = ?4, updated_at = ?5 WHERE id = ?6",
            params![
                ids.source_file_id,
                facility.hospital_name,
                facility.license.state.as_ref().map(StateCode::as_str),
                facility.license.number,
                timestamp(now),
                ids.facility_id,
            ],
        )?;
        Ok(())
    }
}
