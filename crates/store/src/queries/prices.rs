//! Price lines: standard charges with their payer rates, as a Tall CSV row holds them.
//!
//! A line is one standard charge and at most one of its payer rates: a charge with rates gives one
//! line per rate, a charge without gives one line alone. A code lookup goes through
//! `item_codes(code_type, code, facility_id, …)`, then `standard_charges(item_id)` and each charge's
//! rates by primary-key range ([`left_join_rates!`]); payer criteria filter those rates by the ids of
//! the payer plans whose names match.

use chrono::NaiveDate;
use diesel::dsl;
use diesel::expression::expression_types::NotSelectable;
use diesel::prelude::*;
use diesel::query_dsl::methods;
use diesel::sql_types::{BigInt, Bool, Nullable};
use priceline_domain::{
    Amount, ChargeKind, Code, CodeType, DrugInfo, DrugUnitType, KindAmounts, Methodology,
    PayerRate, Percentage, Quantity, Setting, StandardCharge,
};
use serde::{Deserialize, Serialize};

use super::scope::{Snapshots, facility_snapshots, with_snapshots};
use super::text::{LIKE_ESCAPE, contains_pattern, lower};
use super::{FacilityFilter, Page, Scope, code_types, payers};
use crate::codec::{StoredDate, decode as decode_text, decode_amount, decode_codes};
use crate::connection::{DbConnection, MultiBackend};
use crate::convert;
use crate::rows::{ChargeRow, RateRow};
use crate::schema::{
    code_line_amounts, file_payer_plans, item_codes, items, payer_plans, payer_rates, source_files,
    standard_charges,
};
use crate::snapshot::line_amounts::kind_number;
use crate::snapshot::statistics::LOCAL_CODE_TYPES;
use crate::{StoreError, StoreResult};

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
    /// The mapping a legacy (pre-template) chargemaster was read through; `None` for CMS files.
    pub legacy_profile: Option<String>,
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
    (i64, String, String, Option<StoredDate>, Option<String>),
    (String, Option<i64>, Option<String>, String),
    Option<RateRow>,
    Option<String>,
    Option<String>,
);

/// The columns of a [`LineRow`].
#[diesel::dsl::auto_type]
fn line_columns() -> _ {
    // `as_select` names its backend, which the macro cannot infer.
    let charge: diesel::dsl::AsSelect<ChargeRow, MultiBackend> = ChargeRow::as_select();
    let rate: diesel::dsl::AsSelect<Option<RateRow>, MultiBackend> = Option::<RateRow>::as_select();
    (
        charge,
        (
            source_files::facility_id,
            source_files::hospital_name,
            source_files::file_name,
            source_files::last_updated_on,
            source_files::legacy_profile,
        ),
        (
            items::description,
            items::drug_unit,
            items::drug_unit_type,
            items::codes,
        ),
        rate,
        payer_plans::payer_name.nullable(),
        payer_plans::plan_name.nullable(),
    )
}

/// A condition on the lines of the FROM clause `QS`: `Bool`, or `Nullable<Bool>` where it reads a
/// rate through the left join.
type Condition<QS, ST = Bool> = Box<dyn BoxableExpression<QS, MultiBackend, SqlType = ST>>;

/// A term of the lines' order.
type OrderTerm<QS> = Box<dyn BoxableExpression<QS, MultiBackend, SqlType = NotSelectable>>;

/// A column that places a line in its order (facility or item id).
type KeyColumn<QS> = Box<dyn BoxableExpression<QS, MultiBackend, SqlType = BigInt>>;

/// An amount column of the lines, whichever table holds it (a rate's through the left join).
type AmountColumn<QS> = Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Nullable<BigInt>>>;

/// The payer plans the search's payer and plan criteria name, and the files that have any of them:
/// read before the lines' query is built, so building it reads nothing.
struct PlanFilter {
    plans: Vec<i64>,
    /// Only the files that have one of the plans, in id order: rates have no payer index, so a
    /// rare payer's search would otherwise walk every charge in scope.
    files: Vec<i64>,
}

impl PlanFilter {
    /// The plans of `query`'s payer and plan criteria; `None` without either.
    fn read(connection: &mut DbConnection, query: &PriceQuery) -> StoreResult<Option<Self>> {
        if query.payer.is_none() && query.plan.is_none() {
            return Ok(None);
        }
        let plans = payers::plan_ids(connection, query.payer.as_deref(), query.plan.as_deref())?;
        let files = file_payer_plans::table
            .filter(file_payer_plans::payer_plan_id.eq_any(&plans))
            .select(file_payer_plans::source_file_id)
            .distinct()
            .order(file_payer_plans::source_file_id)
            .load(connection)?;
        Ok(Some(Self { plans, files }))
    }
}

/// A lines' query being built over the FROM clause `QS`: the criteria other than code and facility,
/// then the order and the cursor. `facility` and `item` place a line in facility order (the code
/// lookup reads them from `item_codes`, the charge-driven search from the charge's file and item).
/// Every fragment is boxed so one function serves both FROM clauses; the SQL is the same as
/// unboxed.
struct Lines<Q, QS> {
    sql: Q,
    facility: Box<dyn Fn() -> KeyColumn<QS>>,
    item: fn() -> KeyColumn<QS>,
    amount_key: AmountKey<QS>,
}

