//! `GET /api/orders/{orderId}`: 401, 404 (malformed or unknown), 401 for a
//! non-owner, 200.

use common::id::ObjectId;
use serde_json::json;
use test_support::session_cookie;

use crate::helpers::{message, spawn_app};

#[tokio::test]
async fn anonymous_callers_get_401_even_for_an_id_that_cannot_exist() {
    let app = spawn_app().await;
    for id in [ObjectId::generate().to_string(), "not-an-id".to_owned()] {
        let reply = app.show_order(None, &id).await;
        assert_eq!(reply.code(), 401, "{id}");
        assert_eq!(reply.body, json!({"errors":[{"message":"Not authorized"}]}), "{id}");
    }
}

#[tokio::test]
async fn a_malformed_or_unknown_order_id_is_not_found() {
    let app = spawn_app().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let unknown = ObjectId::generate().to_string();
    for (id, why) in [(unknown.as_str(), "unknown"), ("abc", "short"), ("zz61a0c0f1e2d3c4b5a69788", "not hex")] {
        let reply = app.show_order(Some(&cookie), id).await;
        assert_eq!(reply.code(), 404, "{why}");
        assert_eq!(reply.body, json!({"errors":[{"message":"Not Found"}]}), "{why}");
    }
}

#[tokio::test]
async fn someone_elses_order_is_not_authorized() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, owner) = session_cookie("owner@test.com");
    let (_, intruder) = session_cookie("intruder@test.com");
    let order = app.open_order(&owner, &ticket.id).await;
    let reply = app.show_order(Some(&intruder), order.as_str()).await;
    assert_eq!((reply.code(), message(&reply)), (401, "Not authorized"));
}

#[tokio::test]
async fn the_owner_sees_the_order_as_it_was_created_also_by_upper_case_id_and_trailing_slash() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "19.99").await;
    let (_, cookie) = session_cookie("owner@test.com");
    let created = app.create_order(&cookie, &ticket.id).await;
    let id = created.body["id"].as_str().unwrap().to_owned();

    for path_id in [id.clone(), id.to_uppercase(), format!("{id}/")] {
        let reply = app.show_order(Some(&cookie), &path_id).await;
        assert_eq!(reply.code(), 200, "{path_id}");
        assert_eq!(reply.body, created.body, "{path_id}");
    }
}
