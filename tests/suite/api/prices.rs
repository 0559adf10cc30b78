//! The read API over the CMS examples: facilities, prices, statistics, comparison, payers, files,
//! history and errors, on both backends.

use std::collections::BTreeSet;

use serde_json::Value;

use super::examples::{app_with_examples, cms, get, walk};
use crate::on_both_backends;
use crate::support::app::TestApp;

on_both_backends! {
    #[cfg_attr(no_shared_data, ignore = "../shared/data is not present")]
    fn facilities_are_listed_searched_and_described(db: TestDb) {
        actix_web::rt::System::new().block_on(async {
            let (app, _dir) = app_with_examples(db).await;
            let (status, list) = get(&app, "/v1/facilities").await;
            assert_eq!(status, 200, "{list}");
            assert_eq!(list["page"]["total"], 2);
            let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
            assert_eq!(names, ["East Valley Hospital", "West Mercy Hospital"]);
            let (_, by_city) = get(&app, "/v1/facilities?city=fullerton&zip=92832&state=ca").await;
            assert_eq!(by_city["items"].as_array().unwrap().len(), 1, "{by_city}");
            assert_eq!(by_city["items"][0]["name"], "West Mercy Hospital");
            let (_, by_npi) = get(&app, "/v1/facilities?npi=0000000002&license_number=50056").await;
            assert_eq!(by_npi["items"].as_array().unwrap().len(), 1);
            let id = by_city["items"][0]["id"].as_i64().unwrap();
            let (status, detail) = get(&app, &format!("/v1/facilities/{id}")).await;
            assert_eq!(status, 200, "{detail}");
            assert_eq!(detail["snapshot"]["last_updated_on"], "2026-04-01");
            assert_eq!(detail["snapshot"]["current"], true);
            assert_eq!(detail["source_files"].as_array().unwrap().len(), 2);
            let (_, snapshots) = get(&app, &format!("/v1/facilities/{id}/snapshots")).await;
            assert_eq!(snapshots["items"].as_array().unwrap().len(), 2);
            // As of 2025 the v2 file (2024-07-01) was in force.
            let (_, old) = get(&app, &format!("/v1/facilities/{id}?as_of=2025-01-01")).await;
            assert_eq!(old["snapshot"]["declared_version"], "2.0.0", "{old}");
        });
    }
}

on_both_backends! {
    #[cfg_attr(no_shared_data, ignore = "../shared/data is not present")]
    fn price_amounts_are_the_files_own_and_pages_neither_repeat_nor_skip(db: TestDb) {
        actix_web::rt::System::new().block_on(async {
            let (app, _dir) = app_with_examples(db).await;
            // The file's own negotiated dollars for CPT 70551 at West Mercy.
            let path = cms("v3.0.0", "V3.0.0_Tall_CSV_Format_Example.csv");
            let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(&path).unwrap();
            let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            let mut in_file = BTreeSet::new();
            for row in &rows[3..] {
                if row.get(3) == Some("70551") && !row[13].trim().is_empty() {
                    in_file.insert(row[13].trim().to_owned());
                }
            }
            let (status, body) = get(&app, "/v1/prices?code=70551&code_type=cpt&facility_name=west&kind=negotiated_dollar&sort=amount").await;
            assert_eq!(status, 200, "{body}");
            let served: Vec<String> = body["items"].as_array().unwrap().iter()
                .map(|line| line["payer_rate"]["negotiated_dollar"].as_str().unwrap().to_owned()).collect();
            assert_eq!(served.iter().cloned().collect::<BTreeSet<_>>(), in_file);
            let mut sorted = served.clone();
            sorted.sort_by(|a, b| a.parse::<f64>().unwrap().total_cmp(&b.parse::<f64>().unwrap()));
            assert_eq!(served, sorted, "cheapest first");
            let first = &body["items"][0];
            assert_eq!(first["provenance"]["file_name"], "V3.0.0_Tall_CSV_Format_Example.csv");
            assert_eq!(first["provenance"]["last_updated_on"], "2026-04-01");
            assert!(first["provenance"]["row"].as_u64().unwrap() >= 4);

            // Every line of both current snapshots, three at a time: more than three pages.
            let (_, all) = get(&app, "/v1/prices?state=CA&limit=1000").await;
            let everything = all["items"].as_array().unwrap().len();
            assert!(everything > 9, "{everything}");
            let mut seen = Vec::new();
            let mut next = Some("/v1/prices?state=CA&limit=3".to_owned());
            let mut pages = 0;
            while let Some(path) = next {
                let (status, page) = get(&app, &path).await;
                assert_eq!(status, 200, "{page}");
                pages += 1;
                for line in page["items"].as_array().unwrap() {
                    seen.push(line.to_string());
                }
                next = page["page"]["next"].as_str().map(str::to_owned);
            }
            assert!(pages > 3);
            assert_eq!(seen.len(), everything);
            assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), everything, "no duplicates");
        });
    }
}

