//! The server's metrics: OpenTelemetry instruments read by a Prometheus reader (served at
//! `GET /metrics`) and, when an OTLP endpoint is configured, by a periodic OTLP exporter too. One set
//! of instruments feeds both.
//!
//! Each [`Application`](crate::startup::Application) has its own meter provider (tests run several
//! servers in one process); `serve` also makes it the global one, so what other crates record
//! through the global meter (the import pipeline's rows and seconds) is served here as well.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, MeterProvider as _, UpDownCounter};
use opentelemetry_sdk::metrics::SdkMeterProvider;
use priceline_store::Pool;
use prometheus::{Encoder, TextEncoder};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::problem::ApiError;

/// `PRICELINE_METRICS` and `PRICELINE_METRICS_TOKEN`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct MetricsSettings {
    /// Whether `GET /metrics` is served.
    pub enabled: bool,
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    pub token: Option<String>,
}

// The token is a credential: never in Debug output (settings are logged in tests).
impl std::fmt::Debug for MetricsSettings {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("MetricsSettings")
            .field("enabled", &self.enabled)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Request latency buckets in seconds: the API answers most requests in a few milliseconds, a slow
/// query in seconds (the statement timeout defaults to 10 s).
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The instruments the middleware records into, and the registry `/metrics` encodes.
pub struct Metrics {
    provider: SdkMeterProvider,
    registry: prometheus::Registry,
    pub requests: Histogram<f64>,
    pub in_flight: UpDownCounter<i64>,
    pub cache_lookups: Counter<u64>,
    pub rate_limited: Counter<u64>,
    pub auth_failures: Counter<u64>,
    pub audit_dropped: Counter<u64>,
}

impl Metrics {
    /// Instruments over a new provider: a Prometheus reader always, an OTLP exporter when `otlp`.
    /// `pool`'s size, use and waits are observed at each collection.
    pub fn new(pool: &Pool, otlp: bool) -> anyhow::Result<Self> {
        let registry = prometheus::Registry::new();
        let reader = opentelemetry_prometheus::exporter()
            .with_registry(registry.clone())
            .build()?;
        let mut builder = SdkMeterProvider::builder()
            .with_reader(reader)
            .with_resource(crate::telemetry::resource());
        if otlp {
            builder = builder.with_periodic_exporter(otlp_exporter()?);
        }
        let provider = builder.build();
        let meter = provider.meter("priceline");
        let requests = meter
            .f64_histogram("http.server.request.duration")
            .with_unit("s")
            .with_description(
                "HTTP requests by route template, method and status, with their latency",
            )
            .with_boundaries(LATENCY_BUCKETS.to_vec())
            .build();
        let in_flight = meter
            .i64_up_down_counter("http.server.active_requests")
            .with_description("HTTP requests being served now")
            .build();
        let cache_lookups = meter
            .u64_counter("priceline.response_cache.lookups")
            .with_description("Response cache lookups of /v1 GETs by result (hit or miss)")
            .build();
        let rate_limited = meter
            .u64_counter("priceline.rate_limit.refusals")
            .with_description("Requests refused with 429 by the per-client rate limit")
            .build();
        let auth_failures = meter
            .u64_counter("priceline.auth.failures")
            .with_description("/v1 requests refused for a missing or invalid credential, by status")
            .build();
        let audit_dropped = meter
            .u64_counter("priceline.audit.dropped")
            .with_description(
                "Audit events dropped because the audit queue was full (the database did not keep up)",
            )
            .build();
        observe_pool(&provider, pool);
        Ok(Self {
            provider,
            registry,
            requests,
            in_flight,
            cache_lookups,
            rate_limited,
            auth_failures,
            audit_dropped,
        })
    }

    /// The provider, for `serve` to make it the global one.
    pub fn provider(&self) -> &SdkMeterProvider {
        &self.provider
    }

    /// Everything recorded so far, in the Prometheus text exposition format.
    pub fn render(&self) -> anyhow::Result<String> {
        let mut text = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut text)?;
        Ok(String::from_utf8(text)?)
    }

