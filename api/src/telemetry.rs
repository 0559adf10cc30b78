//! Logs, and traces over OTLP: one `tracing` subscriber with a log layer (text or JSON, filtered by
//! `PRICELINE_LOG`) and, only when an OTLP endpoint is configured, an OpenTelemetry layer that
//! exports spans. Metrics live in [`crate::metrics`].
//!
//! The exporters read the standard `OTEL_*` variables themselves (endpoint, headers, timeout,
//! protocol, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER[_ARG]`,
//! `OTEL_BSP_*`); [`OtelSettings`] only decides whether to install them at all.

use std::io::IsTerminal;

use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// How log lines are written to stderr (`PRICELINE_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Readable lines for a person at a terminal.
    Text,
    /// One JSON object per line, for a log collector.
    Json,
    /// JSON unless stderr is a terminal: a container's log is collected, a developer's is read.
    Auto,
}

impl LogFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "text" => Some(Self::Text),
            "json" => Some(Self::Json),
            "auto" => Some(Self::Auto),
            _ => None,
        }
    }

    fn json(self) -> bool {
        match self {
            Self::Text => false,
            Self::Json => true,
            Self::Auto => !std::io::stderr().is_terminal(),
        }
    }
}

/// Which OTLP exporters to install, from the standard variables. Nothing is installed without an
/// endpoint: an exporter built without one would send to localhost:4318 and fail there forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OtelSettings {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set.
    pub traces: bool,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` is set.
    pub metrics: bool,
}

pub const OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
pub const OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
pub const OTLP_METRICS_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
pub const OTLP_PROTOCOLS: [&str; 3] = [
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
];
pub const SDK_DISABLED: &str = "OTEL_SDK_DISABLED";

impl OtelSettings {
    /// Reads the variables; a protocol this build cannot speak is an error naming the variable.
    pub fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self, (&'static str, String)> {
        let set = |name: &str| lookup(name).is_some_and(|value| !value.trim().is_empty());
        if lookup(SDK_DISABLED).is_some_and(|value| value.trim().eq_ignore_ascii_case("true")) {
            return Ok(Self::default());
        }
        for variable in OTLP_PROTOCOLS {
            if let Some(protocol) = lookup(variable).filter(|value| !value.trim().is_empty()) {
                let protocol = protocol.trim();
                if protocol != "http/protobuf" && protocol != "http/json" {
                    return Err((
                        variable,
                        format!(
                            "{protocol:?} is not supported: use http/protobuf (the default, port 4318) or http/json"
                        ),
                    ));
                }
            }
        }
        Ok(Self {
            traces: set(OTLP_ENDPOINT) || set(OTLP_TRACES_ENDPOINT),
            metrics: set(OTLP_ENDPOINT) || set(OTLP_METRICS_ENDPOINT),
        })
    }
}

/// The OTLP encoding for a signal: `http/json` when its variable (or the general one) says so,
/// else protobuf. Set explicitly because with both encodings built the exporter's own default is
/// JSON, while the OTLP specification's default is `http/protobuf`.
pub fn protocol(signal_variable: &str) -> opentelemetry_otlp::Protocol {
    let named = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
    };
    match named(signal_variable).or_else(|| named(OTLP_PROTOCOLS[0])) {
        Some(value) if value.trim() == "http/json" => opentelemetry_otlp::Protocol::HttpJson,
        _ => opentelemetry_otlp::Protocol::HttpBinary,
    }
}

/// The service's OpenTelemetry resource: `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` when set,
/// else `service.name=priceline`.
pub fn resource() -> Resource {
    let named = std::env::var("OTEL_SERVICE_NAME").is_ok_and(|name| !name.trim().is_empty())
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES")
            .is_ok_and(|text| text.contains("service.name"));
    let builder = Resource::builder()
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    if named {
        builder.build()
    } else {
        builder.with_service_name("priceline").build()
    }
}

/// Flushes and stops the trace exporter when dropped (end of `serve` or of an import), so the last
/// spans are sent before the process exits.
#[derive(Default)]
pub struct Telemetry {
    tracer_provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans are exported.
    pub fn exporting(&self) -> bool {
        self.tracer_provider.is_some()
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.tracer_provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("warning: the last traces could not be exported: {error}");
        }
    }
}

/// The crates whose spans are exported: ours only. The exporter's own HTTP client would otherwise
/// trace its exports (a span per export, exported in turn).
fn exported_targets() -> Targets {
    Targets::new()
        .with_target("priceline_api", LevelFilter::INFO)
        .with_target("priceline_import", LevelFilter::INFO)
        .with_target("priceline_store", LevelFilter::INFO)
        .with_target("priceline_ingest", LevelFilter::INFO)
}

/// Installs the global subscriber once (later calls, in tests, change nothing) and, when
/// `otel.traces`, the OTLP span exporter. The exporter is built here, outside any async runtime:
/// its blocking HTTP client must not be created inside one.
pub fn init(filter: &str, format: LogFormat, otel: OtelSettings) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let log = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let log: Box<dyn Layer<Registry> + Send + Sync> = if format.json() {
        log.json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_filter(filter)
            .boxed()
    } else {
        log.with_ansi(std::io::stderr().is_terminal())
            .with_filter(filter)
            .boxed()
    };
    let mut layers = vec![log];
    let mut telemetry = Telemetry::default();
    if otel.traces {
        use opentelemetry_otlp::WithExportConfig as _;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(protocol(OTLP_PROTOCOLS[1]))
            .build()?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource())
            .build();
        let tracer = provider.tracer("priceline");
        layers.push(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_location(false)
                .with_threads(false)
                .with_filter(exported_targets())
                .boxed(),
        );
        telemetry.tracer_provider = Some(provider);
    }
    if tracing_subscriber::registry()
        .with(layers)
        .try_init()
        .is_err()
    {
        // A subscriber is installed already (a second server in one test process): this one's
        // exporter would never receive a span.
        return Ok(Telemetry::default());
    }
    Ok(telemetry)
}