on_both_backends! {
    #[cfg_attr(no_shared_data, ignore = "../shared/data is not present")]
    fn statistics_compare_payers_and_files(db: TestDb) {
        actix_web::rt::System::new().block_on(async {
            let (app, _dir) = app_with_examples(db).await;
            let (status, stats) = get(&app, "/v1/codes/CPT/70551/statistics").await;
            assert_eq!(status, 200, "{stats}");
            let groups = stats["groups"].as_array().unwrap();
            assert!(!groups.is_empty());
            for group in groups {
                assert_eq!(group["facilities"], 2, "{group}");
                assert_eq!(group["small_sample"], true);
            }
            let (_, compare) = get(&app, "/v1/codes/cpt/70551/compare?kind=gross").await;
            let items = compare["items"].as_array().unwrap();
            assert_eq!(items.len(), 2, "{compare}");
            assert_eq!(items[0]["price"], "1200");
            let (_, payers) = get(&app, "/v1/payers?name=platform").await;
            assert!(payers["items"].as_array().unwrap().iter().all(|p| p["payer_name"] == "Platform Health Insurance"));
            assert!(payers["items"][0]["facilities"].as_u64().unwrap() >= 1);
            let (_, files) = get(&app, "/v1/source-files").await;
            let file = files["items"][0]["id"].as_i64().unwrap();
            let (status, _) = get(&app, &format!("/v1/source-files/{file}")).await;
            assert_eq!(status, 200);
            let (status, findings) = get(&app, &format!("/v1/source-files/{file}/findings?limit=1")).await;
            assert_eq!(status, 200, "{findings}");
            assert!(findings["page"]["total"].is_u64());
        });
    }
}

on_both_backends! {
    fn errors_are_problems_naming_the_parameter(db: TestDb) {
        actix_web::rt::System::new().block_on(async {
            let app = TestApp::spawn(db).await;
            for (path, parameter) in [
                ("/v1/prices?code=1&code_type=XYZ", "code_type"),
                ("/v1/facilities?zip=123", "zip"),
                ("/v1/facilities?npi=12", "npi"),
                ("/v1/facilities?limit=0", "limit"),
                ("/v1/facilities?limit=1001", "limit"),
                ("/v1/prices?code=1&sort=cheap", "sort"),
                ("/v1/facilities?cursor=nonsense", "cursor"),
                ("/v1/facilities?bogus=1", "bogus"),
                ("/v1/facilities/abc", "id"),
                // PostgreSQL text cannot hold NUL: a 400 before the database, never a 500.
                ("/v1/prices?code=a%00b", "code"),
                ("/v1/facilities?facility_name=%00", "facility_name"),
                ("/v1/codes/CPT/a%00b/statistics", "code"),
                ("/v1/codes/CPT/a%00b/compare", "code"),
            ] {
                let mut response = awc::Client::default().get(app.url(path)).send().await.unwrap();
                assert_eq!(response.status().as_u16(), 400, "{path}");
                assert_eq!(response.headers().get("content-type").unwrap(), "application/problem+json", "{path}");
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["parameter"], parameter, "{path}: {body}");
            }
            let client = awc::Client::default();
            let missing = client.get(app.url("/v1/facilities/999")).send().await.unwrap();
            assert_eq!(missing.status().as_u16(), 404);
            let mut post = client.post(app.url("/v1/facilities")).send().await.unwrap();
            assert_eq!(post.status().as_u16(), 405);
            assert_eq!(post.headers().get("content-type").unwrap(), "application/problem+json");
            let body: Value = post.json().await.unwrap();
            assert_eq!(body["status"], 405);
            let html = client.get(app.url("/v1/facilities")).insert_header(("Accept", "text/html")).send().await.unwrap();
            assert_eq!(html.status().as_u16(), 406);
            // ETag and 304, request id accepted and echoed.
            let first = client.get(app.url("/v1/facilities")).insert_header(("X-Request-Id", "abc-123")).send().await.unwrap();
            assert_eq!(first.headers().get("x-request-id").unwrap(), "abc-123");
            let tag = first.headers().get("etag").unwrap().clone();
            let again = client.get(app.url("/v1/facilities")).insert_header(("If-None-Match", tag)).send().await.unwrap();
            assert_eq!(again.status().as_u16(), 304);
            assert!(again.headers().contains_key("x-request-id"));
        });
    }
}

on_both_backends! {
    #[cfg_attr(no_shared_data, ignore = "../shared/data is not present")]
    fn a_code_listed_twice_by_an_item_gives_each_line_once(db: TestDb) {
        actix_web::rt::System::new().block_on(async {
            // The MRI item lists CPT 70551 as both of its codes.
            let text = std::fs::read_to_string(cms("v3.0.0", "V3.0.0_Tall_CSV_Format_Example.csv")).unwrap();
            let twice = text.replace(
                "MRI of brain (no contrast),611,RC,70551,CPT,",
                "MRI of brain (no contrast),70551,CPT,70551,CPT,",
            );
            assert_ne!(twice, text);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("twice.csv");
            std::fs::write(&path, &twice).unwrap();
            let mut connection = db.migrated();
            crate::import::import(&mut connection, path.to_str().unwrap());
            let app = TestApp::spawn(db).await;
            let expected = twice.lines().filter(|line| line.starts_with("MRI of brain (no contrast),")).count();
            assert!(expected >= 2);
            for limit in [1, 2, 50] {
                let (lines, _) = walk(&app, &format!("/v1/prices?code_type=CPT&code=70551&limit={limit}")).await;
                let keys: BTreeSet<String> = lines.iter().map(|line| line["provenance"].to_string()).collect();
                assert_eq!(lines.len(), expected, "limit {limit}: {lines:?}");
                assert_eq!(keys.len(), expected, "limit {limit}: each line once");
            }
        });
    }
}
