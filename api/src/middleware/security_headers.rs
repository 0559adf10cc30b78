//! Security headers on every response the app gives (issue 14, item 6): the API's JSON, problem
//! bodies, health, the spec, Swagger UI and 404s alike.
//!
//! - `X-Content-Type-Options: nosniff`: a browser never reads a JSON body as script or HTML.
//! - `Content-Security-Policy`: [`STRICT_CSP`] for everything but an HTML page (nothing a JSON body
//!   could make a browser load or frame); Swagger UI's page gets [`DOCS_CSP`], which allows only its
//!   own files (served from here, `utoipa-swagger-ui`'s vendored copy) and calls to this origin.
//! - `Referrer-Policy: no-referrer` and `X-Frame-Options: DENY` (older browsers' `frame-ancestors`).
//! - `Cache-Control: no-store` on every error (4xx, 5xx): a refusal or a failure is never kept by a
//!   cache and served again; authenticated responses get it from [`crate::auth`].
//! - `Strict-Transport-Security` when the server serves TLS itself, or when `PRICELINE_PUBLIC_URL`
//!   says clients reach it over https (a proxy in front terminates TLS and passes the header on).
//!   Never for plain http as clients see it: a browser ignores it there, and a misconfigured
//!   development server would pin a host name to https for a year.
//!
//! Responses the server refuses before routing (a malformed request head, see
//! [`crate::server::head`]) carry the same headers from [`RAW_HEADERS`].

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

/// For responses that are not a page: no content may be loaded, the response may not be framed.
pub const STRICT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// For Swagger UI's page: its scripts, styles and icons from this origin, the spec and "Try it out"
/// calls to this origin. Swagger UI sets inline `style` attributes (hence `'unsafe-inline'` for
/// styles only, never for scripts) and draws some icons as `data:` images.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                            img-src 'self' data:; connect-src 'self'; font-src 'self'; \
                            base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// One year, the value HSTS preload lists ask for. No `includeSubDomains`: other hosts under the
/// same domain are not this server's to pin.
pub const HSTS: &str = "max-age=31536000";

/// The headers of [`security_headers`] for a non-page error response, as raw HTTP/1.1 header lines
/// (for the responses written before routing).
pub const RAW_HEADERS: &str = "x-content-type-options: nosniff\r\n\
                               content-security-policy: default-src 'none'; frame-ancestors 'none'\r\n\
                               referrer-policy: no-referrer\r\n\
                               x-frame-options: DENY\r\n\
                               cache-control: no-store\r\n";

/// Whether responses carry `Strict-Transport-Security`, decided once at start-up.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecurityHeaders {
    pub hsts: bool,
}

pub async fn security_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let hsts = request
        .app_data::<web::Data<SecurityHeaders>>()
        .is_some_and(|settings| settings.hsts);
    // By path too: a 304 for the page has no Content-Type, and the browser replaces the cached
    // page's headers with the 304's, policy included (`make swagger-ui-check` reloads the page).
    let docs_page = matches!(request.path(), "/docs/" | "/docs/index.html");
    let mut response = next.call(request).await?;
    let status = response.status();
    let headers = response.headers_mut();
    let page = docs_page
        || headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/html"));
    let csp = if page { DOCS_CSP } else { STRICT_CSP };
    let fixed: [(HeaderName, &'static str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if status.is_client_error() || status.is_server_error() {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_raw_headers_are_the_strict_ones() {
        assert!(RAW_HEADERS.contains(&format!("content-security-policy: {STRICT_CSP}\r\n")));
        assert!(RAW_HEADERS.contains("cache-control: no-store\r\n"));
    }
}
