//! Import jobs over the API (`POST /v1/imports`, `GET /v1/imports/{id}`, `GET /v1/imports`): an
//! upload or an allowlisted URL is imported in the background exactly as `priceline import` imports
//! the same file; a job a killed server left running is failed when the server starts again.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use priceline_api::auth::api_key::hash_hex;
use priceline_api::config;
use serde_json::{Value, json};

use super::sample;
use crate::import::priceline_binary;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

pub(super) const ANONYMOUS: (&str, &str) = (config::ALLOW_ANONYMOUS_IMPORTS, "true");

/// An answer: status, headers, body as JSON (null when not JSON).
pub(super) struct Answer {
    pub(super) status: u16,
    headers: actix_web::http::header::HeaderMap,
    pub(super) body: Value,
}

impl Answer {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

async fn answer(
    mut response: awc::ClientResponse<
        impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
        + Unpin,
    >,
) -> Answer {
    let body = response.body().limit(64 << 20).await.expect("a body");
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    }
}

/// POSTs `body` to `path` with these headers.
pub(super) async fn post(
    address: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Answer {
    let mut request = awc::Client::builder()
        .timeout(Duration::from_secs(120))
        .finish()
        .post(format!("{address}{path}"));
    for &(name, value) in headers {
        request = request.insert_header((name, value));
    }
    answer(request.send_body(body).await.expect("the server answers")).await
}

pub(super) async fn get(address: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = awc::Client::default().get(format!("{address}{path}"));
    for &(name, value) in headers {
        request = request.insert_header((name, value));
    }
    answer(request.send().await.expect("the server answers")).await
}

/// Polls the job until it has ended (or `timeout`), returning its last state.
pub(super) async fn wait_for_end(address: &str, location: &str, headers: &[(&str, &str)]) -> Value {
    let started = Instant::now();
    loop {
        let job = get(address, location, headers).await;
        assert_eq!(job.status, 200, "{}", job.body);
        assert_eq!(job.header("cache-control"), Some("no-store"));
        let state = job.body["state"].as_str().unwrap().to_owned();
        if state == "succeeded" || state == "failed" {
            return job.body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the job did not end: {}",
            job.body
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Uploads `path` under its own name; the 202's job.
pub(super) async fn upload(address: &str, path: &Path, headers: &[(&str, &str)]) -> Answer {
    let name = path.file_name().unwrap().to_str().unwrap();
    let mut all = vec![("Content-Type", "text/csv")];
    all.extend_from_slice(headers);
    post(
        address,
        &format!("/v1/imports?filename={name}"),
        &all,
        std::fs::read(path).unwrap(),
    )
    .await
}

/// The report `priceline import --report` writes for `path`, imported into a fresh database of the
/// same backend as `like`.
fn cli_report(like: &TestDb, path: &Path) -> Vec<Value> {
    let fresh = if like.url.connection_string().starts_with("postgres") {
        TestDb::postgres()
    } else {
        TestDb::sqlite()
    };
    fresh.migrated();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let output = Command::new(priceline_binary())
        .arg("import")
        .arg(path)
        .arg("--report")
        .arg(&report)
        .env("PRICELINE_DATABASE_URL", fresh.url.connection_string())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    report["documents"].as_array().unwrap().clone()
}

/// A document report without what differs between two runs of the same import: the time taken,
/// and the file as named (a path on the command line, the name in a job).
fn comparable(mut report: Value) -> Value {
    report["seconds"] = json!(0);
    let file = report["file"].as_str().unwrap().to_owned();
    let name = Path::new(&file)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    report["file"] = json!(name);
    report
}

async fn an_upload_is_imported_as_the_cli_imports_it(db: TestDb) {
    let files = tempfile::tempdir().unwrap();
    let path = sample::generate(files.path(), 3, 2_000);
    let expected = cli_report(&db, &path);
    let app = TestApp::spawn_with_env(db, &[ANONYMOUS]).await;

    let accepted = upload(&app.address, &path, &[]).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let location = accepted.header("location").unwrap().to_owned();
    let id = accepted.body["id"].as_str().unwrap();
    assert_eq!(location, format!("/v1/imports/{id}"));
    assert_eq!(accepted.body["state"], "queued");
    assert_eq!(accepted.body["source"], "upload");
    let size = std::fs::metadata(&path).unwrap().len();
    assert_eq!(accepted.body["progress"]["bytes_total"], size);

    let job = wait_for_end(&app.address, &location, &[]).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["failure"], Value::Null);
    assert_eq!(job["progress"]["bytes_read"], size, "{job}");
    assert_eq!(job["progress"]["bytes_total"], size);
    let report = job["report"].as_array().unwrap();
    assert_eq!(report.len(), 1);
    assert_eq!(
        report[0]["file"],
        path.file_name().unwrap().to_str().unwrap()
    );
    assert_eq!(
        comparable(report[0].clone()),
        comparable(expected[0].clone())
    );
    assert_eq!(report[0]["status"], "imported");
    assert_eq!(job["progress"]["items"], report[0]["summary"]["items"]);
    assert_eq!(
        job["progress"]["payer_rates"],
        report[0]["summary"]["payer_rates"]
    );
    for at in ["created_at", "started_at", "finished_at"] {
        assert!(job[at].is_string(), "{at}: {job}");
    }

    // The data is served at once (the response cache sees the new snapshot).
    let (status, files_page) = app.get("/v1/source-files").await;
    assert_eq!(status, 200);
    assert_eq!(
        files_page["items"][0]["id"], report[0]["source_file_id"],
        "{files_page}"
    );
    // The list shows the job; the same file again is unchanged, and succeeds.
    let list = get(&app.address, "/v1/imports", &[]).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["items"][0]["id"], id);
    assert_eq!(list.body["items"][0]["state"], "succeeded");
    assert_eq!(
        list.body["items"][0]["report"],
        Value::Null,
        "reports are read one job at a time"
    );
    let again = upload(&app.address, &path, &[]).await;
    let again = wait_for_end(&app.address, again.header("location").unwrap(), &[]).await;
    assert_eq!(again["state"], "succeeded");
    assert_eq!(again["report"][0]["status"], "unchanged");
    let list = get(&app.address, "/v1/imports?limit=1", &[]).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["items"][0]["id"], again["id"]);
    let next = list.body["page"]["next"].as_str().unwrap().to_owned();
    let rest = get(&app.address, &next, &[]).await;
    assert_eq!(rest.body["items"][0]["id"], id, "{}", rest.body);

    // A file that is not a price file: the job fails, saying why.
    let refused = post(
        &app.address,
        "/v1/imports?filename=notes.csv",
        &[("Content-Type", "text/csv")],
        b"<html><body>Not a price file</body></html>".to_vec(),
    )
    .await;
    assert_eq!(refused.status, 202, "{}", refused.body);
    let refused = wait_for_end(&app.address, refused.header("location").unwrap(), &[]).await;
    assert_eq!(refused["state"], "failed");
    assert_eq!(refused["report"][0]["status"], "refused");
    assert!(
        refused["failure"].as_str().unwrap().contains("notes.csv"),
        "{refused}"
    );
    // Unknown and malformed ids.
    let unknown = get(
        &app.address,
        &format!("/v1/imports/{}", "0".repeat(32)),
        &[],
    )
    .await;
    assert_eq!(unknown.status, 404);
    let malformed = get(&app.address, "/v1/imports/12", &[]).await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.body["parameter"], "id");
}
on_both_backends!(async an_upload_is_imported_as_the_cli_imports_it);

