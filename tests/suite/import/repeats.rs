//! Issue 15, item 4: an exact repeat of a row (or JSON element) anywhere in the file is counted,
//! reported with both locations and stored once. Built from crafted copies of shared files: the
//! Nor-Lea excerpt (a real CMS v2 CSV), the CMS v3 JSON example and the legacy course file, each
//! with rows repeated far from the rows they repeat.

use std::path::Path;

use priceline_import::{DocumentReport, Quiet, Status, import_path};
use priceline_ingest::{LegacyImport, ReadOptions};
use priceline_store::DbConnection;

use super::{SHARED, assert_stored_as_counted};
use crate::on_both_backends;
use crate::support::db::TestDb;

const NOR_LEA: &str = "real/nor-lea-official-standard-charges-2025-v2.EXCERPT.csv";
const V3_JSON: &str = "cms/v3.0.0/v3_json_format_example.json";
const COURSE_FILE: &str = "real/113243405_StonyBrookEasternLongIslandHospital_standardcharges.csv";

/// As `priceline import` reads: legacy chargemasters through the detected layout.
fn options() -> ReadOptions {
    ReadOptions {
        legacy: LegacyImport::Auto,
        ..ReadOptions::default()
    }
}

/// The file read without storing: what it holds once each repeat is dropped.
fn read_only(path: &str) -> DocumentReport {
    DocumentReport::from(priceline_ingest::validate_path(path, &options()).remove(0))
}

fn import(connection: &mut DbConnection, path: &str) -> DocumentReport {
    import_path(connection, None, Path::new(path), &options(), &Quiet).remove(0)
}

/// The `duplicate-row` findings as (location, message).
fn repeats(report: &DocumentReport) -> Vec<(String, String)> {
    report
        .findings
        .iter()
        .filter(|finding| finding.rule == "duplicate-row")
        .map(|finding| (finding.location.clone(), finding.message.clone()))
        .collect()
}

/// A copy of `lines` with the lines at `copied` (0-based) appended again at the end, written to
/// `dir/name`. Returns the path and, for each appended row, its row number and the row number of
/// the first line with the same text (rows count from 1, one line per row in these files).
fn with_repeats_appended(
    dir: &Path,
    name: &str,
    lines: &[&str],
    copied: &[usize],
) -> (String, Vec<(usize, usize)>) {
    let mut out: Vec<&str> = lines.to_vec();
    let mut expected = Vec::new();
    for &index in copied {
        out.push(lines[index]);
        let first = lines.iter().position(|line| *line == lines[index]).unwrap();
        expected.push((out.len(), first + 1));
    }
    let path = dir.join(name);
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
    (path.display().to_string(), expected)
}

/// Imports the crafted copy and checks it against the original read without storing: the same
/// content stored, one finding per repeat naming both rows.
fn imports_once(
    connection: &mut DbConnection,
    original: &str,
    crafted: &str,
    expected: &[(usize, usize)],
) -> DocumentReport {
    let before = read_only(original);
    let report = import(connection, crafted);
    assert_eq!(report.status, Status::Imported, "{}", report.line());
    let own = before.summary.duplicate_rows;
    assert_eq!(
        report.summary.duplicate_rows,
        own + expected.len() as u64,
        "{}",
        report.line()
    );
    for field in [
        |r: &DocumentReport| r.summary.items,
        |r: &DocumentReport| r.summary.standard_charges,
        |r: &DocumentReport| r.summary.payer_rates,
        |r: &DocumentReport| r.summary.quarantined_records,
    ] {
        assert_eq!(field(&report), field(&before), "{}", report.line());
    }
    assert_stored_as_counted(connection, &report, crafted);
    let found = repeats(&report);
    for (row, first) in expected {
        let finding = (
            format!("row {row}"),
            format!("exact repeat of row {first}; kept once"),
        );
        assert!(found.contains(&finding), "{finding:?} not in {found:?}");
    }
    report
}

fn a_real_csv_with_rows_repeated_far_away_stores_each_once(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let original = format!("{SHARED}/{NOR_LEA}");
    let text = std::fs::read_to_string(&original).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 10, "the excerpt has its data rows");
    // The first data row, one from the middle and the last, repeated after all the others.
    let (crafted, expected) = with_repeats_appended(
        dir.path(),
        "nor-lea-repeated.csv",
        &lines,
        &[3, lines.len() / 2, lines.len() - 1],
    );
    let mut connection = db.migrated();
    imports_once(&mut connection, &original, &crafted, &expected);
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    a_real_csv_with_rows_repeated_far_away_stores_each_once
);

fn a_json_element_repeated_at_the_end_is_stored_once(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let original = format!("{SHARED}/{V3_JSON}");
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&original).unwrap()).unwrap();
    let items = document["standard_charge_information"]
        .as_array_mut()
        .unwrap();
    let count = items.len();
    items.push(items[0].clone());
    let crafted = dir.path().join("v3-repeated.json");
    std::fs::write(&crafted, serde_json::to_string_pretty(&document).unwrap()).unwrap();
    let crafted = crafted.display().to_string();

    let before = read_only(&original);
    let mut connection = db.migrated();
    let report = import(&mut connection, &crafted);
    assert_eq!(report.status, Status::Imported, "{}", report.line());
    assert_eq!(
        report.summary.duplicate_rows,
        before.summary.duplicate_rows + 1
    );
    assert_eq!(report.summary.payer_rates, before.summary.payer_rates);
    assert_eq!(report.summary.items, before.summary.items);
    assert_stored_as_counted(&mut connection, &report, &crafted);
    assert!(
        repeats(&report).contains(&(
            format!("/standard_charge_information/{count}"),
            "exact repeat of /standard_charge_information/0; kept once".to_owned()
        )),
        "{:?}",
        repeats(&report)
    );
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    a_json_element_repeated_at_the_end_is_stored_once
);

fn a_legacy_chargemaster_with_repeated_rows_stores_each_once(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let original = format!("{SHARED}/{COURSE_FILE}");
    let text = std::fs::read_to_string(&original).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The course file has one header row and one line per row; the copy keeps its file name
    // (the hospital's EIN and name) in another folder.
    let name = Path::new(COURSE_FILE)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    // Rows with a gross charge (a row without any amount is a named skip, not a repeat).
    let priced = |from: usize| {
        (from..lines.len())
            .find(|&index| {
                lines[index]
                    .split(',')
                    .nth(4)
                    .is_some_and(|gross| gross.parse::<f64>().is_ok())
            })
            .unwrap()
    };
    let (crafted, expected) = with_repeats_appended(
        dir.path(),
        name,
        &lines,
        &[priced(1), priced(lines.len() / 3)],
    );
    let mut connection = db.migrated();
    let report = imports_once(&mut connection, &original, &crafted, &expected);
    assert!(report.legacy.is_some(), "{}", report.line());
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    a_legacy_chargemaster_with_repeated_rows_stores_each_once
);
