//! One code across facilities, cheapest first: "where is this cheaper?".

use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::dsl;
use diesel::prelude::*;
use priceline_domain::{Amount, ChargeKind, CodeType, Setting};
use serde::{Deserialize, Serialize};

use super::code_amounts::settings_of;
use super::facilities::{FacilitySummary, summaries};
use super::scope::{Snapshots, facility_snapshots, with_snapshots};
use super::{FacilityFilter, Page, Scope};
use crate::StoreResult;
use crate::codec::{decode, decode_amount};
use crate::connection::DbConnection;
use crate::schema::file_code_prices as prices;
use crate::schema::source_files;
use crate::snapshot::statistics::LOCAL_CODE_TYPES;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareQuery {
    pub scope: Scope,
    pub facilities: FacilityFilter,
    pub code_type: CodeType,
    pub code: String,
    pub setting: Option<Setting>,
    /// The dollar kind facilities are ranked by (a percentage or an algorithm is not a price).
    pub kind: ChargeKind,
}

/// The lowest and highest amount of one dollar kind at a facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountRange {
    pub kind: ChargeKind,
    pub lowest: Amount,
    pub highest: Amount,
    pub count: u64,
}

/// A facility's prices for the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityPrice {
    pub facility: FacilitySummary,
    /// The facility's lowest amount of the query's kind; `None` for a facility that states the
    /// code but not that kind (listed after every ranked one).
    pub price: Option<Amount>,
    /// Every kind of charge the facility states for the code.
    pub kinds: Vec<ChargeKind>,
    /// Ranges of the dollar kinds among them.
    pub ranges: Vec<AmountRange>,
}

/// Facilities are ranked by price, then id; those without the ranked kind come after all others,
/// by id. Fields are compared in order, so `unranked` (false first) must stay the first field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CompareKey {
    /// The facility states the code but not the ranked kind. Absent from cursors made before
    /// such facilities were listed, which were all ranked.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unranked: bool,
    /// The facility's lowest amount of the ranked kind; 0 when unranked.
    pub price_micros: i64,
    pub facility_id: i64,
}

/// A facility's figures for the code: per kind it states, the lowest and highest amount (0 for an
/// algorithm) and how many lines state it.
type Spans = BTreeMap<ChargeKind, Span>;

#[derive(Debug, Clone, Copy)]
struct Span {
    lowest: i64,
    highest: i64,
    lines: i64,
}

impl Span {
    fn add(spans: &mut Spans, kind: ChargeKind, span: Span) {
        spans
            .entry(kind)
            .and_modify(|into| {
                into.lowest = into.lowest.min(span.lowest);
                into.highest = into.highest.max(span.highest);
                into.lines += span.lines;
            })
            .or_insert(span);
    }
}

/// Facilities stating the code: those with the query's kind cheapest first, then the others (so a
/// client sees every facility that prices the code, and which lack the kind), after `after`.
/// Read from the compare read model (`file_code_prices`, written with each file): the database ranks
/// the snapshots in scope by their lowest amount of the kind and returns the page's (one index range
/// of the code, a few rows per file), and only the page's files are then read whole; a scope that
/// fits on the page is read whole and ranked here. A hospital's own codes, which the model leaves
/// out, are compared from their lines.
pub fn compare(
    connection: &mut DbConnection,
    query: &CompareQuery,
    after: Option<&CompareKey>,
    limit: usize,
) -> StoreResult<Page<FacilityPrice, CompareKey>> {
    if LOCAL_CODE_TYPES.contains(&query.code_type.as_str()) {
        return compare_from_lines(connection, query, after, limit);
    }
    let files = Snapshots::read(connection, query.scope, &query.facilities)?;
    if let Snapshots::Ids(in_scope) = &files
        && in_scope.len() <= limit + 1
    {
        // The whole scope fits on the page (a state's or a city's facilities): its figures are
        // the page's anyway, read in one query and ranked here, where ranking in the database
        // took three (2,015 against 4,077 req/s for a state at 10M rates).
        let file_ids: Vec<i64> = in_scope.iter().map(|&(_, file)| file).collect();
        let mut by_file = spans(connection, query, &file_ids)?;
        let by_facility = in_scope
            .iter()
            .filter_map(|(facility, file)| Some((*facility, by_file.remove(file)?)))
            .collect();
        return ranked_page(connection, query, in_scope, by_facility, after, limit);
    }
    let mut page = ranked(connection, query, &files, after, limit + 1)?;
    if page.len() <= limit {
        let after = after.filter(|key| key.unranked).map(|key| key.facility_id);
        let fetch = limit + 1 - page.len();
        page.extend(unranked(connection, query, &files, after, fetch)?);
    }
    let files: Vec<i64> = page.iter().map(|(_, file)| *file).collect();
    let mut spans = spans(connection, query, &files)?;
    let page = page
        .into_iter()
        .map(|(key, file)| (key, file, spans.remove(&file).unwrap_or_default()))
        .collect();
    describe(connection, page, limit)
}

