//! Building and running the HTTP server. Tests build the same `Application` on port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, web};
use priceline_store::Pool;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::{self, AuditLog, AuditMode, AuditWriter};
use crate::auth;
use crate::cache::ResponseCache;
use crate::config::{Lifecycle, Settings};
use crate::db_threads::DbThreads;
use crate::docs;
use crate::forwarded::Forwarding;
use crate::jobs::{Jobs, RunnerGuard};
use crate::lifecycle::Stopping;
use crate::metrics::Metrics;
use crate::middleware::auth_failures::AuthFailures;
use crate::middleware::cors::CorsOrigins;
use crate::middleware::rate_limit::{self, RateLimit};
use crate::middleware::security_headers::{self, SecurityHeaders};
use crate::middleware::unknown_parameters::KnownParameters;
use crate::middleware::{
    accept, auth_failures, cors, data_version, etag, head, observe, problem_bodies, request_body,
    request_id, response_cache, unknown_parameters,
};
use crate::problem::ApiError;
use crate::replicas::Replicas;
use crate::routes;
use crate::server::tls::Certificates;
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
/// that is a 405 (naming the methods the path answers), anything else a 404.
async fn no_route(request: HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    use actix_web::http::Method;
    let known_path = request.resource_map().has_resource(request.path());
    let allow = routes::allowed_methods(request.path());
    let answered = match *request.method() {
        Method::GET | Method::HEAD => allow.contains("GET"),
        ref method => allow.split(", ").any(|allowed| allowed == method.as_str()),
    };
    let error = if known_path && !answered {
        ApiError::method_not_allowed(request.method(), request.path(), allow)
    } else {
        ApiError::no_route(request.path())
    };
    error.error_response()
}

pub struct Application {
    port: u16,
    server: Server,
    stopping: Stopping,
    lifecycle: Lifecycle,
    /// Stops the import-job runner when the server stops.
    runner: RunnerGuard,
    /// The primary, for the statistics read model's background refresh.
    pool: Pool,
    metrics: web::Data<Metrics>,
    /// The TLS certificate in use, when the server serves TLS.
    certificates: Option<Arc<Certificates>>,
    /// Writes the audit trail; stopped (its queue flushed) after the server stops.
    audit: Option<AuditWriter>,
}

