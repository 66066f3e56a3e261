//! Steps 5–7 of contract 3.4: paid, cancelled and lapsed orders, in that order.

use std::time::Duration;

use common::{money::Cents, timestamp::Timestamp};
use test_support::session_cookie;

use crate::helpers::{message, order_created, spawn_app};

#[tokio::test]
async fn a_paid_order_cannot_be_paid_again() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;
    assert_eq!(app.pay(&cookie, "tok_visa", &order.id).await.code(), 201);

    let again = app.pay(&cookie, "tok_visa", &order.id).await;
    assert_eq!((again.code(), message(&again)), (400, "Order has already been paid"));
    assert_eq!(app.stripe.charges().await.len(), 1, "charged once");
    assert_eq!(app.payments().await.len(), 1);
}

#[tokio::test]
async fn a_cancelled_order_cannot_be_paid() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;
    app.cancel(&order).await;

    let reply = app.pay(&cookie, "tok_visa", &order.id).await;
    assert_eq!((reply.code(), message(&reply)), (400, "Cannot pay for an cancelled order"));
    app.assert_nothing_stored().await;
    assert!(app.stripe.charges().await.is_empty());
}

#[tokio::test]
async fn a_lapsed_reservation_cannot_be_paid() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = order_created(&buyer, Cents(2000), Timestamp::now().plus(Duration::from_secs(1)));
    app.place(&order).await;

    // Waiting on the reservation's own clock (not for another task): now ≥ expiresAt.
    tokio::time::sleep(order.expires_at.until()).await;
    let reply = app.pay(&cookie, "tok_visa", &order.id).await;
    assert_eq!((reply.code(), message(&reply)), (400, "Order has expired"));
    app.assert_nothing_stored().await;
    assert!(app.stripe.charges().await.is_empty(), "an expired order is never charged");
}

#[tokio::test]
async fn refusals_come_in_the_contracts_order() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let (_, intruder) = session_cookie("intruder@test.com");

    // Paid, then cancelled (a payment that raced the cancel): "paid" wins.
    let paid = app.open_order(&buyer, Cents(2000)).await;
    assert_eq!(app.pay(&cookie, "tok_visa", &paid.id).await.code(), 201);
    app.cancel(&paid).await;
    let reply = app.pay(&cookie, "tok_visa", &paid.id).await;
    assert_eq!(message(&reply), "Order has already been paid", "paid is checked before cancelled");
    let reply = app.pay(&intruder, "tok_visa", &paid.id).await;
    assert_eq!(reply.code(), 401, "ownership is checked before paid");

    // Cancelled and lapsed: "cancelled" wins.
    let lapsed = order_created(&buyer, Cents(2000), Timestamp::now());
    app.place(&lapsed).await;
    app.cancel(&lapsed).await;
    let reply = app.pay(&cookie, "tok_visa", &lapsed.id).await;
    assert_eq!(message(&reply), "Cannot pay for an cancelled order", "cancelled is checked before expired");
}
