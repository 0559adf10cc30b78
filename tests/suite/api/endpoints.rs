//! Every /v1 endpoint, black-box on both backends, answering what the imported generated files say:
//! each expectation is computed from the files' own cells, never from the importer.

use std::collections::{BTreeMap, BTreeSet};

use priceline_synth::Hospital;
use serde_json::{Value, json};

use super::sample::{
    FIRST_DATA_ROW, OLDER_DATE, SEED, Sheet, app_with_sample, generate, rewrite, walk,
};
use crate::import::import;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

fn amount(text: &str) -> f64 {
    text.parse().unwrap()
}

/// `text` contains `part`, in any case: how the API's text filters match.
fn contains(text: &str, part: &str) -> bool {
    text.to_lowercase().contains(&part.to_lowercase())
}

/// The provenance rows of every line `query` serves (in one page).
async fn served_rows(app: &TestApp, query: &str) -> BTreeSet<usize> {
    let (status, body) = app.get(&format!("{query}&limit=1000")).await;
    assert_eq!(status, 200, "{query}: {body}");
    assert!(body["page"]["next"].is_null(), "{query}: one page");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["provenance"]["row"].as_u64().unwrap() as usize)
        .collect()
}

async fn facility_id(app: &TestApp, query: &str) -> i64 {
    let (_, list) = app.get(&format!("/v1/facilities?{query}")).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "{query}: {list}"
    );
    list["items"][0]["id"].as_i64().unwrap()
}

/// The price-line fields that are cells of the Tall file, by column.
const CHARGE_CELLS: [(&str, &str); 6] = [
    ("drug_unit", "drug_unit_of_measurement"),
    ("drug_unit_type", "drug_type_of_measurement"),
    ("gross", "standard_charge|gross"),
    ("discounted_cash", "standard_charge|discounted_cash"),
    ("minimum", "standard_charge|min"),
    ("maximum", "standard_charge|max"),
];
const RATE_CELLS: [(&str, &str); 10] = [
    ("payer_name", "payer_name"),
    ("plan_name", "plan_name"),
    ("negotiated_dollar", "standard_charge|negotiated_dollar"),
    (
        "negotiated_percentage",
        "standard_charge|negotiated_percentage",
    ),
    (
        "negotiated_algorithm",
        "standard_charge|negotiated_algorithm",
    ),
    ("median_amount", "median_amount"),
    ("percentile_10th", "10th_percentile"),
    ("percentile_90th", "90th_percentile"),
    ("count", "count"),
    ("methodology", "standard_charge|methodology"),
];

