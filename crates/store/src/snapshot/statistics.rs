//! The statistics read model: what `queries::statistics` reads for the current snapshots instead of
//! every rate of a code.
//!
//! - `code_statistics_groups`: per group (code type, code, split, setting, methodology, split value)
//!   its facilities, distinct charges and rates.
//! - `code_statistics_amounts`: per group and kind of amount (`gross`, `cash`, `dollar`), how many
//!   lines state each amount: the exact multiset, so nearest-rank percentiles stay amounts some file
//!   states.
//!
//! A group is split `none` (setting and methodology only), `payer` (and payer name) or `state` (and
//! the file's license state); `''` stands for no methodology, no payer (a charge without rates) and
//! no state. Every figure is a sum over the current snapshots, so a snapshot that becomes current
//! adds its own counts and the one it replaces subtracts its own, in the import's transaction: readers
//! see the model before or after, never between. Facilities add up because a facility has one current
//! snapshot. The work is the file's own lines, never the rest of the database.
//!
//! Percentiles need every amount in order, which is the size of the group, so they are kept apart:
//! `code_statistics_summaries` holds each group's count and nearest-rank figures, computed from the
//! amounts by [`refresh`] after a batch of imports (the CLI's import, each import job). Until then
//! the codes an import touched are listed in `code_statistics_dirty`, in the import's transaction,
//! and their statistics are computed from the amounts (`queries::statistics`).
//!
//! Migration `000401_code_statistics` fills the tables for earlier imports with the same statements,
//! over every current file.

use diesel::prelude::*;

use crate::StoreResult;
use crate::connection::DbConnection;

/// The statements that add (`sign` 1) or subtract (`sign` -1) snapshot `source_file_id`'s lines
/// and mark its codes dirty by import `marked_by` (the new snapshot's id: it only grows, so a refresh
/// that read an earlier mark leaves a later one in place).
pub(super) fn apply(source_file_id: i64, sign: i64, marked_by: i64) -> [String; 5] {
    let lines = format!(
        "WITH codes AS (\
            SELECT DISTINCT c.item_id, c.code_type, c.code FROM items i \
            JOIN item_codes c ON c.item_id = i.id WHERE i.source_file_id = {source_file_id}), \
         lines AS (\
            SELECT c.code_type, c.code, s.setting, COALESCE(r.methodology, '') AS methodology, \
                   COALESCE(p.payer_name, '') AS payer, COALESCE(f.license_state, '') AS state, \
                   f.facility_id, s.id AS charge_id, r.id AS rate_id, s.gross, s.discounted_cash, \
                   r.negotiated_dollar \
            FROM codes c JOIN standard_charges s ON s.item_id = c.item_id \
            JOIN source_files f ON f.id = s.source_file_id \
            LEFT JOIN payer_rates r ON r.id BETWEEN s.first_rate_id AND s.last_rate_id \
            LEFT JOIN payer_plans p ON p.id = r.payer_plan_id), \
         split_lines AS (\
            SELECT code_type, code, 'none' AS split, setting, methodology, '' AS split_value, \
                   facility_id, charge_id, rate_id, gross, discounted_cash, negotiated_dollar FROM lines \
            UNION ALL SELECT code_type, code, 'payer', setting, methodology, payer, \
                   facility_id, charge_id, rate_id, gross, discounted_cash, negotiated_dollar FROM lines \
            UNION ALL SELECT code_type, code, 'state', setting, methodology, state, \
                   facility_id, charge_id, rate_id, gross, discounted_cash, negotiated_dollar FROM lines) "
    );
    let group = "code_type, code, split, setting, methodology, split_value";
    [
        format!(
            "{lines}INSERT INTO code_statistics_groups \
                 ({group}, facilities, charges, rates) \
             SELECT {group}, {sign} * COUNT(DISTINCT facility_id), {sign} * COUNT(DISTINCT charge_id), \
                    {sign} * COUNT(rate_id) \
             FROM split_lines WHERE true GROUP BY {group} \
             ON CONFLICT ({group}) DO UPDATE SET \
                 facilities = code_statistics_groups.facilities + excluded.facilities, \
                 charges = code_statistics_groups.charges + excluded.charges, \
                 rates = code_statistics_groups.rates + excluded.rates"
        ),
        // A charge's gross and cash count once in each group it has lines in; each rate's amount once.
        format!(
            "{lines}INSERT INTO code_statistics_amounts ({group}, kind, amount, lines) \
             SELECT {group}, kind, amount, {sign} * COUNT(*) FROM (\
                 SELECT DISTINCT {group}, charge_id AS line, 'gross' AS kind, gross AS amount \
                 FROM split_lines WHERE gross IS NOT NULL \
                 UNION ALL SELECT DISTINCT {group}, charge_id, 'cash', discounted_cash \
                 FROM split_lines WHERE discounted_cash IS NOT NULL \
                 UNION ALL SELECT {group}, rate_id, 'dollar', negotiated_dollar \
                 FROM split_lines WHERE negotiated_dollar IS NOT NULL) AS amounts \
             WHERE true GROUP BY {group}, kind, amount \
             ON CONFLICT ({group}, kind, amount) DO UPDATE SET \
                 lines = code_statistics_amounts.lines + excluded.lines"
        ),
        format!(
            "INSERT INTO code_statistics_dirty (code_type, code, marked_by) \
             SELECT DISTINCT c.code_type, c.code, {marked_by} FROM items i \
             JOIN item_codes c ON c.item_id = i.id WHERE i.source_file_id = {source_file_id} \
             ON CONFLICT (code_type, code) DO UPDATE SET marked_by = excluded.marked_by"
        ),
        // Emptied rows go, through the partial indexes on the zero counts.
        "DELETE FROM code_statistics_groups WHERE charges = 0".to_owned(),
        "DELETE FROM code_statistics_amounts WHERE lines = 0".to_owned(),
    ]
}

