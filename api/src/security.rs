//! How the HTTP server protects the API: who may call it ([`crate::auth`]) and how often
//! ([`crate::middleware::rate_limit`]). Held above both, since the limiter keys its budgets by the
//! caller that authentication found.

use crate::auth::AuthPolicy;
use crate::middleware::auth_failures::AuthFailureSettings;
use crate::middleware::rate_limit::RateLimitSettings;

#[derive(Debug, Clone)]
pub struct Security {
    pub auth: AuthPolicy,
    pub rate_limit: RateLimitSettings,
    /// The throttle of repeated refused credentials per address.
    pub auth_failures: AuthFailureSettings,
}
