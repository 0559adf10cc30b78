//! Credentials and rate limits, as a client meets them: the open demo mode, API keys, JWT bearer
//! tokens (expiry, signature, scope), the open meta routes, per-client 429s, and the spec that
//! documents all of it.

use std::collections::BTreeSet;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use priceline_api::auth::api_key::hash_hex;
use priceline_api::config;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

const KEY: &str = "plk_test-key-for-the-reporting-client";
const OTHER_KEY: &str = "plk_test-key-for-the-billing-client";
const SECRET: &str = "a test secret of at least 32 bytes, for HS256";
const ISSUER: &str = "https://issuer.example";

fn keys() -> String {
    format!(
        "reporting:{},billing:{}",
        hash_hex(KEY),
        hash_hex(OTHER_KEY)
    )
}

fn token(claims: Value, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn claims(scope: &str, expires_in: i64) -> Value {
    let exp = get_current_timestamp() as i64 + expires_in;
    json!({"sub": "client-7", "iss": ISSUER, "exp": exp, "scope": scope})
}

struct Answer {
    status: u16,
    content_type: String,
    www_authenticate: Option<String>,
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
    let text = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    };
    let content_type = text("content-type").unwrap_or_default();
    let www_authenticate = text("www-authenticate");
    let all: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response.body().limit(10_000_000).await.unwrap();
    Answer {
        status: response.status().as_u16(),
        content_type,
        www_authenticate,
        headers: all,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    }
}

fn assert_problem(answer: &Answer, status: u16, label: &str) {
    assert_eq!(answer.status, status, "{label}: {}", answer.body);
    assert_eq!(answer.content_type, "application/problem+json", "{label}");
    assert_eq!(answer.body["status"], status, "{label}");
}

