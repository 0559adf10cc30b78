//! The statistics read model: what `queries::statistics` reads for the current snapshots instead of
//! every rate of a code.
//!
//! - `code_statistics_groups`: per group (code type, code, setting, methodology; `''` for none) an id,
//!   its facilities, distinct charges and rates; each group three times: unsplit (split 0), and
//!   split by payer (1) and by the file's license state (2), the payer or state in `split_value`
//!   (`''` for a line with no payer rate, or a file with no license state).
//! - `code_statistics_amounts`: per group and kind of amount (1 gross, 2 discounted cash, 3
//!   negotiated dollar), how many lines state each amount: the exact multiset, so nearest-rank
//!   percentiles stay amounts some file states.
//! - `code_statistics_summaries`: per group and kind, the count and the nearest-rank figures.
//!
//! It covers the national code systems, not a hospital's own (`CDM`, `LOCAL`: one facility's lines,
//! which the lines answer at once). The splits cost the refresh about three times the unsplit
//! model's work: each line is counted in a group of each split.
//!
//! The counts and amounts are sums over the current snapshots: a snapshot that becomes current adds
//! its own, the one it replaces subtracts its own. An import only records that in
//! `code_statistics_pending`, in its transaction, so it writes its prices as fast as before; the
//! server applies the pending changes in the background ([`refresh`]: [`REFRESH_BATCH`] files'
//! deltas summed in a transaction, and with the last pending one the summaries of the groups they
//! touched: a file's code's whole group, its license state's and its payers', not every state's and
//! payer's group of the code). While a change is pending, statistics are the groups' sums corrected
//! by the pending snapshots' lines of the code (`queries::statistics`): an answer is exact either
//! way, and never shows a half-applied snapshot. Facilities add up because a facility has one
//! current snapshot; the work is the files' own lines.
//!
//! Migration `000401_code_statistics` filled the tables for earlier imports with the same statements,
//! over every current file; `000901_statistics_splits` empties them and records every current
//! snapshot as pending, for the server to apply like an import's.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::StoreResult;
use crate::connection::{DbConnection, write_transaction};

/// The code systems a hospital defines itself, left out of the model.
pub(crate) const LOCAL_CODE_TYPES: [&str; 2] = ["CDM", "LOCAL"];

/// `code_statistics_groups.split` of the groups of whole setting-and-methodology groups, of those
/// split by payer and of those split by license state (`queries::statistics::Split`).
pub(crate) const UNSPLIT: i32 = 0;
pub(crate) const BY_PAYER: i32 = 1;
pub(crate) const BY_STATE: i32 = 2;

/// The splits each group of lines is kept in, with the column of `statistics_lines` (`l`) that keys
/// them, if any.
const SPLITS: [(i32, Option<&str>); 3] = [
    (UNSPLIT, None),
    (BY_PAYER, Some("l.payer_name")),
    (BY_STATE, Some("l.state")),
];

/// The PostgreSQL advisory lock a refresh holds (an arbitrary key of this project's).
const REFRESH_LOCK: i64 = 0x7072_6963_6c6e_0016;

/// What an import records when snapshot `current` becomes its facility's current one in place of
/// `replaced`.
pub(super) fn record(current: i64, replaced: Option<i64>) -> String {
    let mut values = format!("({current}, 1)");
    if let Some(replaced) = replaced {
        values.push_str(&format!(", ({replaced}, -1)"));
    }
    format!("INSERT INTO code_statistics_pending (source_file_id, sign) VALUES {values}")
}

