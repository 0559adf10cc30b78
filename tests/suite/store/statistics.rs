//! The statistics read model (issue 16): statistics of the current snapshots read from it equal the
//! statistics computed from every line of the code, for every code of generated files in the three
//! formats, split by nothing, payer or state, in every setting, whether the model is up to date or
//! imports' changes are pending (its sums corrected by the pending snapshots' lines, from an empty
//! model to one a refresh has brought part of the way): after the imports, after the migrations that
//! made and split it fill it for earlier imports, after a republication replaces a hospital's
//! snapshot, after an older file imported late is kept as history, after a hospital republishes
//! twice before a refresh (one batch adds a snapshot and subtracts it again), and between the
//! batches of a refresh. The statistics `as_of` a date before the republication equal what the read
//! model said before it. And the modelled reads do read the model: a group altered in it shows in
//! the read, pending changes or not, and sums no snapshots could make are an error. Groups listed
//! for their summaries mid-refresh stay listed across the migration that lists groups, not codes.
//! On SQLite a refresh waits for a writer's lock rather than failing once the writer commits.

use chrono::NaiveDate;
use priceline_domain::{CodeType, Setting};
use priceline_store::queries::statistics::{self, Split, StatisticsGroup, StatisticsQuery};
use priceline_store::queries::{FacilityFilter, Scope};
use priceline_store::snapshot::statistics as statistics_model;
use priceline_store::{DbConnection, migrations};
use priceline_synth::Format;

use crate::api::sample::{SEED, wide};
use crate::on_both_backends;
use crate::support::db::TestDb;

/// Applies every pending change, batch after batch; how many there were.
fn refresh(connection: &mut DbConnection) -> usize {
    let mut changes = 0;
    loop {
        match statistics_model::refresh(connection).unwrap() {
            0 => return changes,
            batch => {
                assert!(batch as i64 <= statistics_model::REFRESH_BATCH);
                changes += batch;
            }
        }
    }
}

fn query(
    code_type: CodeType,
    code: &str,
    split: Split,
    setting: Option<Setting>,
) -> StatisticsQuery {
    StatisticsQuery {
        scope: Scope::Current,
        facilities: FacilityFilter::default(),
        code_type,
        code: code.to_owned(),
        setting,
        split,
    }
}

/// Checks the read model against the lines for every code and split, and every setting for a few
/// codes; returns the current statistics of every code, unsplit.
fn check(connection: &mut DbConnection) -> Vec<Vec<StatisticsGroup>> {
    let codes = super::codes(connection);
    assert!(codes.len() > 20, "the generated files list many codes");
    let mut groups_seen = 0;
    let mut unsplit = Vec::new();
    for (index, (code_type, code)) in codes.iter().enumerate() {
        let settings: &[Option<Setting>] = if index % 10 == 0 {
            &super::EVERY_SETTING
        } else {
            &[None]
        };
        for split in [Split::None, Split::Payer, Split::State] {
            for setting in settings {
                let query = query(*code_type, code, split, *setting);
                let read = statistics::code_statistics(connection, &query).unwrap();
                let computed = statistics::from_lines(connection, &query).unwrap();
                assert_eq!(read, computed, "{query:?}");
                groups_seen += read.len();
                if split == Split::None && setting.is_none() {
                    unsplit.push(read);
                }
            }
        }
    }
    assert!(groups_seen > codes.len(), "most codes have groups");
    unsplit
}

