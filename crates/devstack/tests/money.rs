//! Money that always reconciles, through the whole stack (issue 21): a
//! charge whose answer is lost is found and becomes the payment; a charge
//! answered after its order expired is refunded, and the order says so; a
//! payments process killed (SIGKILL) while Stripe charges is restarted and
//! records the charge, or refunds it when the order was cancelled meanwhile.
//!
//! The service binaries must be built first (`cargo build --workspace --bins`).

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;
use serde_json::{Value, json};
use support::{
    Running, assert_money_reconciles, charges, order, restarted, sell, sign_up, signal, start_with_window,
    wait_for_status,
};
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
    assert_money_reconciles(&api, &fake_stripe, &[buyer]).await;
    stack.stop().await;
}

/// Starts paying `order_id` with `tok_visa_slow`, waits until the fake holds
/// the charge (payments now waits 15 s for the answer, past its own 10 s
/// timeout), then kills the payments process with SIGKILL: the charge is
/// made and nothing about it is stored as settled. Returns once the
/// launcher has started payments again, with the interrupted request's code.
async fn kill_payments_while_charging(running: &Running, buyer: &str, order_id: &str) -> u16 {
    let (api, buyer_cookie, id) = (running.api.clone(), buyer.to_owned(), order_id.to_owned());
    let paying = tokio::spawn(async move { pay(&api, &buyer_cookie, &id, "tok_visa_slow").await.0 });
    eventually(Duration::from_secs(20), "the fake Stripe has charged", || async {
        (!charges_of(&running.fake_stripe, order_id).await.is_empty()).then_some(())
    })
    .await;
    let pid = signal(&running.stack, "payments", Signal::SIGKILL);
    restarted(&running.stack, "payments", pid).await;
    paying.await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_killed_between_the_charge_and_its_record_leaves_no_charge_unaccounted() {
    // The window outlasts the kill and the settling (charging_until is 15 s).
    let running = start_with_window("90").await;
    let (api, fake_stripe) = (&running.api, &running.fake_stripe);
    let seller = sign_up(api, "seller@example.com").await;
    let buyer = sign_up(api, "buyer@example.com").await;

    // Killed while charging, restarted: the reconciler finds the charge and
    // it becomes the order's payment.
    let kept = order(api, &buyer, &sell(api, &seller, "Kept", 30.0).await).await;
    let kept_id = kept["id"].as_str().unwrap();
    let code = kill_payments_while_charging(&running, &buyer, kept_id).await;
    assert_ne!(code, 201, "the answer died with the process");
    wait_for_status(api, &buyer, kept_id, "complete", SETTLED_WITHIN).await;
    let paid = charges_of(fake_stripe, kept_id).await;
    assert_eq!((paid.len(), unrefunded(&paid[0])), (1, 3000), "{paid:?}");

    // Killed while charging, and the buyer cancels before payments is back:
    // the charge is refunded in full, once.
    let given_back = order(api, &buyer, &sell(api, &seller, "Given back", 7.25).await).await;
    let given_back_id = given_back["id"].as_str().unwrap();
    let (api_c, buyer_c, id_c) = (api.clone(), buyer.clone(), given_back_id.to_owned());
    let cancelling = async move {
        // Cancel as soon as the charge exists, racing the restart.
        let reply = api_c.delete(&format!("/api/orders/{id_c}"), Some(&buyer_c)).await;
        assert_eq!(reply.code(), 204, "{:?}", reply.body);
    };
    let (code, ()) = tokio::join!(kill_payments_while_charging(&running, &buyer, given_back_id), async {
        eventually(Duration::from_secs(20), "the fake Stripe has charged", || async {
            (!charges_of(fake_stripe, given_back_id).await.is_empty()).then_some(())
        })
        .await;
        cancelling.await;
    });
    assert_ne!(code, 201, "the answer died with the process");
    wait_for_status(api, &buyer, given_back_id, "cancelled", SETTLED_WITHIN).await;
    let refunded = eventually(SETTLED_WITHIN, "the charge of the cancelled order is refunded", || async {
        let charges = charges_of(fake_stripe, given_back_id).await;
        (charges.len() == 1 && charges[0]["refunded"] == true).then_some(charges)
    })
    .await;
    assert_eq!(refunded[0]["refunds"]["total_count"].as_i64(), Some(1), "refunded once");

    assert_money_reconciles(api, fake_stripe, &[buyer]).await;
    let mut running = running;
    running.stack.stop().await;
}
