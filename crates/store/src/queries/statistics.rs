//! Statistics of one billing code across facilities, never mixing kinds of price: lines are grouped by
//! setting and methodology (a per-diem rate is never averaged with a case rate), optionally by payer
//! or state. Percentiles use the nearest-rank method, so every figure is an amount some file states.
//!
//! Statistics of the current snapshots with no facility criterion, of a national code system, come
//! from the read model (`snapshot::statistics`), split or not: the groups' counts and summaries, once
//! no import's change is pending. Others (`as_of`, a facility criterion, a hospital's own codes, a
//! pending change) read the code's lines in the chosen snapshots.

use std::collections::{BTreeMap, BTreeSet};

use diesel::dsl::{exists, not};
use diesel::prelude::*;
use priceline_domain::{Amount, CodeType, Methodology, Setting};

use super::code_amounts::{self, CodeAmount, settings_of};
use super::facilities::source_file_ids;
use super::{FacilityFilter, Scope};
use crate::StoreResult;
use crate::codec::{decode, decode_amount};
use crate::connection::DbConnection;
use crate::schema::{
    code_statistics_groups as groups, code_statistics_pending as pending,
    code_statistics_summaries as summaries,
};
use crate::snapshot::statistics::{BY_PAYER, BY_STATE, LOCAL_CODE_TYPES, UNSPLIT};

/// Groups with fewer facilities than this are flagged: their figures describe a hospital or two.
pub const SMALL_SAMPLE_FACILITIES: u64 = 3;

/// A further split of the setting-and-methodology groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Split {
    #[default]
    None,
    Payer,
    State,
}

