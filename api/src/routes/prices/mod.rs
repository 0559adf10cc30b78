//! `/v1/prices` and `/v1/codes/{code_type}/{code}/…`.

pub mod compare;
pub mod search;
pub mod statistics;
