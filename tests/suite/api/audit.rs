//! The audit trail (issue 14): successes and refusals recorded with no secret in them, read back
//! through `GET /v1/admin/audit-events` (filters, pages) and `priceline audit export`, kept across
//! a restart, not kept on an open API unless asked, and pruned by retention.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use priceline_api::auth::api_key::hash_hex;
use priceline_api::config;
use priceline_domain::NewAuditEvent;
use priceline_store::queries::audit_events;
use serde_json::{Value, json};

use crate::import::priceline_binary;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;
use crate::support::server::{RawConnection, RawResponse, ServerProcess};

const READER_KEY: &str = "plk_audit-reader-secret-0123456789";
const ADMIN_KEY: &str = "plk_audit-admin-secret-9876543210";
const WRONG_KEY: &str = "plk_audit-unknown-secret-5555555555";
const SECRET: &str = "an audit test secret of at least 32 bytes, HS256";

fn keys() -> String {
    format!(
        "reader:{}:prices:read,auditor:{}:admin",
        hash_hex(READER_KEY),
        hash_hex(ADMIN_KEY)
    )
}

fn token() -> String {
    let claims = json!({
        "sub": "client-audit", "exp": get_current_timestamp() + 600, "scope": "prices:read"
    });
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

/// A server requiring a credential over the test's database (which the test keeps, to read).
async fn spawn(db: &TestDb) -> TestApp {
    let keys = keys();
    let env = [
        (config::API_KEYS, keys.as_str()),
        (config::JWT_SECRET, SECRET),
    ];
    TestApp::spawn_on(&db.url, &env).await
}

/// Every event of the trail the auditor may page through (its own reads excluded), oldest first,
/// once at least `count` are there (events are written in batches, within about a second).
async fn events(app: &TestApp, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, _, body) = app
            .get_with_headers(
                "/v1/admin/audit-events?limit=1000",
                &[("X-API-Key", ADMIN_KEY)],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let mut found: Vec<Value> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|event| event["caller"] != "key:auditor")
            .cloned()
            .collect();
        if found.len() >= count || Instant::now() > deadline {
            found.reverse();
            assert!(
                found.len() >= count,
                "{} events, expected {count}: {body}",
                found.len()
            );
            return found;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

fn find<'a>(events: &'a [Value], request_id: &str) -> &'a Value {
    events
        .iter()
        .find(|event| event["request_id"] == request_id)
        .unwrap_or_else(|| panic!("no event of request {request_id}: {events:#?}"))
}

/// Every text the audit trail stores, as stored: each column of each row.
fn stored_rows(db: &TestDb) -> String {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    let mut connection = db.connect();
    let sql = "SELECT COALESCE(caller, '') || '|' || scopes || '|' || method || '|' || \
               COALESCE(route, '') || '|' || path || '|' || COALESCE(request_id, '') || '|' || \
               COALESCE(client_address, '') AS line FROM audit_events";
    diesel::sql_query(sql)
        .load::<Row>(&mut connection)
        .unwrap()
        .into_iter()
        .map(|row| row.line + "\n")
        .collect()
}

fn export(db: &TestDb, args: &[&str]) -> std::process::Output {
    Command::new(priceline_binary())
        .args(["audit", "export"])
        .args(args)
        .env("PRICELINE_DATABASE_URL", db.url.connection_string())
        .output()
        .expect("run priceline audit export")
}

/// A request: its id, path, headers and expected status.
type Request<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, u16);

/// Which events a filter admits.
type Admits = Box<dyn Fn(&Value) -> bool>;

