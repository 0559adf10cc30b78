//! The check of one HTTP/1.x request head, before actix-http's dispatcher sees it: what it refuses
//! gets the right status and a problem body (see [`super::stream`]), and where the head's body ends,
//! so the next request on the connection is checked too.
//!
//! The rules are actix-http 3's (`h1/decoder.rs`: the same `httparse` parser and header limit, then
//! its checks of the request target and of the framing headers), so a head accepted here is one
//! actix accepts, and anything actix would refuse is refused here first, with a status that says
//! why instead of its bare 400. Two limits are ours and lower than actix's 128 KiB read buffer:
//! [`MAX_TARGET`] and [`MAX_HEAD`].

use actix_web::http::{Method, StatusCode, Uri};

/// The longest request target (path and query) served: longer is a 414. RFC 9112 §3 asks servers to
/// take at least 8000 octets; no URL of this API comes near 16 KiB, while a 64 KiB one (what the
/// `http` crate's `Uri` takes) is an attack or a bug.
pub const MAX_TARGET: usize = 16 * 1024;
/// The largest request head (request line and header fields): larger is a 431. Above what a browser
/// or gateway sends (a few cookies and a bearer token are a few KiB), and what a connection may make
/// the server hold before its head is complete.
pub const MAX_HEAD: usize = 64 * 1024;
/// The most header fields in a head: actix-http parses into an array of 96 (`MAX_HEADERS` in its
/// `h1/decoder.rs`); more is a 431 here rather than its bare 400.
pub const MAX_HEADERS: usize = 96;
/// Slack for the method, spaces and version around a target of [`MAX_TARGET`] bytes.
const REQUEST_LINE_SLACK: usize = 32;

/// What one request head is.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// More bytes are needed.
    Incomplete,
    /// A head of `length` bytes that actix will accept, followed by `body`.
    Accept { length: usize, body: Body },
    /// A head to answer with this status and detail, then close the connection.
    Refuse(Refusal),
}

/// What follows an accepted head on the connection.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Body {
    /// Nothing: the next bytes are the next request's head.
    None,
    /// This many bytes of body, then the next head.
    Length(u64),
    /// A chunked body, then the next head.
    Chunked,
    /// A stream to the end of the connection (CONNECT, a WebSocket upgrade): the rest of the
    /// connection goes to actix unchecked.
    Unframed,
}

#[derive(Debug, PartialEq, Eq, Clone)]
pub struct Refusal {
    pub status: StatusCode,
    pub detail: String,
}

impl Refusal {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
        }
    }

    fn bad(detail: impl Into<String>) -> Verdict {
        Verdict::Refuse(Self::new(StatusCode::BAD_REQUEST, detail))
    }
}

fn target_too_long() -> Verdict {
    Verdict::Refuse(Refusal::new(
        StatusCode::URI_TOO_LONG,
        format!("the request target (path and query) is longer than {MAX_TARGET} bytes"),
    ))
}

fn head_too_large() -> Verdict {
    Verdict::Refuse(Refusal::new(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        format!(
            "the request head (request line and header fields) is larger than {MAX_HEAD} bytes"
        ),
    ))
}

fn too_many_headers() -> Verdict {
    Verdict::Refuse(Refusal::new(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        format!("the request has more than {MAX_HEADERS} header fields"),
    ))
}

/// What is known of an incomplete head from earlier reads, so each read costs only a scan of its
/// own bytes. Parsing the whole buffer again after every read, as a parser does, would let a client
/// that sends its head a byte at a time make the server scan up to [`MAX_HEAD`] bytes per byte.
#[derive(Debug, Default)]
pub struct Progress {
    /// How many bytes were searched for the end of the head (and of the request line).
    searched: usize,
    /// Whether the request line's end has been seen.
    line_ended: bool,
}