/// The statements that apply a batch of `changes` (pending id, snapshot, `sign` 1 to add its lines
/// or -1 to subtract them) in one pass and list their groups in `code_statistics_dirty_groups` for
/// their summaries. Each change's lines are read into a temporary table, then with their group ids
/// into a second, so the amounts are grouped by integers; each group's and amount's deltas are
/// summed over the batch before they are written. The amounts are written in key order: nearly
/// every file states amounts in nearly every group, so one file's rows fall all over the model's
/// index, and a batch written in order reads each index page once instead of once per file (at 10M
/// rates, 8 files' amounts took 2.2 s a file this way against 2.6-3.4 s written file by file,
/// unsorted).
fn apply(changes: &[(i64, i64, i32)]) -> Vec<String> {
    let key = "code_type, code, split, split_value, setting, methodology";
    let local = LOCAL_CODE_TYPES
        .map(|code_type| format!("'{code_type}'"))
        .join(", ");
    // A file's items have consecutive ids (one import writes at a time), so the codes of its items
    // with charges are a range of `item_codes`' key, whatever the planner believes of the tables'
    // sizes mid-run. The range comes from the charges' index by file: `items` has none, and
    // PostgreSQL found an early file's last item by reading back through every later file's items
    // (260 ms of a file's 500 at 10M rates). A change, not a file, keys the lines: a batch may add
    // a snapshot and subtract it again. (A BIGINT from the first change on: PostgreSQL types the
    // temporary table's column from the first statement.)
    let lines = |&(change, source_file_id, sign): &(i64, i64, i32)| {
        let file = format!("source_file_id = {source_file_id}");
        format!(
            "SELECT CAST({change} AS BIGINT) AS change, {sign} AS sign, c.code_type, c.code, \
                    s.setting, COALESCE(r.methodology, '') AS methodology, \
                    COALESCE(p.payer_name, '') AS payer_name, \
                    (SELECT COALESCE(license_state, '') FROM source_files \
                     WHERE id = {source_file_id}) AS state, \
                    s.id AS charge_id, r.id AS rate_id, s.gross, s.discounted_cash, \
                    r.negotiated_dollar \
             FROM (SELECT DISTINCT c.item_id, c.code_type, c.code FROM item_codes c \
                   WHERE c.item_id BETWEEN \
                       (SELECT MIN(item_id) FROM standard_charges WHERE {file}) \
                       AND (SELECT MAX(item_id) FROM standard_charges WHERE {file}) \
                     AND c.{file} AND c.code_type NOT IN ({local})) AS c \
             JOIN standard_charges s ON s.item_id = c.item_id \
             LEFT JOIN payer_rates r ON r.id BETWEEN s.first_rate_id AND s.last_rate_id \
             LEFT JOIN payer_plans p ON p.id = r.payer_plan_id"
        )
    };
    let mut statements: Vec<String> = changes
        .iter()
        .enumerate()
        .map(|(index, change)| match index {
            0 => format!("CREATE TEMP TABLE statistics_lines AS {}", lines(change)),
            _ => format!("INSERT INTO statistics_lines {}", lines(change)),
        })
        .collect();
    // Each line counts in one group of each split: its own (setting, methodology), and that with
    // its payer, and with its file's license state. The groups are made first, with their keys
    // alone, so that the lines can be counted by group id: counting them by their text keys sorted
    // each split's lines by four or five text columns (`COUNT(DISTINCT …)` takes a sort): 9-13 s of a
    // batch's 66 at 2M rates on PostgreSQL, against 5-8 s this way. (The batch's amounts, about 50
    // s, are most of the rest: 3.5M rows written into the model's index.)
    let keys = SPLITS
        .map(|(split, value)| {
            let value = value.unwrap_or("''");
            format!(
                "SELECT code_type, code, {split} AS split, {value} AS split_value, setting, \
                        methodology FROM statistics_lines l"
            )
        })
        .join(" UNION ALL ");
    statements.push(format!(
        "INSERT INTO code_statistics_groups ({key}, facilities, charges, rates) \
         SELECT DISTINCT {key}, 0, 0, 0 FROM ({keys}) AS keys WHERE true \
         ON CONFLICT ({key}) DO NOTHING"
    ));
    // One equi-join a split, each line with its group's id.
    statements.extend(SPLITS.iter().enumerate().map(|(index, (split, value))| {
        let value = value.unwrap_or("''");
        let into = match index {
            0 => "CREATE TEMP TABLE statistics_grouped AS",
            _ => "INSERT INTO statistics_grouped",
        };
        format!(
            "{into} SELECT g.id AS group_id, l.change, l.sign, l.charge_id, l.rate_id, l.gross, \
                    l.discounted_cash, l.negotiated_dollar \
             FROM statistics_lines l JOIN code_statistics_groups g \
                 ON g.code_type = l.code_type AND g.code = l.code AND g.split = {split} \
                 AND g.split_value = {value} AND g.setting = l.setting \
                 AND g.methodology = l.methodology"
        )
    }));
    // One file is one facility; its charges in a group are counted once each (grouped by charge,
    // then counted: hashed, where a `COUNT(DISTINCT …)` sorts).
    statements.push(
        "UPDATE code_statistics_groups SET \
             facilities = code_statistics_groups.facilities + d.facilities, \
             charges = code_statistics_groups.charges + d.charges, \
             rates = code_statistics_groups.rates + d.rates \
         FROM (SELECT group_id, SUM(sign) AS facilities, SUM(sign * charges) AS charges, \
                      SUM(sign * rates) AS rates \
               FROM (SELECT group_id, sign, COUNT(*) AS charges, SUM(rates) AS rates \
                     FROM (SELECT group_id, change, sign, charge_id, COUNT(rate_id) AS rates \
                           FROM statistics_grouped GROUP BY group_id, change, sign, charge_id) \
                         AS by_charge \
                     GROUP BY group_id, change, sign) AS by_change \
               GROUP BY group_id) AS d \
         WHERE code_statistics_groups.id = d.group_id"
            .to_owned(),
    );
    statements.extend([
        // A charge's gross and cash count once in each group it has lines in; each rate's amount
        // once. Deltas that cancel in the batch are not written.
        "INSERT INTO code_statistics_amounts (group_id, kind, amount, lines) \
         SELECT group_id, kind, amount, SUM(sign) FROM (\
             SELECT DISTINCT group_id, change, sign, charge_id AS line, 1 AS kind, gross AS amount \
             FROM statistics_grouped WHERE gross IS NOT NULL \
             UNION ALL SELECT DISTINCT group_id, change, sign, charge_id, 2, discounted_cash \
             FROM statistics_grouped WHERE discounted_cash IS NOT NULL \
             UNION ALL SELECT group_id, change, sign, rate_id, 3, negotiated_dollar \
             FROM statistics_grouped WHERE negotiated_dollar IS NOT NULL) AS a \
         WHERE true GROUP BY group_id, kind, amount HAVING SUM(sign) <> 0 \
         ORDER BY group_id, kind, amount \
         ON CONFLICT (group_id, kind, amount) DO UPDATE SET \
             lines = code_statistics_amounts.lines + excluded.lines"
            .to_owned(),
        "INSERT INTO code_statistics_dirty_groups (group_id) \
         SELECT DISTINCT group_id FROM statistics_grouped WHERE true \
         ON CONFLICT (group_id) DO NOTHING"
            .to_owned(),
        "DROP TABLE statistics_grouped".to_owned(),
        "DROP TABLE statistics_lines".to_owned(),
        // Emptied amounts go, through the partial index on the zero count. (A group that empties
        // keeps its row and id, with zero counts: readers pass it over.)
        "DELETE FROM code_statistics_amounts WHERE lines = 0".to_owned(),
    ]);
    statements
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

/// How many imports' changes wait to be applied (`/readyz`'s `statistics_pending`).
pub fn pending(connection: &mut DbConnection) -> StoreResult<i64> {
    use crate::schema::code_statistics_pending as pending;
    Ok(pending::table.count().get_result(connection)?)
}

/// How many pending changes one [`refresh`] applies: a transaction holds SQLite's one write lock for
/// a few seconds, not for a whole bulk load's changes.
pub const REFRESH_BATCH: i64 = 8;

/// Applies up to [`REFRESH_BATCH`] pending changes in one transaction: each file's lines added or
/// subtracted, its groups listed for their summaries; the transaction that applies the last pending
/// change also recomputes the listed groups' summaries from the amounts. Returns how many changes
/// (0: nothing was pending). Two servers never apply one change twice: on PostgreSQL a refresh
/// holds an advisory lock (a second waits, then finds the changes gone), and SQLite has one writer.
/// On SQLite, with nothing pending, as in most rounds, it opens no transaction: its write
/// transaction would wait for an import's lock, then fail, every round of a long import. (Not on
/// PostgreSQL: there the queue is read in the transaction, where a stopped server's statement ends
/// with its connection, below; a read before it waited on a locked queue past the server's exit.)
pub fn refresh(connection: &mut DbConnection) -> StoreResult<usize> {
    use crate::schema::code_statistics_pending as pending;
    if let DbConnection::Sqlite(_) = connection
        && self::pending(connection)? == 0
    {
        return Ok(0);
    }
    write_transaction(connection, |connection| {
        if let DbConnection::Postgres(_) = connection {
            // A server that stops does not wait for its refresh (`api::read_model`). Where
            // PostgreSQL can watch the socket (14 and later on Linux), this ends the statement
            // within a second of the connection closing, the wait for the lock included; by
            // itself it notices only when it next writes to the connection, minutes later for the
            // summaries, holding the lock the next server's refresh waits for. Where the setting
            // is unknown or refused (older servers, other platforms), the block does nothing.
            connection.batch_execute(&format!(
                "DO $$ BEGIN \
                     PERFORM set_config('client_connection_check_interval', '1s', true); \
                 EXCEPTION WHEN OTHERS THEN NULL; END $$; \
                 SELECT pg_advisory_xact_lock({REFRESH_LOCK})"
            ))?;
            // Background work, like an import: not bound by the API's statement timeout (the last
            // batch's summaries read every amount of the groups the batches touched).
            diesel::sql_query("SET LOCAL statement_timeout = 0").execute(connection)?;
        }
        let changes: Vec<(i64, i64, i32)> = pending::table
            .order(pending::id)
            .select((pending::id, pending::source_file_id, pending::sign))
            .limit(REFRESH_BATCH)
            .load(connection)?;
        if changes.is_empty() {
            return Ok(0);
        }
        for statement in apply(&changes) {
            diesel::sql_query(statement).execute(connection)?;
        }
        let ids: Vec<i64> = changes.iter().map(|(id, _, _)| *id).collect();
        diesel::delete(pending::table.filter(pending::id.eq_any(ids))).execute(connection)?;
        if self::pending(connection)? == 0 {
            let groups = "SELECT group_id FROM code_statistics_dirty_groups";
            diesel::sql_query(format!(
                "DELETE FROM code_statistics_summaries WHERE group_id IN ({groups})"
            ))
            .execute(connection)?;
            diesel::sql_query(summaries_of(groups)).execute(connection)?;
            diesel::sql_query("DELETE FROM code_statistics_dirty_groups").execute(connection)?;
            crate::planner::settle_statistics_model(connection)?;
        }
        Ok(changes.len())
    })
}
