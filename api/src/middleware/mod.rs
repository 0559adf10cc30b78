//! Cross-cutting HTTP behaviour, each as an `actix_web::middleware::from_fn` function.

pub mod accept;
pub mod auth_failures;
pub mod client_address;
pub mod cors;
pub mod data_version;
pub mod etag;
pub mod head;
pub mod observe;
pub mod problem_bodies;
pub mod quota;
pub mod rate_limit;
pub mod request_body;
pub mod request_id;
pub mod response_cache;
pub mod security_headers;
pub mod tier_limiter;
pub mod unknown_parameters;
