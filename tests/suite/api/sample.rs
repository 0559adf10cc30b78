//! The data the API tests serve: CMS v3.0 Tall files written by the project's own generator (so a
//! fresh clone runs these tests without `../shared/data`), and what the tests compare answers with:
//! the files' own cells, read here with the `csv` crate (never through the importer).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use priceline_synth::{Format, Hospital};
use serde_json::Value;

use crate::import::import;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

/// The generator's seed for every sample file.
pub const SEED: u64 = 2026;

/// The first data row of a CMS v3 CSV: rows 1–2 are the header, row 3 the column names.
pub const FIRST_DATA_ROW: usize = 4;

/// The date the older snapshot of hospital 0 is rewritten to: before every generated date (2026).
pub const OLDER_DATE: &str = "2025-07-01";

/// One CSV file's cells, addressed by the names in its header rows.
pub struct Sheet {
    pub path: PathBuf,
    /// Every record, header rows included: `rows[n - 1]` is the file's row `n`.
    pub rows: Vec<csv::StringRecord>,
    columns: BTreeMap<String, usize>,
}

impl Sheet {
    pub fn read(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref().to_owned();
        let rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(&path)
            .unwrap()
            .records()
            .map(Result::unwrap)
            .collect();
        let columns = rows[FIRST_DATA_ROW - 2]
            .iter()
            .enumerate()
            .map(|(index, name)| (name.trim().to_owned(), index))
            .collect();
        Self {
            path,
            rows,
            columns,
        }
    }

    pub fn file_name(&self) -> String {
        self.path.file_name().unwrap().to_str().unwrap().to_owned()
    }

    /// The row-2 value under the row-1 key `key` (a key such as `license_number|CA` matches its
    /// prefix `license_number`).
    pub fn header(&self, key: &str) -> &str {
        let index = self.rows[0]
            .iter()
            .position(|name| name == key || name.starts_with(&format!("{key}|")))
            .unwrap_or_else(|| panic!("{}: no header {key}", self.path.display()));
        &self.rows[1][index]
    }

    /// The index of a row-3 column.
    pub fn column(&self, name: &str) -> usize {
        *self
            .columns
            .get(name)
            .unwrap_or_else(|| panic!("{}: no column {name}", self.path.display()))
    }

    /// A cell as the API writes it: trimmed, `None` when empty, and a number in its shortest exact
    /// form (`1200.00` → `1200`, `4122.70` → `4122.7`).
    pub fn cell(&self, row: &csv::StringRecord, name: &str) -> Option<String> {
        let text = row.get(self.column(name))?.trim();
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
    pub fn cell_json(&self, row: &csv::StringRecord, name: &str) -> Value {
        self.cell(row, name).map_or(Value::Null, Value::String)
    }

    /// A cell's text, trimmed (empty when the row is short).
    pub fn text<'a>(&self, row: &'a csv::StringRecord, name: &str) -> &'a str {
        row.get(self.column(name)).unwrap_or_default().trim()
    }

    /// The (code type, code) pairs of a row, in column order.
    pub fn codes(&self, row: &csv::StringRecord) -> Vec<(String, String)> {
        (1..)
            .map_while(|pair| {
                let code = format!("code|{pair}");
                self.columns
                    .contains_key(&code)
                    .then(|| (format!("{code}|type"), code))
            })
            .filter_map(|(kind, code)| Some((self.cell(row, &kind)?, self.cell(row, &code)?)))
            .collect()
    }

    /// The rows that are price lines, with their row numbers (1-based, as provenance gives them): a
    /// code and a setting the template knows (modifier rows have no code; a row with another
    /// setting is quarantined).
    pub fn priced_rows(&self) -> Vec<(usize, &csv::StringRecord)> {
        self.rows
            .iter()
            .enumerate()
            .skip(FIRST_DATA_ROW - 1)
            .map(|(index, row)| (index + 1, row))
            .filter(|(_, row)| {
                !self.codes(row).is_empty()
                    && ["inpatient", "outpatient", "both"].contains(&self.text(row, "setting"))
            })
            .collect()
    }
}

