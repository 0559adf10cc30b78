//! Issue 15: legacy (pre-template) chargemasters are imported through mapping profiles, every data
//! row accounted for, their prices searchable and marked legacy in the API; an unmappable file is
//! refused and stores nothing.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use priceline_import::{DocumentReport, Quiet, Status, import_path};
use priceline_ingest::{LegacyImport, Profile, ReadOptions};
use priceline_store::DbConnection;
use priceline_store::snapshot::{load_snapshot, source_file_ids};
use serde_json::Value;

use super::{SHARED, assert_stored_as_counted, priceline_binary};
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

const COURSE_FILE: &str = "real/113243405_StonyBrookEasternLongIslandHospital_standardcharges.csv";

/// A legacy chargemaster with the messes of real ones: a code-less section heading, `N/A` and
/// blank cells, `PAYER-PLAN` and `PAYER - PLAN` columns, a `$1,200.50` amount, a blank line, an
/// item without any price, a payer's unreadable amount, a totals row, an unreadable gross charge and
/// the header repeated.
pub const CRAFTED: &str = "\
Charge Code,Description,CPT/HCPCS,Rev Code,Gross Charge,Cash Price,Min,Max,AETNA-PPO,BLUE CROSS - HMO,CIGNA
,LABORATORY,,,,,,,,,
300-001,CBC W/DIFF,85025,0300,45.00,36.00,20.00,40.00,N/A,20.00,40.00
300-002,\"BMP, BASIC\",80048,0301,\"$1,200.50\",900,N/A,N/A,,N/A,N/A

300-003,GLUCOSE,82947,0300,N/A,N/A,N/A,N/A,N/A,,N/A
250-004,ONDANSETRON 4MG,J2405,0250,12.00,,,,9.60,,see contract
,TOTAL,,,1257.50,936.00,,,,,
300-005,BROKEN AMOUNT,85027,0300,call us,,,,,,
Charge Code,Description,CPT/HCPCS,Rev Code,Gross Charge,Cash Price,Min,Max,AETNA-PPO,BLUE CROSS - HMO,CIGNA
";
pub const CRAFTED_NAME: &str = "123456789_WestMercyHospital_standardcharges.csv";

fn legacy_options(legacy: LegacyImport) -> ReadOptions {
    ReadOptions {
        legacy,
        ..ReadOptions::default()
    }
}

/// Imports as `priceline import` does (legacy files through the detected layout).
fn import_legacy(connection: &mut DbConnection, path: &Path) -> DocumentReport {
    import_path(
        connection,
        None,
        path,
        &legacy_options(LegacyImport::Auto),
        &Quiet,
    )
    .remove(0)
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str], database: &str) -> (bool, String) {
    let output = Command::new(priceline_binary())
        .args(args)
        .env("PRICELINE_DATABASE_URL", database)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// Every line of a price search, following the pages.
async fn all_lines(app: &TestApp, query: &str) -> Vec<Value> {
    let mut lines = Vec::new();
    let mut path = format!("/v1/prices?{query}&limit=1000");
    loop {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        lines.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["page"]["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/prices?{query}&limit=1000&cursor={cursor}"),
            None => return lines,
        }
    }
}