/// Where lines sorted by an amount take the amount, charge id and rate id (0 for none) that order
/// them: the charge's and rate's own columns, or the amount-order read model's, whose key holds
/// that order.
struct AmountKey<QS> {
    /// The amount of the query's kind; `None` for the kind's column of the charge or rate.
    amount: Option<fn() -> AmountColumn<QS>>,
    charge: fn() -> KeyColumn<QS>,
    rate: fn() -> KeyColumn<QS>,
}

impl<QS> AmountKey<QS>
where
    standard_charges::id: SelectableExpression<QS>,
    dsl::Nullable<payer_rates::id>: SelectableExpression<QS>,
{
    /// The lines' own columns.
    fn of_the_lines() -> Self {
        Self {
            amount: None,
            charge: || Box::new(standard_charges::id),
            rate: || Box::new(coalesce(payer_rates::id.nullable(), 0i64)),
        }
    }
}

impl<Q, QS> Lines<Q, QS>
where
    Q: methods::FilterDsl<Condition<QS>, Output = Q>
        + methods::FilterDsl<Condition<QS, Nullable<Bool>>, Output = Q>
        + methods::OrderDsl<OrderTerm<QS>, Output = Q>
        + methods::ThenOrderDsl<OrderTerm<QS>, Output = Q>,
    QS: 'static,
    items::description: SelectableExpression<QS>,
    standard_charges::id: SelectableExpression<QS>,
    standard_charges::setting: SelectableExpression<QS>,
    dsl::Nullable<standard_charges::first_rate_id>: SelectableExpression<QS>,
    standard_charges::gross: SelectableExpression<QS>,
    standard_charges::discounted_cash: SelectableExpression<QS>,
    standard_charges::minimum: SelectableExpression<QS>,
    standard_charges::maximum: SelectableExpression<QS>,
    dsl::Nullable<payer_rates::id>: SelectableExpression<QS>,
    dsl::Nullable<payer_rates::payer_plan_id>: SelectableExpression<QS>,
    dsl::Nullable<payer_rates::methodology>: SelectableExpression<QS>,
    dsl::Nullable<payer_rates::negotiated_dollar>: SelectableExpression<QS>,
    dsl::Nullable<payer_rates::negotiated_percentage>: SelectableExpression<QS>,
    dsl::Nullable<payer_rates::negotiated_algorithm>: SelectableExpression<QS>,
{
    /// `sql` with the criteria of `query` (`plans` read from its payer and plan), in the order of
    /// `query.sort`, after `after`.
    fn build(self, query: &PriceQuery, plans: Option<&PlanFilter>, after: Option<&PriceKey>) -> Q {
        let lines = self.criteria(query, plans);
        match sort_kind(query)
            .and_then(|(kind, descending)| Some((lines.amount(kind)?, descending)))
        {
            Some((column, descending)) => lines.amount_order(column, after, descending),
            None => lines.facility_order(after),
        }
    }

    fn filter<ST: 'static>(mut self, condition: Condition<QS, ST>) -> Self
    where
        Q: methods::FilterDsl<Condition<QS, ST>, Output = Q>,
    {
        self.sql = self.sql.filter(condition);
        self
    }

    fn criteria(mut self, query: &PriceQuery, plans: Option<&PlanFilter>) -> Self {
        if let Some(text) = &query.description {
            self = self.filter(Box::new(
                lower(items::description)
                    .like(contains_pattern(text))
                    .escape(LIKE_ESCAPE),
            ) as Condition<QS>);
        }
        if let Some(setting) = query.setting {
            let mut settings = vec![setting.as_str()];
            if setting != Setting::Both {
                settings.push(Setting::Both.as_str());
            }
            self =
                self.filter(Box::new(standard_charges::setting.eq_any(settings)) as Condition<QS>);
        }
        if let Some(PlanFilter { plans, .. }) = plans {
            self = self.filter(
                Box::new(payer_rates::payer_plan_id.nullable().eq_any(plans.clone()))
                    as Condition<QS, _>,
            );
        }
        if let Some(methodology) = query.methodology {
            self = self.filter(Box::new(
                payer_rates::methodology
                    .nullable()
                    .eq(methodology.as_str().to_owned()),
            ) as Condition<QS, _>);
        }
        if charges_only(query) {
            // Each charge once: the row of its first rate (or its only row, without rates); the
            // rate itself is dropped from the line (`lines`), its id kept for the cursor.
            self = self.filter(Box::new(
                payer_rates::id.nullable().is_null().or(payer_rates::id
                    .nullable()
                    .eq(standard_charges::first_rate_id.nullable())),
            ) as Condition<QS, _>);
        }
        if let Some(kind) = query.kind {
            match self.amount(kind) {
                Some(column) => {
                    self = self.filter(Box::new(column().is_not_null()) as Condition<QS>);
                    if let Some(min) = query.min_micros {
                        self = self.filter(Box::new(column().ge(min)) as Condition<QS, _>);
                    }
                    if let Some(max) = query.max_micros {
                        self = self.filter(Box::new(column().le(max)) as Condition<QS, _>);
                    }
                }
                None => {
                    self = self.filter(Box::new(
                        payer_rates::negotiated_algorithm.nullable().is_not_null(),
                    ) as Condition<QS>);
                }
            }
        }
        self
    }

    /// The column of `kind`'s amount, as a function that builds it (a boxed column is used once);
    /// `None` for an algorithm, which is text. `kind` is the query's.
    fn amount(&self, kind: ChargeKind) -> Option<fn() -> AmountColumn<QS>> {
        if self.amount_key.amount.is_some() {
            return self.amount_key.amount;
        }
        KindAmounts::<fn() -> AmountColumn<QS>> {
            gross: || Box::new(standard_charges::gross),
            discounted_cash: || Box::new(standard_charges::discounted_cash),
            negotiated_dollar: || Box::new(payer_rates::negotiated_dollar.nullable()),
            negotiated_percentage: || Box::new(payer_rates::negotiated_percentage.nullable()),
            minimum: || Box::new(standard_charges::minimum),
            maximum: || Box::new(standard_charges::maximum),
        }
        .of(kind)
    }

    /// Orders the lines by the amount `column` then charge and rate, and starts them after `after`.
    fn amount_order(
        self,
        column: fn() -> AmountColumn<QS>,
        after: Option<&PriceKey>,
        descending: bool,
    ) -> Q {
        let AmountKey {
            charge,
            rate: rate_id,
            ..
        } = self.amount_key;
        let first: OrderTerm<QS> = if descending {
            Box::new(column().desc())
        } else {
            Box::new(column().asc())
        };
        let mut sql = self
            .sql
            .order(first)
            .then_order_by(Box::new(charge().asc()) as OrderTerm<QS>)
            .then_order_by(Box::new(rate_id().asc()) as OrderTerm<QS>);
        if let Some(key) = after {
            let PriceKey {
                value,
                charge_id,
                rate_id: rate,
                ..
            } = *key;
            let tie = column().eq(value).and(
                charge()
                    .gt(charge_id)
                    .or(charge().eq(charge_id).and(rate_id().gt(rate))),
            );
            let after: Condition<QS, Nullable<Bool>> = if descending {
                Box::new(column().lt(value).or(tie))
            } else {
                Box::new(column().gt(value).or(tie))
            };
            sql = sql.filter(after);
        }
        sql
    }

    /// Orders the lines by facility, item, charge and rate, and starts them after `after`.
    ///
    /// A charge's lines are either all rated or a single unrated one, so ordering by the bare rate
    /// id is the same on both backends (they place NULL at opposite ends) and lets an index deliver
    /// the order; `facility >= key` is a separate term so the index range starts at the cursor's
    /// facility.
    fn facility_order(self, after: Option<&PriceKey>) -> Q {
        let (facility, item) = (&self.facility, self.item);
        let mut sql = self
            .sql
            .order(Box::new(facility().asc()) as OrderTerm<QS>)
            .then_order_by(Box::new(item().asc()) as OrderTerm<QS>)
            .then_order_by(Box::new(standard_charges::id.asc()) as OrderTerm<QS>)
            .then_order_by(Box::new(payer_rates::id.nullable().asc()) as OrderTerm<QS>);
        if let Some(key) = after {
            let rate_id = coalesce(payer_rates::id.nullable(), 0i64);
            let from_facility: Condition<QS> = Box::new(facility().ge(key.value));
            let after: Condition<QS> = Box::new(
                facility()
                    .gt(key.value)
                    .or(item().gt(key.item_id))
                    .or(item().eq(key.item_id).and(
                        standard_charges::id
                            .gt(key.charge_id)
                            .or(standard_charges::id
                                .eq(key.charge_id)
                                .and(rate_id.gt(key.rate_id))),
                    )),
            );
            sql = sql.filter(from_facility).filter(after);
        }
        sql
    }
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

/// Price lines matching `query`, after `after`, at most `limit`.
pub fn search(
    connection: &mut DbConnection,
    query: &PriceQuery,
    after: Option<&PriceKey>,
    limit: usize,
) -> StoreResult<Page<PriceLine, PriceKey>> {
    search_in(connection, query, after, limit, Read::Models)
}

/// [`search`] reading a code's lines sorted by an amount from the lines' own tables, as it did before
/// the amount-order read model: what tests check the model against.
pub fn search_from_lines(
    connection: &mut DbConnection,
    query: &PriceQuery,
    after: Option<&PriceKey>,
    limit: usize,
) -> StoreResult<Page<PriceLine, PriceKey>> {
    search_in(connection, query, after, limit, Read::Lines)
}

/// Where a search by code sorted by an amount reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// The amount-order read model, for a national code.
    Models,
    Lines,
}

