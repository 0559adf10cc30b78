//! Snapshot acceptance (issue 15): a republication whose header row cannot be read (unreplaced
//! `[payer_name]` placeholders, a misspelled `modifers` column) or that has no data rows is kept as a
//! rejected submission; the CLI fails with the reason and the next step, and the API keeps serving
//! the earlier snapshot. The files are the generator's Wide files, broken by the test.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::sample::{rewrite, wide};
use crate::import::priceline_binary;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

/// Breaks row 3 as real republications do: the first payer's columns keep the template's
/// `[payer_name] | [plan_name]` placeholders, and `modifiers` is misspelled `modifers`.
fn break_header(path: &Path) {
    let mut payer: Option<String> = None;
    rewrite(path, |number, cells| {
        if number != 3 {
            return;
        }
        for cell in cells.iter_mut() {
            let parts: Vec<String> = cell.split('|').map(|part| part.trim().to_owned()).collect();
            if cell == "modifiers" {
                *cell = "modifers".to_owned();
            } else if parts.len() == 4 && parts[0] == "standard_charge" {
                let group = format!("{}|{}", parts[1], parts[2]);
                if payer.get_or_insert_with(|| group.clone()) == &group {
                    *cell = format!(
                        "standard_charge | [payer_name] | [plan_name] | {}",
                        parts[3]
                    );
                }
            } else if parts.len() == 3
                && payer.as_deref() == Some(&format!("{}|{}", parts[1], parts[2]))
            {
                *cell = format!("{} | [payer_name] | [plan_name]", parts[0]);
            }
        }
    });
    assert!(payer.is_some(), "a Wide file has payer columns");
}

/// Keeps only the three header rows.
fn drop_data_rows(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let header: Vec<&str> = text.lines().take(3).collect();
    std::fs::write(path, header.join("\n") + "\n").unwrap();
}

/// `priceline import FILE` against `database`: success, what it printed, its JSON report.
fn cli_import(database: &str, path: &Path) -> (bool, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let output = Command::new(priceline_binary())
        .arg("import")
        .arg(path)
        .arg("--report")
        .arg(&report)
        .env("PRICELINE_DATABASE_URL", database)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let json = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    (output.status.success(), out, json)
}

/// The server, without its response cache: each answer here must come from the data as the
/// imports just left it (the cache notices a change only when it next checks, up to 250 ms later).
async fn uncached(db: TestDb) -> TestApp {
    TestApp::spawn_with_env(db, &[("PRICELINE_CACHE_MB", "0")]).await
}

