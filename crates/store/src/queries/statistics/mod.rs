//! Statistics of one billing code across facilities, never mixing kinds of price: lines are grouped by
//! setting and methodology (a per-diem rate is never averaged with a case rate), optionally by payer
//! or state. Percentiles use the nearest-rank method, so every figure is an amount some file states.
//!
//! Statistics of the current snapshots with no facility criterion, of a national code system, come
//! from the read model (`snapshot::statistics`), split or not: the groups' counts and summaries
//! (`model`) once no import's change is pending; while one is, the summaries of the groups it does
//! not touch and a refresh has not listed dirty, and the sums of the others corrected by the
//! pending snapshots' lines (`pending`).
//! Others (`as_of`, a facility criterion, a hospital's own
//! codes) read the code's lines in the chosen snapshots (`lines`).

mod lines;
mod model;
mod pending;
mod tally;

use priceline_domain::{Amount, CodeType, Methodology, Setting};

pub use self::lines::from_lines;
use super::{FacilityFilter, Scope, code_amounts};
use crate::StoreResult;
use crate::codec::{decode, decode_amount};
use crate::connection::DbConnection;
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

/// The groups of `query.code`, by setting, methodology, then payer or state. Within one
/// transaction that sees a single state of the data (`queries::consistent_read`, as every API read
/// is): with changes pending, it reads the queue, the model and the pending lines in turn, and a
/// refresh committing in between would count its changes twice.
pub fn code_statistics(
    connection: &mut DbConnection,
    query: &StatisticsQuery,
) -> StoreResult<Vec<StatisticsGroup>> {
    let modelled = query.scope == Scope::Current
        && query.facilities.is_empty()
        && !LOCAL_CODE_TYPES.contains(&query.code_type.as_str());
    if !modelled {
        return from_lines(connection, query);
    }
    match model::from_read_model(connection, query)? {
        model::Answer::Current(groups) => Ok(groups),
        model::Answer::Behind(changes) => pending::with_pending(connection, query, &changes),
    }
}

/// The lines of the query's code, in its setting if it names one, in the snapshots `files`.
fn lines_in(
    connection: &mut DbConnection,
    query: &StatisticsQuery,
    files: &[i64],
) -> StoreResult<Vec<code_amounts::CodeAmount>> {
    code_amounts::load(
        connection,
        files,
        query.code_type,
        &query.code,
        query.setting,
    )
}

/// A group's key from the read model's text: `''` stands for no methodology (charges with no payer
/// rate), and for a line with no payer rate or a file with no license state in `split_value`.
fn stored_key(
    split: Split,
    setting: &str,
    methodology: &str,
    split_value: String,
) -> StoreResult<GroupKey> {
    let setting = decode("setting", setting, Setting::parse)?;
    let methodology = (!methodology.is_empty())
        .then(|| decode("methodology", methodology, Methodology::parse))
        .transpose()?;
    let value = (!split_value.is_empty()).then_some(split_value);
    let (payer, state) = match split {
        Split::None => (None, None),
        Split::Payer => (value, None),
        Split::State => (None, value),
    };
    Ok((setting, methodology, payer, state))
}

/// The slot of a stored kind of amount (`code_statistics_amounts.kind` 1, 2, 3: gross, cash,
/// negotiated dollar).
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
        let values: Vec<(i64, u64)> = (1..=10).map(|n| (n * 1_000_000, 1)).collect();
        let spread = distribution(&values).unwrap().unwrap();
        assert_eq!(spread.min.to_string(), "1");
        assert_eq!(spread.p10.to_string(), "1");
        assert_eq!(spread.p25.to_string(), "3");
        assert_eq!(spread.median.to_string(), "5");
        assert_eq!(spread.p90.to_string(), "9");
        assert_eq!(spread.max.to_string(), "10");
        assert_eq!(distribution(&[]).unwrap(), None);
        let repeated = distribution(&[(1, 1), (2, 1), (5_000_000, 3)])
            .unwrap()
            .unwrap();
        assert_eq!(repeated.count, 5);
        assert_eq!(repeated.median.to_string(), "5");
    }
}