/// The modelled reads do read the model (the comparisons with the lines would hold were every read
/// from the lines): a code's groups and summaries altered in the model show in its statistics, of
/// every split; while a change is pending, the summaries of the groups it does not touch, and the
/// sums of the dirty ones. The alteration is undone after.
fn altered_model_shows_in_the_reads(connection: &mut DbConnection) {
    use diesel::RunQueryDsl;
    let (code_type, code) = super::codes(connection)
        .into_iter()
        .find(|(code_type, code)| {
            let query = query(*code_type, code, Split::None, None);
            !statistics::from_lines(connection, &query)
                .unwrap()
                .is_empty()
        })
        .expect("a code with groups");
    let of_code = format!(
        "SELECT id FROM code_statistics_groups WHERE code_type = '{}' AND code = '{code}'",
        code_type.as_str()
    );
    let alter = |connection: &mut DbConnection, by: i64| {
        for sql in [
            format!(
                "UPDATE code_statistics_groups SET facilities = facilities + {by} \
                 WHERE id IN ({of_code})"
            ),
            format!(
                "UPDATE code_statistics_summaries SET lines = lines + {by} \
                 WHERE group_id IN ({of_code})"
            ),
        ] {
            diesel::sql_query(sql).execute(connection).unwrap();
        }
    };
    let read = |connection: &mut DbConnection, split| {
        let query = query(code_type, &code, split, None);
        let read = statistics::code_statistics(connection, &query).unwrap();
        (read, statistics::from_lines(connection, &query).unwrap())
    };
    let counts = |group: &StatisticsGroup| {
        [group.gross, group.discounted_cash, group.negotiated_dollar]
            .map(|spread| spread.map(|spread| spread.count))
    };
    alter(connection, 100);
    for split in [Split::None, Split::Payer, Split::State] {
        let (read, lines) = read(connection, split);
        assert_eq!(read.len(), lines.len(), "{split:?}");
        for (read, lines) in read.iter().zip(&lines) {
            assert_eq!(read.facilities, lines.facilities + 100, "{split:?}");
            let altered = counts(lines).map(|count| count.map(|count| count + 100));
            assert_eq!(counts(read), altered, "{split:?}");
        }
    }
    // A change pending, one that cancels out (a snapshot made current and replaced again): it
    // touches no group, so the summaries still answer; once the code's groups are listed dirty (as
    // a refresh lists them until it has applied every change), their sums and amounts answer.
    for sign in [1, -1] {
        let pending = format!(
            "INSERT INTO code_statistics_pending (source_file_id, sign) \
             SELECT MIN(current_source_file_id), {sign} FROM facilities"
        );
        diesel::sql_query(pending).execute(connection).unwrap();
    }
    for split in [Split::None, Split::Payer, Split::State] {
        let (read, lines) = read(connection, split);
        assert!(!lines.is_empty(), "{split:?}");
        assert_eq!(read.len(), lines.len(), "{split:?}");
        for (read, lines) in read.iter().zip(&lines) {
            assert_eq!(read.facilities, lines.facilities + 100, "{split:?}");
            let altered = counts(lines).map(|count| count.map(|count| count + 100));
            assert_eq!(counts(read), altered, "{split:?}");
        }
    }
    let dirty = format!("INSERT INTO code_statistics_dirty_groups (group_id) {of_code}");
    diesel::sql_query(dirty).execute(connection).unwrap();
    for split in [Split::None, Split::Payer, Split::State] {
        let (read, lines) = read(connection, split);
        assert_eq!(read.len(), lines.len(), "{split:?}");
        for (read, lines) in read.iter().zip(&lines) {
            assert_eq!(read.facilities, lines.facilities + 100, "{split:?}");
            assert_eq!(counts(read), counts(lines), "{split:?}");
            assert_eq!(read.gross, lines.gross, "{split:?}");
            assert_eq!(read.negotiated_dollar, lines.negotiated_dollar, "{split:?}");
        }
    }
    diesel::sql_query("DELETE FROM code_statistics_dirty_groups")
        .execute(connection)
        .unwrap();
    diesel::sql_query("DELETE FROM code_statistics_pending")
        .execute(connection)
        .unwrap();
    alter(connection, -100);
}

