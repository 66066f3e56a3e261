//! `payment.created`: completes an open order without an event, never
//! resurrects a cancelled one, and waits for an order it does not know yet.

use std::time::Duration;

use common::{
    events::{OrderStatus, PaymentCreated},
    id::ObjectId,
    listener::Outcome,
};
use orders::order::Order;
use test_support::{eventually, session_cookie};

use crate::helpers::{PATIENCE, QUIET, spawn_app};

#[tokio::test]
async fn a_payment_completes_an_open_order_without_publishing_anything() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&cookie, &ticket.id).await;
    let mut probe = app.probe("order.>").await;

    app.publish_payment(&order).await;

    let paid = app.wait_for_order(&order, "the order is complete", |o| o.status == OrderStatus::Complete).await;
    assert_eq!(paid.version, 1);
    let shown = app.show_order(Some(&cookie), order.as_str()).await;
    assert_eq!((shown.body["status"].as_str(), shown.body["version"].as_i64()), (Some("complete"), Some(1)));
    assert!(probe.drain(QUIET).await.is_empty(), "payments announced it; orders emits nothing");
}

#[tokio::test]
async fn a_repeated_payment_leaves_a_complete_order_as_it_is() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&cookie, &ticket.id).await;
    let paid = app.pay(&order).await;

    let again = PaymentCreated { id: ObjectId::generate(), order_id: order.clone(), stripe_id: "ch_test_2".into() };
    app.publish(&again).await;

    app.wait_for_acks("payment.created", 2).await;
    assert_eq!(app.order(&order).await, Some(paid));
}

#[tokio::test]
async fn a_payment_for_a_cancelled_order_does_not_resurrect_it() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, first) = session_cookie("first@test.com");
    let order = app.open_order(&first, &ticket.id).await;
    assert_eq!(app.cancel_order(Some(&first), order.as_str()).await.code(), 204);
    let cancelled = app.order(&order).await.unwrap();
    let (_, second) = session_cookie("second@test.com");
    let next = app.open_order(&second, &ticket.id).await;
    let mut probe = app.probe("order.>").await;

    app.publish_payment(&order).await;

    app.wait_for_acks("payment.created", 1).await;
    assert_eq!(app.order(&order).await, Some(cancelled), "stays cancelled at v1");
    assert_eq!(app.order(&next).await.unwrap().status, OrderStatus::Created, "the new buyer keeps the ticket");
    assert!(probe.drain(QUIET).await.is_empty());
}

#[tokio::test]
async fn a_payment_for_an_order_not_stored_yet_waits_for_it() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (buyer, _) = session_cookie("buyer@test.com");
    let late = Order { id: ObjectId::generate(), ..Order::new(buyer, ticket.id.clone(), Duration::from_secs(600)) };
    let payment = PaymentCreated { id: ObjectId::generate(), order_id: late.id.clone(), stripe_id: "ch_x".into() };
    assert_eq!(app.deliver(&payment).await, Outcome::NotYet);
    assert!(app.order(&late.id).await.is_none(), "nothing is invented");

    app.publish(&payment).await;
    eventually(PATIENCE, "the early payment is put back", || async {
        (app.consumed("payment.created", "retry").await >= 1).then_some(())
    })
    .await;
    // The order's write lands only now (as if its commit were slow).
    app.store.insert(&late, &[]).await.unwrap();

    let paid = app.wait_for_order(&late.id, "the waiting payment applies", |o| o.status == OrderStatus::Complete).await;
    assert_eq!(paid.version, 1);
    assert_eq!(app.consumed("payment.created", "dead_letter").await, 0);
}
