//! What the benchmarks share: where the workspace and the release binary are, the generated files
//! they measure (made once under target/bench-data/), and their settings. Each bench includes this
//! file as a module; a bench uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use priceline_synth::{Format, Spec};

/// The generator's seed for every benchmark file.
pub const SEED: u64 = 20_261_122;

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The release `priceline` binary (`make bench` builds it first), or the one
/// `PRICELINE_BENCH_BINARY` names: an earlier build, to compare a change with what came before it
/// on the same machine and data.
pub fn binary() -> PathBuf {
    std::env::var_os("PRICELINE_BENCH_BINARY")
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/release/priceline"))
}

/// Stops the bench with a message when the release binary is missing.
pub fn require_binary() {
    if !binary().exists() {
        println!(
            "{} is missing: run `make bench` (it builds the release binary first)",
            binary().display()
        );
        std::process::exit(1);
    }
}

/// A whole-number setting from the environment, or `default`.
pub fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// How many times each figure is measured (`PRICELINE_BENCH_RUNS`, or `default`). Hosts shared with
/// other machines vary by a third between identical runs; the best run is the code's figure, the
/// median and the worst show how much the host took.
pub fn runs(default: usize) -> usize {
    (setting("PRICELINE_BENCH_RUNS", default as u64) as usize).max(1)
}

/// Hospital 0's file of about `rows` Tall rows in `format`, generated once and kept under
/// target/bench-data/ (`tall-1000k.csv`, `json-1000k.json`, …).
pub fn generated_file(format: Format, rows: u64) -> PathBuf {
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
