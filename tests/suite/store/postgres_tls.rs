//! TLS to PostgreSQL as the URL asks (`sslmode`, `sslrootcert`): the bundled libpq is built with
//! OpenSSL (pq-src's `with-openssl`, vendored), so libpq's own TLS settings work unchanged.
//! Run against the local server when it has ssl on and its certificate is readable (Debian's
//! default: the snakeoil certificate for `localhost`); otherwise the test says why it stops.

use diesel::RunQueryDsl;
use diesel::sql_types::{Bool, Text};
use priceline_store::{DatabaseUrl, DbConnection, connect};

use crate::support::app::TestApp;
use crate::support::db::TestDb;

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

#[derive(diesel::QueryableByName)]
struct Encrypted {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

fn setting(connection: &mut DbConnection, name: &str) -> String {
    diesel::sql_query(format!("SELECT current_setting('{name}') AS value"))
        .get_result::<Setting>(connection)
        .unwrap()
        .value
}

/// Whether this connection is encrypted, as the server sees it.
fn encrypted(connection: &mut DbConnection) -> bool {
    diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result::<Encrypted>(connection)
        .unwrap()
        .ssl
}

/// `text` with its host replaced and these parameters added.
fn with(text: &str, host: &str, parameters: &[(&str, &str)]) -> DatabaseUrl {
    let mut url = url::Url::parse(text).unwrap();
    url.set_host(Some(host)).unwrap();
    url.query_pairs_mut().extend_pairs(parameters);
    DatabaseUrl::parse(url.as_str()).unwrap()
}

#[test]
#[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
fn postgres_tls_is_taken_from_the_url() {
    let db = TestDb::postgres();
    let base = db.url.connection_string();
    let mut plain = connect(&db.url).unwrap();
    if setting(&mut plain, "ssl") != "on" {
        eprintln!(
            "postgres_tls_is_taken_from_the_url: the local PostgreSQL has ssl off; nothing to test"
        );
        return;
    }
    let certificate = setting(&mut plain, "ssl_cert_file");
    if std::fs::read(&certificate).is_err() {
        eprintln!("postgres_tls_is_taken_from_the_url: {certificate} is not readable here");
        return;
    }
    let root = certificate.as_str();

    // sslmode is honoured both ways.
    let mut off = connect(&with(&base, "127.0.0.1", &[("sslmode", "disable")])).unwrap();
    assert!(!encrypted(&mut off));
    let mut required = connect(&with(&base, "127.0.0.1", &[("sslmode", "require")])).unwrap();
    assert!(encrypted(&mut required));

    // verify-full: the server's certificate checked against the root and the host name.
    let full = [("sslmode", "verify-full"), ("sslrootcert", root)];
    let mut verified = connect(&with(&base, "localhost", &full)).unwrap();
    assert!(encrypted(&mut verified));
    let error = connect(&with(&base, "127.0.0.1", &full))
        .err()
        .expect("the certificate does not name 127.0.0.1")
        .to_string();
    assert!(error.contains("does not match host name"), "{error}");
    // A root that did not sign the server's certificate.
    let stranger = tempfile::NamedTempFile::new().unwrap();
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(stranger.path(), other.cert.pem()).unwrap();
    let error = connect(&with(
        &base,
        "localhost",
        &[
            ("sslmode", "verify-ca"),
            ("sslrootcert", &stranger.path().display().to_string()),
        ],
    ))
    .err()
    .expect("an unknown root")
    .to_string();
    assert!(error.contains("certificate verify failed"), "{error}");

    // The API over a verify-full connection.
    actix_web::rt::System::new().block_on(async {
        let app = TestApp::spawn_on(&with(&base, "localhost", &full), &[]).await;
        let (status, body) = app.get("/readyz").await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = app.get("/v1/facilities").await;
        assert_eq!(status, 200, "{body}");
    });
}
