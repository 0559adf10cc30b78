//! Every error status of the /v1 API as a client meets it, on both backends: each is an RFC 9457
//! problem (`application/problem+json`, one shape), names what to fix where that is a parameter,
//! and never carries SQL, driver or internal text. 401, 403 and 429 are in `auth.rs`.

use std::time::Duration;

use actix_web::http::Method;
use diesel::RunQueryDsl;
use priceline_api::config;
use priceline_api::middleware::request_body::BODY_LIMIT;
use serde_json::Value;

use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

/// Every /v1 route, with ids and codes that parse (nothing is imported, so those are 404s or empty).
const V1_PATHS: [&str; 11] = [
    "/v1/facilities",
    "/v1/facilities/1",
    "/v1/facilities/1/snapshots",
    "/v1/prices?code=70551",
    "/v1/codes/CPT/70551/statistics",
    "/v1/codes/CPT/70551/compare",
    "/v1/payers",
    "/v1/source-files",
    "/v1/source-files/1",
    "/v1/source-files/1/findings",
    "/v1/facilities?state=CA",
];

/// Words of SQL, of the drivers, of the pool and of the schema that must never reach a client.
const INTERNAL_WORDS: [&str; 19] = [
    "select",
    "from",
    "where",
    "sql",
    "sqlite",
    "postgres",
    "postgresql",
    "diesel",
    "r2d2",
    "relation",
    "table",
    "column",
    "syntax",
    "timed",
    "panicked",
    "source_files",
    "source_files_gone",
    "payer_plans",
    "payer_plans_gone",
];

/// A client whose timeout outlasts the pool's 10 s wait for a connection.
fn patient_client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish()
}

/// Sends `request` with `body`, returning the status, headers and the body as JSON (Null if not JSON).
async fn send(
    request: awc::ClientRequest,
    body: Vec<u8>,
) -> (u16, awc::http::header::HeaderMap, Value) {
    let mut response = request.send_body(body).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.body().limit(10_000_000).await.unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Asserts that `body` is a problem of `status` and returns it; `label` says which request it was.
fn assert_problem(
    label: &str,
    status: u16,
    headers: &awc::http::header::HeaderMap,
    body: &Value,
    expected: u16,
) {
    assert_eq!(status, expected, "{label}: {body}");
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/problem+json",
        "{label}"
    );
    assert_eq!(body["status"], expected, "{label}: {body}");
    assert_eq!(body["type"], "about:blank", "{label}: {body}");
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{label}: {body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{label}: {body}"
    );
    let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    for field in fields {
        assert!(
            ["type", "title", "status", "detail", "parameter"].contains(&field.as_str()),
            "{label}: unexpected member {field} in {body}"
        );
    }
    let text = body.to_string().to_ascii_lowercase();
    let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    for word in words {
        assert!(
            !INTERNAL_WORDS.contains(&word),
            "{label}: `{word}` in {body}"
        );
    }
}

