//! Every /v1 endpoint, black-box on both backends, answering what the imported CMS example files say:
//! each expectation is computed from the files' own cells, never from the importer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::{Value, json};

use super::examples::{
    FIRST_DATA_ROW, app_with_examples, cell, cell_json, cms, get, rows, v3_tall, walk, write,
};
use crate::import::import;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

/// Columns of the v3 Tall CSV example.
mod col {
    pub const DESCRIPTION: usize = 0;
    pub const CODE_1: usize = 1;
    pub const CODE_1_TYPE: usize = 2;
    pub const CODE_2: usize = 3;
    pub const CODE_2_TYPE: usize = 4;
    pub const SETTING: usize = 5;
    pub const DRUG_UNIT: usize = 6;
    pub const DRUG_UNIT_TYPE: usize = 7;
    pub const GROSS: usize = 8;
    pub const DISCOUNTED_CASH: usize = 9;
    pub const PAYER: usize = 10;
    pub const PLAN: usize = 11;
    pub const NEGOTIATED_DOLLAR: usize = 13;
    pub const NEGOTIATED_PERCENTAGE: usize = 14;
    pub const NEGOTIATED_ALGORITHM: usize = 15;
    pub const MEDIAN: usize = 16;
    pub const PERCENTILE_10: usize = 17;
    pub const PERCENTILE_90: usize = 18;
    pub const COUNT: usize = 19;
    pub const MINIMUM: usize = 20;
    pub const MAXIMUM: usize = 21;
    pub const METHODOLOGY: usize = 22;
}

/// A data row of a file and its row number (1-based, as provenance gives it).
type Row<'a> = (usize, &'a csv::StringRecord);

/// The rows that are price lines: a code and a setting the template knows (modifier rows have no
/// code; a row with another setting is quarantined).
fn rate_rows(file: &[csv::StringRecord]) -> Vec<Row<'_>> {
    file.iter()
        .enumerate()
        .skip(FIRST_DATA_ROW - 1)
        .map(|(index, row)| (index + 1, row))
        .filter(|(_, row)| {
            cell(row, col::CODE_1).is_some()
                && ["inpatient", "outpatient", "both"].contains(&&row[col::SETTING])
        })
        .collect()
}

/// The (code type, code) pairs of a row, in column order.
fn codes(row: &csv::StringRecord) -> Vec<(String, String)> {
    [
        (col::CODE_1_TYPE, col::CODE_1),
        (col::CODE_2_TYPE, col::CODE_2),
    ]
    .into_iter()
    .filter_map(|(kind, code)| Some((cell(row, kind)?, cell(row, code)?)))
    .collect()
}

fn amount(text: &str) -> f64 {
    text.parse().unwrap()
}

/// The provenance rows of every line `query` serves (in one page).
async fn served_rows(app: &TestApp, query: &str) -> BTreeSet<usize> {
    let (status, body) = get(app, &format!("{query}&limit=1000")).await;
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
    let (_, list) = get(app, &format!("/v1/facilities?{query}")).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "{query}: {list}"
    );
    list["items"][0]["id"].as_i64().unwrap()
}

