//! Price lines: standard charges with their payer rates, as a Tall CSV row holds them.
//!
//! A line is one standard charge and at most one of its payer rates: a charge with rates gives one
//! line per rate, a charge without gives one line alone. A code lookup goes through
//! `item_codes(code_type, code, facility_id, …)`, then `standard_charges(item_id)` and each charge's
//! rates by primary-key range ([`left_join_rates!`]); payer criteria filter those rates by the ids of
//! the payer plans whose names match.

use chrono::NaiveDate;
use diesel::prelude::*;
use priceline_domain::{
    Amount, ChargeKind, Code, CodeType, DrugInfo, DrugUnitType, KindAmounts, Methodology,
    PayerRate, Percentage, Quantity, Setting, StandardCharge,
};
use serde::{Deserialize, Serialize};

use super::facilities::source_file_ids;
use super::text::{LIKE_ESCAPE, contains_pattern, lower};
use super::{FacilityFilter, Page, Scope, payers};
use crate::StoreResult;
use crate::codec::{decode as decode_text, decode_amount, decode_codes};
use crate::connection::DbConnection;
use crate::convert;
use crate::rows::{ChargeRow, RateRow};
use crate::schema::{
    facilities, file_payer_plans, item_codes, items, payer_plans, payer_rates, source_files,
    standard_charges,
};

diesel::define_sql_function! {
    /// `coalesce(rate id, 0)`: a line without a rate sorts before the charge's rated lines on both
    /// backends (SQLite and PostgreSQL place NULLs at opposite ends).
    fn coalesce(value: diesel::sql_types::Nullable<diesel::sql_types::BigInt>, default: diesel::sql_types::BigInt) -> diesel::sql_types::BigInt;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PriceSort {
    /// By facility id, then item, charge and rate: the order lines were imported in.
    #[default]
    Facility,
    /// By the amount of the query's `kind`, cheapest first.
    AmountAscending,
    /// By the amount of the query's `kind`, dearest first.
    AmountDescending,
}

/// What a price search asks for. Text criteria match case-insensitively anywhere in the name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceQuery {
    pub scope: Scope,
    pub facilities: FacilityFilter,
    pub code_type: Option<CodeType>,
    pub code: Option<String>,
    pub description: Option<String>,
    /// `inpatient` and `outpatient` also match charges that apply to `both`.
    pub setting: Option<Setting>,
    pub payer: Option<String>,
    pub plan: Option<String>,
    pub methodology: Option<Methodology>,
    /// Only lines stating this kind of charge.
    pub kind: Option<ChargeKind>,
    /// Inclusive bounds on the amount of `kind`, in micro-units.
    pub min_micros: Option<i64>,
    pub max_micros: Option<i64>,
    /// Sorting by amount needs a `kind` with an amount; the API refuses it otherwise, and the store
    /// falls back to facility order.
    pub sort: PriceSort,
}

/// Where a line sits in its order: the sort value (facility id or amount), item id (facility order
/// only), charge id and rate id (0 for a line without a rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceKey {
    pub value: i64,
    #[serde(default)]
    pub item_id: i64,
    pub charge_id: i64,
    pub rate_id: i64,
}

impl PriceLine {
    /// The line's amount of each kind, in micro-units: the charge's own, and its rate's.
    fn amounts(&self) -> KindAmounts<Option<i64>> {
        let rate = self.rate.as_ref();
        KindAmounts {
            gross: self.charge.gross.map(Amount::to_micros),
            discounted_cash: self.charge.discounted_cash.map(Amount::to_micros),
            negotiated_dollar: rate
                .and_then(|rate| rate.negotiated_dollar)
                .map(Amount::to_micros),
            negotiated_percentage: rate
                .and_then(|rate| rate.negotiated_percentage)
                .map(Percentage::to_micros),
            minimum: self.charge.minimum.map(Amount::to_micros),
            maximum: self.charge.maximum.map(Amount::to_micros),
        }
    }
}

/// The ids that place a line in its order.
struct LineIds {
    item_id: i64,
    charge_id: i64,
    rate_id: i64,
}

/// The file and record a line was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub source_file_id: i64,
    pub file_name: String,
    pub last_updated_on: Option<NaiveDate>,
}