/// Jobs run one at a time, in the order accepted; one sent while another imports is answered at
/// once (on SQLite the import holds the database's write lock, so it waits in the server's memory).
async fn a_job_sent_during_an_import_waits_its_turn(db: TestDb) {
    let files = tempfile::tempdir().unwrap();
    let big = sample::generate(files.path(), 6, 150_000);
    let small = sample::generate(files.path(), 7, 500);
    let postgres = db.url.backend() == priceline_store::Backend::Postgres;
    let app = TestApp::spawn_with_env(db, &[ANONYMOUS]).await;
    let first = upload(&app.address, &big, &[]).await;
    assert_eq!(first.status, 202, "{}", first.body);
    let first_location = first.header("location").unwrap().to_owned();
    // Sent once the first is running.
    let started = Instant::now();
    while get(&app.address, &first_location, &[]).await.body["state"] == "queued" {
        assert!(started.elapsed() < Duration::from_secs(30));
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    if postgres {
        // The job's row follows its progress too (once a second), for the other servers.
        let id = first.body["id"].as_str().unwrap();
        let mut connection = app.pool.get().unwrap();
        let started = Instant::now();
        loop {
            let stored = priceline_store::queries::import_jobs::get(&mut connection, id).unwrap();
            if stored.bytes_read > 0 {
                assert_eq!(stored.state, priceline_domain::JobState::Running);
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(3), "{stored:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let asked = Instant::now();
    let second = upload(&app.address, &small, &[]).await;
    assert_eq!(second.status, 202, "{}", second.body);
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "{:?}",
        asked.elapsed()
    );
    let second_location = second.header("location").unwrap().to_owned();
    let waiting = get(&app.address, &second_location, &[]).await;
    assert_eq!(waiting.status, 200, "{}", waiting.body);
    let list = get(&app.address, "/v1/imports", &[]).await;
    let ids: Vec<&Value> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|job| &job["id"])
        .collect();
    assert_eq!(
        ids,
        [&second.body["id"], &first.body["id"]],
        "{}",
        list.body
    );

    let first = wait_for_end(&app.address, &first_location, &[]).await;
    let second = wait_for_end(&app.address, &second_location, &[]).await;
    assert_eq!(first["state"], "succeeded", "{first}");
    assert_eq!(second["state"], "succeeded", "{second}");
    let ended = first["finished_at"].as_str().unwrap();
    let began = second["started_at"].as_str().unwrap();
    let time = |text: &str| chrono::DateTime::parse_from_rfc3339(text).unwrap();
    assert!(time(began) >= time(ended), "{began} before {ended}");
    // (The test means something only if the second job came while the first was importing.)
    let accepted = second["created_at"].as_str().unwrap();
    assert!(
        time(accepted) < time(ended),
        "{accepted} after {ended}: make the first file larger"
    );
    // Stored now, the jobs page one at a time: each once, most recent first.
    let mut paged = Vec::new();
    let mut next = Some("/v1/imports?limit=1".to_owned());
    while let Some(path) = next {
        let page = get(&app.address, &path, &[]).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        paged.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|job| job["id"].clone()),
        );
        next = page.body["page"]["next"].as_str().map(str::to_owned);
    }
    assert_eq!(paged, [second["id"].clone(), first["id"].clone()]);
}
on_both_backends!(async a_job_sent_during_an_import_waits_its_turn);

