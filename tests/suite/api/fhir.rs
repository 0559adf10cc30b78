//! The FHIR R4 interface on the CMS v3.0 examples: the CapabilityStatement against the routes served,
//! every interaction (read, vread, search with its result parameters), versions across snapshots,
//! OperationOutcome errors, the same credentials as /v1, every /v1 price field found in FHIR, and
//! every resource validated against the official FHIR R4 JSON schema.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use priceline_api::auth::api_key::hash_hex;
use priceline_api::config;
use serde_json::{Value, json};

use crate::import::{SHARED, import};
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

const FHIR_JSON: &str = "application/fhir+json";

/// A request (path, headers) and the status and issue code of its OperationOutcome.
type ErrorCase = (
    &'static str,
    &'static [(&'static str, &'static str)],
    u16,
    &'static str,
);
const EXAMPLES: [&str; 3] = [
    "V3.0.0_Wide_CSV_Format_Example.csv",
    "v3_json_format_example.json",
    "V3.0.0_Tall_CSV_Format_Example.csv",
];

struct Answer {
    status: u16,
    content_type: String,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = awc::Client::default().get(app.url(path));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let mut response = request.send().await.unwrap();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response.body().limit(64 * 1024 * 1024).await.unwrap();
    let content_type = headers
        .iter()
        .find(|(name, _)| name == "content-type")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    Answer {
        status: response.status().as_u16(),
        content_type,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    }
}

/// A 200 FHIR body.
async fn fhir(app: &TestApp, path: &str) -> Value {
    let answer = get(app, path, &[]).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    assert_eq!(answer.content_type, FHIR_JSON, "{path}");
    answer.body
}

/// An error answered as an OperationOutcome with this status and issue code.
fn assert_outcome(answer: &Answer, status: u16, code: &str, label: &str) {
    assert_eq!(answer.status, status, "{label}: {}", answer.body);
    assert_eq!(answer.content_type, FHIR_JSON, "{label}");
    assert_eq!(answer.body["resourceType"], "OperationOutcome", "{label}");
    let issue = &answer.body["issue"][0];
    assert_eq!(issue["severity"], "error", "{label}");
    assert_eq!(issue["code"], code, "{label}: {}", answer.body);
    assert!(
        issue["diagnostics"].as_str().is_some_and(|d| !d.is_empty()),
        "{label}"
    );
}

/// The server with the three v3.0 examples imported: one hospital with three snapshots (the Tall
/// file is the current one).
async fn serve_examples(db: TestDb, env: &[(&str, &str)]) -> TestApp {
    let mut connection = db.migrated();
    for name in EXAMPLES {
        let reports = import(&mut connection, &format!("{SHARED}/cms/v3.0.0/{name}"));
        assert_eq!(reports.len(), 1, "{name}");
    }
    drop(connection);
    TestApp::spawn_with_env(db, env).await
}

/// Every entry of a search, following `next` to the end; asserts each page's links and modes.
async fn walk(app: &TestApp, first: &str) -> (Vec<Value>, u64) {
    let mut path = first.to_owned();
    let mut found = Vec::new();
    let mut total = None;
    for _ in 0..1000 {
        let bundle = fhir(app, &path).await;
        assert_eq!(bundle["resourceType"], "Bundle", "{path}");
        assert_eq!(bundle["type"], "searchset", "{path}");
        let page_total = bundle["total"].as_u64().expect("total");
        assert_eq!(
            *total.get_or_insert(page_total),
            page_total,
            "{path}: total changed"
        );
        let links = bundle["link"].as_array().unwrap();
        assert_eq!(links[0]["relation"], "self", "{path}");
        for entry in bundle["entry"].as_array().into_iter().flatten() {
            if entry["search"]["mode"] == "match" {
                let resource = &entry["resource"];
                let url = entry["fullUrl"].as_str().unwrap();
                assert!(
                    url.starts_with("http://")
                        && url.ends_with(&format!(
                            "/fhir/{}/{}",
                            resource["resourceType"].as_str().unwrap(),
                            resource["id"].as_str().unwrap()
                        )),
                    "{url}"
                );
                found.push(resource.clone());
            }
        }
        match links.iter().find(|link| link["relation"] == "next") {
            Some(next) => {
                let url = next["url"].as_str().unwrap();
                path = url[url.find("/fhir/").unwrap()..].to_owned();
            }
            None => return (found, total.unwrap_or(0)),
        }
    }
    panic!("{first}: more than 1000 pages");
}

