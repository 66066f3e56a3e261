//! Fifty buyers, one ticket: the store's unique index lets exactly one win.

use std::time::Duration;

use common::events::OrderCreated;
use orders::order::Order;
use serde_json::json;
use test_support::session_cookie;

use crate::helpers::{PATIENCE, message, spawn_app};

const BUYERS: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_buyers_of_one_ticket_get_one_201_and_one_order_created() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("last seat", "99.5").await;
    let cookies: Vec<String> = (0..BUYERS).map(|i| session_cookie(&format!("buyer{i}@test.com")).1).collect();
    let mut probe = app.probe("order.>").await;

    let replies = futures::future::join_all(cookies.iter().map(|cookie| app.create_order(cookie, &ticket.id))).await;

    let winners: Vec<_> = replies.iter().filter(|reply| reply.code() == 201).collect();
    assert_eq!(winners.len(), 1, "exactly one 201");
    for reply in replies.iter().filter(|reply| reply.code() != 201) {
        assert_eq!((reply.code(), message(reply)), (400, "Ticket is already reserved"), "{:?}", reply.body);
    }
    let stored = app.store.find::<Order>(&[("ticketId", json!(ticket.id))]).await.unwrap();
    assert_eq!(stored.len(), 1, "one order stored");

    let created: OrderCreated = probe.next(PATIENCE).await;
    assert_eq!(json!(created.id), winners[0].body["id"]);
    assert!(probe.drain(Duration::from_secs(2)).await.is_empty(), "exactly one order.created");
    assert_eq!(app.stored_events("order.created").await.len(), 1, "and one in the stream");
}
