//! TLS served by the server itself (`PRICELINE_TLS_CERT`/`PRICELINE_TLS_KEY`): a self-signed
//! certificate made now, a rustls client that trusts only it, HSTS, the request-head checks over
//! TLS, the certificate reloaded on SIGHUP, and the start-up errors naming the setting.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use priceline_api::config;
use rustls::pki_types::{CertificateDer, ServerName};

use crate::import::priceline_binary;
use crate::on_both_backends;
use crate::support::db::TestDb;
use crate::support::server::ServerProcess;

/// A self-signed certificate for `localhost`: its PEM, its key's PEM and its DER (the client's root).
struct Pair {
    cert_pem: String,
    key_pem: String,
    der: CertificateDer<'static>,
}

fn pair() -> Pair {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    Pair {
        cert_pem: made.cert.pem(),
        key_pem: made.signing_key.serialize_pem(),
        der: made.cert.der().clone(),
    }
}

struct Files {
    _dir: tempfile::TempDir,
    cert: PathBuf,
    key: PathBuf,
}

impl Files {
    fn new(pair: &Pair) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let files = Self {
            cert: dir.path().join("cert.pem"),
            key: dir.path().join("key.pem"),
            _dir: dir,
        };
        files.write(pair);
        files
    }

    /// Replaces both files as a renewal does (each written whole, then renamed into place).
    fn write(&self, pair: &Pair) {
        replace(&self.cert, pair.cert_pem.as_bytes());
        replace(&self.key, pair.key_pem.as_bytes());
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            (config::TLS_CERT, self.cert.display().to_string()),
            (config::TLS_KEY, self.key.display().to_string()),
        ]
    }
}

fn replace(path: &Path, bytes: &[u8]) {
    let next = path.with_extension("next");
    std::fs::write(&next, bytes).unwrap();
    std::fs::rename(next, path).unwrap();
}

/// A response read over TLS: the status and the header lines (names in lower case).
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value.as_str())
    }
}

