//! `priceline openapi --gateway aws|google|azure --backend URL`: each document has every operation
//! of the API, routed to the backend in the form its gateway imports (AWS http_proxy integrations,
//! Google's `x-google-api-management` backend, Azure's `servers`); bad arguments fail with a message
//! and exit 1. Also: the response headers the spec declares are the ones the server sends.

use std::collections::BTreeSet;
use std::process::{Command, Output};

use priceline_api::openapi::gateway::{Backend, GOOGLE_BACKEND_NAME, Gateway};
use priceline_api::openapi::responses::ETAG_PATTERN;
use priceline_api::openapi::v30;
use serde_json::Value;

use crate::import::priceline_binary;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

const BACKEND: &str = "https://priceline.internal.example.org/api/";
/// `BACKEND` as the documents write it: no trailing slash, so a path appends to it.
const BASE: &str = "https://priceline.internal.example.org/api";

fn priceline(args: &[&str]) -> Output {
    Command::new(priceline_binary())
        .args(args)
        .output()
        .expect("the binary runs")
}

fn gateway_document(gateway: &str) -> Value {
    let output = priceline(&["openapi", "--gateway", gateway, "--backend", BACKEND]);
    assert!(
        output.status.success(),
        "{gateway}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the document is JSON")
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// (path, method, operation) of every operation.
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.push((path.clone(), method.to_owned(), operation.clone()));
            }
        }
    }
    found
}

fn operation_ids(spec: &Value) -> BTreeSet<(String, String, String)> {
    operations(spec)
        .into_iter()
        .map(|(path, method, operation)| {
            let id = operation["operationId"].as_str().unwrap().to_owned();
            (path, method, id)
        })
        .collect()
}

fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => spec
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{pointer} does not resolve")),
        None => value,
    }
}

fn count_key(value: &Value, key: &str) -> usize {
    match value {
        Value::Object(object) => object
            .iter()
            .map(|(name, sub)| usize::from(name == key) + count_key(sub, key))
            .sum(),
        Value::Array(items) => items.iter().map(|sub| count_key(sub, key)).sum(),
        _ => 0,
    }
}

fn profile() -> Value {
    serde_json::from_str(&v30::spec_json_3_0()).unwrap()
}

#[test]
fn the_aws_document_proxies_every_operation_to_the_backend() {
    let aws = gateway_document("aws");
    let profile = profile();
    assert_eq!(aws["openapi"], "3.0.3");
    assert_eq!(operation_ids(&aws), operation_ids(&profile));
    assert_eq!(aws["x-amazon-apigateway-api-key-source"], "HEADER");
    let schemes = aws["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(
        schemes.len(),
        1,
        "only the API-key scheme API Gateway takes"
    );
    let (scheme_name, scheme) = schemes.iter().next().unwrap();
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "header");
    assert_eq!(scheme["name"], "x-api-key");

    for (path, method, operation) in operations(&aws) {
        let label = format!("{method} {path}");
        let integration = &operation["x-amazon-apigateway-integration"];
        assert_eq!(integration["type"], "http_proxy", "{label}");
        assert_eq!(integration["httpMethod"], method.to_uppercase(), "{label}");
        assert_eq!(integration["uri"], format!("{BASE}{path}"), "{label}");
        let mappings = integration["requestParameters"].as_object().unwrap();
        let mut expected = BTreeSet::new();
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let parameter = resolve(&aws, parameter);
            let place = match parameter["in"].as_str().unwrap() {
                "query" => "querystring",
                other => other,
            };
            let name = parameter["name"].as_str().unwrap();
            let key = format!("integration.request.{place}.{name}");
            assert_eq!(
                mappings.get(&key),
                Some(&Value::from(format!("method.request.{place}.{name}"))),
                "{label}: {key}"
            );
            expected.insert(key);
        }
        // Path parameters of the URI template are all passed on.
        for segment in path.split('/').filter(|s| s.starts_with('{')) {
            let name = segment.trim_matches(['{', '}']);
            assert!(
                expected.contains(&format!("integration.request.path.{name}")),
                "{label}: {name}"
            );
        }
        assert_eq!(
            mappings.keys().cloned().collect::<BTreeSet<_>>(),
            expected,
            "{label}"
        );
        let security = operation["security"].as_array().unwrap();
        if path.starts_with("/v1/") {
            assert_eq!(security.len(), 1, "{label}");
            assert!(security[0].get(scheme_name).is_some(), "{label}");
        } else {
            assert!(security.is_empty(), "{label}: health probes stay open");
        }
    }
    // Models are JSON Schema draft 4 there: nothing API Gateway would drop with a warning.
    for keyword in [
        "example",
        "readOnly",
        "writeOnly",
        "oneOf",
        "anyOf",
        "discriminator",
    ] {
        assert_eq!(
            count_key(&aws["components"]["schemas"], keyword),
            0,
            "{keyword} in a model"
        );
    }
}

