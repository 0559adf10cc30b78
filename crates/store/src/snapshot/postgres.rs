//! Imports into PostgreSQL: bookkeeping through Diesel, bulk rows as binary `COPY FROM STDIN`.
//!
//! The COPY data is encoded here from the rows' cells rather than by Diesel's `from_insertable`,
//! which serialises every value through its generic layer (the writer's main cost after the server's).
//! Rows are buffered per table and sent once the buffers hold a few megabytes, parents first.
//!
//! The import's connection is driven by a thread of its own ([`Session`]): a COPY blocks its caller
//! until the server has stored every row, and the server is the slowest stage of a PostgreSQL import,
//! so the writer hands full buffers over and goes on encoding the next ones meanwhile. Given a second
//! connection, the payer rates go through it, so two server processes share that stage.

use std::io::Write;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{Scope, ScopedJoinHandle};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::{CopyFormat, PgConnection};
use diesel::prelude::*;
use priceline_domain::{Ccn, Ein, Facility, SourceFile, StateCode};

use super::bookkeeping::{
    Bookkeeping, DELETE_UNREACHABLE_RATES, REJECTED, SnapshotCounts, SnapshotIds,
};
use super::cells::{BulkTable, Cell, Row, position};
use super::report::Rejection;
use crate::codec::template_version_text;
use crate::queries::place::AddressParts;
use crate::rows::{LocationRow, NewFacility, NpiRow, ProvisionRow, SourceFileRow};
use crate::schema::*;
use crate::{StoreError, StoreResult};

/// Buffered COPY data, all tables together, before it is sent.
const FLUSH_BYTES: usize = 4 << 20;

/// The binary COPY signature, flags and header-extension length.
const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// Serialises importers: a row lock held until the import's transaction ends.
pub(super) fn take_import_lock(
    connection: &mut PgConnection,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(import_lock::table.find(1))
        .set(import_lock::locked_at.eq(Some(now)))
        .execute(connection)?;
    Ok(())
}

/// Binary COPY data per bulk table, waiting to be sent.
pub(super) struct CopyBuffers {
    tables: Tables,
    bytes: usize,
    /// Buffers the connection threads have copied and cleared, for the next rounds: growing fresh
    /// ones each round (a few megabytes, copied as they grow and zeroed by the kernel page by page)
    /// was about 5% of the client's time in a profile.
    spare: (SyncSender<Round>, Receiver<Round>),
}

/// One buffer per bulk table, in `BulkTable::ALL` order.
type Tables = Vec<Vec<u8>>;

/// The buffers one connection copies in a round, parents first.
type Round = Vec<(BulkTable, Vec<u8>)>;

impl CopyBuffers {
    pub(super) fn new() -> Self {
        Self {
            tables: BulkTable::ALL.iter().map(|_| Vec::new()).collect(),
            bytes: 0,
            // Each round is split over at most two connections.
            spare: sync_channel(2 * (QUEUED_ROUNDS + 1)),
        }
    }

    /// Encodes a row (binary COPY: field count, then each field's length and big-endian bytes).
    pub(super) fn push(&mut self, (table, cells): Row<'_, '_>) {
        let buffer = &mut self.tables[table as usize];
        let start = buffer.len();
        let fields = i16::try_from(cells.len()).unwrap_or(i16::MAX);
        buffer.extend_from_slice(&fields.to_be_bytes());
        for cell in cells {
            match cell {
                Cell::Null => buffer.extend_from_slice(&(-1i32).to_be_bytes()),
                Cell::Int(value) => {
                    buffer.extend_from_slice(&4i32.to_be_bytes());
                    buffer.extend_from_slice(&value.to_be_bytes());
                }
                Cell::BigInt(value) => {
                    buffer.extend_from_slice(&8i32.to_be_bytes());
                    buffer.extend_from_slice(&value.to_be_bytes());
                }
                Cell::Text(text) => {
                    let length = i32::try_from(text.len()).unwrap_or(i32::MAX);
                    buffer.extend_from_slice(&length.to_be_bytes());
                    buffer.extend_from_slice(text.as_bytes());
                }
                Cell::Display(value) => {
                    // Formatted in place, then its length written in front of it.
                    let at = buffer.len();
                    buffer.extend_from_slice(&0i32.to_be_bytes());
                    // Writing into a Vec cannot fail.
                    let _ = write!(buffer, "{value}");
                    let length = i32::try_from(buffer.len() - at - 4).unwrap_or(i32::MAX);
                    buffer[at..at + 4].copy_from_slice(&length.to_be_bytes());
                }
            }
        }
        self.bytes += buffer.len() - start;
    }

