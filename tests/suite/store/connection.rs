use priceline_store::{Backend, DatabaseUrl, DbConnection, StoreError, connect};

#[test]
fn the_scheme_chooses_the_backend() {
    for (text, backend) in [
        ("./data/priceline.db", Backend::Sqlite),
        ("sqlite://./data/priceline.db", Backend::Sqlite),
        ("/var/lib/priceline/prices.db", Backend::Sqlite),
        ("postgres://app@db:5432/prices", Backend::Postgres),
        ("postgresql://app@db/prices", Backend::Postgres),
    ] {
        assert_eq!(
            DatabaseUrl::parse(text).unwrap().backend(),
            backend,
            "{text}"
        );
    }
}

#[test]
fn an_unreachable_postgres_names_host_and_port() {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let url = DatabaseUrl::parse("postgres://priceline@127.0.0.1:1/prices").unwrap();
    let error = connect(&url).err().expect("the connection must fail");
    assert!(matches!(error, StoreError::Connect { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("PostgreSQL"), "{message}");
    assert!(message.contains("127.0.0.1:1"), "{message}");
    assert!(
        message.to_lowercase().contains("refused"),
        "the driver's reason must come through: {message}"
    );
}

#[test]
fn a_malformed_url_names_the_problem() {
    let cases = [
        ("postgres://app@db:notaport/prices", "invalid port"),
        ("mysql://app@db/prices", "unsupported scheme \"mysql\""),
        ("sqlite://", "needs a file path"),
        ("", "empty"),
        (":memory:", "in-memory"),
    ];
    for (text, expected) in cases {
        let error = DatabaseUrl::parse(text)
            .err()
            .unwrap_or_else(|| panic!("{text:?} must be refused"));
        let message = error.to_string();
        assert!(message.contains(expected), "{text:?}: {message}");
    }
}

#[test]
fn a_sqlite_file_in_a_missing_folder_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/prices.db");
    let url = DatabaseUrl::parse(&path.display().to_string()).unwrap();
    connect(&url).unwrap();
    assert!(path.exists());
}

#[test]
fn an_unopenable_sqlite_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    // A folder where the file should be: SQLite cannot open it as a database.
    let url = DatabaseUrl::parse(&dir.path().display().to_string()).unwrap();
    let message = connect(&url)
        .err()
        .expect("a folder is not a database")
        .to_string();
    assert!(message.contains("SQLite"), "{message}");
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
}

/// A database password never shows where the URL is printed (start-up banner, errors, logs), whether
/// it is in the URL's user part or a libpq parameter.
#[test]
fn a_password_is_never_shown() {
    for text in [
        "postgres://app:s3cret-pw@db:5432/prices",
        "postgres://app@db:5432/prices?password=s3cret-pw&sslmode=require",
        "postgresql://app@db/prices?sslpassword=s3cret-pw",
    ] {
        let url = DatabaseUrl::parse(text).unwrap();
        for shown in [url.to_string(), format!("{url:?}")] {
            assert!(!shown.contains("s3cret-pw"), "{shown}");
            assert!(shown.contains("****"), "{shown}");
        }
    }
    // A URL that does not parse (a `?` in the password ends the authority early) is shown redacted
    // in its error.
    for text in [
        "postgres://app:s3cret?pw@db/prices",
        "postgres://app:s3cret-pw@db:notaport/prices",
    ] {
        let shown = DatabaseUrl::parse(text)
            .map(|url| url.to_string())
            .unwrap_or_else(|error| error.to_string());
        assert!(!shown.contains("s3cret"), "{shown}");
    }
    let shown = DatabaseUrl::parse("postgres://app@db/prices?password=s3cret-pw&sslmode=require")
        .unwrap()
        .to_string();
    assert!(shown.contains("sslmode=require"), "{shown}");
    // A connection that fails names the server, not the password.
    let url = DatabaseUrl::parse("postgres://app@127.0.0.1:1/prices?password=s3cret-pw").unwrap();
    let message = connect(&url)
        .err()
        .expect("nothing listens on port 1")
        .to_string();
    assert!(!message.contains("s3cret-pw"), "{message}");
}