async fn contradicting_parameters_are_422_naming_the_one_to_change(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = awc::Client::default();
    for (path, parameter) in [
        // No criterion at all: each parameter is fine, the search as a whole is not.
        ("/v1/prices?sort=facility", "code"),
        ("/v1/prices?setting=inpatient&limit=5", "code"),
        ("/v1/prices?code=1&sort=amount", "kind"),
        ("/v1/prices?code=1&sort=-amount", "kind"),
        (
            "/v1/prices?code=1&sort=amount&kind=negotiated_algorithm",
            "kind",
        ),
        ("/v1/prices?code=1&min_amount=100", "kind"),
        (
            "/v1/prices?code=1&max_amount=100&kind=negotiated_algorithm",
            "kind",
        ),
        (
            "/v1/prices?code=1&kind=gross&min_amount=500&max_amount=100",
            "min_amount",
        ),
        (
            "/v1/prices?code=1&kind=gross&min_amount=100.000001&max_amount=100",
            "min_amount",
        ),
    ] {
        let (status, headers, body) = send(client.get(app.url(path)), Vec::new()).await;
        assert_problem(path, status, &headers, &body, 422);
        assert_eq!(body["title"], "Unprocessable Content", "{path}");
        assert_eq!(body["parameter"], parameter, "{path}: {body}");
    }
    // A malformed single value stays a 400; bounds that meet are no contradiction.
    for (path, parameter) in [
        ("/v1/prices?code=1&kind=gross&min_amount=abc", "min_amount"),
        ("/v1/prices?code=1&kind=gross&max_amount=-5", "max_amount"),
        ("/v1/prices?code=1&sort=cheapest", "sort"),
        ("/v1/prices?code=1&kind=net", "kind"),
    ] {
        let (status, headers, body) = send(client.get(app.url(path)), Vec::new()).await;
        assert_problem(path, status, &headers, &body, 400);
        assert_eq!(body["parameter"], parameter, "{path}: {body}");
    }
    for path in [
        "/v1/prices?code=1&kind=gross&min_amount=100&max_amount=100",
        "/v1/prices?code=1&kind=negotiated_percentage&sort=-amount&max_amount=80",
    ] {
        let (status, _, body) = send(client.get(app.url(path)), Vec::new()).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
}
on_both_backends!(async contradicting_parameters_are_422_naming_the_one_to_change);

async fn request_bodies_are_refused_with_413_or_415(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = awc::Client::default();
    for path in V1_PATHS {
        let request = client
            .get(app.url(path))
            .insert_header(("Content-Type", "text/plain"));
        let (status, headers, body) = send(request, b"hello".to_vec()).await;
        assert_problem(path, status, &headers, &body, 415);
        assert_eq!(body["parameter"], "Content-Type", "{path}: {body}");
        assert_eq!(body["title"], "Unsupported Media Type");
    }
    // No Content-Type is no JSON either; form data is not JSON.
    let (status, headers, body) = send(client.get(app.url("/v1/payers")), b"x=1".to_vec()).await;
    assert_problem("no content type", status, &headers, &body, 415);
    let form = client
        .get(app.url("/v1/payers"))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"));
    let (status, headers, body) = send(form, b"name=platform".to_vec()).await;
    assert_problem("form", status, &headers, &body, 415);

    // Within the limit, an empty body of any type or a JSON body is ignored.
    let empty = client
        .get(app.url("/v1/payers"))
        .insert_header(("Content-Type", "text/plain"));
    assert_eq!(send(empty, Vec::new()).await.0, 200);
    for content_type in [
        "application/json",
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ] {
        let request = client
            .get(app.url("/v1/payers"))
            .insert_header(("Content-Type", content_type));
        let (status, _, body) = send(request, b"{}".to_vec()).await;
        assert_eq!(status, 200, "{content_type}: {body}");
    }
    let mut at_limit = vec![b' '; BODY_LIMIT];
    at_limit[0] = b'1';
    let request = client
        .get(app.url("/v1/payers"))
        .insert_header(("Content-Type", "application/json"));
    assert_eq!(
        send(request, at_limit).await.0,
        200,
        "a body of exactly the limit"
    );

    // One byte over the limit, JSON or not, is a 413; the connection stays usable.
    for content_type in ["application/json", "text/plain"] {
        let request = client
            .get(app.url("/v1/facilities"))
            .insert_header(("Content-Type", content_type));
        let (status, headers, body) = send(request, vec![b' '; BODY_LIMIT + 1]).await;
        assert_problem(content_type, status, &headers, &body, 413);
        assert_eq!(body["title"], "Content Too Large");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains(&BODY_LIMIT.to_string()),
            "{body}"
        );
        assert_eq!(
            send(client.get(app.url("/v1/facilities")), Vec::new())
                .await
                .0,
            200
        );
    }
    // A chunked body (no Content-Length) is read and judged the same way.
    let chunks = |count: usize, size: usize| {
        let chunk = actix_web::web::Bytes::from(vec![b'a'; size]);
        futures_util::stream::iter(std::iter::repeat_n(chunk, count).map(Ok::<_, std::io::Error>))
    };
    let request = client
        .get(app.url("/v1/payers"))
        .insert_header(("Content-Type", "text/csv"));
    let mut response = request.send_stream(chunks(3, 10)).await.unwrap();
    assert_eq!(response.status().as_u16(), 415);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["parameter"], "Content-Type");
    let request = client
        .get(app.url("/v1/payers"))
        .insert_header(("Content-Type", "application/json"));
    let response = request.send_stream(chunks(17, 4096)).await.unwrap();
    assert_eq!(response.status().as_u16(), 413);

    // A body on another method is still a 405: the method is the first thing wrong.
    let post = client
        .post(app.url("/v1/facilities"))
        .insert_header(("Content-Type", "text/plain"));
    let (status, headers, body) = send(post, b"hello".to_vec()).await;
    assert_problem("POST with a body", status, &headers, &body, 405);
    // Outside /v1 nothing reads bodies either, and nothing is refused.
    let health = client
        .get(app.url("/healthz"))
        .insert_header(("Content-Type", "text/plain"));
    assert_eq!(send(health, b"hello".to_vec()).await.0, 200);
}
on_both_backends!(async request_bodies_are_refused_with_413_or_415);