/// An amount as the API writes it: the shortest form of the decimal.
fn shortest(text: &str) -> String {
    let text = text.trim().trim_start_matches('$').replace(',', "");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

fn assert_marked_legacy(line: &Value) {
    assert_eq!(line["provenance"]["legacy"], true, "{line}");
    assert_eq!(line["provenance"]["legacy_profile"], "auto", "{line}");
}

async fn the_course_file_imports_with_every_row_accounted_and_is_searchable(db: TestDb) {
    let path = Path::new(SHARED).join(COURSE_FILE);
    let mut connection = db.migrated();
    let report = import_legacy(&mut connection, &path);
    assert_eq!(report.status, Status::Imported, "{:?}", report.reason);
    assert_eq!(report.format.as_deref(), Some("legacy-csv"));
    assert_eq!(report.template_version, None);
    assert_eq!(report.legacy.as_deref(), Some("auto"));
    assert_stored_as_counted(&mut connection, &report, "course file");

    // The file as a plain CSV reader sees it: every non-blank row after the header is a data row,
    // stored or a named skip (rows whose every price cell is N/A or blank: `no-amount`).
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(&path)
        .unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let header = &rows[0];
    let price_columns: Vec<usize> = (4..header.len()).filter(|&index| index != 8).collect();
    let data: Vec<&csv::StringRecord> = rows[1..]
        .iter()
        .filter(|row| row.iter().any(|cell| !cell.trim().is_empty()))
        .collect();
    let priceless = data
        .iter()
        .filter(|row| {
            price_columns
                .iter()
                .all(|&index| matches!(row.get(index).unwrap_or("").trim(), "" | "N/A"))
        })
        .count() as u64;
    let summary = &report.summary;
    assert!(summary.balanced(), "{summary:?}");
    assert_eq!(summary.data_rows, data.len() as u64);
    assert_eq!(summary.skipped_rows(), priceless);
    assert_eq!(summary.skipped.get("no-amount").copied(), Some(priceless));
    assert_eq!(
        summary.item_rows + summary.quarantined_rows,
        summary.data_rows - priceless
    );
    assert_eq!(summary.quarantined_rows, 0);

    // The payer rates the file states for its first code, searched by CPT code through the API.
    let first = data[0];
    let code = first.get(0).unwrap().to_owned();
    let mut expected_rates = BTreeSet::new();
    let mut expected_gross = BTreeSet::new();
    for row in data.iter().filter(|row| row.get(0) == Some(code.as_str())) {
        expected_gross.insert(shortest(row.get(4).unwrap()));
        for index in 9..header.len() {
            let cell = row.get(index).unwrap().trim();
            if cell != "N/A" && !cell.is_empty() {
                let (payer, plan) = header.get(index).unwrap().split_once('-').unwrap();
                expected_rates.insert((payer.to_owned(), plan.to_owned(), shortest(cell)));
            }
        }
    }
    assert!(!expected_rates.is_empty());
    let app = TestApp::spawn(db).await;
    let lines = all_lines(&app, &format!("code={code}&code_type=CPT")).await;
    assert!(!lines.is_empty());
    let mut found_rates = BTreeSet::new();
    for line in &lines {
        assert_marked_legacy(line);
        assert!(
            expected_gross.contains(line["gross"].as_str().unwrap()),
            "{line}"
        );
        assert_eq!(line["description"], first.get(1).unwrap());
        if let Some(rate) = line["payer_rate"].as_object() {
            assert_eq!(rate["methodology"], Value::Null, "the file states none");
            found_rates.insert((
                rate["payer_name"].as_str().unwrap().to_owned(),
                rate["plan_name"].as_str().unwrap().to_owned(),
                rate["negotiated_dollar"].as_str().unwrap().to_owned(),
            ));
        }
    }
    assert_eq!(found_rates, expected_rates);

    // By description: every row of the file whose description holds the words is found.
    let words = "DRAINAGE OF CYST";
    let (status, body) = app
        .get(&format!(
            "/v1/prices?q={}&limit=1000",
            words.replace(' ', "%20")
        ))
        .await;
    assert_eq!(status, 200);
    let found: BTreeSet<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["codes"][0]["code"].as_str().unwrap().to_owned())
        .collect();
    let in_file: BTreeSet<String> = data
        .iter()
        .filter(|row| row.get(1).unwrap().contains(words))
        .filter(|row| {
            !price_columns
                .iter()
                .all(|&index| matches!(row.get(index).unwrap_or("").trim(), "" | "N/A"))
        })
        .map(|row| row.get(0).unwrap().to_owned())
        .collect();
    assert!(!in_file.is_empty());
    assert_eq!(found, in_file);

    // The source file and the facility's snapshot say legacy and claim no template version.
    let (_, files) = app.get("/v1/source-files").await;
    let file = &files["items"][0];
    assert_eq!(file["legacy"], true);
    assert_eq!(file["legacy_profile"], "auto");
    assert_eq!(file["template_version"], Value::Null);
    assert_eq!(file["format"], "legacy-csv");
    assert_eq!(file["validation_status"], "legacy");
    assert_eq!(file["counts"]["skipped_rows"], priceless);
    let (_, facility) = app
        .get(&format!("/v1/facilities/{}", report.facility_id.unwrap()))
        .await;
    assert_eq!(facility["snapshot"]["legacy"], true, "{facility}");
    assert_eq!(
        facility["facility"]["name"],
        "Stony Brook Eastern Long Island Hospital"
    );
    assert_eq!(facility["facility"]["ein"], "11-3243405");
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    async the_course_file_imports_with_every_row_accounted_and_is_searchable
);

