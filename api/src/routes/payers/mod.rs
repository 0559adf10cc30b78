//! `/v1/payers`.

pub mod list;
