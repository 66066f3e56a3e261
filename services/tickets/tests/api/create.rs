//! `POST /api/tickets`.

use std::time::Duration;

use common::events::TicketCreated;
use serde_json::{Value, json};

use crate::helpers::{QUIET, spawn_app, user};

#[tokio::test]
async fn anonymous_callers_get_401_before_validation() {
    let app = spawn_app().await;
    let reply = app.create(None, &json!({})).await;
    assert_eq!((reply.code(), reply.body), (401, json!({"errors":[{"message":"Not authorized"}]})));
    let bad_cookie = app.create(Some("express:sess=bm9wZQ=="), &json!({"title":"x","price":1})).await;
    assert_eq!(bad_cookie.code(), 401);
}

#[tokio::test]
async fn every_invalid_field_is_reported_title_first() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let title = |message: &str| json!({"message": message, "field": "title"});
    let price = |message: &str| json!({"message": message, "field": "price"});
    let required = title("Title is required");
    let positive = price("Price must be greater than 0");
    let decimals = price("Price must have at most 2 decimal places");
    let maximum = price("Price must be at most 999999.99");
    let cases: Vec<(Value, Vec<Value>, &str)> = vec![
        (json!({}), vec![required.clone(), positive.clone()], "an empty body"),
        (json!({"title": null, "price": null}), vec![required.clone(), positive.clone()], "nulls"),
        (json!({"title": "", "price": 10}), vec![required.clone()], "an empty title"),
        (json!({"title": "   ", "price": 10}), vec![required.clone()], "a blank title"),
        (json!({"title": 42, "price": 10}), vec![required.clone()], "a number as title"),
        (json!({"title": ["a"], "price": 10}), vec![required.clone()], "an array as title"),
        (json!({"title": "concert"}), vec![positive.clone()], "a missing price"),
        (json!({"title": "concert", "price": "abc"}), vec![positive.clone()], "a word as price"),
        (json!({"title": "concert", "price": 0}), vec![positive.clone()], "a zero price"),
        (json!({"title": "concert", "price": -10}), vec![positive.clone()], "a negative price"),
        (json!({"title": "concert", "price": true}), vec![positive.clone()], "a boolean price"),
        (json!({"title": "concert", "price": [5]}), vec![positive.clone()], "an array price"),
        (json!({"title": "concert", "price": {"amount": 5}}), vec![positive.clone()], "an object price"),
        (json!({"title": "concert", "price": 19.999}), vec![decimals.clone()], "three decimals"),
        (json!({"title": "concert", "price": 1000000}), vec![maximum.clone()], "over the maximum"),
        (json!({"title": "", "price": 19.999}), vec![required.clone(), decimals], "both, the second of its own kind"),
    ];
    for (body, errors, label) in cases {
        let reply = app.create(Some(&cookie), &body).await;
        assert_eq!(reply.code(), 400, "{label}: {:?}", reply.body);
        assert_eq!(reply.body, json!({ "errors": errors }), "The API did not refuse {label} as the contract says");
    }
}

#[tokio::test]
async fn a_title_of_200_characters_passes_and_the_201st_is_refused() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let longest = format!("  {}  ", "é".repeat(200));
    let reply = app.create(Some(&cookie), &json!({"title": longest, "price": 10})).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);
    assert_eq!(reply.body["title"].as_str().unwrap().chars().count(), 200, "trimmed, then counted");
    let reply = app.create(Some(&cookie), &json!({"title": "é".repeat(201), "price": 10})).await;
    assert_eq!(reply.code(), 400);
    assert_eq!(reply.body, json!({"errors": [{"message": "Title must be at most 200 characters", "field": "title"}]}));
}

#[tokio::test]
async fn prices_are_read_from_the_exact_text_sent() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let cases = [
        (r#"{"title":"a","price":19.990}"#, json!(19.99)),
        (r#"{"title":"a","price":"12.5"}"#, json!(12.5)),
        (r#"{"title":"a","price":999999.99}"#, json!(999_999.99)),
        (r#"{"title":"a","price":2e1}"#, json!(20)),
        (r#"{"title":"a","price":0.5}"#, json!(0.5)),
        (r#"{"title":"a","price":".50"}"#, json!(0.5)),
    ];
    for (body, price) in cases {
        let reply = app.api.send_raw(reqwest::Method::POST, "/api/tickets", Some(&cookie), body).await;
        assert_eq!((reply.code(), reply.body["price"].clone()), (201, price), "{body}");
    }
    let huge =
        app.api.send_raw(reqwest::Method::POST, "/api/tickets", Some(&cookie), r#"{"title":"a","price":1e400}"#).await;
    assert_eq!(huge.code(), 400, "{:?}", huge.body);
}

#[tokio::test]
async fn a_created_ticket_is_returned_and_published_once() {
    let app = spawn_app().await;
    let (seller, cookie) = user();
    let mut probe = app.probe().await;
    let reply = app.create(Some(&cookie), &json!({"title": "  Concert  ", "price": 19.99, "extra": true})).await;
    assert_eq!(reply.code(), 201);
    let id = reply.body["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 24);
    assert_eq!(
        reply.body,
        json!({"id": id, "title": "Concert", "price": 19.99, "userId": seller, "version": 0, "status": "available"}),
        "trimmed title, exact price, no orderId"
    );
    let event: TicketCreated = probe.next(Duration::from_secs(10)).await;
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        json!({"id": id, "version": 0, "title": "Concert", "price": 19.99, "userId": seller})
    );
    assert!(probe.drain(QUIET).await.is_empty(), "published exactly once");
    let stored = app.ticket(&event.id).await;
    assert_eq!(stored.price_cents, 1999, "stored as integer cents");
}

#[tokio::test]
async fn bodies_that_are_not_json_objects_are_refused_clearly() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    for body in ["[]", "\"concert\"", "{\"title\":", "nonsense"] {
        let reply = app.api.send_raw(reqwest::Method::POST, "/api/tickets", Some(&cookie), body).await;
        assert_eq!(
            (reply.code(), reply.body.clone()),
            (400, json!({"errors":[{"message":"Request body must be a valid JSON object"}]})),
            "{body}"
        );
    }
}
