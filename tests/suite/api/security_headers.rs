//! Security headers on every response (issue 14, item 6): data, errors, health, the spec, Swagger UI,
//! 404s and the refusals written before routing.

use actix_web::http::header::HeaderMap;
use priceline_api::config;

use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;
use crate::support::server::RawConnection;

const STRICT: &str = "default-src 'none'; frame-ancestors 'none'";

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The headers every response carries, whatever it is.
fn assert_common(headers: &HeaderMap, what: &str) {
    assert_eq!(
        header(headers, "x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        header(headers, "referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(header(headers, "x-frame-options"), Some("DENY"), "{what}");
    let policy = header(headers, "content-security-policy").unwrap_or_default();
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "{what}: {policy}"
    );
}

async fn every_response_carries_the_security_headers(db: TestDb) {
    let app = TestApp::spawn(db).await;
    // Answers that are not errors: the strict policy, and their caching left as it was.
    for path in ["/v1/facilities", "/healthz", "/readyz", "/openapi.json"] {
        let (status, headers, _) = app.get_with_headers(path, &[]).await;
        assert_eq!(status, 200, "{path}");
        assert_common(&headers, path);
        assert_eq!(
            header(&headers, "content-security-policy"),
            Some(STRICT),
            "{path}"
        );
        assert_ne!(
            header(&headers, "cache-control"),
            Some("no-store"),
            "{path}"
        );
        // Plain HTTP, no public https URL: no HSTS (a browser ignores it over http anyway).
        assert!(!headers.contains_key("strict-transport-security"), "{path}");
    }
    // Errors: the strict policy and never stored by a cache.
    for (path, status) in [
        ("/v1/nothing", 404),
        ("/nothing", 404),
        ("/v1/facilities/abc", 400),
        ("/v1/facilities?limit=0", 400),
    ] {
        let (got, headers, body) = app.get_with_headers(path, &[]).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_common(&headers, path);
        assert_eq!(
            header(&headers, "content-security-policy"),
            Some(STRICT),
            "{path}"
        );
        assert_eq!(
            header(&headers, "cache-control"),
            Some("no-store"),
            "{path}"
        );
    }
    // Swagger UI's page: a policy it works under (its own scripts only, calls to this origin);
    // `make swagger-ui-check` loads it in chromium and fails on anything the policy blocks.
    let (status, headers, _) = app.get_with_headers("/docs/", &[]).await;
    assert_eq!(status, 200);
    assert_common(&headers, "/docs/");
    let policy = header(&headers, "content-security-policy").unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert!(!policy.contains("unsafe-eval"), "{policy}");
    assert!(
        !policy.contains("script-src 'self' 'unsafe-inline'"),
        "{policy}"
    );

    // A request head refused before routing (a target over 16 KiB) gets them too.
    let address = app.address.trim_start_matches("http://");
    let mut connection = RawConnection::open(address).unwrap();
    let target = format!("/v1/facilities?q={}", "a".repeat(20_000));
    connection
        .send(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    let refused = connection.read_response().unwrap();
    assert_eq!(refused.status, 414);
    assert_eq!(refused.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(refused.header("content-security-policy"), Some(STRICT));
    assert_eq!(refused.header("cache-control"), Some("no-store"));
    assert_eq!(refused.header("referrer-policy"), Some("no-referrer"));
}
on_both_backends!(async every_response_carries_the_security_headers);

/// Behind a proxy that terminates TLS (`PRICELINE_PUBLIC_URL` is https) responses carry HSTS for
/// the proxy to pass on; the TLS tests check it when the server serves TLS itself.
async fn hsts_is_sent_when_clients_are_on_https(db: TestDb) {
    let app = TestApp::spawn_with_env(
        db,
        &[(config::PUBLIC_URL, "https://prices.example-hospital.org")],
    )
    .await;
    for path in ["/healthz", "/v1/facilities", "/v1/nothing", "/docs/"] {
        let (_, headers, _) = app.get_with_headers(path, &[]).await;
        assert_eq!(
            header(&headers, "strict-transport-security"),
            Some("max-age=31536000"),
            "{path}"
        );
    }
}
on_both_backends!(async hsts_is_sent_when_clients_are_on_https);
