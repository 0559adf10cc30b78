//! The read API over generated files: facilities, prices, statistics, comparison, payers, files,
//! history and errors, on both backends.

use std::collections::BTreeSet;

use serde_json::Value;

use super::sample::{OLDER_DATE, Sheet, app_with_sample, generate, rewrite, walk};
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

async fn facilities_are_listed_searched_and_described(db: TestDb) {
    let sample = app_with_sample(db).await;
    let (app, current, other) = (&sample.app, &sample.current, &sample.other);
    let (status, list) = app.get("/v1/facilities").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["page"]["total"], 2);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let mut wanted = [
        current.header("hospital_name"),
        other.header("hospital_name"),
    ];
    wanted.sort();
    assert_eq!(names, wanted, "by name");
    // `123 Main St, Springfield, IL 62701`: city, state and ZIP of the first location.
    let address: Vec<&str> = current
        .header("hospital_address")
        .split('|')
        .next()
        .unwrap()
        .split(", ")
        .collect();
    let (state, zip) = address[2].split_once(' ').unwrap();
    let query = format!(
        "/v1/facilities?city={}&zip={zip}&state={}",
        address[1].to_lowercase().replace(' ', "%20"),
        state.to_lowercase()
    );
    let (_, by_place) = app.get(&query).await;
    let found: Vec<&str> = by_place["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        found.contains(&current.header("hospital_name")),
        "{query}: {by_place}"
    );
    let npi = current
        .header("type_2_npi")
        .split('|')
        .next()
        .unwrap()
        .trim();
    let license = current.header("license_number");
    let (_, by_npi) = app
        .get(&format!(
            "/v1/facilities?npi={npi}&license_number={license}"
        ))
        .await;
    assert_eq!(by_npi["items"].as_array().unwrap().len(), 1, "{by_npi}");
    assert_eq!(by_npi["items"][0]["name"], current.header("hospital_name"));
    let id = by_npi["items"][0]["id"].as_i64().unwrap();
    let (status, detail) = app.get(&format!("/v1/facilities/{id}")).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(
        detail["snapshot"]["last_updated_on"],
        current.header("last_updated_on")
    );
    assert_eq!(detail["snapshot"]["current"], true);
    assert_eq!(detail["source_files"].as_array().unwrap().len(), 2);
    let (_, snapshots) = app.get(&format!("/v1/facilities/{id}/snapshots")).await;
    assert_eq!(snapshots["items"].as_array().unwrap().len(), 2);
    // As of the older file's date, it was in force.
    let (_, old) = app
        .get(&format!("/v1/facilities/{id}?as_of={OLDER_DATE}"))
        .await;
    assert_eq!(
        old["snapshot"]["file_name"],
        sample.older.file_name(),
        "{old}"
    );
    assert_eq!(old["snapshot"]["current"], false, "{old}");
}
on_both_backends!(async facilities_are_listed_searched_and_described);

/// A code with negotiated dollar amounts in `file`, and those amounts as the API writes them.
fn negotiated_dollars(file: &Sheet) -> ((String, String), BTreeSet<String>) {
    let rows = file.priced_rows();
    let (_, first) = rows
        .iter()
        .find(|(_, row)| {
            file.cell(row, "standard_charge|negotiated_dollar")
                .is_some()
        })
        .expect("a negotiated dollar amount");
    let code = file.codes(first).remove(0);
    let amounts = rows
        .iter()
        .filter(|(_, row)| file.codes(row).contains(&code))
        .filter_map(|(_, row)| file.cell(row, "standard_charge|negotiated_dollar"))
        .collect();
    (code, amounts)
}