impl Split {
    /// How the read model stores it (`code_statistics_groups.split`).
    fn stored(self) -> i32 {
        match self {
            Split::None => UNSPLIT,
            Split::Payer => BY_PAYER,
            Split::State => BY_STATE,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatisticsQuery {
    pub scope: Scope,
    pub facilities: FacilityFilter,
    pub code_type: CodeType,
    pub code: String,
    pub setting: Option<Setting>,
    pub split: Split,
}

/// The spread of one kind of amount in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Distribution {
    pub count: u64,
    pub min: Amount,
    pub p10: Amount,
    pub p25: Amount,
    pub median: Amount,
    pub p75: Amount,
    pub p90: Amount,
    pub max: Amount,
}

/// One group: lines of one setting and methodology (`None`: charges with no payer rate), and of one
/// payer or license state when split so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatisticsGroup {
    pub setting: Setting,
    pub methodology: Option<Methodology>,
    pub payer_name: Option<String>,
    pub state: Option<String>,
    pub facilities: u64,
    /// Distinct standard charges in the group (their gross and cash amounts are counted once each).
    pub charges: u64,
    pub rates: u64,
    pub gross: Option<Distribution>,
    pub discounted_cash: Option<Distribution>,
    pub negotiated_dollar: Option<Distribution>,
    pub small_sample: bool,
}

type GroupKey = (Setting, Option<Methodology>, Option<String>, Option<String>);

#[derive(Default)]
struct Accumulator {
    facilities: BTreeSet<i64>,
    charges: BTreeSet<i64>,
    rates: u64,
    gross: Vec<i64>,
    discounted_cash: Vec<i64>,
    negotiated_dollar: Vec<i64>,
}

impl Accumulator {
    fn add(&mut self, line: &CodeAmount) {
        self.facilities.insert(line.facility_id);
        if self.charges.insert(line.charge_id) {
            self.gross.extend(line.gross);
            self.discounted_cash.extend(line.discounted_cash);
        }
        if let Some(rate) = &line.rate {
            self.rates += 1;
            self.negotiated_dollar.extend(rate.negotiated_dollar);
        }
    }
}

/// The groups of `query.code`, by setting, methodology, then payer or state.
pub fn code_statistics(
    connection: &mut DbConnection,
    query: &StatisticsQuery,
) -> StoreResult<Vec<StatisticsGroup>> {
    let modelled = query.scope == Scope::Current
        && query.facilities.is_empty()
        && !LOCAL_CODE_TYPES.contains(&query.code_type.as_str());
    if modelled && let Some(groups) = from_read_model(connection, query)? {
        return Ok(groups);
    }
    from_lines(connection, query)
}

/// The same groups computed from every line of the code in the snapshots in scope: the definition
/// the read model is checked against.
pub fn from_lines(
    connection: &mut DbConnection,
    query: &StatisticsQuery,
) -> StoreResult<Vec<StatisticsGroup>> {
    let files = source_file_ids(connection, query.scope, &query.facilities)?;
    let lines = code_amounts::load(
        connection,
        &files,
        query.code_type,
        &query.code,
        query.setting,
    )?;
    let mut groups: BTreeMap<GroupKey, Accumulator> = BTreeMap::new();
    for line in &lines {
        let methodology = line.rate.as_ref().and_then(|rate| rate.methodology);
        let payer = match query.split {
            Split::Payer => line.rate.as_ref().map(|rate| rate.payer_name.clone()),
            _ => None,
        };
        let state = match query.split {
            Split::State => line.license_state.clone(),
            _ => None,
        };
        groups
            .entry((line.setting, methodology, payer, state))
            .or_default()
            .add(line);
    }
    groups
        .into_iter()
        .map(|(key, group)| {
            let counts = Counts {
                facilities: group.facilities.len() as u64,
                charges: group.charges.len() as u64,
                rates: group.rates,
            };
            let spread = |values: Vec<i64>| distribution(&runs(values));
            let amounts = [
                spread(group.gross)?,
                spread(group.discounted_cash)?,
                spread(group.negotiated_dollar)?,
            ];
            Ok(statistics_group(key, counts, amounts))
        })
        .collect()
}

/// A group's setting, methodology and split value as stored, its counts and the spread of each kind
/// of amount (`code_statistics_amounts.kind` 1, 2, 3: gross, cash, negotiated dollar).
struct StoredGroup {
    setting: String,
    methodology: String,
    split_value: String,
    counts: Counts,
    spreads: [Option<Distribution>; 3],
}

/// The spread slot of a stored kind.
fn kind_index(kind: i32) -> StoreResult<usize> {
    match kind {
        1..=3 => Ok(kind as usize - 1),
        _ => Err(crate::StoreError::Corrupt {
            what: "amount kind",
            value: kind.to_string(),
            reason: "not 1, 2 or 3".to_owned(),
        }),
    }
}

/// The groups from the read model, or `None` while an import's change waits to be applied (the
/// lines answer then). Groups and their summaries come in one statement that finds nothing while a
/// change is pending, so a modelled answer is one round trip; only an empty answer asks whether
/// one is. (It was three statements; at 10M rates on PostgreSQL the difference was within the bench
/// machine's noise, as was planning it once per connection: most of the cost is elsewhere.)
fn from_read_model(
    connection: &mut DbConnection,
    query: &StatisticsQuery,
) -> StoreResult<Option<Vec<StatisticsGroup>>> {
    type Figures = (i32, i64, i64, i64, i64, i64, i64, i64, i64);
    type Row = (i64, String, String, String, i64, i64, i64, Option<Figures>);
    let code = query.code.trim();
    let mut rows = groups::table
        .left_join(summaries::table.on(summaries::group_id.eq(groups::id)))
        .filter(not(exists(pending::table.select(pending::id))))
        .filter(groups::code_type.eq(query.code_type.as_str()))
        .filter(groups::code.eq(code))
        .filter(groups::split.eq(query.split.stored()))
        .filter(groups::charges.gt(0))
        .select((
            groups::id,
            groups::setting,
            groups::methodology,
            groups::split_value,
            groups::facilities,
            groups::charges,
            groups::rates,
            (
                summaries::kind,
                summaries::lines,
                summaries::minimum,
                summaries::p10,
                summaries::p25,
                summaries::median,
                summaries::p75,
                summaries::p90,
                summaries::maximum,
            )
                .nullable(),
        ))
        .into_boxed();
    if let Some(setting) = query.setting {
        rows = rows.filter(groups::setting.eq_any(settings_of(setting)));
    }
    let rows = rows.load::<Row>(connection)?;
    if rows.is_empty() && crate::snapshot::statistics::pending(connection)? > 0 {
        return Ok(None);
    }
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    let amount = |micros: i64| decode_amount("amount", micros, Amount::from_micros);
    let mut stored: BTreeMap<i64, StoredGroup> = BTreeMap::new();
    for (id, setting, methodology, split_value, facilities, charges, rates, figures) in rows {
        let group = stored.entry(id).or_insert_with(|| StoredGroup {
            setting,
            methodology,
            split_value,
            counts: Counts {
                facilities: count(facilities),
                charges: count(charges),
                rates: count(rates),
            },
            spreads: [None; 3],
        });
        if let Some((kind, lines, min, p10, p25, median, p75, p90, max)) = figures {
            group.spreads[kind_index(kind)?] = Some(Distribution {
                count: count(lines),
                min: amount(min)?,
                p10: amount(p10)?,
                p25: amount(p25)?,
                median: amount(median)?,
                p75: amount(p75)?,
                p90: amount(p90)?,
                max: amount(max)?,
            });
        }
    }
    let mut found = stored
        .into_values()
        .map(|group| {
            let setting = decode("setting", &group.setting, Setting::parse)?;
            let methodology = (!group.methodology.is_empty())
                .then(|| decode("methodology", &group.methodology, Methodology::parse))
                .transpose()?;
            // '' stands for a line with no payer rate, or a file with no license state.
            let value = (!group.split_value.is_empty()).then_some(group.split_value);
            let (payer, state) = match query.split {
                Split::None => (None, None),
                Split::Payer => (value, None),
                Split::State => (None, value),
            };
            Ok(statistics_group(
                (setting, methodology, payer, state),
                group.counts,
                group.spreads,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    // The order of `from_lines`: by the decoded key, not by the stored text.
    found.sort_by(|a, b| group_key(a).cmp(&group_key(b)));
    Ok(Some(found))
}

fn group_key(
    group: &StatisticsGroup,
) -> (
    Setting,
    Option<Methodology>,
    &Option<String>,
    &Option<String>,
) {
    (
        group.setting,
        group.methodology,
        &group.payer_name,
        &group.state,
    )
}

#[derive(Debug, Clone, Copy)]
struct Counts {
    facilities: u64,
    charges: u64,
    rates: u64,
}

fn statistics_group(
    (setting, methodology, payer_name, state): GroupKey,
    counts: Counts,
    [gross, discounted_cash, negotiated_dollar]: [Option<Distribution>; 3],
) -> StatisticsGroup {
    StatisticsGroup {
        setting,
        methodology,
        payer_name,
        state,
        facilities: counts.facilities,
        charges: counts.charges,
        rates: counts.rates,
        gross,
        discounted_cash,
        negotiated_dollar,
        small_sample: counts.facilities < SMALL_SAMPLE_FACILITIES,
    }
}

/// Sorted values as runs of one amount and how many times it occurs.
fn runs(mut micros: Vec<i64>) -> Vec<(i64, u64)> {
    micros.sort_unstable();
    let mut runs: Vec<(i64, u64)> = Vec::new();
    for value in micros {
        match runs.last_mut() {
            Some((last, count)) if *last == value => *count += 1,
            _ => runs.push((value, 1)),
        }
    }
    runs
}

/// The spread of runs sorted by amount.
fn distribution(runs: &[(i64, u64)]) -> StoreResult<Option<Distribution>> {
    let count: u64 = runs.iter().map(|(_, n)| n).sum();
    if count == 0 {
        return Ok(None);
    }
    // Nearest rank: the smallest value with at least p % of the values at or below it.
    let at = |percent: u64| -> StoreResult<Amount> {
        let rank = (percent * count).div_ceil(100).max(1);
        let mut seen = 0;
        let value = runs
            .iter()
            .find(|(_, n)| {
                seen += n;
                seen >= rank
            })
            .map_or(0, |(value, _)| *value);
        decode_amount("amount", value, Amount::from_micros)
    };
    Ok(Some(Distribution {
        count,
        min: at(0)?,
        p10: at(10)?,
        p25: at(25)?,
        median: at(50)?,
        p75: at(75)?,
        p90: at(90)?,
        max: at(100)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_are_stated_amounts() {
        let values: Vec<i64> = (1..=10).map(|n| n * 1_000_000).collect();
        let spread = distribution(&runs(values)).unwrap().unwrap();
        assert_eq!(spread.min.to_string(), "1");
        assert_eq!(spread.p10.to_string(), "1");
        assert_eq!(spread.p25.to_string(), "3");
        assert_eq!(spread.median.to_string(), "5");
        assert_eq!(spread.p90.to_string(), "9");
        assert_eq!(spread.max.to_string(), "10");
        assert_eq!(distribution(&runs(vec![])).unwrap(), None);
        let repeated = runs(vec![5, 1, 5, 5, 2]);
        assert_eq!(repeated, vec![(1, 1), (2, 1), (5, 3)]);
    }
}
