//! Test support: throwaway databases on both backends and a spawned application.

pub mod app;
pub mod db;
pub mod fixtures;
pub mod server;

/// Runs a test function on each backend: `sqlite` always, `postgres` when
/// `PRICELINE_TEST_POSTGRES_URL` is set (otherwise reported as ignored, with the reason). The function
/// is a plain `fn name(db: TestDb)` (or `async fn`, run on an actix system) written beside the call, so
/// rustfmt formats it; attributes given before the name (an `ignore` gate) apply to both tests.
///
/// ```ignore
/// async fn facilities_are_listed(db: TestDb) { … }
/// on_both_backends!(#[cfg_attr(no_shared_data, ignore = "…")] async facilities_are_listed);
/// ```
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* async $name:ident) => {
        $crate::on_both_backends!(@tests $(#[$meta])* $name, |db| {
            actix_web::rt::System::new().block_on(super::$name(db))
        });
    };
    ($(#[$meta:meta])* $name:ident) => {
        $crate::on_both_backends!(@tests $(#[$meta])* $name, |db| super::$name(db));
    };
    (@tests $(#[$meta:meta])* $name:ident, |$db:ident| $run:expr) => {
        mod $name {
            #[test]
            $(#[$meta])*
            fn sqlite() {
                let $db = $crate::support::db::TestDb::sqlite();
                $run
            }

            // Without PostgreSQL that is the reason given (one `ignore` per test: a second would
            // be an unused attribute).
            #[test]
            #[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
            $(#[cfg_attr(not(no_postgres), $meta)])*
            fn postgres() {
                let $db = $crate::support::db::TestDb::postgres();
                $run
            }
        }
    };
}
