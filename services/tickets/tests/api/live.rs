//! `GET /api/tickets/updates` (contract 3.5): the event shape, a change by
//! another replica reaching this one's subscribers, a slow reader dropped,
//! shutdown ending streams. Every wait looks for the event it expects and
//! skips others (earlier changes of the same ticket may come first).

use std::time::Duration;

use common::{events::TicketStatus, id::ObjectId};
use serde_json::json;
use test_support::{SseEvent, SseStream, eventually};

use crate::helpers::{PATIENCE, TestApp, order_created, spawn_app, user};

/// An event about ticket `id` with `status`.
fn about(id: &ObjectId, status: TicketStatus) -> impl Fn(&SseEvent) -> bool {
    let (id, status) = (id.to_string(), status.as_str());
    move |event| event.data["id"] == json!(id) && event.data["status"] == json!(status)
}

/// The open streams `/metrics` reports.
async fn open_streams(app: &TestApp) -> i64 {
    let text = reqwest::get(format!("{}/metrics", app.base())).await.unwrap().text().await.unwrap();
    let line = text.lines().find(|line| line.starts_with("sse_connections ")).expect("sse_connections is exported");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn each_change_is_streamed_as_the_ticket_json() {
    let app = spawn_app().await;
    let (seller, cookie) = user();
    let mut stream = SseStream::connect(app.base(), "/api/tickets/updates", None).await;
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    assert_eq!(stream.headers()["x-accel-buffering"], "no");
    eventually(PATIENCE, "the stream is counted", || async { (open_streams(&app).await == 1).then_some(()) }).await;

    let id = app.create_ticket(&cookie, "Concert", 19.99).await;
    let created = stream.wait_for(PATIENCE, "the new ticket", about(&id, TicketStatus::Available)).await;
    assert_eq!(created.name, "ticket");
    assert_eq!(
        created.data,
        json!({"id": id, "title": "Concert", "price": 19.99, "userId": seller, "version": 0, "status": "available"})
    );
    let order = order_created(&id);
    app.publish(&order).await;
    let reserved = stream.wait_for(PATIENCE, "the reservation", about(&id, TicketStatus::Reserved)).await;
    assert_eq!((reserved.data["orderId"].clone(), reserved.data["version"].clone()), (json!(order.id), json!(1)));
    app.publish(&TestApp::payment_for(&order.id)).await;
    stream.wait_for(PATIENCE, "the sale", about(&id, TicketStatus::Sold)).await;

    drop(stream);
    eventually(PATIENCE, "a closed stream is no longer counted", || async {
        (open_streams(&app).await == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_change_committed_by_another_replica_reaches_this_ones_streams() {
    let app = spawn_app().await;
    let other = app.another_replica().await;
    let (_, cookie) = user();
    let mut stream = SseStream::connect(app.base(), "/api/tickets/updates", None).await;
    let reply = other.api.post("/api/tickets", Some(&cookie), &json!({"title": "Elsewhere", "price": 5})).await;
    assert_eq!(reply.code(), 201);
    let id = ObjectId::parse(reply.body["id"].as_str().unwrap()).unwrap();
    let event = stream.wait_for(PATIENCE, "the other replica's ticket", about(&id, TicketStatus::Available)).await;
    assert_eq!(event.data["title"], json!("Elsewhere"));
    other.stop().await.unwrap();
}

#[tokio::test]
async fn a_reader_that_falls_behind_is_dropped_not_buffered() {
    let app = spawn_app().await;
    let mut stream = SseStream::connect(app.base(), "/api/tickets/updates", None).await;
    eventually(PATIENCE, "the stream is counted", || async { (open_streams(&app).await == 1).then_some(()) }).await;
    // Far more than the socket buffers and the hub's 512 updates hold, while
    // the reader reads nothing: a ticket.updated the size of 32 KiB, 2000 times.
    let client = async_nats::connect(app.nats.url()).await.unwrap();
    let (seller, sent) = (ObjectId::generate(), 2000);
    for version in 1..=sent {
        let payload = json!({"id": ObjectId::generate(), "version": version, "title": "x".repeat(32 * 1024),
            "price": 1, "userId": seller});
        client.publish("ticket.updated", serde_json::to_vec(&payload).unwrap().into()).await.unwrap();
    }
    client.flush().await.unwrap();
    // Let the hub pass them all on before the reader wakes up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = stream.read_to_end(3 * PATIENCE).await.expect("the server ended the stream");
    assert!(got < sent, "the slow reader got {got} of {sent}: it should have been dropped");
    eventually(PATIENCE, "the dropped stream is no longer counted", || async {
        (open_streams(&app).await == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn shutdown_ends_open_streams() {
    let mut app = spawn_app().await;
    let mut stream = SseStream::connect(app.base(), "/api/tickets/updates", None).await;
    let stopping = tokio::spawn(async move {
        app.stop_service().await;
        app
    });
    assert!(stream.read_to_end(PATIENCE).await.is_some(), "the stream ends when the service stops");
    stopping.await.unwrap();
}
