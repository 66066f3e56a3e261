//! The outbox: an order taken while NATS is down is announced once it is back.

use common::events::OrderStatus;
use serde_json::json;
use test_support::{eventually, session_cookie};

use crate::helpers::{PATIENCE, spawn_app};

#[tokio::test]
async fn an_order_taken_while_nats_is_down_is_published_exactly_once_when_it_returns() {
    let mut app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (buyer, cookie) = session_cookie("buyer@test.com");

    app.nats.stop();
    let reply = app.create_order(&cookie, &ticket.id).await;
    assert_eq!(reply.code(), 201, "orders takes orders while NATS is down: {:?}", reply.body);
    assert_eq!(app.store.pending_count().await.unwrap(), 1, "the event waits in the outbox");
    eventually(PATIENCE, "orders reports itself not ready without NATS", || async {
        (app.api.get("/readyz", None).await.code() == 503).then_some(())
    })
    .await;
    assert_eq!(app.store.pending_count().await.unwrap(), 1, "still waiting");

    app.nats.restart();
    eventually(PATIENCE * 2, "the outbox drains", || async {
        (app.store.pending_count().await.unwrap() == 0).then_some(())
    })
    .await;
    let id = reply.body["id"].as_str().unwrap();
    let stored = app.stored_events("order.created").await;
    assert_eq!(stored.len(), 1, "published exactly once: {stored:?}");
    let (message_id, payload) = &stored[0];
    assert_eq!(message_id, &format!("order.created:{id}:0"));
    assert_eq!(
        payload,
        &json!({"id": id, "version": 0, "status": "created", "userId": buyer, "expiresAt": reply.body["expiresAt"],
                "ticket": {"id": ticket.id, "price": 20}})
    );
    let order = app.order(&common::id::ObjectId::parse(id).unwrap()).await.unwrap();
    assert_eq!(order.status, OrderStatus::Created);
}

#[tokio::test]
async fn an_order_whose_service_stopped_before_relaying_it_is_published_once_by_the_next_start() {
    let mut app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    app.nats.stop();
    let reply = app.create_order(&cookie, &ticket.id).await;
    assert_eq!(reply.code(), 201);

    // The process goes away with the event committed but not published.
    app.stop_service().await;
    assert_eq!(app.store.pending_count().await.unwrap(), 1, "the event outlives the process");
    app.nats.restart();
    app.start_service().await;

    app.wait_for_outbox_to_empty().await;
    let id = reply.body["id"].as_str().unwrap();
    let stored = app.stored_events("order.created").await;
    assert_eq!(
        stored.iter().map(|(message_id, _)| message_id.as_str()).collect::<Vec<_>>(),
        [format!("order.created:{id}:0")]
    );
}

#[tokio::test]
async fn an_order_published_by_a_relay_that_died_before_marking_it_sent_is_not_published_twice() {
    let mut app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    app.nats.stop();
    let reply = app.create_order(&cookie, &ticket.id).await;
    app.stop_service().await;
    app.nats.restart();
    eventually(PATIENCE, "the test's publisher reconnects", || async { app.publisher.is_ready().then_some(()) }).await;

    // What a relay does up to the moment it dies: publish, but not mark sent.
    for pending in app.store.pending_events(10).await.unwrap() {
        let event = pending.event;
        app.publisher.publish(&event.subject, &event.message_id, event.payload.into()).await.unwrap();
    }
    app.start_service().await;

    app.wait_for_outbox_to_empty().await;
    let id = reply.body["id"].as_str().unwrap();
    let stored = app.stored_events("order.created").await;
    assert_eq!(stored.len(), 1, "the re-publish died on its message id: {stored:?}");
    assert_eq!(stored[0].0, format!("order.created:{id}:0"));
}