async fn a_too_large_upload_is_refused_and_leaves_nothing(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    // Uploads a killed server was still receiving (no job stored): deleted at start once an hour
    // old; a recent one may be another server's upload in progress, and is left alone.
    let orphan = |id: &str, age: Duration| {
        let folder = dir.path().join(id);
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("x.csv"), "a").unwrap();
        let time = std::time::SystemTime::now() - age;
        std::fs::File::open(&folder)
            .unwrap()
            .set_modified(time)
            .unwrap();
        folder
    };
    let stale = orphan(&"a".repeat(32), Duration::from_secs(2 * 3600));
    let recent = orphan(&"b".repeat(32), Duration::ZERO);
    let app = TestApp::spawn_with_env(
        db,
        &[
            ANONYMOUS,
            (config::IMPORT_MAX_BYTES, "1000"),
            (config::IMPORT_DIR, dir.path().to_str().unwrap()),
        ],
    )
    .await;
    assert!(!stale.exists() && recent.exists());
    std::fs::remove_dir_all(recent).unwrap();
    // Declared too large (Content-Length), and streamed too large (chunked, no length).
    let body = vec![b'a'; 20_000];
    let declared = post(
        &app.address,
        "/v1/imports?filename=big.csv",
        &[("Content-Type", "text/csv")],
        body.clone(),
    )
    .await;
    let chunks = body
        .chunks(4096)
        .map(|chunk| Ok::<_, std::io::Error>(actix_web::web::Bytes::copy_from_slice(chunk)))
        .collect::<Vec<_>>();
    let streamed = answer(
        awc::Client::default()
            .post(app.url("/v1/imports?filename=big.csv"))
            .insert_header(("Content-Type", "application/octet-stream"))
            .send_stream(futures_util::stream::iter(chunks))
            .await
            .unwrap(),
    )
    .await;
    for refused in [declared, streamed] {
        assert_eq!(refused.status, 413, "{}", refused.body);
        assert_eq!(
            refused.header("content-type"),
            Some("application/problem+json")
        );
        assert!(
            refused.body["detail"]
                .as_str()
                .unwrap()
                .contains("PRICELINE_IMPORT_MAX_BYTES"),
            "{}",
            refused.body
        );
    }
    let list = get(&app.address, "/v1/imports", &[]).await;
    assert_eq!(list.body["items"], json!([]), "{}", list.body);
    let left: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");

    // Other refusals: an upload type that is not a price file's, an unsafe name, a URL body
    // without an allowlist.
    let form = post(
        &app.address,
        "/v1/imports?filename=a.csv",
        &[("Content-Type", "multipart/form-data; boundary=x")],
        b"--x--".to_vec(),
    )
    .await;
    assert_eq!(form.status, 415, "{}", form.body);
    assert_eq!(form.body["parameter"], "Content-Type");
    let unsafe_name = post(
        &app.address,
        "/v1/imports?filename=..",
        &[("Content-Type", "text/csv")],
        b"a".to_vec(),
    )
    .await;
    assert_eq!(unsafe_name.status, 400);
    assert_eq!(unsafe_name.body["parameter"], "filename");
    let url = post(
        &app.address,
        "/v1/imports",
        &[("Content-Type", "application/json")],
        br#"{"url": "https://files.example.org/a.csv"}"#.to_vec(),
    )
    .await;
    assert_eq!(url.status, 403, "{}", url.body);
    assert_eq!(url.body["parameter"], "url");
    // A browser of an allowed origin may send uploads (the preflight allows POST here only).
    let preflight = |path: &str| {
        awc::Client::default()
            .request(actix_web::http::Method::OPTIONS, app.url(path))
            .insert_header(("Origin", crate::support::app::ALLOWED_ORIGIN))
            .insert_header(("Access-Control-Request-Method", "POST"))
            .send()
    };
    let imports = preflight("/v1/imports").await.unwrap();
    let methods = |response: &awc::ClientResponse<_>| {
        response
            .headers()
            .get("access-control-allow-methods")
            .map(|value| value.to_str().unwrap().to_owned())
    };
    assert_eq!(
        methods(&imports).as_deref(),
        Some("GET, HEAD, POST, OPTIONS")
    );
    let facilities = preflight("/v1/facilities").await.unwrap();
    assert_eq!(methods(&facilities).as_deref(), Some("GET, HEAD, OPTIONS"));
    let put = awc::Client::default()
        .put(app.url("/v1/imports"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 405);
    assert_eq!(
        put.headers().get("allow").unwrap().to_str().unwrap(),
        "GET, HEAD, POST"
    );
}
on_both_backends!(async a_too_large_upload_is_refused_and_leaves_nothing);