fn ids(resources: &[Value]) -> Vec<String> {
    resources
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_capability_statement_describes_the_routes_served(db: TestDb) {
    let app = serve_examples(db, &[]).await;
    let statement = fhir(&app, "/fhir/metadata").await;
    assert_eq!(statement["resourceType"], "CapabilityStatement");
    assert_eq!(statement["fhirVersion"], "4.0.1");
    assert!(
        statement["format"]
            .as_array()
            .unwrap()
            .contains(&json!(FHIR_JSON))
    );
    let rest = &statement["rest"][0];
    assert!(
        rest["security"]["description"]
            .as_str()
            .unwrap()
            .contains("No credential is required"),
        "an open server says so: {}",
        rest["security"]
    );
    let resources = rest["resource"].as_array().unwrap();
    let types: BTreeSet<&str> = resources
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from([
            "ChargeItemDefinition",
            "InsurancePlan",
            "Location",
            "Organization"
        ])
    );
    for resource in resources {
        let name = resource["type"].as_str().unwrap();
        let interactions: BTreeSet<&str> = resource["interaction"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            interactions,
            BTreeSet::from(["read", "search-type", "vread"]),
            "{name}"
        );
        // search-type: served, and each listed parameter is taken (not reported as ignored).
        let (found, _) = walk(&app, &format!("/fhir/{name}?_count=1000")).await;
        assert!(!found.is_empty(), "{name}: the examples give at least one");
        for param in resource["searchParam"].as_array().unwrap() {
            let param = param["name"].as_str().unwrap();
            let bundle = fhir(&app, &format!("/fhir/{name}?{param}=x")).await;
            let reported = bundle["entry"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|entry| entry["search"]["mode"] == "outcome");
            assert!(!reported, "{name}?{param}: a listed parameter is taken");
        }
        for include in resource["searchInclude"].as_array().into_iter().flatten() {
            let include = include.as_str().unwrap();
            let bundle = fhir(&app, &format!("/fhir/{name}?_include={include}")).await;
            assert!(
                bundle["entry"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|entry| entry["search"]["mode"] == "include"),
                "{name}?_include={include}"
            );
        }
        // read and vread: served for a resource the search found.
        let first = &found[0];
        let id = first["id"].as_str().unwrap();
        let read = fhir(&app, &format!("/fhir/{name}/{id}")).await;
        assert_eq!(&read, first, "{name}/{id}: read gives what search found");
        let version = first["meta"]["versionId"].as_str().unwrap();
        let vread = fhir(&app, &format!("/fhir/{name}/{id}/_history/{version}")).await;
        assert_eq!(&vread, first, "{name}/{id}: vread");
    }
    // A type the statement does not list is not served.
    for path in [
        "/fhir/Patient",
        "/fhir/Patient/1",
        "/fhir/Organization/hospital-1/_history",
    ] {
        let answer = get(&app, path, &[]).await;
        assert_outcome(&answer, 404, "not-found", path);
    }
}
on_both_backends!(
    #[cfg_attr(no_shared_data, ignore = "the shared test data (../shared/data) is not present")]
    async the_capability_statement_describes_the_routes_served
);

