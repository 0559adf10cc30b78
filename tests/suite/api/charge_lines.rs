//! Price lines as a newcomer reads them: a list sorted by an amount of the charge gives each
//! standard charge once; amounts come in their shortest exact form, with the file's own text kept
//! only for values that had to be repaired; `page.total` is given where the spec says.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::sample::{Sheet, generate, rewrite, walk};
use crate::import::import;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

/// What identifies a standard charge in a price line: its item, setting and modifiers.
fn charge_of(line: &Value) -> String {
    format!(
        "{} | {} | {} | {} | {}",
        line["facility"]["id"],
        line["description"],
        line["codes"],
        line["setting"],
        line["modifiers"]
    )
}

/// One generated Tall file, edited by `edit`, imported and served.
async fn serve_one(db: TestDb, edit: impl FnMut(usize, &mut Vec<String>)) -> (TestApp, Sheet) {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = generate(dir.path(), 0, 300);
    rewrite(&path, edit);
    let mut connection = db.migrated();
    let report = import(&mut connection, path.to_str().unwrap()).remove(0);
    assert!(report.errors == 0 || report.summary.items > 0, "{report:?}");
    let sheet = Sheet::read(&path);
    (TestApp::spawn(db).await, sheet)
}

async fn sorting_by_a_charge_amount_lists_each_charge_once(db: TestDb) {
    let (app, sheet) = serve_one(db, |_, _| {}).await;
    // The code on the most rows: its charges have several payer rates each.
    let mut rows_per_code: BTreeMap<String, usize> = BTreeMap::new();
    for (_, row) in sheet.priced_rows() {
        for (_, code) in sheet.codes(row) {
            *rows_per_code.entry(code).or_default() += 1;
        }
    }
    let code = rows_per_code
        .into_iter()
        .max_by_key(|(code, rows)| (*rows, code.clone()))
        .unwrap()
        .0;
    for kind in ["discounted_cash", "gross", "minimum", "maximum"] {
        for filter in ["facility_id=1".to_owned(), format!("code={code}")] {
            // Facility order: a line per payer rate, so a charge with several rates repeats.
            let (_, unsorted) = app
                .get(&format!("/v1/prices?{filter}&kind={kind}&limit=1000"))
                .await;
            let mut per_charge: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
            for line in unsorted["items"].as_array().unwrap() {
                per_charge.entry(charge_of(line)).or_default().push(line);
            }
            assert!(
                per_charge.values().any(|lines| lines.len() > 1),
                "{filter} {kind}: the data has a charge with several rates"
            );
            for sort in ["amount", "-amount"] {
                let first = format!("/v1/prices?{filter}&kind={kind}&sort={sort}&limit=7");
                let (sorted, _) = walk(&app, &first).await;
                let charges: Vec<String> = sorted.iter().map(charge_of).collect();
                let mut distinct = charges.clone();
                distinct.sort();
                distinct.dedup();
                assert_eq!(distinct.len(), charges.len(), "{first}: a charge repeats");
                assert_eq!(
                    distinct,
                    per_charge.keys().cloned().collect::<Vec<_>>(),
                    "{first}: every charge of the kind, once"
                );
                let amounts: Vec<f64> = sorted
                    .iter()
                    .map(|line| line[kind].as_str().unwrap().parse().unwrap())
                    .collect();
                let ordered = amounts.windows(2).all(|pair| {
                    if sort == "amount" {
                        pair[0] <= pair[1]
                    } else {
                        pair[0] >= pair[1]
                    }
                });
                assert!(ordered, "{first}: {amounts:?}");
                assert!(
                    sorted.iter().all(|line| line["payer_rate"].is_null()),
                    "{first}: charges without rates"
                );
            }
        }
    }
    // A payer criterion asks about rates: each rate stays a line of its own.
    let (_, by_payer) = app
        .get("/v1/prices?facility_id=1&payer=a&kind=gross&sort=amount&limit=1000")
        .await;
    let lines = by_payer["items"].as_array().unwrap();
    assert!(!lines.is_empty(), "{by_payer}");
    assert!(lines.iter().all(|line| !line["payer_rate"].is_null()));
}
on_both_backends!(async sorting_by_a_charge_amount_lists_each_charge_once);

/// `2889.70` is served as `"2889.7"` (same value, shortest form) without a raw text; `$800 ` is
/// repaired to `"800"` and keeps its exact text, trailing space included.
async fn amounts_are_exact_in_shortest_form_and_repairs_keep_the_text(db: TestDb) {
    let mut gross_column = None;
    let mut cash_column = None;
    let (app, sheet) = serve_one(db, |number, cells| {
        if number == 3 {
            gross_column = cells.iter().position(|c| c == "standard_charge|gross");
            cash_column = cells
                .iter()
                .position(|c| c == "standard_charge|discounted_cash");
        }
        // Rows 4 and 5: the first two data rows (one charge's first rates).
        if number == 4 || number == 5 {
            cells[gross_column.unwrap()] = "2889.70".to_owned();
            cells[cash_column.unwrap()] = "$800 ".to_owned();
        }
    })
    .await;
    let row = &sheet.rows[3];
    let code = sheet.codes(row)[0].1.clone();
    let (status, body) = app
        .get(&format!("/v1/prices?code={code}&facility_id=1&limit=1000"))
        .await;
    assert_eq!(status, 200, "{body}");
    let line = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["provenance"]["row"] == 4)
        .unwrap_or_else(|| panic!("row 4 is served: {body}"));
    assert_eq!(line["gross"], "2889.7", "{line}");
    assert_eq!(line["discounted_cash"], "800", "{line}");
    assert_eq!(
        line["raw_values"],
        serde_json::json!([{"field": "standard_charge|discounted_cash", "raw": "$800 "}]),
        "{line}"
    );
}
on_both_backends!(async amounts_are_exact_in_shortest_form_and_repairs_keep_the_text);

/// `page.total` is given by the facility list and a file's findings, and by no other list.
async fn page_total_is_given_where_the_spec_says(db: TestDb) {
    let (app, sheet) = serve_one(db, |_, _| {}).await;
    let code = sheet.codes(sheet.priced_rows()[0].1)[0].clone();
    let (_, facilities) = app.get("/v1/facilities").await;
    assert_eq!(facilities["page"]["total"], 1, "{facilities}");
    let (_, findings) = app.get("/v1/source-files/1/findings").await;
    assert!(findings["page"]["total"].is_u64(), "{findings}");
    for path in [
        format!("/v1/prices?code={}", code.1),
        format!("/v1/codes/{}/{}/compare", code.0, code.1),
        "/v1/payers".to_owned(),
        "/v1/source-files".to_owned(),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body["page"].get("total").is_none(), "{path}: {body}");
    }
}
on_both_backends!(async page_total_is_given_where_the_spec_says);
