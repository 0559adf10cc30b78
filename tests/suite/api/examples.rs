//! The CMS example files served by a real server, and what the tests compare answers with: the files'
//! own cells, read here with the `csv` crate (never through the importer).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::import::{SHARED, import};
use crate::support::app::TestApp;
use crate::support::db::TestDb;

/// The first data row of a CMS v2/v3 CSV: rows 1–2 are the header, row 3 the column names.
pub const FIRST_DATA_ROW: usize = 4;

pub fn cms(version: &str, name: &str) -> String {
    format!("{SHARED}/cms/{version}/{name}")
}

pub fn v3_tall() -> String {
    cms("v3.0.0", "V3.0.0_Tall_CSV_Format_Example.csv")
}

/// Imports the v2 and v3 Tall examples (one hospital, two snapshots) and a copy of the v3 example
/// renamed to a second hospital in another city, then serves the database.
pub async fn app_with_examples(db: TestDb) -> (TestApp, tempfile::TempDir) {
    let mut connection = db.migrated();
    for path in [
        cms("v2.0.0", "V2.0.0_Tall_CSV_Format_Example.csv"),
        v3_tall(),
    ] {
        import(&mut connection, &path);
    }
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(v3_tall()).unwrap();
    let other = text
        .replacen(
            "West Mercy Hospital,4/1/2026",
            "East Valley Hospital,4/1/2026",
            1,
        )
        .replacen(",50056,", ",70077,", 1)
        .replacen("Fullerton, CA  92832", "Sacramento, CA  95814", 1);
    let path = dir.path().join("east-valley.csv");
    std::fs::write(&path, other).unwrap();
    import(&mut connection, path.to_str().unwrap());
    (TestApp::spawn(db).await, dir)
}

pub async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let mut response = awc::Client::default()
        .get(app.url(path))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.body().limit(10_000_000).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Every record of a CSV file, header rows included: `rows[n - 1]` is the file's row `n`.
pub fn rows(path: impl AsRef<Path>) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect()
}

/// A cell as the API writes it: trimmed, `None` when empty, and a number in its shortest exact form
/// (`1200.00` → `1200`, `4122.70` → `4122.7`).
pub fn cell(row: &csv::StringRecord, index: usize) -> Option<String> {
    let text = row.get(index)?.trim();
    if text.is_empty() {
        return None;
    }
    let numeric = text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().filter(|b| *b == b'.').count() <= 1;
    if numeric && text.contains('.') {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        return Some(if trimmed.is_empty() { "0" } else { trimmed }.to_owned());
    }
    Some(text.to_owned())
}

/// `cell` as JSON: a string, or null for an empty cell.
pub fn cell_json(row: &csv::StringRecord, index: usize) -> Value {
    cell(row, index).map_or(Value::Null, Value::String)
}

/// Follows `page.next` from `first` to the last page and returns every item in order and the number of
/// pages. Checks each page on the way: at most `limit` items, full unless it is the last, `next` the
/// same request with `cursor` = `next_cursor`, and neither on the last page.
pub async fn walk(app: &TestApp, first: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut next = Some(first.to_owned());
    while let Some(path) = next {
        let (status, page) = get(app, &path).await;
        assert_eq!(status, 200, "{path}: {page}");
        pages += 1;
        let limit = page["page"]["limit"].as_u64().unwrap() as usize;
        let served = page["items"].as_array().unwrap();
        assert!(served.len() <= limit, "{path}");
        next = page["page"]["next"].as_str().map(str::to_owned);
        match (&next, page["page"]["next_cursor"].as_str()) {
            (Some(link), Some(cursor)) => {
                assert_eq!(
                    served.len(),
                    limit,
                    "{path}: a page before the last is full"
                );
                assert!(link.ends_with(&format!("cursor={cursor}")), "{link}");
            }
            (None, None) => {}
            other => panic!("{path}: next and next_cursor disagree: {other:?}"),
        }
        items.extend(served.iter().cloned());
        assert!(pages < 1000, "{first}: no last page");
    }
    (items, pages)
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}