async fn a_crafted_legacy_csv_has_every_row_accounted_and_is_searchable(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), CRAFTED_NAME, CRAFTED);
    let mut connection = db.migrated();
    let report = import_legacy(&mut connection, &path);
    assert_eq!(report.status, Status::Imported, "{:?}", report.reason);
    let summary = &report.summary;
    assert!(summary.balanced(), "{summary:?}");
    // Nine rows after the header: one blank line, eight data rows.
    assert_eq!((summary.data_rows, summary.blank_rows), (8, 1));
    assert_eq!((summary.item_rows, summary.quarantined_rows), (3, 1));
    // The drug's unreadable CIGNA amount is quarantined alone; its AETNA rate is imported.
    assert_eq!(
        (
            summary.partially_quarantined_rows,
            summary.quarantined_payer_rates,
            summary.quarantined_records
        ),
        (1, 1, 2)
    );
    let skipped: Vec<(&str, u64)> = summary
        .skipped
        .iter()
        .map(|(reason, count)| (reason.as_str(), *count))
        .collect();
    assert_eq!(
        skipped,
        [
            ("no-amount", 1),
            ("repeated-header", 1),
            ("section-heading", 1),
            ("total", 1)
        ]
    );
    assert_eq!(summary.payer_rates, 3);
    assert_stored_as_counted(&mut connection, &report, "crafted");
    let line = report.line();
    assert!(line.contains("legacy"), "{line}");
    assert!(line.contains("1 total"), "{line}");

    let app = TestApp::spawn(db).await;
    let lines = all_lines(&app, "code=85025&code_type=CPT").await;
    let rates: BTreeSet<(String, Option<String>, String)> = lines
        .iter()
        .inspect(|line| {
            assert_marked_legacy(line);
            assert_eq!(line["gross"], "45");
            assert_eq!(line["discounted_cash"], "36");
            assert_eq!(
                (&line["minimum"], &line["maximum"]),
                (&"20".into(), &"40".into())
            );
            assert_eq!(line["setting"], "both");
            assert_eq!(line["provenance"]["row"], 3);
        })
        .filter_map(|line| line["payer_rate"].as_object())
        .map(|rate| {
            (
                rate["payer_name"].as_str().unwrap().to_owned(),
                rate["plan_name"].as_str().map(str::to_owned),
                rate["negotiated_dollar"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rates,
        BTreeSet::from([
            ("BLUE CROSS".into(), Some("HMO".into()), "20".into()),
            ("CIGNA".into(), None, "40".into()),
        ])
    );
    // The same item by its revenue and charge codes; the drug by HCPCS, its payer and plan split.
    for query in ["code=0300&code_type=RC", "code=300-001&code_type=CDM"] {
        let lines = all_lines(&app, query).await;
        assert!(
            lines.iter().any(|line| line["description"] == "CBC W/DIFF"),
            "{query}"
        );
    }
    let drug = all_lines(&app, "code=J2405&code_type=HCPCS").await;
    assert_eq!(drug.len(), 1);
    assert_eq!(drug[0]["payer_rate"]["payer_name"], "AETNA");
    assert_eq!(drug[0]["payer_rate"]["plan_name"], "PPO");
    // By description; the repaired amount keeps the file's text beside it.
    let basic = all_lines(&app, "q=basic").await;
    assert_eq!(basic.len(), 1);
    assert_eq!(basic[0]["gross"], "1200.5");
    assert_eq!(basic[0]["raw_values"][0]["raw"], "$1,200.50");
    assert!(all_lines(&app, "q=glucose").await.is_empty());

    let (_, files) = app.get("/v1/source-files").await;
    let file = &files["items"][0];
    assert_eq!(
        (
            &file["legacy"],
            &file["template_version"],
            &file["validation_status"]
        ),
        (&true.into(), &Value::Null, &"legacy".into())
    );
    // The counts add up in the API too: 3 items' rows, 1 row quarantined whole, 4 skipped of 8 rows
    // read (and one payer rate quarantined alone).
    let counts = &file["counts"];
    assert_eq!(
        (
            &counts["rows_read"],
            &counts["items"],
            &counts["quarantined"],
            &counts["skipped_rows"]
        ),
        (&8.into(), &3.into(), &2.into(), &4.into())
    );
    assert_eq!(file["hospital_name"], "West Mercy Hospital");
}
on_both_backends!(async a_crafted_legacy_csv_has_every_row_accounted_and_is_searchable);

/// A legacy hospital is the EIN and name its file name gives: a republication that spells them
/// differently is the same facility, a hospital of the same name under another EIN is another.
/// Every legacy import says in one line what to do next.
fn legacy_hospitals_are_grouped_by_ein_and_name(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    let mut import_as = |name: &str, gross: &str| {
        let text = CRAFTED.replace("45.00,36.00", &format!("{gross},36.00"));
        import_legacy(&mut connection, &write(dir.path(), name, &text))
    };
    let first = import_as("123456789_WestMercyHospital_standardcharges.csv", "45.00");
    let again = import_as(
        "12-3456789_West-Mercy-Hospital_standardcharges.csv",
        "46.00",
    );
    let other = import_as("987654321_WestMercyHospital_standardcharges.csv", "47.00");
    for report in [&first, &again, &other] {
        assert_eq!(report.status, Status::Imported, "{}", report.line());
        let step = report.next_step.as_deref().unwrap_or_default();
        assert!(
            step.contains("priceline profile suggest") && step.contains("CMS-template file"),
            "{step}"
        );
        assert!(report.line().contains("\n          next step: "));
    }
    assert_eq!(first.facility_id, again.facility_id);
    assert_ne!(first.facility_id, other.facility_id);
}
on_both_backends!(legacy_hospitals_are_grouped_by_ein_and_name);

/// The two-column layout: a description and a price.
fn a_two_column_file_imports_its_prices(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "987654321_north-valley_standardcharges.csv",
        "DESCRIPTION, Price\nMRI BRAIN W/O CONTRAST,2889.70\nROOM AND BOARD,N/A\nCT HEAD,\"1,020.00\"\n",
    );
    let mut connection = db.migrated();
    let report = import_legacy(&mut connection, &path);
    assert_eq!(report.status, Status::Imported, "{:?}", report.reason);
    assert_eq!(report.summary.item_rows, 2);
    // Without a code column a priceless row may be an item: it is not called a heading.
    assert_eq!(report.summary.skipped.get("no-amount"), Some(&1));
    let snapshot = load_snapshot(&mut connection, report.source_file_id.unwrap()).unwrap();
    let prices: Vec<(String, String)> = snapshot
        .items
        .iter()
        .map(|item| {
            let gross = item.standard_charges[0].gross.unwrap().to_string();
            (item.description.clone(), gross)
        })
        .collect();
    assert_eq!(
        prices,
        [
            ("MRI BRAIN W/O CONTRAST".to_owned(), "2889.7".to_owned()),
            ("CT HEAD".to_owned(), "1020".to_owned())
        ]
    );
    assert_eq!(snapshot.facility.hospital_name, "north valley");
    assert!(snapshot.source_file.is_legacy());
    assert_eq!(snapshot.source_file.template_version, None);
}
on_both_backends!(a_two_column_file_imports_its_prices);

/// An odd layout (title rows above the header, column names no rule knows, no file-name
/// convention) is refused without a profile, and imported through one.
fn a_profile_maps_an_odd_layout(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let odd = "Eastern Hospital price list\nEffective 2023-01-01\nItem #,Service Name,Std Amt,Plan A Rate,Dept\n1001,X-RAY CHEST 2 VIEWS,310.00,250.00,RADIOLOGY\n1002,OFFICE VISIT,N/A,N/A,CLINIC\n";
    let path = write(dir.path(), "prices.csv", odd);
    let profile = write(
        dir.path(),
        "eastern.toml",
        r#"
[hospital]
name = "Eastern Hospital"
ein = "12-3456789"
last_updated_on = "2023-01-01"

[layout]
header_row = 3

[columns]
description = "Service Name"
codes = [{ column = "Item #", type = "CDM" }]
gross = "Std Amt"
notes = ["Dept"]

[payers]
plan_separator = ""
columns = ["Plan A Rate"]
"#,
    );
    let database = db.url.connection_string();
    let path_text = path.to_str().unwrap();
    db.migrated();
    let (ok, output) = run(&["import", path_text], &database);
    assert!(!ok, "{output}");
    assert!(output.contains("refused"), "{output}");
    let (ok, output) = run(
        &["import", path_text, "--profile", profile.to_str().unwrap()],
        &database,
    );
    assert!(ok, "{output}");
    assert!(output.contains("eastern.toml"), "{output}");
    let mut connection = db.connect();
    let ids = source_file_ids(&mut connection).unwrap();
    assert_eq!(ids.len(), 1);
    let snapshot = load_snapshot(&mut connection, ids[0]).unwrap();
    assert_eq!(snapshot.facility.hospital_name, "Eastern Hospital");
    assert_eq!(snapshot.facility.ein.unwrap().as_str(), "12-3456789");
    assert_eq!(snapshot.source_file.legacy.as_deref(), Some("eastern.toml"));
    assert_eq!(
        snapshot.source_file.last_updated_on,
        chrono::NaiveDate::from_ymd_opt(2023, 1, 1)
    );
    assert_eq!(snapshot.items.len(), 1);
    let item = &snapshot.items[0];
    assert_eq!(item.codes[0].code, "1001");
    let charge = &item.standard_charges[0];
    assert_eq!(charge.gross.unwrap().to_string(), "310");
    assert_eq!(charge.generic_notes.as_deref(), Some("Dept: RADIOLOGY"));
    assert_eq!(charge.payer_rates[0].payer_name, "Plan A Rate");
    assert_eq!(charge.payer_rates[0].plan_name, None);
}
on_both_backends!(a_profile_maps_an_odd_layout);

/// `priceline profile suggest` prints a profile that parses back and imports the file as the
/// detected layout does.
#[test]
fn profile_suggest_output_parses_back_as_a_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), CRAFTED_NAME, CRAFTED);
    let database = dir.path().join("p.db").display().to_string();
    let (ok, draft) = run(&["profile", "suggest", path.to_str().unwrap()], &database);
    assert!(ok, "{draft}");
    assert!(draft.starts_with('#'), "{draft}");
    let profile = Profile::from_toml(&draft, "suggested.toml").unwrap();
    assert_eq!(
        profile.hospital.name.as_deref(),
        Some("West Mercy Hospital")
    );
    assert_eq!(profile.payers.columns.len(), 3);

    let read = |legacy| {
        let mut items = Vec::new();
        let document = &priceline_ingest::open(&path).unwrap()[0];
        let report = priceline_ingest::read(document, &legacy_options(legacy), &mut |record| {
            if let priceline_ingest::Record::Item(item) = record {
                items.push(item);
            }
        })
        .unwrap();
        (report.summary, items)
    };
    let (auto_summary, auto_items) = read(LegacyImport::Auto);
    let (profile_summary, profile_items) = read(LegacyImport::Profile(Arc::new(profile)));
    assert_eq!(profile_summary, auto_summary);
    assert_eq!(profile_items, auto_items);

    // An odd file's draft says what is missing and still parses.
    let odd = write(dir.path(), "odd.csv", "foo,bar\n1,2\n");
    let (ok, draft) = run(&["profile", "suggest", odd.to_str().unwrap()], &database);
    assert!(ok, "{draft}");
    assert!(draft.contains("Not enough to read the file yet"), "{draft}");
    assert!(draft.contains("set [hospital] name"), "{draft}");
    Profile::from_toml(&draft, "odd.toml").unwrap();
}

