//! Reserving and releasing through real NATS: the `tickets-service`
//! consumer applying `order.created` and `order.cancelled` (contract 4.4).

use common::{events::TicketUpdated, money::Cents};
use test_support::eventually;
use tickets::ticket::{Ticket, Tombstone};

use crate::helpers::{PATIENCE, QUIET, order_cancelled, order_created, spawn_app, user};

#[tokio::test]
async fn an_order_reserves_its_ticket_once_even_if_delivered_twice() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let id = app.create_ticket(&cookie, "Concert", 20.0).await;
    let mut probe = app.probe().await;
    let order = order_created(&id);
    app.publish(&order).await;
    let reserved: TicketUpdated = probe.next(PATIENCE).await;
    assert_eq!((reserved.version, reserved.order_id.clone()), (1, Some(order.id.clone())));
    assert_eq!(reserved.price, Cents(2000));

    app.publish_as(&order, "a-redelivered-copy").await;
    assert!(probe.drain(QUIET).await.is_empty(), "a duplicate emits nothing");
    let ticket = app.ticket(&id).await;
    assert_eq!((ticket.version, ticket.order_id), (1, Some(order.id)));
}

#[tokio::test]
async fn a_cancelled_order_releases_its_ticket() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let id = app.create_ticket(&cookie, "Concert", 20.0).await;
    let order = order_created(&id);
    app.publish(&order).await;
    app.wait_for(&id, "reserved", |t| t.order_id.is_some()).await;
    let mut probe = app.probe().await;
    app.publish(&order_cancelled(&order)).await;
    let released: TicketUpdated = probe.next(PATIENCE).await;
    assert_eq!((released.version, released.order_id), (2, None));
    // The owner may edit again.
    let reply = app.update(Some(&cookie), id.as_str(), &serde_json::json!({"title": "Again", "price": 5})).await;
    assert_eq!((reply.code(), reply.body["version"].clone()), (200, serde_json::json!(3)));
}

#[tokio::test]
async fn a_late_order_created_for_a_cancelled_order_is_ignored() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let id = app.create_ticket(&cookie, "Concert", 20.0).await;
    let order = order_created(&id);
    let mut probe = app.probe().await;
    // The cancellation overtakes the creation (a redelivery, say).
    app.publish(&order_cancelled(&order)).await;
    app.publish(&order).await;
    assert!(probe.drain(QUIET).await.is_empty(), "the ticket never moved");
    let ticket = app.ticket(&id).await;
    assert_eq!((ticket.version, ticket.order_id), (0, None));
}

#[tokio::test]
async fn a_second_order_waits_until_the_first_is_cancelled() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let id = app.create_ticket(&cookie, "Concert", 20.0).await;
    let (first, second) = (order_created(&id), order_created(&id));
    app.publish(&first).await;
    app.wait_for(&id, "held by the first order", |t| t.order_id.as_ref() == Some(&first.id)).await;
    app.publish(&second).await;
    let mut probe = app.probe().await;
    assert!(probe.drain(QUIET).await.is_empty(), "the second order does not take the ticket yet");
    app.publish(&order_cancelled(&first)).await;
    let ticket = app.wait_for(&id, "held by the second order", |t| t.order_id.as_ref() == Some(&second.id)).await;
    assert_eq!(ticket.version, 3, "reserve, release, reserve");
}

#[tokio::test]
async fn a_stale_cancellation_does_not_release_a_newer_reservation() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let id = app.create_ticket(&cookie, "Concert", 20.0).await;
    let (first, second) = (order_created(&id), order_created(&id));
    app.publish(&first).await;
    app.publish(&order_cancelled(&first)).await;
    app.publish(&second).await;
    let held = app.wait_for(&id, "held by the second order", |t| t.order_id.as_ref() == Some(&second.id)).await;
    // The first order's cancellation (and, in parallel lanes, maybe its
    // creation) may be settled after the second reservation: wait until the
    // first is tombstoned before the late copy, so only the copy is tested.
    eventually(PATIENCE, "the first order is tombstoned", || async {
        app.store.get::<Tombstone>(&first.id).await.unwrap()
    })
    .await;
    let mut probe = app.probe().await;
    // The first order's cancellation arrives again, after the window.
    app.publish_as(&order_cancelled(&first), "a-late-copy").await;
    assert!(probe.drain(QUIET).await.is_empty());
    let ticket = app.ticket(&id).await;
    assert_eq!((ticket.order_id, ticket.version), (Some(second.id), held.version), "the newer reservation stands");
}

#[tokio::test]
async fn events_for_a_ticket_not_yet_known_wait_for_it() {
    let app = spawn_app().await;
    let (seller, _) = user();
    let ticket = Ticket::new("Late".into(), Cents(1000), seller);
    let order = order_created(&ticket.id);
    app.publish(&order).await;
    let mut probe = app.probe().await;
    assert!(probe.drain(QUIET).await.is_empty(), "nothing to reserve yet");
    // The ticket arrives (as if its creation had been slow to commit).
    app.store.insert(&ticket, &[]).await.unwrap();
    let held = app.wait_for(&ticket.id, "the early order reserves it", |t| t.order_id.is_some()).await;
    assert_eq!((held.order_id, held.version), (Some(order.id), 1));
}