async fn with_nothing_configured_the_api_is_open(db: TestDb) {
    let app = TestApp::spawn_with_env(db, &[(config::RATE_LIMIT_PER_SECOND, "0")]).await;
    let answer = get(&app, "/v1/facilities", &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // A credential sent to an open server is not judged.
    let answer = get(&app, "/v1/facilities", &[("X-API-Key", "plk_anything")]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}
on_both_backends!(async with_nothing_configured_the_api_is_open);

async fn api_keys_are_required_once_configured(db: TestDb) {
    let app = TestApp::spawn_with_env(
        db,
        &[
            (config::API_KEYS, &keys()),
            (config::RATE_LIMIT_PER_SECOND, "0"),
        ],
    )
    .await;

    let missing = get(&app, "/v1/facilities", &[]).await;
    assert_problem(&missing, 401, "no credential");
    assert!(
        missing
            .www_authenticate
            .as_deref()
            .is_some_and(|c| c.starts_with("Bearer realm=")),
        "{:?}",
        missing.www_authenticate
    );
    assert!(
        missing.body["detail"]
            .as_str()
            .unwrap()
            .contains("X-API-Key"),
        "{}",
        missing.body
    );
    // Unknown /v1 paths are no way around it (nor a way to list routes).
    assert_problem(&get(&app, "/v1/nothing", &[]).await, 401, "unknown path");

    let wrong = get(&app, "/v1/facilities", &[("X-API-Key", "plk_wrong")]).await;
    assert_problem(&wrong, 401, "wrong key");
    assert_eq!(wrong.body["parameter"], "X-API-Key");
    assert!(wrong.www_authenticate.is_some());
    assert!(
        !wrong.body.to_string().contains("plk_wrong"),
        "the key is echoed: {}",
        wrong.body
    );

    // Header only: a key in the query string is not a credential.
    let query = get(&app, &format!("/v1/facilities?api_key={KEY}"), &[]).await;
    assert_problem(&query, 401, "key in the query string");

    for key in [KEY, OTHER_KEY] {
        let right = get(&app, "/v1/facilities", &[("X-API-Key", key)]).await;
        assert_eq!(right.status, 200, "{}", right.body);
        // One caller's answer: no shared cache may keep it or give it to another credential.
        assert_eq!(right.header("cache-control"), Some("no-store"));
        let vary: Vec<&str> = right
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("vary"))
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .collect();
        for header in ["Authorization", "X-API-Key"] {
            assert!(
                vary.iter().any(|v| v.eq_ignore_ascii_case(header)),
                "{vary:?}"
            );
        }
    }
    assert_eq!(missing.header("cache-control"), Some("no-store"));
    // No JWT secret configured: a bearer token cannot be checked, so it is refused.
    let bearer = get(
        &app,
        "/v1/facilities",
        &[("Authorization", "Bearer abc.def.ghi")],
    )
    .await;
    assert_problem(&bearer, 401, "bearer without a secret");
    assert_eq!(bearer.body["parameter"], "Authorization");

    for path in ["/healthz", "/readyz", "/openapi.json", "/docs/"] {
        let open = get(&app, path, &[]).await;
        assert_eq!(open.status, 200, "{path} must stay open");
    }
}
on_both_backends!(async api_keys_are_required_once_configured);

async fn bearer_tokens_are_verified_and_need_the_scope(db: TestDb) {
    let app = TestApp::spawn_with_env(
        db,
        &[
            (config::JWT_SECRET, SECRET),
            (config::JWT_ISSUER, ISSUER),
            (config::RATE_LIMIT_PER_SECOND, "0"),
        ],
    )
    .await;
    let bearer = |token: String| format!("Bearer {token}");

    let valid = bearer(token(claims("openid prices:read", 300), SECRET));
    let answer = get(&app, "/v1/facilities", &[("Authorization", &valid)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    let refused = [
        (
            bearer(token(claims("prices:read", -3600), SECRET)),
            "expired",
        ),
        (
            bearer(token(
                claims("prices:read", 300),
                "another secret, also 32 bytes or more",
            )),
            "signature",
        ),
        ("Bearer not-a-jwt".to_owned(), "well-formed"),
        ("Basic dXNlcjpwYXNz".to_owned(), "Bearer"),
    ];
    for (authorization, expected) in refused {
        let answer = get(&app, "/v1/facilities", &[("Authorization", &authorization)]).await;
        assert_problem(&answer, 401, expected);
        let detail = answer.body["detail"].as_str().unwrap();
        assert!(detail.contains(expected), "{detail} should say {expected}");
        assert!(!detail.contains(SECRET), "{detail}");
        assert_eq!(answer.body["parameter"], "Authorization");
        assert!(
            answer
                .www_authenticate
                .as_deref()
                .is_some_and(|c| c.contains("invalid_token")),
            "{:?}",
            answer.www_authenticate
        );
    }

    let no_scope = bearer(token(claims("prices:write", 300), SECRET));
    let answer = get(&app, "/v1/facilities", &[("Authorization", &no_scope)]).await;
    assert_problem(&answer, 403, "missing scope");
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap()
            .contains("prices:read")
    );
    assert!(
        answer
            .www_authenticate
            .as_deref()
            .is_some_and(|c| c.contains("insufficient_scope")),
        "{:?}",
        answer.www_authenticate
    );
    // No API keys configured: a key cannot be valid.
    let key = get(&app, "/v1/facilities", &[("X-API-Key", KEY)]).await;
    assert_problem(&key, 401, "API key without keys");
}
on_both_backends!(async bearer_tokens_are_verified_and_need_the_scope);

/// Requests until the first 429 (at most `burst + 5`), returning how many passed and the 429.
async fn exhaust(app: &TestApp, headers: &[(&str, &str)], burst: usize) -> (usize, Answer) {
    for passed in 0..burst + 5 {
        let answer = get(app, "/v1/facilities", headers).await;
        if answer.status == 429 {
            return (passed, answer);
        }
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    panic!(
        "no 429 after {} requests with a burst of {burst}",
        burst + 5
    );
}

async fn each_client_has_its_own_rate_limit(db: TestDb) {
    let burst = 3;
    let app = TestApp::spawn_with_env(
        db,
        &[
            (config::API_KEYS, &keys()),
            (config::RATE_LIMIT_PER_SECOND, "1"),
            (config::RATE_LIMIT_BURST, "3"),
        ],
    )
    .await;

    let (passed, throttled) = exhaust(&app, &[("X-API-Key", KEY)], burst).await;
    assert!(passed >= burst, "only {passed} passed before the 429");
    assert_problem(&throttled, 429, "burst exhausted");
    let retry_after: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(throttled.header("x-ratelimit-limit"), Some("3"));
    assert_eq!(throttled.header("x-ratelimit-remaining"), Some("0"));
    assert!(throttled.header("x-ratelimit-after").is_some());

    // Another key is another client; health probes are never throttled.
    let other = get(&app, "/v1/facilities", &[("X-API-Key", OTHER_KEY)]).await;
    assert_eq!(other.status, 200, "{}", other.body);
    for _ in 0..2 * burst {
        assert_eq!(get(&app, "/healthz", &[]).await.status, 200);
    }
}
on_both_backends!(async each_client_has_its_own_rate_limit);

async fn anonymous_clients_are_limited_by_address(db: TestDb) {
    let app = TestApp::spawn_with_env(
        db,
        &[
            (config::RATE_LIMIT_PER_SECOND, "1"),
            (config::RATE_LIMIT_BURST, "2"),
            (config::TRUST_FORWARDED, "true"),
        ],
    )
    .await;
    let first = [("X-Forwarded-For", "203.0.113.7, 10.0.0.1")];
    let (passed, throttled) = exhaust(&app, &first, 2).await;
    assert!(passed >= 2);
    assert_problem(&throttled, 429, "first address");
    let second = get(
        &app,
        "/v1/facilities",
        &[("X-Forwarded-For", "198.51.100.4")],
    )
    .await;
    assert_eq!(second.status, 200, "another address is another client");
}
on_both_backends!(async anonymous_clients_are_limited_by_address);

fn operations(spec: &Value) -> Vec<(String, &Value)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            found.push((format!("{method} {path}"), operation));
        }
    }
    found
}