/// A legacy file no layout fits, or whose hospital nothing names, is refused with the reason and
/// a non-zero exit, and nothing is stored; so is a profile that does not fit the file.
fn an_unmappable_file_is_refused_and_nothing_is_stored(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let database = db.url.connection_string();
    db.migrated();
    let cases = [
        (
            "123456789_x_standardcharges.csv",
            "Description,Department\nMRI,RADIOLOGY\n",
            "no column of the header",
        ),
        (
            "chargemaster.csv",
            "DESCRIPTION, Price\nMRI BRAIN,2889.70\n",
            "cannot tell which hospital",
        ),
    ];
    for (name, text, reason) in cases {
        let path = write(dir.path(), name, text);
        let (ok, output) = run(&["import", path.to_str().unwrap()], &database);
        assert!(!ok, "{output}");
        assert!(output.contains("refused"), "{output}");
        assert!(output.contains(reason), "{output}");
    }
    let path = write(dir.path(), CRAFTED_NAME, CRAFTED);
    let profile = write(
        dir.path(),
        "wrong.toml",
        "[columns]\ndescription = \"Name\"\n",
    );
    let (ok, output) = run(
        &[
            "import",
            path.to_str().unwrap(),
            "--profile",
            profile.to_str().unwrap(),
        ],
        &database,
    );
    assert!(!ok, "{output}");
    assert!(
        output.contains("\"Name\" is not in the header row 1"),
        "{output}"
    );
    let bad = write(dir.path(), "bad.toml", "[columns]\ndescripton = \"Name\"\n");
    let (ok, output) = run(
        &[
            "import",
            path.to_str().unwrap(),
            "--profile",
            bad.to_str().unwrap(),
        ],
        &database,
    );
    assert!(!ok, "{output}");
    assert!(output.contains("is not a mapping profile"), "{output}");
    assert!(source_file_ids(&mut db.connect()).unwrap().is_empty());
}
on_both_backends!(an_unmappable_file_is_refused_and_nothing_is_stored);