async fn successes_and_refusals_are_recorded_without_secrets(db: TestDb) {
    let app = spawn(&db).await;
    let token = token();
    let bearer = format!("Bearer {token}");
    let requests: [Request; 6] = [
        (
            "ok-key",
            "/v1/facilities?limit=5",
            vec![("X-API-Key", READER_KEY)],
            200,
        ),
        (
            "ok-token",
            "/v1/facilities/999",
            vec![("Authorization", bearer.as_str())],
            404,
        ),
        ("no-credential", "/v1/facilities", vec![], 401),
        (
            "wrong-key",
            "/v1/facilities",
            vec![("X-API-Key", WRONG_KEY)],
            401,
        ),
        (
            "bad-token",
            "/v1/facilities",
            vec![("Authorization", "Bearer not.a.jwt")],
            401,
        ),
        (
            "no-scope",
            "/v1/admin/audit-events",
            vec![("X-API-Key", READER_KEY)],
            403,
        ),
    ];
    for (id, path, headers, status) in &requests {
        let mut headers = headers.clone();
        headers.push(("X-Request-Id", id));
        let (answer, _, body) = app.get_with_headers(path, &headers).await;
        assert_eq!(answer, *status, "{id}: {body}");
    }
    // Not protected: never audited.
    assert_eq!(app.get("/healthz").await.0, 200);

    let events = events(&app, requests.len()).await;
    assert_eq!(events.len(), requests.len(), "{events:#?}");
    let ok = find(&events, "ok-key");
    assert_eq!(ok["caller"], "key:reader");
    assert_eq!(ok["scopes"], json!(["prices:read"]));
    assert_eq!(ok["method"], "GET");
    assert_eq!(ok["route"], "/v1/facilities");
    assert_eq!(ok["path"], "/v1/facilities", "the query string is not kept");
    assert_eq!(ok["status"], 200);
    assert_eq!(
        ok["result_count"], 0,
        "a list records how many items it returned"
    );
    assert_eq!(ok["client_address"], "127.0.0.1");
    let by_token = find(&events, "ok-token");
    assert_eq!(by_token["caller"], "sub:client-audit");
    assert_eq!(by_token["route"], "/v1/facilities/{id}");
    assert_eq!(by_token["path"], "/v1/facilities/999");
    assert_eq!(by_token["status"], 404);
    assert_eq!(by_token["result_count"], Value::Null);
    for refused in ["no-credential", "wrong-key", "bad-token"] {
        let event = find(&events, refused);
        assert_eq!(event["status"], 401, "{refused}");
        assert_eq!(event["caller"], Value::Null, "{refused}");
        assert_eq!(event["scopes"], json!([]), "{refused}");
    }
    let forbidden = find(&events, "no-scope");
    assert_eq!(forbidden["status"], 403);
    assert_eq!(
        forbidden["caller"], "key:reader",
        "a 403 names who was refused"
    );
    assert_eq!(forbidden["route"], "/v1/admin/audit-events");

    // No secret anywhere: not in the rows as stored, not in the export.
    let stored = stored_rows(&db);
    let exported = export(&db, &["--since", "2000-01-01T00:00:00Z"]);
    assert!(exported.status.success(), "{exported:?}");
    let exported = String::from_utf8(exported.stdout).unwrap();
    assert!(stored.contains("key:reader") && exported.contains("key:reader"));
    for secret in [READER_KEY, ADMIN_KEY, WRONG_KEY, token.as_str(), SECRET] {
        assert!(!stored.contains(secret), "a secret is stored: {stored}");
        assert!(
            !exported.contains(secret),
            "a secret is exported: {exported}"
        );
    }
    // The export: one JSON event per line, oldest first, the auditor's own reads included.
    let lines: Vec<Value> = exported
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let ids: Vec<i64> = lines
        .iter()
        .map(|line| line["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    for event in &events {
        assert!(lines.contains(event), "{event} is not exported");
    }
}
on_both_backends!(async successes_and_refusals_are_recorded_without_secrets);

async fn filters_and_pages_give_every_event_once(db: TestDb) {
    let app = spawn(&db).await;
    let mut expected = 0;
    for round in 0..7 {
        for (key, path) in [
            (READER_KEY, "/v1/facilities"),
            (READER_KEY, "/v1/payers"),
            (WRONG_KEY, "/v1/facilities"),
        ] {
            let id = format!("round-{round}-{expected}");
            let (status, _, _) = app
                .get_with_headers(path, &[("X-API-Key", key), ("X-Request-Id", &id)])
                .await;
            assert!(status == 200 || status == 401);
            expected += 1;
        }
    }
    let all = events(&app, expected).await;
    assert_eq!(all.len(), expected);
    let middle = all[expected / 2]["recorded_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let at = |event: &Value| {
        chrono::DateTime::parse_from_rfc3339(event["recorded_at"].as_str().unwrap()).unwrap()
    };
    let middle_at = at(&all[expected / 2]);

    // Each filter, paged 4 at a time: every matching event exactly once, none other.
    let cases: Vec<(String, Admits)> = vec![
        (
            "caller=key:reader".into(),
            Box::new(|event| event["caller"] == "key:reader"),
        ),
        (
            "status=401".into(),
            Box::new(|event| event["status"] == 401),
        ),
        (
            "status=2xx".into(),
            Box::new(|event| event["status"] == 200),
        ),
        (
            format!("since={middle}"),
            Box::new(move |event| at(event) >= middle_at),
        ),
        (
            format!("until={middle}&caller=key:reader"),
            Box::new(move |event| at(event) < middle_at && event["caller"] == "key:reader"),
        ),
    ];
    for (filter, admits) in cases {
        let want: BTreeSet<i64> = all
            .iter()
            .filter(|event| admits(event))
            .map(|event| event["id"].as_i64().unwrap())
            .collect();
        assert!(!want.is_empty(), "{filter}");
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!(
                "/v1/admin/audit-events?limit=4&{}",
                filter.replace('+', "%2B")
            );
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={cursor}"));
            }
            let (status, _, body) = app
                .get_with_headers(&path, &[("X-API-Key", ADMIN_KEY)])
                .await;
            assert_eq!(status, 200, "{path}: {body}");
            for event in body["items"].as_array().unwrap() {
                if event["caller"] != "key:auditor" {
                    seen.push(event["id"].as_i64().unwrap());
                }
            }
            match body["page"]["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        let unique: BTreeSet<i64> = seen.iter().copied().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "{filter}: an event twice: {seen:?}"
        );
        // The auditor's reads are filtered out above; with `since`, later ones match too.
        assert_eq!(unique, want, "{filter}");
    }

    // Bad filters: problem+json naming the parameter.
    for (query, parameter) in [
        ("since=yesterday", "since"),
        ("until=2026-13-01T00:00:00Z", "until"),
        ("status=6xx", "status"),
        ("status=20", "status"),
        ("caller=", "caller"),
        ("cursor=abc", "cursor"),
        ("limit=0", "limit"),
    ] {
        let (status, headers, body) = app
            .get_with_headers(
                &format!("/v1/admin/audit-events?{query}"),
                &[("X-API-Key", ADMIN_KEY)],
            )
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(
            headers.get("content-type").unwrap(),
            "application/problem+json",
            "{query}"
        );
        assert_eq!(body["parameter"], parameter, "{query}: {body}");
    }
}
on_both_backends!(async filters_and_pages_give_every_event_once);

