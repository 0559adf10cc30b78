//! `make bench` (API part): the release server over a generated dataset (by default 200 hospitals ×
//! 50,000 Tall rows = 10M payer-rate rows) on SQLite and, when `PRICELINE_TEST_POSTGRES_URL` is set,
//! PostgreSQL, loaded with wrk on loopback (32 connections): code lookup (and the same code as a FHIR
//! ChargeItemDefinition search, beside the /v1 lookup of as many price lines as its page holds),
//! statistics, facility search, and /healthz as the ceiling, once with the response cache on (as
//! deployed) and once with it off.
//! Then the overhead of the access log and of OTLP export (to a receiver the bench runs) on SQLite,
//! and that of credentials and the audit trail: a code lookup on an open API without audit versus
//! with an API key required and every request audited (issue 14).
//! Prints figures; asserts nothing about speed.
//! `PRICELINE_BENCH_HOSPITALS` and `PRICELINE_BENCH_ROWS` shrink the dataset for a quick run;
//! `PRICELINE_BENCH_ONLY=auth-audit` runs only the credentials-and-audit comparison (on SQLite), and
//! `PRICELINE_BENCH_ONLY=fhir` only the FHIR search beside its /v1 code lookups (SQLite, cache off,
//! `PRICELINE_BENCH_RUNS` times), `PRICELINE_BENCH_ONLY=statistics` only the statistics of the
//! commonest code, unsplit and split (SQLite, cache off).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use priceline_store::{DatabaseUrl, connect};
use priceline_synth::Format;

#[path = "support.rs"]
mod support;
use support::{SEED, binary, require_binary, runs, setting, workspace};

const SECONDS: &str = "10s";

