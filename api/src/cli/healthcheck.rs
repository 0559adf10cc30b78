//! `priceline healthcheck`: asks the server this environment configures whether it is ready (or
//! live), for container HEALTHCHECKs and exec probes on images without curl. One HTTP/1.1 exchange
//! over a plain TCP connection, or over TLS when the server serves it (`PRICELINE_TLS_CERT`): the
//! probe needs no redirects and no connection reuse, so an HTTP client crate would add nothing but
//! build time.
//!
//! Over TLS the server's certificate is not verified: the probe connects to a loopback or pod
//! address that the certificate does not name, it sends nothing secret, and only the status it
//! reads back matters.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

/// How much of the answer is read: the status line and headers, and a problem+json body's detail.
/// The health endpoints answer with far less; a larger answer is not theirs.
const MAX_RESPONSE_BYTES: usize = 16 * 1024;

/// The address to connect to for a server listening on `listen`: a server bound to every interface
/// (`0.0.0.0`, `::`) is reached on the loopback address of the same family.
pub fn probe_address(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// `GET path` on `address` (over TLS when `tls`); Ok when the answer is 200 within `timeout`
/// (connecting included), else an error whose one line says what happened.
pub fn probe(address: SocketAddr, path: &str, timeout: Duration, tls: bool) -> anyhow::Result<()> {
    let scheme = if tls { "https" } else { "http" };
    let target = format!("GET {path} on {scheme}://{address}");
    let deadline = Instant::now() + timeout;
    let (status, body) = exchange(address, path, deadline, tls).with_context(|| target.clone())?;
    if status == 200 {
        return Ok(());
    }
    // A 503 from /readyz carries a problem+json body whose detail says why (the database, a
    // pending migration, shutting down): the one line an operator reads in `docker inspect`.
    let detail = body
        .as_deref()
        .and_then(|body| serde_json::from_slice::<serde_json::Value>(body).ok())
        .and_then(|json| json.get("detail")?.as_str().map(one_line));
    match detail {
        Some(detail) => bail!("{target} answered {status}: {detail}"),
        None => bail!("{target} answered {status}"),
    }
}

/// The status code and, when it arrived in time and is not chunked, the body.
fn exchange(
    address: SocketAddr,
    path: &str,
    deadline: Instant,
    tls: bool,
) -> anyhow::Result<(u16, Option<Vec<u8>>)> {
    let remaining = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
            .ok_or_else(|| anyhow!("no answer within the timeout"))
    };
    let tcp = TcpStream::connect_timeout(&address, remaining()?).map_err(|error| {
        if error.kind() == ErrorKind::TimedOut {
            anyhow!("no connection within the timeout")
        } else {
            anyhow!(error)
        }
    })?;
    tcp.set_write_timeout(Some(remaining()?))?;
    // The handshake happens on the first write and read, under the same timeouts.
    tcp.set_read_timeout(Some(remaining()?))?;
    let mut stream = if tls {
        Stream::Tls(Box::new(rustls::StreamOwned::new(
            tls_client(address)?,
            tcp,
        )))
    } else {
        Stream::Plain(tcp)
    };
    // `Connection: close`: the server ends the answer by closing, so reading to the end is reading
    // the whole answer.
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nUser-Agent: priceline-healthcheck\r\n\
         Accept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes())?;

    let mut response = Vec::with_capacity(1024);
    let mut chunk = [0_u8; 4096];
    let mut status = None;
    loop {
        let left = match remaining() {
            Ok(left) => left,
            // The status came in time; only the body did not.
            Err(_) if status.is_some() => break,
            Err(error) => return Err(error),
        };
        stream.tcp().set_read_timeout(Some(left))?;
        let read = match stream.read(&mut chunk) {
            Ok(read) => read,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if status.is_some() {
                    break;
                }
                bail!("no answer within the timeout");
            }
            // A reset after the status line still told us the status.
            Err(_) if status.is_some() => break,
            Err(error) => return Err(error.into()),
        };
        if read == 0 {
            break;
        }
        response.extend_from_slice(&chunk[..read]);
        if status.is_none() {
            status = parse_status(&response)?;
        }
        if response.len() >= MAX_RESPONSE_BYTES {
            break;
        }
    }
    let status = match status {
        Some(status) => status,
        None => parse_status(&response)?
            .ok_or_else(|| anyhow!("the connection closed before an HTTP status line"))?,
    };
    Ok((status, body(&response)))
}