/// The model's rows of the query's code (in its setting) in the files of `$set` (see
/// [`with_snapshots`]), joined to their files.
macro_rules! code_prices_in {
    ($query:expr, $set:expr) => {{
        let query: &CompareQuery = $query;
        prices::table
            .inner_join(source_files::table.on(source_files::id.eq(prices::source_file_id)))
            .filter(prices::code_type.eq(query.code_type.as_str()))
            .filter(prices::code.eq(query.code.trim().to_owned()))
            .filter(prices::setting.ne_all(other_settings(query.setting)))
            .filter(prices::source_file_id.eq_any($set))
    }};
}

/// The settings the query leaves out: none without a setting, else all but `setting` and `both`.
/// Its rows are those whose setting is not among them (`ne_all`): no condition at all without a
/// setting, where listing every setting made each file's rows read as three index ranges (a
/// ranking of 200 files took 457 µs instead of 276).
fn other_settings(setting: Option<Setting>) -> Vec<&'static str> {
    let asked = setting.map(settings_of);
    Setting::ALL
        .iter()
        .map(|setting| setting.as_str())
        .filter(|setting| asked.as_ref().is_some_and(|asked| !asked.contains(setting)))
        .collect()
}

/// Up to `fetch` snapshots of `files` stating the query's kind for the code, by their lowest amount
/// of it then facility, after `after`: each with its key and file.
fn ranked(
    connection: &mut DbConnection,
    query: &CompareQuery,
    files: &Snapshots,
    after: Option<&CompareKey>,
    fetch: usize,
) -> StoreResult<Vec<(CompareKey, i64)>> {
    if after.is_some_and(|key| key.unranked) {
        return Ok(Vec::new());
    }
    // Without a cursor, after the least key there is.
    let (value, facility) = after.map_or((i64::MIN, i64::MIN), |key| {
        (key.price_micros, key.facility_id)
    });
    // A dollar kind's rows always have their lowest amount (only an algorithm's have none).
    let price = dsl::min(prices::lowest).assume_not_null();
    let rows: Vec<(i64, i64, i64)> = with_snapshots!(files, |set| code_prices_in!(query, set)
        .filter(prices::kind.eq(query.kind.as_str()))
        .group_by((prices::source_file_id, source_files::facility_id))
        .having(
            price
                .gt(value)
                .or(price.eq(value).and(source_files::facility_id.gt(facility))),
        )
        .select((source_files::facility_id, prices::source_file_id, price))
        .order((price, source_files::facility_id))
        .limit(fetch as i64)
        .load(connection))?;
    Ok(rows
        .into_iter()
        .map(|(facility_id, file, price_micros)| {
            let key = CompareKey {
                unranked: false,
                price_micros,
                facility_id,
            };
            (key, file)
        })
        .collect())
}

/// Up to `fetch` snapshots of `files` stating the code but not the query's kind, by facility, after
/// facility `after`: each with its key and file.
fn unranked(
    connection: &mut DbConnection,
    query: &CompareQuery,
    files: &Snapshots,
    after: Option<i64>,
    fetch: usize,
) -> StoreResult<Vec<(CompareKey, i64)>> {
    let ranked = diesel::alias!(prices as ranked);
    let of_the_kind = ranked
        .filter(ranked.field(prices::code_type).eq(prices::code_type))
        .filter(ranked.field(prices::code).eq(prices::code))
        .filter(
            ranked
                .field(prices::source_file_id)
                .eq(prices::source_file_id),
        )
        .filter(
            ranked
                .field(prices::setting)
                .ne_all(other_settings(query.setting)),
        )
        .filter(ranked.field(prices::kind).eq(query.kind.as_str()));
    let after = after.unwrap_or(i64::MIN);
    let rows: Vec<(i64, i64)> = with_snapshots!(files, |set| code_prices_in!(query, set)
        .filter(dsl::not(dsl::exists(of_the_kind)))
        .filter(source_files::facility_id.gt(after))
        .select((source_files::facility_id, prices::source_file_id))
        .distinct()
        .order(source_files::facility_id)
        .limit(fetch as i64)
        .load(connection))?;
    Ok(rows
        .into_iter()
        .map(|(facility_id, file)| {
            let key = CompareKey {
                unranked: true,
                price_micros: 0,
                facility_id,
            };
            (key, file)
        })
        .collect())
}

/// The figures of each of `files` for the query's code (in its setting), by file.
fn spans(
    connection: &mut DbConnection,
    query: &CompareQuery,
    files: &[i64],
) -> StoreResult<HashMap<i64, Spans>> {
    let rows = prices::table
        .filter(prices::code_type.eq(query.code_type.as_str()))
        .filter(prices::code.eq(query.code.trim().to_owned()))
        .filter(prices::setting.ne_all(other_settings(query.setting)))
        .filter(prices::source_file_id.eq_any(files))
        .select((
            prices::source_file_id,
            prices::kind,
            prices::lowest,
            prices::highest,
            prices::lines,
        ))
        .load::<(i64, String, Option<i64>, Option<i64>, i64)>(connection)?;
    let mut by_file: HashMap<i64, Spans> = HashMap::new();
    for (file, kind, lowest, highest, lines) in rows {
        let kind = decode("kind", &kind, ChargeKind::parse)?;
        let span = Span {
            lowest: lowest.unwrap_or_default(),
            highest: highest.unwrap_or_default(),
            lines,
        };
        Span::add(by_file.entry(file).or_default(), kind, span);
    }
    Ok(by_file)
}

