//! Redis does not grow with the orders ever made: once jobs have run, the
//! cleaner removes what apalis-redis and our idempotency keys left behind,
//! and the keys in Redis are the ones there were before.

use std::{collections::BTreeSet, time::Duration};

use common::events::ExpirationComplete;
use test_support::{EventProbe, eventually};

use crate::helpers::{PATIENCE, TestApp, order_expiring_in, spawn_app};

/// Jobs run in the measured round.
const N: usize = 25;

/// Every key in the test's private Redis.
async fn keys(app: &TestApp) -> BTreeSet<String> {
    let client = redis::Client::open(app.redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("KEYS").arg("*").query_async::<Vec<String>>(&mut connection).await.unwrap().into_iter().collect()
}

/// Publishes `n` orders expiring in 3 s, returns the keys once they are
/// scheduled, then waits for their events.
async fn run_jobs(app: &TestApp, probe: &mut EventProbe, n: usize) -> BTreeSet<String> {
    let orders: Vec<_> = (0..n).map(|_| order_expiring_in(Duration::from_secs(3))).collect();
    let before = app.counter("expiration_jobs_scheduled_total").await;
    for order in &orders {
        app.publish(order).await;
    }
    app.wait_scheduled(before + n as u64).await;
    let scheduled = keys(app).await;
    let mut fired = BTreeSet::new();
    while fired.len() < n {
        let event: ExpirationComplete = probe.next(PATIENCE).await;
        fired.insert(event.order_id);
    }
    assert_eq!(fired, orders.iter().map(|order| order.id.clone()).collect());
    scheduled
}

#[tokio::test]
async fn after_n_jobs_have_run_the_redis_keys_are_back_at_their_baseline() {
    let app = spawn_app().await;
    let mut probe = EventProbe::subscribe(&app.nats.url(), "expiration.complete").await;
    // A first job creates the queue's lasting keys (its signal list, the
    // worker's registration); what is left once it is cleaned is the baseline.
    run_jobs(&app, &mut probe, 1).await;
    let baseline = eventually(PATIENCE, "the first job is cleaned", || async {
        let now = keys(&app).await;
        (!now.iter().any(|key| key.contains(":meta:") || key.contains(":idempotency:"))).then_some(now)
    })
    .await;

    let scheduled = run_jobs(&app, &mut probe, N).await;
    let per_order = scheduled.iter().filter(|key| key.contains(":idempotency:")).count();
    assert_eq!(per_order, N, "each scheduled job holds its order's key: {scheduled:?}");

    eventually(PATIENCE, "the keys are back at the baseline", || async {
        let now = keys(&app).await;
        (now == baseline).then_some(())
    })
    .await;
    assert_eq!(app.counter("expiration_jobs_run_total").await, 1 + N as u64);
}
