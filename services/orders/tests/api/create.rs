//! `POST /api/orders`: every outcome of contract 3.3, in its order.

use std::time::Duration;

use common::{id::ObjectId, timestamp::Timestamp};
use serde_json::json;
use test_support::session_cookie;

use crate::{
    helpers::{QUIET, message, spawn_app, spawn_app_with},
    observe::next_event,
};

#[tokio::test]
async fn anonymous_callers_get_401_before_their_body_is_validated() {
    let app = spawn_app().await;
    let cases = [
        (None, json!({}), "no cookie, an empty body"),
        (None, json!({"ticketId": "abc"}), "no cookie, a bad id"),
        (Some("express:sess=bm90LWEtc2Vzc2lvbg=="), json!({}), "a cookie without a valid token"),
    ];
    for (cookie, body, why) in cases {
        let reply = app.post_order(cookie, &body).await;
        assert_eq!(reply.code(), 401, "{why}");
        assert_eq!(reply.body, json!({"errors":[{"message":"Not authorized"}]}), "{why}");
    }
}

#[tokio::test]
async fn a_ticket_id_that_is_missing_or_not_an_id_is_refused_with_the_contract_messages() {
    let app = spawn_app().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let invalid = json!({"message":"Invalid value","field":"ticketId"});
    let not_an_id = json!({"message":"TicketId must be provided","field":"ticketId"});
    let both = vec![invalid, not_an_id.clone()];
    let second = vec![not_an_id];
    let cases = [
        (json!({}), both.clone(), "a missing ticketId"),
        (json!({"ticketId": null}), both.clone(), "a null ticketId"),
        (json!({"ticketId": ""}), both, "an empty ticketId"),
        (json!({"ticketId": "abc"}), second.clone(), "a short string"),
        (json!({"ticketId": "123456789012"}), second.clone(), "a 12-character string"),
        (json!({"ticketId": "zz61a0c0f1e2d3c4b5a69788"}), second.clone(), "24 characters, not hex"),
        (json!({"ticketId": "6561a0c0f1e2d3c4b5a697881"}), second.clone(), "25 hex characters"),
        (json!({"ticketId": 123456789012_i64}), second.clone(), "a number"),
        (json!({"ticketId": true}), second.clone(), "a boolean"),
        (json!({"ticketId": {"id": "6561a0c0f1e2d3c4b5a69788"}}), second, "an object"),
    ];
    for (body, errors, why) in cases {
        let reply = app.post_order(Some(&cookie), &body).await;
        assert_eq!(reply.code(), 400, "the API did not fail with 400 for {why}");
        assert_eq!(reply.body, json!({ "errors": errors }), "wrong errors for {why}");
    }
    assert_eq!(app.store.pending_count().await.unwrap(), 0, "nothing was written");
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused() {
    let app = spawn_app().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    for body in ["[1,2]", "\"6561a0c0f1e2d3c4b5a69788\"", "{"] {
        let reply = app.api.send_raw(reqwest::Method::POST, "/api/orders", Some(&cookie), body).await;
        assert_eq!((reply.code(), message(&reply)), (400, "Request body must be a valid JSON object"), "{body}");
    }
}

#[tokio::test]
async fn a_ticket_that_is_not_in_the_replica_is_not_found() {
    let app = spawn_app().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let reply = app.create_order(&cookie, &ObjectId::generate()).await;
    assert_eq!(reply.code(), 404);
    assert_eq!(reply.body, json!({"errors":[{"message":"Not Found"}]}));
}

#[tokio::test]
async fn ordering_a_ticket_answers_the_order_and_publishes_order_created_with_the_replica_price() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "19.99").await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let mut probe = app.probe("order.>").await;

    let reply = app.create_order(&cookie, &ticket.id).await;

    assert_eq!(reply.code(), 201, "{:?}", reply.body);
    let id = reply.body["id"].as_str().expect("an id").to_owned();
    let expires_at = reply.body["expiresAt"].as_str().expect("an expiry").to_owned();
    assert_eq!(
        reply.body,
        json!({
            "id": id, "status": "created", "userId": buyer, "expiresAt": expires_at, "version": 0,
            "ticket": {"id": ticket.id, "title": "concert", "price": 19.99, "version": 0}, "price": 19.99
        })
    );
    let (message_id, payload) = next_event(&mut probe).await;
    assert_eq!(message_id, format!("order.created:{id}:0"));
    assert_eq!(
        payload,
        json!({
            "id": id, "version": 0, "status": "created", "userId": buyer, "expiresAt": expires_at,
            "ticket": {"id": ticket.id, "price": 19.99}
        })
    );
    assert!(probe.drain(QUIET).await.is_empty(), "one event only");
}