/// Writes a CSV's rows into a workbook at the same row numbers (a blank line stays an empty row),
/// amounts (columns from `first_amount`) as numbers where they are plain ones, other cells as text,
/// as hospitals' workbooks hold them.
fn workbook_twin(csv_text: &str, first_amount: usize, path: &Path) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        if !reader.read_record(&mut record).unwrap() {
            break;
        }
        let row = u32::try_from(line - 1).unwrap();
        for (column, cell) in record.iter().enumerate() {
            let col = u16::try_from(column).unwrap();
            match cell.parse::<f64>() {
                Ok(number) if column >= first_amount && row > 0 => {
                    sheet.write_number(row, col, number).unwrap();
                }
                _ if cell.is_empty() => {}
                _ => {
                    sheet.write_string(row, col, cell).unwrap();
                }
            }
        }
    }
    workbook.save(path).unwrap();
}

/// The `.xlsx` twin of the crafted CSV imports the same items, rows, skips and quarantine.
fn an_xlsx_workbook_imports_the_same_as_its_csv_twin(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = write(dir.path(), CRAFTED_NAME, CRAFTED);
    let xlsx_path = dir.path().join(CRAFTED_NAME.replace(".csv", ".xlsx"));
    workbook_twin(CRAFTED, 4, &xlsx_path);
    let mut connection = db.migrated();
    let from_csv = import_legacy(&mut connection, &csv_path);
    let from_xlsx = import_legacy(&mut connection, &xlsx_path);
    assert_eq!(from_xlsx.status, Status::Imported, "{:?}", from_xlsx.reason);
    assert_eq!(from_xlsx.format.as_deref(), Some("legacy-xlsx"));
    assert_eq!(from_xlsx.legacy.as_deref(), Some("auto"));
    assert_eq!(from_xlsx.summary, from_csv.summary);
    assert_eq!(from_xlsx.facility_id, from_csv.facility_id);
    let csv_snapshot = load_snapshot(&mut connection, from_csv.source_file_id.unwrap()).unwrap();
    let xlsx_snapshot = load_snapshot(&mut connection, from_xlsx.source_file_id.unwrap()).unwrap();
    assert_eq!(xlsx_snapshot.items, csv_snapshot.items);
    assert!(!xlsx_snapshot.items.is_empty());
    assert_eq!(xlsx_snapshot.facility, csv_snapshot.facility);
    assert_eq!(
        assert_stored_as_counted(&mut connection, &from_xlsx, "xlsx"),
        assert_stored_as_counted(&mut connection, &from_csv, "csv")
    );

    // A workbook's draft profile is the CSV's.
    let document = &priceline_ingest::open(&xlsx_path).unwrap()[0];
    let draft = |document| {
        let text = priceline_ingest::suggest_profile(document).unwrap();
        Profile::from_toml(&text, "draft").unwrap()
    };
    let csv_document = &priceline_ingest::open(&csv_path).unwrap()[0];
    assert_eq!(draft(document), draft(csv_document));

    // `validate` has no CMS rule to check a workbook against: it is refused as legacy.
    let error = priceline_ingest::read(document, &ReadOptions::default(), &mut |_| {}).unwrap_err();
    assert!(error.to_string().contains("Excel workbook"), "{error}");
}
on_both_backends!(an_xlsx_workbook_imports_the_same_as_its_csv_twin);

