//! Traces, metrics and logs as an operator sees them: the real binary exporting over OTLP to a
//! receiver the test runs, its JSON access log on stderr, and `/metrics`.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use priceline_api::auth::api_key::hash_hex;
use priceline_api::config::{self, Settings};
use priceline_tests::otlp::OtlpSink;
use prost::Message;
use serde_json::{Value, json};

use crate::import::priceline_binary;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

/// `priceline serve` with a JSON log on stderr, collected line by line while it runs.
struct Served {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(priceline_binary());
        command
            .args(["serve", "--migrate"])
            .env("PRICELINE_DATABASE_URL", database_url)
            .env("PRICELINE_LISTEN", "127.0.0.1:0")
            .env("PRICELINE_WORKERS", "1")
            .env("PRICELINE_LOG_FORMAT", "json")
            .env("PRICELINE_LOG", "info")
            .env("PRICELINE_RATE_LIMIT_PER_SECOND", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        clear_environment(&mut command);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start priceline serve");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().expect("log lines").push(line);
            }
        });
        let mut base = None;
        for line in BufReader::new(child.stdout.take().expect("stdout"))
            .lines()
            .map_while(Result::ok)
        {
            if let Some(url) = line.trim().strip_prefix("Health:") {
                base = Some(url.trim().trim_end_matches("/healthz").to_owned());
                break;
            }
        }
        let Some(base) = base else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not start: {:?}", log.lock().expect("log"));
        };
        Self { child, base, log }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().expect("log lines").clone()
    }
}

/// The variables a developer's shell may carry that would change what these tests see.
fn clear_environment(command: &mut Command) {
    for name in [
        "RUST_LOG",
        "PRICELINE_API_KEYS",
        "PRICELINE_JWT_SECRET",
        "PRICELINE_METRICS",
        "PRICELINE_METRICS_TOKEN",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_SDK_DISABLED",
        "OTEL_TRACES_SAMPLER",
    ] {
        command.env_remove(name);
    }
}

/// One HTTP/1.1 GET over a fresh connection: the status and the body.
fn http_get(base: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("connect to the server");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request += &format!("{name}: {value}\r\n");
    }
    request += "\r\n";
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Every span the sink received so far.
fn spans(sink: &OtlpSink) -> Vec<Span> {
    sink.bodies("/v1/traces")
        .iter()
        .filter_map(|body| ExportTraceServiceRequest::decode(body.as_slice()).ok())
        .flat_map(|request| request.resource_spans)
        .flat_map(|resource| resource.scope_spans)
        .flat_map(|scope| scope.spans)
        .collect()
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
    let value = span
        .attributes
        .iter()
        .find(|kv| kv.key == key)?
        .value
        .as_ref()?;
    match value.value.as_ref()? {
        Any::StringValue(text) => Some(text.clone()),
        Any::IntValue(number) => Some(number.to_string()),
        other => Some(format!("{other:?}")),
    }
}

