//! Snapshots: one imported file of one facility, with everything it said.
//!
//! Writing goes through [`SnapshotWriter`] so an importer can stream items in batches inside one
//! transaction; [`write_snapshot`] wraps the whole sequence for callers that hold everything at once.
//! Reading gives back the same domain values that were written.

use std::collections::HashMap;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use priceline_domain::{
    AllowedCount, Amount, Attestation, BillingClass, Ccn, Code, CodeType, ContractProvision,
    DrugInfo, DrugUnitType, Ein, Facility, FileFormat, Item, License, Location, Methodology,
    Modifier, ModifierPayerInfo, Npi, PayerRate, Percentage, Quantity, RecordLocation, Setting,
    Sha256, SourceFile, StandardCharge, StateCode, TemplateVersion,
};

use crate::codec::{
    decode, decode_amount, decode_list, decode_micros, decode_opt, decode_raw_values, encode_list,
    encode_raw_values,
};
use crate::connection::DbConnection;
use crate::on_backend;
use crate::rows::*;
use crate::schema::*;
use crate::{StoreError, StoreResult};

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

/// Writes one snapshot in steps. Call every step inside one transaction: a failure anywhere then leaves
/// the facility's earlier snapshots exactly as they were.
#[derive(Debug)]
pub struct SnapshotWriter {
    ids: SnapshotIds,
    last_updated_on: Option<chrono::NaiveDate>,
}

