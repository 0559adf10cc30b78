//! Test support: throwaway databases on both backends and a spawned application.

pub mod app;
pub mod db;
pub mod fixtures;

/// Declares a test body once and runs it on each backend: `sqlite` always, `postgres` when
/// `PRICELINE_TEST_POSTGRES_URL` is set (otherwise reported as ignored, with the reason).
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* fn $name:ident($db:ident: TestDb) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$meta])*
            fn body($db: $crate::support::db::TestDb) $body

            #[test]
            fn sqlite() {
                body($crate::support::db::TestDb::sqlite());
            }

            #[test]
            #[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
            fn postgres() {
                body($crate::support::db::TestDb::postgres());
            }
        }
    };
}
