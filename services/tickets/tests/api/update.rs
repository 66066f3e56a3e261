//! `PUT /api/tickets/{id}`, in the contract's evaluation order.

use common::events::TicketUpdated;
use serde_json::json;

use crate::helpers::{PATIENCE, QUIET, order_created, spawn_app, user};

#[tokio::test]
async fn anonymous_callers_get_401_before_anything_else() {
    let app = spawn_app().await;
    let reply = app.update(None, "not-an-id", &json!({})).await;
    assert_eq!((reply.code(), reply.body), (401, json!({"errors":[{"message":"Not authorized"}]})));
}

#[tokio::test]
async fn fields_are_validated_before_the_id_is_looked_at() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let id = app.create_ticket(&cookie, "Concert", 20.0).await;
    let provided = json!({"message": "Price must be provided and must be greater than 0", "field": "price"});
    for target in [id.as_str(), "not-an-id", "6561a0c0f1e2d3c4b5a69788"] {
        let reply = app.update(Some(&cookie), target, &json!({"title": " "})).await;
        assert_eq!(
            reply.body,
            json!({"errors": [{"message": "Title is required", "field": "title"}, provided]}),
            "{target}"
        );
        assert_eq!(reply.code(), 400);
    }
    let precise = app.update(Some(&cookie), id.as_str(), &json!({"title": "x", "price": 1.001})).await;
    assert_eq!(precise.body["errors"][0]["message"], "Price must have at most 2 decimal places");
}

#[tokio::test]
async fn an_unknown_or_malformed_ticket_is_not_found() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    for id in ["6561a0c0f1e2d3c4b5a69788", "nope"] {
        let reply = app.update(Some(&cookie), id, &json!({"title": "x", "price": 5})).await;
        assert_eq!(reply.code(), 404, "{id}");
    }
}

#[tokio::test]
async fn only_the_owner_may_edit() {
    let app = spawn_app().await;
    let (_, owner) = user();
    let (_, stranger) = user();
    let id = app.create_ticket(&owner, "Concert", 20.0).await;
    let reply = app.update(Some(&stranger), id.as_str(), &json!({"title": "Mine now", "price": 1})).await;
    assert_eq!((reply.code(), reply.body), (401, json!({"errors":[{"message":"Not authorized"}]})));
    assert_eq!(app.ticket(&id).await.title, "Concert", "nothing changed");
}

#[tokio::test]
async fn an_edit_replaces_both_fields_bumps_the_version_and_is_published() {
    let app = spawn_app().await;
    let (seller, cookie) = user();
    let id = app.create_ticket(&cookie, "Concert", 20.0).await;
    let mut probe = app.probe().await;
    let reply = app.update(Some(&cookie), id.as_str(), &json!({"title": "Opera", "price": "35.5"})).await;
    assert_eq!(reply.code(), 200);
    assert_eq!(
        reply.body,
        json!({"id": id, "title": "Opera", "price": 35.5, "userId": seller, "version": 1, "status": "available"})
    );
    // An unchanged edit still moves the version, as the original did.
    let again = app.update(Some(&cookie), id.as_str(), &json!({"title": "Opera", "price": 35.5})).await;
    assert_eq!(again.body["version"], json!(2));
    let first: TicketUpdated = probe.next(PATIENCE).await;
    let second: TicketUpdated = probe.next(PATIENCE).await;
    assert_eq!(
        serde_json::to_value(&first).unwrap(),
        json!({"id": id, "version": 1, "title": "Opera", "price": 35.5, "userId": seller, "status": "available"}),
        "no orderId on an edit"
    );
    assert_eq!(second.version, 2);
    assert!(probe.drain(QUIET).await.is_empty());
}

#[tokio::test]
async fn a_reserved_ticket_cannot_be_edited_even_by_a_stranger_who_learns_that_first() {
    let app = spawn_app().await;
    let (_, owner) = user();
    let (_, stranger) = user();
    let id = app.create_ticket(&owner, "Concert", 20.0).await;
    app.publish(&order_created(&id)).await;
    app.wait_for(&id, "the ticket is reserved", |t| t.order_id.is_some()).await;
    let reserved = json!({"errors":[{"message":"Cannot edit a reserved ticket"}]});
    for cookie in [&owner, &stranger] {
        let reply = app.update(Some(cookie), id.as_str(), &json!({"title": "x", "price": 1})).await;
        assert_eq!((reply.code(), reply.body.clone()), (400, reserved.clone()));
    }
    let shown = app.show(id.as_str()).await;
    assert_eq!((shown.body["version"].clone(), shown.body["title"].clone()), (json!(1), json!("Concert")));
    assert!(shown.body["orderId"].is_string(), "orderId shows while reserved");
}