/// A real two-column `DESCRIPTION, Price` chargemaster, whose name does not follow the CMS
/// convention: refused without a profile (nothing names the hospital), imported with a profile that
/// names it, every row accounted for; items named `TOTAL …` are items, not totals.
fn a_real_two_column_file_imports_through_a_profile(db: TestDb) {
    let path = Path::new(SHARED).join("real/CRMC-Standard-Charges1.1.csv");
    let mut connection = db.migrated();
    let refused = import_legacy(&mut connection, &path);
    assert_eq!(refused.status, Status::Refused);
    assert!(
        refused
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("cannot tell which hospital"),
        "{:?}",
        refused.reason
    );
    let profile = Profile::from_toml(
        "[hospital]\nname = \"CRMC\"\n[columns]\ndescription = \"DESCRIPTION\"\ngross = \"Price\"\n",
        "crmc.toml",
    )
    .unwrap();
    let options = legacy_options(LegacyImport::Profile(Arc::new(profile)));
    let report = import_path(&mut connection, None, &path, &options, &Quiet).remove(0);
    assert_eq!(report.status, Status::Imported, "{:?}", report.reason);
    assert_eq!(report.legacy.as_deref(), Some("crmc.toml"));
    assert_stored_as_counted(&mut connection, &report, "CRMC");

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(&path)
        .unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let priced: Vec<&csv::StringRecord> = rows
        .iter()
        // The profile's default absent values: blank, `N/A`, `NA`, `-` (` -   ` in two rows), `--`.
        .filter(|row| {
            !matches!(
                row.get(1).unwrap_or("").trim(),
                "" | "N/A" | "NA" | "-" | "--"
            )
        })
        .collect();
    let summary = &report.summary;
    assert!(summary.balanced(), "{summary:?}");
    assert_eq!(summary.data_rows, rows.len() as u64);
    // The file repeats some rows exactly (description and price): each is stored once.
    let mut seen = BTreeSet::new();
    let repeats = priced
        .iter()
        .filter(|row| !seen.insert(row.iter().collect::<Vec<_>>()))
        .count();
    assert!(repeats > 0, "the CRMC file has exact repeats");
    assert_eq!(summary.duplicate_rows, repeats as u64);
    assert_eq!(summary.item_rows, (priced.len() - repeats) as u64);
    assert_eq!(summary.skipped_rows(), (rows.len() - priced.len()) as u64);
    let snapshot = load_snapshot(&mut connection, report.source_file_id.unwrap()).unwrap();
    let stored: BTreeSet<(String, String)> = snapshot
        .items
        .iter()
        .map(|item| {
            let gross = item.standard_charges[0].gross.unwrap().to_string();
            (item.description.clone(), gross)
        })
        .collect();
    let in_file: BTreeSet<(String, String)> = priced
        .iter()
        .map(|row| {
            (
                row.get(0).unwrap().trim().to_owned(),
                shortest(row.get(1).unwrap()),
            )
        })
        .collect();
    assert_eq!(stored, in_file);
    assert!(
        stored
            .iter()
            .any(|(description, _)| description == "TOTAL T4")
    );
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    a_real_two_column_file_imports_through_a_profile
);
