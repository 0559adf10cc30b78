//! A real server on a free port over a throwaway database, as a client sees it, configured as an
//! operator configures one: with `PRICELINE_*` variables, read by the server's own `Settings`.

use priceline_api::config::{self, Settings};
use priceline_api::database::open_database;
use priceline_api::startup::Application;
use priceline_store::{DatabaseUrl, Pool};

use actix_web::http::header::HeaderMap;
use serde_json::Value;

use super::db::TestDb;

/// The one origin the test server allows for CORS.
pub const ALLOWED_ORIGIN: &str = "https://app.example.com";

/// What every test server is given unless a test sets the variable itself: a free loopback port,
/// one worker, two connections, CORS for [`ALLOWED_ORIGIN`], the response cache on (as in
/// production), no rate limit and no throttle of refused credentials (no credential is required
/// unless a test configures one).
const TEST_ENV: [(&str, &str); 7] = [
    (config::LISTEN, "127.0.0.1:0"),
    (config::WORKERS, "1"),
    (config::POOL_SIZE, "2"),
    (config::CORS_ORIGINS, ALLOWED_ORIGIN),
    (config::CACHE_MB, "8"),
    (config::RATE_LIMIT_PER_SECOND, "0"),
    (config::AUTH_FAILURE_LIMIT, "0"),
];

pub struct TestApp {
    pub address: String,
    /// The server's pool, for tests that hold its connections.
    pub pool: Pool,
    /// Kept so the database outlives the server that uses it.
    _db: Option<TestDb>,
}

impl TestApp {
    /// Migrates the database, starts the server on 127.0.0.1:0 in the background and returns its address.
    /// The API is open and not rate limited.
    pub async fn spawn(db: TestDb) -> Self {
        Self::spawn_with_env(db, &[]).await
    }

    /// As [`TestApp::spawn`], with these `PRICELINE_*` variables set as well (credentials, rate
    /// limit, pool size…); they take precedence over the test defaults.
    pub async fn spawn_with_env(db: TestDb, env: &[(&str, &str)]) -> Self {
        let mut app = Self::spawn_on(&db.url, env).await;
        app._db = Some(db);
        app
    }

    /// As [`TestApp::spawn_with_env`], over a database the test creates and drops itself.
    pub async fn spawn_on(url: &DatabaseUrl, env: &[(&str, &str)]) -> Self {
        show_logs();
        let database_url = url.connection_string();
        let settings = Settings::from_lookup(|name| {
            let database = (config::DATABASE_URL, database_url.as_str());
            env.iter()
                .chain(&TEST_ENV)
                .chain([&database])
                .find(|(variable, _)| *variable == name)
                .map(|(_, value)| (*value).to_owned())
        })
        .expect("valid test settings");
        // As `priceline serve` does before it serves: the identity provider's keys, if any.
        settings
            .security
            .auth
            .load_keys()
            .expect("load the test JWKS");
        let pool = open_database(&settings.database_url, settings.pool_options(), true)
            .expect("open the test database");
        let application =
            Application::build(&settings, pool.clone()).expect("bind the test server");
        let address = format!("http://127.0.0.1:{}", application.port());
        actix_web::rt::spawn(application.run_until_stopped());
        Self {
            address,
            pool,
            _db: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Waits until the server has taken the imports' changes into its statistics read model (it
    /// writes to the database meanwhile).
    pub async fn statistics_caught_up(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let (_, ready) = self.get("/readyz").await;
            if ready.get("statistics_pending").is_none() {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "still pending: {ready}"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// GET `path`: the status and the body as JSON (null when it is not JSON).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let (status, _, body) = self.get_with_headers(path, &[]).await;
        (status, body)
    }

    /// GET `path` with these request headers: the status, the response headers and the body as
    /// JSON (null when it is not JSON).
    pub async fn get_with_headers(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, HeaderMap, Value) {
        let mut request = awc::Client::default().get(self.url(path));
        for &(name, value) in headers {
            request = request.insert_header((name, value));
        }
        let mut response = request.send().await.expect("the test server answers");
        let body = response
            .body()
            .limit(64 * 1024 * 1024)
            .await
            .expect("a response body");
        (
            response.status().as_u16(),
            response.headers().clone(),
            serde_json::from_slice(&body).unwrap_or(Value::Null),
        )
    }
}

/// `TEST_LOG=debug cargo test …` shows the application's logs (any `PRICELINE_LOG` filter); without
/// it tests stay quiet.
fn show_logs() {
    if let Ok(filter) = std::env::var("TEST_LOG") {
        let _ = priceline_api::telemetry::init(
            &filter,
            priceline_api::telemetry::LogFormat::Text,
            priceline_api::telemetry::OtelSettings::default(),
        );
    }
}
