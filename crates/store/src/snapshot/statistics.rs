//! The statistics read model: what `queries::statistics` reads for the current snapshots instead of
//! every rate of a code.
//!
//! - `code_statistics_groups`: per group (code type, code, setting, methodology; `''` for none) an id,
//!   its facilities, distinct charges and rates.
//! - `code_statistics_amounts`: per group and kind of amount (1 gross, 2 discounted cash, 3
//!   negotiated dollar), how many lines state each amount: the exact multiset, so nearest-rank
//!   percentiles stay amounts some file states.
//! - `code_statistics_summaries`: per group and kind, the count and the nearest-rank figures.
//!
//! It covers the national code systems, not a hospital's own (`CDM`, `LOCAL`: one facility's lines,
//! which the lines answer at once), and statistics not split by payer or state (those are read from
//! the lines).
//!
//! The counts and amounts are sums over the current snapshots, so a snapshot that becomes current adds
//! its own and the one it replaces subtracts its own, in the import's transaction: readers see the
//! model before or after, never between. Facilities add up because a facility has one current
//! snapshot. The work is the file's own lines, never the rest of the database.
//!
//! Percentiles need every amount in order, so the summaries are computed by [`refresh`] after a batch
//! of imports (the CLI's import, each import job), for the codes an import marked in
//! `code_statistics_dirty` (in its transaction); a marked code is answered from its amounts meanwhile.
//!
//! Migration `000401_code_statistics` fills the tables for earlier imports with the same statements,
//! over every current file.

use diesel::prelude::*;

use crate::StoreResult;
use crate::connection::DbConnection;

/// The code systems a hospital defines itself, left out of the model.
pub(crate) const LOCAL_CODE_TYPES: [&str; 2] = ["CDM", "LOCAL"];

/// The statements that add (`sign` 1) or subtract (`sign` -1) snapshot `source_file_id`'s lines
/// and mark its codes dirty by import `marked_by` (the new snapshot's id: it only grows, so a refresh
/// that read an earlier mark leaves a later one in place). The file's lines are read once into a
/// temporary table, then with their group ids into a second, so the amounts are grouped by integers.
pub(super) fn apply(source_file_id: i64, sign: i64, marked_by: i64) -> [String; 8] {
    let group = "code_type, code, setting, methodology";
    // A file's items have consecutive ids (one import writes at a time), so its codes are a range
    // of `item_codes`' key, whatever the planner believes of the tables' sizes mid-run.
    let file = format!("source_file_id = {source_file_id}");
    [
        format!(
            "CREATE TEMP TABLE statistics_lines AS \
             SELECT c.code_type, c.code, s.setting, COALESCE(r.methodology, '') AS methodology, \
                    s.id AS charge_id, r.id AS rate_id, s.gross, s.discounted_cash, \
                    r.negotiated_dollar \
             FROM (SELECT DISTINCT c.item_id, c.code_type, c.code FROM item_codes c \
                   WHERE c.item_id BETWEEN (SELECT MIN(id) FROM items WHERE {file}) \
                       AND (SELECT MAX(id) FROM items WHERE {file}) \
                     AND c.{file} AND c.code_type NOT IN ('CDM', 'LOCAL')) AS c \
             JOIN standard_charges s ON s.item_id = c.item_id \
             LEFT JOIN payer_rates r ON r.id BETWEEN s.first_rate_id AND s.last_rate_id"
        ),
        // One file is one facility.
        format!(
            "INSERT INTO code_statistics_groups ({group}, facilities, charges, rates) \
             SELECT {group}, {sign}, {sign} * COUNT(DISTINCT charge_id), {sign} * COUNT(rate_id) \
             FROM statistics_lines WHERE true GROUP BY {group} \
             ON CONFLICT ({group}) DO UPDATE SET \
                 facilities = code_statistics_groups.facilities + excluded.facilities, \
                 charges = code_statistics_groups.charges + excluded.charges, \
                 rates = code_statistics_groups.rates + excluded.rates"
        ),
        "CREATE TEMP TABLE statistics_grouped AS \
         SELECT g.id AS group_id, l.charge_id, l.rate_id, l.gross, l.discounted_cash, \
                l.negotiated_dollar \
         FROM statistics_lines l JOIN code_statistics_groups g ON g.code_type = l.code_type \
             AND g.code = l.code AND g.setting = l.setting AND g.methodology = l.methodology"
            .to_owned(),
        // A charge's gross and cash count once in each group it has lines in; each rate's amount once.
        format!(
            "INSERT INTO code_statistics_amounts (group_id, kind, amount, lines) \
             SELECT group_id, kind, amount, {sign} * COUNT(*) FROM (\
                 SELECT DISTINCT group_id, charge_id AS line, 1 AS kind, gross AS amount \
                 FROM statistics_grouped WHERE gross IS NOT NULL \
                 UNION ALL SELECT DISTINCT group_id, charge_id, 2, discounted_cash \
                 FROM statistics_grouped WHERE discounted_cash IS NOT NULL \
                 UNION ALL SELECT group_id, rate_id, 3, negotiated_dollar \
                 FROM statistics_grouped WHERE negotiated_dollar IS NOT NULL) AS a \
             WHERE true GROUP BY group_id, kind, amount \
             ON CONFLICT (group_id, kind, amount) DO UPDATE SET \
                 lines = code_statistics_amounts.lines + excluded.lines"
        ),
        format!(
            "INSERT INTO code_statistics_dirty (code_type, code, marked_by) \
             SELECT DISTINCT code_type, code, {marked_by} FROM statistics_lines WHERE true \
             ON CONFLICT (code_type, code) DO UPDATE SET marked_by = excluded.marked_by"
        ),
        "DROP TABLE statistics_grouped".to_owned(),
        "DROP TABLE statistics_lines".to_owned(),
        // Emptied amounts go, through the partial index on the zero count. (A group that empties
        // keeps its row and id, with zero counts: readers pass it over.)
        "DELETE FROM code_statistics_amounts WHERE lines = 0".to_owned(),
    ]
}

