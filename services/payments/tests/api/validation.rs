//! Steps 1–4 of contract 3.4: who may pay, with what body, for which order.

use common::{id::ObjectId, money::Cents};
use serde_json::json;
use test_support::session_cookie;

use crate::helpers::{message, spawn_app};

#[tokio::test]
async fn anonymous_callers_get_401_before_their_body_is_validated() {
    let app = spawn_app().await;
    for (cookie, why) in
        [(None, "no cookie"), (Some("express:sess=bm90LWEtc2Vzc2lvbg=="), "a cookie without a valid token")]
    {
        let reply = app.api.post("/api/payments", cookie, &json!({})).await;
        assert_eq!(reply.code(), 401, "{why}");
        assert_eq!(reply.body, json!({"errors":[{"message":"Not authorized"}]}), "{why}");
    }
}

#[tokio::test]
async fn each_field_must_be_a_non_empty_string_token_first() {
    let app = spawn_app().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let order = ObjectId::generate().to_string();
    let token_error = json!({"message":"Invalid value","field":"token"});
    let order_error = json!({"message":"Invalid value","field":"orderId"});
    let cases = [
        (json!({}), vec![token_error.clone(), order_error.clone()], "an empty body"),
        (json!({"token": "", "orderId": ""}), vec![token_error.clone(), order_error.clone()], "empty strings"),
        (json!({"token": null, "orderId": null}), vec![token_error.clone(), order_error.clone()], "nulls"),
        (json!({"orderId": order}), vec![token_error.clone()], "a missing token"),
        (json!({"token": 42, "orderId": order}), vec![token_error.clone()], "a numeric token"),
        (json!({"token": "tok_visa"}), vec![order_error.clone()], "a missing orderId"),
        (json!({"token": "tok_visa", "orderId": ["x"]}), vec![order_error.clone()], "an array orderId"),
        (json!({"token": "tok_visa", "orderId": 12}), vec![order_error.clone()], "a numeric orderId"),
    ];
    for (body, errors, why) in cases {
        let reply = app.api.post("/api/payments", Some(&cookie), &body).await;
        assert_eq!(reply.code(), 400, "the API did not fail with 400 for {why}");
        assert_eq!(reply.body, json!({ "errors": errors }), "wrong errors for {why}");
    }
    app.assert_nothing_stored().await;
    assert!(app.stripe.charges().await.is_empty());
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused() {
    let app = spawn_app().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let reply = app.api.send_raw(reqwest::Method::POST, "/api/payments", Some(&cookie), "[1,2]").await;
    assert_eq!((reply.code(), message(&reply)), (400, "Request body must be a valid JSON object"));
}

#[tokio::test]
async fn an_order_payments_does_not_know_or_cannot_exist_is_not_found() {
    let app = spawn_app().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let unknown = ObjectId::generate().to_string();
    for (order_id, why) in
        [(unknown.as_str(), "an unknown id"), ("abc", "a short id"), ("zz61a0c0f1e2d3c4b5a69788", "non-hex")]
    {
        let reply =
            app.api.post("/api/payments", Some(&cookie), &json!({"token": "tok_visa", "orderId": order_id})).await;
        assert_eq!(reply.code(), 404, "{why}");
        assert_eq!(reply.body, json!({"errors":[{"message":"Not Found"}]}), "{why}");
    }
    assert!(app.stripe.charges().await.is_empty());
}

#[tokio::test]
async fn an_order_id_in_upper_case_is_the_same_order() {
    let app = spawn_app().await;
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;
    let upper = order.id.to_string().to_uppercase();
    let reply = app.api.post("/api/payments", Some(&cookie), &json!({"token": "tok_visa", "orderId": upper})).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);
}

#[tokio::test]
async fn someone_elses_order_cannot_be_paid() {
    let app = spawn_app().await;
    let (owner, _) = session_cookie("owner@test.com");
    let (_, intruder) = session_cookie("intruder@test.com");
    let order = app.open_order(&owner, Cents(2000)).await;
    let reply = app.pay(&intruder, "tok_visa", &order.id).await;
    assert_eq!((reply.code(), message(&reply)), (401, "Not authorized"));
    app.assert_nothing_stored().await;
    assert!(app.stripe.charges().await.is_empty(), "nothing was charged");
}
