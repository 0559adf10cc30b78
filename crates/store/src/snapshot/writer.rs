//! The snapshot writer: allocates ids, turns domain values into rows and hands them to the backend's
//! bulk path (prepared INSERTs on SQLite, binary COPY on PostgreSQL).
//!
//! Ids of items, charges, rates and modifiers are allocated here rather than by the database, so rows
//! go out without asking for ids one by one, and the rates of a charge get consecutive ids that the
//! charge records as its range (`first_rate_id..=last_rate_id`). That is safe because every write
//! happens under the import lock, inside the one transaction of `snapshot::import` (`session.rs`).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use priceline_domain::{Facility, Item, Modifier, Sha256, SourceFile, effective_date};

use super::bookkeeping::{Bookkeeping, SnapshotCounts, SnapshotIds, Written};
use super::cells::{self, BulkTable, Cell, ChargeIds, CodeOwner, RateIds};
use super::code_prices::CodePrices;
use super::line_amounts::LineAmounts;
use super::report::{FileReport, Rejection, StoredFinding, StoredQuarantine};
use super::session::{ImportSession, Session};
use super::{postgres, sqlite, statistics};
use crate::location::StoredRateLocation;
use crate::{StoreError, StoreResult};

/// Where rows go: the session's connection and its bulk path.
enum Output<'s> {
    Sqlite(sqlite::Inserts<'s>, &'s rusqlite::Connection),
    Postgres(postgres::CopyBuffers, postgres::Session<'s>),
}

/// What [`SnapshotWriter::begin`] found.
pub enum Begin<'s> {
    Writer(Box<SnapshotWriter<'s>>),
    /// A file with the same bytes was imported before (checked under the import lock).
    AlreadyImported(SnapshotIds),
}

/// Writes one snapshot. Use it inside `snapshot::import`.
pub struct SnapshotWriter<'s> {
    output: Output<'s>,
    ids: SnapshotIds,
    /// The header, kept to name the facility after this snapshot when it becomes current.
    facility: Facility,
    /// The date the file speaks for (see [`effective_date`]).
    effective_date: NaiveDate,
    next_item: i64,
    next_charge: i64,
    next_rate: i64,
    next_modifier: i64,
    /// Payer plans by payer, then plan: looked up with borrowed names, once per payer rate. Each
    /// holds the plan's id and how many rates this file has for it (`file_payer_plans`). Hashed with
    /// foldhash: SipHash over the two names was 4% of an import's writer thread.
    payer_plans: FastMap<String, FastMap<String, PlanUse>>,
    written: Written,
    /// The file's figures per code for comparisons, written at the end (`code_prices`).
    code_prices: CodePrices,
    /// The file's amounts in the order searches sort by, written in sorted batches (`line_amounts`).
    line_amounts: LineAmounts,
    /// The stored hash is the file's own, not `Sha256::PENDING`: `finish` requires it.
    sha256_known: bool,
}

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A payer plan's id and the rates this file has for it.
#[derive(Debug, Clone, Copy)]
struct PlanUse {
    id: i64,
    rates: i64,
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

impl<'s> SnapshotWriter<'s> {
    /// Takes the import lock, then (unless these bytes are stored already) finds the facility by its
    /// key, creating it on first sight, and records the file's header. The file's hash may be
    /// `Sha256::PENDING`; [`Self::confirm_sha256`] then stores the real one before `finish`.
    pub fn begin(
        session: ImportSession<'s>,
        facility_key: &str,
        facility: &Facility,
        file: &SourceFile,
    ) -> StoreResult<Begin<'s>> {
        let (output, started) = match session.0 {
            Session::Sqlite(mut connection) => {
                let started = start(&mut connection, facility_key, facility, file)?;
                let output = Output::Sqlite(sqlite::Inserts::prepare(connection)?, connection);
                (output, started)
            }
            Session::Postgres(session) => {
                let (key, facility, file) =
                    (facility_key.to_owned(), facility.clone(), file.clone());
                let started =
                    session.call(move |connection| start(connection, &key, &facility, &file))?;
                (
                    Output::Postgres(postgres::CopyBuffers::new(), session),
                    started,
                )
            }
        };
        let (ids, next) = match started {
            Ok(started) => started,
            Err(ids) => return Ok(Begin::AlreadyImported(ids)),
        };
        let [next_item, next_charge, next_rate, next_modifier] = next;
        Ok(Begin::Writer(Box::new(Self {
            output,
            ids,
            facility: facility.clone(),
            effective_date: effective_date(file.last_updated_on, file.imported_at.naive_utc()),
            next_item,
            next_charge,
            next_rate,
            next_modifier,
            payer_plans: FastMap::default(),
            written: Written::default(),
            code_prices: CodePrices::default(),
            line_amounts: LineAmounts::default(),
            sha256_known: file.sha256 != Sha256::PENDING,
        })))
    }