async fn get_ok(app: &TestApp, path: &str) -> Value {
    let (status, body) = app.get(path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// What the API serves of the hospital's prices: every facility and every price line (one page).
async fn served(app: &TestApp) -> (Value, Value) {
    let facilities = get_ok(app, "/v1/facilities").await;
    let prices = get_ok(app, "/v1/prices?q=a&limit=200").await;
    (facilities["items"].clone(), prices["items"].clone())
}

async fn a_broken_republication_never_blanks_the_hospital(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    drop(db.migrated());
    let database = db.url.connection_string();
    let good = wide(dir.path(), "good", 0, 200, "2026-03-01");
    let (ok, out, _) = cli_import(&database, &good);
    assert!(ok, "{out}");
    let app = uncached(db).await;
    let (facilities, prices) = served(&app).await;
    assert_eq!(facilities.as_array().unwrap().len(), 1, "{facilities}");
    assert!(!prices.as_array().unwrap().is_empty(), "prices served");
    let facility_id = facilities[0]["id"].as_i64().unwrap();
    let snapshot_id = facilities[0]["source_file_id"].as_i64().unwrap();

    // A newer file with a broken header row: rejected, the command fails with reason and next step.
    let broken = wide(dir.path(), "broken", 0, 200, "2026-06-01");
    break_header(&broken);
    let (ok, out, report) = cli_import(&database, &broken);
    assert!(!ok, "{out}");
    let document = &report["documents"][0];
    assert_eq!(document["status"], "rejected", "{out}");
    assert!(out.contains("rejected"), "{out}");
    assert!(out.contains("[payer_name]"), "{out}");
    assert!(
        out.contains(
            "next step: fix the header row: replace the [payer_name] and [plan_name] placeholders"
        ),
        "{out}"
    );
    assert!(
        document["next_step"]
            .as_str()
            .unwrap()
            .contains("[payer_name]"),
        "{document}"
    );
    let rejected_id = document["source_file_id"].as_i64().unwrap();
    assert_eq!(document["facility_id"], facility_id);

    // The earlier snapshot is still what the API serves, exactly.
    assert_eq!(served(&app).await, (facilities.clone(), prices.clone()));

    // The rejected submission is listed with its findings and raw header.
    let files = get_ok(&app, &format!("/v1/source-files?facility_id={facility_id}")).await;
    let newest = &files["items"][0];
    assert_eq!(newest["id"], rejected_id, "{files}");
    assert_eq!(newest["status"], "rejected");
    assert_eq!(newest["current"], false);
    assert_eq!(newest["counts"]["standard_charges"], 0);
    assert_eq!(newest["counts"]["payer_rates"], 0);
    let rejection = &newest["rejection"];
    assert!(
        rejection["reason"].as_str().unwrap().contains("header"),
        "{rejection}"
    );
    assert!(
        rejection["next_step"]
            .as_str()
            .unwrap()
            .starts_with("fix the header row"),
        "{rejection}"
    );
    let raw = rejection["raw_header"].as_str().unwrap();
    assert!(
        raw.contains("[payer_name]") && raw.contains("modifers"),
        "{raw}"
    );
    assert_eq!(raw.lines().count(), 3, "{raw}");
    let previous = &files["items"][1];
    assert_eq!(previous["id"], snapshot_id);
    assert_eq!(
        (&previous["status"], &previous["current"]),
        (&Value::from("accepted"), &Value::from(true))
    );
    assert_eq!(previous["rejection"], Value::Null);
    let findings = get_ok(&app, &format!("/v1/source-files/{rejected_id}/findings")).await;
    let rules: Vec<&str> = findings["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"PlaceholderError"), "{rules:?}");
    assert!(
        rules.contains(&"ColumnMissingError"),
        "modifiers: {rules:?}"
    );

    // The facility shows it beside the current snapshot.
    let detail = get_ok(&app, &format!("/v1/facilities/{facility_id}")).await;
    assert_eq!(detail["snapshot"]["id"], snapshot_id, "{detail}");
    assert_eq!(detail["last_rejected"]["id"], rejected_id, "{detail}");
    assert_eq!(detail["last_rejected"]["status"], "rejected");
    // Nor is it the snapshot of a date after its own.
    let as_of = get_ok(&app, "/v1/facilities?as_of=2026-07-01").await;
    assert_eq!(as_of["items"][0]["source_file_id"], snapshot_id, "{as_of}");

    // The same bytes again: rejected again, nothing new stored.
    let (ok, out, report) = cli_import(&database, &broken);
    assert!(!ok, "{out}");
    assert_eq!(report["documents"][0]["status"], "rejected", "{out}");
    assert_eq!(report["documents"][0]["source_file_id"], rejected_id);
    assert!(out.contains("next step: fix the header row"), "{out}");

    // A newer file with its header fine and no data rows: rejected too.
    let empty = wide(dir.path(), "empty", 0, 200, "2026-07-01");
    drop_data_rows(&empty);
    let (ok, out, report) = cli_import(&database, &empty);
    assert!(!ok, "{out}");
    let document = &report["documents"][0];
    assert_eq!(document["status"], "rejected", "{out}");
    assert!(
        document["reason"]
            .as_str()
            .unwrap()
            .contains("no data rows"),
        "{document}"
    );
    assert!(
        document["next_step"]
            .as_str()
            .is_some_and(|step| !step.is_empty())
    );
    let empty_id = document["source_file_id"].as_i64().unwrap();
    assert_eq!(served(&app).await, (facilities.clone(), prices.clone()));
    let detail = get_ok(&app, &format!("/v1/facilities/{facility_id}")).await;
    assert_eq!(detail["last_rejected"]["id"], empty_id, "{detail}");

    // A good newer file after the rejected ones becomes current as usual.
    let fixed = wide(dir.path(), "fixed", 0, 120, "2026-08-01");
    let (ok, out, report) = cli_import(&database, &fixed);
    assert!(ok, "{out}");
    let fixed_id = report["documents"][0]["source_file_id"].as_i64().unwrap();
    let (now, now_prices) = served(&app).await;
    assert_eq!(now[0]["id"], facility_id, "{now}");
    assert_eq!(now[0]["source_file_id"], fixed_id);
    assert_ne!(now_prices, prices, "the fixed file's prices are served");
    let detail = get_ok(&app, &format!("/v1/facilities/{facility_id}")).await;
    assert_eq!(detail["snapshot"]["id"], fixed_id, "{detail}");
    assert_eq!(detail["last_rejected"]["id"], empty_id, "{detail}");

    // Rejected submissions are listed by status, and are not snapshots.
    let ids = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|file| file["id"].as_i64().unwrap())
            .collect()
    };
    let rejected = get_ok(&app, "/v1/source-files?status=rejected").await;
    assert_eq!(ids(&rejected), [empty_id, rejected_id], "{rejected}");
    let accepted = get_ok(&app, "/v1/source-files?status=accepted").await;
    assert_eq!(ids(&accepted), [fixed_id, snapshot_id], "{accepted}");
    let snapshots = get_ok(&app, &format!("/v1/facilities/{facility_id}/snapshots")).await;
    assert_eq!(ids(&snapshots), [fixed_id, snapshot_id], "{snapshots}");
    let (status, problem) = app.get("/v1/source-files?status=broken").await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem.to_string().contains("status"), "{problem}");
}

