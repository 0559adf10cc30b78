//! `make bench` (import part): generated CMS v3.0 files of 1M and 5M payer-rate rows (Tall) plus Wide
//! and JSON, each parsed without storing (the ceiling an import can approach) and imported into SQLite
//! and, when `PRICELINE_TEST_POSTGRES_URL` is set, PostgreSQL. Every figure comes from running the
//! release `priceline` binary as its own process, so its peak memory is the import's alone.
//! Prints figures; asserts nothing about speed.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use diesel::RunQueryDsl;
use priceline_store::{DatabaseUrl, connect};
use priceline_synth::Format;

#[path = "support.rs"]
mod support;
use support::{binary, generated_file, require_binary, runs};

struct Run {
    seconds: f64,
    payer_rates: u64,
    peak_bytes: u64,
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

/// Measures `once` [`runs`] times and prints the best, median and worst rate, and the highest peak
/// memory.
fn measure(label: &str, mut once: impl FnMut() -> Result<Run, String>) {
    let mut done = Vec::new();
    for _ in 0..runs(3) {
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
    require_binary();
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
    // `PRICELINE_BENCH_FILES=tall-5000k,json-1000k` measures only those files.
    let only = std::env::var("PRICELINE_BENCH_FILES").unwrap_or_default();
    let only: Vec<&str> = only
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    calibrate(&generated_file(Format::Tall, 1_000_000));
    for (format, rows) in cases {
        let path = generated_file(format, rows);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !only.is_empty() && !only.iter().any(|wanted| name.starts_with(wanted)) {
            continue;
        }
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
