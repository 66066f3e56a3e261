//! Money that always reconciles (issue 21): lost and late Stripe answers,
//! charges for orders cancelled meanwhile, and attempts left pending by a
//! crash, against the fake Stripe over HTTP.

use std::time::Duration;

use common::{events::PaymentRefunded, money::Cents, timestamp::Timestamp};
use payments::payment::Payment;
use serde_json::Value;
use test_support::{EventProbe, FakeStripe, eventually, session_cookie};

use crate::helpers::{PATIENCE, message, order_created, spawn_app};

/// The bound: every charge settled within 30 s.
const SETTLED_WITHIN: Duration = Duration::from_secs(30);

/// The succeeded charges for `order_id` at the fake, with what is left unrefunded.
async fn charges_for(stripe: &FakeStripe, order_id: &str) -> Vec<Value> {
    stripe.charges().await.into_iter().filter(|charge| charge["metadata"]["orderId"] == order_id).collect()
}

fn unrefunded(charge: &Value) -> i64 {
    charge["amount"].as_i64().unwrap() - charge["amount_refunded"].as_i64().unwrap()
}

#[tokio::test]
async fn a_lost_answer_then_another_card_pays_the_order_with_one_charge() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;

    let lost = app.pay(&cookie, "tok_visa_lost_response", &order.id).await;
    assert_eq!((lost.code(), message(&lost)), (502, "Payment provider unavailable"), "the answer was lost");
    assert_eq!(app.stripe.charges().await.len(), 1, "but Stripe charged");

    let again = app.pay(&cookie, "tok_visa", &order.id).await;
    match again.code() {
        201 => {}
        400 => assert_eq!(message(&again), "Order has already been paid", "the reconciler settled it first"),
        other => panic!("unexpected {other}: {:?}", again.body),
    }
    let payments: Vec<Payment> = eventually(PATIENCE, "the payment is recorded", || async {
        Some(app.payments().await).filter(|p| !p.is_empty())
    })
    .await;
    let charges = charges_for(&app.stripe, order.id.as_str()).await;
    assert_eq!(charges.len(), 1, "the second card was never charged: {charges:?}");
    assert_eq!((unrefunded(&charges[0]), payments.len()), (2000, 1));
    assert_eq!(Value::String(payments[0].stripe_id.clone()), charges[0]["id"], "the payment is the lost charge");
    assert!(app.stripe.refunds().await.is_empty());
}

#[tokio::test]
async fn a_charge_answered_too_late_for_an_order_cancelled_meanwhile_is_refunded_once() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = order_created(&buyer, Cents(1999), Timestamp::now().plus(Duration::from_secs(2)));
    app.place(&order).await;
    let mut refunded = EventProbe::subscribe(&app.nats.url(), "payment.refunded").await;

    // Stripe charges at once but answers after 15 s, past payments' 10 s
    // timeout; the reservation lapses and orders cancels it meanwhile.
    let paying = app.pay(&cookie, "tok_visa_slow", &order.id);
    let cancelling = async {
        tokio::time::sleep(order.expires_at.until()).await;
        app.cancel(&order).await;
    };
    let (reply, ()) = tokio::join!(paying, cancelling);
    assert_eq!(reply.code(), 502, "{:?}", reply.body);

    let charge = eventually(SETTLED_WITHIN, "the late charge is refunded", || async {
        charges_for(&app.stripe, order.id.as_str()).await.pop().filter(|charge| charge["refunded"] == true)
    })
    .await;
    assert_eq!((charge["amount"].as_i64(), unrefunded(&charge)), (Some(1999), 0));
    let event: PaymentRefunded = refunded.next(Duration::from_secs(5)).await;
    assert_eq!(
        (&event.order_id, event.amount, Value::String(event.stripe_id)),
        (&order.id, Cents(1999), charge["id"].clone())
    );

    // Later passes and redeliveries refund nothing more.
    tokio::time::sleep(payments::reconciler::EVERY * 2).await;
    assert_eq!(app.stripe.refunds().await.len(), 1, "refunded exactly once");
    assert!(refunded.drain(Duration::from_millis(500)).await.is_empty(), "announced once");
}

#[tokio::test]
async fn a_payment_whose_order_is_cancelled_afterwards_is_refunded() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;
    assert_eq!(app.pay(&cookie, "tok_visa", &order.id).await.code(), 201);

    // A payment that raced the cancel: orders keeps the order cancelled.
    app.cancel(&order).await;
    let refunds = eventually(PATIENCE, "the charge is refunded", || async {
        Some(app.stripe.refunds().await).filter(|refunds| !refunds.is_empty())
    })
    .await;
    let charge = app.stripe.charges().await.remove(0);
    assert_eq!((refunds.len(), refunds[0]["charge"].clone(), unrefunded(&charge)), (1, charge["id"].clone(), 0));
    let again = app.pay(&cookie, "tok_visa", &order.id).await;
    assert_eq!(message(&again), "Order has already been paid", "the payment stays on record");
}
