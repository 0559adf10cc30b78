//! Statistics read from the read model's summaries (`snapshot::statistics`).

use std::collections::BTreeMap;

use diesel::dsl::{exists, not};
use diesel::prelude::*;
use priceline_domain::Amount;

use super::pending::{self, Change};
use super::{
    Counts, Distribution, StatisticsGroup, StatisticsQuery, group_key, kind_index,
    statistics_group, stored_key,
};
use crate::StoreResult;
use crate::codec::decode_amount;
use crate::connection::DbConnection;
use crate::queries::code_amounts::settings_of;
use crate::schema::{
    code_statistics_groups as groups, code_statistics_pending as pending_changes,
    code_statistics_summaries as summaries,
};

/// What the read model answers for a code.
pub(super) enum Answer {
    /// Its groups, brought up to date.
    Current(Vec<StatisticsGroup>),
    /// Imports' changes wait to be applied (netted by snapshot; they may cancel out): the
    /// summaries may lag the groups' sums, which lag the current snapshots by these changes.
    Behind(Vec<Change>),
}

/// A group's key as stored, its counts and the spread of each kind of amount.
struct StoredGroup {
    setting: String,
    methodology: String,
    split_value: String,
    counts: Counts,
    spreads: [Option<Distribution>; 3],
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
    type Figures = (i32, i64, i64, i64, i64, i64, i64, i64, i64);
    type Row = (i64, String, String, String, i64, i64, i64, Option<Figures>);
    let code = query.code.trim();
    let mut rows = groups::table
        .left_join(summaries::table.on(summaries::group_id.eq(groups::id)))
        .filter(not(exists(
            pending_changes::table.select(pending_changes::id),
        )))
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
    if rows.is_empty()
        && let Some(changes) = pending::changes(connection)?
    {
        return Ok(Answer::Behind(changes));
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
            let key = stored_key(
                query.split,
                &group.setting,
                &group.methodology,
                group.split_value,
            )?;
            Ok(statistics_group(key, group.counts, group.spreads))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    // The order of `from_lines`: by the decoded key, not by the stored text.
    found.sort_by(|a, b| group_key(a).cmp(&group_key(b)));
    Ok(Answer::Current(found))
}
