//! Statistics while imports' changes wait to be applied to the read model: the model's sums of the
//! code's groups, with the code's lines in each snapshot an import made current added and those in
//! each snapshot it replaced subtracted. Exact, like the model once brought up to date, and read in
//! the one consistent transaction of every API read, so a refresh that commits meanwhile is seen
//! either whole or not at all. Its cost is the code's amounts in the model (not its lines in every
//! current snapshot) and its lines in the pending snapshots alone: a hospital's republication no
//! longer sends every statistics request to every line of the code until the refresh ends (0.2-2 s
//! a request at 10M rates on PostgreSQL).

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;

use super::tally::{Sums, Tally};
use super::{GroupKey, StatisticsGroup, StatisticsQuery, kind_index, stored_key};
use crate::StoreResult;
use crate::connection::DbConnection;
use crate::queries::code_amounts::{self, settings_of};
use crate::schema::{
    code_statistics_amounts as amounts, code_statistics_groups as groups,
    code_statistics_pending as pending,
};

/// A snapshot whose lines the model lacks (sign 1) or still holds (sign -1).
pub(super) type Change = (i64, i64);

/// The pending changes netted by snapshot, in snapshot order (a snapshot made current and replaced
/// before a refresh cancels out), or `None` when nothing is pending.
pub(super) fn changes(connection: &mut DbConnection) -> StoreResult<Option<Vec<Change>>> {
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
        net.into_iter().filter(|(_, sign)| *sign != 0).collect(),
    ))
}

/// The groups of `query.code` (current snapshots, no facility criterion) from the model's sums and
/// the pending `changes`.
pub(super) fn with_pending(
    connection: &mut DbConnection,
    query: &StatisticsQuery,
    changes: &[Change],
) -> StoreResult<Vec<StatisticsGroup>> {
    let mut tally = Tally::default();
    // Every group of the code, emptied ones too: a pending snapshot may fill one again.
    let mut of_code = groups::table
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
        ))
        .into_boxed();
    if let Some(setting) = query.setting {
        of_code = of_code.filter(groups::setting.eq_any(settings_of(setting)));
    }
    let mut model: HashMap<i64, (GroupKey, Sums)> = HashMap::new();
    for (id, setting, methodology, split_value, facilities, charges, rates) in
        of_code.load::<(i64, String, String, String, i64, i64, i64)>(connection)?
    {
        let key = stored_key(query.split, &setting, &methodology, split_value)?;
        let sums = Sums {
            facilities,
            charges,
            rates,
            ..Sums::default()
        };
        model.insert(id, (key, sums));
    }
    if !model.is_empty() {
        let ids: Vec<i64> = model.keys().copied().collect();
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
            if let Some((_, sums)) = model.get_mut(&group_id) {
                sums.amounts[kind_index(kind)?].push((amount, lines));
            }
        }
    }
    for (key, sums) in model.into_values() {
        tally.add(key, sums);
    }
    let files: Vec<i64> = changes.iter().map(|(file, _)| *file).collect();
    if !files.is_empty() {
        let lines = code_amounts::load(
            connection,
            &files,
            query.code_type,
            &query.code,
            query.setting,
        )?;
        let mut by_file: BTreeMap<i64, Vec<_>> = BTreeMap::new();
        for line in lines {
            by_file.entry(line.source_file_id).or_default().push(line);
        }
        for (file, sign) in changes {
            if let Some(lines) = by_file.get(file) {
                tally.add_lines(*sign, lines, query.split);
            }
        }
    }
    tally.into_groups()
}
