//! Signed sums of a code's groups, which statistics are made from: lines added (or, for a snapshot
//! that stopped being current, subtracted) to what the read model has summed so far, or to nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    Counts, Distribution, GroupKey, Split, StatisticsGroup, distribution, statistics_group,
};
use crate::StoreResult;
use crate::queries::code_amounts::CodeAmount;

/// One group's sums: facilities, distinct charges, rates, and per kind of amount (gross, discounted
/// cash, negotiated dollar) how many lines state each amount, as (amount, lines) terms in any order
/// and with repeats, summed once at the end: the read model's amounts of a common code are tens of
/// thousands of rows, and pushing them took a fraction of what inserting each into a map did.
#[derive(Debug, Default)]
pub(super) struct Sums {
    pub facilities: i64,
    pub charges: i64,
    pub rates: i64,
    pub amounts: [Vec<(i64, i64)>; 3],
}

#[derive(Debug, Default)]
pub(super) struct Tally {
    groups: BTreeMap<GroupKey, Sums>,
}

impl Tally {
    /// Whether the tally holds a group of this key.
    pub fn has(&self, key: &GroupKey) -> bool {
        self.groups.contains_key(key)
    }

    /// Adds a group's sums, as the read model holds them.
    pub fn add(&mut self, key: GroupKey, sums: Sums) {
        let into = self.groups.entry(key).or_default();
        into.facilities += sums.facilities;
        into.charges += sums.charges;
        into.rates += sums.rates;
        for (into, amounts) in into.amounts.iter_mut().zip(sums.amounts) {
            into.extend(amounts);
        }
    }

    /// Adds `sign` (1 or -1) times the lines of one snapshot or more, each in its group of `split`:
    /// a facility counts once in each group it has lines in, and so does a charge, with its gross and
    /// cash amounts; each rate counts with its amount.
    pub fn add_lines(&mut self, sign: i64, lines: &[CodeAmount], split: Split) {
        let mut distinct: BTreeMap<GroupKey, (BTreeSet<i64>, BTreeSet<i64>)> = BTreeMap::new();
        for line in lines {
            let key = key_of(line, split);
            let (facilities, charges) = distinct.entry(key.clone()).or_default();
            let sums = self.groups.entry(key).or_default();
            if facilities.insert(line.facility_id) {
                sums.facilities += sign;
            }
            if charges.insert(line.charge_id) {
                sums.charges += sign;
                for (kind, amount) in [line.gross, line.discounted_cash].into_iter().enumerate() {
                    if let Some(amount) = amount {
                        sums.amounts[kind].push((amount, sign));
                    }
                }
            }
            if let Some(rate) = &line.rate {
                sums.rates += sign;
                if let Some(amount) = rate.negotiated_dollar {
                    sums.amounts[2].push((amount, sign));
                }
            }
        }
    }

    /// The groups with charges, in key order. A negative sum, or an emptied group with anything
    /// left in it, means the model and the pending changes disagree: an error, never a figure.
    pub fn into_groups(self) -> StoreResult<Vec<StatisticsGroup>> {
        let mut groups = Vec::new();
        for (key, sums) in self.groups {
            let count = |what: &'static str, sum: i64| {
                u64::try_from(sum).map_err(|_| crate::StoreError::Corrupt {
                    what,
                    value: sum.to_string(),
                    reason: format!(
                        "the read model's sums and the pending changes disagree for {key:?}"
                    ),
                })
            };
            let counts = Counts {
                facilities: count("facilities", sums.facilities)?,
                charges: count("charges", sums.charges)?,
                rates: count("rates", sums.rates)?,
            };
            let mut spreads: [Option<Distribution>; 3] = [None; 3];
            for (spread, mut terms) in spreads.iter_mut().zip(sums.amounts) {
                terms.sort_unstable_by_key(|(amount, _)| *amount);
                let mut runs: Vec<(i64, u64)> = Vec::new();
                for run in terms.chunk_by(|a, b| a.0 == b.0) {
                    let lines = count("amount lines", run.iter().map(|(_, lines)| lines).sum())?;
                    if lines > 0 {
                        runs.push((run[0].0, lines));
                    }
                }
                *spread = distribution(&runs)?;
            }
            if counts.charges == 0 {
                // A group every line has left (the model keeps its row, with zero counts).
                if counts.facilities > 0 || counts.rates > 0 || spreads.iter().any(Option::is_some)
                {
                    return Err(crate::StoreError::Corrupt {
                        what: "statistics group",
                        value: format!("{key:?}"),
                        reason: "no charges, yet facilities, rates or amounts".to_owned(),
                    });
                }
                continue;
            }
            groups.push(statistics_group(key, counts, spreads));
        }
        Ok(groups)
    }
}

/// A line's group. An empty payer or state is none, as the read model stores none (`''`), so that a
/// line falls in the same group whichever way it is counted.
fn key_of(line: &CodeAmount, split: Split) -> GroupKey {
    let methodology = line.rate.as_ref().and_then(|rate| rate.methodology);
    let (payer, state) = match split {
        Split::None => (None, None),
        Split::Payer => (line.rate.as_ref().map(|rate| rate.payer_name.clone()), None),
        Split::State => (None, line.license_state.clone()),
    };
    let named = |value: Option<String>| value.filter(|value| !value.is_empty());
    (line.setting, methodology, named(payer), named(state))
}
