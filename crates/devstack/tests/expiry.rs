//! No order stays open forever (issue 21), through the whole stack: when
//! Redis loses the expiration job, orders' sweeper cancels the order itself,
//! within 30 s after its `expiresAt`, with one `order.cancelled`, and the
//! ticket is for sale again. The sweep settings reach orders through the
//! launcher, as `scripts/dev.sh` passes them.
//!
//! The service binaries must be built first (`cargo build --workspace --bins`).

mod support;

use std::time::Duration;

use common::timestamp::Timestamp;
use support::{
    Running, assert_no_duplicates, count, order, sell, settled_events, sign_up, start_with, wait_for_status,
};
use test_support::{Backend, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_whose_expiration_job_is_deleted_is_cancelled_within_30_s_after_expires_at() {
    let sweep = [("EXPIRY_SWEEP_SECONDS", "2"), ("EXPIRY_GRACE_SECONDS", "10")];
    let Running { mut stack, api, nats_url, redis_url, data: _data, ports, .. } =
        start_with(Backend::Sqlite, "3", &sweep).await;
    let seller = sign_up(&api, "seller@example.com").await;
    let buyer = sign_up(&api, "buyer@example.com").await;
    let ticket = sell(&api, &seller, "Forgotten", 10.0).await;
    let placed = order(&api, &buyer, &ticket).await;
    let order_id = placed["id"].as_str().unwrap().to_owned();
    let expires_at = Timestamp::parse(placed["expiresAt"].as_str().unwrap()).unwrap();

    // The job is in Redis; then Redis loses everything (as a volume lost
    // would), before the job is due.
    let port = ports.iter().find(|(name, _)| *name == "EXPIRATION_PORT").unwrap().1.clone();
    eventually(Duration::from_secs(20), "the job is scheduled", || async {
        let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await.ok()?.text().await.ok()?;
        text.contains("expiration_jobs_scheduled_total 1").then_some(())
    })
    .await;
    let client = redis::Client::open(redis_url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("FLUSHALL").query_async::<()>(&mut connection).await.unwrap();
    assert!(!expires_at.is_past(), "the job was deleted before it was due");

    let within = expires_at.plus(Duration::from_secs(30)).until();
    wait_for_status(&api, &buyer, &order_id, "cancelled", within).await;
    eventually(Duration::from_secs(20), "the ticket is for sale again", || async {
        api.get(&format!("/api/tickets/{ticket}"), None).await.body.get("orderId").is_none().then_some(())
    })
    .await;
    let events = settled_events(&nats_url, &[("order.cancelled", 1)]).await;
    assert_no_duplicates(&events);
    assert_eq!(count(&events, "order.cancelled"), 1);
    assert_eq!(count(&events, "expiration.complete"), 0, "the job never ran: the sweeper cancelled it");
    stack.stop().await;
}
