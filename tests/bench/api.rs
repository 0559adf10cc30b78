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
//! Before them, the course stack (`../shared/bench/course-stack`: pandas into SQLite, FastAPI on
//! uvicorn) beside us on the same 1M-rate file; within each run, 100 common codes in turn and, with
//! the cache on, a Zipf long tail of 20,000 URLs with the hit ratio the server counted.
//! `PRICELINE_BENCH_HOSPITALS` and `PRICELINE_BENCH_ROWS` shrink the dataset for a quick run;
//! `PRICELINE_BENCH_SCALE=large` makes it 2,000 hospitals (100M rates) on PostgreSQL only, and prints
//! the database size per million rates;
//! `PRICELINE_BENCH_ONLY=auth-audit` runs only the credentials-and-audit comparison (on SQLite), and
//! `PRICELINE_BENCH_ONLY=fhir` only the FHIR search beside its /v1 code lookups (SQLite, cache off,
//! `PRICELINE_BENCH_RUNS` times), `PRICELINE_BENCH_ONLY=statistics` only the statistics of the
//! commonest code, unsplit and split (SQLite, cache off), `PRICELINE_BENCH_ONLY=filters` only each
//! filter of a code lookup beside the plain lookup, compare and a payer search without a code
//! (SQLite, cache off), `PRICELINE_BENCH_ONLY=long-tail` only the Zipf long tail (cache on,
//! `PRICELINE_BENCH_RUNS` times on one server, each run with the hit ratio it got),
//! `PRICELINE_BENCH_ONLY=course` only the course-stack comparison. Those
//! single comparisons run on `PRICELINE_BENCH_DATABASE` instead of the bench's SQLite file when it
//! is set (a PostgreSQL URL, say, migrated beforehand).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use priceline_store::{DatabaseUrl, connect};
use priceline_synth::Format;

