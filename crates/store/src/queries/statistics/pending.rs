//! Statistics while imports' changes wait to be applied to the read model: the model's sums of the
//! code's groups, with the code's lines in each snapshot an import made current added and those in
//! each snapshot it replaced subtracted. Exact, like the model once brought up to date, and read in
//! the one consistent transaction of every API read, so a refresh that commits meanwhile is seen
//! either whole or not at all.
//!
//! Its cost is the code's lines in the pending snapshots, and the amounts in the model of the groups
//! those lines fall in or whose summaries lag (listed dirty by a refresh that has more to apply);
//! every other group's summaries stand. Before, every request read every line of the code in every
//! current snapshot until the refresh ended (0.2-2 s a request at 10M rates on PostgreSQL).

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::prelude::*;

use super::model::{Change, stored_groups};
use super::tally::{Sums, Tally};
use super::{GroupKey, StatisticsGroup, StatisticsQuery, group_key, kind_index, lines_in};
use crate::StoreResult;
use crate::connection::DbConnection;
use crate::schema::{
    code_statistics_amounts as amounts, code_statistics_dirty_groups as dirty_groups,
    code_statistics_groups as groups,
};

/// The groups of `query.code` (current snapshots, no facility criterion) from the model and the
/// pending `changes`.
pub(super) fn with_pending(
    connection: &mut DbConnection,
    query: &StatisticsQuery,
    changes: &[Change],
) -> StoreResult<Vec<StatisticsGroup>> {
    let mut tally = Tally::default();
    let files: Vec<i64> = changes.iter().map(|change| change.file).collect();
    if !files.is_empty() {
        let lines = lines_in(connection, query, &files)?;
        let mut by_file: BTreeMap<i64, Vec<_>> = BTreeMap::new();
        for line in lines {
            by_file.entry(line.source_file_id).or_default().push(line);
        }
        for change in changes {
            if let Some(lines) = by_file.get(&change.file) {
                tally.add_lines(change.sign, lines, query.split);
            }
        }
    }
    // A group the pending lines fall in, or whose summaries lag, is summed from its amounts; any
    // other stands as summarised. (Emptied groups come too: a pending snapshot may fill one again.)
    let dirty: HashSet<i64> = dirty_groups::table
        .inner_join(groups::table.on(groups::id.eq(dirty_groups::group_id)))
        .filter(groups::code_type.eq(query.code_type.as_str()))
        .filter(groups::code.eq(query.code.trim()))
        .filter(groups::split.eq(query.split.stored()))
        .select(dirty_groups::group_id)
        .load::<i64>(connection)?
        .into_iter()
        .collect();
    let mut found = Vec::new();
    let mut summed: HashMap<i64, (GroupKey, Sums)> = HashMap::new();
    for group in stored_groups(connection, query, false)? {
        if dirty.contains(&group.id) || tally.has(&group.key) {
            let sums = Sums {
                facilities: group.facilities,
                charges: group.charges,
                rates: group.rates,
                ..Sums::default()
            };
            summed.insert(group.id, (group.key, sums));
        } else if group.charges > 0 {
            found.push(group.into_group());
        }
    }
    if !summed.is_empty() {
        let ids: Vec<i64> = summed.keys().copied().collect();
        let stated = amounts::table
            .filter(amounts::group_id.eq_any(ids))
            .select((
                amounts::group_id,
                amounts::kind,
                amounts::amount,
                amounts::lines,
            ))
            .load::<(i64, i32, i64, i64)>(connection)?;
        for (group_id, kind, amount, lines) in stated {
            if let Some((_, sums)) = summed.get_mut(&group_id) {
                sums.amounts[kind_index(kind)?].push((amount, lines));
            }
        }
    }
    for (key, sums) in summed.into_values() {
        tally.add(key, sums);
    }
    found.extend(tally.into_groups()?);
    found.sort_by(|a, b| group_key(a).cmp(&group_key(b)));
    Ok(found)
}
