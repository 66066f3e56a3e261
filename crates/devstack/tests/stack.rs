//! End to end through the launcher: the real binaries, a private NATS and
//! Redis started by the launcher itself, the fake Stripe, and only the
//! gateway's one origin — what a user of `scripts/dev.sh` gets.
//!
//! The service binaries must be built first (`cargo build --workspace --bins`,
//! which `scripts/test.sh` does).

mod support;

use std::time::Duration;

use serde_json::json;
use support::{Running, charges, order, sell, sign_up, start, start_on, wait_for_status};
use test_support::{Backend, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_is_sold_and_another_expires_through_the_gateway() {
    sold_and_expired(Backend::Sqlite).await;
}

mod mongo {
    /// What `scripts/dev.sh --mongo` runs: every service on its own database
    /// on the MongoDB-wire server.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_ticket_is_sold_and_another_expires_through_the_gateway() {
        super::sold_and_expired(super::Backend::Mongo).await;
    }
}

async fn sold_and_expired(backend: Backend) {
    let Running { mut stack, api, fake_stripe, data: _data, .. } = start_on(backend, "3").await;
    let seller = sign_up(&api, "seller@example.com").await;
    let buyer = sign_up(&api, "buyer@example.com").await;
    let rival = sign_up(&api, "rival@example.com").await;
    let me = api.get("/api/users/currentuser", Some(&buyer)).await;
    assert_eq!(me.body["currentUser"]["email"], "buyer@example.com");

    // Sold: ordered, a rival refused while reserved, paid, complete.
    let concert = sell(&api, &seller, "Concert", 19.99).await;
    let bought = order(&api, &buyer, &concert).await;
    let bought_id = bought["id"].as_str().unwrap();
    assert_eq!(bought["ticket"]["price"], json!(19.99));
    let refused = api.post("/api/orders", Some(&rival), &json!({"ticketId": concert})).await;
    assert_eq!(
        (refused.code(), refused.body["errors"][0]["message"].clone()),
        (400, json!("Ticket is already reserved"))
    );
    let paid = eventually(Duration::from_secs(20), "payments knows the order", || async {
        let reply = api.post("/api/payments", Some(&buyer), &json!({"token": "tok_visa", "orderId": bought_id})).await;
        (reply.code() != 404).then_some(reply)
    })
    .await;
    assert_eq!(paid.code(), 201, "{:?}", paid.body);
    wait_for_status(&api, &buyer, bought_id, "complete", Duration::from_secs(20)).await;
    let charged = charges(&fake_stripe).await;
    assert_eq!(charged.len(), 1);
    assert_eq!((charged[0]["amount"].clone(), charged[0]["currency"].clone()), (json!(1999), json!("usd")));
    let sold = api.get(&format!("/api/tickets/{concert}"), None).await;
    assert_eq!(sold.body["orderId"], json!(bought_id), "a sold ticket keeps its order");

    // Expired: reserved, left unpaid for the 3 s window, cancelled, for sale again.
    let play = sell(&api, &seller, "Play", 12.5).await;
    let lapsed = order(&api, &buyer, &play).await;
    let lapsed_id = lapsed["id"].as_str().unwrap();
    wait_for_status(&api, &buyer, lapsed_id, "cancelled", Duration::from_secs(20)).await;
    eventually(Duration::from_secs(20), "the ticket is released", || async {
        api.get(&format!("/api/tickets/{play}"), None).await.body.get("orderId").is_none().then_some(())
    })
    .await;
    let late = api.post("/api/payments", Some(&buyer), &json!({"token": "tok_visa", "orderId": lapsed_id})).await;
    assert_eq!(late.code(), 400, "an expired order cannot be paid: {:?}", late.body);
    let second_chance = order(&api, &rival, &play).await;
    assert_eq!(second_chance["status"], "created");
    assert_eq!(charges(&fake_stripe).await.len(), 1, "nothing else was charged");

    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_orders_mid_flow_loses_no_event() {
    let Running { mut stack, api, fake_stripe, data: _data, .. } = start().await;
    let seller = sign_up(&api, "seller@example.com").await;
    let buyer = sign_up(&api, "buyer@example.com").await;
    let ticket = sell(&api, &seller, "Opera", 40.0).await;
    let placed = order(&api, &buyer, &ticket).await;
    let order_id = placed["id"].as_str().unwrap().to_owned();

    // Kill orders hard, right after its write; payments goes on from the stream.
    let pid = stack.signal("orders", nix::sys::signal::Signal::SIGKILL).expect("orders runs");
    let paid = eventually(Duration::from_secs(20), "payments has the order", || async {
        let reply = api.post("/api/payments", Some(&buyer), &json!({"token": "tok_visa", "orderId": order_id})).await;
        (reply.code() != 404).then_some(reply)
    })
    .await;
    assert_eq!(paid.code(), 201, "{:?}", paid.body);

    // The launcher restarts orders; it consumes payment.created it missed.
    eventually(Duration::from_secs(20), "orders is back", || async {
        let restarted = stack.pid("orders").is_some_and(|new| new != pid);
        restarted.then_some(())
    })
    .await;
    wait_for_status(&api, &buyer, &order_id, "complete", Duration::from_secs(30)).await;
    let charged = charges(&fake_stripe).await;
    assert_eq!(charged.len(), 1);
    assert_eq!(charged[0]["amount"], json!(4000));
    stack.stop().await;
}
