//! The shared HTTP shell and runtime, over a real socket on port 0.

use std::time::Duration;

use axum::{
    Json, Router,
    routing::{get, post},
};
use common::{
    ApiError,
    bus::Bus,
    config::NatsSettings,
    extract::{IdPath, JsonObject},
    http::bind,
    metrics::Metrics,
    runtime::Service,
    store::Store,
};
use serde_json::{Value, json};
use test_support::{TestNats, TestStore, eventually, free_port};
use tokio::sync::oneshot;

struct Running {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    async fn stop(mut self) -> anyhow::Result<()> {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap()
    }
}

async fn echo(body: JsonObject) -> Json<Value> {
    Json(json!({ "title": body.string("title") }))
}

async fn show(IdPath(id): IdPath) -> Json<Value> {
    Json(json!({ "id": id }))
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(700)).await;
    "done"
}

async fn boom() -> Result<(), ApiError> {
    panic!("handler bug")
}

async fn start(nats_url: String, fixture: &TestStore) -> Running {
    let metrics = Metrics::new();
    let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let store = Store::open(&fixture.url, &[]).await.unwrap();
    let bus = Bus::connect(&NatsSettings::new(nats_url), "shell-test", metrics.clone()).await.unwrap();
    let routes = Router::new()
        .route("/api/things", post(echo))
        .route("/api/things/{id}", get(show))
        .route("/api/slow", get(slow))
        .route("/api/boom", get(boom));
    let service = Service::new("shell-test", listener, metrics).store(&store).bus(&bus).relay().routes(routes);
    let base = format!("http://127.0.0.1:{}", service.port());
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(service.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    Running { base, stop: Some(stop), task }
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn unknown_paths_and_methods_get_the_json_404() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("shell");
    let app = start(nats.url(), &fixture).await;
    let client = reqwest::Client::new();
    let not_found = json!({"errors":[{"message":"Not Found"}]});
    for (method, path) in [
        ("GET", "/api/nothing"),
        ("DELETE", "/api/things"),
        ("PUT", "/api/things/6561a0c0f1e2d3c4b5a69788"),
        ("GET", "/api/things/not-an-id"),
    ] {
        let response = client.request(method.parse().unwrap(), format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(json_of(response).await, (404, not_found.clone()), "{method} {path}");
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_ops_routes_answer_direct_callers_only() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("shell");
    let app = start(nats.url(), &fixture).await;
    let client = reqwest::Client::new();
    for path in ["/metrics", "/healthz", "/readyz", "/metrics/"] {
        let direct = client.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_ne!(direct.status().as_u16(), 404, "{path} directly");
        for (name, value) in [("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=203.0.113.9")] {
            let proxied = client.get(format!("{}{path}", app.base)).header(name, value).send().await.unwrap();
            assert_eq!(
                json_of(proxied).await,
                (404, json!({"errors":[{"message":"Not Found"}]})),
                "{path} through a proxy ({name})"
            );
        }
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn bodies_are_json_objects_whatever_the_content_type() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("shell");
    let app = start(nats.url(), &fixture).await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/things", app.base);
    let ok =
        client.post(&url).header("content-type", "text/plain").body(r#"{"title":"x","extra":1}"#).send().await.unwrap();
    assert_eq!(json_of(ok).await, (200, json!({"title":"x"})));
    let empty = client.post(&url).send().await.unwrap();
    assert_eq!(json_of(empty).await, (200, json!({"title":null})), "an empty body is {{}}");
    let invalid = json!({"errors":[{"message":"Request body must be a valid JSON object"}]});
    for body in ["[1,2]", "{\"title\":", "\"text\""] {
        let response = client.post(&url).header("content-type", "application/json").body(body).send().await.unwrap();
        assert_eq!(json_of(response).await, (400, invalid.clone()), "{body}");
    }
    let huge = format!("{{\"title\":\"{}\"}}", "a".repeat(70 * 1024));
    let response = client.post(&url).body(huge).send().await.unwrap();
    assert_eq!(json_of(response).await, (413, json!({"errors":[{"message":"Request body is too large"}]})));
    // The limit is 16 KiB: just over it is refused, just under it is read.
    let over = format!("{{\"title\":\"{}\"}}", "a".repeat(16 * 1024));
    let response = client.post(&url).body(over).send().await.unwrap();
    assert_eq!(json_of(response).await, (413, json!({"errors":[{"message":"Request body is too large"}]})));
    let under = format!("{{\"title\":\"{}\"}}", "a".repeat(16 * 1024 - 20));
    assert_eq!(client.post(&url).body(under).send().await.unwrap().status().as_u16(), 200);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn trailing_slashes_are_insignificant_and_path_ids_are_normalised() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("shell");
    let app = start(nats.url(), &fixture).await;
    let response = reqwest::get(format!("{}/api/things/6561A0C0F1E2D3C4B5A69788/", app.base)).await.unwrap();
    assert_eq!(json_of(response).await, (200, json!({"id":"6561a0c0f1e2d3c4b5a69788"})));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("shell");
    let app = start(nats.url(), &fixture).await;
    let client = reqwest::Client::new();
    let given = client.get(format!("{}/healthz", app.base)).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(given.headers()["x-request-id"], "abc-123");
    let generated = client.get(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_eq!(generated.headers()["x-request-id"].len(), 36, "a UUID");
    assert_eq!(json_of(generated).await, (200, json!({"status":"ok"})));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_service_keeps_serving() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("shell");
    let app = start(nats.url(), &fixture).await;
    let response = reqwest::get(format!("{}/api/boom", app.base)).await.unwrap();
    assert_eq!(json_of(response).await, (500, json!({"errors":[{"message":"Something went wrong"}]})));
    assert_eq!(reqwest::get(format!("{}/healthz", app.base)).await.unwrap().status(), 200);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn readiness_follows_nats() {
    let fixture = TestStore::sqlite("shell");
    // NATS is not running yet: the service starts anyway and is not ready.
    let mut nats = TestNats::start();
    nats.stop();
    let app = start(nats.url(), &fixture).await;
    let readyz = format!("{}/readyz", app.base);
    let (status, body) = json_of(reqwest::get(&readyz).await.unwrap()).await;
    assert_eq!(status, 503);
    assert_eq!(body, json!({"status":"not ready","checks":{"store":"ok","nats":"unreachable"}}));
    assert_eq!(reqwest::get(format!("{}/healthz", app.base)).await.unwrap().status(), 200, "alive while not ready");

    nats.restart();
    let body = eventually(Duration::from_secs(15), "ready once NATS is up", || async {
        let (status, body) = json_of(reqwest::get(&readyz).await.unwrap()).await;
        (status == 200).then_some(body)
    })
    .await;
    assert_eq!(body, json!({"status":"ready","checks":{"store":"ok","nats":"ok"}}));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("shell");
    let app = start(nats.url(), &fixture).await;
    for _ in 0..3 {
        reqwest::get(format!("{}/api/things/{}", app.base, common::id::ObjectId::generate())).await.unwrap();
    }
    let text = reqwest::get(format!("{}/metrics", app.base)).await.unwrap().text().await.unwrap();
    assert!(text.contains(r#"http_requests_total{method="GET",route="/api/things/{id}",status="200"} 3"#), "{text}");
    assert!(text.contains(r#"http_request_duration_seconds_count{method="GET",route="/api/things/{id}"} 3"#), "{text}");
    // Labelled families (events_*) show up with their first sample, as the
    // bus tests check; the outbox gauge is there from the start.
    assert!(text.contains("outbox_pending 0"), "{text}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn invented_methods_and_unmatched_paths_share_one_label_each() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("shell");
    let app = start(nats.url(), &fixture).await;
    let client = reqwest::Client::new();
    for n in 0..3 {
        let method = reqwest::Method::from_bytes(format!("BREW{n}").as_bytes()).unwrap();
        client.request(method, format!("{}/api/things", app.base)).send().await.unwrap();
        client.get(format!("{}/nowhere/{n}", app.base)).send().await.unwrap();
    }
    let text = reqwest::get(format!("{}/metrics", app.base)).await.unwrap().text().await.unwrap();
    assert!(!text.contains("BREW"), "{text}");
    assert!(text.contains(r#"http_requests_total{method="other",route="/api/things",status="404"} 3"#), "{text}");
    assert!(text.contains(r#"http_requests_total{method="GET",route="unmatched",status="404"} 3"#), "{text}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish_and_then_refuses_connections() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("shell");
    let app = start(nats.url(), &fixture).await;
    let base = app.base.clone();
    let in_flight =
        tokio::spawn(async move { reqwest::get(format!("{base}/api/slow")).await.unwrap().text().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let base = app.base.clone();
    tokio::time::timeout(Duration::from_secs(5), app.stop()).await.expect("stops promptly").expect("exits cleanly");
    assert_eq!(in_flight.await.unwrap(), "done", "the in-flight request completed");
    assert!(reqwest::get(format!("{base}/healthz")).await.is_err(), "no new connections after shutdown");
}

#[tokio::test]
async fn binding_a_taken_port_fails_with_the_contract_message() {
    let taken = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let error = bind(addr).await.unwrap_err().to_string();
    assert!(error.starts_with(&format!("cannot listen on {addr}: ")), "{error}");
    let _ = free_port();
}
