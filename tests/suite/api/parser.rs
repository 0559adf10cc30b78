//! Requests the HTTP/1.1 parser refuses before any route sees them get a problem+json body with the
//! status that says why (400, 414, 431, 505), over raw sockets since no HTTP client library sends
//! such requests; the connection is closed after the refusal, requests before it on the same
//! connection are answered first, and the next connection is served. No refusal is logged as an
//! ERROR: each is at debug, with one line at info a minute.

use crate::support::db::TestDb;
use crate::support::server::{RawConnection, RawResponse, ServerProcess, get};

/// Sends `request` on a new connection and reads the refusal.
fn refusal(address: &str, request: &[u8]) -> RawResponse {
    let mut connection = RawConnection::open(address).unwrap();
    // A server that answers before reading all of a large request may reset the connection while
    // it is still being written: the response must still arrive.
    let _ = connection.send(request);
    let response = connection.read_response().unwrap();
    assert!(
        connection.is_closed(),
        "the connection stayed open after {response:?}"
    );
    response
}

fn assert_problem(response: &RawResponse, status: u16, detail: &str) {
    assert_eq!(response.status, status, "{response:?}");
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    let body = response.json();
    assert_eq!(body["status"], status, "{body}");
    assert!(body["detail"].as_str().unwrap().contains(detail), "{body}");
    assert!(body["title"].is_string(), "{body}");
}

#[test]
fn parser_refusals_are_problem_json_with_the_right_status() {
    let db = TestDb::sqlite();
    let server = ServerProcess::start(&db.url.connection_string(), &[]);
    let address = &server.address;

    let raw_angle = refusal(address, b"GET /<x HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_problem(&raw_angle, 400, "percent-encoded");

    let long_url = format!(
        "GET /v1/facilities?name={} HTTP/1.1\r\nHost: test\r\n\r\n",
        "a".repeat(70 * 1024)
    );
    assert_problem(&refusal(address, long_url.as_bytes()), 414, "longer than");

    let big_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: test\r\nX-Big: {}\r\n\r\n",
        "b".repeat(140 * 1024)
    );
    assert_problem(&refusal(address, big_header.as_bytes()), 431, "larger than");

    let many: String = (0..100).map(|n| format!("X-H{n}: 1\r\n")).collect();
    let many = format!("GET /healthz HTTP/1.1\r\nHost: test\r\n{many}\r\n");
    assert_problem(&refusal(address, many.as_bytes()), 431, "header fields");

    assert_problem(
        &refusal(address, b"GET /healthz HTTP/1.1\r\n\r\n"),
        400,
        "Host",
    );
    assert_problem(
        &refusal(address, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        505,
        "HTTP/1.1",
    );

    // The server goes on serving new connections.
    let after = get(address, "/healthz").unwrap();
    assert_eq!(after.status, 200);

    // Keep-alive and pipelining: requests before a refused one on the same connection are answered
    // first, in order; the refusal ends the connection.
    let mut connection = RawConnection::open(address).unwrap();
    connection
        .send(
            b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n\
              GET /readyz HTTP/1.1\r\nHost: test\r\n\r\n\
              GET /a b HTTP/1.1\r\nHost: test\r\n\r\n\
              GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n",
        )
        .unwrap();
    assert_eq!(connection.read_response().unwrap().status, 200);
    let ready = connection.read_response().unwrap();
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["status"], "ok");
    assert_problem(&connection.read_response().unwrap(), 400, "");
    assert!(connection.is_closed());

    // A request with a body, then one more on the same connection: the body is skipped, not read
    // as the next request's head (it would be refused as one).
    let mut connection = RawConnection::open(address).unwrap();
    let body = r#"{"q":"GET /<x HTTP/1.1\r\n"}"#;
    connection
        .send(
            format!(
                "GET /v1/facilities HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\n\r\n{body}GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    let first = connection.read_response().unwrap();
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(connection.read_response().unwrap().status, 200);

    // The same with a chunked body: its end is found, and the head after it is checked (here
    // refused) rather than passed on unchecked.
    let mut connection = RawConnection::open(address).unwrap();
    connection
        .send(
            format!(
                "GET /v1/facilities HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
                 Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n\
                 GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n\
                 GET /<x HTTP/1.1\r\nHost: test\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    let first = connection.read_response().unwrap();
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(connection.read_response().unwrap().status, 200);
    assert_problem(&connection.read_response().unwrap(), 400, "percent-encoded");
    assert!(connection.is_closed());

    // A head that arrives in pieces (here split inside its end marker) is served once complete.
    let mut connection = RawConnection::open(address).unwrap();
    for piece in [
        &b"GET /healthz HT"[..],
        b"TP/1.1\r\nHost: te",
        b"st\r\n\r",
        b"\n",
    ] {
        connection.send(piece).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(connection.read_response().unwrap().status, 200);

    // Many pipelined requests in one write are each answered, in order.
    let mut connection = RawConnection::open(address).unwrap();
    let burst: Vec<u8> = (0..40)
        .flat_map(|n| {
            let path = if n % 2 == 0 { "/healthz" } else { "/readyz" };
            format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").into_bytes()
        })
        .collect();
    connection.send(&burst).unwrap();
    for _ in 0..40 {
        let response = connection.read_response().unwrap();
        assert_eq!(response.status, 200, "{response:?}");
        assert_eq!(response.json()["status"], "ok");
    }

    drop(server);
}

#[test]
fn parser_refusals_are_not_logged_as_errors() {
    let db = TestDb::sqlite();
    let server = ServerProcess::start(&db.url.connection_string(), &[]);
    for _ in 0..5 {
        refusal(&server.address, b"GET /<x HTTP/1.1\r\nHost: test\r\n\r\n");
        let long_url = format!("GET /{} HTTP/1.1\r\nHost: test\r\n\r\n", "a".repeat(70_000));
        refusal(&server.address, long_url.as_bytes());
    }
    assert_eq!(get(&server.address, "/healthz").unwrap().status, 200);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = server.log();
    assert!(!log.contains("ERROR"), "{log}");
    // Ten refusals, one line at info: the rest wait for the next minute's line.
    assert_eq!(
        log.matches("malformed requests refused").count(),
        1,
        "{log}"
    );
}