async fn every_price_line_is_its_row_of_the_file(db: TestDb) {
    let sample = app_with_sample(db).await;
    let (app, file) = (&sample.app, &sample.current);
    let hospital = Hospital::new(SEED, 0);
    let id = facility_id(app, &format!("license_number={}", hospital.license_number)).await;
    let (status, body) = app
        .get(&format!("/v1/prices?facility_id={id}&limit=1000"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["page"]["next"].is_null(), "one page");
    let mut seen = BTreeSet::new();
    for line in body["items"].as_array().unwrap() {
        let number = line["provenance"]["row"].as_u64().unwrap() as usize;
        assert!(seen.insert(number), "row {number} served twice");
        let row = &file.rows[number - 1];
        let at = format!("row {number}: {line}");
        assert_eq!(line["provenance"]["file_name"], file.file_name(), "{at}");
        assert_eq!(
            line["provenance"]["last_updated_on"], hospital.last_updated_on,
            "{at}"
        );
        assert_eq!(line["facility"]["id"], id, "{at}");
        assert_eq!(line["description"], file.text(row, "description"), "{at}");
        let served_codes: Vec<(String, String)> = line["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let text = |field: &str| c[field].as_str().unwrap().to_owned();
                (text("code_type"), text("code"))
            })
            .collect();
        assert_eq!(served_codes, file.codes(row), "{at}");
        assert_eq!(line["setting"], file.text(row, "setting"), "{at}");
        let modifiers: Vec<&str> = file
            .text(row, "modifiers")
            .split('|')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .collect();
        assert_eq!(line["modifiers"], json!(modifiers), "{at}");
        for (field, column) in CHARGE_CELLS {
            assert_eq!(line[field], file.cell_json(row, column), "{at}: {field}");
        }
        let rate = &line["payer_rate"];
        if file.cell(row, "payer_name").is_none() {
            assert!(rate.is_null(), "{at}: a charge without a payer rate");
            continue;
        }
        for (field, column) in RATE_CELLS {
            let want = file.cell_json(row, column);
            assert_eq!(rate[field], want, "{at}: payer_rate.{field}");
        }
    }
    let expected: BTreeSet<usize> = file.priced_rows().iter().map(|(n, _)| *n).collect();
    assert_eq!(seen, expected, "one line per priced row of the file");

    // Each filter selects exactly the rows whose cells say so; its values are taken from the file.
    let select = |keep: &dyn Fn(&csv::StringRecord) -> bool| -> BTreeSet<usize> {
        file.priced_rows()
            .into_iter()
            .filter(|(_, row)| keep(row))
            .map(|(n, _)| n)
            .collect()
    };
    let first = |column: &str| -> String {
        file.priced_rows()
            .iter()
            .find_map(|(_, row)| file.cell(row, column))
            .unwrap_or_else(|| panic!("the file has a {column}"))
    };
    let (payer, plan) = (first("payer_name"), first("plan_name"));
    let methodology = first("standard_charge|methodology");
    let hcpcs = file
        .priced_rows()
        .iter()
        .find_map(|(_, row)| {
            file.codes(row)
                .into_iter()
                .find(|(kind, _)| kind == "HCPCS")
        })
        .expect("the file has an HCPCS code")
        .1;
    let word = file
        .text(file.priced_rows()[0].1, "description")
        .split_whitespace()
        .max_by_key(|word| word.len())
        .unwrap()
        .to_uppercase();
    let cell_in = |row: &csv::StringRecord, column: &str, range: std::ops::RangeInclusive<f64>| {
        file.cell(row, column)
            .is_some_and(|value| range.contains(&amount(&value)))
    };
    let gross: Vec<f64> = file
        .priced_rows()
        .iter()
        .filter_map(|(_, row)| file.cell(row, "standard_charge|gross"))
        .map(|value| amount(&value))
        .collect();
    let median_gross = {
        let mut sorted = gross.clone();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    };
    let base = format!("/v1/prices?facility_id={id}");
    let cases: Vec<(String, BTreeSet<usize>)> = vec![
        (
            format!("&payer={}&plan={}", encode(&payer), encode(&plan)),
            select(&|r| {
                contains(file.text(r, "payer_name"), &payer)
                    && contains(file.text(r, "plan_name"), &plan)
            }),
        ),
        (
            format!("&methodology={}", encode(&methodology)),
            select(&|r| file.text(r, "standard_charge|methodology") == methodology),
        ),
        (
            "&setting=inpatient".to_owned(),
            select(&|r| ["inpatient", "both"].contains(&file.text(r, "setting"))),
        ),
        (
            format!("&q={}", encode(&word)),
            select(&|r| contains(file.text(r, "description"), &word)),
        ),
        (
            format!("&code={hcpcs}&code_type=hcpcs"),
            select(&|r| file.codes(r).contains(&("HCPCS".into(), hcpcs.clone()))),
        ),
        (
            format!("&kind=gross&max_amount={median_gross}"),
            select(&|r| cell_in(r, "standard_charge|gross", 0.0..=median_gross)),
        ),
        (
            "&kind=negotiated_percentage&min_amount=70".to_owned(),
            select(&|r| cell_in(r, "standard_charge|negotiated_percentage", 70.0..=f64::MAX)),
        ),
        (
            "&kind=negotiated_dollar&min_amount=250&max_amount=1500".to_owned(),
            select(&|r| cell_in(r, "standard_charge|negotiated_dollar", 250.0..=1500.0)),
        ),
        (
            "&kind=negotiated_algorithm".to_owned(),
            select(&|r| {
                file.cell(r, "standard_charge|negotiated_algorithm")
                    .is_some()
            }),
        ),
    ];
    for (filter, expected) in cases {
        assert!(!expected.is_empty(), "{filter}: the file has such rows");
        assert_eq!(
            served_rows(app, &format!("{base}{filter}")).await,
            expected,
            "{filter}"
        );
    }

    // Sorted by amount: the file's amounts in order, each line its own row's.
    let (_, dearest) = app
        .get(&format!("{base}&kind=gross&sort=-amount&limit=1000"))
        .await;
    let served: Vec<f64> = dearest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            let number = line["provenance"]["row"].as_u64().unwrap() as usize;
            let value = line["gross"].as_str().unwrap();
            let row = &file.rows[number - 1];
            assert_eq!(
                Some(value.to_owned()),
                file.cell(row, "standard_charge|gross")
            );
            amount(value)
        })
        .collect();
    // Sorted by an amount of the charge, each standard charge is one line: rows of one charge
    // share its item, setting and modifiers.
    let charges: BTreeSet<String> = file
        .priced_rows()
        .iter()
        .filter(|(_, row)| file.cell(row, "standard_charge|gross").is_some())
        .map(|(_, row)| {
            format!(
                "{} {:?} {} {}",
                file.text(row, "description"),
                file.codes(row),
                file.text(row, "setting"),
                file.text(row, "modifiers")
            )
        })
        .collect();
    assert!(charges.len() < gross.len(), "some charge has several rates");
    assert_eq!(served.len(), charges.len());
    assert!(
        served.windows(2).all(|pair| pair[0] >= pair[1]),
        "dearest first: {served:?}"
    );
}
on_both_backends!(async every_price_line_is_its_row_of_the_file);