    pub(super) fn is_full(&self) -> bool {
        self.bytes >= FLUSH_BYTES
    }

    /// Hands the buffered rows to the session's threads, which copy them in `BulkTable::ALL` order
    /// (parents before children): payer rates to the rates' connection when there is one.
    pub(super) fn send(&mut self, session: &Session<'_>) -> StoreResult<()> {
        let (mut to_main, mut to_rates) = (Round::new(), Round::new());
        for (table, buffer) in BulkTable::ALL.into_iter().zip(&mut self.tables) {
            if buffer.is_empty() {
                continue;
            }
            let data = std::mem::take(buffer);
            if session.rate_jobs.is_some() && table == BulkTable::PayerRates {
                to_rates.push((table, data));
            } else {
                to_main.push((table, data));
            }
        }
        self.bytes = 0;
        self.reuse_spares();
        if let Some(rate_jobs) = &session.rate_jobs
            && !to_rates.is_empty()
        {
            enqueue(rate_jobs, self.copy_job(to_rates))?;
        }
        if to_main.is_empty() {
            return Ok(());
        }
        enqueue(&session.jobs, self.copy_job(to_main))
    }

    /// Puts buffers the threads have handed back into the (emptied) table slots.
    fn reuse_spares(&mut self) {
        while let Ok(round) = self.spare.1.try_recv() {
            for (table, buffer) in round {
                let slot = &mut self.tables[table as usize];
                if slot.capacity() < buffer.capacity() {
                    *slot = buffer;
                }
            }
        }
    }

    /// A job that copies a round's buffers, then hands them back cleared.
    fn copy_job<'s>(&self, mut round: Round) -> Job<'s> {
        let spare = self.spare.0.clone();
        Box::new(move |connection, failure| {
            if failure.is_some() {
                return;
            }
            for (table, data) in &mut round {
                if let Err(error) = copy(connection, *table, data) {
                    *failure = Some(error);
                    return;
                }
                data.clear();
            }
            // Full only if the writer stopped taking them back; the buffers are then dropped.
            let _ = spare.try_send(round);
        })
    }
}

/// Work for the connection thread: given the connection and the failure of earlier work, if any.
type Job<'s> = Box<dyn FnOnce(&mut PgConnection, &mut Option<StoreError>) + Send + 's>;

/// The import's connection, owned by a thread that runs jobs in order. COPYs are sent without
/// waiting; a failure is kept and returned by the next [`Session::call`] (at the latest, `finish`'s).
///
/// Given a second connection, payer rates (most of the server's work: per million rates, a million
/// rows and their primary key, against some 550,000 rows of items, codes and charges) are copied
/// through it on a second server process, in a transaction of its own that `snapshot::import`
/// commits just before the main one (see there). Measured on two cores at 1M rates, alternating the
/// two builds: 3.7-4.7 s an import instead of 4.2-6.0 s.
pub(crate) struct Session<'s> {
    jobs: SyncSender<Job<'s>>,
    rate_jobs: Option<SyncSender<Job<'s>>>,
}

/// The threads of a [`Session`]; each returns a failure nobody asked for.
pub(super) type Workers<'scope> = Vec<ScopedJoinHandle<'scope, Option<StoreError>>>;

/// COPY rounds queued behind the one running: bounds the buffered data (about 4 MB a round).
const QUEUED_ROUNDS: usize = 1;

impl<'s> Session<'s> {
    /// Starts a thread per connection; they end when the session is dropped.
    pub(super) fn start<'scope>(
        scope: &'scope Scope<'scope, '_>,
        connection: &'scope mut PgConnection,
        rates: Option<&'scope mut PgConnection>,
    ) -> (Session<'scope>, Workers<'scope>) {
        let mut workers = Vec::new();
        let mut lane = |connection: &'scope mut PgConnection| {
            let (jobs, queue) = sync_channel::<Job<'scope>>(QUEUED_ROUNDS);
            workers.push(scope.spawn(move || {
                let mut failure = None;
                for job in queue {
                    job(connection, &mut failure);
                }
                failure
            }));
            jobs
        };
        let jobs = lane(connection);
        let rate_jobs = rates.map(lane);
        (Session { jobs, rate_jobs }, workers)
    }

    /// Runs `work` on the main connection after everything sent before it, and returns its result
    /// (or the failure of earlier work).
    pub(super) fn call<T: Send + 's>(
        &self,
        work: impl FnOnce(&mut PgConnection) -> StoreResult<T> + Send + 's,
    ) -> StoreResult<T> {
        call_on(&self.jobs, work)
    }

    /// Waits until the rates' connection, if there is one, has copied everything sent to it, and
    /// returns its failure: a snapshot is concluded only once all of its rows are in.
    pub(super) fn settle(&self) -> StoreResult<()> {
        match &self.rate_jobs {
            Some(rate_jobs) => call_on(rate_jobs, |_| Ok(())),
            None => Ok(()),
        }
    }
}

