//! Building and running the HTTP server. Tests build the same `Application` on port 0.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use priceline_store::Pool;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth;
use crate::cache::ResponseCache;
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::middleware::cors::CorsOrigins;
use crate::middleware::rate_limit::RateLimit;
use crate::middleware::{
    accept, cors, etag, head, observe, problem_bodies, request_body, request_id, response_cache,
};
use crate::problem::ApiError;
use crate::routes;
use crate::state::AppState;

/// A path parameter that does not parse (`/v1/facilities/abc`) is a 400 naming it.
/// Only `{id}` segments are typed (the code segments are text), so a failed one is `id`.
fn path_error(_: actix_web::error::PathError, request: &HttpRequest) -> actix_web::Error {
    let parameter = match request.match_pattern() {
        Some(pattern) if pattern.contains("{id}") => "id",
        _ => "path",
    };
    ApiError::invalid(parameter, "expected a positive whole number").into()
}

/// Route guards on method make actix fall through to here for a known path with another method:
/// that is a 405 (every route is a GET), anything else a 404.
async fn no_route(request: HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    use actix_web::http::Method;
    let known_path = request.resource_map().has_resource(request.path());
    let error = if known_path && !matches!(*request.method(), Method::GET | Method::HEAD) {
        ApiError::method_not_allowed(request.method(), request.path())
    } else {
        ApiError::no_route(request.path())
    };
    error.error_response()
}

pub struct Application {
    port: u16,
    server: Server,
    metrics: web::Data<Metrics>,
}

impl Application {
    /// Binds the listener (port 0 picks a free port) and prepares the server without running it.
    /// `pool` is the database `settings.database_url` names, opened by the caller
    /// ([`crate::database::open_database`]), which decides whether migrations may be applied.
    pub fn build(settings: &Settings, pool: Pool) -> std::io::Result<Self> {
        let listener = TcpListener::bind(settings.listen)?;
        let port = listener.local_addr()?.port();
        let metrics = web::Data::new(
            Metrics::new(&pool, settings.otel.metrics).map_err(std::io::Error::other)?,
        );
        let metrics_settings = web::Data::new(settings.metrics.clone());
        let state = web::Data::new(AppState {
            pool,
            cache: ResponseCache::new(settings.cache_bytes),
            database_deadline: settings
                .db_statement_timeout
                .map(|statement| settings.db_acquire_timeout + statement),
        });
        let origins = web::Data::new(CorsOrigins::new(settings.cors_origins.clone()));
        let credentials = web::Data::new(settings.security.auth.clone());
        // Once, outside the worker closure: every worker shares the same buckets.
        let rate_limit = RateLimit::new(settings.security.rate_limit, metrics.rate_limited.clone());
        // The spec is assembled once; each worker mounts the same routes and serves a copy.
        let spec = crate::openapi::spec();
        let app_metrics = metrics.clone();
        let serve_metrics = settings.metrics.enabled;
        let mut server = HttpServer::new(move || {
            // Outermost last: request ids see everything; ETags are computed before compression.
            App::new()
                .configure(|config| routes::configure(&mut ServiceConfig::new(config)))
                // Outside /v1 and outside the spec: an operator's endpoint, not part of the API.
                .configure(|config| {
                    if serve_metrics {
                        config.route("/metrics", web::get().to(crate::metrics::serve_metrics));
                    }
                })
                .app_data(app_metrics.clone())
                .app_data(metrics_settings.clone())
                .app_data(state.clone())
                .app_data(origins.clone())
                .app_data(credentials.clone())
                .app_data(web::PathConfig::default().error_handler(path_error))
                .service(web::redirect("/docs", "/docs/"))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", spec.clone()))
                .default_service(web::to(no_route))
                .wrap(from_fn(response_cache::response_cache))
                .wrap(from_fn(etag::etag))
                .wrap(from_fn(problem_bodies::problem_bodies))
                .wrap(Compress::default())
                .wrap(from_fn(request_body::refuse_bodies))
                .wrap(from_fn(accept::require_json))
                // Credentials and rate limit: outside every handler (and any response cache), inside
                // CORS so preflights pass and refusals carry CORS headers.
                .wrap(from_fn(auth::enforce))
                .wrap(rate_limit.middleware())
                .wrap(from_fn(auth::authenticate))
                .wrap(from_fn(cors::cors))
                .wrap(from_fn(request_id::request_id))
                .wrap(NormalizePath::new(TrailingSlash::MergeOnly))
                .wrap(from_fn(head::head_as_get))
                // Outermost: the span, metrics and access log cover everything above.
                .wrap(from_fn(observe::observe))
        })
        // A compressed response is streamed (chunked) in several writes; with Nagle's algorithm on,
        // a later small write waits for the client's delayed ACK of the first (about 40 ms per
        // response over keep-alive). The API answers whole responses, so send each write at once.
        .tcp_nodelay(true)
        .listen(listener)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            server: server.run(),
            metrics,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's metrics (`serve` makes their provider the global one).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