#[test]
fn the_spec_documents_credentials_and_limits_on_every_data_operation() {
    let specs = [
        priceline_api::openapi::spec_json(),
        priceline_api::openapi::spec_json_3_0(),
    ];
    for text in specs {
        let spec: Value = serde_json::from_str(&text).unwrap();
        let version = spec["openapi"].as_str().unwrap().to_owned();
        let schemes = &spec["components"]["securitySchemes"];
        assert_eq!(schemes["apiKey"]["type"], "apiKey", "{version}");
        assert_eq!(schemes["apiKey"]["in"], "header");
        assert_eq!(schemes["apiKey"]["name"], "X-API-Key");
        assert_eq!(schemes["bearerAuth"]["type"], "http");
        assert_eq!(schemes["bearerAuth"]["scheme"], "bearer");
        assert_eq!(schemes["bearerAuth"]["bearerFormat"], "JWT");
        let mut data_operations = 0;
        for (label, operation) in operations(&spec) {
            if !label.contains(" /v1/") {
                // An empty list: open, and saying so (linters flag an operation without one).
                assert_eq!(
                    operation.get("security"),
                    Some(&serde_json::json!([])),
                    "{version} {label} must stay open"
                );
                continue;
            }
            data_operations += 1;
            let either: BTreeSet<String> = operation["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{version} {label}: no security"))
                .iter()
                .map(|requirement| {
                    let names: Vec<&String> = requirement.as_object().unwrap().keys().collect();
                    assert_eq!(names.len(), 1, "{label}: one scheme per alternative");
                    names[0].clone()
                })
                .collect();
            assert_eq!(
                either,
                BTreeSet::from(["apiKey".into(), "bearerAuth".into(), "oauth2".into()]),
                "{label}"
            );
            // The OAuth2 alternative names the scope the operation needs.
            let needed = if label.contains(" /v1/admin") {
                "admin"
            } else if label.contains(" /v1/imports") {
                "imports:write"
            } else {
                "prices:read"
            };
            let oauth = operation["security"]
                .as_array()
                .unwrap()
                .iter()
                .find_map(|requirement| requirement.get("oauth2"))
                .unwrap();
            assert_eq!(oauth, &serde_json::json!([needed]), "{version} {label}");
            for status in ["401", "403", "429"] {
                let response = &operation["responses"][status];
                assert_eq!(
                    response["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{version} {label} {status}"
                );
            }
            let headers = operation["responses"]["429"]["headers"]
                .as_object()
                .unwrap();
            for name in [
                "Retry-After",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-After",
            ] {
                assert!(
                    headers.contains_key(name),
                    "{version} {label}: 429 lacks {name}"
                );
            }
            assert!(operation["responses"]["401"]["headers"]["WWW-Authenticate"].is_object());
        }
        assert!(
            data_operations >= 10,
            "{version}: {data_operations} /v1 operations"
        );
    }
}

fn a_key_from_the_cli_is_accepted_by_the_server(db: TestDb) {
    let output = std::process::Command::new(crate::import::priceline_binary())
        .args(["api-key", "reporting"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    let words: Vec<&str> = printed.split_whitespace().collect();
    let key = words.iter().find(|word| word.starts_with("plk_")).unwrap();
    let entry = words
        .iter()
        .find(|word| word.starts_with("reporting:"))
        .unwrap();
    assert_eq!(*entry, format!("reporting:{}", hash_hex(key)));
    actix_web::rt::System::new().block_on(async {
        let app = TestApp::spawn_with_env(
            db,
            &[
                (config::API_KEYS, entry),
                (config::RATE_LIMIT_PER_SECOND, "0"),
            ],
        )
        .await;
        let answer = get(&app, "/v1/facilities", &[("X-API-Key", key)]).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    });
}
on_both_backends!(a_key_from_the_cli_is_accepted_by_the_server);

#[test]
fn bad_security_settings_stop_the_cli_naming_the_variable() {
    let name = std::process::Command::new(crate::import::priceline_binary())
        .args(["api-key", "two words"])
        .output()
        .unwrap();
    assert!(!name.status.success());
    assert!(String::from_utf8_lossy(&name.stderr).contains("two words"));

    let secret = "too-short-secret";
    let serve = std::process::Command::new(crate::import::priceline_binary())
        .arg("serve")
        .env("PRICELINE_JWT_SECRET", secret)
        .env("PRICELINE_DATABASE_URL", "unused.db")
        .env("PRICELINE_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!serve.status.success());
    let stderr = String::from_utf8_lossy(&serve.stderr);
    assert!(stderr.contains("PRICELINE_JWT_SECRET"), "{stderr}");
    assert!(!stderr.contains(secret), "{stderr}");
}
