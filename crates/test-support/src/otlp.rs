//! A small OTLP/HTTP receiver: what the services export their spans to in
//! tests (and, through the `otlp-receiver` binary, under `scripts/dev.sh
//! --traces`). It takes `POST /v1/traces` in OTLP's JSON encoding (the one
//! the services send), keeps every span, and lets a test find a trace.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::post,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One span as received, flattened for assertions and for `traces.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedSpan {
    /// The service that exported it (`service.name`).
    pub service: String,
    /// 32 hex digits.
    pub trace_id: String,
    /// 16 hex digits.
    pub span_id: String,
    /// The parent's span id; `None` for a trace's root.
    pub parent_span_id: Option<String>,
    /// `POST /api/orders`, `publish order.created`, `handle order.created`, …
    pub name: String,
    /// Unix nanoseconds.
    pub start_unix_nanos: u64,
    /// Unix nanoseconds.
    pub end_unix_nanos: u64,
}

/// Every span of an OTLP/JSON `ExportTraceServiceRequest`.
pub fn parse_export(body: &Value) -> Vec<ReceivedSpan> {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let nanos = |value: &Value| value.as_str().and_then(|n| n.parse().ok()).or(value.as_u64()).unwrap_or_default();
    let mut spans = Vec::new();
    for resource in body["resourceSpans"].as_array().into_iter().flatten() {
        let service = resource["resource"]["attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|attribute| attribute["key"] == "service.name")
            .map_or_else(String::new, |attribute| text(&attribute["value"]["stringValue"]));
        for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
            for span in scope["spans"].as_array().into_iter().flatten() {
                let parent = text(&span["parentSpanId"]);
                spans.push(ReceivedSpan {
                    service: service.clone(),
                    trace_id: text(&span["traceId"]).to_ascii_lowercase(),
                    span_id: text(&span["spanId"]).to_ascii_lowercase(),
                    parent_span_id: (!parent.is_empty()).then(|| parent.to_ascii_lowercase()),
                    name: text(&span["name"]),
                    start_unix_nanos: nanos(&span["startTimeUnixNano"]),
                    end_unix_nanos: nanos(&span["endTimeUnixNano"]),
                });
            }
        }
    }
    spans
}

type Sink = Arc<dyn Fn(Vec<ReceivedSpan>) + Send + Sync>;

/// The receiver's routes; every span received goes to `sink`.
pub fn router(sink: impl Fn(Vec<ReceivedSpan>) + Send + Sync + 'static) -> Router {
    let sink: Sink = Arc::new(sink);
    Router::new().route("/v1/traces", post(receive)).with_state(sink)
}

async fn receive(State(sink): State<Sink>, headers: axum::http::HeaderMap, body: Bytes) -> impl IntoResponse {
    let json = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"));
    if !json {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "only OTLP/JSON is accepted").into_response();
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(export) => {
            sink(parse_export(&export));
            ([(header::CONTENT_TYPE, "application/json")], "{}").into_response()
        }
        Err(error) => (StatusCode::BAD_REQUEST, format!("not JSON: {error}")).into_response(),
    }
}

/// A receiver on a free loopback port, keeping spans in memory.
pub struct OtlpReceiver {
    addr: SocketAddr,
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
    task: tokio::task::JoinHandle<()>,
}

impl OtlpReceiver {
    /// Starts it.
    pub async fn start() -> Self {
        let spans = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&spans);
        let app = router(move |received| kept.lock().unwrap().extend(received));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("bound");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Self { addr, spans, task }
    }

    /// The `OTEL_EXPORTER_OTLP_ENDPOINT` to give the services.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.lock().unwrap().clone()
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn spans_posted_as_otlp_json_are_kept_with_their_service_and_parent() {
        let receiver = OtlpReceiver::start().await;
        let export = json!({"resourceSpans": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "orders"}}]},
            "scopeSpans": [{"spans": [
                {"traceId": "4BF92F3577B34DA6A3CE929D0E0E4736", "spanId": "00f067aa0ba902b7", "parentSpanId": "",
                 "name": "POST /api/orders", "startTimeUnixNano": "1", "endTimeUnixNano": "2"},
                {"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "spanId": "1111111111111111",
                 "parentSpanId": "00f067aa0ba902b7", "name": "insert orders",
                 "startTimeUnixNano": 1, "endTimeUnixNano": 2}
            ]}]
        }]});
        let http = reqwest::Client::new();
        let url = format!("{}/v1/traces", receiver.endpoint());
        let answer = http.post(&url).json(&export).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        let refused = http.post(&url).header("content-type", "application/x-protobuf").body("x").send().await.unwrap();
        assert_eq!(refused.status(), 415);
        let spans = receiver.spans();
        assert_eq!(spans.len(), 2);
        assert_eq!((spans[0].service.as_str(), spans[0].parent_span_id.as_deref()), ("orders", None));
        assert_eq!(spans[0].trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(spans[1].parent_span_id.as_deref(), Some("00f067aa0ba902b7"));
        assert_eq!((spans[1].start_unix_nanos, spans[1].end_unix_nanos), (1, 2));
    }
}