impl Progress {
    /// Whether [`check`] may now reach a verdict on `buffer`: its head has ended, or it is too
    /// large to become acceptable.
    pub fn ready(&mut self, buffer: &[u8]) -> bool {
        // Back up over the part of an end marker (LF, optional CR, LF) the last search ended in.
        let from = self.searched.saturating_sub(2).min(buffer.len());
        let new = &buffer[from..];
        self.searched = buffer.len();
        // One pass over the new bytes' line feeds (a head has a handful).
        let mut ended = false;
        let mut rest = new;
        while let Some(at) = rest.iter().position(|&byte| byte == b'\n') {
            self.line_ended = true;
            rest = &rest[at + 1..];
            if rest.first() == Some(&b'\n') || rest.starts_with(b"\r\n") {
                ended = true;
                break;
            }
        }
        ended
            || buffer.len() >= MAX_HEAD
            || (!self.line_ended && buffer.len() > MAX_TARGET + REQUEST_LINE_SLACK)
    }
}

/// Checks the head at the start of `buffer` (which may hold more: a body, pipelined requests).
pub fn check(buffer: &[u8]) -> Verdict {
    // Left uninitialised until parsed into, as actix-http does: no 3 KiB to clear per request.
    let mut fields = [const { std::mem::MaybeUninit::uninit() }; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut []);
    let length = match request.parse_with_uninit_headers(buffer, &mut fields) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return incomplete(buffer),
        Err(httparse::Error::TooManyHeaders) => return too_many_headers(),
        Err(httparse::Error::Version) if version_is_unsupported(buffer) => {
            return Verdict::Refuse(Refusal::new(
                StatusCode::HTTP_VERSION_NOT_SUPPORTED,
                "only HTTP/1.0 and HTTP/1.1 are served here (HTTP/2 only through a proxy that speaks HTTP/1.1 to this server)",
            ));
        }
        Err(httparse::Error::HeaderName | httparse::Error::HeaderValue) => {
            return Refusal::bad(
                "a header field is malformed (a name that is not a token, or a control character in a value)",
            );
        }
        Err(_) => return malformed_request_line(buffer),
    };
    // A head read in one go may be complete and still over the limit.
    if length > MAX_HEAD {
        return head_too_large();
    }
    let (Some(method), Some(target), Some(minor)) = (request.method, request.path, request.version)
    else {
        return Refusal::bad("the request line is malformed");
    };
    if target.len() > MAX_TARGET {
        return target_too_long();
    }
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return Refusal::bad("the request method is not a token");
    };
    if Uri::try_from(target).is_err() {
        return Refusal::bad(
            "the request target is not a valid URI: characters such as spaces, \" < > \\ ^ ` { | } must be percent-encoded",
        );
    }
    match framing(&method, minor, request.headers) {
        Ok(body) => Verdict::Accept { length, body },
        Err(refusal) => Verdict::Refuse(refusal),
    }
}

/// A head still incomplete: refused once it cannot become acceptable, else wait for more.
fn incomplete(buffer: &[u8]) -> Verdict {
    let line = buffer.iter().position(|&byte| byte == b'\n');
    if line.unwrap_or(buffer.len()) > MAX_TARGET + REQUEST_LINE_SLACK {
        target_too_long()
    } else if buffer.len() >= MAX_HEAD {
        head_too_large()
    } else {
        Verdict::Incomplete
    }
}

/// The request line's space-separated parts (up to its end of line).
fn request_line_parts(buffer: &[u8]) -> Vec<&[u8]> {
    let line = buffer
        .split(|&byte| byte == b'\n')
        .next()
        .unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.split(|&byte| byte == b' ').collect()
}

/// A well-formed request line naming another HTTP version (`PRI * HTTP/2.0`), not a line that
/// only looks wrong in its last part because the target has a space in it.
fn version_is_unsupported(buffer: &[u8]) -> bool {
    matches!(request_line_parts(buffer).as_slice(), [_, _, version] if version.starts_with(b"HTTP/"))
}

/// httparse's errors do not say where: say whether the request target is at fault.
fn malformed_request_line(buffer: &[u8]) -> Verdict {
    let parts = request_line_parts(buffer);
    let target_at_fault = match parts.as_slice() {
        [_, target, version] => {
            version.starts_with(b"HTTP/") && target.iter().any(|byte| !byte.is_ascii_graphic())
        }
        // More than three parts: spaces in the target.
        [_, _, .., version] => version.starts_with(b"HTTP/"),
        _ => false,
    };
    if target_at_fault {
        Refusal::bad(
            "the request target has a space, control character or byte above 0x7E: percent-encode it",
        )
    } else {
        Refusal::bad("the request line is malformed: expected METHOD /path HTTP/1.1")
    }
}

