//! `expiration.complete`: cancels an open order once its window has passed,
//! waits for `expiresAt` when early, and leaves finished orders alone.

use std::time::Duration;

use common::{
    events::{ExpirationComplete, OrderStatus},
    id::ObjectId,
    listener::Outcome,
    timestamp::Timestamp,
};
use serde_json::json;
use test_support::{eventually, session_cookie};

use crate::{
    helpers::{PATIENCE, QUIET, spawn_app, spawn_app_with},
    observe::next_event,
};

fn expiration(order: &ObjectId) -> ExpirationComplete {
    ExpirationComplete { order_id: order.clone() }
}

#[tokio::test]
async fn expiring_an_open_order_after_its_window_cancels_it_and_publishes_order_cancelled_once() {
    let app = spawn_app_with(|settings| settings.expiration_window = Duration::from_secs(1)).await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&cookie, &ticket.id).await;
    let expires_at = app.order(&order).await.unwrap().expires_at;
    eventually(PATIENCE, "the window passes", || async { expires_at.is_past().then_some(()) }).await;
    let mut probe = app.probe("order.>").await;

    app.publish(&expiration(&order)).await;

    let (message_id, payload) = next_event(&mut probe).await;
    assert_eq!(message_id, format!("order.cancelled:{order}:1"));
    assert_eq!(payload, json!({"id": order, "version": 1, "ticket": {"id": ticket.id}}));
    let stored = app.order(&order).await.unwrap();
    assert_eq!((stored.status, stored.version), (OrderStatus::Cancelled, 1));

    // A repeated expiry (the job ran twice) is done and emits nothing more.
    app.publish_as(&expiration(&order), "expiration-again").await;
    app.wait_for_acks("expiration.complete", 2).await;
    assert!(probe.drain(QUIET).await.is_empty(), "order.cancelled exactly once");
    assert_eq!(app.order(&order).await, Some(stored));
}

#[tokio::test]
async fn an_early_expiration_is_retried_at_expires_at_and_then_cancels() {
    let app = spawn_app_with(|settings| settings.expiration_window = Duration::from_secs(2)).await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&cookie, &ticket.id).await;
    let expires_at = app.order(&order).await.unwrap().expires_at;
    let mut probe = app.probe("order.cancelled").await;

    app.publish(&expiration(&order)).await;

    eventually(PATIENCE, "the early expiry is put back", || async {
        (app.consumed("expiration.complete", "retry").await >= 1).then_some(())
    })
    .await;
    if !expires_at.is_past() {
        assert_eq!(app.order(&order).await.unwrap().status, OrderStatus::Created, "still open before expiresAt");
    }
    let (message_id, _) = next_event(&mut probe).await;
    assert!(expires_at.is_past(), "cancelled only once the window has passed");
    assert_eq!(message_id, format!("order.cancelled:{order}:1"));
    let stored = app.order(&order).await.unwrap();
    assert_eq!((stored.status, stored.version), (OrderStatus::Cancelled, 1));
    assert_eq!(app.consumed("expiration.complete", "dead_letter").await, 0);
    assert!(probe.drain(QUIET).await.is_empty(), "order.cancelled exactly once");
}

#[tokio::test]
async fn expiring_a_complete_order_changes_nothing() {
    let app = spawn_app_with(|settings| settings.expiration_window = Duration::from_secs(1)).await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&cookie, &ticket.id).await;
    let paid = app.pay(&order).await;
    let expires_at = paid.expires_at;
    eventually(PATIENCE, "the window passes", || async { expires_at.is_past().then_some(()) }).await;
    let mut probe = app.probe("order.>").await;

    app.publish(&expiration(&order)).await;

    app.wait_for_acks("expiration.complete", 1).await;
    assert_eq!(app.order(&order).await, Some(paid), "still complete at v1");
    assert!(probe.drain(QUIET).await.is_empty(), "no order.cancelled");
    let (_, latecomer) = session_cookie("late@test.com");
    assert_eq!(app.create_order(&latecomer, &ticket.id).await.code(), 400, "the ticket stays sold");
}

#[tokio::test]
async fn expiring_a_cancelled_order_changes_nothing() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&cookie, &ticket.id).await;
    assert_eq!(app.cancel_order(Some(&cookie), order.as_str()).await.code(), 204);
    let cancelled = app.order(&order).await.unwrap();
    let mut probe = app.probe("order.>").await;

    app.publish(&expiration(&order)).await;

    app.wait_for_acks("expiration.complete", 1).await;
    assert_eq!(app.order(&order).await, Some(cancelled));
    assert!(probe.drain(QUIET).await.is_empty(), "no second order.cancelled");
}

#[tokio::test]
async fn each_expiration_delivery_is_decided_by_the_order_state_machine() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    assert_eq!(app.deliver(&expiration(&ObjectId::generate())).await, Outcome::NotYet, "unknown order");

    let order = app.open_order(&cookie, &ticket.id).await;
    let expires_at = app.order(&order).await.unwrap().expires_at;
    assert_eq!(app.deliver(&expiration(&order)).await, Outcome::NotUntil(expires_at), "early");
    assert_eq!(app.order(&order).await.unwrap().status, OrderStatus::Created);
    assert!(Timestamp::now() < expires_at);
}
