//! `priceline healthcheck`: asks the server this environment configures whether it is ready (or
//! live), for container HEALTHCHECKs and exec probes on images without curl. One HTTP/1.1 exchange
//! over a plain TCP connection: the probe needs no TLS, no redirects and no connection reuse, so
//! an HTTP client crate would add nothing but build time.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
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

/// `GET path` on `address`; Ok when the answer is 200 within `timeout` (connecting included), else
/// an error whose one line says what happened.
pub fn probe(address: SocketAddr, path: &str, timeout: Duration) -> anyhow::Result<()> {
    let target = format!("GET {path} on http://{address}");
    let deadline = Instant::now() + timeout;
    let (status, body) = exchange(address, path, deadline).with_context(|| target.clone())?;
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
) -> anyhow::Result<(u16, Option<Vec<u8>>)> {
    let remaining = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
            .ok_or_else(|| anyhow!("no answer within the timeout"))
    };
    let mut stream = TcpStream::connect_timeout(&address, remaining()?).map_err(|error| {
        if error.kind() == ErrorKind::TimedOut {
            anyhow!("no connection within the timeout")
        } else {
            anyhow!(error)
        }
    })?;
    stream.set_write_timeout(Some(remaining()?))?;
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
        stream.set_read_timeout(Some(left))?;
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
