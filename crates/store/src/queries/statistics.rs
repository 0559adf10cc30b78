//! Statistics of one billing code across facilities, never mixing kinds of price: lines are grouped by
//! setting and methodology (a per-diem rate is never averaged with a case rate), optionally by payer
//! or state. Percentiles use the nearest-rank method, so every figure is an amount some file states.

use std::collections::{BTreeMap, BTreeSet};

use priceline_domain::{Amount, CodeType, Methodology, Setting};

use super::code_amounts::{self, CodeAmount};
use super::facilities::source_file_ids;
use super::{FacilityFilter, Scope};
use crate::StoreResult;
use crate::codec::decode_amount;
use crate::connection::DbConnection;

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
        .map(|((setting, methodology, payer_name, state), group)| {
            let facilities = group.facilities.len() as u64;
            Ok(StatisticsGroup {
                setting,
                methodology,
                payer_name,
                state,
                facilities,
                charges: group.charges.len() as u64,
                rates: group.rates,
                gross: distribution(group.gross)?,
                discounted_cash: distribution(group.discounted_cash)?,
                negotiated_dollar: distribution(group.negotiated_dollar)?,
                small_sample: facilities < SMALL_SAMPLE_FACILITIES,
            })
        })
        .collect()
}

fn distribution(mut micros: Vec<i64>) -> StoreResult<Option<Distribution>> {
    if micros.is_empty() {
        return Ok(None);
    }
    micros.sort_unstable();
    let count = micros.len();
    // Nearest rank: the smallest value with at least p % of the values at or below it.
    let at = |percent: usize| -> StoreResult<Amount> {
        let rank = (percent * count).div_ceil(100).max(1);
        decode_amount("amount", micros[rank - 1], Amount::from_micros)
    };
    Ok(Some(Distribution {
        count: count as u64,
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
        let spread = distribution(values).unwrap().unwrap();
        assert_eq!(spread.min.to_string(), "1");
        assert_eq!(spread.p10.to_string(), "1");
        assert_eq!(spread.p25.to_string(), "3");
        assert_eq!(spread.median.to_string(), "5");
        assert_eq!(spread.p90.to_string(), "9");
        assert_eq!(spread.max.to_string(), "10");
        assert_eq!(distribution(vec![]).unwrap(), None);
    }
}
