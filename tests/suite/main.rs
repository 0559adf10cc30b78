//! The one integration-test binary of Hospital Priceline: black-box tests against the store and a
//! spawned server, on SQLite always and on PostgreSQL whenever `PRICELINE_TEST_POSTGRES_URL` is set.

// A failed unwrap is how a test reports failure; helper bodies outside `#[test]` fns are tests too.
#![allow(clippy::unwrap_used)]

mod support;

mod api;
mod deploy;
mod import;
mod ingest;
mod makefile;
mod store;
mod synth;