/// Serves `file` at `/files/<its name>` over HTTP/1.1 on a loopback port, for `requests` requests.
fn serve_file(file: PathBuf, requests: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let name = file.file_name().unwrap().to_str().unwrap().to_owned();
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            // The rest of the head.
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
            }
            let wanted = format!("GET /files/{name} ");
            if request_line.starts_with(&wanted) {
                let body = std::fs::read(&file).unwrap();
                write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .unwrap();
                stream.write_all(&body).unwrap();
            } else {
                stream
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    )
                    .unwrap();
            }
        }
    });
    port
}

async fn a_url_import_fetches_only_allowlisted_urls(db: TestDb) {
    let files = tempfile::tempdir().unwrap();
    let path = sample::generate(files.path(), 4, 800);
    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
    let port = serve_file(path.clone(), 2);
    let allowed = format!("http://127.0.0.1:{port}/files/");
    let app =
        TestApp::spawn_with_env(db, &[ANONYMOUS, (config::IMPORT_URL_ALLOWLIST, &allowed)]).await;
    let json = [("Content-Type", "application/json")];
    let body = |url: String| serde_json::to_vec(&json!({ "url": url })).unwrap();

    let accepted = post(
        &app.address,
        "/v1/imports",
        &json,
        body(format!("{allowed}{name}")),
    )
    .await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    assert_eq!(accepted.body["source"], "url");
    assert_eq!(accepted.body["file_name"], name.as_str());
    let job = wait_for_end(&app.address, accepted.header("location").unwrap(), &[]).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["report"][0]["status"], "imported");
    assert_eq!(job["report"][0]["file"], name.as_str());
    let size = std::fs::metadata(&path).unwrap().len();
    assert_eq!(job["progress"]["bytes_total"], size);

    // A URL the server answers with 404: the job fails, saying so.
    let missing = post(
        &app.address,
        "/v1/imports",
        &json,
        body(format!("{allowed}missing.csv")),
    )
    .await;
    assert_eq!(missing.status, 202);
    let missing = wait_for_end(&app.address, missing.header("location").unwrap(), &[]).await;
    assert_eq!(missing["state"], "failed");
    assert!(
        missing["failure"].as_str().unwrap().contains("404"),
        "{missing}"
    );

    for refused in [
        format!("http://127.0.0.1:{port}/other/{name}"),
        format!("http://127.0.0.1:{port}/files/../other.csv"),
        format!("http://localhost:{port}/files/{name}"),
    ] {
        let answer = post(&app.address, "/v1/imports", &json, body(refused.clone())).await;
        assert_eq!(answer.status, 403, "{refused}: {}", answer.body);
        assert_eq!(answer.body["parameter"], "url", "{refused}");
    }
    let malformed = post(
        &app.address,
        "/v1/imports",
        &json,
        br#"{"address": "x"}"#.to_vec(),
    )
    .await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.body["parameter"], "url");
}
on_both_backends!(async a_url_import_fetches_only_allowlisted_urls);