fn search_in(
    connection: &mut DbConnection,
    query: &PriceQuery,
    after: Option<&PriceKey>,
    limit: usize,
    read: Read,
) -> StoreResult<Page<PriceLine, PriceKey>> {
    let plans = PlanFilter::read(connection, query)?;
    let plans = plans.as_ref();
    let keyed = match &query.code {
        Some(code) => {
            // Planning the lookup with the list of 200 snapshots took 2–3 ms of a lookup's 3 at
            // 10M rates on PostgreSQL, its run 0.5; its one plan (the code's index range in page
            // order) serves every code.
            super::plan_once(connection)?;
            let files = Snapshots::read_planned_once(connection, query.scope, &query.facilities)?;
            let code = code.trim();
            let national = query
                .code_type
                .filter(|code_type| !LOCAL_CODE_TYPES.contains(&code_type.as_str()))
                .filter(|_| read == Read::Models);
            let amount_model = national.zip(sort_kind(query));
            let mut keyed: Vec<(PriceLine, PriceKey)> = Vec::new();
            let mut from = after.copied();
            // A page and the one line that tells whether another follows. A code listed twice by
            // one item repeats that item's lines (side by side: their keys are equal), which are
            // dropped; a full fetch that lost some reads on after its last line's key, which the
            // repeat of that line does not pass. Reading twice the page up front instead cost
            // every lookup twice the rows for a case most files never have; and a NOT EXISTS in SQL
            // made PostgreSQL read every listing of a common code for each line.
            loop {
                let fetch = limit + 1 - keyed.len();
                let start = from.as_ref();
                let rows = match amount_model {
                    Some((code_type, sort)) => by_amount(
                        connection,
                        query,
                        (code_type, code),
                        sort,
                        &files,
                        plans,
                        start,
                        fetch,
                    )?,
                    None => by_code(connection, query, code, &files, plans, start, fetch)?,
                };
                let full = rows.len() == fetch;
                keyed.extend(keyed_lines(query, rows)?);
                keyed.dedup_by_key(|(_, key)| (key.charge_id, key.rate_id));
                let last = keyed.last().map(|(_, key)| *key).or(from);
                if !full || keyed.len() > limit {
                    break keyed;
                }
                if last == from {
                    return Err(StoreError::Stalled);
                }
                from = last;
            }
        }
        None if sort_kind(query).is_none() => {
            // One statement per facility, the same but for the file: planned once. Planned per
            // run, PostgreSQL split a facility's page over parallel workers (12 ms a statement
            // at 10M rates, a payer search 165 req/s).
            super::plan_once(connection)?;
            keyed_lines(
                query,
                in_facility_order(connection, query, plans, after, limit + 1)?,
            )?
        }
        None => {
            let files = Snapshots::read(connection, query.scope, &query.facilities)?;
            let charges = Charges::Of(&files);
            let rows = by_charge(connection, query, charges, plans, after, limit + 1)?;
            keyed_lines(query, rows)?
        }
    };
    let page = Page::from_overfetch(keyed, limit, |(_, key)| *key, None);
    Ok(Page {
        items: page.items.into_iter().map(|(line, _)| line).collect(),
        next: page.next,
        total: None,
    })
}