/// [`compare`] computed from every line of the code: for a hospital's own codes, and the reference
/// the read model is tested against.
pub fn compare_from_lines(
    connection: &mut DbConnection,
    query: &CompareQuery,
    after: Option<&CompareKey>,
    limit: usize,
) -> StoreResult<Page<FacilityPrice, CompareKey>> {
    let in_scope = facility_snapshots(connection, query.scope, &query.facilities)?;
    let files: Vec<i64> = in_scope.iter().map(|&(_, file)| file).collect();
    let lines = super::code_amounts::load(
        connection,
        &files,
        query.code_type,
        &query.code,
        query.setting,
    )?;
    let mut by_facility: BTreeMap<i64, Spans> = BTreeMap::new();
    // A charge comes once per payer rate: its own amounts (gross, cash, min, max) count once.
    let mut charges_seen = BTreeSet::new();
    for line in &lines {
        let spans = by_facility.entry(line.facility_id).or_default();
        let first_of_charge = charges_seen.insert(line.charge_id);
        let amounts = line.amounts();
        let algorithm = line
            .rate
            .as_ref()
            .is_some_and(|rate| rate.has_algorithm)
            .then_some(0);
        for kind in ChargeKind::ALL {
            if kind.of_the_charge() && !first_of_charge {
                continue;
            }
            let amount = amounts.of(kind).unwrap_or(algorithm);
            if let Some(micros) = amount {
                let span = Span {
                    lowest: micros,
                    highest: micros,
                    lines: 1,
                };
                Span::add(spans, kind, span);
            }
        }
    }
    ranked_page(connection, query, &in_scope, by_facility, after, limit)
}

/// The page after `after` of the facilities ranked by their lowest amount of the query's kind:
/// ranked by their figures first, so only the page's facilities are described (`in_scope`: the
/// snapshot of each facility, by facility id).
fn ranked_page(
    connection: &mut DbConnection,
    query: &CompareQuery,
    in_scope: &[(i64, i64)],
    by_facility: BTreeMap<i64, Spans>,
    after: Option<&CompareKey>,
    limit: usize,
) -> StoreResult<Page<FacilityPrice, CompareKey>> {
    let mut ranked: Vec<(CompareKey, i64, Spans)> = Vec::new();
    for (facility_id, spans) in by_facility {
        let lowest = spans.get(&query.kind).map(|span| span.lowest);
        let key = CompareKey {
            unranked: lowest.is_none(),
            price_micros: lowest.unwrap_or_default(),
            facility_id,
        };
        if after.is_none_or(|after| key > *after) {
            let file = in_scope
                .binary_search_by_key(&facility_id, |&(facility, _)| facility)
                .map(|at| in_scope[at].1);
            if let Ok(file) = file {
                ranked.push((key, file, spans));
            }
        }
    }
    ranked.sort_by_key(|(key, _, _)| *key);
    ranked.truncate(limit + 1);
    describe(connection, ranked, limit)
}

/// The page of `ranked` (its keys in order, with each facility's file and figures; one more than
/// `limit` when more follow), each facility described.
fn describe(
    connection: &mut DbConnection,
    ranked: Vec<(CompareKey, i64, Spans)>,
    limit: usize,
) -> StoreResult<Page<FacilityPrice, CompareKey>> {
    let pairs: Vec<(i64, i64)> = ranked
        .iter()
        .map(|(key, file, _)| (key.facility_id, *file))
        .collect();
    let mut described: HashMap<i64, FacilitySummary> = summaries(connection, &pairs)?
        .into_iter()
        .map(|facility| (facility.id, facility))
        .collect();
    let amount = |micros: i64| decode_amount("amount", micros, Amount::from_micros);
    let mut priced = Vec::with_capacity(ranked.len());
    for (key, _, spans) in ranked {
        let Some(facility) = described.remove(&key.facility_id) else {
            continue;
        };
        let ranges = spans
            .iter()
            .filter(|(kind, _)| ChargeKind::DOLLAR.contains(kind))
            .map(|(kind, span)| {
                Ok(AmountRange {
                    kind: *kind,
                    lowest: amount(span.lowest)?,
                    highest: amount(span.highest)?,
                    count: span.lines.max(0) as u64,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let price = (!key.unranked)
            .then(|| amount(key.price_micros))
            .transpose()?;
        let kinds = spans.into_keys().collect();
        priced.push((
            key,
            FacilityPrice {
                facility,
                price,
                kinds,
                ranges,
            },
        ));
    }
    let page = Page::from_overfetch(priced, limit, |(key, _)| *key, None);
    Ok(Page {
        items: page.items.into_iter().map(|(_, price)| price).collect(),
        next: page.next,
        total: None,
    })
}
