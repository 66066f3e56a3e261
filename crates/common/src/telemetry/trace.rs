//! Traces: OpenTelemetry spans, exported over OTLP/HTTP (JSON) when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and the W3C trace context that ties
//! one purchase together across services.
//!
//! The context travels as a `traceparent` string (W3C Trace Context): in the
//! HTTP request headers, in the outbox row written with an event (so a relay
//! that publishes later, or after a restart, still continues the trace), in
//! the NATS message headers, and in the expiration job's data. Spans are
//! ordinary `tracing` spans; the OpenTelemetry layer turns them into OTLP
//! spans. Without the endpoint there is no such layer: every helper here then
//! finds no context and does nothing.

use std::collections::HashMap;

use opentelemetry::{
    propagation::TextMapPropagator as _,
    trace::{TraceContextExt as _, TracerProvider as _},
};
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::{
    Resource,
    propagation::TraceContextPropagator,
    trace::{SdkTracer, SdkTracerProvider},
};
use tracing::{Span, Subscriber};
use tracing_opentelemetry::{OpenTelemetryLayer, OpenTelemetrySpanExt as _};
use tracing_subscriber::registry::LookupSpan;

/// The W3C header (and NATS header, and field) carrying the trace context.
pub const TRACEPARENT: &str = "traceparent";

/// Flushes and stops the exporter when dropped (a no-op when traces are off).
#[must_use = "dropping the guard stops the trace exporter"]
pub struct Guard(pub(super) Option<SdkTracerProvider>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(provider) = self.0.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("flushing the last spans failed: {error}");
        }
    }
}

/// A tracer provider batching spans to `<endpoint>/v1/traces`, as OTLP/JSON.
pub fn provider(service: &'static str, endpoint: &str) -> anyhow::Result<SdkTracerProvider> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpJson)
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .build()?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(service).build())
        .build())
}

/// The `tracing` layer that turns spans into OpenTelemetry spans.
pub fn layer<S>(provider: &SdkTracerProvider) -> OpenTelemetryLayer<S, SdkTracer>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer("ticketing"))
}

/// The `traceparent` of `span`, when it is traced.
pub fn traceparent_of(span: &Span) -> Option<String> {
    let context = span.context();
    let otel = context.span();
    let ids = otel.span_context();
    ids.is_valid().then(|| format!("00-{}-{}-{:02x}", ids.trace_id(), ids.span_id(), ids.trace_flags().to_u8()))
}

/// The `traceparent` of the current span, to write with an event.
pub fn current_traceparent() -> Option<String> {
    traceparent_of(&Span::current())
}

/// Makes `span` a child of `traceparent` (when there is a valid one and
/// traces are on), then records its `trace_id` field for the log lines.
/// Call it before the span is first entered: a started span keeps its parent.
pub fn continue_trace(span: &Span, traceparent: Option<&str>) {
    if let Some(traceparent) = traceparent {
        let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
        let parent = TraceContextPropagator::new().extract(&carrier);
        if parent.span().span_context().is_valid() {
            // Fails only when traces are off or the span is filtered out:
            // then there is nothing to link.
            span.set_parent(parent).ok();
        }
    }
    record_trace_id(span);
}

/// Records the span's trace id in its `trace_id` field (declared `Empty`),
/// so every log line inside it carries the id.
pub fn record_trace_id(span: &Span) {
    if let Some(traceparent) = traceparent_of(span)
        && let Some(trace_id) = traceparent.split('-').nth(1)
    {
        span.record("trace_id", trace_id);
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;

    #[test]
    fn without_the_exporter_nothing_is_traced_and_nothing_fails() {
        let span = tracing::info_span!("request", trace_id = tracing::field::Empty);
        continue_trace(&span, Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        assert_eq!(traceparent_of(&span), None);
    }

    #[test]
    fn a_span_continues_the_trace_it_is_given_and_hands_on_its_own_id() {
        let provider = SdkTracerProvider::builder().build();
        let subscriber = tracing_subscriber::registry().with(layer(&provider));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("listener", trace_id = tracing::field::Empty);
            continue_trace(&span, Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
            let own = traceparent_of(&span).expect("traced");
            let parts: Vec<&str> = own.split('-').collect();
            assert_eq!(parts[1], "4bf92f3577b34da6a3ce929d0e0e4736", "same trace");
            assert_ne!(parts[2], "00f067aa0ba902b7", "its own span id");
            let child = tracing::info_span!(parent: &span, "store write");
            assert_eq!(traceparent_of(&child).unwrap().split('-').nth(1), Some(parts[1]));
            // A malformed context starts a new trace instead of failing.
            let fresh = tracing::info_span!("request", trace_id = tracing::field::Empty);
            continue_trace(&fresh, Some("00-not-a-trace-01"));
            assert_ne!(traceparent_of(&fresh).unwrap().split('-').nth(1), Some(parts[1]));
        });
    }
}
