//! The bulk tables' rows as lists of cells, made straight from the domain values an import streams.
//!
//! Both bulk paths read these lists: SQLite binds them to prepared single-row INSERTs, PostgreSQL
//! encodes them into binary COPY data. The lists are arrays on the stack and their text is borrowed
//! from the domain values (or formatted by the backend, [`Cell::Display`]), so writing a payer rate
//! allocates nothing. Each list follows the column order of its table in `schema.rs`, which is the
//! order PostgreSQL's COPY names the columns in (a unit test checks it).

use std::borrow::Cow;
use std::fmt::Display;

use priceline_domain::{Amount, Item, Modifier, PayerRate, Percentage, Setting, StandardCharge};

use super::report::{StoredFinding, StoredQuarantine};
use crate::codec::{encode_codes, encode_list, encode_raw_values};
use crate::location::StoredRateLocation;

/// One column value.
pub(crate) enum Cell<'v> {
    Null,
    /// INTEGER columns (positions).
    Int(i32),
    /// BIGINT columns (ids, micro-unit amounts).
    BigInt(i64),
    Text(Cow<'v, str>),
    /// Text the backend formats into its own buffer (record locations, allowed counts).
    Display(&'v dyn Display),
}

impl<'v> Cell<'v> {
    fn big(value: Option<i64>) -> Self {
        value.map_or(Cell::Null, Cell::BigInt)
    }

    fn text(value: Option<&'v str>) -> Self {
        value.map_or(Cell::Null, |text| Cell::Text(Cow::Borrowed(text)))
    }

    fn owned(value: Option<String>) -> Self {
        value.map_or(Cell::Null, |text| Cell::Text(Cow::Owned(text)))
    }
}

/// A table an import fills in bulk, with its columns in schema order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BulkTable {
    Items,
    ItemCodes,
    StandardCharges,
    PayerRates,
    Modifiers,
    ModifierPayerInfo,
    Findings,
    QuarantinedRecords,
    CodePrices,
    LineAmounts,
}

impl BulkTable {
    pub(crate) const ALL: [BulkTable; 10] = [
        BulkTable::Items,
        BulkTable::ItemCodes,
        BulkTable::StandardCharges,
        BulkTable::PayerRates,
        BulkTable::Modifiers,
        BulkTable::ModifierPayerInfo,
        BulkTable::Findings,
        BulkTable::QuarantinedRecords,
        BulkTable::CodePrices,
        BulkTable::LineAmounts,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            BulkTable::Items => "items",
            BulkTable::ItemCodes => "item_codes",
            BulkTable::StandardCharges => "standard_charges",
            BulkTable::PayerRates => "payer_rates",
            BulkTable::Modifiers => "modifiers",
            BulkTable::ModifierPayerInfo => "modifier_payer_info",
            BulkTable::Findings => "findings",
            BulkTable::QuarantinedRecords => "quarantined_records",
            BulkTable::CodePrices => "file_code_prices",
            BulkTable::LineAmounts => "code_line_amounts",
        }
    }

    pub(crate) fn columns(self) -> &'static [&'static str] {
        match self {
            BulkTable::Items => &[
                "id",
                "source_file_id",
                "description",
                "drug_unit",
                "drug_unit_type",
                "codes",
            ],
            BulkTable::ItemCodes => &[
                "item_id",
                "position",
                "code_type",
                "code",
                "source_file_id",
                "facility_id",
                "charge_items",
                "charge_items_any_type",
            ],
            BulkTable::StandardCharges => &[
                "id",
                "item_id",
                "source_file_id",
                "setting",
                "billing_class",
                "modifiers",
                "gross",
                "discounted_cash",
                "minimum",
                "maximum",
                "generic_notes",
                "source_location",
                "raw_values",
                "first_rate_id",
                "last_rate_id",
            ],
            BulkTable::PayerRates => &[
                "id",
                "standard_charge_id",
                "source_file_id",
                "payer_plan_id",
                "negotiated_dollar",
                "negotiated_percentage",
                "negotiated_algorithm",
                "methodology",
                "median_amount",
                "percentile_10th",
                "percentile_90th",
                "allowed_count",
                "estimated_amount",
                "payer_notes",
                "source_location",
                "raw_values",
            ],
            BulkTable::Modifiers => &[
                "id",
                "source_file_id",
                "code",
                "description",
                "setting",
                "notes",
            ],
            BulkTable::ModifierPayerInfo => &[
                "modifier_id",
                "position",
                "payer_name",
                "plan_name",
                "description",
                "negotiated_dollar",
                "negotiated_percentage",
                "negotiated_algorithm",
            ],
            BulkTable::Findings => &[
                "source_file_id",
                "position",
                "severity",
                "rule",
                "location",
                "message",
            ],
            BulkTable::QuarantinedRecords => {
                &["source_file_id", "position", "location", "raw", "findings"]
            }
            BulkTable::CodePrices => &[
                "code_type",
                "code",
                "source_file_id",
                "setting",
                "kind",
                "lowest",
                "highest",
                "lines",
            ],
            BulkTable::LineAmounts => &[
                "source_file_id",
                "code_type",
                "code",
                "kind",
                "amount",
                "standard_charge_id",
                "payer_rate_id",
            ],
        }
    }
}

