//! Serves repeated GETs of /v1 resources from [`ResponseCache`](crate::cache::ResponseCache).
//!
//! It sits inside authentication, rate limiting, CORS, ETag and compression, so each of those still
//! applies to a cached response; only the database work and the JSON rendering are saved.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use priceline_store::queries::data_version;

use super::{data_version, etag};
use crate::cache::{CachedResponse, Lookup, ResponseCache};
use crate::pagination::ResultCount;
use crate::problem::ApiError;
use crate::state::AppState;

pub async fn response_cache(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Import jobs change while they run, and the audit trail with every request: always read
    // fresh.
    let cacheable = *request.method() == Method::GET
        && request.path().starts_with("/v1/")
        && !crate::auth::scope::is_imports(request.path())
        // Keys change by revocation, which no data version records.
        && !crate::auth::scope::is_admin(request.path());
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let Some(state) = state.filter(|_| cacheable) else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    // A page's `next` link holds the path prefix the client came by: one entry per prefix.
    let prefix = crate::forwarded::external_base(request.request()).prefix;
    let key = match prefix.as_str() {
        "" => request.uri().to_string(),
        prefix => format!("{prefix} {}", request.uri()),
    };
    let cache: &ResponseCache = &state.cache;
    let mut lookup = cache.lookup(&key);
    if let Lookup::Check = lookup {
        let pool = state.pool.clone();
        let read = web::block(move || {
            let mut connection = pool.get().ok()?;
            data_version(&mut connection).ok()
        })
        .await
        .ok()
        .flatten();
        cache.checked(read);
        lookup = cache.lookup_checked(&key);
    }
    while let Lookup::Wait(mut running) = lookup {
        // Closed (never sent on) when the computing request is done, whatever its outcome.
        let _ = running.changed().await;
        lookup = cache.lookup_checked(&key);
    }
    let metrics = request.app_data::<web::Data<crate::metrics::Metrics>>();
    if let (Some(metrics), Lookup::Hit(_) | Lookup::Miss(..)) = (metrics, &lookup) {
        metrics.cache_lookup(matches!(lookup, Lookup::Hit(_)));
    }
    let computing = match lookup {
        Lookup::Hit(hit) => {
            if let Some(count) = hit.result_count {
                request.extensions_mut().insert(ResultCount(count));
            }
            let mut response = HttpResponse::Ok();
            response
                .insert_header((header::CONTENT_TYPE, hit.content_type.clone()))
                .insert_header((header::ETAG, hit.etag.clone()));
            if let Some(version) = &hit.data_version {
                response.insert_header((data_version::HEADER, version.clone()));
            }
            let response = response.body(hit.body.clone());
            return Ok(request.into_response(response));
        }
        Lookup::Miss(version, computing) => Some((version, computing)),
        Lookup::Check | Lookup::Wait(_) | Lookup::Bypass => None,
    };
    // Dropping `computing` (on any return below, or if this request is cancelled) wakes the waiters.
    let response = next.call(request).await?;
    let Some((version, _computing)) = computing else {
        return Ok(response.map_into_boxed_body());
    };
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let (Some(content_type), StatusCode::OK) = (content_type, response.status()) else {
        return Ok(response.map_into_boxed_body());
    };
    let (request, response) = response.into_parts();
    let result_count = request
        .extensions()
        .get::<ResultCount>()
        .map(|count| count.0);
    let data_version = response.headers().get(data_version::HEADER).cloned();
    // A read replica behind the primary answers with an older version than the one this entry
    // is for: kept, it would outlive the replica's lag. Such an answer is served, not stored.
    if data_version
        .as_ref()
        .is_some_and(|served| *served != data_version::value(version))
    {
        return Ok(ServiceResponse::new(
            request,
            response.map_into_boxed_body(),
        ));
    }
    let (head, body) = response.into_parts();
    let Ok(body) = to_bytes(body).await else {
        return Ok(ServiceResponse::new(
            request,
            ApiError::Internal.error_response(),
        ));
    };
    let mut response = head.set_body(body.clone());
    if let Ok(etag) = header::HeaderValue::from_str(&etag::tag(&body)) {
        // Tagged here, so the ETag middleware outside does not hash the body a second time.
        response.headers_mut().insert(header::ETAG, etag.clone());
        cache.store(
            key,
            version,
            CachedResponse {
                content_type,
                etag,
                body,
                result_count,
                data_version,
            },
        );
    }
    Ok(ServiceResponse::new(
        request,
        response.map_into_boxed_body(),
    ))
}
