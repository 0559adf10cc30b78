//! Managed API keys (issue 14): made by `priceline keys` and `/v1/admin/keys`, looked up on every
//! request (a revocation through one server process is refused by another on the next request),
//! scopes per route family, and the OAuth2 client-credentials exchange at `/oauth/token`.

use std::process::Command;

use base64::Engine;
use chrono::Utc;
use priceline_api::auth::api_key::hash_hex;
use priceline_api::auth::managed::{KeySpec, NewKey};
use priceline_api::config;
use priceline_store::queries::api_keys;
use serde_json::{Value, json};

use crate::import::priceline_binary;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;
use crate::support::server::{RawConnection, RawResponse, ServerProcess};

const SECRET: &str = "a test secret of at least 32 bytes, for HS256";

/// A key stored straight into the database, as `priceline keys create` stores one.
fn stored_key(db: &TestDb, name: &str, scopes: &[&str]) -> NewKey {
    let scopes: Vec<String> = scopes.iter().map(|scope| (*scope).to_owned()).collect();
    let now = Utc::now();
    let made = KeySpec::parse(name, &scopes, Some("partner"), None, now)
        .unwrap()
        .generate(now)
        .unwrap();
    api_keys::insert(&mut db.migrated(), &made.record).unwrap();
    made
}

/// One request over a fresh connection: method, path, headers and an optional body.
fn send(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, &str)>,
) -> RawResponse {
    let mut connection = RawConnection::open(address.trim_start_matches("http://")).unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    match body {
        Some((content_type, body)) => request.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )),
        None => request.push_str("\r\n"),
    }
    connection.send(request.as_bytes()).unwrap();
    connection.read_response().unwrap()
}

fn json_body(value: &Value) -> Option<(&'static str, String)> {
    Some(("application/json", value.to_string()))
}

fn post_json(address: &str, path: &str, key: &str, value: Value) -> RawResponse {
    let (content_type, body) = json_body(&value).unwrap();
    send(
        address,
        "POST",
        path,
        &[("X-API-Key", key)],
        Some((content_type, &body)),
    )
}

fn assert_problem(response: &RawResponse, status: u16, parameter: Option<&str>, label: &str) {
    let body = response.json();
    assert_eq!(response.status, status, "{label}: {body}");
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json"),
        "{label}"
    );
    if let Some(parameter) = parameter {
        assert_eq!(body["parameter"], parameter, "{label}: {body}");
    }
}

/// `priceline keys …` over `database`: success, and stdout and stderr together.
fn keys_cli(database: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(priceline_binary())
        .arg("keys")
        .args(args)
        .env_remove("PRICELINE_API_KEYS")
        .env_remove("PRICELINE_JWT_SECRET")
        .env("PRICELINE_DATABASE_URL", database)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// The key `priceline keys create` printed (the line after the announcement).
fn printed_key(output: &str) -> String {
    output
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("pl_live_") && line.len() > 40)
        .unwrap_or_else(|| panic!("no key in {output}"))
        .to_owned()
}