/// A query-string value: the few characters generated names hold that a URL must escape.
fn encode(text: &str) -> String {
    text.replace('%', "%25")
        .replace(' ', "%20")
        .replace('&', "%26")
        .replace('+', "%2B")
        .replace('#', "%23")
}

fn split_list(text: &str) -> Vec<String> {
    text.split('|').map(|part| part.trim().to_owned()).collect()
}

async fn facility_detail_and_snapshots_are_the_files_headers(db: TestDb) {
    let sample = app_with_sample(db).await;
    let (app, current, older) = (&sample.app, &sample.current, &sample.older);
    let id = facility_id(
        app,
        &format!("license_number={}", current.header("license_number")),
    )
    .await;
    let (status, detail) = app.get(&format!("/v1/facilities/{id}")).await;
    assert_eq!(status, 200, "{detail}");
    let facility = &detail["facility"];
    assert_eq!(facility["name"], current.header("hospital_name"));
    assert_eq!(
        facility["last_updated_on"],
        current.header("last_updated_on")
    );
    // `license_number|XX`: the state is in the column name.
    let license_key = current.rows[0]
        .iter()
        .find(|k| k.starts_with("license_number|"))
        .unwrap();
    assert_eq!(
        facility["license_state"],
        license_key["license_number|".len()..]
    );
    assert_eq!(facility["license_number"], current.header("license_number"));
    assert_eq!(
        facility["npis"],
        json!(split_list(current.header("type_2_npi")))
    );
    let locations = facility["locations"].as_array().unwrap();
    let names: Vec<&str> = locations
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    let addresses: Vec<&str> = locations
        .iter()
        .map(|l| l["address"].as_str().unwrap())
        .collect();
    assert_eq!(names, split_list(current.header("location_name")));
    assert_eq!(addresses, split_list(current.header("hospital_address")));
    // `123 Main St, Springfield, IL 62701`: the city and ZIP are read from the address.
    let first_address: Vec<&str> = addresses[0].split(", ").collect();
    assert_eq!(locations[0]["city"], first_address[1]);
    assert_eq!(
        locations[0]["zip"],
        first_address[2].rsplit(' ').next().unwrap()
    );

    let snapshot = &detail["snapshot"];
    assert_eq!(snapshot["file_name"], current.file_name());
    assert_eq!(snapshot["declared_version"], current.header("version"));
    assert_eq!(snapshot["hospital_name"], current.header("hospital_name"));
    assert_eq!(snapshot["attester_name"], current.header("attester_name"));
    assert_eq!(snapshot["attestation_confirmed"], true);
    assert_eq!(snapshot["current"], true);
    assert_eq!(snapshot["format"], "csv-tall");
    let counts = &snapshot["counts"];
    assert_eq!(
        counts["rows_read"],
        current.rows.len() - (FIRST_DATA_ROW - 1)
    );
    let rates = |sheet: &Sheet| {
        sheet
            .priced_rows()
            .iter()
            .filter(|(_, row)| sheet.cell(row, "payer_name").is_some())
            .count()
    };
    assert_eq!(counts["payer_rates"], rates(current));
    assert_eq!(counts["quarantined"], 0);
    assert_eq!(counts["errors"], 0);
    assert_eq!(snapshot["id"], facility["source_file_id"]);

    // Its history: both files, newest first, each the same as /v1/source-files/{id} says.
    let (status, snapshots) = app.get(&format!("/v1/facilities/{id}/snapshots")).await;
    assert_eq!(status, 200, "{snapshots}");
    let items = snapshots["items"].as_array().unwrap();
    let dates: Vec<&str> = items
        .iter()
        .map(|s| s["last_updated_on"].as_str().unwrap())
        .collect();
    assert_eq!(dates, [current.header("last_updated_on"), OLDER_DATE]);
    let current_flags: Vec<bool> = items
        .iter()
        .map(|s| s["current"].as_bool().unwrap())
        .collect();
    assert_eq!(current_flags, [true, false]);
    assert_eq!(
        items[1]["counts"]["rows_read"],
        older.rows.len() - (FIRST_DATA_ROW - 1)
    );
    assert_eq!(items[1]["counts"]["payer_rates"], rates(older));
    assert_eq!(
        &json!(items),
        &detail["source_files"],
        "the detail lists the same files"
    );
    for item in items {
        let (status, file) = app.get(&format!("/v1/source-files/{}", item["id"])).await;
        assert_eq!(status, 200);
        assert_eq!(&file, item);
    }
    // As of a day before the current file, the older one was in force.
    let (_, old) = app
        .get(&format!("/v1/facilities/{id}?as_of={OLDER_DATE}"))
        .await;
    assert_eq!(old["snapshot"]["last_updated_on"], OLDER_DATE, "{old}");

    // The other hospital: its own header, one snapshot; before any file, no facility.
    let other = &sample.other;
    let second = facility_id(
        app,
        &format!("license_number={}", other.header("license_number")),
    )
    .await;
    let (_, detail) = app.get(&format!("/v1/facilities/{second}")).await;
    assert_eq!(detail["facility"]["name"], other.header("hospital_name"));
    let (_, history) = app.get(&format!("/v1/facilities/{second}/snapshots")).await;
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    let (_, before) = app.get("/v1/facilities?as_of=2020-01-01").await;
    assert_eq!(before["page"]["total"], 0, "{before}");
    let (status, _) = app
        .get(&format!("/v1/facilities/{id}?as_of=2020-01-01"))
        .await;
    assert_eq!(status, 404);
}
on_both_backends!(async facility_detail_and_snapshots_are_the_files_headers);

