//! FHIR Bulk Data export (issue 17, item 6): kick-off, polling, manifest, streamed NDJSON files, the
//! `_type`, `_since` and `_outputFormat` parameters, cancellation and credentials, on the CMS examples.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use priceline_api::auth::api_key::hash_hex;
use priceline_api::config;
use serde_json::Value;

use crate::import::{SHARED, import};
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

const TYPES: [&str; 4] = [
    "Organization",
    "Location",
    "InsurancePlan",
    "ChargeItemDefinition",
];
const ASYNC: (&str, &str) = ("Prefer", "respond-async");
const FHIR_JSON: (&str, &str) = ("Accept", "application/fhir+json");

/// A refused kick-off: path, headers, status, and the parameter its OperationOutcome names.
type Refusal = (
    &'static str,
    &'static [(&'static str, &'static str)],
    u16,
    &'static str,
);

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    text: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

async fn send(app: &TestApp, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let client = awc::Client::default();
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        app.url(path)
    };
    let mut request = match method {
        "DELETE" => client.delete(url),
        _ => client.get(url),
    };
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let mut response = request.send().await.unwrap();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response.body().limit(256 * 1024 * 1024).await.unwrap();
    Answer {
        status: response.status().as_u16(),
        headers,
        text: String::from_utf8(body.to_vec()).unwrap(),
    }
}

/// The server on the three v3.0 examples, writing exports under `dir`, with `env` besides.
async fn serve(db: TestDb, dir: &std::path::Path, env: &[(&str, &str)]) -> TestApp {
    let mut connection = db.migrated();
    for name in [
        "V3.0.0_Wide_CSV_Format_Example.csv",
        "v3_json_format_example.json",
        "V3.0.0_Tall_CSV_Format_Example.csv",
    ] {
        import(&mut connection, &format!("{SHARED}/cms/v3.0.0/{name}"));
    }
    drop(connection);
    let dir = dir.to_str().unwrap().to_owned();
    let mut all: Vec<(&str, &str)> = vec![(config::EXPORT_DIR, dir.as_str())];
    all.extend_from_slice(env);
    TestApp::spawn_with_env(db, &all).await
}

