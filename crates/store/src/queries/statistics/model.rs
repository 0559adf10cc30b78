//! Statistics read from the read model's summaries (`snapshot::statistics`).

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use diesel::dsl::{exists, not};
use diesel::prelude::*;
use priceline_domain::Amount;

use super::{
    Counts, Distribution, GroupKey, StatisticsGroup, StatisticsQuery, group_key, kind_index,
    statistics_group, stored_key,
};
use crate::StoreResult;
use crate::codec::decode_amount;
use crate::connection::DbConnection;
use crate::queries::code_amounts::settings_of;
use crate::schema::{
    code_statistics_groups as groups, code_statistics_pending as pending,
    code_statistics_summaries as summaries,
};

/// A snapshot whose lines the model lacks (`sign` 1) or still holds (-1).
pub(super) struct Change {
    pub file: i64,
    pub sign: i64,
}

/// What the read model answers for a code.
pub(super) enum Answer {
    /// Its groups, brought up to date.
    Current(Vec<StatisticsGroup>),
    /// Imports' changes wait to be applied (netted by snapshot; they may cancel out): the groups'
    /// sums lag the current snapshots by these changes, and the summaries of the groups listed
    /// dirty lag their sums.
    Behind(Vec<Change>),
}

/// A group of the read model, with its sums' counts and its summaries.
pub(super) struct StoredGroup {
    pub id: i64,
    pub key: GroupKey,
    pub facilities: i64,
    pub charges: i64,
    pub rates: i64,
    pub spreads: [Option<Distribution>; 3],
}

impl StoredGroup {
    pub fn into_group(self) -> StatisticsGroup {
        let count = |n: i64| u64::try_from(n).unwrap_or_default();
        let counts = Counts {
            facilities: count(self.facilities),
            charges: count(self.charges),
            rates: count(self.rates),
        };
        statistics_group(self.key, counts, self.spreads)
    }
}

/// The groups from the read model, or the changes it waits for. Groups and their summaries come in
/// one statement that finds nothing while a change is pending, so a modelled answer is one round
/// trip; only an empty answer asks whether a change is. (It was three statements; at 10M rates on
/// PostgreSQL the difference was within the bench machine's noise, as was planning it once per
/// connection: most of the cost is elsewhere.)
pub(super) fn from_read_model(
    connection: &mut DbConnection,
    query: &StatisticsQuery,
) -> StoreResult<Answer> {
    let stored = stored_groups(connection, query, true)?;
    if stored.is_empty()
        && let Some(changes) = changes(connection)?
    {
        return Ok(Answer::Behind(changes));
    }
    let mut found: Vec<StatisticsGroup> = stored.into_iter().map(StoredGroup::into_group).collect();
    // The order of `from_lines`: by the decoded key, not by the stored text.
    found.sort_by(|a, b| group_key(a).cmp(&group_key(b)));
    Ok(Answer::Current(found))
}

/// The code's groups of the query's split (and setting) with their summaries: with `up_to_date`,
/// those with charges and only while no change is pending (none otherwise); without, all of them,
/// emptied ones too. (The same statement as the read that finds the model up to date: joining the
/// groups listed dirty here, which only a pending change needs, halved the modelled reads on
/// PostgreSQL, 3,091 to 1,532 req/s at 2M rates.)
pub(super) fn stored_groups(
    connection: &mut DbConnection,
    query: &StatisticsQuery,
    up_to_date: bool,
) -> StoreResult<Vec<StoredGroup>> {
    type Figures = (i32, i64, i64, i64, i64, i64, i64, i64, i64);
    type Row = (i64, String, String, String, i64, i64, i64, Option<Figures>);
    let mut rows = groups::table
        .left_join(summaries::table.on(summaries::group_id.eq(groups::id)))
        .filter(groups::code_type.eq(query.code_type.as_str()))
        .filter(groups::code.eq(query.code.trim()))
        .filter(groups::split.eq(query.split.stored()))
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
    if up_to_date {
        rows = rows
            .filter(not(exists(pending::table.select(pending::id))))
            .filter(groups::charges.gt(0));
    }
    if let Some(setting) = query.setting {
        rows = rows.filter(groups::setting.eq_any(settings_of(setting)));
    }
    let amount = |micros: i64| decode_amount("amount", micros, Amount::from_micros);
    let mut stored: BTreeMap<i64, StoredGroup> = BTreeMap::new();
    for (id, setting, methodology, split_value, facilities, charges, rates, figures) in
        rows.load::<Row>(connection)?
    {
        let group = match stored.entry(id) {
            Entry::Occupied(group) => group.into_mut(),
            Entry::Vacant(entry) => entry.insert(StoredGroup {
                id,
                key: stored_key(query.split, &setting, &methodology, split_value)?,
                facilities,
                charges,
                rates,
                spreads: [None; 3],
            }),
        };
        if let Some((kind, lines, min, p10, p25, median, p75, p90, max)) = figures {
            group.spreads[kind_index(kind)?] = Some(Distribution {
                count: u64::try_from(lines).unwrap_or_default(),
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
    Ok(stored.into_values().collect())
}

/// The pending changes netted by snapshot, in snapshot order (a snapshot made current and replaced
/// before a refresh cancels out), or `None` when nothing is pending.
fn changes(connection: &mut DbConnection) -> StoreResult<Option<Vec<Change>>> {
    let rows: Vec<(i64, i32)> = pending::table
        .select((pending::source_file_id, pending::sign))
        .load(connection)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut net: BTreeMap<i64, i64> = BTreeMap::new();
    for (source_file_id, sign) in rows {
        *net.entry(source_file_id).or_default() += i64::from(sign);
    }
    Ok(Some(
        net.into_iter()
            .filter(|(_, sign)| *sign != 0)
            .map(|(file, sign)| Change { file, sign })
            .collect(),
    ))
}