/// Seven generated hospitals, one of which has rows naming a setting that does not exist.
struct Hospitals {
    app: TestApp,
    files: Vec<(String, Sheet)>,
    _dir: tempfile::TempDir,
}

const HOSPITALS: usize = 7;
/// The hospital whose data rows `FAULTY_ROWS` name a setting that does not exist.
const FAULTY: usize = 2;
const FAULTY_ROWS: std::ops::Range<usize> = 7..16;

async fn seven_hospitals(db: TestDb) -> Hospitals {
    let mut connection = db.migrated();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for k in 0..HOSPITALS {
        let path = generate(dir.path(), k, 400);
        if k == FAULTY {
            let setting = Sheet::read(&path).column("setting");
            rewrite(&path, |number, cells| {
                if FAULTY_ROWS.contains(&number) {
                    cells[setting] = "nowhere".to_owned();
                }
            });
        }
        import(&mut connection, path.to_str().unwrap());
        files.push((Hospital::new(SEED, k).name, Sheet::read(path)));
    }
    Hospitals {
        app: TestApp::spawn(db).await,
        files,
        _dir: dir,
    }
}

impl Hospitals {
    /// The (code type, code) pairs the hospitals price, those priced by most hospitals first, with
    /// how many price each.
    fn codes_by_reach(&self) -> Vec<((String, String), usize)> {
        let mut hospitals: BTreeMap<(String, String), BTreeSet<usize>> = BTreeMap::new();
        for (k, (_, file)) in self.files.iter().enumerate() {
            for (_, row) in file.priced_rows() {
                for code in file.codes(row) {
                    hospitals.entry(code).or_default().insert(k);
                }
            }
        }
        let mut codes: Vec<_> = hospitals
            .into_iter()
            .map(|(code, k)| (code, k.len()))
            .collect();
        codes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        codes
    }