async fn undeclared_methods_are_405_unknown_resources_404_and_bad_paths_400(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = awc::Client::default();
    for path in V1_PATHS.iter().copied().chain(["/healthz", "/readyz"]) {
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let label = format!("{method} {path}");
            let (status, headers, body) =
                send(client.request(method.clone(), app.url(path)), Vec::new()).await;
            assert_problem(&label, status, &headers, &body, 405);
            assert_eq!(headers.get("allow").unwrap(), "GET, HEAD", "{label}");
            assert_eq!(body["title"], "Method Not Allowed");
        }
    }
    for path in [
        "/v1/facilities/1",
        "/v1/facilities/1/snapshots",
        "/v1/source-files/1",
        "/v1/source-files/1/findings",
        "/v1/nothing",
        "/v1/facilities/1/nothing",
    ] {
        let (status, headers, body) = send(client.get(app.url(path)), Vec::new()).await;
        assert_problem(path, status, &headers, &body, 404);
    }
    for path in [
        "/v1/facilities/abc",
        "/v1/facilities/1.5/snapshots",
        "/v1/source-files/-",
        "/v1/source-files/x/findings",
    ] {
        let (status, headers, body) = send(client.get(app.url(path)), Vec::new()).await;
        assert_problem(path, status, &headers, &body, 400);
        assert_eq!(body["parameter"], "id", "{path}");
    }
    for path in ["/v1/codes/XYZ/1/statistics", "/v1/codes/XYZ/1/compare"] {
        let (status, headers, body) = send(client.get(app.url(path)), Vec::new()).await;
        assert_problem(path, status, &headers, &body, 400);
        assert_eq!(body["parameter"], "code_type", "{path}");
    }
    for path in V1_PATHS.iter().copied().chain(["/healthz", "/readyz"]) {
        let request = client
            .get(app.url(path))
            .insert_header(("Accept", "text/csv"));
        let (status, headers, body) = send(request, Vec::new()).await;
        assert_problem(path, status, &headers, &body, 406);
    }
}
on_both_backends!(async undeclared_methods_are_405_unknown_resources_404_and_bad_paths_400);

/// The spec says ids start at 1 (`minimum: 1`): an id below that is a malformed request naming
/// `id`, never a 404 for something that could exist.
async fn ids_below_one_are_400_naming_id(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = awc::Client::default();
    for path in [
        "/v1/facilities/0",
        "/v1/facilities/-1",
        "/v1/facilities/0/snapshots",
        "/v1/source-files/0",
        "/v1/source-files/-7/findings",
    ] {
        let (status, headers, body) = send(client.get(app.url(path)), Vec::new()).await;
        assert_problem(path, status, &headers, &body, 400);
        assert_eq!(body["parameter"], "id", "{path}: {body}");
    }
}
on_both_backends!(async ids_below_one_are_400_naming_id);

