//! Money that always reconciles, through the whole stack (issue 21): a
//! charge whose answer is lost is found and becomes the payment; a charge
//! answered after its order expired is refunded, and the order says so.
//!
//! The service binaries must be built first (`cargo build --workspace --bins`).

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Running, charges, order, sell, sign_up, start_with_window, wait_for_status};
use test_support::{ApiClient, eventually};

/// The bound on settling any charge.
const SETTLED_WITHIN: Duration = Duration::from_secs(30);

/// `POST /api/payments` once payments knows the order (404 until then).
async fn pay(api: &ApiClient, buyer: &str, order_id: &str, token: &str) -> (u16, Value) {
    let reply = eventually(Duration::from_secs(20), "payments knows the order", || async {
        let reply = api.post("/api/payments", Some(buyer), &json!({"token": token, "orderId": order_id})).await;
        (reply.code() != 404).then_some(reply)
    })
    .await;
    (reply.code(), reply.body)
}

async fn charges_of(fake_stripe: &str, order_id: &str) -> Vec<Value> {
    charges(fake_stripe).await.into_iter().filter(|charge| charge["metadata"]["orderId"] == order_id).collect()
}

fn unrefunded(charge: &Value) -> i64 {
    charge["amount"].as_i64().unwrap() - charge["amount_refunded"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_charge_ends_as_the_orders_payment_or_refunded() {
    // Long enough for the first order to be paid before it lapses, short
    // enough that the second lapses during the slow charge (10 s timeout).
    let Running { mut stack, api, fake_stripe, data: _data, .. } = start_with_window("8").await;
    let seller = sign_up(&api, "seller@example.com").await;
    let buyer = sign_up(&api, "buyer@example.com").await;

    // The answer is lost; the next card finds the charge instead of charging.
    let lost = order(&api, &buyer, &sell(&api, &seller, "Lost answer", 20.0).await).await;
    let lost_id = lost["id"].as_str().unwrap();
    assert_eq!(lost["price"], json!(20), "the order carries its price");
    let (code, _) = pay(&api, &buyer, lost_id, "tok_visa_lost_response").await;
    assert_eq!(code, 502);
    let (code, body) = pay(&api, &buyer, lost_id, "tok_visa").await;
    assert!(
        code == 201 || (code == 400 && body["errors"][0]["message"] == "Order has already been paid"),
        "{code} {body}"
    );
    wait_for_status(&api, &buyer, lost_id, "complete", Duration::from_secs(20)).await;
    let paid = charges_of(&fake_stripe, lost_id).await;
    assert_eq!(paid.len(), 1, "{paid:?}");
    assert_eq!(unrefunded(&paid[0]), 2000);

    // Stripe charges at once but answers after 15 s: the order expires and
    // is cancelled meanwhile, so the charge is given back.
    let slow = order(&api, &buyer, &sell(&api, &seller, "Slow answer", 12.5).await).await;
    let slow_id = slow["id"].as_str().unwrap();
    let (code, body) = pay(&api, &buyer, slow_id, "tok_visa_slow").await;
    assert!(code == 502 || code == 400, "{code} {body}");
    wait_for_status(&api, &buyer, slow_id, "cancelled", SETTLED_WITHIN).await;
    let refunded = eventually(SETTLED_WITHIN, "the late charge is refunded", || async {
        let charges = charges_of(&fake_stripe, slow_id).await;
        (!charges.is_empty() && charges.iter().all(|charge| charge["refunded"] == true)).then_some(charges)
    })
    .await;
    assert_eq!(refunded.len(), 1);
    let shown = eventually(Duration::from_secs(20), "the order shows the refund", || async {
        let shown = api.get(&format!("/api/orders/{slow_id}"), Some(&buyer)).await.body;
        (shown["refundedAmount"] == json!(12.5)).then_some(shown)
    })
    .await;
    assert_eq!((shown["status"].as_str(), shown["price"].clone()), (Some("cancelled"), json!(12.5)));
    let refund_count = refunded[0]["refunds"]["total_count"].as_i64();
    assert_eq!(refund_count, Some(1), "refunded once");
    stack.stop().await;
}