/// Lines with the keys that place them in `query`'s order.
fn keyed_lines(query: &PriceQuery, rows: Vec<LineRow>) -> StoreResult<Vec<(PriceLine, PriceKey)>> {
    let amount_kind = sort_kind(query).map(|(kind, _)| kind);
    let sort_value = |line: &PriceLine| line.amounts().of(amount_kind?)?;
    Ok(lines(rows, charges_only(query))?
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
        .collect())
}

/// At most `fetch` rows of one code's lines, driven by `item_codes(code_type, code, facility_id, item_id, …)`: in facility
/// order that index delivers the lines in page order, so a page reads about `limit` rows however
/// common the code is (a CPT code can have tens of thousands of lines across 200 facilities).
fn by_code(
    connection: &mut DbConnection,
    query: &PriceQuery,
    code: &str,
    files: &Snapshots,
    plans: Option<&PlanFilter>,
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
    .select(line_columns())
    .limit(fetch as i64)
    .into_boxed();
    // One type as `=`, not `= ANY(array)`: PostgreSQL estimates a common code's rows from `=` well
    // enough to read the index in order, and from the array as a handful, which makes it sort them all.
    let sql = match query.code_type {
        Some(code_type) => sql.filter(item_codes::code_type.eq(code_type.as_str())),
        None => sql.filter(item_codes::code_type.eq_any(code_types(query.code_type))),
    };
    let mut sql = with_snapshots!(files, |set| sql
        .filter(item_codes::source_file_id.eq_any(set)));
    if let Some(plans) = plans {
        sql = sql.filter(item_codes::source_file_id.eq_any(plans.files.clone()));
    }
    let sql = Lines {
        sql,
        facility: Box::new(|| -> KeyColumn<_> { Box::new(item_codes::facility_id) }),
        item: || Box::new(item_codes::item_id),
        amount_key: AmountKey::of_the_lines(),
    }
    .build(query, plans, after);
    Ok(sql.load(connection)?)
}

/// A line's place among lines sorted by an amount: the amount, charge id and rate id.
type AmountPlace = (i64, i64, i64);