#[test]
fn the_google_document_names_one_backend_that_every_operation_uses() {
    let mut google = gateway_document("google");
    assert_eq!(google["openapi"], "3.0.3");
    assert!(google.get("swagger").is_none());
    let profile = profile();
    assert_eq!(operation_ids(&google), operation_ids(&profile));

    // The backend is declared once, at the root, and named by every operation.
    let backends = google["x-google-api-management"]["backends"]
        .as_object()
        .expect("x-google-api-management.backends");
    assert_eq!(backends.len(), 1, "{backends:?}");
    let (name, backend) = backends.iter().next().unwrap();
    assert_eq!(name, GOOGLE_BACKEND_NAME);
    assert_eq!(backend["address"], BASE);
    assert_eq!(backend["pathTranslation"], "APPEND_PATH_TO_ADDRESS");
    // No ID token of the gateway's in `Authorization`: the server reads its bearer tokens there.
    assert_eq!(backend["disableAuth"], true);
    assert!(backend.get("jwtAudience").is_none());
    assert!(
        google.get("servers").is_none(),
        "a relative server URL would be the gateway's base path"
    );

    let schemes = google["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(
        schemes.len(),
        1,
        "an API key cannot be OR-ed with other schemes there"
    );
    let (scheme_name, scheme) = schemes.iter().next().unwrap();
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "query");
    assert_eq!(scheme["name"], "key");

    for (path, method, operation) in operations(&google) {
        let label = format!("{method} {path}");
        assert_eq!(operation["x-google-backend"], name.as_str(), "{label}");
        let security = operation["security"].as_array().unwrap();
        if path.starts_with("/v1/") {
            assert_eq!(security.len(), 1, "{label}");
            assert!(security[0].get(scheme_name).is_some(), "{label}");
        } else {
            assert!(security.is_empty(), "{label}: health probes stay open");
        }
    }

    // Beside the backend, the security and `servers`, it is the 3.0 profile as is: the schemas,
    // parameters and responses every other 3.0 gateway imports.
    let mut profile = profile;
    for document in [&mut google, &mut profile] {
        let root = document.as_object_mut().unwrap();
        root.remove("servers");
        root.remove("x-google-api-management");
        root["components"]
            .as_object_mut()
            .unwrap()
            .remove("securitySchemes");
        for item in root["paths"].as_object_mut().unwrap().values_mut() {
            for method in METHODS {
                if let Some(operation) = item.get_mut(method).and_then(Value::as_object_mut) {
                    operation.remove("security");
                    operation.remove("x-google-backend");
                }
            }
        }
    }
    assert!(
        google == profile,
        "only the backend and security differ from openapi-3.0.json"
    );
}