/// Waits (up to 20 s) until `found` holds of what the sink has received.
fn wait_for<T>(what: &str, mut found: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = found() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn json_lines(log: &[String]) -> Vec<Value> {
    log.iter()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// A `traceparent` sent in is continued: the exported server span carries the caller's trace id
/// (and has the caller's span as parent), and the access-log line names the same trace.
fn a_traceparent_is_continued_in_the_exported_span_and_the_access_log(db: TestDb) {
    let sink = OtlpSink::start();
    let server = Served::start(
        &db.url.connection_string(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &sink.endpoint()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_SERVICE_NAME", "priceline-test"),
        ],
    );
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent_id = "00f067aa0ba902b7";
    let traceparent = format!("00-{trace_id}-{parent_id}-01");
    let (status, _) = http_get(
        &server.base,
        "/v1/facilities?limit=5",
        &[
            ("traceparent", &traceparent),
            ("X-Request-Id", "obs-test-1"),
        ],
    );
    assert_eq!(status, 200);

    let span = wait_for("the request's span", || {
        spans(&sink)
            .into_iter()
            .find(|span| hex(&span.trace_id) == trace_id)
    });
    assert_eq!(span.name, "GET /v1/facilities");
    assert_eq!(hex(&span.parent_span_id), parent_id);
    assert_eq!(
        attribute(&span, "http.route").as_deref(),
        Some("/v1/facilities")
    );
    assert_eq!(
        attribute(&span, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(
        attribute(&span, "request_id").as_deref(),
        Some("obs-test-1")
    );

    let access = wait_for("the access-log line", || {
        json_lines(&server.log())
            .into_iter()
            .find(|line| line["request_id"] == "obs-test-1")
    });
    assert_eq!(access["trace_id"], trace_id, "{access}");
    assert_eq!(access["level"], "INFO", "{access}");
    assert_eq!(access["method"], "GET");
    assert_eq!(access["route"], "/v1/facilities");
    assert_eq!(access["path"], "/v1/facilities");
    assert_eq!(access["status"], 200);
    assert!(
        access["bytes"].as_u64().is_some_and(|bytes| bytes > 0),
        "{access}"
    );
    assert!(access["duration_ms"].as_f64().is_some(), "{access}");
    // The query string is never logged.
    assert!(!server.log().iter().any(|line| line.contains("limit=5")));
}
on_both_backends!(a_traceparent_is_continued_in_the_exported_span_and_the_access_log);

/// Without an OTLP endpoint nothing is exported, yet the access log still names the caller's trace.
fn without_an_endpoint_the_access_log_still_names_the_callers_trace(db: TestDb) {
    let server = Served::start(&db.url.connection_string(), &[]);
    let trace_id = "0af7651916cd43dd8448eb211c80319c";
    let traceparent = format!("00-{trace_id}-b7ad6b7169203331-01");
    let (status, _) = http_get(
        &server.base,
        "/healthz",
        &[
            ("traceparent", &traceparent),
            ("X-Request-Id", "obs-test-2"),
        ],
    );
    assert_eq!(status, 200);
    let access = wait_for("the access-log line", || {
        json_lines(&server.log())
            .into_iter()
            .find(|line| line["request_id"] == "obs-test-2")
    });
    assert_eq!(access["trace_id"], trace_id, "{access}");
    assert_eq!(access["route"], "/healthz", "{access}");
}
on_both_backends!(without_an_endpoint_the_access_log_still_names_the_callers_trace);

/// The value of every sample of `name` whose labels include all of `labels`, summed.
fn sample(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter(|line| labels.iter().all(|label| line.contains(label)))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn metrics_text(app: &TestApp, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = awc::Client::default().get(app.url("/metrics"));
    for &(name, value) in headers {
        request = request.insert_header((name, value));
    }
    let mut response = request.send().await.expect("the server answers");
    let body = response.body().await.expect("a body");
    (
        response.status().as_u16(),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// `/metrics` counts a request once it is made, with its route template, method and status, and
/// shows the response cache, the pool and in-flight requests.
async fn metrics_count_a_request_after_it_is_made(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let count = |text: &str| {
        sample(
            text,
            "http_server_request_duration_seconds_count",
            &[
                "http_route=\"/v1/facilities/{id}\"",
                "http_request_method=\"GET\"",
                "http_response_status_code=\"404\"",
            ],
        )
    };
    let (status, before) = metrics_text(&app, &[]).await;
    assert_eq!(status, 200, "{before}");
    let (status, _) = app.get("/v1/facilities/987654").await;
    assert_eq!(status, 404);
    let (_, after) = metrics_text(&app, &[]).await;
    assert_eq!(count(&after), count(&before) + 1.0, "{after}");

    // The same list twice: a miss, then a hit.
    let hits = |text: &str| {
        sample(
            text,
            "priceline_response_cache_lookups_total",
            &["result=\"hit\""],
        )
    };
    let misses = |text: &str| {
        sample(
            text,
            "priceline_response_cache_lookups_total",
            &["result=\"miss\""],
        )
    };
    app.get("/v1/facilities?limit=3").await;
    app.get("/v1/facilities?limit=3").await;
    let (_, later) = metrics_text(&app, &[]).await;
    assert!(misses(&later) >= misses(&after) + 1.0, "{later}");
    assert!(hits(&later) >= hits(&after) + 1.0, "{later}");

    // The test server's pool has 2 connections (SQLite and PostgreSQL alike).
    assert_eq!(
        sample(&later, "priceline_db_pool_size", &[]),
        2.0,
        "{later}"
    );
    assert!(later.contains("priceline_db_pool_connections{"), "{later}");
    assert!(later.contains("priceline_db_pool_waits_total{"), "{later}");
    // This very request is in flight while the metrics are collected.
    assert!(
        sample(&later, "http_server_active_requests", &[]) >= 1.0,
        "{later}"
    );
}
on_both_backends!(async metrics_count_a_request_after_it_is_made);

/// Pool waits are counted from the pool itself: a request that finds the only connection taken
/// waits (and is counted as acquired once it is released), one that waits past the acquire timeout
/// is counted as timed out.
async fn pool_waits_are_counted(db: TestDb) {
    let app = TestApp::spawn_with_env(
        db,
        &[
            (config::POOL_SIZE, "1"),
            (config::DB_ACQUIRE_TIMEOUT, "1"),
            (config::CACHE_MB, "0"),
        ],
    )
    .await;
    let waits = |text: &str, outcome: &str| {
        sample(
            text,
            "priceline_db_pool_waits_total",
            &[&format!("outcome=\"{outcome}\"")],
        )
    };
    let (_, before) = metrics_text(&app, &[]).await;
    assert_eq!(
        sample(&before, "priceline_db_pool_size", &[]),
        1.0,
        "{before}"
    );

    let held = app.pool.get().expect("the only connection");
    let (status, _) = app.get("/v1/facilities").await;
    assert_eq!(status, 503);
    let (_, timed_out) = metrics_text(&app, &[]).await;
    assert!(
        waits(&timed_out, "timed_out") >= waits(&before, "timed_out") + 1.0,
        "{timed_out}"
    );
    assert_eq!(
        sample(
            &timed_out,
            "priceline_db_pool_connections",
            &["state=\"used\""]
        ),
        1.0,
        "{timed_out}"
    );

    // Released while the next request waits for it.
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
    });
    let (status, _) = app.get("/v1/facilities").await;
    assert_eq!(status, 200);
    release.join().unwrap();
    let (_, acquired) = metrics_text(&app, &[]).await;
    assert!(
        waits(&acquired, "acquired") >= waits(&timed_out, "acquired") + 1.0,
        "{acquired}"
    );
}
on_both_backends!(async pool_waits_are_counted);

/// With `PRICELINE_METRICS_TOKEN`, `/metrics` needs it as a bearer token; it is never rate limited
/// nor asks for the API key; `PRICELINE_METRICS=false` removes it.
async fn metrics_with_a_token_refuse_a_request_without_it(db: TestDb) {
    let key = "plk_observability-test-key";
    let keys = format!("ops:{}", hash_hex(key));
    let app = TestApp::spawn_with_env(
        db,
        &[
            (config::METRICS_TOKEN, "metrics-token-123"),
            (config::API_KEYS, &keys),
            (config::RATE_LIMIT_PER_SECOND, "1"),
            (config::RATE_LIMIT_BURST, "1"),
        ],
    )
    .await;
    let (status, body) = metrics_text(&app, &[]).await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = metrics_text(&app, &[("Authorization", "Bearer wrong")]).await;
    assert_eq!(status, 401);
    // The API key is not the metrics credential.
    let (status, _) = metrics_text(&app, &[("X-API-Key", key)]).await;
    assert_eq!(status, 401);
    for _ in 0..5 {
        let (status, body) =
            metrics_text(&app, &[("Authorization", "Bearer metrics-token-123")]).await;
        assert_eq!(status, 200, "not rate limited: {body}");
    }
    // A refused credential, then the same client over its budget of one: both are counted.
    let (status, _) = app.get("/v1/facilities").await;
    assert_eq!(status, 401);
    let (status, _) = app.get("/v1/facilities").await;
    assert_eq!(status, 429);
    let (_, text) = metrics_text(&app, &[("Authorization", "Bearer metrics-token-123")]).await;
    // Three refusals at /metrics, one at /v1.
    assert_eq!(
        sample(&text, "priceline_auth_failures_total", &["status=\"401\""]),
        4.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, "priceline_rate_limit_refusals_total", &[]),
        1.0,
        "{text}"
    );
}
on_both_backends!(async metrics_with_a_token_refuse_a_request_without_it);

async fn metrics_can_be_turned_off(db: TestDb) {
    let app = TestApp::spawn_with_env(db, &[(config::METRICS, "false")]).await;
    let (status, _) = metrics_text(&app, &[]).await;
    assert_eq!(status, 404);
}
on_both_backends!(async metrics_can_be_turned_off);

#[test]
fn metrics_settings_are_checked() {
    let settings = |pairs: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        Settings::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(variable, _)| variable == name)
                .map(|(_, value)| value.clone())
        })
    };
    let error = settings(&[(config::METRICS_TOKEN, "  ")]).unwrap_err();
    assert_eq!(error.variable, config::METRICS_TOKEN);
    let error = settings(&[(config::METRICS, "perhaps")]).unwrap_err();
    assert_eq!(error.variable, config::METRICS);
    let error = settings(&[(config::LOG_FORMAT, "xml")]).unwrap_err();
    assert_eq!(error.variable, config::LOG_FORMAT);
    let error = settings(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]).unwrap_err();
    assert_eq!(error.variable, "OTEL_EXPORTER_OTLP_PROTOCOL");
    let secret = settings(&[(config::METRICS_TOKEN, "hidden-token-value")]).unwrap();
    assert!(secret.metrics.enabled);
    assert!(!format!("{secret:?}").contains("hidden-token-value"));
}

