//! At most one payment per order, however many requests race.

use common::money::Cents;
use test_support::session_cookie;

use crate::helpers::{message, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_payments_for_one_order_charge_once() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;

    let (first, second) =
        tokio::join!(app.pay(&cookie, "tok_visa", &order.id), app.pay(&cookie, "tok_visa", &order.id));
    let mut codes = [first.code(), second.code()];
    codes.sort_unstable();
    assert_eq!(codes, [201, 400], "{:?} / {:?}", first.body, second.body);
    let refused = if first.code() == 400 { &first } else { &second };
    assert_eq!(message(refused), "Order has already been paid");
    assert_eq!(app.stripe.charges().await.len(), 1, "exactly one charge at Stripe");
    assert_eq!(app.payments().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_payments_for_one_order_charge_once() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;

    let replies = futures::future::join_all((0..6).map(|_| app.pay(&cookie, "tok_visa", &order.id))).await;
    assert_eq!(replies.iter().filter(|reply| reply.code() == 201).count(), 1);
    for reply in replies.iter().filter(|reply| reply.code() != 201) {
        assert_eq!((reply.code(), message(reply)), (400, "Order has already been paid"));
    }
    assert_eq!(app.stripe.charges().await.len(), 1, "exactly one charge at Stripe");
    assert_eq!(app.payments().await.len(), 1);
}