on_both_backends! {
    #[cfg_attr(no_shared_data, ignore = "../shared/data is not present")]
    fn every_price_line_is_its_row_of_the_file(db: TestDb) {
        actix_web::rt::System::new().block_on(async {
            let (app, _dir) = app_with_examples(db).await;
            let west = facility_id(&app, "license_number=50056").await;
            let file = rows(v3_tall());
            let (status, body) = get(&app, &format!("/v1/prices?facility_id={west}&limit=1000")).await;
            assert_eq!(status, 200, "{body}");
            let mut seen = BTreeSet::new();
            for line in body["items"].as_array().unwrap() {
                let number = line["provenance"]["row"].as_u64().unwrap() as usize;
                assert!(seen.insert(number), "row {number} served twice");
                let row = &file[number - 1];
                let at = format!("row {number}: {line}");
                assert_eq!(line["provenance"]["file_name"], "V3.0.0_Tall_CSV_Format_Example.csv", "{at}");
                assert_eq!(line["provenance"]["last_updated_on"], "2026-04-01", "{at}");
                assert_eq!(line["facility"]["id"], west, "{at}");
                assert_eq!(line["description"], row[col::DESCRIPTION].trim(), "{at}");
                let served_codes: Vec<(String, String)> = line["codes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| (c["code_type"].as_str().unwrap().to_owned(), c["code"].as_str().unwrap().to_owned()))
                    .collect();
                assert_eq!(served_codes, codes(row), "{at}");
                assert_eq!(line["setting"], row[col::SETTING], "{at}");
                for (field, column) in [
                    ("drug_unit", col::DRUG_UNIT),
                    ("drug_unit_type", col::DRUG_UNIT_TYPE),
                    ("gross", col::GROSS),
                    ("discounted_cash", col::DISCOUNTED_CASH),
                    ("minimum", col::MINIMUM),
                    ("maximum", col::MAXIMUM),
                ] {
                    assert_eq!(line[field], cell_json(row, column), "{at}: {field}");
                }
                let rate = &line["payer_rate"];
                for (field, column) in [
                    ("payer_name", col::PAYER),
                    ("plan_name", col::PLAN),
                    ("negotiated_dollar", col::NEGOTIATED_DOLLAR),
                    ("negotiated_percentage", col::NEGOTIATED_PERCENTAGE),
                    ("negotiated_algorithm", col::NEGOTIATED_ALGORITHM),
                    ("median_amount", col::MEDIAN),
                    ("percentile_10th", col::PERCENTILE_10),
                    ("percentile_90th", col::PERCENTILE_90),
                    ("count", col::COUNT),
                    ("methodology", col::METHODOLOGY),
                ] {
                    assert_eq!(rate[field], cell_json(row, column), "{at}: payer_rate.{field}");
                }
            }
            let expected: BTreeSet<usize> = rate_rows(&file).iter().map(|(n, _)| *n).collect();
            assert_eq!(seen, expected, "one line per priced row of the file");

            // Each filter selects exactly the rows whose cells say so.
            let select = |keep: &dyn Fn(&csv::StringRecord) -> bool| -> BTreeSet<usize> {
                rate_rows(&file).into_iter().filter(|(_, row)| keep(row)).map(|(n, _)| n).collect()
            };
            let base = format!("/v1/prices?facility_id={west}");
            let cases: Vec<(&str, BTreeSet<usize>)> = vec![
                ("&payer=region&plan=hmo", select(&|r| &r[col::PAYER] == "Region Health Insurance" && &r[col::PLAN] == "HMO")),
                ("&methodology=per%20diem", select(&|r| &r[col::METHODOLOGY] == "per diem")),
                ("&setting=inpatient", select(&|r| ["inpatient", "both"].contains(&&r[col::SETTING]))),
                ("&q=BEHAVIORAL", select(&|r| r[col::DESCRIPTION].to_lowercase().contains("behavioral"))),
                ("&code=J1450&code_type=hcpcs", select(&|r| codes(r).contains(&("HCPCS".into(), "J1450".into())))),
                ("&kind=gross&max_amount=300", select(&|r| cell(r, col::GROSS).is_some_and(|g| amount(&g) <= 300.0))),
                (
                    "&kind=negotiated_percentage&min_amount=70",
                    select(&|r| cell(r, col::NEGOTIATED_PERCENTAGE).is_some_and(|p| amount(&p) >= 70.0)),
                ),
                (
                    "&kind=negotiated_dollar&min_amount=250&max_amount=1500",
                    select(&|r| cell(r, col::NEGOTIATED_DOLLAR).is_some_and(|d| (250.0..=1500.0).contains(&amount(&d)))),
                ),
                ("&kind=negotiated_algorithm", select(&|r| cell(r, col::NEGOTIATED_ALGORITHM).is_some())),
            ];
            for (filter, expected) in cases {
                assert!(!expected.is_empty(), "{filter}: the file has such rows");
                assert_eq!(served_rows(&app, &format!("{base}{filter}")).await, expected, "{filter}");
            }

            // Sorted by amount: the file's amounts in order, each line its own row's.
            let (_, dearest) = get(&app, &format!("{base}&kind=discounted_cash&sort=-amount&limit=1000")).await;
            let cash: Vec<f64> = dearest["items"].as_array().unwrap().iter().map(|line| {
                let number = line["provenance"]["row"].as_u64().unwrap() as usize;
                let value = line["discounted_cash"].as_str().unwrap();
                assert_eq!(Some(value.to_owned()), cell(&file[number - 1], col::DISCOUNTED_CASH));
                amount(value)
            }).collect();
            assert_eq!(cash.len(), select(&|r| cell(r, col::DISCOUNTED_CASH).is_some()).len());
            assert!(cash.windows(2).all(|pair| pair[0] >= pair[1]), "dearest first: {cash:?}");
        });
    }
}

/// `4/1/2026` or `2024-07-01` as an ISO date.
fn iso_date(text: &str) -> String {
    if text.contains('-') {
        return text.to_owned();
    }
    let parts: Vec<u32> = text.split('/').map(|p| p.parse().unwrap()).collect();
    format!("{:04}-{:02}-{:02}", parts[2], parts[0], parts[1])
}

fn split_list(text: &str) -> Vec<String> {
    text.split('|').map(|part| part.trim().to_owned()).collect()
}

on_both_backends! {
    #[cfg_attr(no_shared_data, ignore = "../shared/data is not present")]
    fn facility_detail_and_snapshots_are_the_files_headers(db: TestDb) {
        actix_web::rt::System::new().block_on(async {
            let (app, _dir) = app_with_examples(db).await;
            let v3 = rows(v3_tall());
            let v2 = rows(cms("v2.0.0", "V2.0.0_Tall_CSV_Format_Example.csv"));
            let (names, values) = (&v3[0], &v3[1]);
            let id = facility_id(&app, "license_number=50056").await;
            let (status, detail) = get(&app, &format!("/v1/facilities/{id}")).await;
            assert_eq!(status, 200, "{detail}");
            let facility = &detail["facility"];
            assert_eq!(facility["name"], values[0]);
            assert_eq!(facility["last_updated_on"], iso_date(&values[1]));
            // `license_number|CA`: the state is in the column name.
            assert_eq!(&names[5], "license_number|CA");
            assert_eq!(facility["license_state"], "CA");
            assert_eq!(facility["license_number"], values[5]);
            assert_eq!(facility["npis"], json!(split_list(&values[6])));
            let locations = facility["locations"].as_array().unwrap();
            let location_names: Vec<&str> = locations.iter().map(|l| l["name"].as_str().unwrap()).collect();
            let addresses: Vec<&str> = locations.iter().map(|l| l["address"].as_str().unwrap()).collect();
            assert_eq!(location_names, split_list(&values[3]));
            assert_eq!(addresses, split_list(&values[4]));
            assert_eq!(locations[0]["city"], "Fullerton");
            assert_eq!(locations[0]["zip"], "92832");

            let snapshot = &detail["snapshot"];
            assert_eq!(snapshot["file_name"], "V3.0.0_Tall_CSV_Format_Example.csv");
            assert_eq!(snapshot["declared_version"], values[2]);
            assert_eq!(snapshot["hospital_name"], values[0]);
            assert_eq!(snapshot["attester_name"], values[8]);
            assert_eq!(snapshot["attestation_confirmed"], values[7].eq_ignore_ascii_case("true"));
            assert_eq!(snapshot["current"], true);
            assert_eq!(snapshot["format"], "csv-tall");
            let counts = &snapshot["counts"];
            assert_eq!(counts["rows_read"], v3.len() - (FIRST_DATA_ROW - 1));
            assert_eq!(counts["payer_rates"], rate_rows(&v3).len());
            assert_eq!(counts["quarantined"], 0);
            assert_eq!(counts["errors"], 0);
            assert_eq!(snapshot["id"], facility["source_file_id"]);

            // Its history: both files, newest first, each the same as /v1/source-files/{id} says.
            let (status, snapshots) = get(&app, &format!("/v1/facilities/{id}/snapshots")).await;
            assert_eq!(status, 200, "{snapshots}");
            let items = snapshots["items"].as_array().unwrap();
            let dates: Vec<&str> = items.iter().map(|s| s["last_updated_on"].as_str().unwrap()).collect();
            assert_eq!(dates, [iso_date(&v3[1][1]), iso_date(&v2[1][1])]);
            let versions: Vec<&str> = items.iter().map(|s| s["declared_version"].as_str().unwrap()).collect();
            assert_eq!(versions, [&v3[1][2], &v2[1][2]]);
            let current: Vec<bool> = items.iter().map(|s| s["current"].as_bool().unwrap()).collect();
            assert_eq!(current, [true, false]);
            assert_eq!(items[1]["counts"]["rows_read"], v2.len() - (FIRST_DATA_ROW - 1));
            assert_eq!(&json!(items), &detail["source_files"], "the detail lists the same files");
            for item in items {
                let (status, file) = get(&app, &format!("/v1/source-files/{}", item["id"])).await;
                assert_eq!(status, 200);
                assert_eq!(&file, item);
            }

            // The other hospital: its own header, one snapshot; before any file, no facility.
            let east = facility_id(&app, "license_number=70077").await;
            let (_, other) = get(&app, &format!("/v1/facilities/{east}")).await;
            assert_eq!(other["facility"]["name"], "East Valley Hospital");
            assert_eq!(other["facility"]["locations"][0]["city"], "Sacramento");
            let (_, history) = get(&app, &format!("/v1/facilities/{east}/snapshots")).await;
            assert_eq!(history["items"].as_array().unwrap().len(), 1);
            let (_, before) = get(&app, "/v1/facilities?as_of=2020-01-01").await;
            assert_eq!(before["page"]["total"], 0, "{before}");
            let (status, _) = get(&app, &format!("/v1/facilities/{id}?as_of=2020-01-01")).await;
            assert_eq!(status, 404);
        });
    }
}

/// Seven hospitals, each the v3 example under its own name, license and plan names ("PPO 3"), with its
/// own gross charge for CPT 70551; one of them has rows with an unknown setting.
struct Hospitals {
    app: TestApp,
    files: Vec<(String, PathBuf)>,
    _dir: tempfile::TempDir,
}

/// Names in an order unlike import order, so sorting by name is not the order of ids.
const NAMES: [&str; 7] = [
    "Hospital D",
    "Hospital A",
    "Hospital F",
    "Hospital C",
    "Hospital G",
    "Hospital B",
    "Hospital E",
];
/// Gross charges for CPT 70551, cheapest neither first nor last by name or by id.
const GROSS_70551: [&str; 7] = ["1500", "900.5", "1300", "700", "1100.25", "1700", "1000"];
/// The hospital whose data rows `FAULTY_ROWS` name a setting that does not exist.
const FAULTY: usize = 2;
const FAULTY_ROWS: std::ops::Range<usize> = 7..16;

async fn seven_hospitals(db: TestDb) -> Hospitals {
    let mut connection = db.migrated();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(v3_tall()).unwrap();
    let mut files = Vec::new();
    for (k, name) in NAMES.iter().enumerate() {
        let lines: Vec<String> = text
            .split('\n')
            .enumerate()
            .map(|(index, line)| {
                let number = index + 1;
                if number == 2 {
                    return line
                        .replacen(
                            "West Mercy Hospital,4/1/2026",
                            &format!("{name},4/1/2026"),
                            1,
                        )
                        .replacen(
                            "West Mercy Hospital|West Mercy Surgical Center",
                            &format!("{name} Main|{name} Annex"),
                            1,
                        )
                        .replacen(",50056,", &format!(",{},", 60001 + k), 1);
                }
                if number < FIRST_DATA_ROW {
                    return line.to_owned();
                }
                let mut line = line
                    .replacen(",PPO,", &format!(",PPO {k},"), 1)
                    .replacen(",HMO,", &format!(",HMO {k},"), 1)
                    .replacen(
                        ",70551,CPT,outpatient,,,1200,",
                        &format!(",70551,CPT,outpatient,,,{},", GROSS_70551[k]),
                        1,
                    );
                if k == FAULTY && FAULTY_ROWS.contains(&number) {
                    line = line.replacen(",outpatient,", ",nowhere,", 1).replacen(
                        ",inpatient,",
                        ",nowhere,",
                        1,
                    );
                }
                line
            })
            .collect();
        let path = write(dir.path(), &format!("hospital-{k}.csv"), &lines.join("\n"));
        import(&mut connection, path.to_str().unwrap());
        files.push((name.to_string(), path));
    }
    Hospitals {
        app: TestApp::spawn(db).await,
        files,
        _dir: dir,
    }
}

on_both_backends! {
    #[cfg_attr(no_shared_data, ignore = "../shared/data is not present")]
    fn lists_page_over_more_than_three_pages_without_gaps_or_repeats(db: TestDb) {
        actix_web::rt::System::new().block_on(async {
            let hospitals = seven_hospitals(db).await;
            let app = &hospitals.app;
            let (_, files) = get(app, "/v1/source-files?limit=1000").await;
            let faulty = files["items"].as_array().unwrap().iter()
                .find(|f| f["hospital_name"] == NAMES[FAULTY]).unwrap()["id"].clone();
            for first in [
                "/v1/prices?code_type=CPT&limit=3".to_owned(),
                "/v1/prices?code_type=CPT&kind=gross&sort=amount&limit=3".to_owned(),
                "/v1/prices?payer=region&kind=negotiated_dollar&sort=-amount&limit=4".to_owned(),
                "/v1/facilities?limit=2".to_owned(),
                "/v1/payers?limit=2".to_owned(),
                "/v1/source-files?limit=2".to_owned(),
                format!("/v1/source-files/{faulty}/findings?limit=2"),
                "/v1/codes/CPT/70551/compare?kind=gross&limit=2".to_owned(),
            ] {
                let (paged, pages) = walk(app, &first).await;
                assert!(pages > 3, "{first}: {pages} pages");
                // Every path above ends with its limit: the same request in one page.
                let whole_path = format!("{}limit=1000", first.rsplit_once("limit=").unwrap().0);
                let (status, whole) = get(app, &whole_path).await;
                assert_eq!(status, 200, "{whole_path}: {whole}");
                let whole = whole["items"].as_array().unwrap();
                assert_eq!(&paged, whole, "{first}: the pages are the one-page answer, in order");
                let distinct: BTreeSet<String> = paged.iter().map(Value::to_string).collect();
                assert_eq!(distinct.len(), paged.len(), "{first}: no duplicates");
            }
            let (_, facilities) = get(app, "/v1/facilities?limit=2").await;
            assert_eq!(facilities["page"]["total"], 7);
            let (paged, _) = walk(app, "/v1/facilities?limit=2").await;
            let names: Vec<&str> = paged.iter().map(|f| f["name"].as_str().unwrap()).collect();
            let mut sorted = NAMES.to_vec();
            sorted.sort();
            assert_eq!(names, sorted, "by name");
        });
    }
}

on_both_backends! {
    #[cfg_attr(no_shared_data, ignore = "../shared/data is not present")]
    fn payers_compare_statistics_and_findings_agree_with_the_files(db: TestDb) {
        actix_web::rt::System::new().block_on(async {
            let hospitals = seven_hospitals(db).await;
            let app = &hospitals.app;
            let files: Vec<(String, Vec<csv::StringRecord>)> =
                hospitals.files.iter().map(|(name, path)| (name.clone(), rows(path))).collect();

            // Payers: each plan with the facilities and rates the files give it, by payer then plan.
            let mut expected: BTreeMap<(String, String), (BTreeSet<String>, u64)> = BTreeMap::new();
            for (name, file) in &files {
                for (_, row) in rate_rows(file) {
                    let entry = expected.entry((row[col::PAYER].to_owned(), row[col::PLAN].to_owned())).or_default();
                    entry.0.insert(name.clone());
                    entry.1 += 1;
                }
            }
            let (_, payers) = get(app, "/v1/payers?limit=1000").await;
            let served: Vec<((String, String), (u64, u64))> = payers["items"].as_array().unwrap().iter().map(|p| (
                (p["payer_name"].as_str().unwrap().to_owned(), p["plan_name"].as_str().unwrap().to_owned()),
                (p["facilities"].as_u64().unwrap(), p["rates"].as_u64().unwrap()),
            )).collect();
            let wanted: Vec<((String, String), (u64, u64))> = expected.iter()
                .map(|(key, (facilities, rates))| (key.clone(), (facilities.len() as u64, *rates)))
                .collect();
            assert_eq!(served, wanted);
            let (_, one) = get(app, "/v1/payers?name=hmo%203").await;
            assert_eq!(one["items"].as_array().unwrap().len(), 1, "{one}");
            assert_eq!(one["items"][0]["plan_name"], "HMO 3");

            // Compare: facilities cheapest first by their own gross for CPT 70551.
            let mut ranking: Vec<(f64, &str, String)> = files.iter().map(|(name, file)| {
                let gross: Vec<String> = rate_rows(file).into_iter()
                    .filter(|(_, row)| codes(row).contains(&("CPT".into(), "70551".into())))
                    .filter_map(|(_, row)| cell(row, col::GROSS))
                    .collect();
                let lowest = gross.iter().min_by(|a, b| amount(a).total_cmp(&amount(b))).unwrap().clone();
                (amount(&lowest), name.as_str(), lowest)
            }).collect();
            ranking.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (status, compare) = get(app, "/v1/codes/cpt/70551/compare?kind=gross").await;
            assert_eq!(status, 200, "{compare}");
            let items = compare["items"].as_array().unwrap();
            let served: Vec<(&str, &str)> = items.iter()
                .map(|i| (i["facility"]["name"].as_str().unwrap(), i["price"].as_str().unwrap()))
                .collect();
            let wanted: Vec<(&str, &str)> = ranking.iter().map(|(_, name, price)| (*name, price.as_str())).collect();
            assert_eq!(served, wanted, "cheapest first");
            for item in items {
                let gross = item["ranges"].as_array().unwrap().iter().find(|r| r["kind"] == "gross").unwrap();
                assert_eq!(gross["lowest"], item["price"]);
            }
            let (_, inpatient) = get(app, "/v1/codes/CPT/70551/compare?setting=inpatient").await;
            assert_eq!(inpatient["items"].as_array().unwrap().len(), 0, "70551 is outpatient only");

            // Statistics: one group per setting and methodology, with the files' facilities, rates
            // and amount ranges; a per-diem rate is never mixed with a case rate.
            for (code_type, code) in [("CPT", "70551"), ("CPT", "49505"), ("RC", "120"), ("MS-DRG", "470"), ("HCPCS", "H0017"), ("CPT", "99283")] {
                #[derive(Default)]
                struct Group { facilities: BTreeSet<String>, rates: u64, dollars: Vec<f64>, gross: Vec<f64> }
                let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
                for (name, file) in &files {
                    for (_, row) in rate_rows(file) {
                        if !codes(row).contains(&(code_type.into(), code.into())) {
                            continue;
                        }
                        let group = groups.entry((row[col::SETTING].to_owned(), row[col::METHODOLOGY].to_owned())).or_default();
                        group.facilities.insert(name.clone());
                        group.rates += 1;
                        group.dollars.extend(cell(row, col::NEGOTIATED_DOLLAR).map(|d| amount(&d)));
                        group.gross.extend(cell(row, col::GROSS).map(|g| amount(&g)));
                    }
                }
                let path = format!("/v1/codes/{code_type}/{code}/statistics");
                let (status, stats) = get(app, &path).await;
                assert_eq!(status, 200, "{path}: {stats}");
                let served = stats["groups"].as_array().unwrap();
                let keys: BTreeSet<(String, String)> = served.iter().map(|g| (
                    g["setting"].as_str().unwrap().to_owned(),
                    g["methodology"].as_str().unwrap().to_owned(),
                )).collect();
                assert_eq!(keys, groups.keys().cloned().collect(), "{path}: one group per setting × methodology");
                assert_eq!(served.len(), groups.len(), "{path}");
                for group in served {
                    let key = (group["setting"].as_str().unwrap().to_owned(), group["methodology"].as_str().unwrap().to_owned());
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
                        assert_eq!(amount(group[field]["min"].as_str().unwrap()), min, "{at}: {field}");
                        assert_eq!(amount(group[field]["max"].as_str().unwrap()), max, "{at}: {field}");
                    }
                }
            }

            // Findings: one error per row with an unknown setting, located at that row's cell.
            let (_, list) = get(app, "/v1/source-files?limit=1000").await;
            for file in list["items"].as_array().unwrap() {
                let id = &file["id"];
                let (status, findings) = get(app, &format!("/v1/source-files/{id}/findings?limit=1000")).await;
                assert_eq!(status, 200, "{findings}");
                let items = findings["items"].as_array().unwrap();
                if file["hospital_name"] != NAMES[FAULTY] {
                    assert!(items.is_empty(), "{findings}");
                    assert_eq!(file["counts"]["errors"], 0);
                    continue;
                }
                let faulty = &files[FAULTY].1;
                let located: BTreeSet<usize> = items.iter().map(|finding| {
                    assert_eq!(finding["severity"], "error", "{finding}");
                    let location = finding["location"].as_str().unwrap();
                    let number: usize = location.strip_prefix('F').unwrap().parse().unwrap();
                    assert_eq!(&faulty[number - 1][col::SETTING], "nowhere", "{finding}");
                    assert!(finding["message"].as_str().unwrap().contains("nowhere"), "{finding}");
                    number
                }).collect();
                assert_eq!(located, FAULTY_ROWS.collect::<BTreeSet<_>>());
                assert_eq!(findings["page"]["total"], FAULTY_ROWS.len());
                assert_eq!(file["counts"]["errors"], FAULTY_ROWS.len());
                assert_eq!(file["counts"]["quarantined"], FAULTY_ROWS.len());
                let (_, alerts) = get(app, &format!("/v1/source-files/{id}/findings?severity=alert")).await;
                assert_eq!(alerts["items"].as_array().unwrap().len(), 0);
                let (_, errors) = get(app, &format!("/v1/source-files/{id}/findings?severity=error")).await;
                assert_eq!(errors["items"].as_array().unwrap().len(), FAULTY_ROWS.len());
            }
        });
    }
}