/// Sums the model and the pending changes cannot make (a snapshot subtracted more often than the
/// six hospitals' facilities add up to) are an error, never figures.
fn disagreeing_sums_are_an_error(connection: &mut DbConnection) {
    use diesel::RunQueryDsl;
    let file = super::count(
        connection,
        "SELECT MIN(current_source_file_id) AS count FROM facilities",
    );
    let code = priceline_store::snapshot::load_snapshot(connection, file)
        .unwrap()
        .items
        .into_iter()
        .flat_map(|item| item.codes)
        .find(|code| !["CDM", "LOCAL"].contains(&code.code_type.as_str()))
        .expect("a national code in the file");
    for _ in 0..7 {
        let subtract = format!(
            "INSERT INTO code_statistics_pending (source_file_id, sign) VALUES ({file}, -1)"
        );
        diesel::sql_query(subtract).execute(connection).unwrap();
    }
    let query = query(code.code_type, &code.code, Split::None, None);
    match statistics::code_statistics(connection, &query) {
        Err(priceline_store::StoreError::Corrupt { reason, .. }) => {
            assert!(reason.contains("disagree"), "{reason}")
        }
        other => panic!("negative sums read as {other:?}"),
    }
    diesel::sql_query("DELETE FROM code_statistics_pending")
        .execute(connection)
        .unwrap();
}

/// Groups a refresh listed for their summaries while changes are still pending stay listed across
/// migration `001001_statistics_dirty_groups` and back: as their codes before it, as every group
/// of those codes after it.
fn dirty_groups_survive_their_migration(connection: &mut DbConnection) {
    use diesel::RunQueryDsl;
    let listed = "SELECT COUNT(*) AS count FROM code_statistics_dirty_groups";
    let of_first = "SELECT COUNT(*) AS count FROM code_statistics_groups \
                    WHERE code_type || ' ' || code = (SELECT code_type || ' ' || code \
                        FROM code_statistics_groups ORDER BY id LIMIT 1)";
    let groups = super::count(connection, of_first);
    assert!(groups >= 3, "a code has a group of each split: {groups}");
    diesel::sql_query(
        "INSERT INTO code_statistics_dirty_groups (group_id) \
         SELECT MIN(id) FROM code_statistics_groups",
    )
    .execute(connection)
    .unwrap();
    super::revert_through(connection, "statistics_dirty_groups");
    let codes = "SELECT COUNT(*) AS count FROM code_statistics_dirty";
    assert_eq!(super::count(connection, codes), 1);
    migrations::run_pending(connection).unwrap();
    assert_eq!(super::count(connection, listed), groups);
    diesel::sql_query("DELETE FROM code_statistics_dirty_groups")
        .execute(connection)
        .unwrap();
}