async fn every_interaction_on_the_cms_examples(db: TestDb) {
    let app = serve_examples(db, &[]).await;

    // Organization: the hospital, with its identifiers, and the payers.
    let (organizations, total) = walk(&app, "/fhir/Organization").await;
    assert_eq!(total as usize, organizations.len());
    let hospital = organizations
        .iter()
        .find(|o| o["id"].as_str().unwrap().starts_with("hospital-"))
        .unwrap()
        .clone();
    assert_eq!(hospital["name"], "West Mercy Hospital");
    let identifiers: Vec<(&str, &str)> = hospital["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["system"].as_str().unwrap(), i["value"].as_str().unwrap()))
        .collect();
    assert!(
        identifiers.contains(&("http://hl7.org/fhir/sid/us-npi", "0000000001")),
        "{identifiers:?}"
    );
    assert!(
        identifiers
            .iter()
            .any(|(system, value)| system.ends_with("/sid/state-license/ca") && *value == "50056"),
        "{identifiers:?}"
    );
    let payers: BTreeSet<&str> = organizations
        .iter()
        .filter(|o| o["type"][0]["coding"][0]["code"] == "pay")
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        payers,
        BTreeSet::from(["Platform Health Insurance", "Region Health Insurance"])
    );
    let hospital_id = hospital["id"].as_str().unwrap();

    // Search parameters of Organization.
    for (query, expected) in [
        (
            "identifier=http://hl7.org/fhir/sid/us-npi%7C0000000002",
            vec![hospital_id],
        ),
        ("identifier=0000000002", vec![hospital_id]),
        ("name=west", vec![hospital_id]),
        ("name:contains=mercy", vec![hospital_id]),
        ("name:exact=west", vec![]),
        ("address-state=CA&type=prov", vec![hospital_id]),
        ("address-postalcode=92832", vec![hospital_id]),
        ("address-postalcode=10001", vec![]),
    ] {
        let (found, _) = walk(&app, &format!("/fhir/Organization?{query}")).await;
        assert_eq!(ids(&found), expected, "Organization?{query}");
    }
    let (sorted, _) = walk(&app, "/fhir/Organization?_sort=-name&_count=1").await;
    let names: Vec<&str> = sorted.iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "West Mercy Hospital",
            "Region Health Insurance",
            "Platform Health Insurance"
        ]
    );

    // Versions: the hospital's current version is its newest file; the older files' versions are
    // gone, others unknown; the version is the ETag, and If-None-Match gives a 304.
    let version: i64 = hospital["meta"]["versionId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(version >= 3, "three files were imported: {version}");
    let read = get(&app, &format!("/fhir/Organization/{hospital_id}"), &[]).await;
    let etag = read.header("etag").unwrap().to_owned();
    assert_eq!(etag, format!("W/\"{version}\""));
    let again = get(
        &app,
        &format!("/fhir/Organization/{hospital_id}"),
        &[("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(again.status, 304);
    let old = get(
        &app,
        &format!("/fhir/Organization/{hospital_id}/_history/{}", version - 1),
        &[],
    )
    .await;
    assert_outcome(&old, 410, "deleted", "a superseded version");
    let unknown = get(
        &app,
        &format!("/fhir/Organization/{hospital_id}/_history/{}", version + 1),
        &[],
    )
    .await;
    assert_outcome(&unknown, 404, "not-found", "a version that never was");
    assert!(
        hospital["meta"]["lastUpdated"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    // Location: the two locations of the file, managed by the hospital, with their addresses.
    let (locations, _) = walk(
        &app,
        &format!("/fhir/Location?organization=Organization/{hospital_id}"),
    )
    .await;
    assert_eq!(locations.len(), 2);
    assert_eq!(locations[0]["address"]["postalCode"], "92832");
    assert_eq!(locations[1]["address"]["state"], "CA");
    assert_eq!(
        locations[1]["managingOrganization"]["reference"],
        format!("Organization/{hospital_id}")
    );
    let (near, _) = walk(
        &app,
        "/fhir/Location?address-postalcode=940&name=west%20mercy%20surg",
    )
    .await;
    assert_eq!(ids(&near), [locations[1]["id"].as_str().unwrap()]);
    let with_hospital = fhir(&app, "/fhir/Location?_include=Location:organization").await;
    let included: Vec<&Value> = with_hospital["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["search"]["mode"] == "include")
        .collect();
    assert_eq!(included.len(), 1, "the hospital, once");
    assert_eq!(included[0]["resource"]["id"], hospital_id);

    // InsurancePlan: each plan owned by its payer.
    let (plans, _) = walk(&app, "/fhir/InsurancePlan").await;
    let names: BTreeSet<&str> = plans.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, BTreeSet::from(["HMO", "PPO"]));
    let ppo = plans.iter().find(|p| p["name"] == "PPO").unwrap();
    let owner = ppo["ownedBy"]["reference"].as_str().unwrap();
    let (owned, _) = walk(
        &app,
        &format!("/fhir/InsurancePlan?owned-by={owner}&_include=InsurancePlan:owned-by"),
    )
    .await;
    assert_eq!(ids(&owned), [ppo["id"].as_str().unwrap()]);
    let payer = fhir(&app, &format!("/fhir/{owner}")).await;
    assert_eq!(payer["name"], "Platform Health Insurance");

    // ChargeItemDefinition: by code in each form, by organization, with the hospital included.
    for query in [
        "code=http://www.ama-assn.org/go/cpt%7C70551",
        "code=70551",
        "code=%7C70551",
    ] {
        let (found, total) = walk(&app, &format!("/fhir/ChargeItemDefinition?{query}")).await;
        assert_eq!((found.len(), total), (1, 1), "{query}");
        assert_eq!(found[0]["title"], "MRI of brain (no contrast)");
        assert_eq!(found[0]["status"], "active");
    }
    let (none, _) = walk(
        &app,
        "/fhir/ChargeItemDefinition?code=https://www.nubc.org/CodeSystem/RevenueCodes%7C70551",
    )
    .await;
    assert!(none.is_empty(), "70551 is a CPT code, not a revenue code");
    let (drg, _) = walk(&app, "/fhir/ChargeItemDefinition?code=https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/MS-DRG-Classifications-and-Software%7C470").await;
    assert_eq!(drg.len(), 1);
    let with_org = fhir(&app, &format!(
        "/fhir/ChargeItemDefinition?organization={hospital_id}&_include=ChargeItemDefinition:organization&_count=3"
    )).await;
    let entries = with_org["entry"].as_array().unwrap();
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["search"]["mode"] == "match")
            .count(),
        3
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["search"]["mode"] == "include")
            .count(),
        1
    );

    // Paging gives every match once, whatever the page size; the total is the same on every page.
    let (all, total) = walk(&app, "/fhir/ChargeItemDefinition?_count=1000").await;
    assert_eq!(all.len() as u64, total);
    assert!(all.len() > 10, "{}", all.len());
    for count in [1, 2, 7] {
        let (paged, paged_total) =
            walk(&app, &format!("/fhir/ChargeItemDefinition?_count={count}")).await;
        assert_eq!(paged_total, total, "_count={count}");
        assert_eq!(
            ids(&paged),
            ids(&all),
            "_count={count}: every match once, in order"
        );
    }
    let (organizations_paged, _) = walk(&app, "/fhir/Organization?_count=1&_sort=name").await;
    let mut distinct = ids(&organizations_paged);
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), organizations.len());

    // _summary=count and _count=0: the total alone.
    for query in ["_summary=count", "_count=0"] {
        let bundle = fhir(&app, &format!("/fhir/ChargeItemDefinition?{query}")).await;
        assert_eq!(bundle["total"].as_u64(), Some(total), "{query}");
        assert!(bundle.get("entry").is_none(), "{query}");
    }
    // _elements: the elements asked for, tagged SUBSETTED.
    let bundle = fhir(
        &app,
        "/fhir/ChargeItemDefinition?code=70551&_elements=code,title",
    )
    .await;
    let subset = &bundle["entry"][0]["resource"];
    let keys: BTreeSet<&str> = subset
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["code", "id", "meta", "resourceType", "title"])
    );
    assert_eq!(subset["meta"]["tag"][0]["code"], "SUBSETTED");

    // A ChargeItemDefinition of a superseded snapshot is gone; read of a current one has its ETag.
    let current = &all[0];
    let current_id = current["id"].as_str().unwrap();
    let read = get(
        &app,
        &format!("/fhir/ChargeItemDefinition/{current_id}"),
        &[],
    )
    .await;
    assert_eq!(read.status, 200);
    assert_eq!(
        read.header("etag"),
        Some(format!("W/\"{}\"", current["meta"]["versionId"].as_str().unwrap()).as_str())
    );
    // The items of the two superseded files (ids below the current file's) are gone.
    let item_of = |id: &str| -> i64 { id.split('-').nth(1).unwrap().parse().unwrap() };
    let first_current = all
        .iter()
        .map(|d| item_of(d["id"].as_str().unwrap()))
        .min()
        .unwrap();
    let mut gone = 0;
    for item in 1..first_current {
        for setting in ["inpatient", "outpatient", "both"] {
            let path = format!("/fhir/ChargeItemDefinition/item-{item}-{setting}");
            let answer = get(&app, &path, &[]).await;
            if answer.status == 410 {
                assert_outcome(&answer, 410, "deleted", &path);
                gone += 1;
            } else {
                assert_outcome(&answer, 404, "not-found", &path);
            }
        }
    }
    assert!(
        gone >= all.len(),
        "{gone} superseded definitions answer 410"
    );

    // Unknown parameters are reported, or refused under handling=strict; the self link leaves them out.
    let bundle = fhir(&app, "/fhir/Organization?colour=blue&name=west").await;
    let outcome = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["search"]["mode"] == "outcome")
        .expect("an outcome entry");
    assert_eq!(outcome["resource"]["issue"][0]["severity"], "warning");
    assert_eq!(outcome["resource"]["issue"][0]["expression"][0], "colour");
    let self_link = bundle["link"][0]["url"].as_str().unwrap();
    assert!(
        self_link.ends_with("/fhir/Organization?name=west"),
        "{self_link}"
    );
    let strict = get(
        &app,
        "/fhir/Organization?colour=blue",
        &[("Prefer", "handling=strict")],
    )
    .await;
    assert_outcome(&strict, 400, "invalid", "strict");
    assert_eq!(strict.body["issue"][0]["expression"][0], "colour");

    // Errors are OperationOutcomes with the matching status.
    let cases: [ErrorCase; 8] = [
        ("/fhir/Organization?_count=many", &[], 400, "invalid"),
        ("/fhir/Organization?_sort=colour", &[], 400, "invalid"),
        ("/fhir/Organization?_cursor=bogus", &[], 400, "invalid"),
        (
            "/fhir/ChargeItemDefinition?code=http://unknown%7C1",
            &[],
            400,
            "invalid",
        ),
        ("/fhir/Organization/hospital-999", &[], 404, "not-found"),
        ("/fhir/Organization?_format=xml", &[], 406, "not-supported"),
        (
            "/fhir/Organization",
            &[("Accept", "application/fhir+xml")],
            406,
            "not-supported",
        ),
        ("/fhir/Location/location-1-99", &[], 404, "not-found"),
    ];
    for (path, headers, status, code) in cases {
        let answer = get(&app, path, headers).await;
        assert_outcome(&answer, status, code, path);
    }
    let count = get(&app, "/fhir/Organization?_count=many", &[]).await;
    assert_eq!(count.body["issue"][0]["expression"][0], "_count");
    let posted = awc::Client::default()
        .post(app.url("/fhir/Organization"))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status().as_u16(), 405);
    assert_eq!(posted.headers().get("content-type").unwrap(), FHIR_JSON);
    // _format=json and Accept: application/fhir+json are served.
    fhir(&app, "/fhir/Organization?_format=json").await;
    let accepted = get(&app, "/fhir/Organization", &[("Accept", FHIR_JSON)]).await;
    assert_eq!(accepted.status, 200);
}
on_both_backends!(
    #[cfg_attr(no_shared_data, ignore = "the shared test data (../shared/data) is not present")]
    async every_interaction_on_the_cms_examples
);