/// The probe's connection: plain, or TLS over it.
enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => &tls.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.read(buf),
            Stream::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.write(buf),
            Stream::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(tcp) => tcp.flush(),
            Stream::Tls(tls) => tls.flush(),
        }
    }
}

/// A TLS client for `address` that accepts any certificate (see the module's comment).
fn tls_client(address: SocketAddr) -> anyhow::Result<rustls::ClientConnection> {
    #[allow(deprecated)] // ring, as the server: see crate::server::tls
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::IpAddress(address.ip().into());
    Ok(rustls::ClientConnection::new(Arc::new(config), name)?)
}

/// Takes the server's certificate as it is; handshake signatures are still checked, so the
/// connection is a TLS connection to whoever holds that certificate's key.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The status code once the status line is complete; `None` while it is still arriving.
fn parse_status(response: &[u8]) -> anyhow::Result<Option<u16>> {
    let Some(end) = response.windows(2).position(|pair| pair == b"\r\n") else {
        if response.len() > 1024 {
            bail!("the answer is not HTTP (no status line in its first KiB)");
        }
        return Ok(None);
    };
    let line = String::from_utf8_lossy(&response[..end]);
    let mut parts = line.split(' ');
    let status = match (parts.next(), parts.next()) {
        (Some(version), Some(code)) if version.starts_with("HTTP/1.") => code.parse::<u16>().ok(),
        _ => None,
    };
    status
        .map(Some)
        .ok_or_else(|| anyhow!("the answer is not HTTP: {:?}", one_line(&line)))
}

/// The body after the headers, unless it is chunked (the health endpoints send a length).
fn body(response: &[u8]) -> Option<Vec<u8>> {
    let end = response.windows(4).position(|four| four == b"\r\n\r\n")?;
    let headers = String::from_utf8_lossy(&response[..end]).to_ascii_lowercase();
    if headers.contains("transfer-encoding: chunked") {
        return None;
    }
    Some(response[end + 4..].to_vec())
}

/// Text from the server, fit for a one-line reason.
fn one_line(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    line.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_is_probed_on_loopback() {
        let cases = [
            ("0.0.0.0:8080", "127.0.0.1:8080"),
            ("[::]:9000", "[::1]:9000"),
            ("10.1.2.3:80", "10.1.2.3:80"),
            ("[::1]:8080", "[::1]:8080"),
        ];
        for (listen, probed) in cases {
            assert_eq!(
                probe_address(listen.parse().unwrap()).to_string(),
                probed,
                "{listen}"
            );
        }
    }

    #[test]
    fn the_status_line_is_read_once_complete() {
        assert_eq!(parse_status(b"HTTP/1.1 20").unwrap(), None);
        assert_eq!(
            parse_status(b"HTTP/1.1 503 Service Unavailable\r\n").unwrap(),
            Some(503)
        );
        assert_eq!(parse_status(b"HTTP/1.0 200 OK\r\nx").unwrap(), Some(200));
        let error = parse_status(b"SSH-2.0-OpenSSH_9.2\r\n").unwrap_err();
        assert!(error.to_string().contains("not HTTP"), "{error}");
    }

    #[test]
    fn a_problem_body_is_found_after_the_headers() {
        let response = b"HTTP/1.1 503 x\r\ncontent-length: 14\r\n\r\n{\"detail\":\"a\"}";
        assert_eq!(body(response).unwrap(), b"{\"detail\":\"a\"}");
        let chunked = b"HTTP/1.1 503 x\r\nTransfer-Encoding: chunked\r\n\r\ne\r\n{}";
        assert_eq!(body(chunked), None);
        assert_eq!(one_line("a\nb\r\tc "), "a b  c");
    }
}
