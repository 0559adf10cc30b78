//! Administration under `/v1/admin` (the `admin` scope, see `auth::scope`).

pub mod keys;
