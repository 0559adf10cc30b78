//! Charge items: one item of a snapshot in one setting, with every standard charge it has in that
//! setting and each charge's payer rates (with the id of the payer plan). This is the unit the FHIR
//! interface serves as a ChargeItemDefinition, and the unit a bulk export streams.
//!
//! Items are keyed by `(item id, setting)` and paged in that order (keyset, never offset), so a
//! caller can walk every item of the current snapshots a page at a time.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use priceline_domain::{
    Code, CodeType, DrugInfo, DrugUnitType, PayerRate, Quantity, Setting, StandardCharge,
};
use serde::{Deserialize, Serialize};

use super::prices::Provenance;
use super::{Page, code_types};
use crate::codec::{decode as decode_text, decode_amount, decode_codes};
use crate::connection::{DbConnection, MultiBackend};
use crate::convert;
use crate::rows::{ChargeRow, RateRow};
use crate::schema::{
    facilities, item_codes, items, payer_plans, payer_rates, source_files, standard_charges,
};
use crate::{StoreError, StoreResult};

/// Where a charge item sits in key order: its item id, then its setting's CMS spelling.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ChargeItemKey {
    pub item_id: i64,
    pub setting: String,
}

/// Which charge items a page lists; every criterion is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChargeItemFilter {
    /// Only items carrying this code, of `code_type` or, without one, of any type.
    pub code: Option<String>,
    pub code_type: Option<CodeType>,
    /// Only the current snapshot of this facility.
    pub facility_id: Option<i64>,
}

/// A payer rate and the id of its payer plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRate {
    pub plan_id: i64,
    pub rate: PayerRate,
}

/// One standard charge of an item (its `payer_rates` left empty) and its rates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemCharge {
    pub charge: StandardCharge,
    pub rates: Vec<PlanRate>,
}

/// One item of a snapshot in one setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeItem {
    pub key: ChargeItemKey,
    pub setting: Setting,
    pub facility_id: i64,
    pub facility_name: String,
    pub provenance: Provenance,
    /// When the item's source file was imported.
    pub imported_at: NaiveDateTime,
    /// Whether the item's file is still its facility's current snapshot.
    pub current: bool,
    pub description: String,
    pub codes: Vec<Code>,
    pub drug: Option<DrugInfo>,
    pub charges: Vec<ItemCharge>,
}

/// The facilities a filter reads, as an id range: one facility or all of them, so that both give
/// the same (unboxed) subquery type; diesel cannot nest a boxed subquery for the multi-backend
/// connection.
fn facility_range(filter: &ChargeItemFilter) -> (i64, i64) {
    filter
        .facility_id
        .map_or((i64::MIN, i64::MAX), |facility_id| {
            (facility_id, facility_id)
        })
}

/// The current snapshot file of each facility with an id in `first..=last`, as a subquery.
macro_rules! current_files {
    ($first:expr, $last:expr) => {
        facilities::table
            .filter(facilities::id.between($first, $last))
            .filter(facilities::current_source_file_id.is_not_null())
            .select(facilities::current_source_file_id.assume_not_null())
    };
}

/// The `item_codes` rows of `code` in the current files of the facilities `first..=last`, of the
/// filter's code type or of any type.
macro_rules! code_rows {
    ($filter:expr, $code:expr, $first:expr, $last:expr) => {
        item_codes::table
            .filter(item_codes::code_type.eq_any(code_types($filter.code_type)))
            .filter(item_codes::code.eq($code.trim().to_owned()))
            .filter(item_codes::facility_id.between($first, $last))
            .filter(item_codes::source_file_id.eq_any(current_files!($first, $last)))
    };
}

/// The charge items `filter` selects, after `after`, at most `limit`, in key order.
///
/// The current snapshots go in as a subquery of `facilities`, never as a list read first: one round
/// trip less, and a statement that does not grow with the number of facilities.
pub fn page(
    connection: &mut DbConnection,
    filter: &ChargeItemFilter,
    after: Option<&ChargeItemKey>,
    limit: usize,
) -> StoreResult<Page<ChargeItem, ChargeItemKey>> {
    let (first, last) = facility_range(filter);
    let wanted = limit + 1;
    let keys = match (&filter.code, filter.facility_id) {
        (Some(code), _) => keys_of_items(connection, after, wanted, |connection, from| {
            Ok(code_rows!(filter, code, first, last)
                .filter(item_codes::item_id.ge(from))
                .select(item_codes::item_id)
                .distinct()
                .order(item_codes::item_id)
                .limit(wanted as i64)
                .load(connection)?)
        })?,
        // Every current item: walked in id order, checking each item's file. Through the charges'
        // file index instead, SQLite read and sorted every current charge for a page (0.6-0.75 s
        // at 10M rates).
        (None, None) => keys_of_items(connection, after, wanted, |connection, from| {
            Ok(items::table
                .filter(items::id.ge(from))
                .filter(items::source_file_id.eq_any(current_files!(first, last)))
                .select(items::id)
                .order(items::id)
                .limit(wanted as i64)
                .load(connection)?)
        })?,
        // One hospital's current file: its charges, through the file index.
        (None, Some(_)) => {
            let sql = standard_charges::table
                .filter(standard_charges::source_file_id.eq_any(current_files!(first, last)))
                .into_boxed::<MultiBackend>();
            settings_after(connection, sql, after, wanted)?
        }
    };
    let page = Page::from_overfetch(keys, limit, Clone::clone, None);
    let items = load(connection, &page.items)?;
    Ok(Page {
        items,
        next: page.next,
        total: None,
    })
}

