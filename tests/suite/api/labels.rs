//! Labels outside the CMS lists (issue 15): a payer whose every rate states a methodology CMS does
//! not list is still served, with the CMS value it folds to or as `unknown`, and the file's text.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::import::{SHARED, import};
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

/// A real v2 Wide file: 39 payer plans over 248 upper-case columns, every methodology
/// `Fee Schedule`.
const WIDE: &str = "823462523_BayhealthEmergencyPhysicians_StandardCharges.csv";

/// Copies the Wide file into `dir` with the methodology cells of two plans rewritten: AETNA | HMO to
/// the upper-case, non-CMS `PERCENTAGE OF TOTAL BILLED CHARGES`, AETNA | PPO to `Capitation` (no
/// CMS value at all). Returns the copy's path and every (payer, plan) of its Wide headers.
fn relabelled_copy(dir: &std::path::Path) -> (String, BTreeSet<(String, String)>) {
    let mut rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(format!("{SHARED}/real/{WIDE}"))
        .unwrap()
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let mut plans = BTreeSet::new();
    let mut rewritten = Vec::new();
    for (index, header) in rows[2].iter().enumerate() {
        let parts: Vec<&str> = header.split('|').map(str::trim).collect();
        if let ["STANDARD_CHARGE", payer, plan, field] = parts.as_slice() {
            plans.insert((payer.to_string(), plan.to_string()));
            match (*plan, *field) {
                ("HMO", "METHODOLOGY") if *payer == "AETNA" => {
                    rewritten.push((index, "PERCENTAGE OF TOTAL BILLED CHARGES"))
                }
                ("PPO", "METHODOLOGY") if *payer == "AETNA" => {
                    rewritten.push((index, "Capitation"))
                }
                _ => {}
            }
        }
    }
    assert_eq!(rewritten.len(), 2, "AETNA | HMO and AETNA | PPO in {WIDE}");
    let mut changed = 0;
    for row in &mut rows[3..] {
        for (index, label) in &rewritten {
            if let Some(cell) = row.get_mut(*index).filter(|cell| !cell.trim().is_empty()) {
                *cell = (*label).to_owned();
                changed += 1;
            }
        }
    }
    assert!(changed > 10, "{changed} methodology cells rewritten");
    let path = dir.join(WIDE);
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_path(&path)
        .unwrap();
    for row in &rows {
        writer.write_record(row).unwrap();
    }
    writer.flush().unwrap();
    (path.to_str().unwrap().to_owned(), plans)
}

/// The methodologies and raw methodology texts of every price line of one plan.
async fn lines_of(
    app: &TestApp,
    payer: &str,
    plan: &str,
) -> (BTreeSet<String>, BTreeSet<String>, usize) {
    let path = format!("/v1/prices?payer={payer}&plan={plan}&limit=1000");
    let (status, page) = app.get(&path).await;
    assert_eq!(status, 200, "{path}: {page}");
    let lines = page["items"].as_array().unwrap();
    let mut methodologies = BTreeSet::new();
    let mut raw = BTreeSet::new();
    for line in lines {
        let rate = &line["payer_rate"];
        assert_eq!(rate["payer_name"], payer, "{line}");
        assert_eq!(rate["plan_name"], plan, "{line}");
        assert!(rate["negotiated_dollar"].is_string(), "an amount: {line}");
        methodologies.insert(rate["methodology"].as_str().unwrap().to_owned());
        for value in line["raw_values"].as_array().unwrap() {
            if value["field"] == "methodology" {
                raw.insert(value["raw"].as_str().unwrap().to_owned());
            }
        }
    }
    (methodologies, raw, lines.len())
}

async fn every_payer_of_a_wide_file_is_served_whatever_its_methodology_label(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let (path, plans) = relabelled_copy(dir.path());
    let mut connection = db.migrated();
    let report = import(&mut connection, &path).remove(0);
    assert_eq!(
        report.summary.quarantined_records, 0,
        "no rate is quarantined over a label: {:?}",
        report.findings
    );
    let app = TestApp::spawn(db).await;

    // Every payer column of the file is a plan of /v1/payers.
    let (status, payers) = app.get("/v1/payers?limit=1000").await;
    assert_eq!(status, 200, "{payers}");
    let served: BTreeSet<(String, String)> = payers["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p: &Value| {
            (
                p["payer_name"].as_str().unwrap().to_owned(),
                p["plan_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(served, plans);

    // The folded label is stored as the CMS value, the file's text beside it.
    let (methodologies, raw, hmo_lines) = lines_of(&app, "AETNA", "HMO").await;
    assert!(hmo_lines > 0);
    assert_eq!(
        methodologies,
        BTreeSet::from(["percent of total billed charges".to_owned()])
    );
    assert_eq!(
        raw,
        BTreeSet::from(["PERCENTAGE OF TOTAL BILLED CHARGES".to_owned()])
    );
    // A label matching nothing is kept as `unknown`, with its text, and can be filtered on.
    let (methodologies, raw, ppo_lines) = lines_of(&app, "AETNA", "PPO").await;
    assert!(ppo_lines > 0);
    assert_eq!(methodologies, BTreeSet::from(["unknown".to_owned()]));
    assert_eq!(raw, BTreeSet::from(["Capitation".to_owned()]));
    let (status, unknown) = app.get("/v1/prices?methodology=unknown&limit=1000").await;
    assert_eq!(status, 200, "{unknown}");
    assert_eq!(unknown["items"].as_array().unwrap().len(), ppo_lines);

    // Both labels are reported as the CMS validator reports them: an allowed-values error, here
    // repaired (the rate is kept).
    let label_errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "AllowedValuesError")
        .collect();
    assert_eq!(
        label_errors.len(),
        hmo_lines + ppo_lines,
        "{label_errors:?}"
    );
    assert!(label_errors.iter().all(|f| f.normalised && f.cms));
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    async every_payer_of_a_wide_file_is_served_whatever_its_methodology_label
);
