//! The gateway as a real reverse proxy, in front of real HTTP upstreams.

use std::time::Duration;

use axum::{
    Json, Router,
    body::{Body, Bytes},
    extract::Request,
    http::header,
    response::{IntoResponse, Response},
    routing::{any, get},
};
use devstack::gateway::{self, Routes};
use futures::StreamExt as _;
use serde_json::{Value, json};
use test_support::free_port;
use tokio::net::TcpListener;

/// An upstream that reports what it received.
async fn upstream(name: &'static str) -> u16 {
    let echo = move |request: Request| async move {
        let headers: serde_json::Map<String, Value> = request
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), Value::from(v.to_str().unwrap_or_default())))
            .collect();
        let uri = request.uri().to_string();
        let method = request.method().to_string();
        let body = axum::body::to_bytes(request.into_body(), usize::MAX).await.unwrap();
        let mut response = Json(json!({
            "service": name, "uri": uri, "method": method, "headers": headers, "bodyLength": body.len()
        }))
        .into_response();
        response.headers_mut().append(header::SET_COOKIE, "a=1; Path=/".parse().unwrap());
        response.headers_mut().append(header::SET_COOKIE, "b=2; Path=/; HttpOnly".parse().unwrap());
        response
    };
    let stream = || async {
        // Three chunks with pauses: a buffering proxy would deliver them at once.
        let chunks = futures::stream::iter(0..3).then(|i| async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok::<_, std::io::Error>(Bytes::from(format!("chunk{i}\n")))
        });
        Response::new(Body::from_stream(chunks))
    };
    let events = || async {
        // A live stream (contract 3.5): one event, then nothing more, ever.
        let first =
            futures::stream::once(async { Ok::<_, std::io::Error>(Bytes::from("event: ticket\ndata: {}\n\n")) });
        let body = Body::from_stream(first.chain(futures::stream::pending()));
        ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response()
    };
    let app = Router::new()
        .route("/api/users/stream", get(stream))
        .route("/api/users/events", get(events))
        .fallback(any(echo));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

async fn gateway(auth: u16, client: u16, tickets: u16) -> String {
    let routes = Routes {
        prefixes: vec![
            ("/api/users", auth),
            ("/api/tickets", tickets),
            ("/api/orders", free_port()),
            ("/api/payments", free_port()),
        ],
        fallback: client,
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(gateway::serve(listener, routes, std::future::pending()));
    url
}

#[tokio::test]
async fn the_clients_operational_routes_are_not_public() {
    let (auth, client) = (upstream("auth").await, upstream("client").await);
    let base = gateway(auth, client, free_port()).await;
    for path in ["/metrics", "/healthz", "/readyz", "/readyz/", "/metrics?x=1"] {
        let response = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"errors":[{"message":"Not Found"}]}), "{path}");
    }
    let page: Value = reqwest::get(format!("{base}/metrics-and-more")).await.unwrap().json().await.unwrap();
    assert_eq!(page["service"], "client", "only the exact ops paths are hidden");
}

#[tokio::test]
async fn requests_reach_the_right_service_with_forwarding_headers() {
    let (auth, client) = (upstream("auth").await, upstream("client").await);
    let base = gateway(auth, client, free_port()).await;
    let http = reqwest::Client::new();

    let reply: Value = http
        .post(format!("{base}/api/users/signin?x=1"))
        .header(header::COOKIE, "express:sess=abc; other=1")
        // Just under the 16 KiB limit (contract 2.1).
        .body(vec![b'x'; 16_000])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["service"], "auth");
    assert_eq!(reply["uri"], "/api/users/signin?x=1");
    assert_eq!(reply["method"], "POST");
    assert_eq!(reply["bodyLength"], 16_000, "the body arrives whole");
    let headers = &reply["headers"];
    assert_eq!(headers["cookie"], "express:sess=abc; other=1", "cookies pass untouched");
    assert_eq!(headers["x-forwarded-for"], "127.0.0.1");
    assert_eq!(headers["x-forwarded-proto"], "http");
    assert_eq!(headers["x-forwarded-host"], base.trim_start_matches("http://"));
    assert_eq!(headers["x-request-id"].as_str().unwrap().len(), 24, "a request id is added");

    let kept: Value = http
        .get(format!("{base}/api/usersx"))
        .header("x-request-id", "mine")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(kept["service"], "client", "/api/usersx is not /api/users");
    assert_eq!(kept["headers"]["x-request-id"], "mine", "an existing request id is kept");
}

#[tokio::test]
async fn a_declared_body_over_64_kib_is_refused_with_413_and_a_streamed_one_passes_to_the_service() {
    let (auth, client) = (upstream("auth").await, upstream("client").await);
    let base = gateway(auth, client, free_port()).await;
    let http = reqwest::Client::new();

    let refused = http.post(format!("{base}/api/users/signup")).body(vec![b'x'; 70_000]).send().await.unwrap();
    assert_eq!(refused.status(), 413);
    assert_eq!(refused.json::<Value>().await.unwrap(), json!({"errors": [{"message": "Request body is too large"}]}));

    // Without a Content-Length the gateway cannot know the size up front; it
    // streams, and the service's own limit decides.
    let chunks = futures::stream::iter((0..4).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'y'; 50_000]))));
    let streamed: Value = http
        .post(format!("{base}/api/users/signup"))
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(streamed["bodyLength"], 200_000);
}

#[tokio::test]
async fn every_set_cookie_header_comes_back() {
    let base = gateway(upstream("auth").await, upstream("client").await, free_port()).await;
    let response = reqwest::get(format!("{base}/api/users/currentuser")).await.unwrap();
    let cookies: Vec<&str> =
        response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(cookies, vec!["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
}

#[tokio::test]
async fn response_bodies_stream_through() {
    let base = gateway(upstream("auth").await, upstream("client").await, free_port()).await;
    let mut response = reqwest::get(format!("{base}/api/users/stream")).await.unwrap();
    let started = std::time::Instant::now();
    let first = response.chunk().await.unwrap().unwrap();
    let first_at = started.elapsed();
    let mut rest = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        rest.extend_from_slice(&chunk);
    }
    assert_eq!(first, Bytes::from("chunk0\n"));
    assert_eq!(rest, b"chunk1\nchunk2\n");
    assert!(first_at < started.elapsed(), "the first chunk came before the end");
    assert!(started.elapsed() - first_at >= Duration::from_millis(400), "chunks arrived as produced, not buffered");
}

#[tokio::test]
async fn an_endless_event_stream_passes_each_event_as_it_comes() {
    let base = gateway(upstream("auth").await, upstream("client").await, free_port()).await;
    let mut response = reqwest::get(format!("{base}/api/users/events")).await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    // The upstream never ends the body: a buffering gateway would never hand the event on.
    let first = tokio::time::timeout(Duration::from_secs(10), response.chunk()).await;
    assert_eq!(first.expect("the event came through").unwrap().unwrap(), Bytes::from("event: ticket\ndata: {}\n\n"));
}

#[tokio::test]
async fn a_target_that_is_down_gets_502_bad_gateway() {
    let base = gateway(upstream("auth").await, upstream("client").await, free_port()).await;
    let response = reqwest::get(format!("{base}/api/tickets")).await.unwrap();
    assert_eq!(response.status(), 502);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"errors":[{"message":"Bad Gateway"}]}));
}
