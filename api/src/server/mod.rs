//! The HTTP server: actix-server workers running actix-http's HTTP/1.1 dispatcher over
//! [`stream::CheckedStream`], serving the actix-web `App`. This is what `actix_web::HttpServer`
//! assembles, except for the stream type (HttpServer hands the dispatcher the bare `TcpStream`, so
//! the parser's refusals could not be answered properly, see [`stream`]) and OS signals, which
//! [`crate::lifecycle`] handles. With TLS configured ([`tls`]), each connection's handshake comes
//! first and the checked stream reads the decrypted bytes.

mod chunked;
mod connection;
pub mod head;
mod stream;
pub mod tls;

use std::fmt;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_http::body::MessageBody;
use actix_http::error::DispatchError;
use actix_http::{HttpService, KeepAlive, Request, Response};
use actix_server::Server;
use actix_service::{
    IntoServiceFactory, Service, ServiceFactory, ServiceFactoryExt as _, fn_service, map_config,
};
use actix_web::dev::AppConfig;
use actix_web::rt::net::TcpStream;

use crate::config::Settings;
use connection::Connection;
use stream::CheckedStream;
use tls::Certificates;

/// How long a new connection may take to send its first request head (actix-web's default): a
/// 408 after that.
const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long closing a connection may take (actix-web's default).
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a TLS handshake may take (actix-tls's default): a client that opens connections and
/// never finishes one does not hold them longer.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(3);

/// Serves the apps `factory` makes (one per worker) on `listener`, with the keep-alive timeout,
/// worker count and shutdown timeout of `settings`, over TLS with `certificates` when given. Not
/// started until the returned server is polled; stopped through its handle.
pub fn build<F, I, S, B>(
    listener: TcpListener,
    settings: &Settings,
    certificates: Option<Arc<Certificates>>,
    factory: F,
) -> std::io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let address = listener.local_addr()?;
    let acceptor = certificates
        .map(|certificates| certificates.acceptor())
        .transpose()
        .map_err(std::io::Error::other)?;
    let lifecycle = settings.lifecycle;
    let keep_alive = match lifecycle.keep_alive {
        Some(timeout) => KeepAlive::Timeout(timeout),
        None => KeepAlive::Disabled,
    };
    let mut builder = Server::build()
        // crate::lifecycle makes readiness fail before the listener closes; actix-server's own
        // handling would close it on the first signal.
        .disable_signals()
        .shutdown_timeout(lifecycle.shutdown_timeout.as_secs());
    if let Some(workers) = settings.workers {
        builder = builder.workers(workers);
    }
    // Notified when a graceful stop begins: idle keep-alive connections close then, and a busy one
    // after its response, as HttpServer does (through the same builder method, hidden from
    // actix-http's docs; tests/suite/api/lifecycle.rs checks an idle connection does not hold the
    // stop up for PRICELINE_SHUTDOWN_SECONDS).
    let stopping = builder.graceful_shutdown_signal();
    let server = builder
        .listen("priceline-http", listener, move || {
            let stopping = stopping.clone();
            let acceptor = acceptor.clone();
            let app = factory()
                .into_factory()
                .map_err(|error| error.into().error_response());
            // AppConfig::default's host (localhost:8080) is the fallback for a request without
            // a Host header, which only HTTP/1.0 may send; HttpServer would put the listen address.
            let http = HttpService::build()
                .keep_alive(keep_alive)
                .client_request_timeout(REQUEST_HEAD_TIMEOUT)
                .client_disconnect_timeout(DISCONNECT_TIMEOUT)
                // CheckedStream ends the stream at a refused head and relies on the dispatcher
                // finishing the requests before it, which a half-closed connection allows.
                .h1_allow_half_closed(true)
                .local_addr(address)
                .graceful_shutdown_signal(move || {
                    let stopping = stopping.clone();
                    async move { stopping.notified().await }
                })
                .h1(map_config(app, |()| AppConfig::default()));
            fn_service(move |io: TcpStream| {
                let acceptor = acceptor.clone();
                async move {
                    // A compressed response is streamed (chunked) in several writes; with Nagle's
                    // algorithm on, a later small write waits for the client's delayed ACK of the
                    // first (about 40 ms per response over keep-alive). The API answers whole
                    // responses, so each write goes at once.
                    let _ = io.set_nodelay(true);
                    let peer = io.peer_addr().ok();
                    let connection = match acceptor {
                        None => Connection::Plain(io),
                        Some(acceptor) => {
                            let handshake = actix_web::rt::time::timeout(
                                TLS_HANDSHAKE_TIMEOUT,
                                acceptor.accept(io),
                            );
                            match handshake.await {
                                Ok(Ok(stream)) => Connection::Tls(Box::new(stream)),
                                // A scanner, a plain-http client or an old TLS version: the
                                // client's problem, at debug (actix-server drops the error).
                                Ok(Err(error)) => {
                                    tracing::debug!(?peer, %error, "TLS handshake failed");
                                    return Err(DispatchError::Io(error));
                                }
                                Err(_) => {
                                    tracing::debug!(?peer, "TLS handshake timed out");
                                    return Err(DispatchError::SlowRequestTimeout);
                                }
                            }
                        }
                    };
                    Ok::<_, DispatchError>((CheckedStream::new(connection, peer), peer))
                }
            })
            .and_then(http)
        })?
        .run();
    Ok(server)
}
