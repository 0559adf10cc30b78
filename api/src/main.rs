//! `priceline`: see `priceline --help`.

use std::process::ExitCode;

use clap::Parser;
use priceline_api::cli::{Cli, run};
use priceline_api::config::Settings;

/// See api/Cargo.toml for why the allocator is not the system one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match run(Cli::parse(), Settings::from_env) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