/// actix-http's header checks (`set_headers` and `decode` in its `h1/decoder.rs`) and the body they
/// imply: one Content-Length that is a plain number, at most one Host (required in HTTP/1.1), a
/// Transfer-Encoding only as `chunked`, in HTTP/1.1 and without a Content-Length (RFC 9112 §6.1: a
/// coding not understood is a 501; both together are a smuggling attempt).
fn framing(method: &Method, minor: u8, headers: &[httparse::Header<'_>]) -> Result<Body, Refusal> {
    let bad = |detail: &str| Refusal::new(StatusCode::BAD_REQUEST, detail);
    let mut content_length = None;
    let mut transfer_encoding = None;
    let mut hosts = 0;
    let mut websocket = false;
    for header in headers {
        let value = std::str::from_utf8(header.value).map(str::trim);
        if header.name.eq_ignore_ascii_case("content-length") {
            if content_length.is_some() {
                return Err(bad("the request has more than one Content-Length"));
            }
            match value.map(|text| (text, text.parse::<u64>())) {
                Ok((text, Ok(length))) if !text.starts_with('+') => content_length = Some(length),
                _ => return Err(bad("Content-Length is not a whole number of bytes")),
            }
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            if transfer_encoding.is_some() {
                return Err(bad("the request has more than one Transfer-Encoding"));
            }
            transfer_encoding = Some(value.unwrap_or_default());
        } else if header.name.eq_ignore_ascii_case("host") {
            hosts += 1;
            if hosts > 1 {
                return Err(bad("the request has more than one Host"));
            }
        } else if header.name.eq_ignore_ascii_case("upgrade") {
            websocket |= value.is_ok_and(|text| text.eq_ignore_ascii_case("websocket"));
        }
    }
    if minor == 1 && hosts == 0 {
        return Err(bad("an HTTP/1.1 request needs a Host header"));
    }
    if let Some(coding) = transfer_encoding {
        if minor == 0 {
            return Err(bad(
                "Transfer-Encoding is not allowed in an HTTP/1.0 request",
            ));
        }
        if !coding.eq_ignore_ascii_case("chunked") {
            return Err(Refusal::new(
                StatusCode::NOT_IMPLEMENTED,
                "the only request Transfer-Encoding served is chunked",
            ));
        }
        if content_length.is_some() {
            return Err(bad(
                "the request has both Content-Length and Transfer-Encoding",
            ));
        }
        return Ok(Body::Chunked);
    }
    if minor == 0 && *method == Method::POST && content_length.is_none() {
        return Err(bad("an HTTP/1.0 POST needs a Content-Length"));
    }
    Ok(if websocket || *method == Method::CONNECT {
        Body::Unframed
    } else {
        match content_length {
            Some(0) | None => Body::None,
            Some(length) => Body::Length(length),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(head: &[u8]) -> Option<u16> {
        match check(head) {
            Verdict::Refuse(refusal) => Some(refusal.status.as_u16()),
            _ => None,
        }
    }

    #[test]
    fn a_plain_get_is_accepted_and_ends_at_its_blank_line() {
        let head = b"GET /v1/facilities?limit=2 HTTP/1.1\r\nHost: x\r\n\r\nGET /next";
        assert_eq!(
            check(head),
            Verdict::Accept {
                length: head.len() - 9,
                body: Body::None
            }
        );
        assert_eq!(check(b"GET / HTTP/1.1\r\nHost: x\r\n"), Verdict::Incomplete);
        assert_eq!(check(b""), Verdict::Incomplete);
    }

    #[test]
    fn a_head_is_checked_once_it_has_ended_or_cannot_be_accepted() {
        let mut progress = Progress::default();
        let mut buffer = b"GET /healthz HTTP/1.1\r\nHost: x\r".to_vec();
        assert!(!progress.ready(&buffer));
        buffer.extend_from_slice(b"\n\r");
        assert!(!progress.ready(&buffer));
        // The end marker spans three reads.
        buffer.extend_from_slice(b"\n");
        assert!(progress.ready(&buffer));

        let mut progress = Progress::default();
        let mut line = b"GET /".to_vec();
        while line.len() <= MAX_TARGET + REQUEST_LINE_SLACK {
            assert!(!progress.ready(&line));
            line.extend_from_slice(&[b'a'; 1000]);
        }
        assert!(progress.ready(&line));
        assert_eq!(status(&line), Some(414));

        let mut progress = Progress::default();
        let mut head = b"GET / HTTP/1.1\r\n".to_vec();
        while head.len() < MAX_HEAD {
            assert!(!progress.ready(&head));
            head.extend_from_slice(b"X-Filler: 0123456789abcdef0123456789abcdef\r\n");
        }
        assert!(progress.ready(&head));
        assert_eq!(status(&head), Some(431));
        // Complete, but over the limit all the same.
        head.extend_from_slice(b"Host: x\r\n\r\n");
        assert_eq!(status(&head), Some(431));
    }

    #[test]
    fn the_refusals_say_what_to_fix() {
        let detail = |head: &[u8]| match check(head) {
            Verdict::Refuse(refusal) => refusal.detail,
            other => panic!("{other:?}"),
        };
        assert!(detail(b"GET /<x HTTP/1.1\r\nHost: x\r\n\r\n").contains("percent-encoded"));
        assert!(detail(b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n").contains("percent-encode"));
        assert!(detail(b"GET / HTTP/1.1\r\n\r\n").contains("Host"));
        assert!(detail(b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n").contains("request line"));
    }

    #[test]
    fn bodies_are_framed_as_actix_frames_them() {
        let framed = |head: &[u8]| match check(head) {
            Verdict::Accept { body, .. } => body,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            framed(b"POST /v1/imports HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n"),
            Body::Length(12)
        );
        assert_eq!(
            framed(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
            Body::None
        );
        assert_eq!(
            framed(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"),
            Body::Chunked
        );
        assert_eq!(
            framed(
                b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
            ),
            Body::Unframed
        );
        assert_eq!(framed(b"GET / HTTP/1.0\r\n\r\n"), Body::None);
    }

    #[test]
    fn refusals_have_the_status_that_says_why() {
        assert_eq!(status(b"GET /<x HTTP/1.1\r\nHost: x\r\n\r\n"), Some(400));
        assert_eq!(status(b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"), Some(400));
        assert_eq!(status(b"GET / HTTP/1.1\r\n\r\n"), Some(400));
        assert_eq!(status(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n"), Some(505));
        let long = format!(
            "GET /{} HTTP/1.1\r\nHost: x\r\n\r\n",
            "a".repeat(MAX_TARGET)
        );
        assert_eq!(status(long.as_bytes()), Some(414));
        // Refused as soon as the request line cannot fit, before the rest arrives.
        let partial = format!("GET /{}", "a".repeat(MAX_TARGET + REQUEST_LINE_SLACK));
        assert_eq!(status(partial.as_bytes()), Some(414));
        let big = format!(
            "GET / HTTP/1.1\r\nHost: x\r\nCookie: {}",
            "c".repeat(MAX_HEAD)
        );
        assert_eq!(status(big.as_bytes()), Some(431));
        let many: String = (0..=MAX_HEADERS).map(|n| format!("X-{n}: 1\r\n")).collect();
        let many = format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n");
        assert_eq!(status(many.as_bytes()), Some(431));
        for smuggling in [
            "Content-Length: 1\r\nContent-Length: 2\r\n",
            "Content-Length: +5\r\n",
            "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            "Host: y\r\n",
        ] {
            let head = format!("POST / HTTP/1.1\r\nHost: x\r\n{smuggling}\r\n");
            assert_eq!(status(head.as_bytes()), Some(400), "{smuggling}");
        }
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"),
            Some(501)
        );
        assert_eq!(status(b"POST / HTTP/1.0\r\n\r\n"), Some(400));
    }
}