/// The first `wanted` keys after `after` of the items `items_from(connection, from)` lists (at most
/// `wanted` ids from `from` on, in id order): the items first, then the settings of their charges
/// from `standard_charges (item_id, setting)`. Asked in one statement, both databases read every
/// charge of a code before sorting (PostgreSQL: 42 ms a page for a code with 9,731 charges at 10M
/// rates; SQLite chose the charges' file index and read every current charge).
fn keys_of_items(
    connection: &mut DbConnection,
    after: Option<&ChargeItemKey>,
    wanted: usize,
    mut items_from: impl FnMut(&mut DbConnection, i64) -> StoreResult<Vec<i64>>,
) -> StoreResult<Vec<ChargeItemKey>> {
    let mut from = after.map_or(i64::MIN, |after| after.item_id);
    let mut keys = Vec::new();
    loop {
        let items = items_from(connection, from)?;
        let Some(&last_item) = items.last() else {
            return Ok(keys);
        };
        let sql = standard_charges::table
            .filter(standard_charges::item_id.eq_any(&items))
            .into_boxed::<MultiBackend>();
        keys.extend(settings_after(connection, sql, after, wanted - keys.len())?);
        // Every item has a charge, so this is the last round; the loop only guards a page against
        // an item without one.
        if keys.len() >= wanted || items.len() < wanted {
            return Ok(keys);
        }
        from = last_item + 1;
    }
}

/// The first `wanted` distinct `(item id, setting)` keys of the charges `sql` selects, after `after`.
fn settings_after<'a>(
    connection: &mut DbConnection,
    sql: standard_charges::BoxedQuery<'a, MultiBackend>,
    after: Option<&ChargeItemKey>,
    wanted: usize,
) -> StoreResult<Vec<ChargeItemKey>> {
    let mut sql = sql
        .select((standard_charges::item_id, standard_charges::setting))
        .distinct()
        .order((
            standard_charges::item_id.asc(),
            standard_charges::setting.asc(),
        ))
        .limit(wanted as i64);
    if let Some(after) = after {
        // `item_id >= …` on its own lets the index range start at the cursor's item.
        sql = sql
            .filter(standard_charges::item_id.ge(after.item_id))
            .filter(
                standard_charges::item_id
                    .gt(after.item_id)
                    .or(standard_charges::setting.gt(after.setting.clone())),
            );
    }
    let keys: Vec<(i64, String)> = sql.load(connection)?;
    Ok(keys
        .into_iter()
        .map(|(item_id, setting)| ChargeItemKey { item_id, setting })
        .collect())
}

/// How many charge items `filter` selects, from read models written at import: for a code of one
/// type or of any type, the `item_codes` rows of the code (each item's settings, counted on its
/// first listing: a range of the lookup key, no charge read); for no code, the current files'
/// counts.
pub fn count(connection: &mut DbConnection, filter: &ChargeItemFilter) -> StoreResult<u64> {
    let (first, last) = facility_range(filter);
    let total: Option<i64> = match (&filter.code, filter.code_type) {
        (Some(code), Some(_)) => code_rows!(filter, code, first, last)
            .select(diesel::dsl::sum(item_codes::charge_items))
            .first(connection)?,
        // Every type: an item listing the code under two types still counts once.
        (Some(code), None) => code_rows!(filter, code, first, last)
            .select(diesel::dsl::sum(item_codes::charge_items_any_type))
            .first(connection)?,
        // No code: the current files' own counts, written at import. (PostgreSQL sums BIGINT as
        // NUMERIC; the cast brings it back.)
        (None, _) => source_files::table
            .filter(source_files::id.eq_any(current_files!(first, last)))
            .select(diesel::dsl::sql::<Nullable<BigInt>>(
                "CAST(SUM(source_files.charge_items_count) AS BIGINT)",
            ))
            .first(connection)?,
    };
    Ok(total.unwrap_or(0).max(0) as u64)
}

/// One charge item, current or not; `StoreError::NotFound` when the item has no charge in `setting`.
pub fn get(connection: &mut DbConnection, key: &ChargeItemKey) -> StoreResult<ChargeItem> {
    load(connection, std::slice::from_ref(key))?
        .pop()
        .ok_or(StoreError::NotFound)
}

type ChargeOfItem = (
    ChargeRow,
    (i64, i64),
    (
        i64,
        String,
        String,
        Option<NaiveDate>,
        Option<String>,
        NaiveDateTime,
    ),
    Option<i64>,
    (String, Option<i64>, Option<String>, String),
);

type RateOfPlan = (RateRow, i64, String, String);