#[tokio::test]
async fn expires_at_is_now_plus_the_configured_window() {
    let app = spawn_app_with(|settings| settings.expiration_window = Duration::from_secs(900)).await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");

    let before = Timestamp::now();
    let reply = app.create_order(&cookie, &ticket.id).await;
    let after = Timestamp::now();

    let expires_at = Timestamp::parse(reply.body["expiresAt"].as_str().unwrap()).unwrap();
    let window = Duration::from_secs(900);
    assert!(before.plus(window) <= expires_at && expires_at <= after.plus(window), "{expires_at} is not now + 900 s");
    assert!(reply.body["expiresAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(reply.body["ticket"]["price"], json!(20), "whole dollars are an integer");
}

#[tokio::test]
async fn an_upper_case_ticket_id_orders_the_same_ticket() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let upper = ticket.id.to_string().to_uppercase();
    let reply = app.post_order(Some(&cookie), &json!({ "ticketId": upper })).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);
    assert_eq!(reply.body["ticket"]["id"], json!(ticket.id), "ids are answered in lower case");
}

#[tokio::test]
async fn a_ticket_held_by_an_open_order_is_already_reserved_for_everyone() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, first) = session_cookie("first@test.com");
    let (_, second) = session_cookie("second@test.com");
    app.open_order(&first, &ticket.id).await;
    let mut probe = app.probe("order.>").await;

    for (cookie, who) in [(&second, "another buyer"), (&first, "the same buyer")] {
        let reply = app.create_order(cookie, &ticket.id).await;
        assert_eq!(reply.code(), 400, "{who}");
        assert_eq!(reply.body, json!({"errors":[{"message":"Ticket is already reserved"}]}), "{who}");
    }
    assert!(probe.drain(QUIET).await.is_empty(), "a refused order emits nothing");
    assert_eq!(app.store.find::<orders::order::Order>(&[]).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_ticket_with_a_complete_order_stays_reserved() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, buyer) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, &ticket.id).await;
    app.pay(&order).await;

    let (_, latecomer) = session_cookie("late@test.com");
    let reply = app.create_order(&latecomer, &ticket.id).await;
    assert_eq!((reply.code(), message(&reply)), (400, "Ticket is already reserved"));
}

#[tokio::test]
async fn a_cancelled_order_frees_its_ticket_for_a_new_order() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, first) = session_cookie("first@test.com");
    let order = app.open_order(&first, &ticket.id).await;
    assert_eq!(app.cancel_order(Some(&first), order.as_str()).await.code(), 204);

    let (_, second) = session_cookie("second@test.com");
    let reply = app.create_order(&second, &ticket.id).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);
    assert_ne!(reply.body["id"], json!(order), "a new order");
}

#[tokio::test]
async fn an_order_is_charged_the_replicas_current_price() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let update = common::events::TicketUpdated {
        id: ticket.id.clone(),
        version: 1,
        title: "concert (moved)".into(),
        price: common::money::Cents(1250),
        user_id: ticket.user_id.clone(),
        order_id: None,
        status: None,
    };
    app.publish(&update).await;
    app.wait_for_ticket(&ticket.id, "the price change is applied", |t| t.version == 1).await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let mut probe = app.probe("order.created").await;

    let reply = app.create_order(&cookie, &ticket.id).await;

    assert_eq!(reply.body["ticket"], json!({"id": ticket.id, "title": "concert (moved)", "price": 12.5, "version": 1}));
    let (_, payload) = next_event(&mut probe).await;
    assert_eq!(payload["ticket"], json!({"id": ticket.id, "price": 12.5}));
}