/// Kicks off an export: its status URL.
async fn kick_off(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> String {
    let mut all = vec![ASYNC, FHIR_JSON];
    all.extend_from_slice(headers);
    let answer = send(app, "GET", path, &all).await;
    assert_eq!(answer.status, 202, "{path}: {}", answer.text);
    let location = answer.header("content-location").expect("Content-Location");
    assert!(location.starts_with("http://"), "{location}");
    location.to_owned()
}

/// Polls a status URL until the manifest comes (checking the running answers on the way).
async fn finished(app: &TestApp, status_url: &str, headers: &[(&str, &str)]) -> Value {
    for _ in 0..600 {
        let answer = send(app, "GET", status_url, headers).await;
        match answer.status {
            202 => {
                assert!(answer.header("x-progress").is_some());
                assert_eq!(answer.header("retry-after"), Some("1"));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            200 => {
                // Jobs are deleted an hour after they end: the manifest says until when.
                let expires = answer.header("expires").expect("Expires");
                assert!(expires.ends_with(" GMT"), "{expires}");
                let manifest = answer.json();
                assert_eq!(manifest["error"], serde_json::json!([]));
                assert!(manifest["transactionTime"].as_str().is_some());
                assert!(manifest["request"].as_str().unwrap().contains("$export"));
                return manifest;
            }
            status => panic!("{status_url}: {status} {}", answer.text),
        }
    }
    panic!("{status_url}: the export did not finish in 30 s");
}

/// The resources of each type the manifest's files hold, after checking each file's count, media
/// type and lines.
async fn download(
    app: &TestApp,
    manifest: &Value,
    headers: &[(&str, &str)],
) -> BTreeMap<String, Vec<Value>> {
    let mut found: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for output in manifest["output"].as_array().unwrap() {
        let type_name = output["type"].as_str().unwrap();
        let url = output["url"].as_str().unwrap();
        let answer = send(app, "GET", url, headers).await;
        assert_eq!(answer.status, 200, "{url}: {}", answer.text);
        assert_eq!(
            answer.header("content-type"),
            Some("application/fhir+ndjson")
        );
        let lines: Vec<&str> = answer.text.lines().collect();
        assert_eq!(
            lines.len() as u64,
            output["count"].as_u64().unwrap(),
            "{url}"
        );
        for line in lines {
            let resource: Value =
                serde_json::from_str(line).expect("each line is one JSON resource");
            assert_eq!(resource["resourceType"], type_name, "{url}");
            found
                .entry(type_name.to_owned())
                .or_default()
                .push(resource);
        }
    }
    found
}

/// The searchset total of a type.
async fn total(app: &TestApp, type_name: &str, headers: &[(&str, &str)]) -> u64 {
    let answer = send(
        app,
        "GET",
        &format!("/fhir/{type_name}?_summary=count"),
        headers,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()["total"].as_u64().unwrap()
}

fn types_of(manifest: &Value) -> Vec<String> {
    let mut types: Vec<String> = manifest["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["type"].as_str().unwrap().to_owned())
        .collect();
    types.dedup();
    types
}

async fn an_export_holds_every_resource_once_as_read_returns_it(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let app = serve(db, dir.path(), &[]).await;
    let status_url = kick_off(&app, "/fhir/$export", &[]).await;
    let manifest = finished(&app, &status_url, &[]).await;
    assert_eq!(manifest["requiresAccessToken"], false);
    let found = download(&app, &manifest, &[("Accept", "application/fhir+ndjson")]).await;
    for type_name in TYPES {
        let exported = found.get(type_name).map_or(&[][..], Vec::as_slice);
        let expected = total(&app, type_name, &[]).await;
        assert!(expected > 0, "{type_name}: the examples hold some");
        assert_eq!(exported.len() as u64, expected, "{type_name}");
        let mut ids: Vec<&str> = exported.iter().map(|r| r["id"].as_str().unwrap()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), exported.len(), "{type_name}: each resource once");
        // Each line is exactly what a read returns.
        for resource in exported {
            let id = resource["id"].as_str().unwrap();
            let read = send(&app, "GET", &format!("/fhir/{type_name}/{id}"), &[]).await;
            assert_eq!(read.json(), *resource, "{type_name}/{id}");
        }
    }
    // The files are on disk under PRICELINE_EXPORT_DIR until the job is deleted.
    let job = status_url.rsplit('/').next().unwrap();
    assert!(dir.path().join(job).join("Organization-1.ndjson").is_file());
    assert_eq!(send(&app, "DELETE", &status_url, &[]).await.status, 202);
    assert!(!dir.path().join(job).exists());
    assert_eq!(send(&app, "GET", &status_url, &[]).await.status, 404);
    let first = manifest["output"][0]["url"].as_str().unwrap();
    assert_eq!(send(&app, "GET", first, &[]).await.status, 404);
}
on_both_backends!(
    #[cfg_attr(no_shared_data, ignore = "the shared test data (../shared/data) is not present")]
    async an_export_holds_every_resource_once_as_read_returns_it
);

async fn export_parameters_filter_and_bad_ones_are_refused(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let app = serve(db, dir.path(), &[]).await;
    // _type: only the types asked for, in that order.
    let url = kick_off(
        &app,
        "/fhir/$export?_type=InsurancePlan,Organization&_outputFormat=application/fhir%2Bndjson",
        &[],
    )
    .await;
    let manifest = finished(&app, &url, &[]).await;
    assert_eq!(types_of(&manifest), ["InsurancePlan", "Organization"]);
    // Per type.
    let url = kick_off(&app, "/fhir/Location/$export?_outputFormat=ndjson", &[]).await;
    let manifest = finished(&app, &url, &[]).await;
    assert_eq!(types_of(&manifest), ["Location"]);
    // _since: everything was imported after 2000 and nothing after 2100.
    let url = kick_off(
        &app,
        "/fhir/$export?_type=Organization&_since=2000-01-01T00:00:00Z",
        &[],
    )
    .await;
    let since_2000 = finished(&app, &url, &[]).await;
    assert_eq!(
        since_2000["output"][0]["count"].as_u64(),
        Some(total(&app, "Organization", &[]).await)
    );
    let url = kick_off(
        &app,
        "/fhir/$export?_since=2100-01-01T00:00:00%2B02:00",
        &[],
    )
    .await;
    let since_2100 = finished(&app, &url, &[]).await;
    assert_eq!(since_2100["output"], serde_json::json!([]));
    // Refusals: OperationOutcome 400 naming the parameter, 404 for what does not exist.
    let cases: [Refusal; 7] = [
        ("/fhir/$export", &[FHIR_JSON], 400, "Prefer"),
        ("/fhir/$export?_type=Patient", &[ASYNC], 400, "_type"),
        (
            "/fhir/Location/$export?_type=Organization",
            &[ASYNC],
            400,
            "_type",
        ),
        ("/fhir/$export?_since=2020-01-01", &[ASYNC], 400, "_since"),
        (
            "/fhir/$export?_outputFormat=text/csv",
            &[ASYNC],
            400,
            "_outputFormat",
        ),
        ("/fhir/$export?_typeFilter=x", &[ASYNC], 400, "_typeFilter"),
        ("/fhir/Patient/$export", &[ASYNC], 404, ""),
    ];
    for (path, headers, status, parameter) in cases {
        let answer = send(&app, "GET", path, headers).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.text);
        assert_eq!(
            answer.header("content-type"),
            Some("application/fhir+json"),
            "{path}"
        );
        let outcome = answer.json();
        assert_eq!(outcome["resourceType"], "OperationOutcome", "{path}");
        if !parameter.is_empty() {
            assert_eq!(outcome["issue"][0]["expression"][0], parameter, "{path}");
        }
    }
    let unknown = "/fhir/$export-status/0123456789abcdef0123456789abcdef";
    assert_eq!(send(&app, "GET", unknown, &[]).await.status, 404);
    assert_eq!(send(&app, "DELETE", unknown, &[]).await.status, 404);
    // Cancelling a job, finished or not, removes it and its files.
    let url = kick_off(&app, "/fhir/$export", &[]).await;
    assert_eq!(send(&app, "DELETE", &url, &[]).await.status, 202);
    assert_eq!(send(&app, "GET", &url, &[]).await.status, 404);
    let job = url.rsplit('/').next().unwrap();
    for _ in 0..100 {
        if !dir.path().join(job).exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !dir.path().join(job).exists(),
        "a cancelled job's folder is removed"
    );
}
on_both_backends!(
    #[cfg_attr(no_shared_data, ignore = "the shared test data (../shared/data) is not present")]
    async export_parameters_filter_and_bad_ones_are_refused
);

async fn exports_take_the_credentials_of_fhir(db: TestDb) {
    const KEY: &str = "export-key";
    let dir = tempfile::tempdir().unwrap();
    let keys = format!("exporter:{}", hash_hex(KEY));
    let app = serve(db, dir.path(), &[(config::API_KEYS, &keys)]).await;
    let key = ("X-API-Key", KEY);
    let refused = send(&app, "GET", "/fhir/$export", &[ASYNC]).await;
    assert_eq!(refused.status, 401, "{}", refused.text);
    let url = kick_off(&app, "/fhir/$export?_type=Organization", &[key]).await;
    assert_eq!(send(&app, "GET", &url, &[]).await.status, 401);
    let manifest = finished(&app, &url, &[key]).await;
    assert_eq!(manifest["requiresAccessToken"], true);
    let file = manifest["output"][0]["url"].as_str().unwrap();
    assert_eq!(send(&app, "GET", file, &[]).await.status, 401);
    assert_eq!(send(&app, "GET", file, &[key]).await.status, 200);
    // The CapabilityStatement lists the operation, system wide and on every type.
    let statement = send(&app, "GET", "/fhir/metadata", &[]).await.json();
    let rest = &statement["rest"][0];
    assert_eq!(rest["operation"][0]["name"], "export");
    for resource in rest["resource"].as_array().unwrap() {
        assert_eq!(
            resource["operation"][0]["name"], "export",
            "{}",
            resource["type"]
        );
    }
}
on_both_backends!(
    #[cfg_attr(no_shared_data, ignore = "the shared test data (../shared/data) is not present")]
    async exports_take_the_credentials_of_fhir
);

async fn exported_lines_validate_against_the_fhir_r4_schema(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let app = serve(db, dir.path(), &[]).await;
    let url = kick_off(&app, "/fhir/$export", &[]).await;
    let manifest = finished(&app, &url, &[]).await;
    let found = download(&app, &manifest, &[]).await;
    let lines: Vec<&Value> = found.values().flatten().collect();
    assert!(!lines.is_empty());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tools/fhir-validator/validate.js");
    let mut child = Command::new("node")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs (tools/fhir-validator needs Node 18+)");
    {
        let mut stdin = child.stdin.take().unwrap();
        for line in &lines {
            writeln!(stdin, "{line}").unwrap();
        }
    }
    let output = child.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}");
    assert!(
        report.contains(&format!("checked {}, invalid 0", lines.len())),
        "{report}"
    );
}
on_both_backends!(
    #[cfg_attr(no_shared_data, ignore = "the shared test data (../shared/data) is not present")]
    #[cfg_attr(
        all(no_fhir_validator, not(no_shared_data)),
        ignore = "tools/fhir-validator is not installed (make fhir-validator, or npm ci --prefix tools/fhir-validator)"
    )]
    async exported_lines_validate_against_the_fhir_r4_schema
);

