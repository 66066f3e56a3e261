//! Scheduling and firing: on time, never early, once per order.

use std::time::Duration;

use common::{events::ExpirationComplete, timestamp::Timestamp};
use test_support::EventProbe;

use crate::helpers::{PATIENCE, order_expiring_in, spawn_app};

#[tokio::test]
async fn a_job_fires_within_a_second_of_expires_at_and_never_before() {
    let app = spawn_app().await;
    let mut probe = EventProbe::subscribe(&app.nats.url(), "expiration.complete").await;
    for after in [Duration::from_millis(1500), Duration::from_millis(2300)] {
        let order = order_expiring_in(after);
        app.publish(&order).await;
        let event: ExpirationComplete = probe.next(PATIENCE).await;
        let seen = Timestamp::now();
        assert_eq!(event.order_id, order.id);
        assert!(seen >= order.expires_at, "published before expiresAt: {seen} < {}", order.expires_at);
        let late = seen.unix_millis() - order.expires_at.unix_millis();
        assert!(late < 1000, "published {late} ms after expiresAt");
    }
    assert_eq!(app.counter("expiration_jobs_run_total").await, 2);
}

#[tokio::test]
async fn an_order_already_expired_fires_at_once() {
    let app = spawn_app().await;
    let mut probe = EventProbe::subscribe(&app.nats.url(), "expiration.complete").await;
    let mut order = order_expiring_in(Duration::ZERO);
    order.expires_at = Timestamp::from_unix_millis(order.expires_at.unix_millis() - 30_000).unwrap();
    app.publish(&order).await;
    let event: ExpirationComplete = probe.next(Duration::from_secs(5)).await;
    assert_eq!(event.order_id, order.id);
}

#[tokio::test]
async fn the_same_order_created_twice_gives_one_job_and_one_event() {
    let app = spawn_app().await;
    let mut probe = EventProbe::subscribe(&app.nats.url(), "expiration.complete").await;
    let order = order_expiring_in(Duration::from_secs(2));
    app.publish(&order).await;
    app.publish_as(&order, "order.created:re-published-after-the-window").await;
    app.wait_scheduled(1).await;
    let event: ExpirationComplete = probe.next(PATIENCE).await;
    assert_eq!(event.order_id, order.id);
    assert!(probe.drain(Duration::from_secs(3)).await.is_empty(), "one expiration.complete only");
    assert_eq!(app.counter("expiration_jobs_scheduled_total").await, 1, "the copy scheduled nothing");
    assert_eq!(app.counter("expiration_jobs_run_total").await, 1);
}

#[tokio::test]
async fn readiness_needs_redis_and_nats() {
    let mut app = spawn_app().await;
    let ready = app.api.get("/readyz", None).await;
    assert_eq!(ready.body, serde_json::json!({"status":"ready","checks":{"nats":"ok","redis":"ok"}}));
    app.redis.stop();
    let down = app.api.get("/readyz", None).await;
    assert_eq!(down.code(), 503);
    assert_eq!(down.body["checks"]["redis"], "unreachable");
    assert_eq!(app.api.get("/healthz", None).await.code(), 200, "alive while not ready");
    app.redis.restart();
    test_support::eventually(PATIENCE, "ready again", || async {
        (app.api.get("/readyz", None).await.code() == 200).then_some(())
    })
    .await;
}