fn revocation_reaches_every_server_process(db: TestDb) {
    let _ = db.migrated();
    let url = db.url.connection_string();
    // Made on the command line; bad input first: a message and a non-zero exit, nothing stored.
    let (ok, output) = keys_cli(&url, &["create", "reporting", "--scope", "prices:write"]);
    assert!(
        !ok && output.contains("--scope") && output.contains("prices:write"),
        "{output}"
    );
    let (ok, output) = keys_cli(
        &url,
        &[
            "create",
            "ops",
            "--scope",
            "admin",
            "--expires",
            "2001-01-01",
        ],
    );
    assert!(!ok && output.contains("--expires"), "{output}");
    let (ok, output) = keys_cli(&url, &["revoke", "pl_live_00000000"]);
    assert!(!ok && output.contains("no API key"), "{output}");
    let (ok, output) = keys_cli(&url, &["rotate", "pl_live_00000000", "--grace", "soon"]);
    assert!(!ok && output.contains("grace"), "{output}");
    let (ok, output) = keys_cli(&url, &["list"]);
    assert!(ok && !output.contains("pl_live_0"), "{output}");

    let (ok, output) = keys_cli(
        &url,
        &[
            "create",
            "reporting",
            "--scope",
            "prices:read",
            "--tier",
            "partner",
        ],
    );
    assert!(ok, "{output}");
    let reader = printed_key(&output);
    let (ok, output) = keys_cli(
        &url,
        &[
            "create",
            "ops",
            "--scope",
            "admin",
            "--expires",
            "2099-01-01",
        ],
    );
    assert!(ok, "{output}");
    let admin = printed_key(&output);
    let (ok, listed) = keys_cli(&url, &["list"]);
    assert!(
        ok && listed.contains(&reader[..16]) && listed.contains("2099-01-01"),
        "{listed}"
    );
    assert!(
        !listed.contains(&reader) && !listed.contains(&admin),
        "a secret is listed: {listed}"
    );

    // Two server processes on the one database, no credential setting: the managed keys alone
    // switch credentials on, and the start-up line says so.
    let first = ServerProcess::start(&url, &[]);
    let second = ServerProcess::start(&url, &[]);
    assert!(first.log().contains("credentials on"), "{}", first.log());
    for server in [&first, &second] {
        let anonymous = send(&server.address, "GET", "/v1/facilities", &[], None);
        assert_eq!(
            anonymous.status,
            401,
            "open with managed keys: {:?}",
            anonymous.json()
        );
        let answer = send(
            &server.address,
            "GET",
            "/v1/facilities",
            &[("X-API-Key", &reader)],
            None,
        );
        assert_eq!(answer.status, 200, "{:?}", answer.json());
    }
    let revoked = post_json(
        &first.address,
        &format!("/v1/admin/keys/{}/revoke", &reader[..16]),
        &admin,
        json!({}),
    );
    assert_eq!(revoked.status, 200, "{:?}", revoked.json());
    assert_eq!(revoked.json()["status"], "revoked");
    // The very next request to the other process is refused.
    let refused = send(
        &second.address,
        "GET",
        "/v1/facilities",
        &[("X-API-Key", &reader)],
        None,
    );
    assert_problem(
        &refused,
        401,
        Some("X-API-Key"),
        "revoked key on the other process",
    );
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
    // Revoking the last working keys does not open the API.
    let (ok, output) = keys_cli(&url, &["revoke", &admin[..16]]);
    assert!(ok, "{output}");
    let anonymous = send(&second.address, "GET", "/v1/facilities", &[], None);
    assert_eq!(anonymous.status, 401);
    let admin_refused = send(
        &first.address,
        "GET",
        "/v1/admin/keys",
        &[("X-API-Key", &admin)],
        None,
    );
    assert_problem(&admin_refused, 401, Some("X-API-Key"), "revoked admin key");
}
on_both_backends!(revocation_reaches_every_server_process);

async fn scopes_are_enforced_per_route_family(db: TestDb) {
    let reader = stored_key(&db, "reader", &["prices:read"]);
    let importer = stored_key(&db, "importer", &["imports:write"]);
    let admin = stored_key(&db, "admin", &["admin"]);
    let env_reader = "plk_environment-reader";
    let app = TestApp::spawn_with_env(
        db,
        &[(config::API_KEYS, &format!("env:{}", hash_hex(env_reader)))],
    )
    .await;
    let families = [
        ("/v1/facilities", "prices:read"),
        ("/v1/imports", "imports:write"),
        ("/v1/admin/keys", "admin"),
    ];
    for (path, needed) in families {
        for (key, scope) in [
            (reader.secret.as_str(), "prices:read"),
            (importer.secret.as_str(), "imports:write"),
            (env_reader, "prices:read"),
        ] {
            let (status, headers, body) = app.get_with_headers(path, &[("X-API-Key", key)]).await;
            if scope == needed {
                assert_eq!(status, 200, "{path} with {scope}: {body}");
                continue;
            }
            assert_eq!(status, 403, "{path} with {scope}: {body}");
            assert_eq!(body["parameter"], "X-API-Key");
            assert!(body["detail"].as_str().unwrap().contains(needed), "{body}");
            let challenge = headers.get("www-authenticate").unwrap().to_str().unwrap();
            assert!(
                challenge.contains(&format!("scope=\"{needed}\"")),
                "{challenge}"
            );
        }
        // admin grants everything.
        let (status, _, body) = app
            .get_with_headers(path, &[("X-API-Key", &admin.secret)])
            .await;
        assert_eq!(status, 200, "{path} with admin: {body}");
    }
    // A key of the right shape that is not stored, and a tampered secret, are 401s.
    let tampered = format!("{}x", reader.secret);
    for key in [
        tampered.as_str(),
        "pl_live_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let (status, _, body) = app
            .get_with_headers("/v1/facilities", &[("X-API-Key", key)])
            .await;
        assert_eq!(status, 401, "{body}");
    }
}
on_both_backends!(async scopes_are_enforced_per_route_family);

