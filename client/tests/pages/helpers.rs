//! The stack on private ports, and reading pages as a browser without
//! scripts would.

use std::{panic::AssertUnwindSafe, path::PathBuf, time::Duration};

use common::config::Env;
use devstack::{options::Options, stack::Stack};
use futures::FutureExt as _;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use test_support::{ApiClient, eventually, free_port};

/// Where the binaries are: `TICKETING_BIN_DIR`, else where cargo put them
/// (the folder above this test's `deps/`).
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = match std::env::var_os("TICKETING_BIN_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>").to_path_buf(),
    };
    for name in ["auth", "tickets", "orders", "payments", "expiration", "fake-stripe", "client"] {
        assert!(
            dir.join(name).exists(),
            "{name} is not built in {}: run `cargo build --workspace --bins` first",
            dir.display()
        );
    }
    dir
}

/// A running stack and a way to read its pages.
pub(crate) struct Running {
    stack: Stack,
    /// The API through the one origin.
    pub(crate) api: ApiClient,
    /// The one origin, e.g. `http://127.0.0.1:41234`.
    pub(crate) origin: String,
    /// The client's own port (ops routes).
    pub(crate) client_port: u16,
    http: reqwest::Client,
    _data: tempfile::TempDir,
}

/// Runs `test` against a fresh stack whose reservation window is
/// `window_seconds`, and stops the stack afterwards, also when the test
/// fails: a panic would otherwise leave every process of the stack running.
pub(crate) async fn with_stack(window_seconds: u32, test: impl AsyncFnOnce(&Running)) {
    let stack = start(window_seconds).await;
    let outcome = AssertUnwindSafe(test(&stack)).catch_unwind().await;
    stack.stop().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// The stack on free ports, with a reservation window of `window_seconds`.
async fn start(window_seconds: u32) -> Running {
    let data = tempfile::tempdir().unwrap();
    let names = ["PORT", "AUTH_PORT", "TICKETS_PORT", "ORDERS_PORT", "PAYMENTS_PORT", "EXPIRATION_PORT", "CLIENT_PORT"];
    let ports: Vec<(&str, String)> = names.into_iter().map(|name| (name, free_port().to_string())).collect();
    let fake_stripe = free_port().to_string();
    let nats = format!("nats://127.0.0.1:{}", free_port());
    let redis = format!("redis://127.0.0.1:{}", free_port());
    let window = window_seconds.to_string();
    let mut pairs: Vec<(&str, &str)> = ports.iter().map(|(k, v)| (*k, v.as_str())).collect();
    pairs.extend([
        ("FAKE_STRIPE_PORT", fake_stripe.as_str()),
        ("NATS_URL", nats.as_str()),
        ("REDIS_URL", redis.as_str()),
        ("EXPIRATION_WINDOW_SECONDS", window.as_str()),
        ("NATS_ACK_WAIT_SECONDS", "2"),
        ("LOG_FORMAT", "json"),
        ("RUST_LOG", "warn"),
    ]);
    let options = Options::from_env(&Env::from_pairs(pairs), Some(bin_dir()), Some(data.path().to_path_buf())).unwrap();
    let stack = Stack::start(options).await.expect("the stack starts");
    let port = |name: &str| ports.iter().find(|(n, _)| *n == name).unwrap().1.clone();
    let origin = format!("http://127.0.0.1:{}", port("PORT"));
    Running {
        stack,
        api: ApiClient::new(origin.clone()),
        origin,
        client_port: port("CLIENT_PORT").parse().unwrap(),
        http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        _data: data,
    }
}

impl Running {
    /// `GET path` as a browser would ask for a page, without following redirects.
    pub(crate) async fn page(&self, path: &str, cookie: Option<&str>) -> Page {
        self.get(&format!("{}{path}", self.origin), cookie).await
    }

    /// `GET path` on the client's own port (the ops routes).
    pub(crate) async fn client(&self, path: &str) -> Page {
        self.get(&format!("http://127.0.0.1:{}{path}", self.client_port), None).await
    }

    async fn get(&self, url: &str, cookie: Option<&str>) -> Page {
        let mut request = self.http.get(url).header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = request.send().await.expect("the page answers");
        let status = response.status();
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (location, content_type) = (header(header::LOCATION), header(header::CONTENT_TYPE).unwrap_or_default());
        Page { status, location, content_type, html: response.text().await.expect("a body") }
    }

    /// Stops everything the stack started.
    async fn stop(mut self) {
        self.stack.stop().await;
    }
}

/// A page as the server sent it.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) location: Option<String>,
    pub(crate) content_type: String,
    pub(crate) html: String,
}

