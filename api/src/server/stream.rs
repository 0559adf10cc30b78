//! The TCP stream actix-http's HTTP/1.1 dispatcher reads from: it hands the dispatcher a request head
//! only once [`head::check`] accepted it, so the parser's own refusals (an empty-bodied 400 for a
//! 70 KB URL, a bare 431, each logged as an ERROR "stream error") never happen; a refused head is
//! answered here with the right status and a problem+json body instead.
//!
//! How, on one connection:
//! - bytes read from the socket are held until the head at their start is complete and checked, then
//!   given to the dispatcher with the body [`head::Body`] says follows (a Content-Length's worth);
//!   the bytes after that are the next head, checked in turn. So keep-alive and pipelined requests
//!   are each checked, and the dispatcher sees exactly the bytes it would have seen, in the same
//!   order. A head cannot be parsed before it is complete, so holding it adds no wait, and the
//!   same number of reads reach the socket; the cost is one copy of the bytes, a scan for line
//!   feeds and one more `httparse` pass (the parser actix uses) per head. Measured on a debug build
//!   (wrk, 16 connections, one worker): about 3 µs more CPU per `/healthz` request, which takes
//!   about 35 µs; an optimised build does the same work several times faster.
//! - a chunked body is followed to its end as actix-http's decoder finds it ([`super::chunked`]);
//!   a WebSocket upgrade or CONNECT (a stream to the end of the connection) is not: the rest of
//!   that connection goes to the dispatcher unchecked, as before (this API serves neither).
//! - a refused head ends the stream for the dispatcher: it finishes the requests before it (their
//!   responses are written first, in order), then shuts the connection down; the shutdown writes
//!   the refusal, half-closes, and reads what the client still sends until it closes or a second
//!   passes, so the response is not lost to a reset (RFC 9112 §9.6).

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant, SystemTime};

use actix_web::http::header::HttpDate;
use actix_web::rt::time::{Sleep, sleep};
use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::chunked::{Chunked, Malformed};
use super::connection::Connection;
use super::head::{self, Body, Refusal, Verdict};
use crate::problem::ApiError;

/// How much is read from the socket at a time.
const READ_SIZE: usize = 8 * 1024;
/// How long a refused connection is read (and discarded) after its response, and how much.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1024 * 1024;
/// At most one log line at info about refused requests per this interval (each is at debug).
const LOG_INTERVAL: Duration = Duration::from_secs(60);

pub struct CheckedStream {
    io: Connection,
    peer: Option<SocketAddr>,
    /// Bytes read from the socket and not yet given to the dispatcher.
    held: BytesMut,
    /// How many of `held`'s first bytes are checked and go to the dispatcher next.
    cleared: usize,
    state: State,
    /// What the reads so far showed of the head `held` starts with.
    progress: head::Progress,
}

enum State {
    /// `held` starts with a request head (or will).
    Head,
    /// This many body bytes come before the next head.
    Body(u64),
    /// A chunked body comes before the next head.
    Chunked(Chunked),
    /// The rest of the connection is not checked.
    Unchecked,
    /// A head was refused: the dispatcher reads the end of the stream; its shutdown sends this.
    Refused(Closing),
}

impl CheckedStream {
    pub fn new(io: Connection, peer: Option<SocketAddr>) -> Self {
        Self {
            io,
            peer,
            held: BytesMut::new(),
            cleared: 0,
            state: State::Head,
            progress: head::Progress::default(),
        }
    }

    /// Moves what `held` holds forward: clears a checked head and its body, or refuses a head.
    /// Returns false when more bytes must be read first.
    fn advance(&mut self) -> bool {
        match self.state {
            State::Refused(_) => true,
            State::Unchecked => {
                self.cleared = self.held.len();
                !self.held.is_empty()
            }
            State::Body(remaining) => {
                let part = remaining.min(self.held.len() as u64);
                self.cleared = part as usize;
                self.state = if part == remaining {
                    State::Head
                } else {
                    State::Body(remaining - part)
                };
                part > 0
            }
            State::Chunked(ref mut chunked) => match chunked.advance(&self.held) {
                Ok((part, ended)) => {
                    self.cleared = part;
                    if ended {
                        self.state = State::Head;
                    }
                    part > 0
                }
                // actix-http refuses the body itself; the connection is not followed further.
                Err(Malformed) => {
                    self.state = State::Unchecked;
                    true
                }
            },
            State::Head if self.held.is_empty() || !self.progress.ready(&self.held) => false,
            State::Head => match head::check(&self.held) {
                // Only before a head that starts with empty lines (which are skipped): wait for
                // the next end of a head.
                Verdict::Incomplete => false,
                Verdict::Accept { length, body } => {
                    self.progress = head::Progress::default();
                    self.cleared = length;
                    self.state = match body {
                        Body::None => State::Head,
                        Body::Length(length) => State::Body(length),
                        Body::Chunked => State::Chunked(Chunked::default()),
                        Body::Unframed => State::Unchecked,
                    };
                    true
                }
                Verdict::Refuse(refusal) => {
                    note(&refusal, self.peer);
                    self.held = BytesMut::new();
                    self.state = State::Refused(Closing::new(&refusal));
                    true
                }
            },
        }
    }
}