/// One standard charge, and one of its payer rates when it has any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceLine {
    pub facility_id: i64,
    pub facility_name: String,
    pub provenance: Provenance,
    pub description: String,
    pub codes: Vec<Code>,
    pub drug: Option<DrugInfo>,
    /// The charge; its `payer_rates` is empty (the line's rate is `rate`).
    pub charge: StandardCharge,
    pub rate: Option<PayerRate>,
}

type LineRow = (
    ChargeRow,
    (i64, String, String, Option<NaiveDate>),
    (String, Option<i64>, Option<String>, String),
    Option<RateRow>,
    Option<String>,
    Option<String>,
);

/// The columns of a [`LineRow`].
macro_rules! line_columns {
    () => {
        (
            ChargeRow::as_select(),
            (
                source_files::facility_id,
                source_files::hospital_name,
                source_files::file_name,
                source_files::last_updated_on,
            ),
            (
                items::description,
                items::drug_unit,
                items::drug_unit_type,
                items::codes,
            ),
            Option::<RateRow>::as_select(),
            payer_plans::payer_name.nullable(),
            payer_plans::plan_name.nullable(),
        )
    };
}

/// `$body` with `$column` bound to the amount column of `$kind`; `$otherwise` for an algorithm.
macro_rules! with_amount_column {
    ($kind:expr, |$column:ident| $body:expr, otherwise $otherwise:expr) => {
        match $kind {
            ChargeKind::Gross => {
                let $column = standard_charges::gross;
                $body
            }
            ChargeKind::DiscountedCash => {
                let $column = standard_charges::discounted_cash;
                $body
            }
            ChargeKind::Minimum => {
                let $column = standard_charges::minimum;
                $body
            }
            ChargeKind::Maximum => {
                let $column = standard_charges::maximum;
                $body
            }
            ChargeKind::NegotiatedDollar => {
                let $column = payer_rates::negotiated_dollar.nullable();
                $body
            }
            ChargeKind::NegotiatedPercentage => {
                let $column = payer_rates::negotiated_percentage.nullable();
                $body
            }
            ChargeKind::NegotiatedAlgorithm => $otherwise,
        }
    };
}

/// Orders `$query` by `$column` then charge and rate, and starts it after `$key`.
macro_rules! amount_keyset {
    ($query:expr, $column:expr, $after:expr, $descending:expr) => {{
        let rate_id = coalesce(payer_rates::id.nullable(), 0i64);
        let mut query = if $descending {
            $query.order($column.desc())
        } else {
            $query.order($column.asc())
        }
        .then_order_by(standard_charges::id.asc())
        .then_order_by(rate_id.asc());
        if let Some(key) = $after {
            let PriceKey {
                value,
                charge_id,
                rate_id: rate,
                ..
            } = *key;
            let tie = $column.eq(value).and(
                standard_charges::id
                    .gt(charge_id)
                    .or(standard_charges::id.eq(charge_id).and(rate_id.gt(rate)))
                    .nullable(),
            );
            query = if $descending {
                query.filter($column.lt(value).or(tie))
            } else {
                query.filter($column.gt(value).or(tie))
            };
        }
        query
    }};
}

/// Orders `$query` by facility, item, charge and rate, and starts it after `$key`.
///
/// A charge's lines are either all rated or a single unrated one, so ordering by the bare rate id is
/// the same on both backends (they place NULL at opposite ends) and lets an index deliver the order;
/// `facility >= key` is a separate term so the index range starts at the cursor's facility.
macro_rules! facility_keyset {
    ($query:expr, $facility:expr, $item:expr, $after:expr) => {{
        let mut query = $query
            .order($facility.asc())
            .then_order_by($item.asc())
            .then_order_by(standard_charges::id.asc())
            .then_order_by(payer_rates::id.nullable().asc());
        if let Some(key) = $after {
            let rate_id = coalesce(payer_rates::id.nullable(), 0i64);
            query = query.filter($facility.ge(key.value)).filter(
                $facility
                    .gt(key.value)
                    .or($item.gt(key.item_id))
                    .or($item.eq(key.item_id).and(
                        standard_charges::id
                            .gt(key.charge_id)
                            .or(standard_charges::id
                                .eq(key.charge_id)
                                .and(rate_id.gt(key.rate_id))),
                    )),
            );
        }
        query
    }};
}