/// A row of a bulk table: its cells in column order.
pub(crate) type Row<'r, 'v> = (BulkTable, &'r [Cell<'v>]);

pub(crate) fn item(id: i64, source_file_id: i64, item: &Item) -> [Cell<'_>; 6] {
    let drug = item.drug.as_ref();
    [
        Cell::BigInt(id),
        Cell::BigInt(source_file_id),
        Cell::Text(Cow::Borrowed(&item.description)),
        Cell::big(drug.map(|drug| drug.unit.to_micros())),
        Cell::text(drug.map(|drug| drug.unit_type.as_str())),
        Cell::Text(Cow::Owned(encode_codes(&item.codes))),
    ]
}

/// The ids a code row repeats so a lookup's index holds its page order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CodeOwner {
    pub item_id: i64,
    pub source_file_id: i64,
    pub facility_id: i64,
}

/// How many settings the item has charges in: its charge items (FHIR ChargeItemDefinitions).
pub(crate) fn charge_items(item: &Item) -> i32 {
    let mut settings: Vec<Setting> = Vec::with_capacity(Setting::ALL.len());
    for charge in &item.standard_charges {
        if !settings.contains(&charge.setting) {
            settings.push(charge.setting);
        }
    }
    i32::try_from(settings.len()).unwrap_or(i32::MAX)
}

/// The item's code rows. Each holds the read model that counts charge items by code (migration
/// 000301): the item's `charge_items` on its first listing of the code (per type, and per code
/// alone), 0 on a repeat.
pub(crate) fn codes(
    owner: CodeOwner,
    item: &Item,
    charge_items: i32,
) -> impl Iterator<Item = [Cell<'_>; 8]> {
    item.codes.iter().enumerate().map(move |(index, code)| {
        let earlier = &item.codes[..index];
        let first_of_type = !earlier.contains(code);
        let first_of_code = !earlier.iter().any(|other| other.code == code.code);
        [
            Cell::BigInt(owner.item_id),
            Cell::Int(position(index)),
            Cell::Text(Cow::Borrowed(code.code_type.as_str())),
            Cell::Text(Cow::Borrowed(&code.code)),
            Cell::BigInt(owner.source_file_id),
            Cell::BigInt(owner.facility_id),
            Cell::Int(if first_of_type { charge_items } else { 0 }),
            Cell::Int(if first_of_code { charge_items } else { 0 }),
        ]
    })
}

/// A charge's own ids and the id range its rates were given.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChargeIds {
    pub id: i64,
    pub item_id: i64,
    pub source_file_id: i64,
    pub first_rate_id: i64,
    pub last_rate_id: i64,
}

pub(crate) fn charge(ids: ChargeIds, charge: &StandardCharge) -> [Cell<'_>; 15] {
    [
        Cell::BigInt(ids.id),
        Cell::BigInt(ids.item_id),
        Cell::BigInt(ids.source_file_id),
        Cell::Text(Cow::Borrowed(charge.setting.as_str())),
        Cell::text(charge.billing_class.map(|class| class.as_str())),
        Cell::owned(encode_list(&charge.modifiers)),
        Cell::big(charge.gross.map(Amount::to_micros)),
        Cell::big(charge.discounted_cash.map(Amount::to_micros)),
        Cell::big(charge.minimum.map(Amount::to_micros)),
        Cell::big(charge.maximum.map(Amount::to_micros)),
        Cell::text(charge.generic_notes.as_deref()),
        Cell::Display(&charge.source),
        Cell::owned(encode_raw_values(&charge.raw_values)),
        Cell::BigInt(ids.first_rate_id),
        Cell::BigInt(ids.last_rate_id),
    ]
}

/// A rate's own id and the ids it refers to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateIds {
    pub id: i64,
    pub standard_charge_id: i64,
    pub source_file_id: i64,
    pub payer_plan_id: i64,
}