async fn imports_are_refused_without_credentials_unless_allowed(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let refused = post(
        &app.address,
        "/v1/imports?filename=a.csv",
        &[("Content-Type", "text/csv")],
        b"a,b\n".to_vec(),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("PRICELINE_ALLOW_ANONYMOUS_IMPORTS=true"),
        "{}",
        refused.body
    );
    assert_eq!(get(&app.address, "/v1/imports", &[]).await.status, 403);
    // The price API itself stays open.
    assert_eq!(app.get("/v1/facilities").await.0, 200);
}
on_both_backends!(async imports_are_refused_without_credentials_unless_allowed);

const READER_KEY: &str = "plk_reader-key-without-import-scope";
const OPS_KEY: &str = "plk_ops-key-with-imports-write";
const IMPORTER_KEY: &str = "plk_importer-key-with-only-imports";
const SECRET: &str = "a test secret of at least 32 bytes, for HS256";

fn token(scope: &str) -> String {
    let claims = json!({"sub": "ops", "exp": get_current_timestamp() + 300, "scope": scope});
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    format!("Bearer {token}")
}

async fn imports_need_the_imports_write_scope(db: TestDb) {
    let keys = format!(
        "reader:{},ops:{}:prices:read+imports:write,importer:{}:imports:write",
        hash_hex(READER_KEY),
        hash_hex(OPS_KEY),
        hash_hex(IMPORTER_KEY)
    );
    let app = TestApp::spawn_with_env(
        db,
        &[(config::API_KEYS, &keys), (config::JWT_SECRET, SECRET)],
    )
    .await;
    let send = |headers: Vec<(&'static str, String)>| {
        let address = app.address.clone();
        async move {
            let mut all: Vec<(&str, &str)> = vec![("Content-Type", "text/csv")];
            all.extend(headers.iter().map(|(name, value)| (*name, value.as_str())));
            post(&address, "/v1/imports?filename=x.csv", &all, b"x".to_vec()).await
        }
    };
    for (header, value) in [
        ("X-API-Key", READER_KEY.to_owned()),
        ("Authorization", token("prices:read")),
    ] {
        let refused = send(vec![(header, value.clone())]).await;
        assert_eq!(refused.status, 403, "{header}: {}", refused.body);
        assert_eq!(refused.body["parameter"], header);
        assert!(
            refused
                .header("www-authenticate")
                .is_some_and(|challenge| challenge.contains(r#"scope="imports:write""#)),
            "{:?}",
            refused.header("www-authenticate")
        );
        assert_eq!(
            get(&app.address, "/v1/imports", &[(header, &value)])
                .await
                .status,
            403
        );
        // The same credential still reads prices.
        assert_eq!(
            get(&app.address, "/v1/facilities", &[(header, &value)])
                .await
                .status,
            200
        );
    }
    assert_eq!(send(vec![]).await.status, 401);
    for (header, value) in [
        ("X-API-Key", OPS_KEY.to_owned()),
        ("X-API-Key", IMPORTER_KEY.to_owned()),
        ("Authorization", token("imports:write")),
        ("Authorization", token("admin")),
    ] {
        let accepted = send(vec![(header, value.clone())]).await;
        assert_eq!(accepted.status, 202, "{header}: {}", accepted.body);
        let location = accepted.header("location").unwrap().to_owned();
        let job = get(&app.address, &location, &[(header, &value)]).await;
        assert_eq!(job.status, 200, "{}", job.body);
    }
    // A key granted imports only does not read prices; admin does.
    let importer = get(
        &app.address,
        "/v1/facilities",
        &[("X-API-Key", IMPORTER_KEY)],
    )
    .await;
    assert_eq!(importer.status, 403);
    let admin = token("admin");
    assert_eq!(
        get(&app.address, "/v1/facilities", &[("Authorization", &admin)])
            .await
            .status,
        200
    );
}
on_both_backends!(async imports_need_the_imports_write_scope);

/// `priceline serve` on a free port over `database`; its address once it listens.
fn serve(database: &str, import_dir: &Path) -> (Child, String) {
    let mut child = Command::new(priceline_binary())
        .arg("serve")
        .env_remove("PRICELINE_API_KEYS")
        .env_remove("PRICELINE_JWT_SECRET")
        .env("PRICELINE_DATABASE_URL", database)
        .env("PRICELINE_LISTEN", "127.0.0.1:0")
        .env("PRICELINE_WORKERS", "1")
        .env("PRICELINE_LOG", "info")
        .env(config::ALLOW_ANONYMOUS_IMPORTS, "true")
        .env(config::IMPORT_DIR, import_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut address = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.trim().strip_prefix("API:") {
            let url = rest.split_whitespace().next().unwrap();
            address = Some(url.trim_end_matches("/v1/facilities").to_owned());
            break;
        }
    }
    (child, address.expect("the server printed its address"))
}

async fn a_job_interrupted_by_killing_the_server_is_failed_on_restart(db: TestDb) {
    // `serve` applies migrations on SQLite only.
    db.migrated();
    let files = tempfile::tempdir().unwrap();
    let uploads = tempfile::tempdir().unwrap();
    let path = sample::generate(files.path(), 5, 400_000);
    let database = db.url.connection_string();
    let (mut server, address) = serve(&database, uploads.path());

    let accepted = upload(&address, &path, &[]).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let location = accepted.header("location").unwrap().to_owned();
    // Killed once the import is well under way.
    let started = Instant::now();
    loop {
        let job = get(&address, &location, &[]).await.body;
        assert_ne!(
            job["state"],
            "succeeded",
            "the import finished within {:?}: the test file is too small to interrupt",
            started.elapsed()
        );
        if job["state"] == "running" && job["progress"]["bytes_read"].as_i64().unwrap() > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{job}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill().unwrap(); // SIGKILL: nothing runs on the way out
    server.wait().unwrap();

    let (mut restarted, address) = serve(&database, uploads.path());
    let job = get(&address, &location, &[]).await;
    restarted.kill().unwrap();
    restarted.wait().unwrap();
    assert_eq!(job.status, 200, "{}", job.body);
    assert_eq!(job.body["state"], "failed", "{}", job.body);
    // SQLite: one server per database, so a job found running at start was interrupted. PostgreSQL:
    // the restarted server found the job's advisory lock free (its owner's session is gone).
    let reason = if database.starts_with("postgres") {
        priceline_api::jobs::ABANDONED
    } else {
        priceline_api::jobs::INTERRUPTED
    };
    assert_eq!(job.body["failure"], reason);
    assert!(job.body["finished_at"].is_string());
    // Its upload is deleted, and nothing of the file was stored.
    let left: Vec<_> = std::fs::read_dir(uploads.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    let mut connection = db.connect();
    assert!(
        priceline_store::snapshot::source_file_ids(&mut connection)
            .unwrap()
            .is_empty()
    );
}
on_both_backends!(async a_job_interrupted_by_killing_the_server_is_failed_on_restart);