/// `priceline import` with an endpoint: one trace per document, with spans for sniffing, reading
/// and each write batch, and the import metrics, all flushed before the command exits.
fn an_import_over_the_cli_exports_an_import_trace(db: TestDb) {
    let mut connection = priceline_store::connect(&db.url).expect("connect");
    priceline_store::migrations::run_pending(&mut connection).expect("migrate");
    drop(connection);
    let dir = tempfile::tempdir().unwrap();
    let file = priceline_synth::write_hospital(
        dir.path(),
        7,
        0,
        // Enough rows for several batches of records (512 each).
        15_000,
        priceline_synth::Format::Tall,
    )
    .expect("generate a file");
    let sink = OtlpSink::start();
    let mut command = Command::new(priceline_binary());
    clear_environment(&mut command);
    let output = command
        .arg("import")
        .arg(&file)
        .env("PRICELINE_DATABASE_URL", db.url.connection_string())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", sink.endpoint())
        .output()
        .expect("run priceline import");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Flushed on exit: everything is there once the command has returned.
    let spans = spans(&sink);
    let import = spans
        .iter()
        .find(|span| span.name == "import")
        .unwrap_or_else(|| {
            panic!(
                "no import span in {:?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        });
    assert!(
        import.parent_span_id.is_empty(),
        "an import is a trace of its own"
    );
    assert_eq!(attribute(import, "status").as_deref(), Some("imported"));
    let in_trace: Vec<&Span> = spans
        .iter()
        .filter(|span| span.trace_id == import.trace_id)
        .collect();
    for name in ["sniff", "read", "write_batch"] {
        assert!(
            in_trace.iter().any(|span| span.name == name),
            "no {name} span in the import's trace"
        );
    }
    assert!(
        in_trace
            .iter()
            .filter(|span| span.name == "write_batch")
            .count()
            > 1,
        "a span per batch"
    );
    let metric_names: Vec<String> = sink
        .bodies("/v1/metrics")
        .iter()
        .filter_map(|body| ExportMetricsServiceRequest::decode(body.as_slice()).ok())
        .flat_map(|request| request.resource_metrics)
        .flat_map(|resource| resource.scope_metrics)
        .flat_map(|scope| scope.metrics)
        .map(|metric| metric.name)
        .collect();
    for name in ["priceline.import.rows", "priceline.import.duration"] {
        assert!(
            metric_names.iter().any(|metric| metric == name),
            "{metric_names:?}"
        );
    }
}
on_both_backends!(an_import_over_the_cli_exports_an_import_trace);

/// A configured secret never reaches the log, at debug level and in JSON: not the API key, the
/// JWT secret or a token signed with it, the metrics token, the database password, nor a secret in
/// the query string of a refused request.
fn no_log_line_contains_a_configured_secret(db: TestDb) {
    let key = "plk_secret-key-that-must-not-be-logged";
    let jwt_secret = "jwt-secret-that-must-not-be-logged-0123456789";
    let metrics_token = "metrics-token-that-must-not-be-logged";
    let query_secret = "query-secret-that-must-not-be-logged";
    let password = "db-password-that-must-not-be-logged";
    // PostgreSQL: the test server trusts local connections, so a password in the URL is sent but
    // not needed; it must still never be printed.
    let url = db.url.connection_string();
    let url = match url.strip_prefix("postgres://") {
        Some(rest) if !rest.contains('@') => url.clone(),
        Some(rest) => {
            let (user, host) = rest.split_once('@').expect("user@host");
            let user = user.split(':').next().unwrap_or(user);
            format!("postgres://{user}:{password}@{host}")
        }
        None => url.clone(),
    };
    let keys = format!("ops:{}", hash_hex(key));
    let sink = OtlpSink::start();
    let server = Served::start(
        &url,
        &[
            ("PRICELINE_LOG", "debug"),
            ("PRICELINE_API_KEYS", &keys),
            ("PRICELINE_JWT_SECRET", jwt_secret),
            ("PRICELINE_METRICS_TOKEN", metrics_token),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &sink.endpoint()),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "x-collector-key=collector-secret-value",
            ),
        ],
    );
    let claims = json!({
        "sub": "client-9",
        "exp": get_current_timestamp() + 300,
        "scope": "prices:read",
    });
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(jwt_secret.as_bytes()),
    )
    .unwrap();
    let bearer = format!("Bearer {token}");
    let wrong = format!("Bearer {token}x");
    let refused = format!("/v1/facilities?api_key={query_secret}");
    let metrics_bearer = format!("Bearer {metrics_token}");
    // (path, headers, expected status)
    type Request<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16);
    let requests: [Request; 6] = [
        ("/v1/facilities", vec![("X-API-Key", key)], 200),
        ("/v1/facilities", vec![("Authorization", &bearer)], 200),
        ("/v1/facilities", vec![("Authorization", &wrong)], 401),
        ("/v1/facilities", vec![("X-API-Key", "plk_wrong-key")], 401),
        (&refused, vec![], 401),
        ("/metrics", vec![("Authorization", &metrics_bearer)], 200),
    ];
    for (index, (path, headers, expected)) in requests.iter().enumerate() {
        let id = format!("secret-test-{index}");
        let mut headers = headers.clone();
        headers.push(("X-Request-Id", &id));
        let (status, body) = http_get(&server.base, path, &headers);
        assert_eq!(status, *expected, "{path}: {body}");
    }
    // Every request's line is written before looking.
    wait_for("every access-log line", || {
        let log = server.log();
        (0..requests.len())
            .all(|index| {
                log.iter()
                    .any(|line| line.contains(&format!("\"request_id\":\"secret-test-{index}\"")))
            })
            .then_some(())
    });
    let log = server.log();
    let caller = json_lines(&log)
        .into_iter()
        .find(|line| line["request_id"] == "secret-test-1")
        .expect("the JWT request's line");
    assert_eq!(caller["client"], "sub:client-9");
    let caller = json_lines(&log)
        .into_iter()
        .find(|line| line["request_id"] == "secret-test-0")
        .expect("the API key request's line");
    assert_eq!(caller["client"], "key:ops");
    for secret in [
        key,
        jwt_secret,
        token.as_str(),
        metrics_token,
        query_secret,
        password,
        "collector-secret-value",
    ] {
        for line in &log {
            assert!(!line.contains(secret), "{secret:?} logged: {line}");
        }
    }
}
on_both_backends!(no_log_line_contains_a_configured_secret);