/// At most `fetch` lines of one national code sorted by the amount of `kind`, read from the
/// amount-order read model (`code_line_amounts`, see `snapshot::line_amounts`). Its rows are keyed
/// per file in page order, so the files in scope are merged: taken in the order of the first amount
/// each states of the kind (`file_code_prices`), each read as an index range of at most `fetch`
/// lines up to the last amount on the page so far, until a file starts after it. A common code's
/// page then reads the cheapest files' first lines, where the lines' own tables make it read and
/// sort every line of the code in scope. Without criteria on the lines' other columns, the files are
/// merged by the model's keys alone and only the page's lines are then read.
#[allow(clippy::too_many_arguments)]
fn by_amount(
    connection: &mut DbConnection,
    query: &PriceQuery,
    national: (CodeType, &str),
    (kind, descending): (ChargeKind, bool),
    files: &Snapshots,
    plans: Option<&PlanFilter>,
    after: Option<&PriceKey>,
    fetch: usize,
) -> StoreResult<Vec<LineRow>> {
    let order = AmountOrder { descending };
    let mut starts: Vec<(i64, i64)> = file_ranges(connection, national, kind, files)?
        .into_iter()
        .filter(|(file, ..)| plans.is_none_or(|plans| plans.files.binary_search(file).is_ok()))
        .filter_map(|(file, lowest, highest)| {
            let (start, end) = if descending {
                (highest, lowest)
            } else {
                (lowest, highest)
            };
            // A file that ends before the cursor has nothing after it.
            let passed = after.is_some_and(|key| order.amounts(end, key.value).is_lt());
            (!passed).then_some((start, file))
        })
        .collect();
    starts.sort_unstable_by(|a, b| order.amounts(a.0, b.0).then(a.1.cmp(&b.1)));
    let line_criteria = query.description.is_some()
        || query.setting.is_some()
        || query.methodology.is_some()
        || plans.is_some();
    if line_criteria {
        let page = order.merge(&starts, fetch, query, 1, |query, files| {
            let rows = in_file_by_amount(
                connection, query, national, kind, files[0], plans, after, fetch,
            )?;
            Ok(rows
                .into_iter()
                .map(|row| (place_of(kind, &row), row))
                .collect())
        })?;
        return Ok(page.into_iter().map(|(_, row)| row).collect());
    }
    // PostgreSQL reads several files' places in one statement: a statement per file was a round
    // trip per file (24 for a common code at 10M rates), and those, not the reads, were most of the
    // sort's time. SQLite answers in process, one file at a time, each capped by the page so far.
    let batch = match connection {
        DbConnection::Postgres(_) => PLACES_BATCH,
        DbConnection::Sqlite(_) => 1,
    };
    let page = order.merge(&starts, fetch, query, batch, |query, files| {
        let places = file_places(
            connection, query, national, kind, files, after, order, fetch,
        )?;
        Ok(places.into_iter().map(|place| (place, ())).collect())
    })?;
    let places: Vec<AmountPlace> = page.into_iter().map(|(place, ())| place).collect();
    lines_at(connection, query, kind, &places)
}

/// Amounts cheapest or dearest first, then charge and rate ids.
#[derive(Debug, Clone, Copy)]
struct AmountOrder {
    descending: bool,
}

impl AmountOrder {
    fn amounts(self, a: i64, b: i64) -> std::cmp::Ordering {
        if self.descending {
            b.cmp(&a)
        } else {
            a.cmp(&b)
        }
    }

    fn places(self, a: &AmountPlace, b: &AmountPlace) -> std::cmp::Ordering {
        self.amounts(a.0, b.0).then((a.1, a.2).cmp(&(b.1, b.2)))
    }

    /// The first `fetch` entries of the files `starts` (each file's first amount, in this order)
    /// read by `read`, up to `batch` files at a time (with `query` narrowed to amounts up to the
    /// page's last once the page is full), stopping at the first file that starts after the
    /// page's last amount.
    fn merge<T>(
        self,
        starts: &[(i64, i64)],
        fetch: usize,
        query: &PriceQuery,
        batch: usize,
        mut read: impl FnMut(&PriceQuery, &[i64]) -> StoreResult<Vec<(AmountPlace, T)>>,
    ) -> StoreResult<Vec<(AmountPlace, T)>> {
        let mut page: Vec<(AmountPlace, T)> = Vec::new();
        let mut bounded = query.clone();
        let mut rest = starts;
        while !rest.is_empty() {
            let mut take = batch.clamp(1, rest.len());
            // Once the page is full, a line can only take the place of one ordered after it.
            if page.len() >= fetch {
                let last = page[fetch - 1].0.0;
                let open = rest
                    .iter()
                    .take_while(|(start, _)| !self.amounts(*start, last).is_gt())
                    .count();
                if open == 0 {
                    break;
                }
                take = take.min(open);
                if self.descending {
                    bounded.min_micros = Some(query.min_micros.map_or(last, |min| min.max(last)));
                } else {
                    bounded.max_micros = Some(query.max_micros.map_or(last, |max| max.min(last)));
                }
            }
            let files: Vec<i64> = rest[..take].iter().map(|&(_, file)| file).collect();
            page.extend(read(&bounded, &files)?);
            page.sort_by(|(a, _), (b, _)| self.places(a, b));
            page.truncate(fetch);
            rest = &rest[take..];
        }
        Ok(page)
    }
}

/// Where a line read sorted by the amount of `kind` goes.
fn place_of(kind: ChargeKind, (charge, _, _, rate, ..): &LineRow) -> AmountPlace {
    let amounts = KindAmounts {
        gross: charge.gross,
        discounted_cash: charge.discounted_cash,
        negotiated_dollar: rate.as_ref().and_then(|rate| rate.negotiated_dollar),
        negotiated_percentage: rate.as_ref().and_then(|rate| rate.negotiated_percentage),
        minimum: charge.minimum,
        maximum: charge.maximum,
    };
    let amount = amounts.of(kind).flatten().unwrap_or_default();
    (amount, charge.id, rate.as_ref().map_or(0, |rate| rate.id))
}

/// How many files PostgreSQL's amount sort reads in one statement ([`file_places`]): a common
/// code's page at 10M rates reads about 24 files, so 3 statements; a file read for nothing costs an
/// index range of at most a page.
const PLACES_BATCH: usize = 8;