/// The summaries of groups of `codes` (a SQL condition on `code_type` and `code`): count, min and
/// max, and the nearest-rank percentiles (the amount at rank ceil(p × count / 100)) from the running
/// count of lines in amount order.
fn summaries_of(codes: &str) -> String {
    let group = "code_type, code, split, setting, methodology, split_value, kind";
    let rank = |percent: u32| {
        format!(
            "MIN(CASE WHEN running - lines < ({percent} * total + 99) / 100 \
             AND ({percent} * total + 99) / 100 <= running THEN amount END)"
        )
    };
    format!(
        "INSERT INTO code_statistics_summaries ({group}, lines, minimum, p10, p25, median, p75, \
             p90, maximum) \
         SELECT {group}, MAX(total), MIN(amount), {p10}, {p25}, {p50}, {p75}, {p90}, MAX(amount) \
         FROM (SELECT {group}, amount, lines, \
                   CAST(SUM(lines) OVER (PARTITION BY {group} ORDER BY amount \
                        ROWS UNBOUNDED PRECEDING) AS BIGINT) AS running, \
                   CAST(SUM(lines) OVER (PARTITION BY {group}) AS BIGINT) AS total \
               FROM code_statistics_amounts WHERE {codes}) AS ranked \
         GROUP BY {group}",
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
    connection.transaction(|connection| {
        let dirty: Vec<(String, String, i64)> = crate::schema::code_statistics_dirty::table
            .select((
                crate::schema::code_statistics_dirty::code_type,
                crate::schema::code_statistics_dirty::code,
                crate::schema::code_statistics_dirty::marked_by,
            ))
            .load(connection)?;
        let codes = "(code_type, code) IN (SELECT code_type, code FROM code_statistics_dirty)";
        diesel::sql_query(format!(
            "DELETE FROM code_statistics_summaries WHERE {codes}"
        ))
        .execute(connection)?;
        diesel::sql_query(summaries_of(codes)).execute(connection)?;
        for (code_type, code, marked_by) in &dirty {
            use crate::schema::code_statistics_dirty as d;
            diesel::delete(
                d::table
                    .filter(d::code_type.eq(code_type))
                    .filter(d::code.eq(code))
                    .filter(d::marked_by.eq(marked_by)),
            )
            .execute(connection)?;
        }
        Ok(dirty.len())
    })
}