on_both_backends!(async a_broken_republication_never_blanks_the_hospital);

async fn a_hospital_first_seen_through_a_rejected_file_is_not_listed(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    drop(db.migrated());
    let database = db.url.connection_string();
    let broken = wide(dir.path(), "broken", 1, 100, "2026-06-01");
    break_header(&broken);
    let (ok, out, report) = cli_import(&database, &broken);
    assert!(!ok, "{out}");
    assert_eq!(report["documents"][0]["status"], "rejected", "{out}");
    let facility_id = report["documents"][0]["facility_id"].as_i64().unwrap();
    let app = uncached(db).await;
    let facilities = get_ok(&app, "/v1/facilities").await;
    assert_eq!(facilities["items"], Value::Array(vec![]), "{facilities}");
    let (status, body) = app.get(&format!("/v1/facilities/{facility_id}")).await;
    assert_eq!(status, 404, "{body}");
    let prices = get_ok(&app, "/v1/prices?q=a").await;
    assert_eq!(prices["items"], Value::Array(vec![]), "{prices}");
    let files = get_ok(&app, "/v1/source-files").await;
    assert_eq!(files["items"].as_array().unwrap().len(), 1, "{files}");
    assert_eq!(files["items"][0]["status"], "rejected");
    assert_eq!(files["items"][0]["facility_id"], facility_id);
    // Its first usable file makes it appear.
    let good = wide(dir.path(), "good", 1, 100, "2026-07-01");
    let (ok, out, _) = cli_import(&database, &good);
    assert!(ok, "{out}");
    let facilities = get_ok(&app, "/v1/facilities").await;
    assert_eq!(facilities["items"][0]["id"], facility_id, "{facilities}");
    // Its identifiers come from the usable file (the rejected one set none).
    assert!(facilities["items"][0]["ein"].is_string(), "{facilities}");
}

on_both_backends!(async a_hospital_first_seen_through_a_rejected_file_is_not_listed);
