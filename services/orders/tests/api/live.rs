//! `GET /api/orders/updates` (contract 3.5): 401 for anonymous callers; the
//! buyer's own orders as the Order JSON on each change (created, cancelled,
//! paid, refunded), nobody else's; a change made through another replica;
//! shutdown ending streams. Waits look for the event they expect and skip
//! others.

use common::{events::PaymentRefunded, id::ObjectId, money::Cents};
use serde_json::{Value, json};
use test_support::{Opened, SseEvent, SseStream, session_cookie};

use crate::helpers::{PATIENCE, QUIET, spawn_app};

/// An event about order `id` in `status`.
fn about(id: &ObjectId, status: &'static str) -> impl Fn(&SseEvent) -> bool {
    let id = id.to_string();
    move |event| event.data["id"] == json!(id) && event.data["status"] == json!(status)
}

#[tokio::test]
async fn anonymous_callers_get_401() {
    let app = spawn_app().await;
    for cookie in [None, Some("express:sess=not-a-session")] {
        match SseStream::open(app.api.base(), "/api/orders/updates", cookie).await {
            Opened::Refused(status, body) => {
                assert_eq!(status.as_u16(), 401);
                assert_eq!(
                    serde_json::from_str::<Value>(&body).unwrap(),
                    json!({"errors":[{"message":"Not authorized"}]})
                );
            }
            Opened::Stream(_) => panic!("an anonymous caller got a stream"),
        }
    }
}

#[tokio::test]
async fn a_buyer_sees_each_change_of_their_own_orders_and_no_one_elses() {
    let app = spawn_app().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let (_, stranger) = session_cookie("stranger@test.com");
    let mut mine = SseStream::connect(app.api.base(), "/api/orders/updates", Some(&cookie)).await;
    let mut theirs = SseStream::connect(app.api.base(), "/api/orders/updates", Some(&stranger)).await;

    let first = app.seed_ticket("concert", "20").await;
    let order = app.open_order(&cookie, &first.id).await;
    let created = mine.wait_for(PATIENCE, "the new order", about(&order, "created")).await;
    assert_eq!(created.name, "order");
    let shown = app.show_order(Some(&cookie), order.as_str()).await.body;
    assert_eq!(created.data, shown, "the event is the Order JSON the API answers");
    assert_eq!(app.cancel_order(Some(&cookie), order.as_str()).await.code(), 204);
    let cancelled = mine.wait_for(PATIENCE, "the cancellation", about(&order, "cancelled")).await;
    assert_eq!(cancelled.data["version"], json!(1));

    let second = app.seed_ticket("opera", "19.99").await;
    let paid = app.open_order(&cookie, &second.id).await;
    app.publish_payment(&paid).await;
    let complete = mine.wait_for(PATIENCE, "the payment", about(&paid, "complete")).await;
    assert_eq!((complete.data["price"].clone(), complete.data.get("refundedAmount")), (json!(19.99), None));
    let refund = PaymentRefunded {
        id: ObjectId::generate(),
        order_id: paid.clone(),
        stripe_id: "ch_test_1".into(),
        refund_id: Some("re_test_1".into()),
        amount: Cents(1999),
    };
    app.publish(&refund).await;
    mine.wait_for(PATIENCE, "the refund", |event| event.data["refundedAmount"] == json!(19.99)).await;

    assert_eq!(theirs.next_event(QUIET).await, Err(()), "another buyer's stream shows nothing of these orders");
}

#[tokio::test]
async fn an_order_made_through_another_replica_reaches_this_ones_streams() {
    let app = spawn_app().await;
    let other = app.another_replica().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let mut stream = SseStream::connect(app.api.base(), "/api/orders/updates", Some(&cookie)).await;
    let ticket = app.seed_ticket("concert", "20").await;
    let reply = other.api.post("/api/orders", Some(&cookie), &json!({"ticketId": ticket.id})).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);
    let order = ObjectId::parse(reply.body["id"].as_str().unwrap()).unwrap();
    stream.wait_for(PATIENCE, "the other replica's order", about(&order, "created")).await;
    other.stop().await.unwrap();
}

#[tokio::test]
async fn shutdown_ends_open_streams() {
    let mut app = spawn_app().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let mut stream = SseStream::connect(app.api.base(), "/api/orders/updates", Some(&cookie)).await;
    let stopping = tokio::spawn(async move {
        app.stop_service().await;
        app
    });
    assert!(stream.read_to_end(PATIENCE).await.is_some(), "the stream ends when the service stops");
    stopping.await.unwrap();
}