    pub fn cache_lookup(&self, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.cache_lookups
            .add(1, &[KeyValue::new("result", result)]);
    }
}

/// The global meter provider of a command without a server (`priceline import`): OTLP only, when
/// configured; what the import pipeline records through the global meter is exported. Dropping it
/// exports what is left.
pub struct GlobalMeter(Option<SdkMeterProvider>);

impl GlobalMeter {
    pub fn install(otlp: bool) -> anyhow::Result<Self> {
        if !otlp {
            return Ok(Self(None));
        }
        let provider = SdkMeterProvider::builder()
            .with_periodic_exporter(otlp_exporter()?)
            .with_resource(crate::telemetry::resource())
            .build();
        opentelemetry::global::set_meter_provider(provider.clone());
        Ok(Self(Some(provider)))
    }
}

impl Drop for GlobalMeter {
    fn drop(&mut self) {
        if let Some(provider) = self.0.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("warning: the last metrics could not be exported: {error}");
        }
    }
}

/// The OTLP metric exporter (HTTP), configured by the standard `OTEL_EXPORTER_OTLP_*` variables.
pub fn otlp_exporter() -> anyhow::Result<opentelemetry_otlp::MetricExporter> {
    use opentelemetry_otlp::WithExportConfig as _;
    Ok(opentelemetry_otlp::MetricExporter::builder()
        .with_http()
        .with_protocol(crate::telemetry::protocol(
            crate::telemetry::OTLP_PROTOCOLS[2],
        ))
        .build()?)
}

/// Pool gauges and wait counters, read from the pool at each collection.
fn observe_pool(provider: &SdkMeterProvider, pool: &Pool) {
    let meter = provider.meter("priceline");
    let stats = |pool: &Pool| {
        let pool = pool.clone();
        move || pool.stats()
    };
    let read = stats(pool);
    meter
        .u64_observable_gauge("priceline.db.pool.size")
        .with_description("Database connections the pool may open")
        .with_callback(move |observer| observer.observe(u64::from(read().max_size), &[]))
        .build();
    let read = stats(pool);
    meter
        .u64_observable_gauge("priceline.db.pool.connections")
        .with_description("Database connections open now, by state (idle or used)")
        .with_callback(move |observer| {
            let stats = read();
            observer.observe(u64::from(stats.in_use), &[KeyValue::new("state", "used")]);
            observer.observe(
                u64::from(stats.open - stats.in_use),
                &[KeyValue::new("state", "idle")],
            );
        })
        .build();
    let read = stats(pool);
    meter
        .u64_observable_counter("priceline.db.pool.waits")
        .with_description(
            "Connection acquisitions that found no idle connection and waited, by outcome (acquired or timed_out)",
        )
        .with_callback(move |observer| {
            let stats = read();
            observer.observe(
                stats.waits - stats.timeouts,
                &[KeyValue::new("outcome", "acquired")],
            );
            observer.observe(stats.timeouts, &[KeyValue::new("outcome", "timed_out")]);
        })
        .build();
}

/// `GET /metrics`: the Prometheus text format. Outside /v1: no API key and no rate limit; with
/// `PRICELINE_METRICS_TOKEN` set, the bearer token is required instead.
pub async fn serve_metrics(
    request: HttpRequest,
    metrics: web::Data<Metrics>,
    settings: web::Data<MetricsSettings>,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = &settings.token {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        // Digests are compared, in constant time: neither the token's bytes nor its length leak
        // through the time a refusal takes.
        let accepted = presented.is_some_and(|presented| {
            bool::from(Sha256::digest(presented).ct_eq(&Sha256::digest(token)))
        });
        if !accepted {
            metrics
                .auth_failures
                .add(1, &[KeyValue::new("status", 401_i64)]);
            return Err(ApiError::Unauthorized {
                header: Some("Authorization"),
                detail: "/metrics requires the token in PRICELINE_METRICS_TOKEN as `Authorization: Bearer <token>`"
                    .to_owned(),
            });
        }
    }
    let text = metrics.render().map_err(|error| {
        tracing::error!(%error, "cannot encode the metrics");
        ApiError::Internal
    })?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}