/// The price component of `kind` in a property group, as a number.
fn component(group: &Value, kind: &str) -> Option<f64> {
    group["priceComponent"]
        .as_array()?
        .iter()
        .find(|c| c["code"]["coding"][0]["code"] == kind)
        .and_then(|c| {
            c["amount"]["value"]
                .as_f64()
                .or(c["factor"].as_f64().map(|f| f * 100.0))
        })
}

/// The value of a project extension (by the end of its URL) on an element.
fn extension<'a>(element: &'a Value, name: &str) -> Vec<&'a Value> {
    element["extension"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            e["url"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/StructureDefinition/{name}"))
        })
        .collect()
}

fn number(text: &Value) -> Option<f64> {
    text.as_str().map(|t| t.parse::<f64>().unwrap())
}

fn close(a: Option<f64>, b: Option<f64>, label: &str) {
    match (a, b) {
        (None, None) => {}
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-6, "{label}: {a} against {b}"),
        _ => panic!("{label}: {a:?} against {b:?}"),
    }
}

async fn nothing_a_v1_price_shows_is_missing_from_fhir(db: TestDb) {
    let app = serve_examples(db, &[]).await;
    let (_, v1) = app.get("/v1/prices?facility_id=1&limit=1000").await;
    let lines = v1["items"].as_array().unwrap();
    assert!(lines.len() > 20);
    let (definitions, _) = walk(&app, "/fhir/ChargeItemDefinition?_count=1000").await;
    let mut rates_seen = 0;
    for line in lines {
        let label = format!("{} {}", line["description"], line["setting"]);
        // The definition of the line's item and setting, at its hospital.
        let candidates: Vec<&Value> = definitions
            .iter()
            .filter(|d| {
                d["title"] == line["description"]
                    && d["useContext"][0]["valueCodeableConcept"]["coding"][0]["code"]
                        == line["setting"]
                    && d["useContext"][1]["valueReference"]["reference"]
                        == format!("Organization/hospital-{}", line["facility"]["id"])
                    && d["publisher"] == line["facility"]["name"]
            })
            .filter(|d| {
                let codings = d["code"]["coding"].as_array().cloned().unwrap_or_default();
                line["codes"].as_array().unwrap().iter().all(|code| {
                    codings.iter().any(|c| {
                        c["code"] == code["code"] && c["system"].as_str().unwrap().len() > 10
                    })
                })
            })
            .collect();
        assert!(!candidates.is_empty(), "{label}: no definition");
        // The provenance: the file and the record.
        let provenance = &line["provenance"];
        let found = candidates.iter().any(|definition| {
            let file = extension(definition, "source-file");
            let parts = file[0]["extension"].as_array().unwrap();
            let part = |name: &str| parts.iter().find(|p| p["url"] == name).cloned();
            let file_matches = part("id").unwrap()["valueInteger"] == provenance["source_file_id"]
                && part("name").unwrap()["valueString"] == provenance["file_name"]
                && part("lastUpdatedOn")
                    .map(|p| p["valueDate"].clone())
                    .unwrap_or(Value::Null)
                    == provenance["last_updated_on"];
            if !file_matches {
                return false;
            }
            if !line["drug_unit"].is_null() {
                let drug = extension(definition, "drug-unit");
                close(
                    drug[0]["valueQuantity"]["value"].as_f64(),
                    number(&line["drug_unit"]),
                    "drug unit",
                );
                assert_eq!(drug[0]["valueQuantity"]["unit"], line["drug_unit_type"]);
            }
            let groups = definition["propertyGroup"].as_array().unwrap();
            // The charge's own group: its amounts, billing class, modifiers and notes.
            let charge_matches = |group: &Value| {
                let same = |kind: &str| {
                    let ours = component(group, kind);
                    let theirs = number(&line[kind]);
                    match (ours, theirs) {
                        (None, None) => true,
                        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
                        _ => false,
                    }
                };
                group.get("applicability").is_none()
                    && ["gross", "discounted_cash", "minimum", "maximum"]
                        .iter()
                        .all(|k| same(k))
                    && extension(group, "billing-class")
                        .first()
                        .map(|e| e["valueCode"].clone())
                        .unwrap_or(Value::Null)
                        == line["billing_class"]
                    && extension(group, "modifier")
                        .iter()
                        .map(|e| e["valueCode"].clone())
                        .collect::<Vec<_>>()
                        == line["modifiers"].as_array().unwrap().clone()
                    && extension(group, "generic-notes")
                        .first()
                        .map(|e| e["valueString"].clone())
                        .unwrap_or(Value::Null)
                        == line["generic_notes"]
            };
            if !groups.iter().any(charge_matches) {
                return false;
            }
            let Some(rate) = line["payer_rate"].as_object() else {
                return true;
            };
            // The rate's group: payer and plan, amounts, methodology, algorithm, counts, notes, row.
            groups.iter().any(|group| {
                let text = |name: &str, value: &str| {
                    extension(group, name)
                        .first()
                        .map(|e| e[value].clone())
                        .unwrap_or(Value::Null)
                };
                let amounts = [
                    "negotiated_dollar",
                    "negotiated_percentage",
                    "median_amount",
                    "percentile_10th",
                    "percentile_90th",
                    "estimated_amount",
                ]
                .iter()
                .all(
                    |kind| match (component(group, kind), number(&rate[*kind])) {
                        (None, None) => true,
                        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
                        _ => false,
                    },
                );
                let row = match &provenance["row"] {
                    Value::Null => text("source-pointer", "valueString") == provenance["pointer"],
                    row => text("source-row", "valueInteger") == *row,
                };
                text("payer-name", "valueString") == rate["payer_name"]
                    && text("plan-name", "valueString") == rate["plan_name"]
                    && text("methodology", "valueCode") == rate["methodology"]
                    && text("negotiated-algorithm", "valueString") == rate["negotiated_algorithm"]
                    && text("allowed-count", "valueString") == rate["count"]
                    && text("payer-notes", "valueString") == rate["payer_notes"]
                    && amounts
                    && row
            })
        });
        assert!(
            found,
            "{label}: the line's charge and rate are in a definition"
        );
        rates_seen += usize::from(line["payer_rate"].is_object());
    }
    assert!(rates_seen > 20, "{rates_seen}");
}
on_both_backends!(
    #[cfg_attr(no_shared_data, ignore = "the shared test data (../shared/data) is not present")]
    async nothing_a_v1_price_shows_is_missing_from_fhir
);