async fn price_amounts_are_the_files_own_and_pages_neither_repeat_nor_skip(db: TestDb) {
    let sample = app_with_sample(db).await;
    let (app, current) = (&sample.app, &sample.current);
    // The file's own negotiated dollars for one code at one hospital, found by part of its name.
    let ((code_type, code), in_file) = negotiated_dollars(current);
    let name = current.header("hospital_name");
    let part = name.split(' ').next().unwrap();
    let path = format!(
        "/v1/prices?code={code}&code_type={}&facility_name={}&kind=negotiated_dollar&sort=amount&limit=1000",
        code_type.to_lowercase(),
        part.to_lowercase()
    );
    let (status, body) = app.get(&path).await;
    assert_eq!(status, 200, "{body}");
    let lines: Vec<&Value> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|line| line["facility"]["name"] == name)
        .collect();
    let served: Vec<String> = lines
        .iter()
        .map(|line| {
            line["payer_rate"]["negotiated_dollar"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(served.iter().cloned().collect::<BTreeSet<_>>(), in_file);
    let mut sorted = served.clone();
    sorted.sort_by(|a, b| {
        a.parse::<f64>()
            .unwrap()
            .total_cmp(&b.parse::<f64>().unwrap())
    });
    assert_eq!(served, sorted, "cheapest first");
    let first = lines[0];
    assert_eq!(first["provenance"]["file_name"], current.file_name());
    assert_eq!(
        first["provenance"]["last_updated_on"],
        current.header("last_updated_on")
    );
    assert!(first["provenance"]["row"].as_u64().unwrap() >= 4);

    // Every line of one hospital, seven at a time: more than three pages, none repeated or skipped.
    let id = first["facility"]["id"].as_i64().unwrap();
    let (_, all) = app
        .get(&format!("/v1/prices?facility_id={id}&limit=1000"))
        .await;
    let everything: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    assert!(everything.len() > 21, "{}", everything.len());
    let (paged, pages) = walk(app, &format!("/v1/prices?facility_id={id}&limit=7")).await;
    assert!(pages > 3);
    let paged: Vec<String> = paged.iter().map(Value::to_string).collect();
    assert_eq!(paged, everything);
    assert_eq!(
        paged.iter().collect::<BTreeSet<_>>().len(),
        everything.len(),
        "no duplicates"
    );
}
on_both_backends!(async price_amounts_are_the_files_own_and_pages_neither_repeat_nor_skip);

async fn statistics_compare_payers_and_files(db: TestDb) {
    let sample = app_with_sample(db).await;
    let (app, current, other) = (&sample.app, &sample.current, &sample.other);
    // A code both hospitals give a gross charge for.
    let gross = |file: &Sheet, code: &(String, String)| -> Vec<f64> {
        file.priced_rows()
            .iter()
            .filter(|(_, row)| file.codes(row).contains(code))
            .filter_map(|(_, row)| file.cell(row, "standard_charge|gross"))
            .map(|g| g.parse().unwrap())
            .collect()
    };
    let (code_type, code) = current
        .priced_rows()
        .iter()
        .flat_map(|(_, row)| current.codes(row))
        .find(|code| !gross(current, code).is_empty() && !gross(other, code).is_empty())
        .expect("a code both hospitals charge for");
    let (status, stats) = app
        .get(&format!("/v1/codes/{code_type}/{code}/statistics"))
        .await;
    assert_eq!(status, 200, "{stats}");
    let groups = stats["groups"].as_array().unwrap();
    assert!(!groups.is_empty());
    assert!(
        groups.iter().all(|group| group["small_sample"] == true),
        "{stats}"
    );
    assert!(
        groups.iter().any(|group| group["facilities"] == 2),
        "{stats}"
    );
    let (_, compare) = app
        .get(&format!(
            "/v1/codes/{}/{code}/compare?kind=gross",
            code_type.to_lowercase()
        ))
        .await;
    let items = compare["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{compare}");
    let lowest = |file: &Sheet| {
        gross(file, &(code_type.clone(), code.clone()))
            .into_iter()
            .fold(f64::INFINITY, f64::min)
    };
    let cheapest = lowest(current).min(lowest(other));
    assert_eq!(
        items[0]["price"].as_str().unwrap().parse::<f64>().unwrap(),
        cheapest,
        "{compare}"
    );
    let payer = current
        .priced_rows()
        .iter()
        .find_map(|(_, row)| current.cell(row, "payer_name"))
        .unwrap();
    let part = payer.split(' ').next().unwrap();
    let (_, payers) = app
        .get(&format!("/v1/payers?name={}", part.to_lowercase()))
        .await;
    let payers = payers["items"].as_array().unwrap();
    assert!(!payers.is_empty());
    assert!(
        payers
            .iter()
            .all(|p| format!("{} {}", p["payer_name"], p["plan_name"])
                .to_lowercase()
                .contains(&part.to_lowercase())),
        "{payers:?}"
    );
    assert!(payers[0]["facilities"].as_u64().unwrap() >= 1);
    let (_, files) = app.get("/v1/source-files").await;
    let file = files["items"][0]["id"].as_i64().unwrap();
    let (status, _) = app.get(&format!("/v1/source-files/{file}")).await;
    assert_eq!(status, 200);
    let (status, findings) = app
        .get(&format!("/v1/source-files/{file}/findings?limit=1"))
        .await;
    assert_eq!(status, 200, "{findings}");
    assert!(findings["page"]["total"].is_u64());
}
on_both_backends!(async statistics_compare_payers_and_files);

async fn errors_are_problems_naming_the_parameter(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for (path, parameter) in [
        ("/v1/prices?code=1&code_type=XYZ", "code_type"),
        ("/v1/facilities?zip=123", "zip"),
        ("/v1/facilities?npi=12", "npi"),
        ("/v1/facilities?limit=0", "limit"),
        ("/v1/facilities?limit=1001", "limit"),
        ("/v1/prices?code=1&sort=cheap", "sort"),
        ("/v1/facilities?cursor=nonsense", "cursor"),
        ("/v1/facilities/abc", "id"),
        // PostgreSQL text cannot hold NUL: a 400 before the database, never a 500.
        ("/v1/prices?code=a%00b", "code"),
        ("/v1/facilities?facility_name=%00", "facility_name"),
        ("/v1/codes/CPT/a%00b/statistics", "code"),
        ("/v1/codes/CPT/a%00b/compare", "code"),
    ] {
        let mut response = awc::Client::default()
            .get(app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{path}");
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "application/problem+json",
            "{path}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["parameter"], parameter, "{path}: {body}");
    }
    let client = awc::Client::default();
    let missing = client
        .get(app.url("/v1/facilities/999"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let mut post = client.post(app.url("/v1/facilities")).send().await.unwrap();
    assert_eq!(post.status().as_u16(), 405);
    assert_eq!(
        post.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let body: Value = post.json().await.unwrap();
    assert_eq!(body["status"], 405);
    let html = client
        .get(app.url("/v1/facilities"))
        .insert_header(("Accept", "text/html"))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status().as_u16(), 406);
    // ETag and 304, request id accepted and echoed.
    let first = client
        .get(app.url("/v1/facilities"))
        .insert_header(("X-Request-Id", "abc-123"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.headers().get("x-request-id").unwrap(), "abc-123");
    let tag = first.headers().get("etag").unwrap().clone();
    let again = client
        .get(app.url("/v1/facilities"))
        .insert_header(("If-None-Match", tag))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert!(again.headers().contains_key("x-request-id"));
}
on_both_backends!(async errors_are_problems_naming_the_parameter);

async fn a_code_listed_twice_by_an_item_gives_each_line_once(db: TestDb) {
    // The first item's rows list their first code as both of their codes.
    let dir = tempfile::tempdir().unwrap();
    let path = generate(dir.path(), 0, 120);
    let file = Sheet::read(&path);
    let (number, first) = file.priced_rows()[0];
    let description = file.text(first, "description").to_owned();
    let code = file.codes(first).remove(0);
    let columns = ["code|1", "code|1|type", "code|2", "code|2|type"].map(|name| file.column(name));
    rewrite(&path, |row, cells| {
        if row >= number && cells[file.column("description")] == description {
            cells[columns[2]] = cells[columns[0]].clone();
            cells[columns[3]] = cells[columns[1]].clone();
        }
    });
    let twice = Sheet::read(&path);
    let expected = twice
        .priced_rows()
        .iter()
        .filter(|(_, row)| twice.codes(row).contains(&code))
        .count();
    assert!(
        twice
            .priced_rows()
            .iter()
            .any(|(_, row)| twice.codes(row) == [code.clone(), code.clone()])
    );
    let mut connection = db.migrated();
    crate::import::import(&mut connection, path.to_str().unwrap());
    let app = TestApp::spawn(db).await;
    let (code_type, code) = code;
    for limit in [1, 2, 50] {
        let (lines, _) = walk(
            &app,
            &format!("/v1/prices?code_type={code_type}&code={code}&limit={limit}"),
        )
        .await;
        let keys: BTreeSet<String> = lines
            .iter()
            .map(|line| line["provenance"].to_string())
            .collect();
        assert_eq!(lines.len(), expected, "limit {limit}: {lines:?}");
        assert_eq!(keys.len(), expected, "limit {limit}: each line once");
    }
}
on_both_backends!(async a_code_listed_twice_by_an_item_gives_each_line_once);
