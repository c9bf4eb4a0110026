//! OpenTelemetry traces (cargo feature `otel`): the `kiket.delivery` span and a `kiket.api`
//! span per extension-API call, exported over OTLP/HTTP by `tracing-opentelemetry`.
//!
//! A delivery that carries a W3C `traceparent` header becomes part of that trace (its span is
//! a child of the platform's), and every API call a handler makes sends `traceparent` with
//! the call's span, so the platform's call, the delivery and the outbound calls form one
//! trace. The standard variables are honoured: `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; default `http://localhost:4318`), `OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_HEADERS`.

use axum::http::HeaderMap;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tracing::Subscriber;
use tracing_opentelemetry::{OpenTelemetryLayer, OpenTelemetrySpanExt};
use tracing_subscriber::registry::LookupSpan;

/// Why traces cannot be exported.
#[derive(Debug, thiserror::Error)]
#[error("cannot export OpenTelemetry traces: {0}")]
pub struct OtelError(String);

/// An OTLP trace pipeline: add [`Self::layer`] to your `tracing` subscriber. Spans are
/// exported in batches from a thread of their own; dropping this value (or
/// [`Self::shutdown`]) exports what is left.
///
/// ```no_run
/// use tracing_subscriber::prelude::*;
///
/// let traces = kiket_sdk::telemetry::otel::OtelTracing::from_env().expect("OTLP exporter");
/// tracing_subscriber::registry().with(traces.layer()).init();
/// // … kiket::run(router).await; `traces` flushes when dropped at the end of main.
/// ```
pub struct OtelTracing {
    provider: SdkTracerProvider,
}

impl std::fmt::Debug for OtelTracing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtelTracing").finish_non_exhaustive()
    }
}

impl OtelTracing {
    /// Exports to the endpoint the `OTEL_EXPORTER_OTLP_*` variables name (default
    /// `http://localhost:4318/v1/traces`), as the service `OTEL_SERVICE_NAME`; sets W3C trace
    /// context as the process's propagator.
    pub fn from_env() -> Result<Self, OtelError> {
        Self::build(None)
    }

    /// Exports to `traces_url` (the full URL, e.g. `http://collector:4318/v1/traces`), the
    /// rest as [`Self::from_env`].
    pub fn with_endpoint(traces_url: &str) -> Result<Self, OtelError> {
        Self::build(Some(traces_url))
    }

    fn build(endpoint: Option<&str>) -> Result<Self, OtelError> {
        let mut exporter = SpanExporter::builder().with_http();
        if let Some(endpoint) = endpoint {
            exporter = exporter.with_endpoint(endpoint);
        }
        let exporter = exporter.build().map_err(|e| OtelError(e.to_string()))?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(Resource::builder().build())
            .build();
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        Ok(Self { provider })
    }

    /// The `tracing` layer that turns spans into OpenTelemetry spans of this pipeline.
    pub fn layer<S>(&self) -> OpenTelemetryLayer<S, SdkTracer>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
    {
        tracing_opentelemetry::layer().with_tracer(self.provider.tracer("kiket"))
    }

    /// Exports every finished span now (blocks until the exporter answers).
    pub fn flush(&self) -> Result<(), OtelError> {
        self.provider.force_flush().map_err(|e| OtelError(e.to_string()))
    }

    /// Exports what is left and stops the exporter.
    pub fn shutdown(self) -> Result<(), OtelError> {
        self.provider.shutdown().map_err(|e| OtelError(e.to_string()))
    }
}

impl Drop for OtelTracing {
    fn drop(&mut self) {
        // Already shut down by `shutdown`, or nothing to do: the error is not news.
        let _ = self.provider.shutdown();
    }
}

/// Makes `span` a child of the W3C trace context in `headers` (`traceparent`), if any.
pub(crate) fn adopt_remote_parent(span: &tracing::Span, headers: &HeaderMap) {
    if !headers.contains_key("traceparent") {
        return;
    }
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&opentelemetry_http::HeaderExtractor(headers))
    });
    // No OpenTelemetry layer installed: nothing to join.
    let _ = span.set_parent(parent);
}
