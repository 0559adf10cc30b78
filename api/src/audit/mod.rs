//! The audit trail (issue 14): every authenticated request and every refusal (401, 403, 429) on a
//! protected path ([`crate::auth::protects`]) becomes one append-only event: when, who (an API key's
//! name or public prefix, a token's subject; never a secret or a token), the granted scopes, the
//! method, the route template and the path without its query, the status, how many items a list
//! returned, the request id and the client's address.
//!
//! Off the request path: the [`record`] middleware only hands the event to a bounded queue
//! ([`AuditLog`]); one background thread per server ([`AuditWriter`]) inserts the queued events in
//! batches (up to [`BATCH`] events, or whatever arrived within [`INTERVAL`]) in one transaction, and
//! flushes what is left when the server stops. A request never waits for the audit: when the queue
//! is full (the database is slower than the traffic for [`QUEUE`] events) the event is dropped,
//! counted in `priceline_audit_dropped_total` and logged, and the request goes on.
//!
//! `PRICELINE_AUDIT`: `on` (the default) records when credentials are configured and nothing on an
//! open API; `all` records every request to a protected path, credentials or not; `off` records
//! nothing. `PRICELINE_AUDIT_RETENTION_DAYS` deletes events older than that many days, at start and
//! every hour (0 or unset keeps them forever).
//!
//! The event maps onto FHIR `AuditEvent` as `priceline_domain::audit` describes.

mod log;
mod record;

use std::time::Duration;

pub use log::{AuditLog, AuditWriter, BATCH, INTERVAL, QUEUE};
pub use record::record;

/// `PRICELINE_AUDIT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuditMode {
    /// Nothing is recorded.
    Off,
    /// Authenticated requests and refusals, when credentials are configured.
    #[default]
    On,
    /// Every request to a protected path, also on an open API.
    All,
}

impl AuditMode {
    /// Every spelling `PRICELINE_AUDIT` accepts, as its error and the README give it.
    pub const SPELLINGS: &'static str = "off, on, all";

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" => Some(Self::Off),
            "on" => Some(Self::On),
            "all" => Some(Self::All),
            _ => None,
        }
    }
}

/// The audit settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditSettings {
    pub mode: AuditMode,
    /// Events older than this are deleted; `None` keeps them forever.
    pub retention: Option<Duration>,
}

impl AuditSettings {
    /// Whether this server records anything, given whether its API is open.
    pub fn records(&self, open_api: bool) -> bool {
        match self.mode {
            AuditMode::Off => false,
            AuditMode::On => !open_api,
            AuditMode::All => true,
        }
    }
}
