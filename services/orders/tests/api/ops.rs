//! The operations endpoints and the shell's answers for paths and methods
//! the API does not serve.

use serde_json::json;
use test_support::session_cookie;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_readiness_report_the_store_and_nats() {
    let app = spawn_app().await;
    let health = app.api.get("/healthz", None).await;
    assert_eq!((health.code(), health.body), (200, json!({"status": "ok"})));
    let ready = app.api.get("/readyz", None).await;
    assert_eq!((ready.code(), ready.body), (200, json!({"status": "ready", "checks": {"store": "ok", "nats": "ok"}})));
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_published_events() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&cookie, &ticket.id).await;
    app.show_order(Some(&cookie), order.as_str()).await;
    app.wait_for_outbox_to_empty().await;

    let text = reqwest::get(format!("{}/metrics", app.api.base())).await.unwrap().text().await.unwrap();
    for series in [
        r#"http_requests_total{method="POST",route="/api/orders",status="201"} 1"#,
        r#"http_requests_total{method="GET",route="/api/orders/{orderId}",status="200"} 1"#,
        r#"events_published_total{subject="order.created"} 1"#,
        "outbox_pending 0",
    ] {
        assert!(text.lines().any(|line| line == series), "missing `{series}` in:\n{text}");
    }
}

#[tokio::test]
async fn methods_and_paths_the_api_does_not_serve_get_the_json_404() {
    let app = spawn_app().await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let id = common::id::ObjectId::generate().to_string();
    let cases = [
        (reqwest::Method::PUT, format!("/api/orders/{id}")),
        (reqwest::Method::PATCH, "/api/orders".to_owned()),
        (reqwest::Method::DELETE, "/api/orders".to_owned()),
        (reqwest::Method::POST, format!("/api/orders/{id}")),
        (reqwest::Method::GET, "/api/ordersx".to_owned()),
    ];
    for (method, path) in cases {
        let reply = app.api.send(method.clone(), &path, Some(&cookie), Some(&json!({}))).await;
        assert_eq!(reply.code(), 404, "{method} {path}");
        assert_eq!(reply.body, json!({"errors":[{"message":"Not Found"}]}), "{method} {path}");
    }
}
