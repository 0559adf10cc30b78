//! `compare` leaves no facility out: those without the ranked kind follow the ranked ones.

use std::collections::BTreeSet;

use super::sample::{Sheet, generate, rewrite};
use crate::import::import;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

/// Three hospitals pricing one code; the third states no discounted cash price for it. Ranked by
/// `discounted_cash` (the default), the first two come cheapest first and the third after them, with
/// a null price, its kinds and ranges still given.
async fn facilities_without_the_ranked_kind_are_listed_last(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<_> = (0..3)
        .map(|hospital| generate(dir.path(), hospital, 300))
        .collect();
    let sheets: Vec<Sheet> = paths.iter().map(Sheet::read).collect();
    // The codes of rows stating a discounted cash price.
    let codes_of = |sheet: &Sheet| -> BTreeSet<(String, String)> {
        sheet
            .priced_rows()
            .iter()
            .filter(|(_, row)| sheet.cell(row, "standard_charge|discounted_cash").is_some())
            .flat_map(|(_, row)| sheet.codes(row))
            .collect()
    };
    let (code_type, code) = codes_of(&sheets[0])
        .intersection(&codes_of(&sheets[1]))
        .find(|code| codes_of(&sheets[2]).contains(*code))
        .cloned()
        .expect("a code all three price");
    let with_code = |sheet: &Sheet, row: &csv::StringRecord| {
        sheet
            .codes(row)
            .contains(&(code_type.clone(), code.clone()))
    };
    let cash = sheets[2].column("standard_charge|discounted_cash");
    let third = &sheets[2];
    rewrite(&paths[2], |number, cells| {
        let row = &third.rows[number - 1];
        if number >= 4 && with_code(third, row) {
            cells[cash] = String::new();
        }
    });
    let mut connection = db.migrated();
    for path in &paths {
        import(&mut connection, path.to_str().unwrap());
    }
    let app = TestApp::spawn(db).await;

    let lowest_cash = |sheet: &Sheet| -> f64 {
        sheet
            .priced_rows()
            .iter()
            .filter(|(_, row)| with_code(sheet, row))
            .filter_map(|(_, row)| sheet.cell(row, "standard_charge|discounted_cash"))
            .map(|text| text.parse::<f64>().unwrap())
            .fold(f64::INFINITY, f64::min)
    };
    let mut ranked: Vec<(f64, String)> = sheets[..2]
        .iter()
        .map(|sheet| (lowest_cash(sheet), sheet.header("hospital_name").to_owned()))
        .collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0));

    for path in [
        format!("/v1/codes/{code_type}/{code}/compare"),
        format!("/v1/codes/{code_type}/{code}/compare?kind=discounted_cash"),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let items = body["items"].as_array().unwrap();
        let served: Vec<(String, Option<f64>)> = items
            .iter()
            .map(|item| {
                (
                    item["facility"]["name"].as_str().unwrap().to_owned(),
                    item["price"].as_str().map(|price| price.parse().unwrap()),
                )
            })
            .collect();
        let mut wanted: Vec<(String, Option<f64>)> = ranked
            .iter()
            .map(|(price, name)| (name.clone(), Some(*price)))
            .collect();
        wanted.push((sheets[2].header("hospital_name").to_owned(), None));
        assert_eq!(served, wanted, "{path}");
        let last = &items[2];
        assert!(
            !last["kinds"].as_array().unwrap().is_empty()
                && !last["kinds"]
                    .as_array()
                    .unwrap()
                    .contains(&"discounted_cash".into()),
            "{last}"
        );
        // Page by page, the unranked facility still comes once, last.
        let (_, first) = app
            .get(&format!(
                "{path}{}limit=2",
                if path.contains('?') { '&' } else { '?' }
            ))
            .await;
        let next = first["page"]["next"].as_str().unwrap().to_owned();
        let (_, second) = app.get(&next).await;
        assert_eq!(second["items"].as_array().unwrap(), &items[2..], "{second}");
        assert!(second["page"]["next"].is_null(), "{second}");
    }
}
on_both_backends!(async facilities_without_the_ranked_kind_are_listed_last);
