//! The audit trail over HTTP: `GET /v1/admin/audit-events` (scope `admin`). The trail itself is
//! written by [`crate::audit`].

pub mod list;
