//! Row types: how domain values sit in tables. Rows never leave this crate as API bodies; the API
//! builds its own views from domain values. The bulk tables are written from cells
//! (`snapshot::cells`), so their rows here are read-only; rows only the snapshot reader reads
//! are in `snapshot/reader.rs`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::*;

#[derive(Insertable)]
#[diesel(table_name = facilities)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewFacility<'a> {
    pub facility_key: &'a str,
    pub hospital_name: &'a str,
    pub license_state: Option<&'a str>,
    pub license_number: Option<&'a str>,
    pub ccn: Option<&'a str>,
    pub ein: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The header columns of a source file; the report counts are written by `finish`.
#[derive(Insertable, Queryable, Selectable)]
#[diesel(table_name = source_files)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct SourceFileRow {
    pub facility_id: i64,
    pub file_name: String,
    pub sha256: String,
    pub format: String,
    pub template_version: String,
    pub declared_version: Option<String>,
    pub last_updated_on: Option<NaiveDate>,
    pub attestation_text: Option<String>,
    pub attestation_confirmed: Option<bool>,
    pub attester_name: Option<String>,
    pub imported_at: NaiveDateTime,
    pub hospital_name: String,
    pub license_state: Option<String>,
    pub license_number: Option<String>,
    pub financial_aid_policy: Option<String>,
    /// The mapping a legacy chargemaster was read through; `None` for a CMS-template file.
    pub legacy_profile: Option<String>,
}

#[derive(Insertable, Queryable, Selectable)]
#[diesel(table_name = file_locations)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct LocationRow {
    pub source_file_id: i64,
    pub position: i32,
    pub name: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
}

#[derive(Insertable, Queryable, Selectable)]
#[diesel(table_name = file_npis)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NpiRow {
    pub source_file_id: i64,
    pub position: i32,
    pub npi: String,
}

#[derive(Insertable, Queryable, Selectable)]
#[diesel(table_name = file_contract_provisions)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct ProvisionRow {
    pub source_file_id: i64,
    pub position: i32,
    pub payer_name: Option<String>,
    pub plan_name: Option<String>,
    pub provisions: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = standard_charges)]
pub(crate) struct ChargeRow {
    pub id: i64,
    pub item_id: i64,
    pub source_file_id: i64,
    pub setting: String,
    pub billing_class: Option<String>,
    pub modifiers: Option<String>,
    pub gross: Option<i64>,
    pub discounted_cash: Option<i64>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
    pub generic_notes: Option<String>,
    pub source_location: String,
    pub raw_values: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = payer_rates)]
pub(crate) struct RateRow {
    pub id: i64,
    pub negotiated_dollar: Option<i64>,
    pub negotiated_percentage: Option<i64>,
    pub negotiated_algorithm: Option<String>,
    pub methodology: Option<String>,
    pub median_amount: Option<i64>,
    pub percentile_10th: Option<i64>,
    pub percentile_90th: Option<i64>,
    pub allowed_count: Option<String>,
    pub estimated_amount: Option<i64>,
    pub payer_notes: Option<String>,
    pub source_location: String,
    pub raw_values: Option<String>,
}