/// Applies the criteria other than code and facility, then the order of `query.sort` and the cursor.
macro_rules! criteria_and_order {
    ($connection:expr, $sql:expr, $query:expr, $after:expr, $facility:expr, $item:expr) => {{
        let (connection, query, after) = (&mut *$connection, $query, $after);
        let mut sql = $sql;
        if let Some(text) = &query.description {
            sql = sql.filter(
                lower(items::description)
                    .like(contains_pattern(text))
                    .escape(LIKE_ESCAPE),
            );
        }
        if let Some(setting) = query.setting {
            let mut settings = vec![setting.as_str()];
            if setting != Setting::Both {
                settings.push(Setting::Both.as_str());
            }
            sql = sql.filter(standard_charges::setting.eq_any(settings));
        }
        if query.payer.is_some() || query.plan.is_some() {
            let plans =
                payers::plan_ids(connection, query.payer.as_deref(), query.plan.as_deref())?;
            // Only the files that have one of the plans: rates have no payer index, so a rare
            // payer's search would otherwise walk every charge in scope.
            let files: Vec<i64> = file_payer_plans::table
                .filter(file_payer_plans::payer_plan_id.eq_any(&plans))
                .select(file_payer_plans::source_file_id)
                .distinct()
                .load(connection)?;
            sql = sql
                .filter(standard_charges::source_file_id.eq_any(files))
                .filter(payer_rates::payer_plan_id.nullable().eq_any(plans));
        }
        if let Some(methodology) = query.methodology {
            sql = sql.filter(
                payer_rates::methodology
                    .nullable()
                    .eq(methodology.as_str().to_owned()),
            );
        }
        if charges_only(query) {
            // Each charge once: the row of its first rate (or its only row, without rates); the
            // rate itself is dropped from the line (`lines`), its id kept for the cursor.
            sql = sql.filter(
                payer_rates::id
                    .nullable()
                    .is_null()
                    .or(payer_rates::id.nullable().eq(standard_charges::first_rate_id.nullable())),
            );
        }
        if let Some(kind) = query.kind {
            sql = with_amount_column!(kind, |column| {
                let mut sql = sql.filter(column.is_not_null());
                if let Some(min) = query.min_micros {
                    sql = sql.filter(column.ge(min));
                }
                if let Some(max) = query.max_micros {
                    sql = sql.filter(column.le(max));
                }
                sql
            }, otherwise sql.filter(payer_rates::negotiated_algorithm.nullable().is_not_null()));
        }
        match sort_kind(query) {
            Some((kind, descending)) => with_amount_column!(
                kind,
                |column| amount_keyset!(sql, column, after, descending),
                otherwise facility_keyset!(sql, $facility, $item, after)
            ),
            None => facility_keyset!(sql, $facility, $item, after),
        }
    }};
}

/// The snapshots a search reads. On SQLite the current ones go to the database as a subquery rather
/// than a list of ids: with 200 facilities the list makes the statement long enough that SQLite spends
/// more time parsing and planning it than running it. PostgreSQL takes a list as one array parameter
/// (`= ANY($1)`) and plans it in half the time of the subquery (2 ms against 5 ms, measured at 200
/// facilities), so it gets the list.
enum Snapshots {
    Current,
    Ids(Vec<i64>),
}

/// `$body` with `$set` bound to `$snapshots` as something `eq_any` takes: the subquery of current
/// snapshots, or the list of ids. Each arm has its own type, so callers build their filter inside.
macro_rules! with_snapshots {
    ($snapshots:expr, |$set:ident| $body:expr) => {
        match $snapshots {
            Snapshots::Current => {
                let $set = facilities::table
                    .filter(facilities::current_source_file_id.is_not_null())
                    .select(facilities::current_source_file_id.assume_not_null());
                $body
            }
            Snapshots::Ids(ids) => {
                let $set = ids;
                $body
            }
        }
    };
}

/// The amount kind the lines are sorted by, and whether dearest first; `None` for facility order.
fn sort_kind(query: &PriceQuery) -> Option<(ChargeKind, bool)> {
    let kind = query.kind.filter(|kind| kind.has_amount())?;
    match query.sort {
        PriceSort::Facility => None,
        PriceSort::AmountAscending => Some((kind, false)),
        PriceSort::AmountDescending => Some((kind, true)),
    }
}