/// The summaries of the groups `groups` (a subquery of group ids): count, min and max, and the
/// nearest-rank percentiles (the amount at rank ceil(p × count / 100)) from the running count of
/// lines in amount order.
fn summaries_of(groups: &str) -> String {
    let rank = |percent: u32| {
        format!(
            "MIN(CASE WHEN running - lines < ({percent} * total + 99) / 100 \
             AND ({percent} * total + 99) / 100 <= running THEN amount END)"
        )
    };
    format!(
        "INSERT INTO code_statistics_summaries (group_id, kind, lines, minimum, p10, p25, median, \
             p75, p90, maximum) \
         SELECT group_id, kind, MAX(total), MIN(amount), {p10}, {p25}, {p50}, {p75}, {p90}, \
             MAX(amount) \
         FROM (SELECT group_id, kind, amount, lines, \
                   CAST(SUM(lines) OVER (PARTITION BY group_id, kind ORDER BY amount \
                        ROWS UNBOUNDED PRECEDING) AS BIGINT) AS running, \
                   CAST(SUM(lines) OVER (PARTITION BY group_id, kind) AS BIGINT) AS total \
               FROM code_statistics_amounts WHERE group_id IN ({groups})) AS ranked \
         GROUP BY group_id, kind",
        p10 = rank(10),
        p25 = rank(25),
        p50 = rank(50),
        p75 = rank(75),
        p90 = rank(90),
    )
}

/// Recomputes the summaries of the dirty codes and clears their marks; returns how many codes.
/// A code an import marks again meanwhile keeps its new mark (its statistics are then computed
/// from the amounts until the next refresh).
pub fn refresh(connection: &mut DbConnection) -> StoreResult<usize> {
    use crate::schema::code_statistics_dirty as dirty;
    connection.transaction(|connection| {
        let marked: Vec<(String, String, i64)> = dirty::table
            .select((dirty::code_type, dirty::code, dirty::marked_by))
            .load(connection)?;
        let groups = "SELECT g.id FROM code_statistics_groups g JOIN code_statistics_dirty d \
                      ON d.code_type = g.code_type AND d.code = g.code";
        diesel::sql_query(format!(
            "DELETE FROM code_statistics_summaries WHERE group_id IN ({groups})"
        ))
        .execute(connection)?;
        diesel::sql_query(summaries_of(groups)).execute(connection)?;
        for (code_type, code, marked_by) in &marked {
            diesel::delete(
                dirty::table
                    .filter(dirty::code_type.eq(code_type))
                    .filter(dirty::code.eq(code))
                    .filter(dirty::marked_by.eq(marked_by)),
            )
            .execute(connection)?;
        }
        Ok(marked.len())
    })
}
