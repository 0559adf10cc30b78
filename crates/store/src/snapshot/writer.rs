//! The snapshot writer: allocates ids in blocks, buffers rows and writes them in bulk.
//!
//! Ids of items, charges, rates and modifiers are allocated here rather than by the database, so a
//! whole batch can go out in one multi-row INSERT (SQLite) or one COPY (PostgreSQL) without asking for
//! ids row by row. That is safe because every write happens under the import lock taken by
//! [`take_import_lock`], inside the one transaction of [`super::import`].

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use priceline_domain::{
    Amount, Ccn, Ein, Facility, Item, Modifier, Percentage, SourceFile, StateCode,
};

use super::SnapshotIds;
use crate::StoreResult;
use crate::bulk::bulk_insert;
use crate::codec::{encode_list, encode_raw_values};
use crate::connection::DbConnection;
use crate::rows::*;
use crate::schema::*;

/// Rows buffered before a flush; bounds memory whatever the file size.
const FLUSH_ROWS: usize = 20_000;

/// What the reader counted that the writer cannot see: rows read, duplicates, findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileReport {
    pub rows_read: u64,
    pub duplicate_rows: u64,
    pub error_count: u64,
    pub alert_count: u64,
}

/// A validation finding as stored (the store does not know the importer's types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFinding {
    pub severity: String,
    pub rule: String,
    pub location: String,
    pub message: String,
}

/// A record the importer could not store, kept verbatim with its findings (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredQuarantine {
    pub location: String,
    pub raw: String,
    pub findings_json: String,
}

#[derive(Default)]
struct Pending {
    items: Vec<ItemRow>,
    codes: Vec<ItemCodeRow>,
    charges: Vec<ChargeRow>,
    rates: Vec<RateRow>,
    modifiers: Vec<ModifierRow>,
    modifier_payers: Vec<ModifierPayerRow>,
    findings: Vec<FindingRow>,
    quarantined: Vec<QuarantinedRow>,
}

impl Pending {
    fn len(&self) -> usize {
        self.items.len()
            + self.codes.len()
            + self.charges.len()
            + self.rates.len()
            + self.modifiers.len()
            + self.modifier_payers.len()
            + self.findings.len()
            + self.quarantined.len()
    }
}

/// Counts of what this writer stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub items: i64,
    pub standard_charges: i64,
    pub payer_rates: i64,
    pub modifiers: i64,
    pub quarantined: i64,
    pub findings: i64,
}

/// Writes one snapshot. Use it inside [`super::import`].
pub struct SnapshotWriter {
    ids: SnapshotIds,
    /// The date the file speaks for (see [`effective_date`]).
    effective_date: NaiveDate,
    next_item: i64,
    next_charge: i64,
    next_rate: i64,
    next_modifier: i64,
    /// Payer-plan ids by payer, then plan: looked up with borrowed names, once per payer rate.
    payer_plans: HashMap<String, HashMap<String, i64>>,
    pending: Pending,
    written: Written,
}

