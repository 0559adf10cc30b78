//! A caller's rate-limit tier: a name that the configuration maps to a quota. Credentials name it (an
//! API key's tier, or a token's claim); `authenticate` puts it in the request's extensions beside the
//! [`super::Caller`], where the rate limiter reads it. A caller without one gets the default tier of
//! authenticated callers; anonymous callers get their own.

use std::sync::Arc;

/// The tier a request's credential names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tier(pub Arc<str>);
