//! What `priceline serve` tells the operator as it starts: whether credentials are on, and the
//! settings it could not use as given.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::import::priceline_binary;

/// Starts `priceline serve` on a free port with these extra variables, waits until it prints its
/// URLs, stops it, and returns everything it printed (stdout, then the log on stderr).
fn start_up_output(vars: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("priceline.db");
    let mut command = Command::new(priceline_binary());
    command
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .env("PRICELINE_DATABASE_URL", &database)
        .env("PRICELINE_LISTEN", "127.0.0.1:0")
        .env("PRICELINE_WORKERS", "1")
        .env("PRICELINE_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in [
        "PRICELINE_API_KEYS",
        "PRICELINE_JWT_SECRET",
        "PRICELINE_POOL_SIZE",
    ] {
        command.env_remove(name);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let mut stdout = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        stdout += &line;
        stdout.push('\n');
        if line.contains("Health:") {
            break;
        }
    }
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    stdout + &String::from_utf8_lossy(&output.stderr)
}

#[test]
fn start_up_says_whether_credentials_are_on() {
    let open = start_up_output(&[]);
    assert!(open.contains("credentials off"), "{open}");
    assert!(open.contains("open to anyone"), "{open}");

    let hash = priceline_api::auth::api_key::hash_hex("plk_example");
    let secret = "a-jwt-secret-of-at-least-32-bytes!";
    let keys = start_up_output(&[("PRICELINE_API_KEYS", &format!("reporting:{hash}"))]);
    assert!(
        keys.contains("credentials on: /v1 requires 1 API key (X-API-Key)"),
        "{keys}"
    );
    let jwt = start_up_output(&[("PRICELINE_JWT_SECRET", secret)]);
    assert!(
        jwt.contains("credentials on: /v1 requires JWT bearer tokens"),
        "{jwt}"
    );
    for output in [&keys, &jwt] {
        assert!(!output.contains("open to anyone"), "{output}");
        assert!(
            !output.contains(&hash) && !output.contains(secret),
            "{output}"
        );
    }
}

#[test]
fn a_sqlite_pool_size_above_the_cap_is_reported() {
    let output = start_up_output(&[("PRICELINE_POOL_SIZE", "50")]);
    assert!(
        output.contains("PRICELINE_POOL_SIZE=50 is capped at 8 on SQLite"),
        "{output}"
    );
    let output = start_up_output(&[("PRICELINE_POOL_SIZE", "4")]);
    assert!(!output.contains("capped"), "{output}");
}

#[test]
fn serve_listens_on_a_host_name() {
    let output = start_up_output(&[("PRICELINE_LISTEN", "localhost:0")]);
    assert!(output.contains("Health:"), "{output}");
}

/// A credential setting that is present but blank stops `serve` with an error naming it: served
/// anyway, the API would be open to anyone.
#[test]
fn a_blank_credential_setting_stops_the_server() {
    for (name, value) in [
        ("PRICELINE_JWT_SECRET", "    "),
        ("PRICELINE_API_KEYS", ""),
        ("PRICELINE_API_KEYS", " "),
        ("PRICELINE_API_KEYS", ","),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(priceline_binary())
            .arg("serve")
            .current_dir(dir.path())
            .env("PRICELINE_DATABASE_URL", dir.path().join("priceline.db"))
            .env("PRICELINE_LISTEN", "127.0.0.1:0")
            .env_remove("PRICELINE_API_KEYS")
            .env_remove("PRICELINE_JWT_SECRET")
            .env(name, value)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A server that started anyway would never exit: give it a few seconds, then fail.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{name}={value:?}: the server started");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "{name}={value:?} served: {stderr}"
        );
        assert!(stderr.contains(name), "{name}={value:?}: {stderr}");
        assert!(!stderr.contains("open to anyone"), "{stderr}");
    }
}
