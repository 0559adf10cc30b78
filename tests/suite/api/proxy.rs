//! Behind a proxy or an API gateway that publishes the API under another base URL: the served spec's
//! `servers`, Swagger UI's spec URL and every `page.next` link follow the prefix a trusted proxy
//! sends (or `PRICELINE_PUBLIC_URL`), and nothing a client sends can point them elsewhere.
//!
//! The proxy is played by the test: it sends the `X-Forwarded-*` headers a proxy adds, and requests
//! a link the client would follow under the prefix by stripping the prefix, as the proxy would.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use priceline_api::config;
use serde_json::Value;

use crate::import::{import, priceline_binary};
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

const PREFIX: &str = "/priceline";

/// What a proxy publishing the API at `https://gw.example.com/priceline` adds to each request.
const FORWARDED: [(&str, &str); 3] = [
    ("X-Forwarded-Prefix", PREFIX),
    ("X-Forwarded-Proto", "https"),
    ("X-Forwarded-Host", "gw.example.com"),
];

/// A server over one imported hospital file (several payer plans: more than one page at `limit=1`),
/// with these settings.
async fn app_with_data(db: TestDb, env: &[(&str, &str)]) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = super::sample::generate(dir.path(), 0, 60);
    import(&mut db.migrated(), file.to_str().unwrap());
    (TestApp::spawn_with_env(db, env).await, dir)
}

async fn servers(app: &TestApp, headers: &[(&str, &str)]) -> Value {
    let (status, _, spec) = app.get_with_headers("/openapi.json", headers).await;
    assert_eq!(status, 200);
    spec["servers"].clone()
}

async fn next_link(app: &TestApp, headers: &[(&str, &str)]) -> String {
    let (status, _, page) = app.get_with_headers("/v1/payers?limit=1", headers).await;
    assert_eq!(status, 200, "{page}");
    page["page"]["next"]
        .as_str()
        .unwrap_or_else(|| panic!("a second page: {page}"))
        .to_owned()
}

/// GET `path` as text (for Swagger UI's HTML and scripts).
async fn text(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = awc::Client::default().get(app.url(path));
    for &(name, value) in headers {
        request = request.insert_header((name, value));
    }
    let mut response = request.send().await.unwrap();
    let body = response.body().limit(16 * 1024 * 1024).await.unwrap();
    (
        response.status().as_u16(),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// The spec URL in Swagger UI's initializer script (`url: "…"`).
fn initializer_spec_url(script: &str) -> String {
    let start = script
        .find("\"url\": \"")
        .unwrap_or_else(|| panic!("no url in the initializer: {script}"))
        + "\"url\": \"".len();
    let end = script[start..].find('"').unwrap() + start;
    script[start..end].to_owned()
}

/// The path the proxy requests from the server for `url`, a URL under the prefix.
fn upstream_path(url: &url::Url) -> String {
    let path = url
        .path()
        .strip_prefix(PREFIX)
        .unwrap_or_else(|| panic!("{url} is not under {PREFIX}"));
    match url.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    }
}

async fn a_trusted_prefix_is_in_the_spec_swagger_ui_and_next_links(db: TestDb) {
    let (app, _dir) = app_with_data(db, &[(config::TRUST_FORWARDED, "true")]).await;

    // The spec names the base URL the client used.
    assert_eq!(
        servers(&app, &FORWARDED).await,
        serde_json::json!([{ "url": "https://gw.example.com/priceline" }])
    );
    assert_eq!(
        servers(&app, &FORWARDED[..1]).await,
        serde_json::json!([{ "url": PREFIX }]),
        "a prefix alone: a path on the host the page came from"
    );
    assert_eq!(
        servers(&app, &[]).await,
        serde_json::json!([{ "url": "/" }])
    );

    // Swagger UI, opened at the published address, loads the spec from under the prefix.
    let page_url = url::Url::parse("https://gw.example.com/priceline/docs/").unwrap();
    let (status, page) = text(&app, &upstream_path(&page_url), &FORWARDED).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("src=\"./swagger-initializer.js\""),
        "the page loads its initializer: {page}"
    );
    let initializer_url = page_url.join("./swagger-initializer.js").unwrap();
    let (status, script) = text(&app, &upstream_path(&initializer_url), &FORWARDED).await;
    assert_eq!(status, 200);
    let spec_url = page_url.join(&initializer_spec_url(&script)).unwrap();
    assert_eq!(
        spec_url.as_str(),
        "https://gw.example.com/priceline/openapi.json"
    );
    let (status, _, spec) = app
        .get_with_headers(&upstream_path(&spec_url), &FORWARDED)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        spec["servers"][0]["url"],
        "https://gw.example.com/priceline"
    );
    // `/docs` (no slash) redirects to the page under the prefix.
    let redirect = awc::Client::builder()
        .disable_redirects()
        .finish()
        .get(app.url("/docs"))
        .insert_header(FORWARDED[0])
        .send()
        .await
        .unwrap();
    let location = redirect
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap();
    let docs_url = url::Url::parse("https://gw.example.com/priceline/docs").unwrap();
    assert_eq!(docs_url.join(location).unwrap(), page_url);

    // `page.next` links: the same list under the prefix, and not under it, served from the same
    // response cache without mixing them up.
    let plain = next_link(&app, &[]).await;
    assert!(plain.starts_with("/v1/payers?"), "{plain}");
    let prefixed = next_link(&app, &FORWARDED).await;
    assert_eq!(prefixed, format!("{PREFIX}{plain}"));
    assert_eq!(next_link(&app, &[]).await, plain);
    // Followed through the proxy, the link gives the next page.
    let next_url = page_url.join(&prefixed).unwrap();
    let (status, _, second) = app
        .get_with_headers(&upstream_path(&next_url), &FORWARDED)
        .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["items"].as_array().unwrap().len(), 1, "{second}");
}
on_both_backends!(async a_trusted_prefix_is_in_the_spec_swagger_ui_and_next_links);