fn call_on<'s, T: Send + 's>(
    jobs: &SyncSender<Job<'s>>,
    work: impl FnOnce(&mut PgConnection) -> StoreResult<T> + Send + 's,
) -> StoreResult<T> {
    let (reply, answer) = sync_channel(1);
    enqueue(
        jobs,
        Box::new(move |connection, failure| {
            let result = match failure.take() {
                Some(error) => Err(error),
                None => work(connection),
            };
            let _ = reply.send(result);
        }),
    )?;
    answer.recv().map_err(|_| thread_gone())?
}

fn enqueue<'s>(jobs: &SyncSender<Job<'s>>, job: Job<'s>) -> StoreResult<()> {
    jobs.send(job).map_err(|_| thread_gone())
}

fn thread_gone() -> StoreError {
    StoreError::Unavailable("the import's database thread stopped".into())
}

fn copy(connection: &mut PgConnection, table: BulkTable, rows: &[u8]) -> StoreResult<()> {
    let write = |out: &mut dyn std::io::Write| -> Result<(), diesel::result::Error> {
        out.write_all(COPY_HEADER)
            .and_then(|()| out.write_all(rows))
            .and_then(|()| out.write_all(&(-1i16).to_be_bytes()))
            .map_err(|error| diesel::result::Error::SerializationError(Box::new(error)))
    };
    // Each arm names its table, whose column list Diesel writes in schema order (as the cells are).
    macro_rules! copy_into {
        ($table:path) => {
            diesel::copy_from($table)
                .from_raw_data($table, write)
                .with_format(CopyFormat::Binary)
                .execute(connection)
        };
    }
    let result = match table {
        BulkTable::Items => copy_into!(items::table),
        BulkTable::ItemCodes => copy_into!(item_codes::table),
        BulkTable::StandardCharges => copy_into!(standard_charges::table),
        BulkTable::PayerRates => copy_into!(payer_rates::table),
        BulkTable::Modifiers => copy_into!(modifiers::table),
        BulkTable::ModifierPayerInfo => copy_into!(modifier_payer_info::table),
        BulkTable::Findings => copy_into!(findings::table),
        BulkTable::QuarantinedRecords => copy_into!(quarantined_records::table),
        BulkTable::CodePrices => copy_into!(file_code_prices::table),
        BulkTable::LineAmounts => copy_into!(code_line_amounts::table),
    };
    result.map(|_| ()).map_err(StoreError::from)
}

impl Bookkeeping for PgConnection {
    const ASSIGNS_IDS: bool = false;

    fn find_by_sha256(&mut self, sha256: &str) -> StoreResult<Option<SnapshotIds>> {
        let connection = self;
        Ok(source_files::table
            .filter(source_files::sha256.eq(sha256))
            .select((source_files::facility_id, source_files::id))
            .first::<(i64, i64)>(connection)
            .optional()?
            .map(|(facility_id, source_file_id)| SnapshotIds {
                facility_id,
                source_file_id,
            }))
    }

    fn set_sha256(&mut self, source_file_id: i64, sha256: &str) -> StoreResult<()> {
        diesel::update(source_files::table.find(source_file_id))
            .set(source_files::sha256.eq(sha256))
            .execute(self)?;
        Ok(())
    }

