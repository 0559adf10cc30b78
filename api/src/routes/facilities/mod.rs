//! `/v1/facilities`.

pub mod get;
pub mod list;
pub mod snapshots;
