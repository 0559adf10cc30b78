//! `priceline`: see `priceline --help`.

use std::process::ExitCode;

use clap::Parser;
use priceline_api::cli::{Cli, run};
use priceline_api::config::Settings;

fn main() -> ExitCode {
    match run(Cli::parse(), Settings::from_env) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
