//! `GET /api/orders`: the caller's orders in every status, oldest first,
//! with their tickets' current replica values.

use common::{events::TicketUpdated, money::Cents};
use serde_json::json;
use test_support::session_cookie;

use crate::helpers::spawn_app;

#[tokio::test]
async fn anonymous_callers_get_401() {
    let app = spawn_app().await;
    let reply = app.list_orders(None).await;
    assert_eq!(reply.code(), 401);
    assert_eq!(reply.body, json!({"errors":[{"message":"Not authorized"}]}));
}

#[tokio::test]
async fn a_buyer_without_orders_gets_an_empty_list() {
    let app = spawn_app().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let reply = app.list_orders(Some(&cookie)).await;
    assert_eq!((reply.code(), reply.body), (200, json!([])));
}

#[tokio::test]
async fn a_buyer_sees_only_their_own_orders_in_every_status_oldest_first() {
    let app = spawn_app().await;
    let (_, buyer) = session_cookie("buyer@test.com");
    let (_, other) = session_cookie("other@test.com");
    let first = app.seed_ticket("first", "10").await;
    let second = app.seed_ticket("second", "20").await;
    let third = app.seed_ticket("third", "30").await;

    let cancelled = app.open_order(&buyer, &first.id).await;
    assert_eq!(app.cancel_order(Some(&buyer), cancelled.as_str()).await.code(), 204);
    let complete = app.open_order(&buyer, &second.id).await;
    app.pay(&complete).await;
    app.open_order(&other, &third.id).await;
    let again = app.open_order(&buyer, &first.id).await;

    let reply = app.list_orders(Some(&buyer)).await;
    assert_eq!(reply.code(), 200);
    let summary: Vec<(String, String, String)> = reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["id"].as_str().unwrap().into(),
                o["status"].as_str().unwrap().into(),
                o["ticket"]["title"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (cancelled.to_string(), "cancelled".to_owned(), "first".to_owned()),
            (complete.to_string(), "complete".to_owned(), "second".to_owned()),
            (again.to_string(), "created".to_owned(), "first".to_owned()),
        ]
    );
    for order in reply.body.as_array().unwrap() {
        let shown = app.show_order(Some(&buyer), order["id"].as_str().unwrap()).await;
        assert_eq!(&shown.body, order, "the list shows each order as GET one does");
    }
}

#[tokio::test]
async fn listed_orders_embed_the_tickets_current_title_and_price() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, buyer) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, &ticket.id).await;
    // The tickets service reserves the ticket for this order (v1): the
    // replica follows, and the order shows the ticket's new version.
    let reserved = TicketUpdated {
        id: ticket.id.clone(),
        version: 1,
        title: "concert (front row)".into(),
        price: Cents(2550),
        user_id: ticket.user_id.clone(),
        order_id: Some(order.clone()),
        status: None,
    };
    app.publish(&reserved).await;
    app.wait_for_ticket(&ticket.id, "the replica follows", |t| t.version == 1).await;

    let reply = app.list_orders(Some(&buyer)).await;
    assert_eq!(
        reply.body[0]["ticket"],
        json!({"id": ticket.id, "title": "concert (front row)", "price": 25.5, "version": 1})
    );
}