async fn an_open_api_is_audited_only_when_asked(db: TestDb) {
    let url = db.url.clone();
    let app = TestApp::spawn_on(&url, &[]).await;
    assert_eq!(app.get("/v1/facilities").await.0, 200);
    // Long enough for several batches of the writer, had there been one.
    actix_web::rt::time::sleep(priceline_api::audit::INTERVAL * 4).await;
    assert_eq!(
        stored_rows(&db),
        "",
        "an open API records nothing by default"
    );
    drop(app);

    let app = TestApp::spawn_on(&url, &[(config::AUDIT, "all")]).await;
    let (status, _, _) = app
        .get_with_headers("/v1/facilities", &[("X-Request-Id", "open-all")])
        .await;
    assert_eq!(status, 200);
    let deadline = Instant::now() + Duration::from_secs(15);
    while !stored_rows(&db).contains("open-all") {
        assert!(
            Instant::now() < deadline,
            "PRICELINE_AUDIT=all records an open API"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        stored_rows(&db).starts_with("|"),
        "no caller on an open API"
    );
}
on_both_backends!(async an_open_api_is_audited_only_when_asked);

async fn retention_deletes_old_events_at_start(db: TestDb) {
    let mut connection = db.migrated();
    let event = |days_ago: i64, request_id: &str| NewAuditEvent {
        recorded_at: chrono::Utc::now() - chrono::Duration::days(days_ago),
        caller: Some("key:reader".to_owned()),
        scopes: "prices:read".to_owned(),
        method: "GET".to_owned(),
        route: Some("/v1/facilities".to_owned()),
        path: "/v1/facilities".to_owned(),
        status: 200,
        result_count: Some(3),
        request_id: Some(request_id.to_owned()),
        client_address: None,
    };
    audit_events::insert(&mut connection, &[event(40, "old"), event(2, "recent")]).unwrap();
    drop(connection);
    let url = db.url.clone();
    let _app = TestApp::spawn_on(
        &url,
        &[
            (config::API_KEYS, &keys()),
            (config::AUDIT_RETENTION_DAYS, "30"),
        ],
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while stored_rows(&db).contains("|old|") {
        assert!(Instant::now() < deadline, "the 40-day-old event is kept");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stored_rows(&db).contains("|recent|"));
}
on_both_backends!(async retention_deletes_old_events_at_start);

fn raw_get(address: &str, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    let mut connection = RawConnection::open(address).unwrap();
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    connection
        .send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n{headers}\r\n").as_bytes())
        .unwrap();
    connection.read_response().unwrap()
}

/// The real binary: events of a server stopped by SIGTERM right after its requests (its queue
/// flushed on the way out) are read back by the next server on the same database.
fn events_survive_a_restart(db: TestDb) {
    drop(db.migrated());
    let keys = keys();
    let vars = [("PRICELINE_API_KEYS", keys.as_str())];
    let mut first = ServerProcess::start(&db.url.connection_string(), &vars);
    let ok = raw_get(
        &first.address,
        "/v1/facilities",
        &[
            ("X-API-Key", READER_KEY),
            ("X-Request-Id", "before-restart-ok"),
        ],
    );
    assert_eq!(ok.status, 200);
    let refused = raw_get(
        &first.address,
        "/v1/facilities",
        &[("X-Request-Id", "before-restart-refused")],
    );
    assert_eq!(refused.status, 401);
    first.terminate();
    assert!(first.wait_for_exit(Duration::from_secs(20)).success());

    let second = ServerProcess::start(&db.url.connection_string(), &vars);
    let page = raw_get(
        &second.address,
        "/v1/admin/audit-events?limit=1000",
        &[("X-API-Key", ADMIN_KEY)],
    );
    assert_eq!(page.status, 200, "{:?}", page.json());
    let items = page.json()["items"].as_array().unwrap().clone();
    let ok = find(&items, "before-restart-ok");
    assert_eq!(ok["caller"], "key:reader");
    assert_eq!(ok["status"], 200);
    assert_eq!(find(&items, "before-restart-refused")["status"], 401);
}
on_both_backends!(events_survive_a_restart);

#[test]
fn export_refuses_bad_times_with_a_message() {
    let db = TestDb::sqlite();
    drop(db.migrated());
    for args in [
        vec!["--since", "yesterday"],
        vec!["--since", "2026-12-01T00:00:00Z", "--until", "soon"],
        vec![
            "--since",
            "2026-12-02T00:00:00Z",
            "--until",
            "2026-12-01T00:00:00Z",
        ],
    ] {
        let output = export(&db, &args);
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("--since") || stderr.contains("--until"),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
    }
}