#[path = "course_stack.rs"]
mod course_stack;
#[path = "mix.rs"]
mod mix;
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
/// Imports `dir` into `database` (files imported before are passed over by their hash) and prints
/// the time, the rows the database holds and, for a new load, the rows a second.
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
    let seconds = started.elapsed().as_secs_f64();
    #[derive(diesel::QueryableByName)]
    struct Rows {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rows: i64,
    }
    let url = DatabaseUrl::parse(database).expect("the bench database URL");
    let mut connection = connect(&url).expect("open the bench database");
    let rows = diesel::sql_query(
        "SELECT CAST(COALESCE(SUM(rows_read), 0) AS BIGINT) AS rows FROM source_files",
    )
    .get_result::<Rows>(&mut connection)
    .expect("count the rows read")
    .rows;
    println!(
        "dataset loaded in {seconds:.0} s: {rows} rows in the database ({:.0} rows/s if all were new)",
        rows as f64 / seconds
    );
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
    // Figures are of the read model as served, not of statistics that add the pending files'
    // lines while the server takes in the imports' changes (see api/src/read_model.rs).
    let started = Instant::now();
    loop {
        let (_, body) = request(&format!("http://127.0.0.1:{port}/readyz"), &[]);
        if !String::from_utf8_lossy(&body).contains("statistics_pending") {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    if started.elapsed() > Duration::from_secs(1) {
        println!(
            "statistics read model brought up to date by the server in {:.0} s",
            started.elapsed().as_secs_f64()
        );
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

/// What wrk measured: requests a second, the median and 99th percentile latency as wrk prints them
/// (`1.23ms`), and its count of non-2xx answers when there were any.
struct Figures {
    per_second: f64,
    p50: String,
    p99: String,
    non_2xx: String,
}

/// wrk on `url` with 32 connections for [`SECONDS]: with these request headers, and a Lua script
/// choosing each request's path when given. `None` when wrk is not installed.
fn wrk(url: &str, headers: &[&str], script: Option<&Path>) -> Option<Figures> {
    let mut command = Command::new("wrk");
    command
        .args(["-t2", "-c32", "-d", SECONDS, "--latency"])
        .args(headers.iter().flat_map(|header| ["-H", header]));
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let output = command.arg(url).output().ok()?;
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
    Some(Figures {
        per_second: field("Requests/sec:").parse().unwrap_or(0.0),
        p50: field("50%"),
        p99: field("99%"),
        non_2xx,
    })
}

fn print_figures(label: &str, first: Option<Duration>, figures: &Figures) {
    let first = first.map_or_else(|| "-".to_owned(), |first| format!("{first:.1?}"));
    println!(
        "{label:32} first {first:>9}  {:>10.1} req/s  p50 {:>9}  p99 {:>9}  {}",
        figures.per_second, figures.p50, figures.p99, figures.non_2xx
    );
}

fn load_test(label: &str, url: &str) -> Option<Figures> {
    load_test_with(label, url, &[])
}

/// [`load_test`] with request headers for wrk (`Name: value`).
fn load_test_with(label: &str, url: &str, headers: &[&str]) -> Option<Figures> {
    let first = first_request(url, headers);
    let Some(figures) = wrk(url, headers, None) else {
        println!("{label:40} skipped: wrk is not installed (make bench installs it)");
        return None;
    };
    print_figures(label, Some(first), &figures);
    Some(figures)
}

/// wrk over `base` with the paths `mix` draws (see `mix.rs`).
fn load_test_mix(label: &str, base: &str, mix: &Path) -> Option<Figures> {
    let figures = wrk(base, &[], Some(mix))?;
    print_figures(label, None, &figures);
    Some(figures)
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
        let (rotation, _) = lookup_paths(&common_codes(database, 100));
        let rotation = mix::rotation(
            &workspace().join("target/bench-data"),
            "100-codes",
            &rotation,
        );
        load_test_mix("code lookup, 100 codes in turn", &base, &rotation);
        fhir_beside_v1(&base);
        load_test(
            "statistics (common code)",
            &format!("{base}/v1/codes/CPT/70551/statistics"),
        );
        load_test(
            "facility search (state)",
            &format!("{base}/v1/facilities?state=TX&limit=50"),
        );
        if cache_mb != "0" {
            long_tail(label, database, &base);
        } else {
            filters(&base);
        }
    }
}

/// Every filter of `/v1/prices` beside the plain code lookup it narrows, each with the lookup's
/// req/s as a multiple of its own (the target: within 2×); then compare and a payer search without
/// a code. Meant for the cache off: every request reaches the database.
fn filters(base: &str) {
    let lookup = format!("{base}/v1/prices?code_type=CPT&code=70551&limit=50");
    let plain = load_test("code lookup (beside its filters)", &lookup);
    for (label, filter) in [
        ("filter: payer", "&payer=Aetna"),
        ("filter: plan", "&plan=PPO"),
        ("filter: place (state)", "&state=TX"),
        ("filter: methodology", "&methodology=fee%20schedule"),
        (
            "filter: amount range",
            "&kind=negotiated_dollar&min_amount=100&max_amount=2000",
        ),
        (
            "sort: cheapest first",
            "&kind=negotiated_dollar&sort=amount",
        ),
        ("filter: as_of", "&as_of=2026-06-01"),
    ] {
        let narrowed = load_test(label, &format!("{lookup}{filter}"));
        if let (Some(plain), Some(narrowed)) = (&plain, narrowed) {
            println!(
                "{:32} the lookup's req/s: {:.1}× this",
                "",
                plain.per_second / narrowed.per_second.max(0.001)
            );
        }
    }
    load_test(
        "compare (cheapest first)",
        &format!("{base}/v1/codes/CPT/70551/compare"),
    );
    load_test(
        "payer search without a code",
        &format!("{base}/v1/prices?payer=Aetna&code_type=CPT&limit=100"),
    );
    // The facility criteria, the snapshots as of a date and the payer plans, matched in SQL.
    for (label, path) in [
        ("compare (state)", "/v1/codes/CPT/70551/compare?state=TX"),
        (
            "facility search (city)",
            "/v1/facilities?city=austin&limit=50",
        ),
        (
            "facility search (name)",
            "/v1/facilities?name=regional&limit=50",
        ),
        (
            "facility search (as_of)",
            "/v1/facilities?as_of=2026-06-01&limit=50",
        ),
        ("payer plans (name)", "/v1/payers?name=aetna&limit=50"),
    ] {
        load_test(label, &format!("{base}{path}"));
    }
}

/// [`filters`] alone (`PRICELINE_BENCH_ONLY=filters`), `PRICELINE_BENCH_RUNS` times.
fn filters_only(label: &str, database: &str) {
    let port = free_port();
    let _server = serve(database, port, "0");
    println!("--- {label}, response cache off ---");
    for _ in 0..runs(3) {
        filters(&format!("http://127.0.0.1:{port}"));
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

#[derive(diesel::QueryableByName)]
struct CodeRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    code_type: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    code: String,
}

/// The `count` commonest CPT and HCPCS codes of `database` (by the items that list them), commonest
/// first.
fn common_codes(database: &str, count: usize) -> Vec<(String, String)> {
    let url = DatabaseUrl::parse(database).expect("the bench database URL");
    let mut connection = connect(&url).expect("open the bench database");
    diesel::sql_query(format!(
        "SELECT code_type, code FROM item_codes WHERE code_type IN ('CPT', 'HCPCS') \
         GROUP BY code_type, code ORDER BY COUNT(*) DESC, code_type, code LIMIT {count}"
    ))
    .load::<CodeRow>(&mut connection)
    .expect("read the common codes")
    .into_iter()
    .map(|row| (row.code_type, row.code))
    .collect()
}

/// Code lookups of 50 lines through the `codes` in turn, on our API and the course stack's.
fn lookup_paths(codes: &[(String, String)]) -> (Vec<String>, Vec<String>) {
    codes
        .iter()
        .map(|(code_type, code)| {
            (
                format!("/v1/prices?code_type={code_type}&code={code}&limit=50"),
                format!("/prices?code={code}&code_type={code_type}&limit=50"),
            )
        })
        .unzip()
}

/// The course stack beside us on the same 1M-rate Tall file (one hospital), cache off: a code
/// lookup of 50 lines (one common code, with and without gzip, then 100 common codes in turn) and
/// statistics of the common code, with our figure as a multiple of theirs.
fn course_comparison() {
    let dir = workspace().join("target/bench-data/course-1000k");
    let file = dir.join("hospital-tall.csv");
    if !file.is_file() {
        let written = priceline_synth::write_hospital(&dir, SEED, 0, 1_000_000, Format::Tall)
            .expect("generate the 1M-row file");
        std::fs::rename(written, &file).expect("name the 1M-row file");
    }
    let database = workspace().join("target/bench-data/course-1000k.db");
    let database = database.display().to_string();
    load(&database, &dir);
    let codes = common_codes(&database, 100);
    let (ours_rotation, theirs_rotation) = lookup_paths(&codes);
    let port = free_port();
    let _server = serve(&database, port, "0");
    let ours = format!("http://127.0.0.1:{port}");
    let course = match course_stack::start(&file, free_port()) {
        Ok(course) => course,
        Err(reason) => {
            println!("course-stack comparison skipped: {reason}");
            return;
        }
    };
    let theirs = course.base.clone();
    let scripts = workspace().join("target/bench-data");
    let ours_mix = mix::rotation(&scripts, "ours-100-codes", &ours_rotation);
    let theirs_mix = mix::rotation(&scripts, "course-100-codes", &theirs_rotation);
    println!(
        "--- course stack (FastAPI, uvicorn 2 workers, pandas-loaded SQLite) beside Priceline (cache off), 1M rates ---"
    );
    let ratio = |ours: Option<Figures>, theirs: Option<Figures>| {
        if let (Some(ours), Some(theirs)) = (ours, theirs) {
            println!(
                "{:32} Priceline / course stack: {:.1}×",
                "",
                ours.per_second / theirs.per_second.max(0.001)
            );
        }
    };
    for _ in 0..runs(3) {
        let lookup = "code_type=CPT&code=70551&limit=50";
        ratio(
            load_test(
                "Priceline code lookup",
                &format!("{ours}/v1/prices?{lookup}"),
            ),
            load_test("course code lookup", &format!("{theirs}/prices?{lookup}")),
        );
        ratio(
            load_test_with(
                "Priceline code lookup, gzip",
                &format!("{ours}/v1/prices?{lookup}"),
                &["Accept-Encoding: gzip"],
            ),
            load_test_with(
                "course code lookup, gzip",
                &format!("{theirs}/prices?{lookup}"),
                &["Accept-Encoding: gzip"],
            ),
        );
        ratio(
            load_test_mix("Priceline 100 codes in turn", &ours, &ours_mix),
            load_test_mix("course 100 codes in turn", &theirs, &theirs_mix),
        );
        ratio(
            load_test(
                "Priceline statistics",
                &format!("{ours}/v1/codes/CPT/70551/statistics"),
            ),
            load_test(
                "course statistics",
                &format!("{theirs}/stats?code=70551&code_type=CPT"),
            ),
        );
    }
}

/// A long tail of distinct price queries: the 200 commonest codes, each alone or with a payer, a
/// state, a setting and an `as_of` date, 20,000 URLs in a fixed shuffled order, drawn by Zipf
/// weights; with the response cache on, and the hit ratio the server's metrics counted.
fn long_tail(label: &str, database: &str, base: &str) {
    let codes = common_codes(database, 200);
    let payers = [
        "",
        "Aetna",
        "Cigna",
        "UnitedHealthcare",
        "Humana",
        "Blue%20Cross",
    ];
    let states = ["", "TX", "CA", "NY", "FL", "OH"];
    let settings = ["", "inpatient", "outpatient"];
    let dates = ["", "2026-03-01", "2026-05-01"];
    let mut paths = Vec::new();
    for (code_type, code) in &codes {
        for payer in payers {
            for state in states {
                for setting in settings {
                    for date in dates {
                        let mut path =
                            format!("/v1/prices?code_type={code_type}&code={code}&limit=50");
                        for (name, value) in [
                            ("payer", payer),
                            ("state", state),
                            ("setting", setting),
                            ("as_of", date),
                        ] {
                            if !value.is_empty() {
                                path.push_str(&format!("&{name}={value}"));
                            }
                        }
                        paths.push(path);
                    }
                }
            }
        }
    }
    // A fixed shuffle (SplitMix64 steps), so the Zipf ranks do not follow the loops above.
    let mut state = SEED;
    for index in (1..paths.len()).rev() {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        paths.swap(index, (z % (index as u64 + 1)) as usize);
    }
    paths.truncate(20_000);
    let script = mix::zipf(&workspace().join("target/bench-data"), "long-tail", &paths);
    let hits_and_misses = || {
        let (_, body) = request(&format!("{base}/metrics"), &[]);
        let text = String::from_utf8_lossy(&body).into_owned();
        let sample = |result: &str| -> f64 {
            text.lines()
                .filter(|line| line.starts_with("priceline_response_cache_lookups_total"))
                .filter(|line| line.contains(&format!("result=\"{result}\"")))
                .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
                .sum()
        };
        (sample("hit"), sample("miss"))
    };
    let (hits_before, misses_before) = hits_and_misses();
    load_test_mix(
        &format!("long tail ({} URLs, Zipf)", paths.len()),
        base,
        &script,
    );
    let (hits, misses) = hits_and_misses();
    let (hits, misses) = (hits - hits_before, misses - misses_before);
    println!(
        "{:32} {label}: response cache hit ratio {:.1}% ({hits:.0} hits, {misses:.0} misses)",
        "",
        100.0 * hits / (hits + misses).max(1.0)
    );
}

/// [`long_tail`] alone (`PRICELINE_BENCH_ONLY=long-tail`), `PRICELINE_BENCH_RUNS` times on one
/// server: the cache warms from run to run, as a deployed server's does, and each run prints the hit
/// ratio it got.
fn long_tail_only(label: &str, database: &str) {
    let port = free_port();
    let _server = serve(database, port, "64");
    let base = format!("http://127.0.0.1:{port}");
    println!("--- {label}, response cache on ---");
    for _ in 0..runs(3) {
        long_tail(label, database, &base);
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

/// PostgreSQL's size of the bench schema's tables and indexes, per million rates.
fn database_size(database: &str, schema: &str) {
    #[derive(diesel::QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        bytes: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rates: i64,
    }
    let url = DatabaseUrl::parse(database).expect("the bench database URL");
    let mut connection = connect(&url).expect("open the bench database");
    let size = diesel::sql_query(format!(
        "SELECT CAST(SUM(pg_total_relation_size(c.oid)) AS BIGINT) AS bytes, \
                (SELECT COUNT(*) FROM payer_rates) AS rates \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = '{schema}' AND c.relkind = 'r'"
    ))
    .get_result::<Size>(&mut connection)
    .expect("measure the database");
    println!(
        "database: {:.1} GB for {} rates, {:.0} MB per million rates",
        size.bytes as f64 / 1e9,
        size.rates,
        size.bytes as f64 / 1e6 / (size.rates as f64 / 1e6).max(1e-9)
    );
}

fn main() {
    require_binary();
    // The large mode: 2,000 hospitals (100M rates) on PostgreSQL only, not run by CI.
    let large = std::env::var("PRICELINE_BENCH_SCALE").as_deref() == Ok("large");
    let hospitals = setting("PRICELINE_BENCH_HOSPITALS", if large { 2_000 } else { 200 }) as usize;
    let rows = setting("PRICELINE_BENCH_ROWS", 50_000);
    let dir = dataset(hospitals, rows);
    let sqlite = workspace().join(format!("target/bench-data/api-{hospitals}x{rows}.db"));
    // One comparison alone, on SQLite: `PRICELINE_BENCH_ONLY=auth-audit`, `fhir` or `statistics`.
    let only: Option<fn(&str, &str)> = match std::env::var("PRICELINE_BENCH_ONLY").as_deref() {
        Ok("auth-audit") => Some(auth_and_audit),
        Ok("fhir") => Some(fhir_and_v1),
        Ok("statistics") => Some(statistics),
        Ok("filters") => Some(filters_only),
        Ok("long-tail") => Some(long_tail_only),
        Ok("course") => {
            course_comparison();
            return;
        }
        _ => None,
    };
    if let Some(comparison) = only {
        // `PRICELINE_BENCH_DATABASE` runs it on another database (a PostgreSQL URL, say): loaded
        // with the same files first.
        let (backend, database) = match std::env::var("PRICELINE_BENCH_DATABASE") {
            Ok(url) if url.starts_with("postgres") => ("PostgreSQL", url),
            Ok(url) => ("SQLite", url),
            Err(_) => ("SQLite", sqlite.display().to_string()),
        };
        load(&database, &dir);
        comparison(
            &format!("{backend}, {hospitals} hospitals × {rows} rows"),
            &database,
        );
        return;
    }
    if large {
        println!("large mode: PostgreSQL only");
    } else {
        course_comparison();
        run(
            &format!("SQLite, {hospitals} hospitals × {rows} rows"),
            &sqlite.display().to_string(),
            &dir,
        );
        observability("SQLite", &sqlite.display().to_string());
        auth_and_audit("SQLite", &sqlite.display().to_string());
    }

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
            database_size(&scoped, &schema);
        }
    }
}
