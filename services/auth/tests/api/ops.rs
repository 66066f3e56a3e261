//! Health, readiness, metrics, and the contract's 404s.

use serde_json::json;
use test_support::eventually;

use crate::helpers::{PATIENCE, credentials, spawn_app};

#[tokio::test]
async fn readiness_turns_503_when_the_store_is_gone_while_health_stays_200() {
    let app = spawn_app().await;
    let ready = app.api.get("/readyz", None).await;
    assert_eq!(ready.code(), 200, "{:?}", ready.body);

    let common::config::DatabaseUrl::Sqlite(path) = &app.fixture.url else {
        return; // The MongoDB run cannot remove its database from under the app.
    };
    std::fs::remove_file(path).unwrap();
    let down = eventually(PATIENCE, "readiness reports the store", || async {
        let reply = app.api.get("/readyz", None).await;
        (reply.code() == 503).then_some(reply)
    })
    .await;
    assert_eq!(down.body["status"], "not ready");
    assert_ne!(down.body["checks"]["store"], "ok", "{:?}", down.body);
    assert_eq!(app.api.get("/healthz", None).await.code(), 200, "the process itself is fine");
    let me = app.current_user(None).await;
    assert_eq!(me.body, json!({"currentUser": null}), "currentuser never needs the store");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    app.signup(&credentials("m@test.com", "password")).await;
    let text = reqwest::get(format!("{}/metrics", app.api.base())).await.unwrap().text().await.unwrap();
    let line = text
        .lines()
        .find(|line| line.starts_with("http_requests_total") && line.contains("/api/users/signup"))
        .unwrap_or_else(|| panic!("no signup request counted:\n{text}"));
    assert!(line.contains("status=\"201\"") && line.contains("method=\"POST\""), "{line}");
}

#[tokio::test]
async fn unknown_paths_and_methods_are_404_in_the_contract_shape() {
    let app = spawn_app().await;
    for (method, path) in [
        (reqwest::Method::GET, "/api/users/signup"),
        (reqwest::Method::DELETE, "/api/users/currentuser"),
        (reqwest::Method::GET, "/api/users/nope"),
        (reqwest::Method::GET, "/api/usersx"),
    ] {
        let reply = app.api.send(method.clone(), path, None, None).await;
        assert_eq!(reply.code(), 404, "{method} {path}");
        assert_eq!(reply.body, json!({"errors": [{"message": "Not Found"}]}));
    }
}
