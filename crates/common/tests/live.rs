//! The live-updates hub against a real NATS: a stream answers only once the
//! server has the hub's subscriptions, so a change published right after a
//! stream opened reaches it (contract 3.5, "Just after start").

use std::time::Duration;

use axum::http::StatusCode;
use common::{
    bus::Bus,
    live::{Bytes, Live, Update},
    metrics::Metrics,
};
use futures::StreamExt as _;
use test_support::{TestNats, eventually};
use tokio_util::sync::CancellationToken;

const SUBJECTS: &[&str] = &["live.test"];

async fn as_update(_subject: String, payload: Bytes) -> Option<Update> {
    Some(Update { audience: None, data: String::from_utf8(payload.to_vec()).ok()?.into() })
}

#[tokio::test]
async fn a_stream_opened_before_the_hub_follows_the_bus_answers_503() {
    let hub = Live::new("thing", &Metrics::new());
    let response = hub.stream(None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body, serde_json::json!({"errors": [{"message": "Service unavailable"}]}));
}

#[tokio::test]
async fn a_change_published_right_after_a_stream_opens_reaches_it() {
    let nats = TestNats::start();
    let bus = Bus::connect(&nats.settings(), "live-test", Metrics::new()).await.unwrap();
    eventually(Duration::from_secs(10), "connected", || async { bus.is_connected().then_some(()) }).await;
    let hub = Live::new("thing", &Metrics::new());
    let shutdown = CancellationToken::new();
    let following = tokio::spawn(hub.clone().follow(bus, SUBJECTS, as_update, shutdown.clone()));

    // Opened while the hub may still be subscribing: it waits for the hub.
    let response = hub.stream(None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let publisher = async_nats::connect(nats.url()).await.unwrap();
    publisher.publish("live.test", Bytes::from_static(br#"{"n":1}"#)).await.unwrap();
    publisher.flush().await.unwrap();

    let mut body = response.into_body().into_data_stream();
    let mut seen = String::new();
    while !seen.contains(r#"data: {"n":1}"#) {
        let chunk = tokio::time::timeout(Duration::from_secs(10), body.next())
            .await
            .unwrap_or_else(|_| panic!("no update within 10 s; got {seen:?}"))
            .expect("the stream ended early")
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: thing"), "{seen}");
    shutdown.cancel();
    following.await.unwrap().unwrap();
}
