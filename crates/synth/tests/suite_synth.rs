// THROWAWAY harness (delete before finishing): runs tests/suite/synth from this crate.
#![allow(clippy::unwrap_used)]
#[path = "../../../tests/suite/synth/mod.rs"]
mod synth;