impl AsyncRead for CheckedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.cleared > 0 {
                let part = this.cleared.min(buf.remaining());
                buf.put_slice(&this.held[..part]);
                this.held.advance(part);
                this.cleared -= part;
                return Poll::Ready(Ok(()));
            }
            if let State::Refused(_) = this.state {
                // The end of the stream, as the dispatcher sees it.
                return Poll::Ready(Ok(()));
            }
            if matches!(this.state, State::Unchecked) && this.held.is_empty() {
                return Pin::new(&mut this.io).poll_read(cx, buf);
            }
            if this.advance() {
                continue;
            }
            this.held.reserve(READ_SIZE);
            let read = ready!(tokio_util::io::poll_read_buf(
                Pin::new(&mut this.io),
                cx,
                &mut this.held
            ))?;
            if read == 0 {
                // The client closed its side: an incomplete head or body goes to the dispatcher as
                // it is, and the end of the stream after it, as without this check.
                this.state = State::Unchecked;
                if this.held.is_empty() {
                    return Poll::Ready(Ok(()));
                }
            }
        }
    }
}

impl AsyncWrite for CheckedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match &mut this.state {
            State::Refused(closing) => closing.poll(&mut this.io, cx),
            _ => Pin::new(&mut this.io).poll_shutdown(cx),
        }
    }
}

/// Sending a refusal and closing the connection.
struct Closing {
    response: Bytes,
    phase: Phase,
}

enum Phase {
    Writing,
    ShuttingDown,
    Draining { until: Pin<Box<Sleep>>, read: usize },
}

impl Closing {
    fn new(refusal: &Refusal) -> Self {
        Self {
            response: response(refusal),
            phase: Phase::Writing,
        }
    }

    /// Errors end the closing quietly: a client gone before reading its refusal is nothing to report.
    fn poll(&mut self, io: &mut Connection, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match &mut self.phase {
                Phase::Writing => {
                    while !self.response.is_empty() {
                        match ready!(Pin::new(&mut *io).poll_write(cx, &self.response)) {
                            Ok(written) if written > 0 => self.response.advance(written),
                            _ => return Poll::Ready(Ok(())),
                        }
                    }
                    if ready!(Pin::new(&mut *io).poll_flush(cx)).is_err() {
                        return Poll::Ready(Ok(()));
                    }
                    self.phase = Phase::ShuttingDown;
                }
                Phase::ShuttingDown => {
                    if ready!(Pin::new(&mut *io).poll_shutdown(cx)).is_err() {
                        return Poll::Ready(Ok(()));
                    }
                    self.phase = Phase::Draining {
                        until: Box::pin(sleep(LINGER)),
                        read: 0,
                    };
                }
                Phase::Draining { until, read } => {
                    if until.as_mut().poll(cx).is_ready() || *read > LINGER_BYTES {
                        return Poll::Ready(Ok(()));
                    }
                    let mut scratch = [0; 4096];
                    let mut discard = ReadBuf::new(&mut scratch);
                    match ready!(Pin::new(&mut *io).poll_read(cx, &mut discard)) {
                        Ok(()) if !discard.filled().is_empty() => *read += discard.filled().len(),
                        _ => return Poll::Ready(Ok(())),
                    }
                }
            }
        }
    }
}

/// The whole HTTP/1.1 response for a refusal: the problem body, the security headers every response
/// carries, and `Connection: close`.
fn response(refusal: &Refusal) -> Bytes {
    let status = refusal.status;
    let error = ApiError::Unparsable {
        status,
        detail: refusal.detail.clone(),
    };
    let body = error.problem_json();
    let head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\n{}connection: close\r\ndate: {}\r\n\r\n",
        status.as_str(),
        crate::problem::title(status),
        crate::problem::PROBLEM_JSON,
        body.len(),
        crate::middleware::security_headers::RAW_HEADERS,
        HttpDate::from(SystemTime::now()),
    );
    Bytes::from(head + &body)
}

/// Refusals since the last line at info, and when that was.
struct Throttle {
    last: Option<Instant>,
    count: u64,
}

static THROTTLE: Mutex<Throttle> = Mutex::new(Throttle {
    last: None,
    count: 0,
});

/// Each refusal is a client's mistake (or a scanner's): logged at debug; at info at most once a
/// minute with the count, so a flood of bad requests cannot flood the log.
fn note(refusal: &Refusal, peer: Option<SocketAddr>) {
    let status = refusal.status.as_u16();
    let peer = peer.map(|peer| peer.ip().to_string()).unwrap_or_default();
    tracing::debug!(status, detail = %refusal.detail, %peer, "request refused before routing");
    let mut throttle = THROTTLE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    throttle.count += 1;
    let now = Instant::now();
    if throttle
        .last
        .is_none_or(|last| now.duration_since(last) >= LOG_INTERVAL)
    {
        tracing::info!(
            refused = throttle.count,
            status,
            detail = %refusal.detail,
            %peer,
            "malformed requests refused before routing since the last such line (the latest \
             shown; at most one line a minute, each at debug)"
        );
        throttle.count = 0;
        throttle.last = Some(now);
    }
}