fn the_read_model_equals_statistics_from_the_lines(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    let formats = [Format::Tall, Format::Wide, Format::Json];
    for path in priceline_synth::write_dataset(dir.path(), SEED, 6, 300, &formats).unwrap() {
        super::import(&mut connection, &path);
    }
    // Right after the imports their changes are pending: statistics come from the pending files'
    // lines, the model being empty. After a refresh, from the model.
    let before = check(&mut connection);
    let pending = statistics_model::pending(&mut connection).unwrap();
    assert!(
        pending >= 6,
        "a change for each hospital at least: {pending}"
    );
    assert_eq!(refresh(&mut connection) as i64, pending);
    assert_eq!(refresh(&mut connection), 0);
    assert_eq!(statistics_model::pending(&mut connection).unwrap(), 0);
    // The model holds the splits' groups: check reads them.
    for split in ["1", "2"] {
        let sql =
            format!("SELECT COUNT(*) AS count FROM code_statistics_groups WHERE split = {split}");
        assert!(super::count(&mut connection, &sql) > 0, "split {split}");
    }
    assert_eq!(check(&mut connection), before);
    altered_model_shows_in_the_reads(&mut connection);
    disagreeing_sums_are_an_error(&mut connection);
    dirty_groups_survive_their_migration(&mut connection);

    // The migration that made the model fills it for earlier imports alike, and the one that
    // split it rebuilds it: every current snapshot pending, then applied by refreshes.
    // (Later migrations are reverted and re-run with it.)
    super::revert_through(&mut connection, "code_statistics");
    migrations::run_pending(&mut connection).unwrap();
    assert_eq!(statistics_model::pending(&mut connection).unwrap(), 6);
    assert_eq!(check(&mut connection), before);
    assert_eq!(refresh(&mut connection), 6);
    assert_eq!(check(&mut connection), before);

    // Hospital 0 republishes a shorter file: its earlier snapshot's lines leave the model.
    super::import(
        &mut connection,
        &wide(dir.path(), "later", 0, 120, "2026-09-01"),
    );
    let after = check(&mut connection);
    assert_ne!(before, after, "the republication changed some statistics");
    // Applied: the earlier snapshot's lines subtracted, the later's added.
    assert_eq!(refresh(&mut connection), 2);
    assert_eq!(check(&mut connection), after);

    // An older file imported late is history only: the model does not move.
    super::import(
        &mut connection,
        &wide(dir.path(), "older", 1, 90, "2025-06-01"),
    );
    assert_eq!(check(&mut connection), after);
    refresh(&mut connection);
    assert_eq!(check(&mut connection), after);

    // Hospital 2 republishes twice before a refresh: one batch adds a snapshot and subtracts it
    // again.
    for (name, rows, date) in [("second", 150, "2026-11-01"), ("third", 110, "2026-12-01")] {
        super::import(&mut connection, &wide(dir.path(), name, 2, rows, date));
    }
    let lines = check(&mut connection);
    assert_eq!(refresh(&mut connection), 4);
    assert_eq!(check(&mut connection), lines);

    // Every hospital republishes: more changes than one batch of a refresh applies. Between its
    // batches the model holds the first batch's (their summaries not yet recomputed) and the rest
    // are read from their lines.
    for hospital in 0..6 {
        let name = format!("fourth-{hospital}");
        let rows = 100 + 10 * hospital as u64;
        super::import(
            &mut connection,
            &wide(dir.path(), &name, hospital, rows, "2026-12-20"),
        );
    }
    let lines = check(&mut connection);
    assert_eq!(statistics_model::pending(&mut connection).unwrap(), 12);
    let batch = statistics_model::refresh(&mut connection).unwrap() as i64;
    assert_eq!(batch, statistics_model::REFRESH_BATCH);
    assert_eq!(check(&mut connection), lines);
    assert_eq!(refresh(&mut connection) as i64, 12 - batch);
    assert_eq!(check(&mut connection), lines);

    // As of a date before the republication, the lines give what the model gave then.
    let day_before = NaiveDate::from_ymd_opt(2026, 8, 31).unwrap();
    let codes = super::codes(&mut connection);
    let mut then = Vec::new();
    for (code_type, code) in &codes {
        let mut query = query(*code_type, code, Split::None, None);
        query.scope = Scope::AsOf(day_before);
        then.push(statistics::code_statistics(&mut connection, &query).unwrap());
    }
    // Codes only the later files list have no groups before them.
    then.retain(|groups| !groups.is_empty());
    let mut before = before;
    before.retain(|groups| !groups.is_empty());
    assert_eq!(then, before);
}
on_both_backends!(the_read_model_equals_statistics_from_the_lines);

/// On SQLite a refresh waits for a writer that holds the lock, then applies its batch: begun
/// deferred, it read the queue under the writer's lock and could not upgrade its stale snapshot once
/// the writer committed ("database is locked" at once, whatever the busy timeout).
#[test]
fn a_refresh_waits_for_the_sqlite_writer() {
    use diesel::connection::SimpleConnection;
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    super::import(
        &mut connection,
        &wide(dir.path(), "one", 0, 50, "2026-09-01"),
    );
    assert_eq!(statistics_model::pending(&mut connection).unwrap(), 1);
    let mut writer = db.connect();
    writer
        .batch_execute("BEGIN IMMEDIATE; UPDATE code_statistics_pending SET sign = sign")
        .unwrap();
    let refresh = std::thread::spawn(move || {
        let applied = statistics_model::refresh(&mut connection);
        (applied, connection)
    });
    // The refresh has found the change and waits for the lock (its busy timeout is 5 s).
    std::thread::sleep(std::time::Duration::from_millis(500));
    writer.batch_execute("COMMIT").unwrap();
    let (applied, mut connection) = refresh.join().unwrap();
    assert_eq!(applied.expect("the refresh waits for the writer"), 1);
    assert_eq!(statistics_model::pending(&mut connection).unwrap(), 0);
}
