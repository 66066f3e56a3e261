//! `DELETE /api/orders/{orderId}`: 401, 404, 401 for a non-owner, 400 for a
//! paid order, and 204 (with `order.cancelled` exactly once).

use common::{events::OrderStatus, id::ObjectId};
use serde_json::{Value, json};
use test_support::session_cookie;

use crate::{
    helpers::{QUIET, message, spawn_app},
    observe::next_event,
};

#[tokio::test]
async fn anonymous_callers_get_401_even_for_an_id_that_cannot_exist() {
    let app = spawn_app().await;
    for id in [ObjectId::generate().to_string(), "not-an-id".to_owned()] {
        let reply = app.cancel_order(None, &id).await;
        assert_eq!((reply.code(), message(&reply)), (401, "Not authorized"), "{id}");
    }
}

#[tokio::test]
async fn a_malformed_or_unknown_order_id_is_not_found() {
    let app = spawn_app().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let unknown = ObjectId::generate().to_string();
    for id in [unknown.as_str(), "abc", "zz61a0c0f1e2d3c4b5a69788"] {
        let reply = app.cancel_order(Some(&cookie), id).await;
        assert_eq!(reply.code(), 404, "{id}");
        assert_eq!(reply.body, json!({"errors":[{"message":"Not Found"}]}), "{id}");
    }
}

#[tokio::test]
async fn someone_elses_order_cannot_be_cancelled() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, owner) = session_cookie("owner@test.com");
    let (_, intruder) = session_cookie("intruder@test.com");
    let order = app.open_order(&owner, &ticket.id).await;
    let reply = app.cancel_order(Some(&intruder), order.as_str()).await;
    assert_eq!((reply.code(), message(&reply)), (401, "Not authorized"));
    assert_eq!(app.order(&order).await.unwrap().status, OrderStatus::Created, "untouched");
}

#[tokio::test]
async fn a_paid_order_cannot_be_cancelled() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, owner) = session_cookie("owner@test.com");
    let order = app.open_order(&owner, &ticket.id).await;
    app.pay(&order).await;
    let mut probe = app.probe("order.>").await;

    let reply = app.cancel_order(Some(&owner), order.as_str()).await;

    assert_eq!(reply.code(), 400);
    assert_eq!(reply.body, json!({"errors":[{"message":"Cannot cancel a completed order"}]}));
    let stored = app.order(&order).await.unwrap();
    assert_eq!((stored.status, stored.version), (OrderStatus::Complete, 1));
    assert!(probe.drain(QUIET).await.is_empty(), "nothing is published");
}

#[tokio::test]
async fn cancelling_an_open_order_answers_204_and_publishes_order_cancelled() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, owner) = session_cookie("owner@test.com");
    let order = app.open_order(&owner, &ticket.id).await;
    let mut probe = app.probe("order.>").await;

    let reply = app.cancel_order(Some(&owner), order.as_str()).await;

    assert_eq!(reply.code(), 204);
    assert_eq!(reply.body, Value::Null, "an empty body");
    let (message_id, payload) = next_event(&mut probe).await;
    assert_eq!(message_id, format!("order.cancelled:{order}:1"));
    assert_eq!(payload, json!({"id": order, "version": 1, "ticket": {"id": ticket.id}}));
    let shown = app.show_order(Some(&owner), order.as_str()).await;
    assert_eq!((shown.body["status"].clone(), shown.body["version"].clone()), (json!("cancelled"), json!(1)));
    assert!(probe.drain(QUIET).await.is_empty(), "one event only");
}

#[tokio::test]
async fn cancelling_a_cancelled_order_again_changes_nothing_and_publishes_nothing() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, owner) = session_cookie("owner@test.com");
    let order = app.open_order(&owner, &ticket.id).await;
    assert_eq!(app.cancel_order(Some(&owner), order.as_str()).await.code(), 204);
    let cancelled = app.order(&order).await.unwrap();
    let mut probe = app.probe("order.>").await;

    let reply = app.cancel_order(Some(&owner), order.as_str()).await;

    assert_eq!((reply.code(), reply.body.clone()), (204, Value::Null));
    assert_eq!(app.order(&order).await.unwrap(), cancelled, "still cancelled at v1");
    assert!(probe.drain(QUIET).await.is_empty(), "no second order.cancelled");
    assert_eq!(app.stored_events("order.cancelled").await.len(), 1);
}
