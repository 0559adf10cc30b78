//! Reading a snapshot back as the domain values that were written.

use std::collections::HashMap;

use diesel::prelude::*;
use priceline_domain::{
    Amount, Attestation, Ccn, Code, CodeType, ContractProvision, DrugInfo, DrugUnitType, Ein,
    Facility, FileFormat, Item, License, Location, Modifier, ModifierPayerInfo, Npi, PayerRate,
    Percentage, Quantity, Setting, Sha256, SourceFile, StandardCharge, StateCode,
};

use crate::codec::{
    decode, decode_amount, decode_codes, decode_micros, decode_opt, template_version,
};
use crate::connection::DbConnection;
use crate::convert;
use crate::rows::{ChargeRow, LocationRow, NpiRow, ProvisionRow, RateRow, SourceFileRow};
use crate::schema::*;
use crate::{StoreError, StoreResult};

/// A stored snapshot read back as domain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub facility_key: String,
    pub facility: Facility,
    pub source_file: SourceFile,
    pub items: Vec<Item>,
    pub modifiers: Vec<Modifier>,
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
        template_version: template_version(&row.template_version, row.legacy_profile.as_deref())?,
        declared_version: row.declared_version,
        last_updated_on: row.last_updated_on,
        attestation,
        imported_at: row.imported_at.and_utc(),
        legacy: row.legacy_profile,
    })
}

fn load_items(connection: &mut DbConnection, source_file_id: i64) -> StoreResult<Vec<Item>> {
    let item_rows: Vec<ItemRow> = items::table
        .filter(items::source_file_id.eq(source_file_id))
        .order(items::id)
        .select(ItemRow::as_select())
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
    let charge_rows: Vec<ChargeRow> = standard_charges::table
        .filter(standard_charges::source_file_id.eq(source_file_id))
        .order(standard_charges::id)
        .select(ChargeRow::as_select())
        .load(connection)?;
    let charge_locations: HashMap<i64, &str> = charge_rows
        .iter()
        .map(|row| (row.id, row.source_location.as_str()))
        .collect();
    let mut rates: HashMap<i64, Vec<PayerRate>> = HashMap::new();
    for (row, standard_charge_id, payer_name, plan_name) in payer_rates::table
        .inner_join(payer_plans::table)
        .filter(payer_rates::source_file_id.eq(source_file_id))
        .order(payer_rates::id)
        .select((
            RateRow::as_select(),
            payer_rates::standard_charge_id,
            payer_plans::payer_name,
            payer_plans::plan_name,
        ))
        .load::<(RateRow, i64, String, String)>(connection)?
    {
        let charge_location = charge_locations
            .get(&standard_charge_id)
            .copied()
            .unwrap_or_default();
        rates
            .entry(standard_charge_id)
            .or_default()
            .push(convert::rate(&row, payer_name, plan_name, charge_location)?);
    }
    let mut charges: HashMap<i64, Vec<StandardCharge>> = HashMap::new();
    for row in &charge_rows {
        let charge = StandardCharge {
            payer_rates: rates.remove(&row.id).unwrap_or_default(),
            ..convert::charge(row)?
        };
        charges.entry(row.item_id).or_default().push(charge);
    }
    item_rows
        .into_iter()
        .map(|row| {
            let item_id = row.id;
            let drug = match (row.drug_unit, row.drug_unit_type.as_deref()) {
                (Some(unit), Some(unit_type)) => Some(DrugInfo {
                    unit: decode_amount("drug unit", unit, Quantity::from_micros)?,
                    unit_type: decode("drug unit type", unit_type, DrugUnitType::parse)?,
                }),
                _ => None,
            };
            // The codes are stored twice, on the item (for display) and as lookup rows: they agree.
            let item_codes = decode_codes(&row.codes)?;
            if codes.remove(&item_id).unwrap_or_default() != item_codes {
                return Err(StoreError::Corrupt {
                    what: "item codes",
                    value: row.codes,
                    reason: "the item's lookup rows (item_codes) hold other codes".to_owned(),
                });
            }
            Ok(Item {
                description: row.description,
                codes: item_codes,
                drug,
                standard_charges: charges.remove(&item_id).unwrap_or_default(),
            })
        })
        .collect()
}

fn load_modifiers(
    connection: &mut DbConnection,
    source_file_id: i64,
) -> StoreResult<Vec<Modifier>> {
    let modifier_rows: Vec<ModifierRow> = modifiers::table
        .filter(modifiers::source_file_id.eq(source_file_id))
        .order(modifiers::id)
        .select(ModifierRow::as_select())
        .load(connection)?;
    let ids: Vec<i64> = modifier_rows.iter().map(|row| row.id).collect();
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
        .map(|row| {
            let id = row.id;
            Ok(Modifier {
                code: row.code,
                description: row.description,
                setting: decode_opt("modifier setting", row.setting.as_deref(), Setting::parse)?,
                notes: row.notes,
                payer_info: payer_info.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

/// How many rows of each kind a snapshot has in the database, counted there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredCounts {
    pub items: i64,
    pub standard_charges: i64,
    pub payer_rates: i64,
    pub modifiers: i64,
    pub quarantined: i64,
    pub findings: i64,
}

/// Counts a snapshot's rows (checks and reports; the API reads the counts recorded at import).
pub fn count_rows(connection: &mut DbConnection, source_file_id: i64) -> StoreResult<StoredCounts> {
    Ok(StoredCounts {
        items: items::table
            .filter(items::source_file_id.eq(source_file_id))
            .count()
            .get_result(connection)?,
        standard_charges: standard_charges::table
            .filter(standard_charges::source_file_id.eq(source_file_id))
            .count()
            .get_result(connection)?,
        payer_rates: payer_rates::table
            .filter(payer_rates::source_file_id.eq(source_file_id))
            .count()
            .get_result(connection)?,
        modifiers: modifiers::table
            .filter(modifiers::source_file_id.eq(source_file_id))
            .count()
            .get_result(connection)?,
        quarantined: quarantined_records::table
            .filter(quarantined_records::source_file_id.eq(source_file_id))
            .count()
            .get_result(connection)?,
        findings: findings::table
            .filter(findings::source_file_id.eq(source_file_id))
            .count()
            .get_result(connection)?,
    })
}

/// Every stored source file id, oldest first.
pub fn source_file_ids(connection: &mut DbConnection) -> StoreResult<Vec<i64>> {
    Ok(source_files::table
        .order(source_files::id)
        .select(source_files::id)
        .load(connection)?)
}

// The rows only this reader reads.

#[derive(Queryable, Selectable)]
#[diesel(table_name = facilities)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct FacilityRow {
    pub facility_key: String,
    pub ccn: Option<String>,
    pub ein: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = items)]
pub(crate) struct ItemRow {
    pub id: i64,
    pub description: String,
    pub drug_unit: Option<i64>,
    pub drug_unit_type: Option<String>,
    pub codes: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = item_codes)]
pub(crate) struct ItemCodeRow {
    pub item_id: i64,
    pub code_type: String,
    pub code: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = modifiers)]
pub(crate) struct ModifierRow {
    pub id: i64,
    pub code: String,
    pub description: String,
    pub setting: Option<String>,
    pub notes: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = modifier_payer_info)]
pub(crate) struct ModifierPayerRow {
    pub modifier_id: i64,
    pub payer_name: String,
    pub plan_name: Option<String>,
    pub description: Option<String>,
    pub negotiated_dollar: Option<i64>,
    pub negotiated_percentage: Option<i64>,
    pub negotiated_algorithm: Option<String>,
}