async fn a_type_with_more_lines_than_a_file_holds_is_split(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let app = serve(db, dir.path(), &[(config::EXPORT_FILE_LINES, "3")]).await;
    let url = kick_off(&app, "/fhir/ChargeItemDefinition/$export", &[]).await;
    let manifest = finished(&app, &url, &[]).await;
    let outputs = manifest["output"].as_array().unwrap();
    let expected = total(&app, "ChargeItemDefinition", &[]).await;
    assert!(expected > 3, "the examples hold more than one file's worth");
    assert_eq!(outputs.len() as u64, expected.div_ceil(3));
    for (index, output) in outputs.iter().enumerate() {
        let url = output["url"].as_str().unwrap();
        assert!(
            url.ends_with(&format!("/ChargeItemDefinition-{}.ndjson", index + 1)),
            "{url}"
        );
        let count = output["count"].as_u64().unwrap();
        assert!(count == 3 || index + 1 == outputs.len(), "{url}: {count}");
    }
    let found = download(&app, &manifest, &[]).await;
    assert_eq!(found["ChargeItemDefinition"].len() as u64, expected);
}
on_both_backends!(
    #[cfg_attr(no_shared_data, ignore = "the shared test data (../shared/data) is not present")]
    async a_type_with_more_lines_than_a_file_holds_is_split
);
