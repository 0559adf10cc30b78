//! Throwaway databases: a SQLite file in a temporary folder, or a fresh schema in the PostgreSQL
//! database named by `PRICELINE_TEST_POSTGRES_URL` (dropped with its contents when the test ends).

use std::sync::atomic::{AtomicU32, Ordering};

use diesel::RunQueryDsl;
use priceline_store::{DatabaseUrl, DbConnection, connect, migrations};
use tempfile::TempDir;

pub struct TestDb {
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] TempDir),
    PostgresSchema { base: DatabaseUrl, schema: String },
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "t{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = DatabaseUrl::parse(&dir.path().join("priceline.db").display().to_string())
            .expect("file path");
        Self {
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A new schema in the test PostgreSQL database; the URL sets `search_path` to it, so everything the
    /// application creates lands there.
    pub fn postgres() -> Self {
        let base_text = std::env::var("PRICELINE_TEST_POSTGRES_URL")
            .expect("PRICELINE_TEST_POSTGRES_URL must name a PostgreSQL database for these tests");
        let base = DatabaseUrl::parse(&base_text).expect("a valid PRICELINE_TEST_POSTGRES_URL");
        let schema = unique_name();
        let mut admin =
            connect(&base).unwrap_or_else(|error| panic!("PRICELINE_TEST_POSTGRES_URL: {error}"));
        diesel::sql_query(format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .expect("create test schema");
        let separator = if base_text.contains('?') { '&' } else { '?' };
        let url = DatabaseUrl::parse(&format!(
            "{base_text}{separator}options=-c%20search_path%3D{schema}"
        ))
        .expect("schema URL");
        Self {
            url,
            cleanup: Cleanup::PostgresSchema { base, schema },
        }
    }

    pub fn connect(&self) -> DbConnection {
        connect(&self.url).expect("connect to the test database")
    }

    /// A connection to a fully migrated database.
    pub fn migrated(&self) -> DbConnection {
        let mut connection = self.connect();
        migrations::run_pending(&mut connection).expect("migrations apply");
        connection
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::PostgresSchema { base, schema } = &self.cleanup
            && let Ok(mut admin) = connect(base)
        {
            let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut admin);
        }
    }
}

/// Ends the PostgreSQL backends that `condition` (over `pg_stat_activity`) selects, and waits
/// until PostgreSQL no longer lists them: a backend reports its statistics as it goes, and a client
/// finds its connection dead only once it is.
pub fn end_backends(connection: &mut DbConnection, condition: &str) {
    #[derive(diesel::QueryableByName)]
    struct Listed {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        listed: i64,
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let listed = diesel::sql_query(format!(
            "SELECT COUNT(pg_terminate_backend(pid)) AS listed FROM pg_stat_activity \
             WHERE {condition}"
        ))
        .get_result::<Listed>(connection)
        .expect("end the backends")
        .listed;
        if listed == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the backends where {condition} stayed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