const KEY: &str = "plk_test-key-for-the-fhir-client";
const SECRET: &str = "a test secret of at least 32 bytes, for HS256";
const ISSUER: &str = "https://issuer.example";

fn token(scope: &str) -> String {
    let exp = get_current_timestamp() as i64 + 600;
    encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "fhir-client", "iss": ISSUER, "exp": exp, "scope": scope}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

async fn fhir_takes_the_credentials_scopes_and_limits_of_v1(db: TestDb) {
    let keys = format!("fhir:{}", hash_hex(KEY));
    let app = serve_examples(
        db,
        &[
            (config::API_KEYS, &keys),
            (config::JWT_SECRET, SECRET),
            (config::JWT_ISSUER, ISSUER),
            (config::RATE_LIMIT_PER_SECOND, "1"),
            (config::RATE_LIMIT_BURST, "6"),
            // Refused credentials are limited by address in the anonymous tier: the same budget,
            // so the 401 and 403 below are answered as such.
            (config::RATE_LIMIT_TIERS, "anonymous=1/s:6"),
        ],
    )
    .await;
    // The statement is open and names the schemes in force.
    let statement = get(&app, "/fhir/metadata", &[]).await;
    assert_eq!(statement.status, 200);
    let security = &statement.body["rest"][0]["security"];
    let description = security["description"].as_str().unwrap();
    assert!(
        description.contains("X-API-Key") && description.contains("system/*.read"),
        "{description}"
    );
    assert_eq!(security["service"][0]["coding"][0]["code"], "OAuth");
    // Everything else needs a credential.
    let missing = get(&app, "/fhir/Organization", &[]).await;
    assert_outcome(&missing, 401, "login", "no credential");
    assert!(missing.header("www-authenticate").is_some());
    let keyed = get(&app, "/fhir/Organization", &[("X-API-Key", KEY)]).await;
    assert_eq!(keyed.status, 200, "{}", keyed.body);
    let smart = format!("Bearer {}", token("system/*.read"));
    let read = get(&app, "/fhir/Organization", &[("Authorization", &smart)]).await;
    assert_eq!(read.status, 200, "SMART system/*.read: {}", read.body);
    let smart_v2 = format!("Bearer {}", token("system/*.rs"));
    let read = get(&app, "/fhir/InsurancePlan", &[("Authorization", &smart_v2)]).await;
    assert_eq!(read.status, 200, "SMART system/*.rs: {}", read.body);
    let other = format!("Bearer {}", token("imports:write"));
    let refused = get(&app, "/fhir/Organization", &[("Authorization", &other)]).await;
    assert_outcome(&refused, 403, "forbidden", "a scope without reads");
    // The same rate limit: a burst of 6, then 429 with Retry-After.
    let mut limited = None;
    for _ in 0..12 {
        let answer = get(&app, "/fhir/Location", &[("X-API-Key", KEY)]).await;
        if answer.status == 429 {
            limited = Some(answer);
            break;
        }
    }
    let limited = limited.expect("the limit applies to /fhir");
    assert_outcome(&limited, 429, "throttled", "rate limited");
    assert!(limited.header("retry-after").is_some());
}
on_both_backends!(
    #[cfg_attr(no_shared_data, ignore = "the shared test data (../shared/data) is not present")]
    async fhir_takes_the_credentials_scopes_and_limits_of_v1
);