fn position(index: usize) -> i32 {
    i32::try_from(index).unwrap_or(i32::MAX)
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

impl SnapshotWriter {
    /// Finds the facility by its key (creating it on first sight) and records the file's header.
    pub fn begin(
        connection: &mut DbConnection,
        facility_key: &str,
        facility: &Facility,
        file: &SourceFile,
    ) -> StoreResult<Self> {
        let existing = facilities::table
            .filter(facilities::facility_key.eq(facility_key))
            .select(facilities::id)
            .first::<i64>(connection)
            .optional()?;
        let facility_id = match existing {
            Some(id) => {
                diesel::update(facilities::table.find(id))
                    .set((
                        facilities::ccn.eq(facility.ccn.as_ref().map(Ccn::as_str)),
                        facilities::ein.eq(facility.ein.as_ref().map(Ein::as_str)),
                        facilities::updated_at.eq(now()),
                    ))
                    .execute(connection)?;
                id
            }
            None => diesel::insert_into(facilities::table)
                .values(NewFacility {
                    facility_key,
                    hospital_name: &facility.hospital_name,
                    license_state: facility.license.state.as_ref().map(StateCode::as_str),
                    license_number: facility.license.number.as_deref(),
                    ccn: facility.ccn.as_ref().map(Ccn::as_str),
                    ein: facility.ein.as_ref().map(Ein::as_str),
                    created_at: now(),
                    updated_at: now(),
                })
                .returning(facilities::id)
                .get_result(connection)?,
        };
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
            last_updated_on: file.last_updated_on,
        })
    }

    pub fn ids(&self) -> SnapshotIds {
        self.ids
    }

    /// Stores items with their codes, standard charges and payer rates.
    pub fn write_items(&self, connection: &mut DbConnection, items: &[Item]) -> StoreResult<()> {
        let source_file_id = self.ids.source_file_id;
        for item in items {
            let item_id = diesel::insert_into(items::table)
                .values(ItemRow {
                    source_file_id,
                    description: item.description.clone(),
                    drug_unit: item.drug.as_ref().map(|drug| drug.unit.to_micros()),
                    drug_unit_type: item
                        .drug
                        .as_ref()
                        .map(|drug| drug.unit_type.as_str().to_owned()),
                })
                .returning(items::id)
                .get_result::<i64>(connection)?;
            let codes: Vec<ItemCodeRow> = item
                .codes
                .iter()
                .enumerate()
                .map(|(index, code)| ItemCodeRow {
                    item_id,
                    position: position(index),
                    code_type: code.code_type.as_str().to_owned(),
                    code: code.code.clone(),
                    source_file_id,
                })
                .collect();
            on_backend!(connection, |c| diesel::insert_into(item_codes::table)
                .values(&codes)
                .execute(c))?;
            for charge in &item.standard_charges {
                let charge_id = diesel::insert_into(standard_charges::table)
                    .values(charge_row(item_id, source_file_id, charge))
                    .returning(standard_charges::id)
                    .get_result::<i64>(connection)?;
                let rates: Vec<RateRow> = charge
                    .payer_rates
                    .iter()
                    .map(|rate| rate_row(charge_id, source_file_id, rate))
                    .collect();
                if !rates.is_empty() {
                    on_backend!(connection, |c| diesel::insert_into(payer_rates::table)
                        .values(&rates)
                        .execute(c))?;
                }
            }
        }
        Ok(())
    }

    /// Stores modifier definitions with their per-payer descriptions.
    pub fn write_modifiers(
        &self,
        connection: &mut DbConnection,
        modifiers: &[Modifier],
    ) -> StoreResult<()> {
        for modifier in modifiers {
            let modifier_id = diesel::insert_into(modifiers::table)
                .values(ModifierRow {
                    source_file_id: self.ids.source_file_id,
                    code: modifier.code.clone(),
                    description: modifier.description.clone(),
                    setting: modifier.setting.map(|s| s.as_str().to_owned()),
                })
                .returning(modifiers::id)
                .get_result::<i64>(connection)?;
            let payer_rows: Vec<ModifierPayerRow> = modifier
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
                    negotiated_percentage: info.negotiated_percentage.map(Percentage::to_micros),
                    negotiated_algorithm: info.negotiated_algorithm.clone(),
                })
                .collect();
            if !payer_rows.is_empty() {
                on_backend!(connection, |c| diesel::insert_into(
                    modifier_payer_info::table
                )
                .values(&payer_rows)
                .execute(c))?;
            }
        }
        Ok(())
    }

    /// Makes this snapshot the facility's current one unless the current one is newer (by the
    /// hospital's `last_updated_on`): an older file imported late is kept as history only.
    pub fn finish(self, connection: &mut DbConnection) -> StoreResult<SnapshotIds> {
        let current: Option<i64> = facilities::table
            .find(self.ids.facility_id)
            .select(facilities::current_source_file_id)
            .first(connection)?;
        let current_date = match current {
            Some(id) => source_files::table
                .find(id)
                .select(source_files::last_updated_on)
                .first::<Option<chrono::NaiveDate>>(connection)?,
            None => None,
        };
        let newer = current.is_none() || self.last_updated_on >= current_date;
        if newer {
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
    if !locations.is_empty() {
        on_backend!(connection, |c| diesel::insert_into(file_locations::table)
            .values(&locations)
            .execute(c))?;
    }
    if !npis.is_empty() {
        on_backend!(connection, |c| diesel::insert_into(file_npis::table)
            .values(&npis)
            .execute(c))?;
    }
    if !provisions.is_empty() {
        on_backend!(connection, |c| diesel::insert_into(
            file_contract_provisions::table
        )
        .values(&provisions)
        .execute(c))?;
    }
    Ok(())
}

fn charge_row(item_id: i64, source_file_id: i64, charge: &StandardCharge) -> ChargeRow {
    ChargeRow {
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
    }
}

fn rate_row(standard_charge_id: i64, source_file_id: i64, rate: &PayerRate) -> RateRow {
    RateRow {
        standard_charge_id,
        source_file_id,
        payer_name: rate.payer_name.clone(),
        plan_name: rate.plan_name.clone(),
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
    }
}

/// Writes a whole snapshot in one transaction.
pub fn write_snapshot(
    connection: &mut DbConnection,
    facility_key: &str,
    facility: &Facility,
    file: &SourceFile,
    items: &[Item],
    modifiers: &[Modifier],
) -> StoreResult<SnapshotIds> {
    connection.transaction(|connection| {
        let writer = SnapshotWriter::begin(connection, facility_key, facility, file)?;
        writer.write_items(connection, items)?;
        writer.write_modifiers(connection, modifiers)?;
        writer.finish(connection)
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
    Ok(facilities::table
        .find(facility_id)
        .select(facilities::current_source_file_id)
        .first(connection)?)
}

/// Reads a whole snapshot back.
pub fn load_snapshot(connection: &mut DbConnection, source_file_id: i64) -> StoreResult<Snapshot> {
    let file_row: SourceFileRow = source_files::table
        .find(source_file_id)
        .select(SourceFileRow::as_select())
        .first(connection)?;
    let facility_row: FacilityRow = facilities::table
        .find(file_row.facility_id)
        .select(FacilityRow::as_select())
        .first(connection)?;
    let facility = load_facility_header(connection, source_file_id, &file_row, &facility_row)?;
    let source_file = source_file_from_row(file_row)?;
    let items = load_items(connection, source_file_id)?;
    let modifiers = load_modifiers(connection, source_file_id)?;
    Ok(Snapshot {
        facility_key: facility_row.facility_key,
        facility,
        source_file,
        items,
        modifiers,
    })
}

fn load_facility_header(
    connection: &mut DbConnection,
    source_file_id: i64,
    file: &SourceFileRow,
    facility: &FacilityRow,
) -> StoreResult<Facility> {
    let locations = file_locations::table
        .filter(file_locations::source_file_id.eq(source_file_id))
        .order(file_locations::position)
        .select(LocationRow::as_select())
        .load(connection)?
        .into_iter()
        .map(|row| Location {
            name: row.name,
            address: row.address,
        })
        .collect();
    let type_2_npis = file_npis::table
        .filter(file_npis::source_file_id.eq(source_file_id))
        .order(file_npis::position)
        .select(NpiRow::as_select())
        .load(connection)?
        .into_iter()
        .map(|row| decode("NPI", &row.npi, Npi::parse))
        .collect::<StoreResult<_>>()?;
    let general_contract_provisions = file_contract_provisions::table
        .filter(file_contract_provisions::source_file_id.eq(source_file_id))
        .order(file_contract_provisions::position)
        .select(ProvisionRow::as_select())
        .load(connection)?
        .into_iter()
        .map(|row| ContractProvision {
            payer_name: row.payer_name,
            plan_name: row.plan_name,
            provisions: row.provisions,
        })
        .collect();
    Ok(Facility {
        hospital_name: file.hospital_name.clone(),
        locations,
        license: License {
            state: decode_opt(
                "license state",
                file.license_state.as_deref(),
                StateCode::parse,
            )?,
            number: file.license_number.clone(),
        },
        type_2_npis,
        ccn: decode_opt("CCN", facility.ccn.as_deref(), Ccn::parse)?,
        ein: decode_opt("EIN", facility.ein.as_deref(), Ein::parse)?,
        financial_aid_policy: file.financial_aid_policy.clone(),
        general_contract_provisions,
    })
}

fn source_file_from_row(row: SourceFileRow) -> StoreResult<SourceFile> {
    let attestation = (row.attestation_text.is_some()
        || row.attestation_confirmed.is_some()
        || row.attester_name.is_some())
    .then(|| Attestation {
        text: row.attestation_text.unwrap_or_default(),
        confirmed: row.attestation_confirmed,
        attester_name: row.attester_name,
    });
    Ok(SourceFile {
        file_name: row.file_name,
        sha256: decode("SHA-256", &row.sha256, Sha256::parse)?,
        format: decode("file format", &row.format, FileFormat::parse)?,
        template_version: decode(
            "template version",
            &row.template_version,
            TemplateVersion::parse,
        )?,
        declared_version: row.declared_version,
        last_updated_on: row.last_updated_on,
        attestation,
        imported_at: row.imported_at.and_utc(),
    })
}

fn record_location(text: &str) -> StoreResult<RecordLocation> {
    RecordLocation::parse(text).ok_or_else(|| StoreError::Corrupt {
        what: "record location",
        value: text.to_owned(),
        reason: "expected `row N` or a JSON pointer".to_owned(),
    })
}

fn load_items(connection: &mut DbConnection, source_file_id: i64) -> StoreResult<Vec<Item>> {
    let item_rows: Vec<(i64, ItemRow)> = items::table
        .filter(items::source_file_id.eq(source_file_id))
        .order(items::id)
        .select((items::id, ItemRow::as_select()))
        .load(connection)?;
    let mut codes: HashMap<i64, Vec<Code>> = HashMap::new();
    for row in item_codes::table
        .filter(item_codes::source_file_id.eq(source_file_id))
        .order((item_codes::item_id, item_codes::position))
        .select(ItemCodeRow::as_select())
        .load(connection)?
    {
        let code_type = decode("code type", &row.code_type, CodeType::parse)?;
        codes.entry(row.item_id).or_default().push(Code {
            code_type,
            code: row.code,
        });
    }
    let mut rates: HashMap<i64, Vec<PayerRate>> = HashMap::new();
    for row in payer_rates::table
        .filter(payer_rates::source_file_id.eq(source_file_id))
        .order(payer_rates::id)
        .select(RateRow::as_select())
        .load(connection)?
    {
        rates
            .entry(row.standard_charge_id)
            .or_default()
            .push(rate_from_row(&row)?);
    }
    let mut charges: HashMap<i64, Vec<StandardCharge>> = HashMap::new();
    for (charge_id, row) in standard_charges::table
        .filter(standard_charges::source_file_id.eq(source_file_id))
        .order(standard_charges::id)
        .select((standard_charges::id, ChargeRow::as_select()))
        .load::<(i64, ChargeRow)>(connection)?
    {
        let charge = charge_from_row(&row, rates.remove(&charge_id).unwrap_or_default())?;
        charges.entry(row.item_id).or_default().push(charge);
    }
    item_rows
        .into_iter()
        .map(|(item_id, row)| {
            let drug = match (row.drug_unit, row.drug_unit_type.as_deref()) {
                (Some(unit), Some(unit_type)) => Some(DrugInfo {
                    unit: decode_amount("drug unit", unit, Quantity::from_micros)?,
                    unit_type: decode("drug unit type", unit_type, DrugUnitType::parse)?,
                }),
                _ => None,
            };
            Ok(Item {
                description: row.description,
                codes: codes.remove(&item_id).unwrap_or_default(),
                drug,
                standard_charges: charges.remove(&item_id).unwrap_or_default(),
            })
        })
        .collect()
}

fn charge_from_row(row: &ChargeRow, payer_rates: Vec<PayerRate>) -> StoreResult<StandardCharge> {
    Ok(StandardCharge {
        setting: decode("setting", &row.setting, Setting::parse)?,
        billing_class: decode_opt(
            "billing class",
            row.billing_class.as_deref(),
            BillingClass::parse,
        )?,
        modifiers: decode_list(row.modifiers.as_deref()),
        gross: decode_micros("gross charge", row.gross, Amount::from_micros)?,
        discounted_cash: decode_micros(
            "discounted cash",
            row.discounted_cash,
            Amount::from_micros,
        )?,
        minimum: decode_micros("minimum", row.minimum, Amount::from_micros)?,
        maximum: decode_micros("maximum", row.maximum, Amount::from_micros)?,
        generic_notes: row.generic_notes.clone(),
        payer_rates,
        source: record_location(&row.source_location)?,
        raw_values: decode_raw_values(row.raw_values.as_deref())?,
    })
}

fn rate_from_row(row: &RateRow) -> StoreResult<PayerRate> {
    Ok(PayerRate {
        payer_name: row.payer_name.clone(),
        plan_name: row.plan_name.clone(),
        negotiated_dollar: decode_micros(
            "negotiated dollar",
            row.negotiated_dollar,
            Amount::from_micros,
        )?,
        negotiated_percentage: decode_micros(
            "negotiated percentage",
            row.negotiated_percentage,
            Percentage::from_micros,
        )?,
        negotiated_algorithm: row.negotiated_algorithm.clone(),
        methodology: decode_opt(
            "methodology",
            row.methodology.as_deref(),
            Methodology::parse,
        )?,
        median_amount: decode_micros("median amount", row.median_amount, Amount::from_micros)?,
        percentile_10th: decode_micros(
            "10th percentile",
            row.percentile_10th,
            Amount::from_micros,
        )?,
        percentile_90th: decode_micros(
            "90th percentile",
            row.percentile_90th,
            Amount::from_micros,
        )?,
        count: decode_opt("count", row.allowed_count.as_deref(), AllowedCount::parse)?,
        estimated_amount: decode_micros(
            "estimated amount",
            row.estimated_amount,
            Amount::from_micros,
        )?,
        payer_notes: row.payer_notes.clone(),
        source: record_location(&row.source_location)?,
        raw_values: decode_raw_values(row.raw_values.as_deref())?,
    })
}

fn load_modifiers(
    connection: &mut DbConnection,
    source_file_id: i64,
) -> StoreResult<Vec<Modifier>> {
    let modifier_rows: Vec<(i64, ModifierRow)> = modifiers::table
        .filter(modifiers::source_file_id.eq(source_file_id))
        .order(modifiers::id)
        .select((modifiers::id, ModifierRow::as_select()))
        .load(connection)?;
    let ids: Vec<i64> = modifier_rows.iter().map(|(id, _)| *id).collect();
    let mut payer_info: HashMap<i64, Vec<ModifierPayerInfo>> = HashMap::new();
    for row in modifier_payer_info::table
        .filter(modifier_payer_info::modifier_id.eq_any(&ids))
        .order((
            modifier_payer_info::modifier_id,
            modifier_payer_info::position,
        ))
        .select(ModifierPayerRow::as_select())
        .load(connection)?
    {
        payer_info
            .entry(row.modifier_id)
            .or_default()
            .push(ModifierPayerInfo {
                payer_name: row.payer_name,
                plan_name: row.plan_name,
                description: row.description,
                negotiated_dollar: decode_micros(
                    "modifier dollar",
                    row.negotiated_dollar,
                    Amount::from_micros,
                )?,
                negotiated_percentage: decode_micros(
                    "modifier percentage",
                    row.negotiated_percentage,
                    Percentage::from_micros,
                )?,
                negotiated_algorithm: row.negotiated_algorithm,
            });
    }
    modifier_rows
        .into_iter()
        .map(|(id, row)| {
            Ok(Modifier {
                code: row.code,
                description: row.description,
                setting: decode_opt("modifier setting", row.setting.as_deref(), Setting::parse)?,
                payer_info: payer_info.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}