impl Application {
    /// Binds the listener (port 0 picks a free port) and prepares the server without running it.
    /// `pool` is the database `settings.database_url` names, opened by the caller
    /// ([`crate::database::open_database`]), which decides whether migrations may be applied.
    pub fn build(settings: &Settings, pool: Pool) -> std::io::Result<Self> {
        // Before binding: a certificate that cannot be used is a configuration error.
        let certificates = settings
            .tls
            .as_ref()
            .map(|files| Certificates::load(files).map(Arc::new))
            .transpose()
            .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidInput, error))?;
        // HSTS where clients are on https: TLS served here, or a public URL behind a proxy that
        // terminates it (see middleware::security_headers).
        let security_headers = web::Data::new(SecurityHeaders {
            hsts: certificates.is_some()
                || settings
                    .public_url
                    .as_ref()
                    .is_some_and(|url| url.is_https()),
        });
        let listener = TcpListener::bind(settings.listen)?;
        let port = listener.local_addr()?.port();
        let stopping = Stopping::default();
        let metrics = web::Data::new(
            Metrics::new(&pool, settings.otel.metrics).map_err(std::io::Error::other)?,
        );
        let metrics_settings = web::Data::new(settings.metrics.clone());
        let state = web::Data::new(AppState {
            stopping: stopping.clone(),
            pool,
            replicas: Replicas::open(&settings.read_urls, settings.pool_options()),
            cache: ResponseCache::new(settings.cache_bytes),
            db_threads: DbThreads::new(
                settings.db_threads,
                settings
                    .db_statement_timeout
                    .map(|statement| settings.db_acquire_timeout + statement),
            )?,
        });
        let refresh_pool = state.pool.clone();
        // Managed keys are read per request from the same database (no cache: see auth::key_store).
        let key_store = web::Data::new(auth::key_store::KeyStore::new(
            state.pool.clone(),
            state.db_threads.clone(),
            settings.keys.clone(),
        ));
        let origins = web::Data::new(CorsOrigins::new(settings.cors_origins.clone()));
        let credentials = web::Data::new(settings.security.auth.clone());
        let forwarding = web::Data::new(Forwarding {
            trust: settings.security.rate_limit.trust_forwarded,
            public_url: settings.public_url.clone(),
        });
        // One job board and one runner per process, whatever the number of workers.
        let jobs = std::sync::Arc::new(Jobs::new(settings.imports.clone())?);
        let runner = jobs.start(
            state.pool.clone(),
            settings.database_url.clone(),
            stopping.clone(),
        )?;
        let jobs = web::Data::from(jobs);
        // One board of FHIR bulk exports per process (their files are on this server's disk).
        let exports = web::Data::new(crate::fhir::export::board::ExportBoard::new(
            settings.exports.clone(),
        ));
        // Once, outside the worker closure: every worker shares the same budgets and failure counts.
        let rate_limit = web::Data::new(RateLimit::new(
            &settings.security.rate_limit,
            settings.security.auth.is_open(),
            metrics.rate_limited.clone(),
        ));
        let failures = web::Data::new(AuthFailures::new(settings.security.auth_failures));
        // One audit queue and writer per process, shared by every worker.
        let (audit_log, audit) = if settings.audit.records(settings.security.auth.is_open()) {
            let (log, receiver) = AuditLog::new(
                audit::QUEUE,
                settings.audit.mode == AuditMode::All,
                metrics.audit_dropped.clone(),
            );
            let writer = AuditWriter::start(state.pool.clone(), receiver, settings.audit)?;
            (Some(web::Data::new(log)), Some(writer))
        } else {
            (None, None)
        };
        // The spec is assembled once; each worker mounts the same routes and serves a copy. The
        // query parameters it documents are the ones the operations take.
        let spec = crate::openapi::spec();
        let docs = docs::Docs::new(&spec);
        let known_parameters = web::Data::new(KnownParameters::from_spec(&spec));
        let app_metrics = metrics.clone();
        let serve_metrics = settings.metrics.enabled;
        let server = crate::server::build(listener, settings, certificates.clone(), move || {
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
                .app_data(key_store.clone())
                .app_data(forwarding.clone())
                .app_data(known_parameters.clone())
                .app_data(jobs.clone())
                .app_data(rate_limit.clone())
                .app_data(failures.clone())
                .app_data(security_headers.clone())
                .configure(|config| {
                    if let Some(log) = &audit_log {
                        config.app_data(log.clone());
                    }
                })
                .app_data(web::PathConfig::default().error_handler(path_error))
                .configure(|config| docs.configure(config))
                // FHIR R4 under /fhir: described by its CapabilityStatement, not by the OpenAPI spec.
                // Bulk export first: `/fhir/{type}/$export` is not the read of a resource `$export`.
                .configure(crate::fhir::export::configure)
                .app_data(exports.clone())
                .configure(crate::fhir::configure)
                .default_service(web::to(no_route))
                // Inside the cache, which keeps the version with a response and gives it with a hit.
                .wrap(from_fn(data_version::data_version))
                .wrap(from_fn(response_cache::response_cache))
                // Outside the cache: a cached answer gets the headers of the request it answers.
                .wrap(from_fn(unknown_parameters::unknown_parameters))
                .wrap(from_fn(etag::etag))
                .wrap(from_fn(problem_bodies::problem_bodies))
                // Routing's 404 and 405 on /fhir as OperationOutcome, before compression.
                .wrap(from_fn(crate::fhir::outcome::outcome_bodies))
                .wrap(Compress::default())
                .wrap(from_fn(request_body::refuse_bodies))
                .wrap(from_fn(accept::require_json))
                // Credentials and rate limit: outside every handler (and any response cache), inside
                // CORS so preflights pass and refusals carry CORS headers. The failed-credential
                // throttle sees a refusal before `enforce` answers it, inside the rate limit so its
                // 429s state the client's budget like any other response.
                .wrap(from_fn(auth::enforce))
                .wrap(from_fn(auth_failures::throttle))
                .wrap(from_fn(rate_limit::limit))
                .wrap(from_fn(auth::authenticate))
                // Every refusal above, on /fhir, as an OperationOutcome rather than problem+json.
                .wrap(from_fn(crate::fhir::outcome::outcome_bodies))
                .wrap(from_fn(cors::cors))
                .wrap(from_fn(request_id::request_id))
                // Outside the credential check, the limiter and the handlers (it records their
                // refusals and results) and the request id (it records the id given).
                .wrap(from_fn(audit::record))
                .wrap(NormalizePath::new(TrailingSlash::MergeOnly))
                .wrap(from_fn(head::head_as_get))
                // Every response, whatever answered it (a handler, a refusal above, a 404).
                .wrap(from_fn(security_headers::security_headers))
                // Outermost: the span, metrics and access log cover everything above.
                .wrap(from_fn(observe::observe))
        })?;
        Ok(Self {
            port,
            server,
            stopping,
            lifecycle: settings.lifecycle,
            runner,
            pool: refresh_pool,
            metrics,
            certificates,
            audit,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `https` when the server serves TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.certificates.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The server's metrics (`serve` makes their provider the global one).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Serves until the server is stopped through a handle (tests drop it with their runtime).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _runner = self.runner;
        let _refresher = crate::read_model::spawn(self.pool)?;
        let _audit = self.audit;
        self.server.await
    }

    /// Serves until SIGTERM or SIGINT, then stops as [`crate::lifecycle`] describes; with TLS,
    /// SIGHUP reloads the certificate.
    pub async fn run_until_signalled(self) -> std::io::Result<()> {
        let _runner = self.runner;
        let _refresher = crate::read_model::spawn(self.pool)?;
        if let Some(certificates) = self.certificates {
            actix_web::rt::spawn(crate::lifecycle::reload_on_hangup(certificates));
        }
        // Dropped when the server has stopped (requests in flight done): the last events written.
        let _audit = self.audit;
        actix_web::rt::spawn(crate::lifecycle::stop_on_signal(
            self.server.handle(),
            self.stopping,
            self.lifecycle,
        ));
        self.server.await
    }
}
