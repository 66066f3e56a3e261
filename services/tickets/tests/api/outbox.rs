//! Events survive a NATS outage and a restart between the write and the publish.

use common::events::TicketCreated;
use serde_json::json;

use crate::helpers::{PATIENCE, QUIET, spawn_app, user};

#[tokio::test]
async fn a_ticket_written_while_nats_is_down_is_published_once_it_returns() {
    let mut app = spawn_app().await;
    let (_, cookie) = user();
    app.nats.stop();
    let reply = app.create(Some(&cookie), &json!({"title": "Offline", "price": 9.5})).await;
    assert_eq!(reply.code(), 201, "writes go on while NATS is down: {:?}", reply.body);
    app.nats.restart();
    let mut probe = app.probe().await;
    let event: TicketCreated = probe.next(std::time::Duration::from_secs(30)).await;
    assert_eq!(event.title, "Offline");
    assert!(probe.drain(QUIET).await.is_empty(), "exactly once");
}

#[tokio::test]
async fn a_service_stopped_before_relaying_publishes_after_restart() {
    let mut app = spawn_app().await;
    let (_, cookie) = user();
    app.nats.stop();
    let reply = app.create(Some(&cookie), &json!({"title": "Pending", "price": 30.0})).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);
    let id = common::id::ObjectId::parse(reply.body["id"].as_str().unwrap()).unwrap();
    // The process goes away with the event still in its outbox.
    app.stop_service().await;
    assert_eq!(app.store.pending_count().await.unwrap(), 1);
    app.nats.restart();
    let mut probe = app.probe().await;
    app.start_service().await;
    let event: TicketCreated = probe.next(PATIENCE).await;
    assert_eq!(event.id, id);
    assert!(probe.drain(QUIET).await.is_empty());
    assert_eq!(app.store.pending_count().await.unwrap(), 0);
}