/// A payer rate's row; `location` is its location as stored ([`StoredRateLocation`], made from the
/// rate's and its charge's).
pub(crate) fn rate<'v>(
    ids: RateIds,
    rate: &'v PayerRate,
    location: &'v StoredRateLocation<'v>,
) -> [Cell<'v>; 16] {
    [
        Cell::BigInt(ids.id),
        Cell::BigInt(ids.standard_charge_id),
        Cell::BigInt(ids.source_file_id),
        Cell::BigInt(ids.payer_plan_id),
        Cell::big(rate.negotiated_dollar.map(Amount::to_micros)),
        Cell::big(rate.negotiated_percentage.map(Percentage::to_micros)),
        Cell::text(rate.negotiated_algorithm.as_deref()),
        Cell::text(rate.methodology.map(|methodology| methodology.as_str())),
        Cell::big(rate.median_amount.map(Amount::to_micros)),
        Cell::big(rate.percentile_10th.map(Amount::to_micros)),
        Cell::big(rate.percentile_90th.map(Amount::to_micros)),
        rate.count
            .as_ref()
            .map_or(Cell::Null, |count| Cell::Display(count)),
        Cell::big(rate.estimated_amount.map(Amount::to_micros)),
        Cell::text(rate.payer_notes.as_deref()),
        Cell::Display(location),
        Cell::owned(encode_raw_values(&rate.raw_values)),
    ]
}

/// A modifier's row and its payer-information rows (few: no need to spare allocations).
pub(crate) fn modifier(
    id: i64,
    source_file_id: i64,
    modifier: &Modifier,
) -> Vec<(BulkTable, Vec<Cell<'_>>)> {
    let mut rows = vec![(
        BulkTable::Modifiers,
        vec![
            Cell::BigInt(id),
            Cell::BigInt(source_file_id),
            Cell::Text(Cow::Borrowed(&modifier.code)),
            Cell::Text(Cow::Borrowed(&modifier.description)),
            Cell::text(modifier.setting.map(|setting| setting.as_str())),
            Cell::text(modifier.notes.as_deref()),
        ],
    )];
    rows.extend(modifier.payer_info.iter().enumerate().map(|(index, info)| {
        (
            BulkTable::ModifierPayerInfo,
            vec![
                Cell::BigInt(id),
                Cell::Int(position(index)),
                Cell::Text(Cow::Borrowed(&info.payer_name)),
                Cell::text(info.plan_name.as_deref()),
                Cell::text(info.description.as_deref()),
                Cell::big(info.negotiated_dollar.map(Amount::to_micros)),
                Cell::big(info.negotiated_percentage.map(Percentage::to_micros)),
                Cell::text(info.negotiated_algorithm.as_deref()),
            ],
        )
    }));
    rows
}

pub(crate) fn finding(
    source_file_id: i64,
    index: i64,
    finding: StoredFinding,
) -> [Cell<'static>; 6] {
    [
        Cell::BigInt(source_file_id),
        Cell::Int(position(index)),
        Cell::Text(Cow::Borrowed(finding.severity.as_str())),
        Cell::Text(Cow::Owned(finding.rule)),
        Cell::Text(Cow::Owned(finding.location)),
        Cell::Text(Cow::Owned(finding.message)),
    ]
}

pub(crate) fn quarantined(
    source_file_id: i64,
    index: i64,
    record: StoredQuarantine,
) -> [Cell<'static>; 5] {
    [
        Cell::BigInt(source_file_id),
        Cell::Int(position(index)),
        Cell::Text(Cow::Owned(record.location)),
        Cell::Text(Cow::Owned(record.raw)),
        Cell::Text(Cow::Owned(record.findings_json)),
    ]
}

pub(crate) fn position(index: impl TryInto<i32>) -> i32 {
    index.try_into().unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use diesel::query_builder::AsQuery;
    use diesel::sqlite::Sqlite;

    use super::*;
    use crate::schema::*;

    /// The columns Diesel selects for a whole table, in schema order.
    fn schema_columns<T>(table: T) -> Vec<String>
    where
        T: AsQuery,
        T::Query: diesel::query_builder::QueryFragment<Sqlite>,
    {
        let sql = diesel::debug_query::<Sqlite, _>(&table.as_query()).to_string();
        let list = sql
            .trim_start_matches("SELECT ")
            .split(" FROM ")
            .next()
            .unwrap_or_default();
        list.split(", ")
            .map(|column| {
                let column = column.rsplit('.').next().unwrap_or_default();
                column.trim_matches('`').to_owned()
            })
            .collect()
    }

    #[test]
    fn bulk_columns_follow_the_schema_order() {
        let expected = [
            schema_columns(items::table),
            schema_columns(item_codes::table),
            schema_columns(standard_charges::table),
            schema_columns(payer_rates::table),
            schema_columns(modifiers::table),
            schema_columns(modifier_payer_info::table),
            schema_columns(findings::table),
            schema_columns(quarantined_records::table),
            schema_columns(file_code_prices::table),
            schema_columns(code_line_amounts::table),
        ];
        for (table, expected) in BulkTable::ALL.into_iter().zip(expected) {
            assert_eq!(table.columns(), expected, "{}", table.name());
        }
    }
}