/// Sorted by an amount of the charge itself (gross, cash, min, max) and asking nothing of the rates,
/// a search lists standard charges, each once: its payer rates would only repeat the same amount.
pub fn charges_only(query: &PriceQuery) -> bool {
    let rate_criteria =
        query.payer.is_some() || query.plan.is_some() || query.methodology.is_some();
    !rate_criteria && sort_kind(query).is_some_and(|(kind, _)| kind.of_the_charge())
}

/// The code types a code criterion matches: the given one, or every type, so the
/// `(code_type, code, …)` index still applies.
fn code_types(query: &PriceQuery) -> Vec<&'static str> {
    match query.code_type {
        Some(code_type) => vec![code_type.as_str()],
        None => CodeType::ALL
            .iter()
            .map(|code_type| code_type.as_str())
            .collect(),
    }
}

/// Price lines matching `query`, after `after`, at most `limit`.
pub fn search(
    connection: &mut DbConnection,
    query: &PriceQuery,
    after: Option<&PriceKey>,
    limit: usize,
) -> StoreResult<Page<PriceLine, PriceKey>> {
    let subquery = matches!(connection, DbConnection::Sqlite(_));
    let files = if subquery && query.scope == Scope::Current && query.facilities.is_empty() {
        Snapshots::Current
    } else {
        Snapshots::Ids(source_file_ids(connection, query.scope, &query.facilities)?)
    };
    // A code listed twice by one item repeats that item's lines, so a code's lookup reads twice the
    // page (plus the one row that tells whether a next page exists) and drops the repeats.
    let (rows, fetched) = match &query.code {
        Some(code) => {
            let fetch = 2 * (limit + 1);
            let rows = by_code(connection, query, code.trim(), &files, after, fetch)?;
            (rows, fetch)
        }
        None => (
            by_charge(connection, query, &files, after, limit + 1)?,
            limit + 1,
        ),
    };
    // A full fetch means more rows follow, even if repeats left fewer lines than a page.
    let more = rows.len() == fetched;
    let rows = without_repeats(rows);
    let lines = lines(rows, charges_only(query))?;
    let amount_kind = sort_kind(query).map(|(kind, _)| kind);
    let sort_value = |line: &PriceLine| line.amounts().of(amount_kind?)?;
    let keyed: Vec<(PriceLine, PriceKey)> = lines
        .into_iter()
        .map(|(line, ids)| {
            let key = PriceKey {
                value: sort_value(&line).unwrap_or(line.facility_id),
                item_id: ids.item_id,
                charge_id: ids.charge_id,
                rate_id: ids.rate_id,
            };
            (line, key)
        })
        .collect();
    let mut page = Page::from_overfetch(keyed, limit, |(_, key)| *key, None);
    if more && page.next.is_none() && !page.items.is_empty() {
        page.next = page.items.last().map(|(_, key)| *key);
    }
    Ok(Page {
        items: page.items.into_iter().map(|(line, _)| line).collect(),
        next: page.next,
        total: None,
    })
}

/// At most `fetch` rows of one code's lines, driven by `item_codes(code_type, code, facility_id, item_id, …)`: in facility
/// order that index delivers the lines in page order, so a page reads about `limit` rows however
/// common the code is (a CPT code can have tens of thousands of lines across 200 facilities).
fn by_code(
    connection: &mut DbConnection,
    query: &PriceQuery,
    code: &str,
    files: &Snapshots,
    after: Option<&PriceKey>,
    fetch: usize,
) -> StoreResult<Vec<LineRow>> {
    let sql = left_join_rates!(
        item_codes::table
            .inner_join(
                standard_charges::table.on(standard_charges::item_id.eq(item_codes::item_id))
            )
            .inner_join(items::table.on(items::id.eq(item_codes::item_id)))
            .inner_join(source_files::table.on(source_files::id.eq(item_codes::source_file_id)))
    )
    .filter(item_codes::code.eq(code.to_owned()))
    .select(line_columns!())
    .limit(fetch as i64)
    .into_boxed();
    // One type as `=`, not `= ANY(array)`: PostgreSQL estimates a common code's rows from `=` well
    // enough to read the index in order, and from the array as a handful, which makes it sort them all.
    let sql = match query.code_type {
        Some(code_type) => sql.filter(item_codes::code_type.eq(code_type.as_str())),
        None => sql.filter(item_codes::code_type.eq_any(code_types(query))),
    };
    let sql = with_snapshots!(files, |set| sql
        .filter(item_codes::source_file_id.eq_any(set)));
    let sql = criteria_and_order!(
        connection,
        sql,
        query,
        after,
        item_codes::facility_id,
        item_codes::item_id
    );
    Ok(sql.load(connection)?)
}

