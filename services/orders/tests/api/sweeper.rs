//! The sweeper: an open order whose expiry never arrives (no expiration
//! service runs in these tests, as when its job or event is lost) is
//! cancelled by orders itself once the grace has passed, with the same
//! `order.cancelled` an `expiration.complete` gives; several sweepers at
//! once cancel it once.

use std::time::Duration;

use common::{events::OrderStatus, timestamp::Timestamp};
use orders::sweeper::{self, Sweep};
use serde_json::json;
use test_support::session_cookie;

use crate::helpers::{QUIET, spawn_app, spawn_app_with};

const GRACE: Duration = Duration::from_secs(2);

#[tokio::test]
async fn an_open_order_whose_expiry_never_comes_is_cancelled_after_the_grace_with_order_cancelled() {
    let app = spawn_app_with(|settings| {
        settings.expiration_window = Duration::from_secs(1);
        settings.sweep = Sweep { every: Duration::from_secs(1), grace: GRACE };
    })
    .await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let mut probe = app.probe("order.cancelled").await;
    let order = app.open_order(&cookie, &ticket.id).await;
    let expires_at = app.order(&order).await.unwrap().expires_at;

    // The contract's bound: cancelled within 30 s after expiresAt.
    let patience = expires_at.plus(Duration::from_secs(30)).until();
    let message = probe.next_raw(patience).await.expect("order.cancelled within 30 s after expiresAt");
    assert!(Timestamp::now() >= expires_at.plus(GRACE), "the expiration service had its grace first");
    assert_eq!(crate::observe::message_id(&message), format!("order.cancelled:{order}:1"));
    let payload: serde_json::Value = serde_json::from_slice(&message.payload).unwrap();
    assert_eq!(payload, json!({"id": order, "version": 1, "ticket": {"id": ticket.id}}));
    let stored = app.order(&order).await.unwrap();
    assert_eq!((stored.status, stored.version), (OrderStatus::Cancelled, 1));
    assert!(probe.drain(QUIET).await.is_empty(), "order.cancelled exactly once");
    let metrics = reqwest::get(format!("{}/metrics", app.api.base())).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("orders_expired_by_sweeper_total 1"), "{metrics}");

    let (_, next_buyer) = session_cookie("next@test.com");
    assert_eq!(app.create_order(&next_buyer, &ticket.id).await.code(), 201, "the ticket is for sale again");
}

#[tokio::test]
async fn concurrent_sweeps_cancel_each_overdue_order_once_and_leave_the_rest_alone() {
    // The service's own sweeper keeps the default 30 s grace: only the
    // passes below, with no grace, act within this test.
    let app = spawn_app_with(|settings| settings.expiration_window = Duration::from_secs(1)).await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let mut overdue = Vec::new();
    for title in ["one", "two", "three"] {
        let ticket = app.seed_ticket(title, "20").await;
        overdue.push(app.open_order(&cookie, &ticket.id).await);
    }
    let paid_ticket = app.seed_ticket("paid", "20").await;
    let paid = app.pay(&app.open_order(&cookie, &paid_ticket.id).await).await;
    let last = app.order(overdue.last().unwrap()).await.unwrap().expires_at;
    tokio::time::sleep(last.until() + Duration::from_millis(50)).await;
    let mut probe = app.probe("order.cancelled").await;

    let (state_a, state_b) = (app.listener_state(), app.listener_state());
    let (a, b) = tokio::join!(sweeper::pass(&state_a, Duration::ZERO), sweeper::pass(&state_b, Duration::ZERO));

    assert_eq!(a.unwrap() + b.unwrap(), 3, "each overdue order cancelled by exactly one sweep");
    for id in &overdue {
        let stored = app.order(id).await.unwrap();
        assert_eq!((stored.status, stored.version), (OrderStatus::Cancelled, 1));
    }
    let mut seen: Vec<String> = Vec::new();
    while let Some(message) = probe.next_raw(QUIET).await {
        seen.push(crate::observe::message_id(&message));
    }
    seen.sort();
    let mut expected: Vec<String> = overdue.iter().map(|id| format!("order.cancelled:{id}:1")).collect();
    expected.sort();
    assert_eq!(seen, expected, "one order.cancelled per overdue order");
    assert_eq!(app.order(&paid.id).await, Some(paid), "a complete order is not the sweeper's");
}

#[tokio::test]
async fn an_open_order_inside_its_window_is_not_swept() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&cookie, &ticket.id).await;

    assert_eq!(sweeper::pass(&app.listener_state(), Duration::ZERO).await.unwrap(), 0);

    let stored = app.order(&order).await.unwrap();
    assert_eq!((stored.status, stored.version), (OrderStatus::Created, 0));
}
