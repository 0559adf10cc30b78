//! A real server on a free port over a throwaway database, as a client sees it.

use priceline_api::cli::open_database;
use priceline_api::middleware::cors::CorsOrigins;
use priceline_api::security::Security;
use priceline_api::startup::Application;

use actix_web::http::header::HeaderMap;
use serde_json::Value;

use super::db::TestDb;

/// The one origin the test server allows for CORS.
pub const ALLOWED_ORIGIN: &str = "https://app.example.com";

/// The response cache is on in tests, as in production.
const CACHE_BYTES: usize = 8 * 1024 * 1024;

pub struct TestApp {
    pub address: String,
    /// Kept so the database outlives the server that uses it.
    _db: TestDb,
}

impl TestApp {
    /// Migrates the database, starts the server on 127.0.0.1:0 in the background and returns its address.
    /// The API is open and not rate limited.
    pub async fn spawn(db: TestDb) -> Self {
        Self::spawn_with(db, Security::open()).await
    }

    /// As [`TestApp::spawn`], with these credentials and rate limit.
    pub async fn spawn_with(db: TestDb, security: Security) -> Self {
        show_logs();
        let pool = open_database(&db.url, 2, true).expect("open the test database");
        let listen = "127.0.0.1:0".parse().expect("loopback address");
        let cors = CorsOrigins::new(vec![ALLOWED_ORIGIN.to_owned()]);
        let application = Application::build(listen, Some(1), cors, security, pool, CACHE_BYTES)
            .expect("bind the test server");
        let address = format!("http://127.0.0.1:{}", application.port());
        actix_web::rt::spawn(application.run_until_stopped());
        Self { address, _db: db }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
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
        priceline_api::telemetry::init(&filter);
    }
}
