//! Jobs survive restarts of the service and of Redis, and a failed publish
//! is retried until it lands, once.

use std::time::Duration;

use test_support::eventually;

use crate::helpers::{PATIENCE, order_expiring_in, spawn_app};

#[tokio::test]
async fn a_job_survives_a_restart_of_the_service() {
    let mut app = spawn_app().await;
    let order = order_expiring_in(Duration::from_secs(3));
    app.publish(&order).await;
    app.wait_scheduled(1).await;
    app.stop_service().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    app.start_service().await;
    eventually(PATIENCE, "the expiration is published", || async {
        app.expirations().await.contains(&order.id).then_some(())
    })
    .await;
    assert_eq!(app.expirations().await, vec![order.id]);
}

#[tokio::test]
async fn a_job_survives_a_restart_of_redis() {
    let mut app = spawn_app().await;
    let order = order_expiring_in(Duration::from_secs(4));
    app.publish(&order).await;
    app.wait_scheduled(1).await;
    app.redis.restart();
    eventually(PATIENCE, "the expiration is published", || async {
        app.expirations().await.contains(&order.id).then_some(())
    })
    .await;
    assert_eq!(app.expirations().await, vec![order.id]);
}

#[tokio::test]
async fn a_failed_publish_is_retried_until_it_lands_once() {
    let mut app = spawn_app().await;
    let order = order_expiring_in(Duration::from_secs(2));
    app.publish(&order).await;
    app.wait_scheduled(1).await;
    app.nats.stop();
    // The job comes due and fails to publish for a few seconds.
    tokio::time::sleep(Duration::from_secs(4)).await;
    app.nats.restart();
    eventually(Duration::from_secs(40), "the expiration is published after NATS returns", || async {
        app.expirations().await.contains(&order.id).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(app.expirations().await, vec![order.id], "exactly once");
    assert_eq!(app.counter("expiration_jobs_run_total").await, 1);
}

#[tokio::test]
async fn a_restart_under_the_same_worker_name_still_runs_the_job() {
    let mut app = spawn_app().await;
    let order = order_expiring_in(Duration::from_secs(2));
    app.publish(&order).await;
    app.wait_scheduled(1).await;
    app.stop_service().await;
    // Redis still remembers the old registration for a while; the new
    // worker waits it out instead of crashing the service.
    app.start_service_same_name().await;
    eventually(Duration::from_secs(40), "the expiration is published", || async {
        app.expirations().await.contains(&order.id).then_some(())
    })
    .await;
    assert_eq!(app.api.get("/healthz", None).await.code(), 200);
}

#[tokio::test]
async fn an_order_created_while_redis_is_down_is_scheduled_once_it_returns() {
    let mut app = spawn_app().await;
    app.redis.stop();
    let order = order_expiring_in(Duration::from_secs(1));
    app.publish(&order).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.redis.restart();
    eventually(Duration::from_secs(40), "the expiration is published", || async {
        app.expirations().await.contains(&order.id).then_some(())
    })
    .await;
    assert_eq!(app.expirations().await, vec![order.id]);
}