    fn upsert_facility(
        &mut self,
        facility_key: &str,
        facility: &Facility,
        now: NaiveDateTime,
    ) -> StoreResult<i64> {
        let connection = self;
        let existing = facilities::table
            .filter(facilities::facility_key.eq(facility_key))
            .select(facilities::id)
            .first::<i64>(connection)
            .optional()?;
        Ok(match existing {
            Some(id) => {
                diesel::update(facilities::table.find(id))
                    .set(facilities::updated_at.eq(now))
                    .execute(connection)?;
                id
            }
            // Identifiers come from usable files only (`record_identifiers`).
            None => diesel::insert_into(facilities::table)
                .values(NewFacility {
                    facility_key,
                    hospital_name: &facility.hospital_name,
                    license_state: facility.license.state.as_ref().map(StateCode::as_str),
                    license_number: facility.license.number.as_deref(),
                    ccn: None,
                    ein: None,
                    created_at: now,
                    updated_at: now,
                })
                .returning(facilities::id)
                .get_result(connection)?,
        })
    }

    fn insert_source_file(
        &mut self,
        facility_id: i64,
        facility: &Facility,
        file: &SourceFile,
    ) -> StoreResult<i64> {
        let connection = self;
        let attestation = file.attestation.as_ref();
        let source_file_id = diesel::insert_into(source_files::table)
            .values(SourceFileRow {
                facility_id,
                file_name: file.file_name.clone(),
                sha256: file.sha256.to_string(),
                format: file.format.as_str().to_owned(),
                template_version: template_version_text(file),
                declared_version: file.declared_version.clone(),
                last_updated_on: file.last_updated_on,
                attestation_text: attestation.map(|a| a.text.clone()),
                attestation_confirmed: attestation.and_then(|a| a.confirmed),
                attester_name: attestation.and_then(|a| a.attester_name.clone()),
                imported_at: file.imported_at.naive_utc(),
                hospital_name: facility.hospital_name.clone(),
                license_state: facility
                    .license
                    .state
                    .as_ref()
                    .map(|s| s.as_str().to_owned()),
                license_number: facility.license.number.clone(),
                financial_aid_policy: facility.financial_aid_policy.clone(),
                legacy_profile: file.legacy.clone(),
            })
            .returning(source_files::id)
            .get_result::<i64>(connection)?;
        let locations: Vec<LocationRow> = facility
            .locations
            .iter()
            .enumerate()
            .map(|(index, location)| {
                let parts = AddressParts::of(location.address.as_deref());
                LocationRow {
                    source_file_id,
                    position: position(index),
                    name: location.name.clone(),
                    address: location.address.clone(),
                    city: parts.city,
                    state: parts.state,
                    zip: parts.zip,
                }
            })
            .collect();
        let npis: Vec<NpiRow> = facility
            .type_2_npis
            .iter()
            .enumerate()
            .map(|(index, npi)| NpiRow {
                source_file_id,
                position: position(index),
                npi: npi.as_str().to_owned(),
            })
            .collect();
        let provisions: Vec<ProvisionRow> = facility
            .general_contract_provisions
            .iter()
            .enumerate()
            .map(|(index, provision)| ProvisionRow {
                source_file_id,
                position: position(index),
                payer_name: provision.payer_name.clone(),
                plan_name: provision.plan_name.clone(),
                provisions: provision.provisions.clone(),
            })
            .collect();
        diesel::insert_into(file_locations::table)
            .values(&locations)
            .execute(connection)?;
        diesel::insert_into(file_npis::table)
            .values(&npis)
            .execute(connection)?;
        diesel::insert_into(file_contract_provisions::table)
            .values(&provisions)
            .execute(connection)?;
        Ok(source_file_id)
    }