async fn forwarded_headers_are_ignored_unless_trusted(db: TestDb) {
    let (app, _dir) = app_with_data(db, &[]).await;
    assert_eq!(
        servers(&app, &FORWARDED).await,
        serde_json::json!([{ "url": "/" }])
    );
    let next = next_link(&app, &FORWARDED).await;
    assert!(next.starts_with("/v1/payers?"), "{next}");
}
on_both_backends!(async forwarded_headers_are_ignored_unless_trusted);

async fn malformed_forwarded_values_are_ignored(db: TestDb) {
    let (app, _dir) = app_with_data(db, &[(config::TRUST_FORWARDED, "true")]).await;
    for prefix in [
        "//evil.example",
        "https://evil.example/x",
        "/a/../..",
        "/..",
        "/%2e%2e/x",
        "/x\"><script>alert(1)</script>",
        "/x?y=1",
        "priceline",
        "/a,/b",
    ] {
        let headers = [("X-Forwarded-Prefix", prefix)];
        assert_eq!(
            servers(&app, &headers).await,
            serde_json::json!([{ "url": "/" }]),
            "{prefix}"
        );
        let next = next_link(&app, &headers).await;
        assert!(next.starts_with("/v1/payers?"), "{prefix}: {next}");
    }
    for host in [
        "evil.example/path",
        "user@evil.example",
        "evil.example:99999",
        "evil example",
        "\"evil\"",
    ] {
        let headers = [
            ("X-Forwarded-Prefix", PREFIX),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", host),
        ];
        assert_eq!(
            servers(&app, &headers).await,
            serde_json::json!([{ "url": PREFIX }]),
            "{host}: the prefix is still used, the host is not"
        );
    }
    let headers = [
        ("X-Forwarded-Proto", "javascript"),
        ("X-Forwarded-Host", "gw.example.com"),
    ];
    assert_eq!(
        servers(&app, &headers).await,
        serde_json::json!([{ "url": "http://gw.example.com" }]),
        "a scheme other than http(s) is not taken"
    );
}
on_both_backends!(async malformed_forwarded_values_are_ignored);

async fn the_public_url_is_the_default_base(db: TestDb) {
    let (app, _dir) = app_with_data(
        db,
        &[
            (config::PUBLIC_URL, "https://api.example.com/prices/"),
            (config::TRUST_FORWARDED, "true"),
        ],
    )
    .await;
    assert_eq!(
        servers(&app, &[]).await,
        serde_json::json!([{ "url": "https://api.example.com/prices" }])
    );
    let next = next_link(&app, &[]).await;
    assert!(next.starts_with("/prices/v1/payers?"), "{next}");
    // A trusted proxy's own headers describe the request as its client made it.
    assert_eq!(
        servers(&app, &FORWARDED).await,
        serde_json::json!([{ "url": "https://gw.example.com/priceline" }])
    );
    assert_eq!(
        servers(&app, &FORWARDED[..1]).await,
        serde_json::json!([{ "url": "https://api.example.com/priceline" }])
    );
}
on_both_backends!(async the_public_url_is_the_default_base);

/// A malformed `PRICELINE_PUBLIC_URL` stops `priceline serve` with a message naming it.
#[test]
fn a_malformed_public_url_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(priceline_binary())
        .arg("serve")
        .current_dir(dir.path())
        .env("PRICELINE_DATABASE_URL", dir.path().join("priceline.db"))
        .env("PRICELINE_LISTEN", "127.0.0.1:0")
        .env(config::PUBLIC_URL, "gateway.example.com/priceline")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("the server started with a malformed {}", config::PUBLIC_URL);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!status.success());
    assert!(stderr.contains(config::PUBLIC_URL), "{stderr}");
}
