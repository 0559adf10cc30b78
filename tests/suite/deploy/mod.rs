//! What deploy/ promises, checked on the real binary: `priceline healthcheck` against a live server,
//! a closed port and a silent one; the image's own command, user, working directory, environment,
//! HEALTHCHECK and STOPSIGNAL (read from deploy/Dockerfile) on a real server process.

mod healthcheck;
mod image;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Runs `priceline healthcheck ARGS` with only `PRICELINE_LISTEN` set, from an empty folder (no
/// `.env` of the developer's is read): its exit code, its stderr and how long it took.
pub fn run_healthcheck(listen: &str, args: &[&str]) -> (Option<i32>, String, Duration) {
    let folder = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = Command::new(crate::import::priceline_binary())
        .arg("healthcheck")
        .args(args)
        .env_clear()
        .env("PRICELINE_LISTEN", listen)
        .current_dir(folder.path())
        .output()
        .unwrap();
    (output.status.code(), stderr_of(&output), started.elapsed())
}

pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The repository's deploy/ folder.
pub fn deploy_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy"))
}
