//! CORS for browser clients of allowed origins. The API sends no cookies, so a simple allow-list
//! (or `*`) is enough; preflights are answered here. Only `/v1/imports` takes a POST.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

/// Origins allowed to read the API from a browser: none by default, `*` for any.
#[derive(Debug, Clone, Default)]
pub struct CorsOrigins(Vec<String>);

impl CorsOrigins {
    /// Origins as validated by the configuration (`PRICELINE_CORS_ORIGINS`).
    pub fn new(origins: Vec<String>) -> Self {
        Self(origins)
    }

    fn allows(&self, origin: &str) -> bool {
        self.0
            .iter()
            .any(|allowed| allowed == "*" || allowed == origin)
    }
}

const EXPOSED: &str = "ETag, X-Request-Id, Retry-After, WWW-Authenticate, X-RateLimit-Limit, \
                       X-RateLimit-Remaining, X-RateLimit-After, Ignored-Query-Parameters, \
                       Preference-Applied, Location";

pub async fn cors(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let origins = request
        .app_data::<web::Data<CorsOrigins>>()
        .map(|data| data.get_ref().clone())
        .unwrap_or_default();
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .filter(|origin| origins.allows(origin))
        .map(str::to_owned);
    let Some(origin) = origin else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        // Import jobs are the one collection that takes a POST (an upload, or a URL).
        let methods = if crate::auth::scope::is_imports(request.path()) {
            "GET, HEAD, POST, OPTIONS"
        } else {
            "GET, HEAD, OPTIONS"
        };
        let answer = HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, methods))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "Accept, If-None-Match, X-Request-Id, Content-Type, Content-Disposition, \
                 Authorization, X-API-Key, Prefer",
            ))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
            .finish();
        request.into_response(answer)
    } else {
        next.call(request).await?.map_into_boxed_body()
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED),
    );
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    Ok(response)
}