fn position(index: impl TryInto<i32>) -> i32 {
    index.try_into().unwrap_or(i32::MAX)
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// The date a file speaks for: the hospital's `last_updated_on`, or the import date for a file that
/// gave none. The current snapshot is the file with the latest one (a tie goes to the later import),
/// the same rule `as_of` queries apply (`queries::scope`).
pub(crate) fn effective_date(
    last_updated_on: Option<NaiveDate>,
    imported_at: NaiveDateTime,
) -> NaiveDate {
    last_updated_on.unwrap_or(imported_at.date())
}

/// Serialises importers: a row lock on PostgreSQL, SQLite's write lock (taken at once rather than on
/// the first insert, so two writers never deadlock upgrading a read lock).
pub(super) fn take_import_lock(connection: &mut DbConnection) -> StoreResult<()> {
    diesel::update(import_lock::table.find(1))
        .set(import_lock::locked_at.eq(Some(now())))
        .execute(connection)?;
    Ok(())
}

#[derive(QueryableByName)]
struct MaxId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn max_id(connection: &mut DbConnection, table: &str) -> StoreResult<i64> {
    let row: MaxId = diesel::sql_query(format!("SELECT COALESCE(MAX(id), 0) AS id FROM {table}"))
        .get_result(connection)?;
    Ok(row.id)
}

impl SnapshotWriter {
    /// Finds the facility by its key (creating it on first sight) and records the file's header.
    pub fn begin(
        connection: &mut DbConnection,
        facility_key: &str,
        facility: &Facility,
        file: &SourceFile,
    ) -> StoreResult<Self> {
        let facility_id = upsert_facility(connection, facility_key, facility)?;
        let attestation = file.attestation.as_ref();
        let source_file_id = diesel::insert_into(source_files::table)
            .values(SourceFileRow {
                facility_id,
                file_name: file.file_name.clone(),
                sha256: file.sha256.to_string(),
                format: file.format.as_str().to_owned(),
                template_version: file.template_version.as_str().to_owned(),
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
            })
            .returning(source_files::id)
            .get_result::<i64>(connection)?;
        write_header_lists(connection, source_file_id, facility)?;
        Ok(Self {
            ids: SnapshotIds {
                facility_id,
                source_file_id,
            },
            effective_date: effective_date(file.last_updated_on, file.imported_at.naive_utc()),
            next_item: max_id(connection, "items")? + 1,
            next_charge: max_id(connection, "standard_charges")? + 1,
            next_rate: max_id(connection, "payer_rates")? + 1,
            next_modifier: max_id(connection, "modifiers")? + 1,
            payer_plans: HashMap::new(),
            pending: Pending::default(),
            written: Written::default(),
        })
    }

    pub fn written(&self) -> Written {
        self.written
    }

    /// Buffers an item with its codes, standard charges and payer rates.
    pub fn push_item(&mut self, connection: &mut DbConnection, item: &Item) -> StoreResult<()> {
        let source_file_id = self.ids.source_file_id;
        let item_id = self.next_item;
        self.next_item += 1;
        self.pending.items.push(ItemRow {
            id: item_id,
            source_file_id,
            description: item.description.clone(),
            drug_unit: item.drug.as_ref().map(|drug| drug.unit.to_micros()),
            drug_unit_type: item
                .drug
                .as_ref()
                .map(|drug| drug.unit_type.as_str().to_owned()),
        });
        self.pending.codes.extend(
            item.codes
                .iter()
                .enumerate()
                .map(|(index, code)| ItemCodeRow {
                    item_id,
                    position: position(index),
                    code_type: code.code_type.as_str().to_owned(),
                    code: code.code.clone(),
                    source_file_id,
                    facility_id: self.ids.facility_id,
                }),
        );
        for charge in &item.standard_charges {
            let charge_id = self.next_charge;
            self.next_charge += 1;
            self.pending.charges.push(ChargeRow {
                id: charge_id,
                item_id,
                source_file_id,
                setting: charge.setting.as_str().to_owned(),
                billing_class: charge.billing_class.map(|b| b.as_str().to_owned()),
                modifiers: encode_list(&charge.modifiers),
                gross: charge.gross.map(Amount::to_micros),
                discounted_cash: charge.discounted_cash.map(Amount::to_micros),
                minimum: charge.minimum.map(Amount::to_micros),
                maximum: charge.maximum.map(Amount::to_micros),
                generic_notes: charge.generic_notes.clone(),
                source_location: charge.source.to_string(),
                raw_values: encode_raw_values(&charge.raw_values),
            });
            for rate in &charge.payer_rates {
                let payer_plan_id =
                    self.payer_plan_id(connection, &rate.payer_name, rate.plan_name.as_deref())?;
                self.pending.rates.push(RateRow {
                    id: self.next_rate,
                    standard_charge_id: charge_id,
                    source_file_id,
                    payer_plan_id,
                    negotiated_dollar: rate.negotiated_dollar.map(Amount::to_micros),
                    negotiated_percentage: rate.negotiated_percentage.map(Percentage::to_micros),
                    negotiated_algorithm: rate.negotiated_algorithm.clone(),
                    methodology: rate.methodology.map(|m| m.as_str().to_owned()),
                    median_amount: rate.median_amount.map(Amount::to_micros),
                    percentile_10th: rate.percentile_10th.map(Amount::to_micros),
                    percentile_90th: rate.percentile_90th.map(Amount::to_micros),
                    allowed_count: rate.count.map(|count| count.to_string()),
                    estimated_amount: rate.estimated_amount.map(Amount::to_micros),
                    payer_notes: rate.payer_notes.clone(),
                    source_location: rate.source.to_string(),
                    raw_values: encode_raw_values(&rate.raw_values),
                });
                self.next_rate += 1;
                self.written.payer_rates += 1;
            }
            self.written.standard_charges += 1;
        }
        self.written.items += 1;
        self.flush_if_full(connection)
    }

    /// Buffers a modifier definition with its per-payer information.
    pub fn push_modifier(
        &mut self,
        connection: &mut DbConnection,
        modifier: &Modifier,
    ) -> StoreResult<()> {
        let modifier_id = self.next_modifier;
        self.next_modifier += 1;
        self.pending.modifiers.push(ModifierRow {
            id: modifier_id,
            source_file_id: self.ids.source_file_id,
            code: modifier.code.clone(),
            description: modifier.description.clone(),
            setting: modifier.setting.map(|s| s.as_str().to_owned()),
            notes: modifier.notes.clone(),
        });
        self.pending
            .modifier_payers
            .extend(
                modifier
                    .payer_info
                    .iter()
                    .enumerate()
                    .map(|(index, info)| ModifierPayerRow {
                        modifier_id,
                        position: position(index),
                        payer_name: info.payer_name.clone(),
                        plan_name: info.plan_name.clone(),
                        description: info.description.clone(),
                        negotiated_dollar: info.negotiated_dollar.map(Amount::to_micros),
                        negotiated_percentage: info
                            .negotiated_percentage
                            .map(Percentage::to_micros),
                        negotiated_algorithm: info.negotiated_algorithm.clone(),
                    }),
            );
        self.written.modifiers += 1;
        self.flush_if_full(connection)
    }

    /// Buffers a record kept out of the price tables, verbatim with its findings.
    pub fn push_quarantined(
        &mut self,
        connection: &mut DbConnection,
        record: StoredQuarantine,
    ) -> StoreResult<()> {
        self.pending.quarantined.push(QuarantinedRow {
            source_file_id: self.ids.source_file_id,
            position: position(self.written.quarantined),
            location: record.location,
            raw: record.raw,
            findings: record.findings_json,
        });
        self.written.quarantined += 1;
        self.flush_if_full(connection)
    }

    /// Buffers a finding of the file's validation report.
    pub fn push_finding(
        &mut self,
        connection: &mut DbConnection,
        finding: StoredFinding,
    ) -> StoreResult<()> {
        self.pending.findings.push(FindingRow {
            source_file_id: self.ids.source_file_id,
            position: position(self.written.findings),
            severity: finding.severity,
            rule: finding.rule,
            location: finding.location,
            message: finding.message,
        });
        self.written.findings += 1;
        self.flush_if_full(connection)
    }

    fn payer_plan_id(
        &mut self,
        connection: &mut DbConnection,
        payer: &str,
        plan: Option<&str>,
    ) -> StoreResult<i64> {
        let plan = plan.unwrap_or("");
        if let Some(id) = self
            .payer_plans
            .get(payer)
            .and_then(|plans| plans.get(plan))
        {
            return Ok(*id);
        }
        let existing = payer_plans::table
            .filter(
                payer_plans::payer_name
                    .eq(payer)
                    .and(payer_plans::plan_name.eq(plan)),
            )
            .select(payer_plans::id)
            .first::<i64>(connection)
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => diesel::insert_into(payer_plans::table)
                .values((
                    payer_plans::payer_name.eq(payer),
                    payer_plans::plan_name.eq(plan),
                ))
                .returning(payer_plans::id)
                .get_result(connection)?,
        };
        self.payer_plans
            .entry(payer.to_owned())
            .or_default()
            .insert(plan.to_owned(), id);
        Ok(id)
    }

    fn flush_if_full(&mut self, connection: &mut DbConnection) -> StoreResult<()> {
        if self.pending.len() >= FLUSH_ROWS {
            self.flush(connection)?;
        }
        Ok(())
    }

    /// Writes every buffered row, parents before children.
    fn flush(&mut self, connection: &mut DbConnection) -> StoreResult<()> {
        let pending = std::mem::take(&mut self.pending);
        bulk_insert!(connection, items::table, &pending.items, 5);
        bulk_insert!(connection, item_codes::table, &pending.codes, 6);
        bulk_insert!(connection, standard_charges::table, &pending.charges, 13);
        bulk_insert!(connection, payer_rates::table, &pending.rates, 17);
        bulk_insert!(connection, modifiers::table, &pending.modifiers, 6);
        bulk_insert!(
            connection,
            modifier_payer_info::table,
            &pending.modifier_payers,
            8
        );
        bulk_insert!(connection, findings::table, &pending.findings, 6);
        bulk_insert!(
            connection,
            quarantined_records::table,
            &pending.quarantined,
            5
        );
        Ok(())
    }

    /// Writes what is buffered, records the file's counts and makes this snapshot the facility's
    /// current one unless the current one is newer (by [`effective_date`]): an older
    /// file imported late is kept as history only.
    pub fn finish(
        mut self,
        connection: &mut DbConnection,
        report: &FileReport,
    ) -> StoreResult<SnapshotIds> {
        self.flush(connection)?;
        let count = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        diesel::update(source_files::table.find(self.ids.source_file_id))
            .set((
                source_files::rows_read.eq(count(report.rows_read)),
                source_files::items_count.eq(self.written.items),
                source_files::standard_charges_count.eq(self.written.standard_charges),
                source_files::payer_rates_count.eq(self.written.payer_rates),
                source_files::modifiers_count.eq(self.written.modifiers),
                source_files::quarantined_count.eq(self.written.quarantined),
                source_files::duplicate_rows.eq(count(report.duplicate_rows)),
                source_files::error_count.eq(count(report.error_count)),
                source_files::alert_count.eq(count(report.alert_count)),
            ))
            .execute(connection)?;
        let current: Option<i64> = facilities::table
            .find(self.ids.facility_id)
            .select(facilities::current_source_file_id)
            .first(connection)?;
        let current_date = match current {
            Some(id) => {
                let (last_updated_on, imported_at) = source_files::table
                    .find(id)
                    .select((source_files::last_updated_on, source_files::imported_at))
                    .first::<(Option<NaiveDate>, NaiveDateTime)>(connection)?;
                Some(effective_date(last_updated_on, imported_at))
            }
            None => None,
        };
        if current_date.is_none_or(|date| self.effective_date >= date) {
            let header = source_files::table
                .find(self.ids.source_file_id)
                .select((
                    source_files::hospital_name,
                    source_files::license_state,
                    source_files::license_number,
                ))
                .first::<(String, Option<String>, Option<String>)>(connection)?;
            diesel::update(facilities::table.find(self.ids.facility_id))
                .set((
                    facilities::current_source_file_id.eq(self.ids.source_file_id),
                    facilities::hospital_name.eq(header.0),
                    facilities::license_state.eq(header.1),
                    facilities::license_number.eq(header.2),
                    facilities::updated_at.eq(now()),
                ))
                .execute(connection)?;
        }
        Ok(self.ids)
    }
}

