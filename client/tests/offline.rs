//! The client on its own, with no API behind it: what a visitor sees when the
//! API is out of reach, and the routes that never need it.

use client::server::{config::Settings, startup::Application};
use common::config::Env;
use serde_json::{Value, json};
use test_support::free_port;

/// The client on port 0, its API on a port where nothing listens.
async fn spawn_client() -> (String, tokio::sync::oneshot::Sender<()>) {
    let api = format!("http://127.0.0.1:{}", free_port());
    let env = Env::from_pairs([("API_BASE_URL", api.as_str()), ("SITE_DIR", "/nonexistent")]);
    let mut settings = Settings::from_env(&env).unwrap();
    settings.addr = "127.0.0.1:0".parse().unwrap();
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    (base, stop)
}

async fn get(url: &str) -> (u16, String, String) {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn an_unreachable_api_gives_pages_that_say_so_with_502() {
    let (base, _stop) = spawn_client().await;
    for path in ["/", "/tickets/0123456789abcdef01234567", "/orders", "/tickets/new"] {
        let (status, content_type, html) = get(&format!("{base}{path}")).await;
        assert_eq!(status, 502, "{path}");
        assert!(content_type.starts_with("text/html"), "{path}: {content_type}");
        assert!(html.contains("Something went wrong, please try again"), "{path}: {html}");
        assert!(html.contains(">GitTix</a>"), "{path}: the header is still there");
    }
}

#[tokio::test]
async fn api_paths_get_the_json_404_and_the_ops_routes_answer_without_the_api() {
    let (base, _stop) = spawn_client().await;
    for path in ["/api/nothing", "/api", "/api/users/x/y"] {
        let (status, content_type, body) = get(&format!("{base}{path}")).await;
        assert_eq!((status, content_type.as_str()), (404, "application/json"), "{path}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), json!({"errors": [{"message": "Not Found"}]}));
    }
    let (status, _, body) = get(&format!("{base}/healthz")).await;
    assert_eq!((status, serde_json::from_str::<Value>(&body).unwrap()), (200, json!({"status": "ok"})));
    let (status, _, body) = get(&format!("{base}/readyz")).await;
    assert_eq!(
        (status, serde_json::from_str::<Value>(&body).unwrap()),
        (200, json!({"status": "ready", "checks": {}}))
    );
    let (status, _, body) = get(&format!("{base}/metrics")).await;
    assert_eq!(status, 200);
    assert!(body.contains("http_requests_total"), "{body}");
}