/// The dataset's files, generated once.
fn dataset(hospitals: usize, rows: u64) -> PathBuf {
    let dir = workspace().join(format!("target/bench-data/api-{hospitals}x{rows}"));
    let done = dir.join(".complete");
    if !done.exists() {
        let started = Instant::now();
        priceline_synth::write_dataset(&dir, SEED, hospitals, rows, &[Format::Tall])
            .expect("generate the dataset");
        std::fs::write(&done, b"").expect("mark the dataset complete");
        println!(
            "generated {} in {:.0} s",
            dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    dir
}

/// Imports the dataset (a no-op for files already imported: same SHA-256).
fn load(database: &str, dir: &Path) {
    let started = Instant::now();
    let status = Command::new(binary())
        .arg("import")
        .arg(dir)
        .env("PRICELINE_DATABASE_URL", database)
        .stdout(Stdio::null())
        .status()
        .expect("run priceline import");
    assert!(status.success(), "importing the benchmark dataset failed");
    println!("dataset loaded in {:.0} s", started.elapsed().as_secs_f64());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(database: &str, port: u16, cache_mb: &str) -> Server {
    serve_with(database, port, cache_mb, &[])
}

/// [`serve`] with more variables (they override the defaults here).
fn serve_with(database: &str, port: u16, cache_mb: &str, env: &[(&str, &str)]) -> Server {
    let child = Command::new(binary())
        .arg("serve")
        .env("PRICELINE_DATABASE_URL", database)
        .env("PRICELINE_CACHE_MB", cache_mb)
        // One client (wrk) on loopback: the per-client rate limit would measure itself.
        .env("PRICELINE_RATE_LIMIT_PER_SECOND", "0")
        .env("PRICELINE_LISTEN", format!("127.0.0.1:{port}"))
        .env("PRICELINE_LOG", "warn")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        // The access log of the observability variants would drown the figures.
        .stderr(if env.is_empty() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("start priceline serve");
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// The time of one GET of `url` (`http://host:port/path`), read to the end: a first request, before
/// any cache holds its answer.
fn first_request(url: &str, headers: &[&str]) -> Duration {
    request(url, headers).0
}

/// One GET on a new connection: how long it took and the response's body.
fn request(url: &str, headers: &[&str]) -> (Duration, Vec<u8>) {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let started = Instant::now();
    let mut stream = std::net::TcpStream::connect(host).expect("connect to the server");
    let extra: String = headers
        .iter()
        .map(|header| format!("{header}\r\n"))
        .collect();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n"
    )
    .expect("send a request");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .expect("read the response");
    let elapsed = started.elapsed();
    assert!(
        response.starts_with(b"HTTP/1.1 200"),
        "GET {url}: {}",
        String::from_utf8_lossy(&response[..response.len().min(200)])
    );
    let split = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("the end of the response's head");
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let body = response[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        (elapsed, dechunk(&body))
    } else {
        (elapsed, body)
    }
}

/// The body of a chunked response: each chunk's size line (hex) and data, up to the empty chunk.
fn dechunk(mut chunked: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(line_end) = chunked.windows(2).position(|window| window == b"\r\n") {
        let size_text = String::from_utf8_lossy(&chunked[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("a chunk size");
        if size == 0 {
            break;
        }
        let data = line_end + 2;
        body.extend_from_slice(&chunked[data..data + size]);
        chunked = &chunked[data + size + 2..];
    }
    body
}

/// How many /v1 price lines a searchset of ChargeItemDefinitions holds: one per payer rate
/// (a property group with `applicability`), and one for each charge with no rate (its own
/// property group followed by no rate group).
fn price_lines(bundle: &serde_json::Value) -> usize {
    let groups = |entry: &serde_json::Value| {
        entry["resource"]["propertyGroup"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let is_rate = |group: &serde_json::Value| group.get("applicability").is_some();
    bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["search"]["mode"] == "match")
        .map(|entry| {
            let groups = groups(entry);
            (0..groups.len())
                .filter(|&index| {
                    is_rate(&groups[index]) || !groups.get(index + 1).is_some_and(is_rate)
                })
                .count()
        })
        .sum()
}

fn load_test(label: &str, url: &str) {
    load_test_with(label, url, &[]);
}

/// [`load_test`] with request headers for wrk (`Name: value`).
fn load_test_with(label: &str, url: &str, headers: &[&str]) {
    let first = first_request(url, headers);
    let output = Command::new("wrk")
        .args(["-t2", "-c32", "-d", SECONDS, "--latency"])
        .args(headers.iter().flat_map(|header| ["-H", header]))
        .arg(url)
        .output();
    let Ok(output) = output else {
        println!("{label:40} skipped: wrk is not installed (make bench installs it)");
        return;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find(|line| line.trim_start().starts_with(prefix))
            .and_then(|line| line.split_whitespace().nth(1).map(str::to_owned))
            .unwrap_or_else(|| "?".into())
    };
    let non_2xx = text
        .lines()
        .find(|line| line.contains("Non-2xx"))
        .unwrap_or("")
        .trim()
        .to_owned();
    println!(
        "{label:32} first {:>9.1?}  {:>10} req/s  p50 {:>9}  p99 {:>9}  {non_2xx}",
        first,
        field("Requests/sec:"),
        field("50%"),
        field("99%")
    );
}

fn run(label: &str, database: &str, dir: &Path) {
    load(database, dir);
    // Served as deployed (repeated requests answered from the response cache), then with the cache
    // off, so every request reaches the database: the figure for a long tail of distinct queries.
    for (cache, cache_mb) in [("cache on", "64"), ("cache off", "0")] {
        let port = free_port();
        let _server = serve(database, port, cache_mb);
        let base = format!("http://127.0.0.1:{port}");
        println!("--- {label}, response {cache} ---");
        if cache_mb != "0" {
            load_test("GET /healthz (ceiling)", &format!("{base}/healthz"));
        }
        let lookup = format!("{base}/v1/prices?code_type=CPT&code=70551&limit=50");
        load_test("code lookup (50 results)", &lookup);
        // What browsers and most clients ask for: a compressed, streamed body.
        load_test_with("code lookup, gzip", &lookup, &["Accept-Encoding: gzip"]);
        fhir_beside_v1(&base);
        load_test(
            "statistics (common code)",
            &format!("{base}/v1/codes/CPT/70551/statistics"),
        );
        load_test(
            "facility search (state)",
            &format!("{base}/v1/facilities?state=TX&limit=50"),
        );
    }
}

/// A FHIR ChargeItemDefinition search by code beside the /v1 code lookup it matches, with the
/// response cache off (every request reaches the database): the same 50 first matches of the same
/// code, as FHIR resources (an item and setting with all its rates) and as /v1 lines (one rate each).
fn fhir_and_v1(label: &str, database: &str) {
    let port = free_port();
    let _server = serve(database, port, "0");
    let base = format!("http://127.0.0.1:{port}");
    println!("--- {label}, response cache off ---");
    for _ in 0..runs(3) {
        load_test(
            "code lookup (50 results)",
            &format!("{base}/v1/prices?code_type=CPT&code=70551&limit=50"),
        );
        fhir_beside_v1(&base);
    }
}

/// Statistics of the commonest code, unsplit and split by payer and by state, with the response
/// cache off: each request reads the statistics read model.
fn statistics(label: &str, database: &str) {
    let port = free_port();
    let _server = serve(database, port, "0");
    let base = format!("http://127.0.0.1:{port}");
    println!("--- {label}, response cache off ---");
    for _ in 0..runs(3) {
        let path = format!("{base}/v1/codes/CPT/70551/statistics");
        load_test("statistics (common code)", &path);
        load_test("statistics by payer", &format!("{path}?by=payer"));
        load_test("statistics by state", &format!("{path}?by=state"));
    }
}

/// The same code through FHIR: 50 ChargeItemDefinitions (each with all its payer rates, where a
/// /v1 line holds one), counted on the first page as every first page is; first the /v1 query it
/// matches: the same code, as many price lines as the FHIR page holds (several hundred).
fn fhir_beside_v1(base: &str) {
    let fhir = format!(
        "{base}/fhir/ChargeItemDefinition?code=http://www.ama-assn.org/go/cpt%7C70551&_count=50"
    );
    let (_, body) = request(&fhir, &[]);
    let page: serde_json::Value = serde_json::from_slice(&body).expect("a FHIR Bundle");
    let lines = price_lines(&page);
    load_test(
        &format!("code lookup ({lines} results)"),
        &format!("{base}/v1/prices?code_type=CPT&code=70551&limit={lines}"),
    );
    load_test("FHIR ChargeItemDefinition by code (50)", &fhir);
}

/// The request overhead of observability: /healthz and a code lookup with logs at warn (no access
/// log), with the access log (info, JSON to a pipe nobody reads… here /dev/null), and with the
/// access log and OTLP export to a local receiver (so spans and metrics are really sent).
fn observability(label: &str, database: &str) {
    let sink = priceline_tests::otlp::OtlpSink::start();
    let endpoint = sink.endpoint();
    let variants: [(&str, Vec<(&str, &str)>); 3] = [
        ("no access log, no OTLP", vec![]),
        ("access log, no OTLP", vec![("PRICELINE_LOG", "info")]),
        (
            "access log + OTLP export",
            vec![
                ("PRICELINE_LOG", "info"),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ],
        ),
    ];
    for (variant, env) in variants {
        let port = free_port();
        let _server = serve_with(database, port, "64", &env);
        let base = format!("http://127.0.0.1:{port}");
        println!("--- {label}, {variant} ---");
        load_test("GET /healthz", &format!("{base}/healthz"));
        load_test(
            "code lookup (50 results, cached)",
            &format!("{base}/v1/prices?code_type=CPT&code=70551&limit=50"),
        );
    }
    println!("OTLP receiver: {} export requests received", sink.count());
}

/// A server variant: its label, its variables and the headers each request sends.
type Variant<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<&'a str>);

/// The cost of credentials and the audit trail on a code lookup: an open API with the audit off,
/// then an API key required (checked on every request) and every request audited (queued, then
/// written in batches by the audit writer), with the response cache on (the cheapest request, so
/// the largest share of overhead) and off.
fn auth_and_audit(label: &str, database: &str) {
    const KEY: &str = "plk_bench-key-for-the-audit-overhead-figure";
    let entry = format!(
        "bench:{}:prices:read",
        priceline_api::auth::api_key::hash_hex(KEY)
    );
    let key_header = format!("X-API-Key: {KEY}");
    for cache_mb in ["64", "0"] {
        let cache = if cache_mb == "0" {
            "cache off"
        } else {
            "cache on"
        };
        let variants: [Variant; 2] = [
            ("auth + audit off", vec![("PRICELINE_AUDIT", "off")], vec![]),
            (
                "API key + audit on",
                vec![
                    ("PRICELINE_AUDIT", "on"),
                    ("PRICELINE_API_KEYS", entry.as_str()),
                ],
                vec![key_header.as_str()],
            ),
        ];
        for (variant, env, headers) in variants {
            let port = free_port();
            let _server = serve_with(database, port, cache_mb, &env);
            let base = format!("http://127.0.0.1:{port}");
            println!("--- {label}, response {cache}, {variant} ---");
            load_test_with(
                "code lookup (50 results)",
                &format!("{base}/v1/prices?code_type=CPT&code=70551&limit=50"),
                &headers,
            );
        }
    }
    if let Ok(mut connection) = connect(&DatabaseUrl::parse(database).expect("the bench database"))
    {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            events: i64,
        }
        let written = diesel::sql_query("SELECT COUNT(*) AS events FROM audit_events")
            .get_result::<Count>(&mut connection)
            .map_or_else(|error| error.to_string(), |count| count.events.to_string());
        println!("audit events in the database after the runs: {written}");
    }
}

fn main() {
    require_binary();
    let hospitals = setting("PRICELINE_BENCH_HOSPITALS", 200) as usize;
    let rows = setting("PRICELINE_BENCH_ROWS", 50_000);
    let dir = dataset(hospitals, rows);
    let sqlite = workspace().join(format!("target/bench-data/api-{hospitals}x{rows}.db"));
    // One comparison alone, on SQLite: `PRICELINE_BENCH_ONLY=auth-audit`, `fhir` or `statistics`.
    let only: Option<fn(&str, &str)> = match std::env::var("PRICELINE_BENCH_ONLY").as_deref() {
        Ok("auth-audit") => Some(auth_and_audit),
        Ok("fhir") => Some(fhir_and_v1),
        Ok("statistics") => Some(statistics),
        _ => None,
    };
    if let Some(comparison) = only {
        let database = sqlite.display().to_string();
        load(&database, &dir);
        comparison(
            &format!("SQLite, {hospitals} hospitals × {rows} rows"),
            &database,
        );
        return;
    }
    run(
        &format!("SQLite, {hospitals} hospitals × {rows} rows"),
        &sqlite.display().to_string(),
        &dir,
    );
    observability("SQLite", &sqlite.display().to_string());
    auth_and_audit("SQLite", &sqlite.display().to_string());

    match std::env::var("PRICELINE_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
    {
        None => println!("PostgreSQL figures skipped: PRICELINE_TEST_POSTGRES_URL is not set"),
        Some(base) => {
            let schema = format!("bench_api_{hospitals}x{rows}");
            let url = DatabaseUrl::parse(&base).expect("a valid PRICELINE_TEST_POSTGRES_URL");
            let mut admin = connect(&url).expect("connect to PostgreSQL");
            diesel::sql_query(format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .execute(&mut admin)
                .expect("create the benchmark schema");
            let separator = if base.contains('?') { '&' } else { '?' };
            let scoped = format!("{base}{separator}options=-c%20search_path%3D{schema}");
            let migrated = Command::new(binary())
                .args(["migrate", "up"])
                .env("PRICELINE_DATABASE_URL", &scoped)
                .stdout(Stdio::null())
                .status()
                .expect("run priceline migrate");
            assert!(migrated.success(), "migrating the benchmark schema failed");
            run(
                &format!("PostgreSQL, {hospitals} hospitals × {rows} rows"),
                &scoped,
                &dir,
            );
        }
    }
}
