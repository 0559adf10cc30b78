//! `/v1/source-files`.

pub mod findings;
pub mod get;
pub mod list;