    fn max_id(&mut self, table: BulkTable) -> StoreResult<i64> {
        let connection = self;
        #[derive(QueryableByName)]
        struct MaxId {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let row: MaxId = diesel::sql_query(format!(
            "SELECT COALESCE(MAX(id), 0) AS id FROM {}",
            table.name()
        ))
        .get_result(connection)?;
        Ok(row.id)
    }

    fn delete_unreachable_rates(&mut self) -> StoreResult<()> {
        diesel::sql_query(DELETE_UNREACHABLE_RATES).execute(self)?;
        Ok(())
    }

    fn payer_plan_id(&mut self, payer: &str, plan: &str) -> StoreResult<i64> {
        let connection = self;
        let existing = payer_plans::table
            .filter(
                payer_plans::payer_name
                    .eq(payer)
                    .and(payer_plans::plan_name.eq(plan)),
            )
            .select(payer_plans::id)
            .first::<i64>(connection)
            .optional()?;
        Ok(match existing {
            Some(id) => id,
            None => diesel::insert_into(payer_plans::table)
                .values((
                    payer_plans::payer_name.eq(payer),
                    payer_plans::plan_name.eq(plan),
                ))
                .returning(payer_plans::id)
                .get_result(connection)?,
        })
    }

    fn record_counts(
        &mut self,
        source_file_id: i64,
        counts: &SnapshotCounts,
        plan_rates: &[(i64, i64)],
    ) -> StoreResult<()> {
        let connection = self;
        let written = counts.written;
        diesel::update(source_files::table.find(source_file_id))
            .set((
                source_files::rows_read.eq(counts.rows_read),
                source_files::items_count.eq(written.items),
                source_files::charge_items_count.eq(written.charge_items),
                source_files::standard_charges_count.eq(written.standard_charges),
                source_files::payer_rates_count.eq(written.payer_rates),
                source_files::modifiers_count.eq(written.modifiers),
                source_files::quarantined_count.eq(written.quarantined),
                source_files::duplicate_rows.eq(counts.duplicate_rows),
                source_files::error_count.eq(counts.error_count),
                source_files::alert_count.eq(counts.alert_count),
                source_files::skipped_rows.eq(counts.skipped_rows),
            ))
            .execute(connection)?;
        let rows: Vec<_> = plan_rates
            .iter()
            .map(|(plan, rates)| {
                (
                    file_payer_plans::source_file_id.eq(source_file_id),
                    file_payer_plans::payer_plan_id.eq(*plan),
                    file_payer_plans::rates.eq(*rates),
                )
            })
            .collect();
        diesel::insert_into(file_payer_plans::table)
            .values(&rows)
            .execute(connection)?;
        Ok(())
    }

    fn record_identifiers(&mut self, facility_id: i64, facility: &Facility) -> StoreResult<()> {
        let connection = self;
        // A file that does not give an identifier keeps the one an earlier file gave.
        let row = facilities::table.find(facility_id);
        if let Some(ccn) = facility.ccn.as_ref().map(Ccn::as_str) {
            diesel::update(row)
                .set(facilities::ccn.eq(ccn))
                .execute(connection)?;
        }
        if let Some(ein) = facility.ein.as_ref().map(Ein::as_str) {
            diesel::update(row)
                .set(facilities::ein.eq(ein))
                .execute(connection)?;
        }
        Ok(())
    }

    fn reject(&mut self, source_file_id: i64, rejection: &Rejection) -> StoreResult<()> {
        let connection = self;
        diesel::update(source_files::table.find(source_file_id))
            .set((
                source_files::status.eq(REJECTED),
                source_files::rejection_reason.eq(&rejection.reason),
                source_files::next_step.eq(&rejection.next_step),
                source_files::raw_header.eq(rejection.raw_header.as_deref()),
            ))
            .execute(connection)?;
        Ok(())
    }

    fn current_snapshot(&mut self, facility_id: i64) -> StoreResult<Option<(i64, NaiveDate)>> {
        let connection = self;
        let current = facilities::table
            .inner_join(
                source_files::table
                    .on(facilities::current_source_file_id.eq(source_files::id.nullable())),
            )
            .filter(facilities::id.eq(facility_id))
            .select((
                source_files::id,
                source_files::last_updated_on,
                source_files::imported_at,
            ))
            .first::<(i64, Option<NaiveDate>, NaiveDateTime)>(connection)
            .optional()?;
        Ok(current.map(|(id, last_updated_on, imported_at)| {
            (
                id,
                priceline_domain::effective_date(last_updated_on, imported_at),
            )
        }))
    }

    fn run(&mut self, statement: &str) -> StoreResult<()> {
        diesel::sql_query(statement).execute(self)?;
        Ok(())
    }

    fn make_current(
        &mut self,
        ids: SnapshotIds,
        facility: &Facility,
        now: NaiveDateTime,
    ) -> StoreResult<()> {
        let connection = self;
        diesel::update(facilities::table.find(ids.facility_id))
            .set((
                facilities::current_source_file_id.eq(ids.source_file_id),
                facilities::hospital_name.eq(&facility.hospital_name),
                facilities::license_state.eq(facility
                    .license
                    .state
                    .as_ref()
                    .map(StateCode::as_str)),
                facilities::license_number.eq(facility.license.number.as_deref()),
                facilities::updated_at.eq(now),
            ))
            .execute(connection)?;
        Ok(())
    }
}
