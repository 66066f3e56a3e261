//! `GET /api/tickets` and `GET /api/tickets/{id}`.

use serde_json::json;

use crate::helpers::{spawn_app, user};

#[tokio::test]
async fn the_list_holds_every_ticket_oldest_first() {
    let app = spawn_app().await;
    assert_eq!(app.api.get("/api/tickets", None).await.body, json!([]));
    let (seller, cookie) = user();
    let (_, other) = user();
    let first = app.create_ticket(&cookie, "First", 10.0).await;
    let second = app.create_ticket(&other, "Second", 12.5).await;
    let third = app.create_ticket(&cookie, "Third", 20.0).await;
    let reply = app.api.get("/api/tickets", None).await;
    assert_eq!(reply.code(), 200);
    let ids: Vec<&str> = reply.body.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![first.as_str(), second.as_str(), third.as_str()]);
    assert_eq!(reply.body[0], json!({"id": first, "title": "First", "price": 10, "userId": seller, "version": 0}));
    assert_eq!(reply.body[1]["price"], json!(12.5));
}

#[tokio::test]
async fn a_ticket_is_shown_by_id_in_either_case() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let id = app.create_ticket(&cookie, "Concert", 20.0).await;
    let reply = app.show(&id.as_str().to_uppercase()).await;
    assert_eq!(
        (reply.code(), reply.body["title"].clone(), reply.body["id"].clone()),
        (200, json!("Concert"), json!(id))
    );
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_not_found() {
    let app = spawn_app().await;
    let not_found = json!({"errors":[{"message":"Not Found"}]});
    for id in ["6561a0c0f1e2d3c4b5a69788", "abc", "6561a0c0f1e2d3c4b5a6978z", "123456789012"] {
        let reply = app.show(id).await;
        assert_eq!((reply.code(), reply.body.clone()), (404, not_found.clone()), "{id}");
    }
}