async fn admin_endpoints_make_list_rotate_and_revoke_keys(db: TestDb) {
    let admin = stored_key(&db, "admin", &["admin"]);
    let app = TestApp::spawn(db).await;
    let address = app.address.clone();
    let key = admin.secret.clone();
    let responses = actix_web::rt::task::spawn_blocking(move || {
        let made = post_json(
            &address,
            "/v1/admin/keys",
            &key,
            json!({"name": "billing", "scopes": ["prices:read", "imports:write"], "tier": "gold", "expires_at": "2099-06-30"}),
        );
        assert_eq!(made.status, 201, "{:?}", made.json());
        let body = made.json();
        let id = body["key"]["id"].as_str().unwrap().to_owned();
        assert_eq!(made.header("location"), Some(format!("/v1/admin/keys/{id}").as_str()));
        assert_eq!(made.header("cache-control"), Some("no-store"));
        let secret = body["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with(body["key"]["prefix"].as_str().unwrap()));
        assert_eq!(body["key"]["expires_at"], "2099-06-30T00:00:00Z");
        assert_eq!(body["key"]["scopes"], json!(["prices:read", "imports:write"]));
        let use_it = send(&address, "GET", "/v1/facilities", &[("X-API-Key", &secret)], None);
        assert_eq!(use_it.status, 200);

        // Pages of one, the newest first; no secret anywhere.
        let first = send(&address, "GET", "/v1/admin/keys?limit=1", &[("X-API-Key", &key)], None);
        assert_eq!(first.status, 200, "{:?}", first.json());
        let page = first.json();
        assert_eq!(page["items"][0]["id"], id.as_str());
        assert!(!String::from_utf8_lossy(&first.body).contains(&secret[17..]));
        let next = page["page"]["next"].as_str().expect("a next page").to_owned();
        let next_path = next.trim_start_matches(&address).to_owned();
        let second = send(&address, "GET", &next_path, &[("X-API-Key", &key)], None);
        assert_eq!(second.json()["items"][0]["name"], "admin", "{:?}", second.json());

        let by_prefix = send(&address, "GET", &format!("/v1/admin/keys/{}", &secret[..16]), &[("X-API-Key", &key)], None);
        assert_eq!(by_prefix.json()["id"], id.as_str());

        // Rotation: old and new valid together during the grace period.
        let rotated = post_json(&address, &format!("/v1/admin/keys/{id}/rotate"), &key, json!({"grace": "1h"}));
        assert_eq!(rotated.status, 201, "{:?}", rotated.json());
        let successor = rotated.json()["secret"].as_str().unwrap().to_owned();
        for presented in [&secret, &successor] {
            let answer = send(&address, "GET", "/v1/facilities", &[("X-API-Key", presented)], None);
            assert_eq!(answer.status, 200);
        }
        let old = send(&address, "GET", &format!("/v1/admin/keys/{id}"), &[("X-API-Key", &key)], None);
        assert_eq!(old.json()["status"], "rotating", "{:?}", old.json());
        let again = post_json(&address, &format!("/v1/admin/keys/{id}/rotate"), &key, json!({"grace": "1h"}));
        assert_problem(&again, 409, None, "rotated twice");
        // Rotated with no grace: the old key stops at once.
        let successor_prefix = &successor[..16];
        let last = post_json(&address, &format!("/v1/admin/keys/{successor_prefix}/rotate"), &key, json!({"grace": "0s"}));
        assert_eq!(last.status, 201);
        let retired = send(&address, "GET", "/v1/facilities", &[("X-API-Key", &successor)], None);
        assert_problem(&retired, 401, Some("X-API-Key"), "retired key");

        // DELETE revokes too.
        let deleted = send(&address, "DELETE", &format!("/v1/admin/keys/{id}"), &[("X-API-Key", &key)], None);
        assert_eq!(deleted.status, 200);
        assert_eq!(deleted.json()["status"], "revoked");
        let refused = send(&address, "GET", "/v1/facilities", &[("X-API-Key", &secret)], None);
        assert_eq!(refused.status, 401);

        // Bad input: a problem naming the field.
        for (body, field) in [
            (json!({"name": "bad name", "scopes": ["admin"]}), "name"),
            (json!({"scopes": ["admin"]}), "name"),
            (json!({"name": "ok", "scopes": []}), "scopes"),
            (json!({"name": "ok", "scopes": ["prices:write"]}), "scopes"),
            (json!({"name": "ok", "scopes": "admin"}), "scopes"),
            (json!({"name": "ok", "scopes": ["admin"], "tier": "a b"}), "tier"),
            (json!({"name": "ok", "scopes": ["admin"], "expires_at": "2001-01-01"}), "expires_at"),
            (json!({"name": "ok", "scopes": ["admin"], "colour": "red"}), "colour"),
        ] {
            let refused = post_json(&address, "/v1/admin/keys", &key, body.clone());
            assert_problem(&refused, 400, Some(field), &body.to_string());
        }
        let not_json = send(&address, "POST", "/v1/admin/keys", &[("X-API-Key", &key)], Some(("application/json", "{")));
        assert_problem(&not_json, 400, Some("body"), "not JSON");
        let bad_grace = post_json(&address, &format!("/v1/admin/keys/{id}/rotate"), &key, json!({"grace": "forever"}));
        assert_problem(&bad_grace, 400, Some("grace"), "grace");
        let bad_id = send(&address, "GET", "/v1/admin/keys/12", &[("X-API-Key", &key)], None);
        assert_problem(&bad_id, 400, Some("id"), "id");
        let missing = send(&address, "GET", "/v1/admin/keys/pl_live_00000000", &[("X-API-Key", &key)], None);
        assert_problem(&missing, 404, None, "unknown key");
        let cursor = send(&address, "GET", "/v1/admin/keys?cursor=nope", &[("X-API-Key", &key)], None);
        assert_problem(&cursor, 400, Some("cursor"), "cursor");
        let method = send(&address, "PUT", "/v1/admin/keys", &[("X-API-Key", &key)], None);
        assert_problem(&method, 405, None, "PUT");
        assert_eq!(method.header("allow"), Some("GET, HEAD, POST"));
    })
    .await;
    responses.unwrap();
}
on_both_backends!(async admin_endpoints_make_list_rotate_and_revoke_keys);

async fn with_credentials_off_key_administration_is_closed(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (status, _, body) = app.get_with_headers("/v1/admin/keys", &[]).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("priceline keys create"),
        "{body}"
    );
    // The API itself stays open until a key exists.
    let (status, _) = app.get("/v1/facilities").await;
    assert_eq!(status, 200);
}
on_both_backends!(async with_credentials_off_key_administration_is_closed);