/// Drops the repeats a code listed twice by one item gives (its lines twice, side by side in any
/// order). Done here rather than by a NOT EXISTS in SQL: PostgreSQL carries the code's constants into
/// such a subquery and reads every listing of a common code for each line.
fn without_repeats(mut rows: Vec<LineRow>) -> Vec<LineRow> {
    rows.dedup_by_key(|row| (row.0.id, row.3.as_ref().map(|rate| rate.id)));
    rows
}

/// At most `fetch` lines without a code criterion, driven by the charges of the snapshots in scope.
fn by_charge(
    connection: &mut DbConnection,
    query: &PriceQuery,
    files: &Snapshots,
    after: Option<&PriceKey>,
    fetch: usize,
) -> StoreResult<Vec<LineRow>> {
    let sql =
        left_join_rates!(standard_charges::table.inner_join(items::table).inner_join(
            source_files::table.on(source_files::id.eq(standard_charges::source_file_id))
        ))
        .select(line_columns!())
        .limit(fetch as i64)
        .into_boxed();
    let mut sql = with_snapshots!(files, |set| sql
        .filter(standard_charges::source_file_id.eq_any(set)));
    if query.code_type.is_some() {
        let coded = item_codes::table.filter(item_codes::code_type.eq_any(code_types(query)));
        // Inside each arm: a boxed subquery has no SQL on a MultiConnection's backends.
        sql = with_snapshots!(files, |set| {
            let items = coded
                .filter(item_codes::source_file_id.eq_any(set))
                .select(item_codes::item_id);
            sql.filter(standard_charges::item_id.eq_any(items))
        });
    }
    let sql = criteria_and_order!(
        connection,
        sql,
        query,
        after,
        source_files::facility_id,
        standard_charges::item_id
    );
    Ok(sql.load(connection)?)
}

/// Lines with their codes, each with the ids that place it in its order; without their rate when
/// `charges_only` (the rate id still places the line).
fn lines(rows: Vec<LineRow>, charges_only: bool) -> StoreResult<Vec<(PriceLine, LineIds)>> {
    rows.into_iter()
        .map(|(charge, file, item, rate, payer, plan)| {
            let (facility_id, facility_name, file_name, last_updated_on) = file;
            let (description, drug_unit, drug_unit_type, codes) = item;
            let drug = match (drug_unit, drug_unit_type.as_deref()) {
                (Some(unit), Some(unit_type)) => Some(DrugInfo {
                    unit: decode_amount("drug unit", unit, Quantity::from_micros)?,
                    unit_type: decode_text("drug unit type", unit_type, DrugUnitType::parse)?,
                }),
                _ => None,
            };
            let rate_id = rate.as_ref().map_or(0, |row| row.id);
            let rate = rate
                .filter(|_| !charges_only)
                .map(|row| {
                    let (payer, plan) = (payer.unwrap_or_default(), plan.unwrap_or_default());
                    convert::rate(&row, payer, plan, &charge.source_location)
                })
                .transpose()?;
            let line = PriceLine {
                facility_id,
                facility_name,
                provenance: Provenance {
                    source_file_id: charge.source_file_id,
                    file_name,
                    last_updated_on,
                },
                description,
                codes: decode_codes(&codes)?,
                drug,
                charge: convert::charge(&charge)?,
                rate,
            };
            let ids = LineIds {
                item_id: charge.item_id,
                charge_id: charge.id,
                rate_id,
            };
            Ok((line, ids))
        })
        .collect::<StoreResult<Vec<_>>>()
}
