//! One audit event: who did what to which route of the API, and how it ended. Written once, never
//! changed (the store offers no update, only deletion by age for retention).
//!
//! The fields are chosen to map onto a FHIR R4 `AuditEvent` when the FHIR interface comes:
//! - `type`: DICOM "110100 Application Activity" for every event (a REST read or write of the API);
//! - `action`: from `method` (GET/HEAD → `R`, POST → `C`, PUT/PATCH → `U`, DELETE → `D`);
//! - `recorded`: `recorded_at`;
//! - `outcome`: from `status` (2xx/3xx → `0` success, 4xx → `4` minor failure, 5xx → `8` serious);
//! - `agent`: one requestor agent, `who.display` = `caller` (absent: anonymous refused),
//!   `network.address` = `client_address`, `policy` = the granted `scopes`;
//! - `entity`: `what.reference` = `path`, `query` carries nothing (queries are not kept),
//!   `detail` = `route` (template), `result_count`, `request_id`.

use chrono::{DateTime, Utc};

/// An event as the API records it, before the store gives it an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub recorded_at: DateTime<Utc>,
    /// `key:<name or public prefix>` or `sub:<token subject>`; `None` for a refused request with no
    /// verified credential. Never a secret or a token.
    pub caller: Option<String>,
    /// The scopes the credential granted, space-separated (empty when none verified).
    pub scopes: String,
    pub method: String,
    /// The route template (`/v1/facilities/{id}`), when a route matched.
    pub route: Option<String>,
    /// The path as requested, without the query string.
    pub path: String,
    pub status: u16,
    /// The number of items a list response returned.
    pub result_count: Option<u64>,
    pub request_id: Option<String>,
    pub client_address: Option<String>,
}

/// A stored event: its id orders events as they were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: i64,
    pub event: NewAuditEvent,
}

/// A status filter: one exact status (`403`) or a class (`4xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Exact(u16),
    /// The hundreds digit: `4` for `4xx`.
    Class(u16),
}

impl StatusFilter {
    /// `403` or `4xx` (any case), statuses 100 to 599.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.len() != 3 {
            return None;
        }
        let lower = text.to_ascii_lowercase();
        if let Some(class) = lower.strip_suffix("xx") {
            return match class.parse::<u16>() {
                Ok(digit @ 1..=5) => Some(Self::Class(digit)),
                _ => None,
            };
        }
        match lower.parse::<u16>() {
            Ok(status @ 100..=599) if lower.bytes().all(|b| b.is_ascii_digit()) => {
                Some(Self::Exact(status))
            }
            _ => None,
        }
    }

    /// The inclusive range of statuses it admits.
    pub fn range(self) -> (u16, u16) {
        match self {
            Self::Exact(status) => (status, status),
            Self::Class(digit) => (digit * 100, digit * 100 + 99),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_filters_are_exact_statuses_or_classes() {
        assert_eq!(StatusFilter::parse("403"), Some(StatusFilter::Exact(403)));
        assert_eq!(StatusFilter::parse("4xx").unwrap().range(), (400, 499));
        assert_eq!(StatusFilter::parse("2XX").unwrap().range(), (200, 299));
        for bad in ["", "40", "4000", "6xx", "0xx", "099", "x03", "+40", "abc"] {
            assert_eq!(StatusFilter::parse(bad), None, "{bad}");
        }
    }
}