/// A throwaway Ed25519 key (`openssl genpkey -algorithm ed25519`), for these tests only.
const ED25519_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIC3tYXHjP3JkHlVYmWRU4kAVrpqmkfJLchIBlLXTSV9U\n-----END PRIVATE KEY-----\n";

fn form(address: &str, headers: &[(&str, &str)], body: &str) -> RawResponse {
    send(
        address,
        "POST",
        "/oauth/token",
        headers,
        Some(("application/x-www-form-urlencoded", body)),
    )
}

fn assert_oauth_error(response: &RawResponse, status: u16, error: &str) {
    let body = response.json();
    assert_eq!(response.status, status, "{error}: {body}");
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string());
    assert_eq!(response.header("cache-control"), Some("no-store"));
}

fn exchange(address: &str, reader: &NewKey, admin: &NewKey) {
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", reader.record.prefix, reader.secret));
    let authorization = format!("Basic {basic}");
    let issued = form(
        address,
        &[("Authorization", &authorization)],
        "grant_type=client_credentials",
    );
    assert_eq!(issued.status, 200, "{:?}", issued.json());
    assert_eq!(issued.header("cache-control"), Some("no-store"));
    let body = issued.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "prices:read");
    assert!(body["expires_in"].as_u64().unwrap() <= 900);
    let bearer = format!("Bearer {}", body["access_token"].as_str().unwrap());
    let read = send(
        address,
        "GET",
        "/v1/facilities",
        &[("Authorization", &bearer)],
        None,
    );
    assert_eq!(read.status, 200, "{:?}", read.json());
    let imports = send(
        address,
        "GET",
        "/v1/imports",
        &[("Authorization", &bearer)],
        None,
    );
    assert_problem(
        &imports,
        403,
        Some("Authorization"),
        "token without imports:write",
    );

    // Form credentials (client id = the key's id), narrowed to one scope of an admin key.
    let narrowed = form(
        address,
        &[],
        &format!(
            "grant_type=client_credentials&scope=prices%3Aread&client_id={}&client_secret={}",
            admin.record.id, admin.secret
        ),
    );
    assert_eq!(narrowed.status, 200, "{:?}", narrowed.json());
    assert_eq!(narrowed.json()["scope"], "prices:read");
    let narrow_bearer = format!(
        "Bearer {}",
        narrowed.json()["access_token"].as_str().unwrap()
    );
    let admin_refused = send(
        address,
        "GET",
        "/v1/admin/keys",
        &[("Authorization", &narrow_bearer)],
        None,
    );
    assert_problem(&admin_refused, 403, Some("Authorization"), "narrowed token");

    // RFC 6749 §5.2 errors.
    let wrong = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}x", reader.record.prefix, reader.secret));
    let refused = form(
        address,
        &[("Authorization", &format!("Basic {wrong}"))],
        "grant_type=client_credentials",
    );
    assert_oauth_error(&refused, 401, "invalid_client");
    assert!(
        refused
            .header("www-authenticate")
            .unwrap()
            .starts_with("Basic")
    );
    assert_oauth_error(
        &form(
            address,
            &[("Authorization", &authorization)],
            "grant_type=password",
        ),
        400,
        "unsupported_grant_type",
    );
    assert_oauth_error(
        &form(
            address,
            &[("Authorization", &authorization)],
            "scope=prices%3Aread",
        ),
        400,
        "invalid_request",
    );
    assert_oauth_error(
        &form(
            address,
            &[("Authorization", &authorization)],
            "grant_type=client_credentials&scope=admin",
        ),
        400,
        "invalid_scope",
    );
    assert_oauth_error(
        &form(
            address,
            &[("Authorization", &authorization)],
            "grant_type=client_credentials&scope=everything",
        ),
        400,
        "invalid_scope",
    );
    let as_json = send(
        address,
        "POST",
        "/oauth/token",
        &[("Authorization", &authorization)],
        Some(("application/json", "{}")),
    );
    assert_oauth_error(&as_json, 400, "invalid_request");

    // Revoking the key ends its token on the next request, and no new token is issued for it.
    let revoke = post_json(
        address,
        &format!("/v1/admin/keys/{}/revoke", reader.record.id),
        &admin.secret,
        json!({}),
    );
    assert_eq!(revoke.status, 200);
    let after = send(
        address,
        "GET",
        "/v1/facilities",
        &[("Authorization", &bearer)],
        None,
    );
    assert_problem(&after, 401, Some("Authorization"), "token of a revoked key");
    assert_oauth_error(
        &form(
            address,
            &[("Authorization", &authorization)],
            "grant_type=client_credentials",
        ),
        400,
        "invalid_grant",
    );
}