    pub fn written(&self) -> Written {
        self.written
    }

    /// Whether the file's own hash is stored (given to `begin`, or by [`Self::confirm_sha256`]).
    pub fn sha256_known(&self) -> bool {
        self.sha256_known
    }

    fn write(&mut self, table: BulkTable, cells: &[Cell<'_>]) -> StoreResult<()> {
        let row = (table, cells);
        match &mut self.output {
            Output::Sqlite(inserts, _) => inserts.insert(row),
            Output::Postgres(buffers, session) => {
                buffers.push(row);
                if buffers.is_full() {
                    buffers.send(session)?;
                }
                Ok(())
            }
        }
    }

    /// Writes an item with its codes, standard charges and payer rates.
    pub fn push_item(&mut self, item: &Item) -> StoreResult<()> {
        let source_file_id = self.ids.source_file_id;
        let item_id = self.next_item;
        self.next_item += 1;
        self.write(
            BulkTable::Items,
            &cells::item(item_id, source_file_id, item),
        )?;
        let owner = CodeOwner {
            item_id,
            source_file_id,
            facility_id: self.ids.facility_id,
        };
        let charge_items = cells::charge_items(item);
        for row in cells::codes(owner, item, charge_items) {
            self.write(BulkTable::ItemCodes, &row)?;
        }
        self.written.charge_items += i64::from(charge_items);
        self.code_prices.add(item);
        self.line_amounts
            .add(item, self.next_charge, self.next_rate);
        for charge in &item.standard_charges {
            let charge_id = self.next_charge;
            self.next_charge += 1;
            let first_rate_id = self.next_rate;
            let rates = i64::try_from(charge.payer_rates.len()).unwrap_or(i64::MAX);
            let ids = ChargeIds {
                id: charge_id,
                item_id,
                source_file_id,
                first_rate_id,
                last_rate_id: first_rate_id + rates - 1,
            };
            self.write(BulkTable::StandardCharges, &cells::charge(ids, charge))?;
            for rate in &charge.payer_rates {
                let payer_plan_id =
                    self.count_payer_plan(&rate.payer_name, rate.plan_name.as_deref())?;
                let ids = RateIds {
                    id: self.next_rate,
                    standard_charge_id: charge_id,
                    source_file_id,
                    payer_plan_id,
                };
                self.next_rate += 1;
                let location = StoredRateLocation::new(&rate.source, &charge.source);
                self.write(BulkTable::PayerRates, &cells::rate(ids, rate, &location))?;
                self.written.payer_rates += 1;
            }
            self.written.standard_charges += 1;
        }
        self.written.items += 1;
        if self.line_amounts.is_full() {
            self.write_line_amounts()?;
        }
        Ok(())
    }

    /// Writes the batch of [`LineAmounts`] held, in key order, and starts the next.
    fn write_line_amounts(&mut self) -> StoreResult<()> {
        let mut batch = std::mem::take(&mut self.line_amounts);
        for row in batch.rows(self.ids.source_file_id) {
            self.write(BulkTable::LineAmounts, &row)?;
        }
        Ok(())
    }

    /// Writes a modifier definition with its per-payer information.
    pub fn push_modifier(&mut self, modifier: &Modifier) -> StoreResult<()> {
        let modifier_id = self.next_modifier;
        self.next_modifier += 1;
        for (table, row) in cells::modifier(modifier_id, self.ids.source_file_id, modifier) {
            self.write(table, &row)?;
        }
        self.written.modifiers += 1;
        Ok(())
    }

    /// Writes a record kept out of the price tables, verbatim with its findings.
    pub fn push_quarantined(&mut self, record: StoredQuarantine) -> StoreResult<()> {
        let row = cells::quarantined(self.ids.source_file_id, self.written.quarantined, record);
        self.write(BulkTable::QuarantinedRecords, &row)?;
        self.written.quarantined += 1;
        Ok(())
    }

    /// Writes a finding of the file's validation report.
    pub fn push_finding(&mut self, finding: StoredFinding) -> StoreResult<()> {
        let row = cells::finding(self.ids.source_file_id, self.written.findings, finding);
        self.write(BulkTable::Findings, &row)?;
        self.written.findings += 1;
        Ok(())
    }

    /// The payer plan's id (stored on first sight), counting one more rate for it.
    fn count_payer_plan(&mut self, payer: &str, plan: Option<&str>) -> StoreResult<i64> {
        let plan = plan.unwrap_or("");
        if let Some(used) = self
            .payer_plans
            .get_mut(payer)
            .and_then(|plans| plans.get_mut(plan))
        {
            used.rates += 1;
            return Ok(used.id);
        }
        let id = match &mut self.output {
            Output::Sqlite(_, connection) => connection.payer_plan_id(payer, plan)?,
            Output::Postgres(_, session) => {
                let (payer, plan) = (payer.to_owned(), plan.to_owned());
                session.call(move |connection| connection.payer_plan_id(&payer, &plan))?
            }
        };
        self.payer_plans
            .entry(payer.to_owned())
            .or_default()
            .insert(plan.to_owned(), PlanUse { id, rates: 1 });
        Ok(id)
    }

    /// Stores the file's SHA-256 once it is known (an import hashes its bytes beside writing them,
    /// and `begin` had `Sha256::PENDING`), unless a stored file has the same bytes: then that
    /// file's snapshot is returned, and the import is to be abandoned (rolled back).
    pub fn confirm_sha256(&mut self, sha256: &Sha256) -> StoreResult<Option<SnapshotIds>> {
        let (own, text) = (self.ids.source_file_id, sha256.to_string());
        let stored = match &mut self.output {
            Output::Sqlite(_, connection) => confirm_sha256(connection, own, &text),
            Output::Postgres(_, session) => {
                session.call(move |connection| confirm_sha256(connection, own, &text))
            }
        }?;
        self.sha256_known = stored.is_none() && *sha256 != Sha256::PENDING;
        Ok(stored)
    }

    /// Writes what is buffered, records the file's counts and makes this snapshot the facility's
    /// current one unless the current one is newer (by [`effective_date`]): an older
    /// file imported late is kept as history only.
    pub fn finish(self, report: &FileReport) -> StoreResult<SnapshotIds> {
        self.conclude(report, None)
    }

    /// Like [`Self::finish`], but keeps the file as a rejected submission: an unusable file (its
    /// data rows could not be read, or it yields no standard charge). Its findings, quarantined
    /// records, counts and `rejection` are stored; it never becomes current, so the facility's
    /// current snapshot (if any) stays what it was. The caller makes sure it holds no standard
    /// charge, hence no rate.
    pub fn reject(self, report: &FileReport, rejection: Rejection) -> StoreResult<SnapshotIds> {
        self.conclude(report, Some(rejection))
    }

    fn conclude(
        mut self,
        report: &FileReport,
        rejection: Option<Rejection>,
    ) -> StoreResult<SnapshotIds> {
        if !self.sha256_known {
            return Err(StoreError::UnconfirmedHash);
        }
        if rejection.is_some() && self.written.standard_charges > 0 {
            return Err(StoreError::RejectedWithCharges);
        }
        let count = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        let counts = SnapshotCounts {
            rows_read: count(report.rows_read),
            duplicate_rows: count(report.duplicate_rows),
            skipped_rows: count(report.skipped_rows),
            error_count: count(report.error_count),
            alert_count: count(report.alert_count),
            written: self.written,
        };
        let mut plan_rates: Vec<(i64, i64)> = self
            .payer_plans
            .values()
            .flat_map(|plans| plans.values().map(|used| (used.id, used.rates)))
            .collect();
        plan_rates.sort_unstable();
        self.write_line_amounts()?;
        let code_prices = std::mem::take(&mut self.code_prices);
        for row in code_prices.rows(self.ids.source_file_id) {
            self.write(BulkTable::CodePrices, &row)?;
        }
        let (ids, date) = (self.ids, self.effective_date);
        let end = End {
            counts,
            plan_rates,
            facility: self.facility.clone(),
            date,
            rejection,
        };
        match &mut self.output {
            Output::Sqlite(_, connection) => conclude(connection, ids, &end)?,
            Output::Postgres(buffers, session) => {
                buffers.send(session)?;
                session.settle()?;
                session.call(move |connection| conclude(connection, ids, &end))?;
            }
        }
        Ok(ids)
    }
}

/// What `conclude` records once the rows are written.
struct End {
    counts: SnapshotCounts,
    plan_rates: Vec<(i64, i64)>,
    facility: Facility,
    date: NaiveDate,
    rejection: Option<Rejection>,
}

/// The snapshot's ids and the first free id of each [`ID_TABLES`] table, or the snapshot these
/// bytes already made: the facility is found by its key (created on first sight) and the file's
/// header recorded.
type Started = Result<(SnapshotIds, [i64; 4]), SnapshotIds>;

fn start<D: Bookkeeping>(
    db: &mut D,
    facility_key: &str,
    facility: &Facility,
    file: &SourceFile,
) -> StoreResult<Started> {
    if file.sha256 != Sha256::PENDING
        && let Some(ids) = db.find_by_sha256(&file.sha256.to_string())?
    {
        return Ok(Err(ids));
    }
    let facility_id = db.upsert_facility(facility_key, facility, now())?;
    let source_file_id = db.insert_source_file(facility_id, facility, file)?;
    // PostgreSQL deletes after reading the ids: this import's rates then go above the deleted ones,
    // so a second connection copying them never waits on a row this uncommitted transaction
    // deletes. SQLite, which numbers the rows itself, deletes first.
    if D::ASSIGNS_IDS {
        db.delete_unreachable_rates()?;
    }
    let mut next = [0; 4];
    for (slot, table) in next.iter_mut().zip(ID_TABLES) {
        *slot = db.max_id(table)? + 1;
    }
    if !D::ASSIGNS_IDS {
        db.delete_unreachable_rates()?;
    }
    let ids = SnapshotIds {
        facility_id,
        source_file_id,
    };
    Ok(Ok((ids, next)))
}

fn confirm_sha256(
    db: &mut impl Bookkeeping,
    source_file_id: i64,
    sha256: &str,
) -> StoreResult<Option<SnapshotIds>> {
    match db.find_by_sha256(sha256)? {
        Some(stored) if stored.source_file_id != source_file_id => Ok(Some(stored)),
        _ => db.set_sha256(source_file_id, sha256).map(|()| None),
    }
}

/// Records the counts, then either marks the file rejected or makes the snapshot current unless the
/// current one is newer. A rejected submission never touches the facility's current snapshot.
fn conclude(db: &mut impl Bookkeeping, ids: SnapshotIds, end: &End) -> StoreResult<()> {
    db.record_counts(ids.source_file_id, &end.counts, &end.plan_rates)?;
    if let Some(rejection) = &end.rejection {
        return db.reject(ids.source_file_id, rejection);
    }
    db.record_identifiers(ids.facility_id, &end.facility)?;
    let current = db.current_snapshot(ids.facility_id)?;
    if current.is_none_or(|(_, date)| end.date >= date) {
        // The statistics model follows later (statistics::refresh); recorded in this transaction.
        db.run(&statistics::record(
            ids.source_file_id,
            current.map(|(replaced, _)| replaced),
        ))?;
        db.make_current(ids, &end.facility, now())?;
    }
    Ok(())
}

/// The tables whose ids the writer allocates, in the order of its `next_*` counters.
const ID_TABLES: [BulkTable; 4] = [
    BulkTable::Items,
    BulkTable::StandardCharges,
    BulkTable::PayerRates,
    BulkTable::Modifiers,
];