    /// A code every hospital gives a gross charge for.
    fn code_with_gross_everywhere(&self) -> (String, String) {
        self.codes_by_reach()
            .into_iter()
            .map(|(code, _)| code)
            .find(|code| {
                self.files
                    .iter()
                    .all(|(_, file)| !gross_of(file, code).is_empty())
            })
            .expect("a code with a gross charge at every hospital")
    }
}

/// The gross charges a file states for a code.
fn gross_of(file: &Sheet, code: &(String, String)) -> Vec<String> {
    file.priced_rows()
        .into_iter()
        .filter(|(_, row)| file.codes(row).contains(code))
        .filter_map(|(_, row)| file.cell(row, "standard_charge|gross"))
        .collect()
}

async fn lists_page_over_more_than_three_pages_without_gaps_or_repeats(db: TestDb) {
    let hospitals = seven_hospitals(db).await;
    let app = &hospitals.app;
    let (_, files) = app.get("/v1/source-files?limit=1000").await;
    let faulty = files["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["hospital_name"] == hospitals.files[FAULTY].0)
        .unwrap()["id"]
        .clone();
    let (code_type, code) = hospitals.code_with_gross_everywhere();
    let payer = {
        let file = &hospitals.files[0].1;
        let (_, row) = file
            .priced_rows()
            .into_iter()
            .find(|(_, row)| file.cell(row, "payer_name").is_some())
            .unwrap();
        encode(file.text(row, "payer_name"))
    };
    for first in [
        format!("/v1/prices?code_type={code_type}&code={code}&limit=3"),
        format!("/v1/prices?code_type={code_type}&code={code}&kind=gross&sort=amount&limit=3"),
        format!("/v1/prices?payer={payer}&code={code}&kind=negotiated_dollar&sort=-amount&limit=1"),
        "/v1/facilities?limit=2".to_owned(),
        "/v1/payers?limit=2".to_owned(),
        "/v1/source-files?limit=2".to_owned(),
        format!("/v1/source-files/{faulty}/findings?limit=2"),
        format!("/v1/codes/{code_type}/{code}/compare?kind=gross&limit=2"),
    ] {
        let (paged, pages) = walk(app, &first).await;
        assert!(pages > 3, "{first}: {pages} pages");
        // Every path above ends with its limit: the same request in one page.
        let whole_path = format!("{}limit=1000", first.rsplit_once("limit=").unwrap().0);
        let (status, whole) = app.get(&whole_path).await;
        assert_eq!(status, 200, "{whole_path}: {whole}");
        let whole = whole["items"].as_array().unwrap();
        assert_eq!(
            &paged, whole,
            "{first}: the pages are the one-page answer, in order"
        );
        let distinct: BTreeSet<String> = paged.iter().map(Value::to_string).collect();
        assert_eq!(distinct.len(), paged.len(), "{first}: no duplicates");
    }
    let (_, facilities) = app.get("/v1/facilities?limit=2").await;
    assert_eq!(facilities["page"]["total"], HOSPITALS);
    let (paged, _) = walk(app, "/v1/facilities?limit=2").await;
    let names: Vec<&str> = paged.iter().map(|f| f["name"].as_str().unwrap()).collect();
    let mut sorted: Vec<&str> = hospitals
        .files
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    sorted.sort();
    assert_eq!(names, sorted, "by name");
}
on_both_backends!(async lists_page_over_more_than_three_pages_without_gaps_or_repeats);

async fn payers_compare_statistics_and_findings_agree_with_the_files(db: TestDb) {
    let hospitals = seven_hospitals(db).await;
    let app = &hospitals.app;
    let files = &hospitals.files;

    // Payers: each plan with the facilities and rates the files give it, by payer then plan.
    let mut expected: BTreeMap<(String, String), (BTreeSet<String>, u64)> = BTreeMap::new();
    for (name, file) in files {
        for (_, row) in file.priced_rows() {
            let Some(payer) = file.cell(row, "payer_name") else {
                continue;
            };
            let plan = file.cell(row, "plan_name").unwrap_or_default();
            let entry = expected.entry((payer, plan)).or_default();
            entry.0.insert(name.clone());
            entry.1 += 1;
        }
    }
    let (_, payers) = app.get("/v1/payers?limit=1000").await;
    let served: Vec<((String, String), (u64, u64))> = payers["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let counts = (
                p["facilities"].as_u64().unwrap(),
                p["rates"].as_u64().unwrap(),
            );
            (payer_and_plan(p), counts)
        })
        .collect();
    let wanted: Vec<((String, String), (u64, u64))> = expected
        .iter()
        .map(|(key, (facilities, rates))| (key.clone(), (facilities.len() as u64, *rates)))
        .collect();
    assert_eq!(served, wanted);
    // A name search: the plans whose payer or plan name contains the text.
    let (payer, plan) = expected.keys().next().unwrap().clone();
    let (_, one) = app
        .get(&format!("/v1/payers?name={}&limit=1000", encode(&plan)))
        .await;
    let found: BTreeSet<(String, String)> = one["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(payer_and_plan)
        .collect();
    let matching: BTreeSet<(String, String)> = expected
        .keys()
        .filter(|(payer_name, plan_name)| contains(payer_name, &plan) || contains(plan_name, &plan))
        .cloned()
        .collect();
    assert!(found.contains(&(payer, plan.clone())), "{one}");
    assert_eq!(found, matching, "name={plan}");

    // Compare: facilities cheapest first by their own lowest gross for a code they all price.
    let codes = hospitals.codes_by_reach();
    let code = &hospitals.code_with_gross_everywhere();
    let mut ranking: Vec<(f64, &str, String)> = files
        .iter()
        .map(|(name, file)| {
            let gross = gross_of(file, code);
            let lowest = gross
                .iter()
                .min_by(|a, b| amount(a).total_cmp(&amount(b)))
                .unwrap()
                .clone();
            (amount(&lowest), name.as_str(), lowest)
        })
        .collect();
    ranking.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    let (code_type, code_text) = code;
    let (status, compare) = app
        .get(&format!(
            "/v1/codes/{code_type}/{code_text}/compare?kind=gross"
        ))
        .await;
    assert_eq!(status, 200, "{compare}");
    let items = compare["items"].as_array().unwrap();
    let served: Vec<(&str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["facility"]["name"].as_str().unwrap(),
                i["price"].as_str().unwrap(),
            )
        })
        .collect();
    let wanted: Vec<(&str, &str)> = ranking
        .iter()
        .map(|(_, name, price)| (*name, price.as_str()))
        .collect();
    assert_eq!(served, wanted, "cheapest first");
    for item in items {
        let gross = item["ranges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "gross")
            .unwrap();
        assert_eq!(gross["lowest"], item["price"]);
    }

    // Statistics: one group per setting and methodology, with the files' facilities, rates and
    // amount ranges; a per-diem rate is never mixed with a case rate.
    for ((code_type, code), _) in codes.iter().take(6) {
        #[derive(Default)]
        struct Group {
            facilities: BTreeSet<String>,
            rates: u64,
            dollars: Vec<f64>,
            gross: Vec<f64>,
        }
        let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
        for (name, file) in files {
            for (_, row) in file.priced_rows() {
                if !file.codes(row).contains(&(code_type.clone(), code.clone())) {
                    continue;
                }
                let key = (
                    file.text(row, "setting").to_owned(),
                    file.text(row, "standard_charge|methodology").to_owned(),
                );
                let group = groups.entry(key).or_default();
                group.facilities.insert(name.clone());
                group.rates += u64::from(file.cell(row, "payer_name").is_some());
                group.dollars.extend(
                    file.cell(row, "standard_charge|negotiated_dollar")
                        .map(|d| amount(&d)),
                );
                group
                    .gross
                    .extend(file.cell(row, "standard_charge|gross").map(|g| amount(&g)));
            }
        }
        let path = format!("/v1/codes/{code_type}/{code}/statistics");
        let (status, stats) = app.get(&path).await;
        assert_eq!(status, 200, "{path}: {stats}");
        let served = stats["groups"].as_array().unwrap();
        let key_of = |g: &Value| {
            (
                g["setting"].as_str().unwrap().to_owned(),
                g["methodology"].as_str().unwrap_or_default().to_owned(),
            )
        };
        let keys: BTreeSet<(String, String)> = served.iter().map(key_of).collect();
        assert_eq!(
            keys,
            groups.keys().cloned().collect(),
            "{path}: one group per setting × methodology"
        );
        assert_eq!(served.len(), groups.len(), "{path}");
        for group in served {
            let key = key_of(group);
            let want = &groups[&key];
            let at = format!("{path} {key:?}: {group}");
            assert_eq!(group["facilities"], want.facilities.len(), "{at}");
            assert_eq!(group["rates"], want.rates, "{at}");
            assert_eq!(group["small_sample"], want.facilities.len() < 3, "{at}");
            for (field, values) in [("negotiated_dollar", &want.dollars), ("gross", &want.gross)] {
                if values.is_empty() {
                    assert!(group[field].is_null(), "{at}: {field}");
                    continue;
                }
                let min = values.iter().copied().fold(f64::INFINITY, f64::min);
                let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                assert_eq!(
                    amount(group[field]["min"].as_str().unwrap()),
                    min,
                    "{at}: {field}"
                );
                assert_eq!(
                    amount(group[field]["max"].as_str().unwrap()),
                    max,
                    "{at}: {field}"
                );
            }
        }
    }

    // Findings: one error per row with an unknown setting, located at that row's cell.
    let (_, list) = app.get("/v1/source-files?limit=1000").await;
    for file in list["items"].as_array().unwrap() {
        let id = &file["id"];
        let (status, findings) = app
            .get(&format!("/v1/source-files/{id}/findings?limit=1000"))
            .await;
        assert_eq!(status, 200, "{findings}");
        let items = findings["items"].as_array().unwrap();
        if file["hospital_name"] != files[FAULTY].0 {
            assert!(items.is_empty(), "{findings}");
            assert_eq!(file["counts"]["errors"], 0);
            continue;
        }
        let faulty = &files[FAULTY].1;
        let located: BTreeSet<usize> = items
            .iter()
            .map(|finding| {
                assert_eq!(finding["severity"], "error", "{finding}");
                let location = finding["location"].as_str().unwrap();
                let (column, number) =
                    location.split_at(location.find(|c: char| c.is_ascii_digit()).unwrap());
                let number: usize = number.parse().unwrap();
                assert_eq!(column_index(column), faulty.column("setting"), "{finding}");
                assert_eq!(
                    faulty.text(&faulty.rows[number - 1], "setting"),
                    "nowhere",
                    "{finding}"
                );
                assert!(
                    finding["message"].as_str().unwrap().contains("nowhere"),
                    "{finding}"
                );
                number
            })
            .collect();
        assert_eq!(located, FAULTY_ROWS.collect::<BTreeSet<_>>());
        assert_eq!(findings["page"]["total"], FAULTY_ROWS.len());
        assert_eq!(file["counts"]["errors"], FAULTY_ROWS.len());
        assert_eq!(file["counts"]["quarantined"], FAULTY_ROWS.len());
        let (_, alerts) = app
            .get(&format!("/v1/source-files/{id}/findings?severity=alert"))
            .await;
        assert_eq!(alerts["items"].as_array().unwrap().len(), 0);
        let (_, errors) = app
            .get(&format!("/v1/source-files/{id}/findings?severity=error"))
            .await;
        assert_eq!(errors["items"].as_array().unwrap().len(), FAULTY_ROWS.len());
    }
}
on_both_backends!(async payers_compare_statistics_and_findings_agree_with_the_files);

/// A spreadsheet column's 0-based index: `A` → 0, `Z` → 25, `AA` → 26.
fn column_index(letters: &str) -> usize {
    letters.bytes().fold(0, |index, letter| {
        index * 26 + usize::from(letter - b'A' + 1)
    }) - 1
}

/// A `/v1/payers` item's payer and plan names (an absent plan as empty, as a file's empty cell).
fn payer_and_plan(item: &Value) -> (String, String) {
    (
        item["payer_name"].as_str().unwrap().to_owned(),
        item["plan_name"].as_str().unwrap_or_default().to_owned(),
    )
}
