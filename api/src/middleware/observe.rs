//! Per request: a span that continues the caller's W3C `traceparent` (exported when OTLP is on),
//! the request metrics, and one access-log line at info when the response body has been sent.
//!
//! The outermost middleware, so it sees every request as the client sent it (a HEAD as a HEAD) and
//! times everything else. The line is written when the body is dropped, after its last byte: the
//! duration and byte count are those of the whole response. The path is logged, never the query
//! string (it may carry anything a client typed), nor any header.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use opentelemetry::KeyValue;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TraceId};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Instrument;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::request_id::REQUEST_ID;
use crate::auth::Caller;
use crate::metrics::Metrics;

/// The route label of a request no route matched: one value, whatever the path (a label per
/// unknown path would let any client grow the metrics without bound).
const UNMATCHED: &str = "unmatched";

/// Reads `traceparent`/`tracestate` from actix's header map.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}

pub async fn observe(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<Observed>, actix_web::Error> {
    let started = Instant::now();
    let metrics = request.app_data::<Data<Metrics>>().cloned();
    let method = request.method().to_string();
    let path = request.path().to_owned();
    // The route template from the path, before routing: the span's name is fixed once it starts
    // (when its trace id is read below). A path no route matches is named by its method alone.
    let route = request.match_pattern();
    let name = match &route {
        Some(route) => format!("{method} {route}"),
        None => method.clone(),
    };
    let span = tracing::info_span!(
        "request",
        otel.name = %name,
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = %method,
        http.route = Empty,
        http.response.status_code = Empty,
        url.path = %path,
        request_id = Empty,
    );
    // A malformed or absent `traceparent` gives an empty context: the span starts a new trace.
    let parent = TraceContextPropagator::new().extract(&Headers(request.headers()));
    let incoming = parent.span().span_context().trace_id();
    let _ = span.set_parent(parent);
    let trace_id = Some(span.context().span().span_context().trace_id())
        .filter(|id| *id != TraceId::INVALID)
        // Not exporting: the caller's trace id still ties this line to its trace.
        .or_else(|| (incoming != TraceId::INVALID).then_some(incoming));
    if let Some(metrics) = &metrics {
        metrics.in_flight.add(1, &[]);
    }
    let mut done = Done {
        started,
        span: span.clone(),
        metrics,
        method,
        path,
        route,
        status: 0,
        request_id: None,
        client: None,
        trace_id,
        bytes: 0,
    };
    let result = next.call(request).instrument(span).await;
    let response = match result {
        Ok(response) => response,
        Err(error) => {
            // Answered further out (by actix from the error): logged with the error's status.
            done.status = error.as_response_error().status_code().as_u16();
            return Err(error);
        }
    };
    let request = response.request();
    // After routing (and path normalisation) the template is the one that served the request.
    done.route = request.match_pattern().or(done.route.take());
    done.status = response.status().as_u16();
    done.client = request
        .extensions()
        .get::<Caller>()
        .map(|caller| match caller {
            Caller::ApiKey(name) => format!("key:{name}"),
            Caller::Subject(subject) => format!("sub:{subject}"),
        });
    done.request_id = response
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .map(Arc::from);
    Ok(response.map_body(move |_, body| Observed {
        body: body.boxed(),
        done,
    }))
}

/// The response body, counted as it is sent; dropping it finishes the request's record.
pub struct Observed {
    body: BoxBody,
    done: Done,
}

impl MessageBody for Observed {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_next(context);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            self.done.bytes += chunk.len() as u64;
        }
        polled
    }
}

/// What is known of a request when its response is done.
struct Done {
    started: Instant,
    span: tracing::Span,
    metrics: Option<Data<Metrics>>,
    method: String,
    path: String,
    route: Option<String>,
    status: u16,
    request_id: Option<Arc<str>>,
    client: Option<String>,
    trace_id: Option<TraceId>,
    bytes: u64,
}

impl Drop for Done {
    fn drop(&mut self) {
        let elapsed = self.started.elapsed();
        let route = self.route.as_deref().unwrap_or(UNMATCHED);
        let span = &self.span;
        span.record("http.route", route);
        span.record("http.response.status_code", self.status);
        if let Some(id) = &self.request_id {
            span.record("request_id", id.as_ref());
        }
        if self.status >= 500 {
            span.record("otel.status_code", "ERROR");
        }
        if let Some(metrics) = &self.metrics {
            metrics.in_flight.add(-1, &[]);
            metrics.requests.record(
                elapsed.as_secs_f64(),
                &[
                    KeyValue::new("http.request.method", self.method.clone()),
                    KeyValue::new("http.route", route.to_owned()),
                    KeyValue::new("http.response.status_code", i64::from(self.status)),
                ],
            );
        }
        let trace_id = self.trace_id.map(|id| id.to_string());
        tracing::info!(
            target: "priceline::access",
            method = %self.method,
            route,
            path = %self.path,
            status = self.status,
            duration_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3,
            bytes = self.bytes,
            client = self.client.as_deref(),
            request_id = self.request_id.as_deref(),
            trace_id = trace_id.as_deref(),
            "{} {} {}",
            self.method,
            self.path,
            self.status,
        );
    }
}