/// openapi-spec-validator (PyPI, pinned in scripts/validate-openapi.sh, which installs it into the
/// project's `.venv`) accepts the Google document as OpenAPI 3.0.
#[test]
#[cfg_attr(
    no_openapi_validator,
    ignore = "openapi-spec-validator is not in .venv: run scripts/validate-openapi.sh (or make lint), then touch tests/build.rs"
)]
fn the_google_document_validates_as_openapi_3_0() {
    let validator = env!("PRICELINE_OPENAPI_VALIDATOR");
    let output = priceline(&["openapi", "--gateway", "google", "--backend", BACKEND]);
    assert!(output.status.success());
    let file = std::env::temp_dir().join(format!("priceline-google-{}.json", std::process::id()));
    std::fs::write(&file, &output.stdout).unwrap();
    let checked = Command::new(validator)
        .args(["--schema", "3.0", "--validation-errors", "all"])
        .arg(&file)
        .output()
        .expect("the validator runs");
    let _ = std::fs::remove_file(&file);
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[test]
fn the_azure_document_is_the_gateway_profile_served_from_the_backend() {
    let mut azure = gateway_document("azure");
    assert_eq!(azure["openapi"], "3.0.3");
    let servers = azure["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0]["url"], BASE);
    let mut profile = profile();
    azure.as_object_mut().unwrap().remove("servers");
    profile.as_object_mut().unwrap().remove("servers");
    assert!(
        azure == profile,
        "only `servers` differs from openapi-3.0.json"
    );
}

#[test]
fn bad_gateway_arguments_fail_with_a_message() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["--gateway", "kong", "--backend", BACKEND],
            "aws, google, azure",
        ),
        (
            &["--gateway", "aws", "--backend", "ftp://x.example.org"],
            "http",
        ),
        (
            &["--gateway", "aws", "--backend", "/relative/path"],
            "absolute",
        ),
        (
            &[
                "--gateway",
                "aws",
                "--backend",
                "https://x.example.org/?a=1",
            ],
            "query",
        ),
        (&["--gateway", "aws"], "--backend"),
        (&["--backend", BACKEND], "--gateway"),
    ];
    for (args, expected) in cases {
        let mut command = vec!["openapi"];
        command.extend_from_slice(args);
        let output = priceline(&command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: printed a document");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn gateway_and_backend_parse_as_documented() {
    assert_eq!(Gateway::parse("AWS"), Ok(Gateway::Aws));
    assert_eq!(Gateway::parse("google"), Ok(Gateway::Google));
    assert_eq!(Gateway::parse("azure"), Ok(Gateway::Azure));
    assert!(Gateway::parse("apigee").is_err());
    let backend = Backend::parse("http://10.0.0.7:8080").unwrap();
    assert_eq!(backend.as_str(), "http://10.0.0.7:8080");
    assert_eq!(
        Backend::parse("https://h.example.org/prefix//")
            .unwrap()
            .as_str(),
        "https://h.example.org/prefix"
    );
    for bad in [
        "",
        "h.example.org",
        "https://",
        "https://user:pw@h.example.org",
        "https://h.example.org/#x",
    ] {
        assert!(Backend::parse(bad).is_err(), "{bad:?}");
    }
}

/// What the spec declares beside the bodies, checked against live responses: `X-Request-Id` on
/// every response, the `ETag` of a GET in the documented form and its 304, and `Allow` on a 405.
async fn the_declared_response_headers_are_sent(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let spec = profile();
    let ok = &spec["paths"]["/v1/facilities"]["get"]["responses"];
    for status in ["200", "304", "400", "405"] {
        assert!(
            ok[status]["headers"]["X-Request-Id"].is_object(),
            "{status}: X-Request-Id declared"
        );
    }
    assert_eq!(
        spec["components"]["headers"]["ETag"]["schema"]["pattern"],
        ETAG_PATTERN
    );
    // ETAG_PATTERN, ^W/"[0-9a-f]{16}"$, checked by hand (no regex crate in the suite).
    let etag_form = |tag: &str| {
        tag.len() == 20
            && tag.starts_with("W/\"")
            && tag.ends_with('"')
            && tag[3..19]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    };

    let (status, headers, _) = app.get_with_headers("/v1/facilities", &[]).await;
    assert_eq!(status, 200);
    let etag = headers
        .get("etag")
        .expect("an ETag")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(etag_form(&etag), "{etag}");
    assert!(headers.get("x-request-id").is_some());

    let (status, headers, _) = app
        .get_with_headers("/v1/facilities", &[("If-None-Match", etag.as_str())])
        .await;
    assert_eq!(status, 304);
    assert_eq!(headers.get("etag").unwrap().to_str().unwrap(), etag);
    assert!(headers.get("x-request-id").is_some());

    let (status, headers, body) = app.get_with_headers("/v1/facilities?limit=0", &[]).await;
    assert_eq!(status, 400);
    assert!(headers.get("x-request-id").is_some());
    assert_eq!(body["status"], 400);

    let response = awc::Client::default()
        .post(app.url("/v1/facilities"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(
        response.headers().get("allow").unwrap().to_str().unwrap(),
        spec["paths"]["/v1/facilities"]["get"]["responses"]["405"]["headers"]["Allow"]["schema"]
            ["enum"][0]
            .as_str()
            .unwrap()
    );
}
on_both_backends!(async the_declared_response_headers_are_sent);

/// Each list's cursor is its sort key as JSON, of the form the spec's `pattern` gives: any cursor
/// of that form pages (a position no item has just gives what follows it), any other is a 400 naming
/// `cursor`, as the pattern says.
async fn cursors_of_the_documented_form_page_and_others_are_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect()
    };
    for (path, cursor) in [
        (
            "/v1/facilities",
            r#"{"name":"Zz \"quoted\" \u00e9","id":-12}"#,
        ),
        ("/v1/payers", r#"{"payer_name":"","plan_name":"\n"}"#),
        (
            "/v1/prices?code=1",
            r#"{"value":0,"item_id":1,"charge_id":2,"rate_id":3}"#,
        ),
        (
            "/v1/codes/CPT/1/compare",
            r#"{"unranked":true,"price_micros":8999999999999999999,"facility_id":1}"#,
        ),
        ("/v1/source-files", "-5"),
    ] {
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = format!("{path}{separator}cursor={}", encode(cursor));
        let (status, body) = app.get(&url).await;
        // A missing code is a 404 of its own; the cursor was accepted.
        assert!(status == 200 || status == 404, "{url}: {body}");
        assert_ne!(body["parameter"], "cursor", "{url}: {body}");
    }
    for (path, cursor) in [
        // Another list's cursor, a reordered key, `-0` (a float to JSON readers), base64.
        (
            "/v1/facilities",
            r#"{"value":0,"item_id":1,"charge_id":2,"rate_id":3}"#,
        ),
        ("/v1/facilities", r#"{"id":1,"name":"A"}"#),
        ("/v1/source-files", "-0"),
        ("/v1/source-files", "MTI"),
        ("/v1/payers", r#"{"payer_name":"A","plan_name":"B"} "#),
    ] {
        let url = format!("{path}?cursor={}", encode(cursor));
        let (status, body) = app.get(&url).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert_eq!(body["parameter"], "cursor", "{url}: {body}");
    }
}
on_both_backends!(async cursors_of_the_documented_form_page_and_others_are_refused);
