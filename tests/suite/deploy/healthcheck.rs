//! `priceline healthcheck`: exit 0 when the configured server is ready (or live), 1 with a one-line
//! reason otherwise, within its timeout.

use std::net::TcpListener;
use std::time::Duration;

use priceline_api::config;

use super::run_healthcheck;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

/// `host:port` of a test server (its URL without the scheme).
fn listen_of(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

/// The probe runs a process: off the runtime's thread, which also drives the test's requests.
async fn healthcheck(listen: String, args: &'static [&'static str]) -> (Option<i32>, String) {
    let (code, stderr, _) = tokio::task::spawn_blocking(move || run_healthcheck(&listen, args))
        .await
        .unwrap();
    (code, stderr)
}

async fn a_ready_server_passes_both_probes(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let listen = listen_of(&app);
    let probes: [&'static [&'static str]; 2] = [&[], &["--live"]];
    for args in probes {
        let (code, stderr) = healthcheck(listen.clone(), args).await;
        assert_eq!(code, Some(0), "healthcheck {args:?}: {stderr}");
        assert!(stderr.is_empty(), "healthcheck {args:?} printed {stderr:?}");
    }
    // A server configured on every interface (as in the image) is probed on loopback.
    let port = listen.rsplit_once(':').unwrap().1;
    let (code, stderr) = healthcheck(format!("0.0.0.0:{port}"), &[]).await;
    assert_eq!(code, Some(0), "0.0.0.0:{port}: {stderr}");
}
on_both_backends!(async a_ready_server_passes_both_probes);

async fn a_server_without_its_database_is_live_but_not_ready(db: TestDb) {
    // Its only connection held by the test: /readyz answers 503 after its one-second deadline.
    let app = TestApp::spawn_with_env(db, &[(config::POOL_SIZE, "1")]).await;
    let held = app.pool.get().unwrap();
    let listen = listen_of(&app);
    let (code, stderr) = healthcheck(listen.clone(), &[]).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(
        stderr.contains(&format!("GET /readyz on http://{listen}"))
            && stderr.contains("503")
            && stderr.contains("the database is unavailable"),
        "the reason names the probe, the status and the server's detail: {stderr}"
    );
    // Liveness does not depend on the database: a database outage must not restart the container.
    let (code, stderr) = healthcheck(listen.clone(), &["--live"]).await;
    assert_eq!(code, Some(0), "--live: {stderr}");
    drop(held);
    let (code, stderr) = healthcheck(listen, &[]).await;
    assert_eq!(
        code,
        Some(0),
        "ready again once the connection is free: {stderr}"
    );
}
on_both_backends!(async a_server_without_its_database_is_live_but_not_ready);

#[test]
fn a_closed_port_fails_with_the_reason() {
    // A port just released: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, stderr, took) = run_healthcheck(&format!("127.0.0.1:{port}"), &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(
        stderr.contains(&format!("GET /readyz on http://127.0.0.1:{port}"))
            && stderr.to_lowercase().contains("refused"),
        "{stderr}"
    );
    assert!(
        took < Duration::from_secs(3),
        "a refusal is immediate: {took:?}"
    );
}

#[test]
fn a_server_that_never_answers_fails_at_the_timeout() {
    // Bound and listening but never accepting: the kernel completes the connection, no answer comes.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = silent.local_addr().unwrap().to_string();
    let (code, stderr, took) = run_healthcheck(&listen, &["--live", "--timeout", "1"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("GET /healthz on http://{listen}"))
            && stderr.contains("no answer within the timeout"),
        "{stderr}"
    );
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(5),
        "gave up after {took:?}"
    );
    drop(silent);
}

#[test]
fn a_bad_listen_setting_names_the_variable() {
    let (code, stderr, _) = run_healthcheck("no-port-here", &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(config::LISTEN), "{stderr}");
}