/// The charge items of `keys`, in the order of `keys` (a key with no charge is left out).
///
/// Two statements: the items' charges, then their rates by id (a charge's rates have consecutive
/// ids, `first_rate_id..=last_rate_id`). Joined in one, PostgreSQL estimates the range join at a million rates per
/// charge and plans accordingly (measured: 11.7 ms for a page of 50 items and 650 rates).
fn load(connection: &mut DbConnection, keys: &[ChargeItemKey]) -> StoreResult<Vec<ChargeItem>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let item_ids: Vec<i64> = keys.iter().map(|key| key.item_id).collect();
    let charge: diesel::dsl::AsSelect<ChargeRow, MultiBackend> = ChargeRow::as_select();
    let charges: Vec<ChargeOfItem> = standard_charges::table
        .inner_join(items::table)
        .inner_join(source_files::table.on(source_files::id.eq(standard_charges::source_file_id)))
        .inner_join(facilities::table.on(facilities::id.eq(source_files::facility_id)))
        .filter(standard_charges::item_id.eq_any(&item_ids))
        .order((standard_charges::item_id.asc(), standard_charges::id.asc()))
        .select((
            charge,
            (
                standard_charges::first_rate_id,
                standard_charges::last_rate_id,
            ),
            (
                source_files::facility_id,
                source_files::hospital_name,
                source_files::file_name,
                source_files::last_updated_on,
                source_files::legacy_profile,
                source_files::imported_at,
            ),
            facilities::current_source_file_id,
            (
                items::description,
                items::drug_unit,
                items::drug_unit_type,
                items::codes,
            ),
        ))
        .load(connection)?;
    let mut rates = rates_in(
        connection,
        charges.iter().map(|(_, range, ..)| *range).collect(),
    )?
    .into_iter()
    .peekable();
    // Each item with the id of the charge it read last.
    let mut built: HashMap<ChargeItemKey, ChargeItem> = HashMap::new();
    for (charge, (first_rate, last_rate), file, current_file, item) in charges {
        let key = ChargeItemKey {
            item_id: charge.item_id,
            setting: charge.setting.clone(),
        };
        let entry = match built.entry(key) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(vacant) => {
                let (facility_id, facility_name, file_name, last_updated_on, legacy, imported_at) =
                    file;
                let (description, drug_unit, drug_unit_type, codes) = item;
                let drug = match (drug_unit, drug_unit_type.as_deref()) {
                    (Some(unit), Some(unit_type)) => Some(DrugInfo {
                        unit: decode_amount("drug unit", unit, Quantity::from_micros)?,
                        unit_type: decode_text("drug unit type", unit_type, DrugUnitType::parse)?,
                    }),
                    _ => None,
                };
                let item = ChargeItem {
                    key: vacant.key().clone(),
                    setting: decode_text("setting", &charge.setting, Setting::parse)?,
                    facility_id,
                    facility_name,
                    provenance: Provenance {
                        source_file_id: charge.source_file_id,
                        file_name,
                        last_updated_on,
                        legacy_profile: legacy,
                    },
                    imported_at,
                    current: current_file == Some(charge.source_file_id),
                    description,
                    codes: decode_codes(&codes)?,
                    drug,
                    charges: Vec::new(),
                };
                vacant.insert(item)
            }
        };
        // Rates come by id, and the charges' ranges in the same order.
        let mut planned = Vec::new();
        while let Some((rate, ..)) = rates.peek() {
            if rate.id > last_rate {
                break;
            }
            if let Some((rate, plan_id, payer, plan)) = rates.next()
                && rate.id >= first_rate
            {
                let rate = convert::rate(&rate, payer, plan, &charge.source_location)?;
                planned.push(PlanRate { plan_id, rate });
            }
        }
        entry.charges.push(ItemCharge {
            charge: convert::charge(&charge)?,
            rates: planned,
        });
    }
    Ok(keys.iter().filter_map(|key| built.remove(key)).collect())
}

/// The rates with ids in `ranges` (inclusive, a charge's `first_rate_id..=last_rate_id`), by id,
/// each with its plan. Read by id lists, a bounded number at a time: both databases then look each
/// rate up by its key (ranges joined by OR made SQLite scan every rate), and a statement stays well
/// under SQLite's limit of bound values.
fn rates_in(
    connection: &mut DbConnection,
    ranges: Vec<(i64, i64)>,
) -> StoreResult<Vec<RateOfPlan>> {
    const IDS_PER_STATEMENT: usize = 5_000;
    let mut ids: Vec<i64> = ranges
        .into_iter()
        .flat_map(|(first, last)| first..=last)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut rates = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let rate: diesel::dsl::AsSelect<RateRow, MultiBackend> = RateRow::as_select();
        let found: Vec<RateOfPlan> = payer_rates::table
            .inner_join(payer_plans::table.on(payer_plans::id.eq(payer_rates::payer_plan_id)))
            .filter(payer_rates::id.eq_any(chunk))
            .select((
                rate,
                payer_plans::id,
                payer_plans::payer_name,
                payer_plans::plan_name,
            ))
            .order(payer_rates::id.asc())
            .load(connection)?;
        rates.extend(found);
    }
    Ok(rates)
}