/// At most `fetch` places of one national code's lines in each of `files`, sorted by the amount of
/// `kind`, within the query's amount range, after `after`: the read model's keys alone, a charge's
/// own amount with rate id 0. One statement, an index range per file.
#[allow(clippy::too_many_arguments)]
fn file_places(
    connection: &mut DbConnection,
    query: &PriceQuery,
    (code_type, code): (CodeType, &str),
    kind: ChargeKind,
    files: &[i64],
    after: Option<&PriceKey>,
    order: AmountOrder,
    fetch: usize,
) -> StoreResult<Vec<AmountPlace>> {
    let statement = FilePlaces {
        files,
        code_type: code_type.as_str(),
        code,
        kind: kind_number(kind),
        amounts: (
            query.min_micros.unwrap_or(i64::MIN),
            query.max_micros.unwrap_or(i64::MAX),
        ),
        after: after.map(|key| (key.value, key.charge_id, key.rate_id)),
        descending: order.descending,
        limit: fetch as i64,
    };
    Ok(match connection {
        DbConnection::Postgres(connection) => statement.load(connection)?,
        DbConnection::Sqlite(connection) => statement.load(connection)?,
    })
}

/// The statement of [`file_places`]. Written by hand, as diesel's query builder has no lateral
/// join (nor, on SQLite, a `UNION ALL` of ordered and limited ranges), rather than with
/// `sql_query`, which diesel never keeps prepared: planning it on every run took 0.3 ms on
/// PostgreSQL, as long as its run. On PostgreSQL its text depends only on the order and on whether
/// a cursor is given, so diesel keeps each of the four prepared (by text) and it is planned once per
/// connection (see `queries::plan_once`).
struct FilePlaces<'a> {
    files: &'a [i64],
    code_type: &'a str,
    code: &'a str,
    kind: i32,
    /// The amounts' range, ends included.
    amounts: (i64, i64),
    /// The cursor: amount, charge id, rate id.
    after: Option<AmountPlace>,
    descending: bool,
    limit: i64,
}

impl diesel::query_builder::QueryId for FilePlaces<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for FilePlaces<'_> {
    type SqlType = (BigInt, BigInt, BigInt);
}

impl RunQueryDsl<diesel::PgConnection> for FilePlaces<'_> {}

impl RunQueryDsl<diesel::SqliteConnection> for FilePlaces<'_> {}

impl FilePlaces<'_> {
    /// One file's range, in page order, the file written by `file` (a bind or a column).
    fn file_range<'b, DB>(
        &'b self,
        out: &mut diesel::query_builder::AstPass<'_, 'b, DB>,
        file: impl FnOnce(&mut diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()>,
    ) -> QueryResult<()>
    where
        DB: diesel::backend::Backend,
        i64: diesel::serialize::ToSql<BigInt, DB>,
        i32: diesel::serialize::ToSql<diesel::sql_types::Integer, DB>,
        str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    {
        use diesel::sql_types::{Integer, Text};
        out.push_sql(
            "SELECT amount, standard_charge_id, payer_rate_id FROM code_line_amounts \
             WHERE source_file_id = ",
        );
        file(out)?;
        out.push_sql(" AND code_type = ");
        out.push_bind_param::<Text, _>(self.code_type)?;
        out.push_sql(" AND code = ");
        out.push_bind_param::<Text, _>(self.code)?;
        out.push_sql(" AND kind = ");
        out.push_bind_param::<Integer, _>(&self.kind)?;
        out.push_sql(" AND amount BETWEEN ");
        out.push_bind_param::<BigInt, _>(&self.amounts.0)?;
        out.push_sql(" AND ");
        out.push_bind_param::<BigInt, _>(&self.amounts.1)?;
        if let Some((amount, charge, rate)) = &self.after {
            out.push_sql(if self.descending {
                " AND (amount < "
            } else {
                " AND (amount > "
            });
            out.push_bind_param::<BigInt, _>(amount)?;
            out.push_sql(" OR (amount = ");
            out.push_bind_param::<BigInt, _>(amount)?;
            out.push_sql(" AND (standard_charge_id > ");
            out.push_bind_param::<BigInt, _>(charge)?;
            out.push_sql(" OR (standard_charge_id = ");
            out.push_bind_param::<BigInt, _>(charge)?;
            out.push_sql(" AND payer_rate_id > ");
            out.push_bind_param::<BigInt, _>(rate)?;
            out.push_sql("))))");
        }
        out.push_sql(if self.descending {
            " ORDER BY amount DESC, standard_charge_id, payer_rate_id LIMIT "
        } else {
            " ORDER BY amount, standard_charge_id, payer_rate_id LIMIT "
        });
        out.push_bind_param::<BigInt, _>(&self.limit)
    }
}

/// PostgreSQL: a lateral range per file of the array.
impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for FilePlaces<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql("SELECT m.amount, m.standard_charge_id, m.payer_rate_id FROM unnest(");
        out.push_bind_param::<diesel::sql_types::Array<BigInt>, _>(self.files)?;
        out.push_sql(") AS f(id) CROSS JOIN LATERAL (");
        self.file_range(&mut out, |out| {
            out.push_sql("f.id");
            Ok(())
        })?;
        out.push_sql(") AS m");
        Ok(())
    }
}

/// SQLite has no lateral join: the files' ranges, each a subquery of its own, one after another.
impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for FilePlaces<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        for (index, file) in self.files.iter().enumerate() {
            if index > 0 {
                out.push_sql(" UNION ALL ");
            }
            out.push_sql("SELECT * FROM (");
            self.file_range(&mut out, |out| out.push_bind_param::<BigInt, _>(file))?;
            out.push_sql(")");
        }
        Ok(())
    }
}

