//! `make bench` (import part): generated CMS v3.0 files of 1M and 5M payer-rate rows (Tall) plus Wide
//! and JSON, each parsed without storing (the ceiling an import can approach) and imported into SQLite
//! and, when `PRICELINE_TEST_POSTGRES_URL` is set, PostgreSQL. Every figure comes from running the
//! release `priceline` binary as its own process, so its peak memory is the import's alone.
//! Prints figures; asserts nothing about speed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use diesel::RunQueryDsl;
use priceline_store::{DatabaseUrl, connect};
use priceline_synth::{Format, Spec};

const SEED: u64 = 20_261_122;

struct Run {
    seconds: f64,
    payer_rates: u64,
    peak_bytes: u64,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn binary() -> PathBuf {
    workspace().join("target/release/priceline")
}

/// The benchmark file, generated once and kept under target/bench-data/.
fn file(format: Format, rows: u64) -> PathBuf {
    let dir = workspace().join("target/bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let path = dir.join(format!(
        "{}-{}k.{}",
        format.name(),
        rows / 1000,
        format.extension()
    ));
    if !path.exists() {
        let started = Instant::now();
        let partial = path.with_extension("partial");
        let mut out = std::fs::File::create(&partial).expect("create the benchmark file");
        let spec = Spec {
            seed: SEED,
            hospital: 0,
            rows,
        };
        let stats =
            priceline_synth::write(&spec, format, &mut out).expect("generate the benchmark file");
        std::fs::rename(&partial, &path).expect("move the benchmark file into place");
        println!(
            "generated {} ({:.0} MB, {} payer rates) in {:.1} s",
            path.display(),
            stats.bytes as f64 / 1e6,
            stats.payer_rates,
            started.elapsed().as_secs_f64()
        );
    }
    path
}

/// Runs `priceline <args> --report` with the given database and reads its report.
fn run(args: &[&str], path: &Path, database: Option<&str>) -> Result<Run, String> {
    let report = std::env::temp_dir().join(format!("priceline-bench-{}.json", std::process::id()));
    let mut command = Command::new(binary());
    command.args(args).arg(path).arg("--report").arg(&report);
    if let Some(database) = database {
        command.env("PRICELINE_DATABASE_URL", database);
    }
    let started = Instant::now();
    let output = command
        .output()
        .map_err(|error| format!("cannot run {}: {error}", binary().display()))?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr));
    }
    let text = std::fs::read_to_string(&report).map_err(|error| error.to_string())?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|error| error.to_string())?;
    let _ = std::fs::remove_file(&report);
    Ok(Run {
        seconds,
        payer_rates: json["documents"][0]["summary"]["payer_rates"]
            .as_u64()
            .unwrap_or(0),
        peak_bytes: json["peak_memory_bytes"].as_u64().unwrap_or(0),
    })
}

/// How many times each figure is measured (`PRICELINE_BENCH_RUNS`, default 3). Hosts shared with
/// other machines vary by a third between identical runs; the best run is the code's figure, the
/// median and the worst show how much the host took.
fn runs() -> usize {
    std::env::var("PRICELINE_BENCH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .filter(|runs| *runs > 0)
        .unwrap_or(3)
}

/// Measures `once` [`runs`] times and prints the best, median and worst rate, and the highest peak
/// memory.
fn measure(label: &str, mut once: impl FnMut() -> Result<Run, String>) {
    let mut done = Vec::new();
    for _ in 0..runs() {
        match once() {
            Ok(run) => done.push(run),
            Err(error) => {
                println!("{label:44} failed: {}", error.trim());
                return;
            }
        }
    }
    done.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let rate = |run: &Run| run.payer_rates as f64 / run.seconds;
    let (best, worst) = (&done[0], &done[done.len() - 1]);
    println!(
        "{label:44} {:>9} payer rates  best {:>6.2} s {:>9.0} rows/s  median {:>9.0}  worst {:>9.0}  peak RSS {:>5.0} MB",
        best.payer_rates,
        best.seconds,
        rate(best),
        rate(&done[done.len() / 2]),
        rate(worst),
        done.iter().map(|run| run.peak_bytes).max().unwrap_or(0) as f64 / 1e6
    );
}

/// A fresh PostgreSQL schema for one import, migrated by the binary itself.
fn postgres_schema(base: &str, name: &str) -> Result<String, String> {
    let url = DatabaseUrl::parse(base).map_err(|error| error.to_string())?;
    let mut admin = connect(&url).map_err(|error| error.to_string())?;
    for statement in [
        format!("DROP SCHEMA IF EXISTS {name} CASCADE"),
        format!("CREATE SCHEMA {name}"),
    ] {
        diesel::sql_query(statement)
            .execute(&mut admin)
            .map_err(|error| error.to_string())?;
    }
    let separator = if base.contains('?') { '&' } else { '?' };
    let scoped = format!("{base}{separator}options=-c%20search_path%3D{name}");
    let status = Command::new(binary())
        .args(["migrate", "up"])
        .env("PRICELINE_DATABASE_URL", &scoped)
        .output()
        .map_err(|error| error.to_string())?;
    if !status.status.success() {
        return Err(String::from_utf8_lossy(&status.stderr).into_owned());
    }
    Ok(scoped)
}

/// One core's speed, to set the figures below against those of another machine: SHA-256 (as the
/// importer computes it) over the 1M Tall file, best of three. CPUs with SHA extensions hash several
/// times faster than those without, and hosts shared with other machines vary from run to run.
fn calibrate(path: &Path) {
    let document = priceline_ingest::open(path)
        .expect("open the benchmark file")
        .remove(0);
    let bytes = std::fs::metadata(path).map(|meta| meta.len()).unwrap_or(0);
    let best = (0..3)
        .map(|_| {
            let started = Instant::now();
            priceline_ingest::sha256(&document).expect("hash the benchmark file");
            started.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    println!(
        "machine reference: SHA-256 of one core {:.0} MB/s (best of 3 over {:.0} MB)",
        bytes as f64 / best / 1e6,
        bytes as f64 / 1e6
    );
}

fn main() {
    if !binary().exists() {
        println!(
            "{} is missing: run `make bench` (it builds the release binary first)",
            binary().display()
        );
        std::process::exit(1);
    }
    let postgres = std::env::var("PRICELINE_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.trim().is_empty());
    if postgres.is_none() {
        println!("PostgreSQL figures skipped: PRICELINE_TEST_POSTGRES_URL is not set");
    }
    let cases = [
        (Format::Tall, 1_000_000),
        (Format::Tall, 5_000_000),
        (Format::Wide, 1_000_000),
        (Format::Json, 1_000_000),
    ];
    calibrate(&file(Format::Tall, 1_000_000));
    for (format, rows) in cases {
        let path = file(format, rows);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        measure(&format!("{name} parse only (validate)"), || {
            run(&["validate"], &path, None)
        });
        measure(&format!("{name} import into SQLite"), || {
            let dir = tempfile::tempdir().map_err(|error| error.to_string())?;
            let sqlite = dir.path().join("bench.db").display().to_string();
            run(&["import"], &path, Some(&sqlite))
        });
        if let Some(base) = &postgres {
            let schema = format!("bench_{}_{}", format.name(), rows / 1000);
            measure(&format!("{name} import into PostgreSQL"), || {
                postgres_schema(base, &schema).and_then(|url| run(&["import"], &path, Some(&url)))
            });
            if let Ok(url) = DatabaseUrl::parse(base)
                && let Ok(mut admin) = connect(&url)
            {
                let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut admin);
            }
        }
    }
}
