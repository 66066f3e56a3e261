//! One purchase, one trace: the whole stack exports its spans to an OTLP
//! receiver, and the order placed through the gateway, the events it caused
//! and the expiration that closed it are found in a single trace, each span
//! under the one that caused it (contract 8, Traces).

mod support;

use std::time::Duration;

use support::{Running, order, sell, sign_up, start_with, wait_for_status};
use test_support::{Backend, OtlpReceiver, ReceivedSpan};

/// The span of `service` named `name` in `trace`.
fn span<'a>(trace: &'a [ReceivedSpan], service: &str, name: &str) -> Option<&'a ReceivedSpan> {
    trace.iter().find(|span| span.service == service && span.name == name)
}

/// The spans the test looks for, as (service, name, parent's service, parent's name).
const CHAIN: [(&str, &str, &str, &str); 7] = [
    ("orders", "insert orders", "orders", "POST /api/orders"),
    ("orders", "publish order.created", "orders", "POST /api/orders"),
    ("tickets", "handle order.created", "orders", "publish order.created"),
    ("payments", "handle order.created", "orders", "publish order.created"),
    ("expiration", "handle order.created", "orders", "publish order.created"),
    ("expiration", "expiration job", "expiration", "handle order.created"),
    ("orders", "handle expiration.complete", "expiration", "expiration job"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_and_everything_it_caused_is_one_trace() {
    let receiver = OtlpReceiver::start().await;
    let endpoint = receiver.endpoint();
    let traces = [("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()), ("OTEL_BSP_SCHEDULE_DELAY", "200")];
    let Running { stack: _stack, api, data: _data, .. } = start_with(Backend::Sqlite, "2", &traces).await;
    let seller = sign_up(&api, "seller@example.com").await;
    let buyer = sign_up(&api, "buyer@example.com").await;
    let ticket = sell(&api, &seller, "Traced", 10.0).await;
    let placed = order(&api, &buyer, &ticket).await;
    let order_id = placed["id"].as_str().unwrap().to_owned();
    wait_for_status(&api, &buyer, &order_id, "cancelled", Duration::from_secs(20)).await;

    let Ok(trace) = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Some(trace) = whole_chain(&receiver.spans()) {
                return trace;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    else {
        let spans = receiver.spans();
        let order_trace = span(&spans, "orders", "publish order.created").map(|s| s.trace_id.clone());
        let received: Vec<String> = spans
            .iter()
            .filter(|s| order_trace.is_none() || Some(&s.trace_id) == order_trace.as_ref())
            .map(|s| format!("{} `{}` trace {} parent {:?}", s.service, s.name, s.trace_id, s.parent_span_id))
            .collect();
        panic!(
            "the purchase's trace is incomplete after 20 s; its spans (all spans without one):\n{}",
            received.join("\n")
        );
    };
    let root = span(&trace, "orders", "POST /api/orders").unwrap();
    assert_eq!(root.parent_span_id, None, "the request starts the trace");
    for (service, name, parent_service, parent_name) in CHAIN {
        let child = span(&trace, service, name).unwrap();
        let parent = span(&trace, parent_service, parent_name).unwrap();
        assert_eq!(
            child.parent_span_id.as_deref(),
            Some(parent.span_id.as_str()),
            "{service}'s `{name}` should be under {parent_service}'s `{parent_name}`: {trace:#?}"
        );
    }
}

/// The spans of the trace the order request started, once it holds every
/// span of [`CHAIN`]. It is the request that published `order.created`: an
/// earlier `POST /api/orders` may have got a 404 (the ticket not replicated
/// yet) and been retried, each attempt a trace of its own.
fn whole_chain(spans: &[ReceivedSpan]) -> Option<Vec<ReceivedSpan>> {
    let published = span(spans, "orders", "publish order.created")?;
    let trace: Vec<ReceivedSpan> = spans.iter().filter(|s| s.trace_id == published.trace_id).cloned().collect();
    CHAIN.iter().all(|(service, name, _, _)| span(&trace, service, name).is_some()).then_some(trace)
}