/// Every resource the server produces on the examples: the statement, each match and include of
/// every search, each read, and the OperationOutcomes of errors and warnings.
async fn everything_served(app: &TestApp) -> Vec<Value> {
    let mut served = vec![fhir(app, "/fhir/metadata").await];
    for (name, include) in [
        ("Organization", None),
        ("Location", Some("Location:organization")),
        ("InsurancePlan", Some("InsurancePlan:owned-by")),
        (
            "ChargeItemDefinition",
            Some("ChargeItemDefinition:organization"),
        ),
    ] {
        let mut path = format!("/fhir/{name}?_count=1000&unknown=1");
        if let Some(include) = include {
            path.push_str(&format!("&_include={include}"));
        }
        let bundle = fhir(app, &path).await;
        for entry in bundle["entry"].as_array().unwrap() {
            served.push(entry["resource"].clone());
            if entry["search"]["mode"] == "match" {
                let id = entry["resource"]["id"].as_str().unwrap();
                served.push(fhir(app, &format!("/fhir/{name}/{id}")).await);
            }
        }
        served.push(bundle);
    }
    for path in [
        "/fhir/Organization/hospital-999",
        "/fhir/Organization?_count=x",
        "/fhir/Nothing",
    ] {
        served.push(get(app, path, &[]).await.body);
    }
    served
}