fn client(root: &CertificateDer<'static>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    #[allow(deprecated)] // ring, as the server (see api/src/server/tls.rs)
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// Sends `request` over a new TLS connection to `address` (as `localhost`) trusting only `root`;
/// the handshake's error when the server's certificate is not that one.
fn exchange(
    address: &str,
    root: &CertificateDer<'static>,
    request: &str,
) -> Result<Answer, std::io::Error> {
    let tcp = TcpStream::connect(address)?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    let connection =
        rustls::ClientConnection::new(client(root), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let mut stream = rustls::StreamOwned::new(connection, tcp);
    stream.write_all(request.as_bytes())?;
    stream.flush()?;
    let mut bytes = Vec::new();
    // The server may close without a TLS close_notify after `Connection: close`: what was read counts.
    if let Err(error) = stream.read_to_end(&mut bytes)
        && bytes.is_empty()
    {
        return Err(error);
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Ok(Answer {
        status,
        headers,
        body: body.to_owned(),
    })
}

fn get(
    address: &str,
    root: &CertificateDer<'static>,
    path: &str,
) -> Result<Answer, std::io::Error> {
    exchange(
        address,
        root,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )
}

/// Waits up to 10 s for `check` to hold, for what a signal changes asynchronously.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < Duration::from_secs(10), "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn hang_up(server: &ServerProcess) {
    let status = Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn the_server_serves_tls_and_reloads_its_certificate_on_sighup(db: TestDb) {
    let first = pair();
    let files = Files::new(&first);
    let env = files.env();
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    drop(db.migrated());
    let server = ServerProcess::start(&db.url.connection_string(), &vars);
    let address = server.address.clone();

    let health = get(&address, &first.der, "/healthz").unwrap();
    assert_eq!(health.status, 200, "{}", health.body);
    assert_eq!(
        health.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));
    let data = get(&address, &first.der, "/v1/facilities").unwrap();
    assert_eq!(data.status, 200, "{}", data.body);
    assert!(data.header("strict-transport-security").is_some());

    // The container probe speaks TLS when the server does.
    let probe = Command::new(priceline_binary())
        .arg("healthcheck")
        .env("PRICELINE_LISTEN", &address)
        .env(config::TLS_CERT, files.cert.display().to_string())
        .output()
        .unwrap();
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );

    // The request-head checks apply over TLS as over TCP: a 20 KB target is a 414 problem.
    let long = format!("/v1/facilities?q={}", "a".repeat(20_000));
    let refused = get(&address, &first.der, &long).unwrap();
    assert_eq!(refused.status, 414, "{}", refused.body);
    assert!(refused.body.contains("\"status\":414"), "{}", refused.body);

    // Plain HTTP on the TLS port is no request; the server goes on serving TLS.
    let mut plain = TcpStream::connect(&address).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut reply = Vec::new();
    let _ = plain.read_to_end(&mut reply);
    assert!(!String::from_utf8_lossy(&reply).contains("200 OK"));
    assert_eq!(get(&address, &first.der, "/healthz").unwrap().status, 200);

    // A renewal: new files, SIGHUP; new connections get the new certificate.
    let second = pair();
    assert!(get(&address, &second.der, "/healthz").is_err(), "not yet");
    files.write(&second);
    hang_up(&server);
    eventually("the new certificate is served after SIGHUP", || {
        get(&address, &second.der, "/healthz").is_ok_and(|answer| answer.status == 200)
    });
    assert!(
        get(&address, &first.der, "/healthz").is_err(),
        "the old certificate is still served"
    );
    eventually("the reload is logged", || {
        server.log().contains("TLS certificate reloaded")
    });

    // A botched renewal (a key that is not PEM): logged, and the certificate in use stays.
    replace(&files.key, b"not a key");
    hang_up(&server);
    eventually("the failed reload is logged", || {
        server.log().contains("was not reloaded")
    });
    assert!(server.log().contains(config::TLS_KEY), "{}", server.log());
    assert_eq!(get(&address, &second.der, "/healthz").unwrap().status, 200);
}
on_both_backends!(the_server_serves_tls_and_reloads_its_certificate_on_sighup);

/// `priceline serve` with this TLS configuration: it must exit non-zero naming `variable`.
fn refuses_to_start(db: &TestDb, vars: &[(&str, &str)], variable: &str) {
    let mut command = Command::new(priceline_binary());
    command
        .arg("serve")
        .env_remove("PRICELINE_API_KEYS")
        .env_remove("PRICELINE_JWT_SECRET")
        .env("PRICELINE_DATABASE_URL", db.url.connection_string())
        .env("PRICELINE_LISTEN", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "started with {vars:?}");
    assert!(stderr.contains(variable), "{vars:?}: {stderr}");
}

fn a_tls_setting_that_cannot_be_used_stops_the_server(db: TestDb) {
    drop(db.migrated());
    let first = pair();
    let other = pair();
    let files = Files::new(&first);
    let cert = files.cert.display().to_string();
    let key = files.key.display().to_string();
    let missing = files
        .cert
        .with_file_name("missing.pem")
        .display()
        .to_string();
    let other_key = files.cert.with_file_name("other-key.pem");
    std::fs::write(&other_key, &other.key_pem).unwrap();
    let other_key = other_key.display().to_string();
    let (c, k) = (config::TLS_CERT, config::TLS_KEY);
    refuses_to_start(&db, &[(c, &cert)], k);
    refuses_to_start(&db, &[(k, &key)], c);
    refuses_to_start(&db, &[(c, ""), (k, &key)], c);
    refuses_to_start(&db, &[(c, &cert), (k, " ")], k);
    refuses_to_start(&db, &[(c, &missing), (k, &key)], c);
    refuses_to_start(&db, &[(c, &cert), (k, &missing)], k);
    // The key of another certificate, or a certificate file given as the key.
    refuses_to_start(&db, &[(c, &cert), (k, &other_key)], k);
    refuses_to_start(&db, &[(c, &cert), (k, &cert)], k);
    refuses_to_start(&db, &[(c, &key), (k, &key)], c);
}
on_both_backends!(a_tls_setting_that_cannot_be_used_stops_the_server);
