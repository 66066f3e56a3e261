//! Sold tickets (added): the `tickets-payments` consumer applying
//! `payment.created`, the `status` every view carries, and the list's
//! `status` filter (contract 3.2, 4.4).

use common::events::{TicketStatus, TicketUpdated};
use serde_json::json;

use crate::helpers::{PATIENCE, QUIET, TestApp, order_cancelled, order_created, spawn_app, user};

#[tokio::test]
async fn a_paid_reservation_is_sold_once_and_listed_as_sold() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let id = app.create_ticket(&cookie, "Concert", 20.0).await;
    let other = app.create_ticket(&cookie, "Opera", 30.0).await;
    assert_eq!(app.show(id.as_str()).await.body["status"], json!("available"));
    let order = order_created(&id);
    app.publish(&order).await;
    app.wait_for(&id, "reserved", |t| t.order_id.is_some()).await;
    assert_eq!(app.show(id.as_str()).await.body["status"], json!("reserved"));
    let reserved = app.api.get("/api/tickets?status=reserved", None).await;
    assert_eq!(reserved.body.as_array().unwrap().len(), 1);

    let mut probe = app.probe().await;
    let payment = TestApp::payment_for(&order.id);
    app.publish(&payment).await;
    let sold: TicketUpdated = probe.next(PATIENCE).await;
    assert_eq!(
        (sold.version, sold.order_id.clone(), sold.status),
        (2, Some(order.id.clone()), Some(TicketStatus::Sold))
    );
    let shown = app.show(id.as_str()).await.body;
    assert_eq!((shown["status"].clone(), shown["orderId"].clone()), (json!("sold"), json!(order.id)));

    app.publish_as(&payment, "a-redelivered-copy").await;
    assert!(probe.drain(QUIET).await.is_empty(), "a duplicate payment emits nothing");

    let api = &app.api;
    let ids = |path: &'static str| async move {
        let body = api.get(path, None).await.body;
        body.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(ids("/api/tickets?status=sold").await, vec![id.to_string()]);
    assert_eq!(ids("/api/tickets?status=sold&limit=5").await, vec![id.to_string()]);
    assert!(ids("/api/tickets?status=reserved").await.is_empty(), "a sold ticket is not reserved");
    assert_eq!(ids("/api/tickets?status=available").await, vec![other.to_string()]);

    let edit = app.update(Some(&cookie), id.as_str(), &json!({"title": "Mine again", "price": 5})).await;
    assert_eq!(edit.body, json!({"errors":[{"message":"Cannot edit a reserved ticket"}]}));
}

#[tokio::test]
async fn a_payment_that_lost_the_race_to_the_expiry_leaves_the_ticket_available() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let id = app.create_ticket(&cookie, "Concert", 20.0).await;
    // Sold first, then the order's cancellation (orders applied the expiry
    // before the payment; payments refunds the charge): available again.
    let order = order_created(&id);
    app.publish(&order).await;
    app.wait_for(&id, "reserved", |t| t.order_id.is_some()).await;
    app.publish(&TestApp::payment_for(&order.id)).await;
    app.wait_for(&id, "sold", |t| t.sold).await;
    app.publish(&order_cancelled(&order)).await;
    let released = app.wait_for(&id, "released", |t| t.order_id.is_none()).await;
    assert_eq!((released.version, released.sold), (3, false));
    assert_eq!(app.show(id.as_str()).await.body["status"], json!("available"));

    // Cancelled first: the late payment finds the tombstone and changes nothing.
    let second = order_created(&id);
    app.publish(&second).await;
    app.wait_for(&id, "reserved again", |t| t.order_id.is_some()).await;
    app.publish(&order_cancelled(&second)).await;
    app.wait_for(&id, "released again", |t| t.order_id.is_none()).await;
    let mut probe = app.probe().await;
    app.publish(&TestApp::payment_for(&second.id)).await;
    assert!(probe.drain(QUIET).await.is_empty(), "a payment for a cancelled order sells nothing");
    assert_eq!(app.ticket(&id).await.version, 5);
}
