//! Logging: `tracing` to stdout, JSON lines by default, pretty for humans;
//! and, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, traces ([`trace`]).
//!
//! The JSON lines carry the contract's top-level fields: `timestamp`, `level`,
//! `target`, `message`, `service`, plus every field of the enclosing spans
//! (so `request_id` from the request span, or `subject` from an event span)
//! and the event's own fields. tracing-subscriber's own JSON formatter nests
//! span fields, hence this small layer.

use std::io::Write as _;

use serde_json::{Map, Value};
use tracing::{
    Event, Subscriber,
    field::{Field, Visit},
    span::{Attributes, Id, Record},
};
use tracing_subscriber::{
    EnvFilter, Layer,
    filter::LevelFilter,
    fmt::MakeWriter,
    layer::{Context, SubscriberExt as _},
    registry::LookupSpan,
    util::SubscriberInitExt as _,
};

use crate::{config::Env, timestamp::Timestamp};

pub mod trace;

/// Installs the global subscriber for a service binary, from `RUST_LOG`
/// (default `info`), `LOG_FORMAT` (`json`, or `pretty`) and
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (unset: no tracing layer at all, so spans
/// cost what they did before). Keep the returned guard until the process
/// ends: dropping it flushes the spans still buffered.
pub fn init(service: &'static str, env: &Env) -> trace::Guard {
    let filter = EnvFilter::try_new(env.string_or("RUST_LOG", "info")).unwrap_or_else(|_| EnvFilter::new("info"));
    let (otel, guard) = match env.get("OTEL_EXPORTER_OTLP_ENDPOINT") {
        Some(endpoint) => match trace::provider(service, endpoint) {
            Ok(provider) => (Some(trace::layer(&provider)), trace::Guard(Some(provider))),
            Err(error) => {
                eprintln!("traces off: cannot export to {endpoint}: {error:#}");
                (None, trace::Guard(None))
            }
        },
        None => (None, trace::Guard(None)),
    };
    // `RUST_LOG` filters the log lines only: the spans are `info` whatever
    // the log level (with `RUST_LOG=warn`, as the stack tests and many
    // operators run, a shared filter left nothing to export).
    let otel = otel.map(|layer| layer.with_filter(LevelFilter::INFO));
    let registry = tracing_subscriber::registry().with(otel);
    let installed = if env.get("LOG_FORMAT") == Some("pretty") {
        registry.with(tracing_subscriber::fmt::layer().compact().with_filter(filter)).try_init()
    } else {
        registry.with(JsonLayer::new(service, std::io::stdout).with_filter(filter)).try_init()
    };
    // A second init (tests starting several apps) keeps the first subscriber.
    drop(installed);
    guard
}

/// A layer writing one JSON object per event.
pub struct JsonLayer<W> {
    service: &'static str,
    writer: W,
}

impl<W> JsonLayer<W> {
    /// Writes to whatever `writer` makes, tagging lines with `service`.
    pub fn new(service: &'static str, writer: W) -> Self {
        Self { service, writer }
    }
}

/// Span fields, kept in the span's extensions.
struct SpanFields(Map<String, Value>);

struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl Visit for JsonVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), Value::from(format!("{value:?}")));
    }
}

impl<S, W> Layer<S> for JsonLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'a> MakeWriter<'a> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        attrs.record(&mut JsonVisitor(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(SpanFields(fields)) = span.extensions_mut().get_mut::<SpanFields>()
        {
            values.record(&mut JsonVisitor(fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let mut line = Map::new();
        line.insert("timestamp".into(), Value::from(Timestamp::now().to_string()));
        line.insert("level".into(), Value::from(metadata.level().as_str()));
        line.insert("target".into(), Value::from(metadata.target()));
        line.insert("service".into(), Value::from(self.service));
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    line.extend(fields.iter().map(|(key, value)| (key.clone(), value.clone())));
                }
            }
        }
        let mut fields = Map::new();
        event.record(&mut JsonVisitor(&mut fields));
        line.insert("message".into(), fields.remove("message").unwrap_or(Value::from("")));
        line.extend(fields);
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        let _ = self.writer.make_writer().write_all(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_carry_service_request_id_and_fields_at_the_top_level() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::registry().with(JsonLayer::new("tickets", move || writer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", request_id = "req-1", route = "/api/tickets");
            let _entered = span.enter();
            tracing::info!(status = 201_u64, "request finished");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["service"], "tickets");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["message"], "request finished");
        assert_eq!(line["request_id"], "req-1");
        assert_eq!(line["route"], "/api/tickets");
        assert_eq!(line["status"], 201);
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(line["target"].as_str().unwrap().contains("telemetry"));
    }
}