/// The lines at `places` (a page of places read from the amount-order read model, in order), in
/// that order: a rate's amount is its rate's line, a charge's own amount the charge's line.
fn lines_at(
    connection: &mut DbConnection,
    query: &PriceQuery,
    kind: ChargeKind,
    places: &[AmountPlace],
) -> StoreResult<Vec<LineRow>> {
    if places.is_empty() {
        return Ok(Vec::new());
    }
    let charges: Vec<i64> = places.iter().map(|place| place.1).collect();
    let mut sql =
        left_join_rates!(standard_charges::table.inner_join(items::table).inner_join(
            source_files::table.on(source_files::id.eq(standard_charges::source_file_id))
        ))
        .filter(standard_charges::id.eq_any(charges))
        .select(line_columns())
        .into_boxed();
    if !kind.of_the_charge() {
        // Each rate names its charge, so the rates drive the query: by the charges' rate
        // ranges alone, SQLite probed every rate of the page for each charge.
        let rates: Vec<i64> = places.iter().map(|place| place.2).collect();
        sql = sql.filter(payer_rates::id.nullable().eq_any(rates)).filter(
            payer_rates::standard_charge_id
                .nullable()
                .eq(standard_charges::id.nullable()),
        );
    }
    let lines = Lines {
        sql,
        facility: Box::new(|| -> KeyColumn<_> { Box::new(source_files::facility_id) }),
        item: || Box::new(standard_charges::item_id),
        amount_key: AmountKey::of_the_lines(),
    };
    // The criteria pick a charge's line (its first rate's when the search lists charges).
    let mut rows: Vec<LineRow> = lines.criteria(query, None).sql.load(connection)?;
    let rank = |row: &LineRow| {
        let (_, charge, rate) = place_of(kind, row);
        let rate = if kind.of_the_charge() { 0 } else { rate };
        places
            .iter()
            .position(|place| (place.1, place.2) == (charge, rate))
    };
    rows.sort_by_key(|row| rank(row));
    Ok(rows)
}

/// Per file in `files` stating `kind` for the code: the file, its lowest and its highest amount of
/// the kind (in any setting).
fn file_ranges(
    connection: &mut DbConnection,
    (code_type, code): (CodeType, &str),
    kind: ChargeKind,
    files: &Snapshots,
) -> StoreResult<Vec<(i64, i64, i64)>> {
    use crate::schema::file_code_prices as prices;
    // An amount's rows always have their lowest and highest (only an algorithm's have none).
    let (lowest, highest) = (
        dsl::min(prices::lowest).assume_not_null(),
        dsl::max(prices::highest).assume_not_null(),
    );
    Ok(with_snapshots!(files, |set| prices::table
        .filter(prices::code_type.eq(code_type.as_str()))
        .filter(prices::code.eq(code.to_owned()))
        .filter(prices::source_file_id.eq_any(set))
        .filter(prices::kind.eq(kind.as_str()))
        .group_by(prices::source_file_id)
        .select((prices::source_file_id, lowest, highest))
        .load(connection))?)
}

/// At most `fetch` lines of one national code in file `file` sorted by the amount of `kind`: an
/// index range of the amount-order read model from the cursor on.
#[allow(clippy::too_many_arguments)]
fn in_file_by_amount(
    connection: &mut DbConnection,
    query: &PriceQuery,
    (code_type, code): (CodeType, &str),
    kind: ChargeKind,
    file: i64,
    plans: Option<&PlanFilter>,
    after: Option<&PriceKey>,
    fetch: usize,
) -> StoreResult<Vec<LineRow>> {
    let mut sql = left_join_rates!(
        code_line_amounts::table
            .inner_join(
                standard_charges::table
                    .on(standard_charges::id.eq(code_line_amounts::standard_charge_id))
            )
            .inner_join(items::table.on(items::id.eq(standard_charges::item_id)))
            .inner_join(
                source_files::table.on(source_files::id.eq(code_line_amounts::source_file_id))
            )
    )
    .filter(code_line_amounts::source_file_id.eq(file))
    .filter(code_line_amounts::code_type.eq(code_type.as_str()))
    .filter(code_line_amounts::code.eq(code.to_owned()))
    .filter(code_line_amounts::kind.eq(kind_number(kind)))
    .select(line_columns())
    .limit(fetch as i64)
    .into_boxed();
    // A charge's own amount is one row for the charge, whose lines are its rates (in id order); a
    // rate's is the rate's own row.
    let rate: fn() -> KeyColumn<_> = if kind.of_the_charge() {
        || Box::new(coalesce(payer_rates::id.nullable(), 0i64))
    } else {
        sql = sql.filter(
            payer_rates::id
                .nullable()
                .eq(code_line_amounts::payer_rate_id.nullable()),
        );
        || Box::new(code_line_amounts::payer_rate_id)
    };
    let sql = Lines {
        sql,
        facility: Box::new(|| -> KeyColumn<_> { Box::new(source_files::facility_id) }),
        item: || Box::new(standard_charges::item_id),
        amount_key: AmountKey {
            amount: Some(|| Box::new(code_line_amounts::amount.nullable())),
            charge: || Box::new(code_line_amounts::standard_charge_id),
            rate,
        },
    }
    .build(query, plans, after);
    Ok(sql.load(connection)?)
}