fn validator_script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/fhir-validator/validate.js")
}

async fn every_resource_validates_against_the_fhir_r4_schema(db: TestDb) {
    let app = serve_examples(db, &[]).await;
    let served = everything_served(&app).await;
    let types: BTreeSet<&str> = served
        .iter()
        .map(|r| r["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from([
            "Bundle",
            "CapabilityStatement",
            "ChargeItemDefinition",
            "InsurancePlan",
            "Location",
            "OperationOutcome",
            "Organization"
        ])
    );
    let mut child = Command::new("node")
        .arg(validator_script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs (tools/fhir-validator needs Node 18+)");
    {
        let mut stdin = child.stdin.take().unwrap();
        for resource in &served {
            writeln!(stdin, "{resource}").unwrap();
        }
    }
    let output = child.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}");
    assert!(
        report.contains(&format!("checked {}, invalid 0", served.len())),
        "{report}"
    );
    // The validator is a real one: a broken resource is refused.
    let mut broken = served[1].clone();
    broken["name"] = json!(42);
    let mut child = Command::new("node")
        .arg(validator_script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{broken}").unwrap();
    assert!(!child.wait_with_output().unwrap().status.success());
}
on_both_backends!(
    #[cfg_attr(no_shared_data, ignore = "the shared test data (../shared/data) is not present")]
    #[cfg_attr(
        all(no_fhir_validator, not(no_shared_data)),
        ignore = "tools/fhir-validator is not installed (make fhir-validator, or npm ci --prefix tools/fhir-validator)"
    )]
    async every_resource_validates_against_the_fhir_r4_schema
);