/// A date that does not parse is refused naming `as_of`, the form it must take, and the value sent,
/// on every operation that takes one.
async fn a_bad_as_of_names_the_date_form(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = awc::Client::default();
    // Each operation's path and query up to `as_of` (prices needs a filter besides).
    for start in [
        "/v1/facilities/1?",
        "/v1/facilities?",
        "/v1/prices?code=70551&",
        "/v1/codes/CPT/70551/statistics?",
        "/v1/codes/CPT/70551/compare?",
        "/v1/payers?",
    ] {
        for bad in ["01/02/2025", "2025-02-30", "2025-1-1x"] {
            let path = format!("{start}as_of={bad}");
            let (status, headers, body) = send(client.get(app.url(&path)), Vec::new()).await;
            assert_problem(&path, status, &headers, &body, 400);
            assert_eq!(body["parameter"], "as_of", "{path}: {body}");
            let detail = body["detail"].as_str().unwrap();
            assert!(
                detail.contains("YYYY-MM-DD") && detail.contains(&format!("{bad:?}")),
                "{path}: {detail}"
            );
        }
    }
}
on_both_backends!(async a_bad_as_of_names_the_date_form);

async fn a_pool_held_busy_is_a_503_and_the_server_recovers(db: TestDb) {
    // One connection, held by the test: every request waits the pool's timeout, then 503.
    let url = db.url.clone();
    let app = TestApp::spawn_with_env(db, &[(config::POOL_SIZE, "1")]).await;
    let held = app.pool.get().unwrap();
    let client = patient_client();
    let (api, ready) = tokio::join!(
        send(client.get(app.url("/v1/facilities")), Vec::new()),
        send(client.get(app.url("/readyz")), Vec::new()),
    );
    for (label, (status, headers, body)) in [("/v1/facilities", api), ("/readyz", ready)] {
        assert_problem(label, status, &headers, &body, 503);
        assert_eq!(headers.get("retry-after").unwrap(), "5", "{label}");
        assert_eq!(body["detail"], "the database is unavailable", "{label}");
        let text = body.to_string();
        assert!(
            !text.contains(&url.target()),
            "{label}: the database's address in {text}"
        );
    }
    drop(held);
    let (status, _, body) = send(client.get(app.url("/v1/facilities")), Vec::new()).await;
    assert_eq!(status, 200, "{body}");
}
on_both_backends!(async a_pool_held_busy_is_a_503_and_the_server_recovers);

async fn readiness_answers_within_its_deadline_whatever_the_database_does(db: TestDb) {
    // The only connection is held and requests would wait 30 s for it: /readyz still answers (503)
    // after about a second, as a load balancer's probe needs.
    let app = TestApp::spawn_with_env(
        db,
        &[(config::POOL_SIZE, "1"), (config::DB_ACQUIRE_TIMEOUT, "30")],
    )
    .await;
    let held = app.pool.get().unwrap();
    let started = std::time::Instant::now();
    let (status, headers, body) = send(patient_client().get(app.url("/readyz")), Vec::new()).await;
    let waited = started.elapsed();
    assert_problem("/readyz", status, &headers, &body, 503);
    assert!(
        waited >= priceline_api::routes::health::READINESS_DEADLINE
            && waited < std::time::Duration::from_secs(15),
        "answered after {waited:?}"
    );
    drop(held);
    let (status, _, body) = send(patient_client().get(app.url("/readyz")), Vec::new()).await;
    assert_eq!(status, 200, "{body}");
}
on_both_backends!(async readiness_answers_within_its_deadline_whatever_the_database_does);

