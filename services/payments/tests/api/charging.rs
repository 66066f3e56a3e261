//! Steps 8–10 of contract 3.4 against the fake Stripe: what is charged, what
//! is recorded and announced, and what declines and bad tokens do.

use std::time::Duration;

use common::{events::PaymentCreated, money::Cents};
use serde_json::json;
use test_support::{EventProbe, session_cookie};

use crate::helpers::{message, spawn_app};

#[tokio::test]
async fn an_order_of_19_99_is_charged_exactly_1999_cents_in_usd() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents::parse_decimal("19.99").unwrap()).await;

    let reply = app.pay(&cookie, "tok_visa", &order.id).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);

    let charges = app.stripe.charges().await;
    assert_eq!(charges.len(), 1);
    let charge = &charges[0];
    assert_eq!((charge["amount"].clone(), charge["currency"].clone()), (json!(1999), json!("usd")));
    assert_eq!(charge["metadata"], json!({ "orderId": order.id }));
    assert_eq!(charge["description"], json!(format!("Order {}", order.id)));

    let payments = app.payments().await;
    assert_eq!(payments.len(), 1);
    let payment = &payments[0];
    assert_eq!(reply.body, json!({ "id": payment.id }), "the answer is the payment's id");
    assert_eq!((&payment.order_id, payment.amount_cents), (&order.id, 1999));
    assert_eq!(json!(payment.stripe_id), charge["id"]);
}

#[tokio::test]
async fn a_payment_is_announced_once_with_its_ids() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;
    let mut probe = EventProbe::subscribe(&app.nats.url(), "payment.>").await;

    let reply = app.pay(&cookie, "tok_visa", &order.id).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);

    let event: PaymentCreated = probe.next(Duration::from_secs(5)).await;
    let charge_id = app.stripe.charges().await[0]["id"].clone();
    assert_eq!(json!(event.id), reply.body["id"]);
    assert_eq!(event.order_id, order.id);
    assert_eq!(json!(event.stripe_id), charge_id);
    assert!(probe.drain(Duration::from_millis(1500)).await.is_empty(), "published exactly once");
    assert_eq!(app.store.pending_count().await.unwrap(), 0, "the outbox is drained");
}

#[tokio::test]
async fn a_declined_card_shows_stripes_message_and_the_order_stays_payable() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;
    let mut probe = EventProbe::subscribe(&app.nats.url(), "payment.>").await;

    for round in 1..=2 {
        let declined = app.pay(&cookie, "tok_chargeDeclined", &order.id).await;
        assert_eq!((declined.code(), message(&declined)), (400, "Your card was declined."), "decline {round}");
        app.assert_nothing_stored().await;
    }
    // Another card gets a fresh idempotency key: with the declined one's key,
    // Stripe would refuse the new parameters instead of charging.
    let paid = app.pay(&cookie, "tok_visa", &order.id).await;
    assert_eq!(paid.code(), 201, "{:?}", paid.body);
    assert_eq!(app.stripe.charges().await.len(), 1);
    let event: PaymentCreated = probe.next(Duration::from_secs(5)).await;
    assert_eq!(event.order_id, order.id, "only the successful payment is announced");
}

#[tokio::test]
async fn a_declined_card_retried_as_is_is_declined_again() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;
    for _ in 0..3 {
        let declined = app.pay(&cookie, "tok_chargeDeclined", &order.id).await;
        assert_eq!((declined.code(), message(&declined)), (400, "Your card was declined."));
    }
    assert_eq!(app.pay(&cookie, "tok_visa", &order.id).await.code(), 201);
}

#[tokio::test]
async fn an_unknown_token_gets_stripes_message_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;

    let reply = app.pay(&cookie, "abc", &order.id).await;
    assert_eq!(reply.code(), 400);
    assert_eq!(reply.body, json!({"errors":[{"message":"No such token: 'abc'"}]}));
    app.assert_nothing_stored().await;
    assert!(app.stripe.charges().await.is_empty());
}