/// At most `fetch` lines without a code criterion in facility order: one facility's snapshot at a
/// time, from the cursor's facility on, until the page is full. Each is an index range of its file's
/// charges in item order, where one statement over every snapshot would join and sort all their
/// charges by facility before the first line (PostgreSQL did: 1.2 s at 10M rates).
fn in_facility_order(
    connection: &mut DbConnection,
    query: &PriceQuery,
    plans: Option<&PlanFilter>,
    after: Option<&PriceKey>,
    fetch: usize,
) -> StoreResult<Vec<LineRow>> {
    let mut snapshots = facility_snapshots(connection, query.scope, &query.facilities)?;
    if let Some(plans) = plans {
        snapshots.retain(|(_, file)| plans.files.binary_search(file).is_ok());
    }
    if let Some(after) = after {
        snapshots.retain(|(facility, _)| *facility >= after.value);
    }
    let mut rows = Vec::new();
    for (facility, file) in snapshots {
        let charges = Charges::OneFacility { facility, file };
        let left = fetch - rows.len();
        rows.extend(by_charge(connection, query, charges, plans, after, left)?);
        if rows.len() >= fetch {
            break;
        }
    }
    Ok(rows)
}

/// What a search without a code reads: the snapshots in scope, or one facility's.
enum Charges<'a> {
    Of(&'a Snapshots),
    OneFacility { facility: i64, file: i64 },
}

/// At most `fetch` lines without a code criterion, driven by the charges of `charges`.
fn by_charge(
    connection: &mut DbConnection,
    query: &PriceQuery,
    charges: Charges<'_>,
    plans: Option<&PlanFilter>,
    after: Option<&PriceKey>,
    fetch: usize,
) -> StoreResult<Vec<LineRow>> {
    let sql =
        left_join_rates!(standard_charges::table.inner_join(items::table).inner_join(
            source_files::table.on(source_files::id.eq(standard_charges::source_file_id))
        ))
        .select(line_columns())
        .limit(fetch as i64)
        .into_boxed();
    let coded = item_codes::table.filter(item_codes::code_type.eq_any(code_types(query.code_type)));
    let coded = query.code_type.is_some().then_some(coded);
    // `=` for one file: PostgreSQL estimates `= ANY` of a one-element list, twice over, as a few
    // rows, and then walked every item to join them.
    let (sql, facility): (_, Box<dyn Fn() -> KeyColumn<_>>) = match charges {
        Charges::OneFacility { facility, file } => {
            let mut sql = sql.filter(standard_charges::source_file_id.eq(file));
            if let Some(coded) = coded {
                // Each charge's item looked up in `item_codes (item_id, code_type)`: as `IN`,
                // SQLite built the file's coded items from the code type's whole key first. Only
                // the item id is selected, so that index covers the lookup: with every column,
                // SQLite probed the code type's whole key for each charge instead.
                let codes = coded
                    .filter(item_codes::item_id.eq(standard_charges::item_id))
                    .select(item_codes::item_id);
                sql = sql.filter(dsl::exists(codes));
            }
            // The facility is a constant (a bound one: a literal integer would name a column),
            // which the planners drop from the order, leaving the file's index order.
            let facility = move || -> KeyColumn<_> { Box::new(facility.into_sql::<BigInt>()) };
            (sql, Box::new(facility))
        }
        Charges::Of(files) => {
            let mut sql = with_snapshots!(files, |set| sql
                .filter(standard_charges::source_file_id.eq_any(set)));
            if let Some(plans) = plans {
                sql = sql.filter(standard_charges::source_file_id.eq_any(plans.files.clone()));
            }
            if let Some(coded) = coded {
                // Inside each arm: a boxed subquery has no SQL on a MultiConnection's backends.
                sql = with_snapshots!(files, |set| {
                    let items = coded
                        .filter(item_codes::source_file_id.eq_any(set))
                        .select(item_codes::item_id);
                    sql.filter(standard_charges::item_id.eq_any(items))
                });
            }
            (
                sql,
                Box::new(|| -> KeyColumn<_> { Box::new(source_files::facility_id) }),
            )
        }
    };
    let sql = Lines {
        sql,
        facility,
        item: || Box::new(standard_charges::item_id),
        amount_key: AmountKey::of_the_lines(),
    }
    .build(query, plans, after);
    Ok(sql.load(connection)?)
}

/// Lines with their codes, each with the ids that place it in its order; without their rate when
/// `charges_only` (the rate id still places the line).
fn lines(rows: Vec<LineRow>, charges_only: bool) -> StoreResult<Vec<(PriceLine, LineIds)>> {
    // An item's lines come together (several charges and rates): its codes are decoded once.
    let mut decoded: Option<(i64, Vec<Code>)> = None;
    rows.into_iter()
        .map(|(charge, file, item, rate, payer, plan)| {
            let (facility_id, facility_name, file_name, last_updated_on, legacy_profile) = file;
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
                    last_updated_on: last_updated_on.map(|date| date.0),
                    legacy_profile,
                },
                description,
                codes: match &decoded {
                    Some((item_id, codes)) if *item_id == charge.item_id => codes.clone(),
                    _ => {
                        let codes = decode_codes(&codes)?;
                        decoded = Some((charge.item_id, codes.clone()));
                        codes
                    }
                },
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
