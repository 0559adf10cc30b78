//! Stopping without dropping requests. On SIGTERM (what Docker, Kubernetes, Cloud Run and systemd
//! send) or SIGINT (Ctrl-C), `/readyz` fails at once so load balancers stop sending new requests;
//! the listener keeps serving for `PRICELINE_SHUTDOWN_DELAY_SECONDS` (time for a balancer that
//! probes `/readyz` to notice), then closes, and requests in flight get up to
//! `PRICELINE_SHUTDOWN_SECONDS` to finish before the process exits. A second signal stops at once.
//!
//! actix-server's own signal handling is off ([`crate::server`]): it would close the listener on the
//! first signal, before readiness could fail.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::dev::ServerHandle;

use crate::config::Lifecycle;

/// Set once a stop signal arrived; `/readyz` fails from then on. Shared by every worker.
#[derive(Debug, Clone, Default)]
pub struct Stopping(Arc<AtomicBool>);

impl Stopping {
    pub fn begin(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Joins `thread` if it ends within `limit`; otherwise leaves it to end with the process (whose exit
/// does not wait for it) and says so with `false`. For background work told to stop, which must
/// not hold a stopping server past its grace period.
pub fn join_within(thread: std::thread::JoinHandle<()>, limit: std::time::Duration) -> bool {
    let waited = std::time::Instant::now();
    while !thread.is_finished() && waited.elapsed() < limit {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let finished = thread.is_finished();
    if finished {
        // A panic there was reported by the panic hook when it happened.
        let _ = thread.join();
    }
    finished
}

/// Waits for SIGTERM or SIGINT, then stops `server` as the module says. Installed by `priceline
/// serve` only: a process-wide signal handler has no place in a test process running servers.
pub async fn stop_on_signal(server: ServerHandle, stopping: Stopping, lifecycle: Lifecycle) {
    let mut signals = match Signals::new() {
        Ok(signals) => signals,
        Err(error) => {
            tracing::error!(%error, "cannot listen for SIGTERM/SIGINT: the server stops only when killed");
            return;
        }
    };
    let signal = signals.next().await;
    stopping.begin();
    let Lifecycle {
        shutdown_delay: delay,
        shutdown_timeout: timeout,
        ..
    } = lifecycle;
    tracing::info!(
        "{signal}: stopping; /readyz now fails, the listener closes in {} s, then requests in \
         flight get up to {} s (a second signal stops at once)",
        delay.as_secs(),
        timeout.as_secs()
    );
    let graceful = async {
        actix_web::rt::time::sleep(delay).await;
        tracing::info!("the listener is closed; waiting for requests in flight");
        server.stop(true).await;
    };
    tokio::select! {
        () = graceful => tracing::info!("stopped"),
        signal = signals.next() => {
            tracing::warn!("{signal} again: stopping now, dropping requests in flight");
            server.stop(false).await;
        }
    }
}

/// Reads the TLS certificate and key again on each SIGHUP (the usual signal after a renewal, e.g.
/// certbot's deploy hook or a Kubernetes secret update followed by `kill -HUP`). Installed by
/// `priceline serve` when it serves TLS; a failed reload keeps the pair in use and says why.
#[cfg(unix)]
pub async fn reload_on_hangup(certificates: std::sync::Arc<crate::server::tls::Certificates>) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(hangups) => hangups,
        Err(error) => {
            tracing::error!(%error, "cannot listen for SIGHUP: the TLS certificate is not reloaded");
            return;
        }
    };
    while hangups.recv().await.is_some() {
        let files = certificates.files();
        match certificates.reload() {
            Ok(()) => tracing::info!(
                cert = %files.cert.display(),
                "SIGHUP: TLS certificate reloaded; new connections use it"
            ),
            Err(error) => tracing::error!(
                %error,
                "SIGHUP: the TLS certificate was not reloaded; the previous one stays in use"
            ),
        }
    }
}

#[cfg(not(unix))]
pub async fn reload_on_hangup(_certificates: std::sync::Arc<crate::server::tls::Certificates>) {}

#[cfg(unix)]
struct Signals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Self)
    }

    async fn next(&mut self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