fn upsert_facility(
    connection: &mut DbConnection,
    facility_key: &str,
    facility: &Facility,
) -> StoreResult<i64> {
    let existing = facilities::table
        .filter(facilities::facility_key.eq(facility_key))
        .select(facilities::id)
        .first::<i64>(connection)
        .optional()?;
    let ccn = facility.ccn.as_ref().map(Ccn::as_str);
    let ein = facility.ein.as_ref().map(Ein::as_str);
    Ok(match existing {
        Some(id) => {
            // A file that does not give an identifier keeps the one an earlier file gave.
            let facility_row = facilities::table.find(id);
            if let Some(ccn) = ccn {
                diesel::update(facility_row)
                    .set(facilities::ccn.eq(ccn))
                    .execute(connection)?;
            }
            if let Some(ein) = ein {
                diesel::update(facility_row)
                    .set(facilities::ein.eq(ein))
                    .execute(connection)?;
            }
            diesel::update(facility_row)
                .set(facilities::updated_at.eq(now()))
                .execute(connection)?;
            id
        }
        None => diesel::insert_into(facilities::table)
            .values(NewFacility {
                facility_key,
                hospital_name: &facility.hospital_name,
                license_state: facility.license.state.as_ref().map(StateCode::as_str),
                license_number: facility.license.number.as_deref(),
                ccn,
                ein,
                created_at: now(),
                updated_at: now(),
            })
            .returning(facilities::id)
            .get_result(connection)?,
    })
}

fn write_header_lists(
    connection: &mut DbConnection,
    source_file_id: i64,
    facility: &Facility,
) -> StoreResult<()> {
    let locations: Vec<LocationRow> = facility
        .locations
        .iter()
        .enumerate()
        .map(|(index, location)| LocationRow {
            source_file_id,
            position: position(index),
            name: location.name.clone(),
            address: location.address.clone(),
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
    bulk_insert!(connection, file_locations::table, &locations, 4);
    bulk_insert!(connection, file_npis::table, &npis, 3);
    bulk_insert!(connection, file_contract_provisions::table, &provisions, 5);
    Ok(())
}