/// The API's pool bounds each statement on PostgreSQL (the server cancels it, and the API answers
/// 503); a pool without the option (an import's) does not.
#[test]
#[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
fn a_statement_timeout_cancels_a_slow_query_on_postgres() {
    use diesel::RunQueryDsl;
    use priceline_store::{Pool, PoolOptions};
    use std::time::Duration;
    let url = DatabaseUrl::parse(&std::env::var("PRICELINE_TEST_POSTGRES_URL").unwrap()).unwrap();
    let bounded = PoolOptions {
        statement_timeout: Some(Duration::from_millis(300)),
        ..PoolOptions::new(1)
    };
    let pool = Pool::open(&url, bounded).unwrap();
    let mut connection = pool.get().unwrap();
    let error = diesel::sql_query("SELECT pg_sleep(2)")
        .execute(&mut *connection)
        .expect_err("cancelled by the statement timeout");
    assert!(error.to_string().contains("statement timeout"), "{error}");
    // The API answers it 503, as when its own deadline passes first, never 500.
    let error = priceline_store::StoreError::from(error);
    assert!(
        matches!(error, priceline_store::StoreError::TimedOut(_)),
        "{error:?}"
    );
    let status =
        actix_web::ResponseError::status_code(&priceline_api::problem::ApiError::from(error));
    assert_eq!(status, actix_web::http::StatusCode::SERVICE_UNAVAILABLE);
    let unbounded = Pool::open(&url, PoolOptions::new(1)).unwrap();
    let mut connection = unbounded.get().unwrap();
    diesel::sql_query("SELECT pg_sleep(0.5)")
        .execute(&mut *connection)
        .unwrap();
}

/// A PostgreSQL connection gets a bounded connect and TCP keepalives unless its URL says otherwise.
#[test]
fn postgres_connections_get_a_connect_timeout_and_keepalives() {
    let text = DatabaseUrl::parse("postgres://app@db/prices?connect_timeout=9")
        .unwrap()
        .connection_string();
    for setting in ["connect_timeout=9", "keepalives=1", "keepalives_idle=30"] {
        assert!(text.contains(setting), "{text}");
    }
    assert!(!text.contains("connect_timeout=5"), "{text}");
}

/// A connection that died while it sat in the pool (PostgreSQL restarted, a network device dropped
/// it) never fails a read or a checked checkout: a read takes it as it is, finds it dead at its
/// `BEGIN` and starts over on a checked connection; a checked checkout closes it and opens another.
#[test]
#[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
fn a_connection_that_died_in_the_pool_fails_no_read() {
    use crate::support::db::end_backends;
    use diesel::RunQueryDsl;
    use priceline_store::{Checkout, Pool, PoolOptions, queries, start_on};
    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    fn backend(connection: &mut DbConnection) -> Result<i32, StoreError> {
        Ok(diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result::<Pid>(connection)?
            .pid)
    }
    let db = crate::support::db::TestDb::postgres();
    let mut observer = db.migrated();
    let mut end = |pid: i32| end_backends(&mut observer, &format!("pid = {pid}"));
    // One connection, so each checkout takes the one that was ended.
    let pool = Pool::open(&db.url, PoolOptions::new(1)).unwrap();
    let first = backend(&mut pool.get().unwrap()).unwrap();

    end(first);
    let (_, second) =
        queries::consistent_read(|checkout| pool.checkout(checkout), backend).unwrap();
    assert_ne!(second, first);

    // A statement new to the connection (the keys read) fails at its preparation, which leaves
    // diesel's transaction state untouched: the start over cannot go by that state alone.
    end(second);
    let (mut connection, _) =
        start_on(|checkout| pool.checkout(checkout), queries::api_keys::any).unwrap();
    let restarted = backend(&mut connection).unwrap();
    drop(connection);
    assert_ne!(restarted, second);

    end(restarted);
    let third = backend(&mut pool.get().unwrap()).unwrap();
    assert_ne!(third, restarted);

    // Taken as it is, a dead connection is handed out unchecked: what a read saves.
    end(third);
    let mut unchecked = pool.checkout(Checkout::AsIs).unwrap();
    assert!(priceline_store::ping(&mut unchecked).is_err());
    drop(unchecked);
    assert_ne!(backend(&mut pool.get().unwrap()).unwrap(), third);
}