impl Page {
    /// The text a reader sees with scripts off: no scripts, no tags, no
    /// hydration markers, whitespace collapsed.
    pub(crate) fn text(&self) -> String {
        let mut text = String::new();
        let mut rest = self.html.as_str();
        while let Some(start) = rest.find('<') {
            text.push_str(&rest[..start]);
            rest = &rest[start..];
            let end = if rest.starts_with("<script") {
                rest.find("</script>").map_or(rest.len(), |end| end + "</script>".len())
            } else if rest.starts_with("<!--") {
                rest.find("-->").map_or(rest.len(), |end| end + 3)
            } else {
                rest.find('>').map_or(rest.len(), |end| end + 1)
            };
            // Tags separate words; hydration markers (`<!>`) do not.
            if !rest.starts_with("<!>") && !rest.starts_with("<!--") {
                text.push(' ');
            }
            rest = &rest[end..];
        }
        text.push_str(rest);
        let text = text.replace("&amp;", "&").replace("&quot;", "\"").replace("&#x27;", "'").replace("&lt;", "<");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Asserts the visible text holds each of `expected`.
    #[track_caller]
    pub(crate) fn shows(&self, expected: &[&str]) {
        let text = self.text();
        for wanted in expected {
            assert!(text.contains(wanted), "the page should show {wanted:?}; it shows:\n{text}");
        }
    }

    /// Asserts the visible text holds none of `unexpected`.
    #[track_caller]
    pub(crate) fn hides(&self, unexpected: &[&str]) {
        let text = self.text();
        for unwanted in unexpected {
            assert!(!text.contains(unwanted), "the page should not show {unwanted:?}; it shows:\n{text}");
        }
    }
}

/// Signs `email` up through the API; returns the session cookie.
pub(crate) async fn sign_up(api: &ApiClient, email: &str) -> String {
    let reply = api.post("/api/users/signup", None, &json!({"email": email, "password": "password"})).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);
    reply.session_cookie().expect("signup sets the session cookie")
}

/// Lists a ticket; returns its id.
pub(crate) async fn sell(api: &ApiClient, seller: &str, title: &str, price: f64) -> String {
    let reply = api.post("/api/tickets", Some(seller), &json!({"title": title, "price": price})).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

/// Orders `ticket` once orders has it in its replica; returns the order id.
pub(crate) async fn order(api: &ApiClient, buyer: &str, ticket: &str) -> String {
    let order: Value = eventually(Duration::from_secs(20), "the ticket can be ordered", || async {
        let reply = api.post("/api/orders", Some(buyer), &json!({"ticketId": ticket})).await;
        (reply.code() == 201).then_some(reply.body)
    })
    .await;
    order["id"].as_str().unwrap().to_owned()
}

/// Waits until `path` shows `wanted` to `cookie`'s owner.
pub(crate) async fn page_eventually_shows(stack: &Running, path: &str, cookie: &str, wanted: &str) -> Page {
    eventually(Duration::from_secs(20), &format!("{path} shows {wanted:?}"), || async {
        let page = stack.page(path, Some(cookie)).await;
        page.text().contains(wanted).then_some(page)
    })
    .await
}