/// Writes hospital `hospital` of [`SEED`] as a Tall file of about `rows` rows into `dir` and returns
/// its path.
pub fn generate(dir: &Path, hospital: usize, rows: u64) -> PathBuf {
    priceline_synth::write_hospital(dir, SEED, hospital, rows, Format::Tall).unwrap()
}

/// Rewrites a CSV file record by record (`edit` gets each record's row number, 1-based).
pub fn rewrite(path: &Path, mut edit: impl FnMut(usize, &mut Vec<String>)) {
    let rows: Vec<Vec<String>> = Sheet::read(path)
        .rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let mut cells: Vec<String> = row.iter().map(str::to_owned).collect();
            edit(index + 1, &mut cells);
            cells
        })
        .collect();
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap();
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.flush().unwrap();
}

/// Two hospitals served: hospital 0 with two snapshots (an older, smaller file dated
/// [`OLDER_DATE`] and its current file) and hospital 1 with one.
pub struct Sample {
    pub app: TestApp,
    pub current: Sheet,
    pub older: Sheet,
    pub other: Sheet,
    _dir: tempfile::TempDir,
}

pub async fn app_with_sample(db: TestDb) -> Sample {
    let dir = tempfile::tempdir().unwrap();
    let current = generate(dir.path(), 0, 400);
    let older = generate(&dir.path().join("older"), 0, 150);
    let hospital = Hospital::new(SEED, 0);
    rewrite(&older, |number, cells| {
        if number == 2 {
            let date = cells
                .iter_mut()
                .find(|cell| **cell == hospital.last_updated_on);
            *date.unwrap() = OLDER_DATE.to_owned();
        }
    });
    let other = generate(dir.path(), 1, 200);
    let mut connection = db.migrated();
    for path in [&older, &current, &other] {
        import(&mut connection, path.to_str().unwrap());
    }
    Sample {
        app: TestApp::spawn(db).await,
        current: Sheet::read(current),
        older: Sheet::read(older),
        other: Sheet::read(other),
        _dir: dir,
    }
}

/// Follows `page.next` from `first` to the last page and returns every item in order and the number of
/// pages. Checks each page on the way: at most `limit` items, full unless it is the last, `next` the
/// same request with `cursor` = `next_cursor`, and neither on the last page.
pub async fn walk(app: &TestApp, first: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut next = Some(first.to_owned());
    while let Some(path) = next {
        let (status, page) = app.get(&path).await;
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
                let (_, linked) = link.rsplit_once("cursor=").unwrap_or_default();
                assert_eq!(percent_decoded(linked), cursor, "{link}");
            }
            (None, None) => {}
            other => panic!("{path}: next and next_cursor disagree: {other:?}"),
        }
        items.extend(served.iter().cloned());
        assert!(pages < 1000, "{first}: no last page");
    }
    (items, pages)
}

/// A query-string value as form decoding reads it (`%XX` escapes, `+` for a space).
fn percent_decoded(text: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        match first {
            b'%' if tail.len() >= 2 => {
                let hex = std::str::from_utf8(&tail[..2]).unwrap();
                bytes.push(u8::from_str_radix(hex, 16).unwrap());
                rest = &tail[2..];
            }
            b'+' => {
                bytes.push(b' ');
                rest = tail;
            }
            other => {
                bytes.push(other);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes).unwrap()
}

/// Writes hospital `hospital`'s Wide file into `dir/name/`, dated `date` (row 2's
/// `last_updated_on`), and returns its path.
pub fn wide(dir: &Path, name: &str, hospital: usize, rows: u64, date: &str) -> PathBuf {
    let path = priceline_synth::write_hospital(&dir.join(name), SEED, hospital, rows, Format::Wide)
        .unwrap();
    let generated = Hospital::new(SEED, hospital).last_updated_on;
    rewrite(&path, |number, cells| {
        if number == 2 {
            let cell = cells.iter_mut().find(|cell| **cell == generated).unwrap();
            *cell = date.to_owned();
        }
    });
    path
}
