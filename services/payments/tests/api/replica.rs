//! The order replica follows `order.created` / `order.cancelled`: version
//! order, duplicates, and a cancel that arrives before its order.

use common::{
    events::{Event, OrderCancelled, OrderCreated, OrderStatus},
    listener::Outcome,
    money::Cents,
    timestamp::Timestamp,
};
use payments::listeners::listener;
use test_support::session_cookie;

use crate::helpers::{TestApp, message, order_cancelled, order_created, spawn_app};

/// Runs one delivery through the service's listener, without the broker.
async fn deliver<E: Event>(app: &TestApp, event: &E) -> Outcome {
    let payload = serde_json::to_vec(event).unwrap();
    listener().decide(app.listener_state(), E::SUBJECT, &payload).await.unwrap()
}

fn an_order() -> OrderCreated {
    let (buyer, _) = session_cookie("buyer@test.com");
    order_created(
        &buyer,
        Cents::parse_decimal("19.99").unwrap(),
        Timestamp::now().plus(std::time::Duration::from_secs(600)),
    )
}

#[tokio::test]
async fn order_created_inserts_the_replica_once() {
    let app = spawn_app().await;
    let created = an_order();
    assert_eq!(deliver(&app, &created).await, Outcome::Done);
    let stored = app.order(&created.id).await.expect("inserted");
    assert_eq!((stored.version, stored.status, stored.price_cents), (0, OrderStatus::Created, 1999));
    assert_eq!((&stored.user_id, stored.expires_at), (&created.user_id, created.expires_at));

    let changed = OrderCreated { expires_at: Timestamp::now(), ..created.clone() };
    assert_eq!(deliver(&app, &changed).await, Outcome::Done, "a duplicate is done");
    assert_eq!(app.order(&created.id).await, Some(stored), "and changes nothing");
}

#[tokio::test]
async fn a_cancel_before_its_order_is_not_yet_and_applies_once_the_order_exists() {
    let app = spawn_app().await;
    let created = an_order();
    let cancelled = order_cancelled(&created);
    assert_eq!(deliver(&app, &cancelled).await, Outcome::NotYet, "the order is unknown");
    assert!(app.order(&created.id).await.is_none());

    assert_eq!(deliver(&app, &created).await, Outcome::Done);
    assert_eq!(deliver(&app, &cancelled).await, Outcome::Done);
    let stored = app.order(&created.id).await.unwrap();
    assert_eq!((stored.version, stored.status), (1, OrderStatus::Cancelled));
}

#[tokio::test]
async fn duplicate_and_stale_deliveries_change_nothing() {
    let app = spawn_app().await;
    let created = an_order();
    deliver(&app, &created).await;
    deliver(&app, &order_cancelled(&created)).await;
    let cancelled = app.order(&created.id).await.unwrap();

    assert_eq!(deliver(&app, &order_cancelled(&created)).await, Outcome::Done, "a repeated cancel");
    assert_eq!(deliver(&app, &created).await, Outcome::Done, "a late order.created");
    assert_eq!(app.order(&created.id).await, Some(cancelled), "still cancelled, still v1");
}

#[tokio::test]
async fn a_cancel_more_than_one_version_ahead_waits_for_its_predecessor() {
    let app = spawn_app().await;
    let created = an_order();
    deliver(&app, &created).await;
    let far_ahead = OrderCancelled { version: 2, ..order_cancelled(&created) };
    assert_eq!(deliver(&app, &far_ahead).await, Outcome::NotYet);
    assert_eq!(app.order(&created.id).await.unwrap().version, 0);
}

#[tokio::test]
async fn through_nats_a_cancel_published_first_ends_with_a_cancelled_order() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let created = order_created(&buyer, Cents(2000), Timestamp::now().plus(std::time::Duration::from_secs(600)));
    app.publish(&order_cancelled(&created)).await;
    app.publish(&created).await;
    app.publish(&created).await; // a duplicate, dropped by the stream's dedupe

    app.wait_for_order(&created.id, "the early cancel is applied", |order| order.status == OrderStatus::Cancelled)
        .await;
    let reply = app.pay(&cookie, "tok_visa", &created.id).await;
    assert_eq!((reply.code(), message(&reply)), (400, "Cannot pay for an cancelled order"));
}