async fn a_failing_query_is_a_500_without_internal_text(db: TestDb) {
    let mut connection = db.migrated();
    // The tables every read starts from, gone from under the server.
    for table in ["source_files", "payer_plans"] {
        diesel::sql_query(format!("ALTER TABLE {table} RENAME TO {table}_gone"))
            .execute(&mut connection)
            .unwrap();
    }
    let app = TestApp::spawn(db).await;
    let client = awc::Client::default();
    for path in V1_PATHS {
        let (status, headers, body) = send(client.get(app.url(path)), Vec::new()).await;
        assert_problem(path, status, &headers, &body, 500);
        assert_eq!(body["detail"], "internal error", "{path}");
        assert!(body.get("parameter").is_none(), "{path}: {body}");
    }
}
on_both_backends!(async a_failing_query_is_a_500_without_internal_text);

#[test]
fn each_error_status_is_documented_where_it_can_occur() {
    use priceline_api::openapi::{spec_json, spec_json_3_0};
    for (version, text) in [("3.1", spec_json()), ("3.0", spec_json_3_0())] {
        let spec: Value = serde_json::from_str(&text).unwrap();
        for (path, item) in spec["paths"].as_object().unwrap() {
            // GET operations: the ones every path but a few POST-only actions has.
            let Some(responses) = item["get"]["responses"].as_object() else {
                assert!(
                    path.ends_with("/revoke")
                        || path.ends_with("/rotate")
                        || path == "/oauth/token",
                    "{version} {path}: no GET"
                );
                continue;
            };
            let documents = |status: &str| responses.contains_key(status);
            let v1 = path.starts_with("/v1/");
            for status in ["405", "406", "500"] {
                assert!(documents(status), "{version} {path}: no {status}");
            }
            for status in ["400", "401", "403", "404", "413", "415", "429"] {
                assert_eq!(documents(status), v1, "{version} {path}: {status}");
            }
            // Whatever reads the database can find it unavailable.
            assert_eq!(
                documents("503"),
                path != "/healthz",
                "{version} {path}: 503"
            );
            // Only the price search takes parameters that can contradict each other.
            assert_eq!(
                documents("422"),
                path == "/v1/prices",
                "{version} {path}: 422"
            );
        }
    }
}

/// A PostgreSQL database of its own, dropped (connections and all) while the server uses it: every
/// request then waits for a connection that cannot be made, and is a 503 naming nothing internal.
#[test]
#[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
fn a_postgres_database_that_goes_away_is_a_503() {
    use priceline_store::{DatabaseUrl, connect};
    let base_text = std::env::var("PRICELINE_TEST_POSTGRES_URL").unwrap();
    let base = DatabaseUrl::parse(&base_text).unwrap();
    let name = format!(
        "priceline_gone_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut admin = connect(&base).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .unwrap();
    // The same server and credentials, another database: only the path after the last '/' changes.
    let (prefix, rest) = base_text.rsplit_once('/').unwrap();
    let query = rest
        .split_once('?')
        .map_or(String::new(), |(_, q)| format!("?{q}"));
    let url = DatabaseUrl::parse(&format!("{prefix}/{name}{query}")).unwrap();
    actix_web::rt::System::new().block_on(async {
        let app = TestApp::spawn_on(&url, &[]).await;
        let client = patient_client();
        let (status, _, body) = send(client.get(app.url("/v1/payers")), Vec::new()).await;
        assert_eq!(status, 200, "{body}");
        diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut admin)
            .unwrap();
        // New connections: on a loaded machine the drop can outlast the server's keep-alive, and a
        // pooled connection it closed meanwhile would fail the request before it is sent.
        let client = patient_client();
        let (api, ready) = tokio::join!(
            send(client.get(app.url("/v1/facilities?state=NY")), Vec::new()),
            send(client.get(app.url("/readyz")), Vec::new()),
        );
        for (path, (status, headers, body)) in [("/v1/facilities", api), ("/readyz", ready)] {
            assert_problem(path, status, &headers, &body, 503);
            assert_eq!(headers.get("retry-after").unwrap(), "5", "{path}");
            assert!(!body.to_string().contains(&name), "{path}: {body}");
        }
    });
}