async fn tokens_are_exchanged_for_keys_and_end_with_them(db: TestDb) {
    let hs_reader = stored_key(&db, "reader", &["prices:read"]);
    let hs_admin = stored_key(&db, "admin", &["admin"]);
    let url = db.url.clone();
    // HS256 with the JWT secret (issuer and audience as the bearer path expects them).
    let app = TestApp::spawn_with_env(
        db,
        &[
            (config::JWT_SECRET, SECRET),
            (config::JWT_ISSUER, "https://issuer.example"),
        ],
    )
    .await;
    let address = app.address.clone();
    actix_web::rt::task::spawn_blocking(move || exchange(&address, &hs_reader, &hs_admin))
        .await
        .unwrap();
    // EdDSA with the signing key, on a second server over the same database.
    let eddsa = TestApp::spawn_on(&url, &[(config::OAUTH_SIGNING_KEY, ED25519_PEM)]).await;
    let (reader, admin) = {
        let mut connection = priceline_store::connect(&url).unwrap();
        let now = Utc::now();
        let make = |name: &str, scope: &str| {
            KeySpec::parse(name, &[scope.to_owned()], None, None, now)
                .unwrap()
                .generate(now)
                .unwrap()
        };
        let reader = make("ed-reader", "prices:read");
        let admin = make("ed-admin", "admin");
        api_keys::insert(&mut connection, &reader.record).unwrap();
        api_keys::insert(&mut connection, &admin.record).unwrap();
        (reader, admin)
    };
    let address = eddsa.address.clone();
    actix_web::rt::task::spawn_blocking(move || exchange(&address, &reader, &admin))
        .await
        .unwrap();
}
on_both_backends!(async tokens_are_exchanged_for_keys_and_end_with_them);
