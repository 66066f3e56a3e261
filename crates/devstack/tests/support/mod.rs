//! Shared by the stack-level tests: start the whole stack through the launcher
//! on private ports, and drive it over the gateway.
#![allow(dead_code, unreachable_pub)]

mod ledger;

use std::{path::PathBuf, time::Duration};

use common::config::Env;
use devstack::{
    options::{Options, components},
    stack::Stack,
};
use serde_json::{Value, json};
use test_support::{ApiClient, Backend, eventually, free_port, mongo_url};

// Not every test binary that includes this module checks the ledger.
#[allow(unused_imports)]
pub use self::ledger::assert_money_reconciles;

/// Where cargo put the binaries: the folder above this test's `deps/`.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>").to_path_buf();
    for name in ["auth", "tickets", "orders", "payments", "expiration", "fake-stripe"] {
        assert!(
            dir.join(name).exists(),
            "{name} is not built in {}: run `cargo build --workspace --bins` first",
            dir.display()
        );
    }
    dir
}

pub struct Running {
    pub stack: Stack,
    /// The launcher's private NATS.
    pub nats_url: String,
    /// The launcher's private Redis.
    pub redis_url: String,
    /// Every port variable and its value.
    pub ports: Vec<(&'static str, String)>,
    pub api: ApiClient,
    pub fake_stripe: String,
    pub data: tempfile::TempDir,
}

/// The stack on private ports, with a 3 s reservation window.
pub async fn start() -> Running {
    start_on(Backend::Sqlite, "3").await
}

/// The stack on private ports, with a reservation window of `seconds`.
pub async fn start_with_window(seconds: &str) -> Running {
    start_on(Backend::Sqlite, seconds).await
}

/// The stack on `backend` (MongoDB: a fresh database per service on
/// `MONGO_URL`, as `scripts/dev.sh --mongo` does), with a reservation window
/// of `seconds`.
pub async fn start_on(backend: Backend, seconds: &str) -> Running {
    start_with(backend, seconds, &[]).await
}

/// [`start_on`] with `extra` settings for every process.
pub async fn start_with(backend: Backend, seconds: &str, extra: &[(&str, &str)]) -> Running {
    let data = tempfile::tempdir().unwrap();
    let database = match backend {
        Backend::Sqlite => String::new(),
        Backend::Mongo => format!("{}/stack{}", mongo_url().trim_end_matches('/'), free_port()),
    };
    let ports: Vec<(&str, String)> =
        components().map(|component| (component.port_variable, free_port().to_string())).collect();
    let nats = format!("nats://127.0.0.1:{}", free_port());
    let redis = format!("redis://127.0.0.1:{}", free_port());
    let mut pairs: Vec<(&str, &str)> = ports.iter().map(|(k, v)| (*k, v.as_str())).collect();
    pairs.extend([("NATS_URL", nats.as_str()), ("REDIS_URL", redis.as_str()), ("EXPIRATION_WINDOW_SECONDS", seconds)]);
    // Fast redelivery so a restarted service catches up within the test.
    pairs.extend([("NATS_ACK_WAIT_SECONDS", "2"), ("LOG_FORMAT", "json"), ("RUST_LOG", "warn")]);
    // Hundreds of signups at once from one address: the tests measure the
    // stack, not auth's hostile-load limits (auth's own tests cover those).
    pairs.extend([("AUTH_RATE_PER_MINUTE", "0"), ("PASSWORD_HASH_CONCURRENCY", "64")]);
    pairs.push(("DATABASE_URL", database.as_str()));
    pairs.extend(extra.iter().copied());
    let options = Options::from_env(&Env::from_pairs(pairs), Some(bin_dir()), Some(data.path().to_path_buf())).unwrap();
    let stack = Stack::start(options).await.expect("the stack starts");
    let gateway = ports.iter().find(|(name, _)| *name == "PORT").unwrap().1.clone();
    let fake = ports.iter().find(|(name, _)| *name == "FAKE_STRIPE_PORT").unwrap().1.clone();
    Running {
        stack,
        nats_url: nats.clone(),
        redis_url: redis.clone(),
        ports: ports.clone(),
        api: ApiClient::new(format!("http://127.0.0.1:{gateway}")),
        fake_stripe: format!("http://127.0.0.1:{fake}"),
        data,
    }
}

pub async fn sign_up(api: &ApiClient, email: &str) -> String {
    let reply = api.post("/api/users/signup", None, &json!({"email": email, "password": "password"})).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);
    reply.session_cookie().expect("signup sets the session cookie")
}

pub async fn sell(api: &ApiClient, seller: &str, title: &str, price: f64) -> String {
    let reply = api.post("/api/tickets", Some(seller), &json!({"title": title, "price": price})).await;
    assert_eq!(reply.code(), 201, "{:?}", reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

/// Orders `ticket`, waiting until orders has the ticket in its replica.
pub async fn order(api: &ApiClient, buyer: &str, ticket: &str) -> Value {
    eventually(Duration::from_secs(20), "the ticket can be ordered", || async {
        let reply = api.post("/api/orders", Some(buyer), &json!({"ticketId": ticket})).await;
        (reply.code() == 201).then_some(reply.body)
    })
    .await
}

pub async fn order_status(api: &ApiClient, buyer: &str, order: &str) -> String {
    api.get(&format!("/api/orders/{order}"), Some(buyer)).await.body["status"].as_str().unwrap_or_default().to_owned()
}

pub async fn wait_for_status(api: &ApiClient, buyer: &str, order: &str, status: &str, within: Duration) {
    eventually(within, &format!("order {order} becomes {status}"), || async {
        (order_status(api, buyer, order).await == status).then_some(())
    })
    .await;
}

/// Every charge at the fake (one page of Stripe's maximum size, asserted
/// to be the whole list).
pub async fn charges(fake_stripe: &str) -> Vec<Value> {
    let reply: Value = reqwest::Client::new()
        .get(format!("{fake_stripe}/v1/charges?limit=100"))
        .bearer_auth("sk_test_fake")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["has_more"], false, "more than 100 charges: page through them");
    reply["data"].as_array().cloned().unwrap_or_default()
}

impl Running {
    /// The port a variable was given (`EXPIRATION_PORT`, …).
    pub fn port(&self, variable: &str) -> String {
        self.ports
            .iter()
            .find(|(name, _)| *name == variable)
            .map(|(_, port)| port.clone())
            .expect("known port variable")
    }
}

/// Sends `signal` to the named child of the stack, as a requested restart
/// (not counted as a crash).
pub fn signal(stack: &Stack, name: &str, signal: nix::sys::signal::Signal) -> u32 {
    stack.signal(name, signal).unwrap_or_else(|| panic!("{name} is not running"))
}

/// Waits until the launcher has restarted `name` (a new pid).
pub async fn restarted(stack: &Stack, name: &str, old_pid: u32) {
    eventually(Duration::from_secs(30), &format!("{name} is restarted"), || async {
        stack.pid(name).filter(|pid| *pid != old_pid).map(|_| ())
    })
    .await;
}

/// Every message in the TICKETING stream as (subject, Nats-Msg-Id, payload).
pub async fn stream_events(nats_url: &str) -> Vec<(String, String, Value)> {
    // The launcher may have just restarted NATS: a new pid is not yet a
    // server that listens.
    let client = eventually(Duration::from_secs(30), "the stack's NATS accepts a connection", || async {
        async_nats::connect(nats_url).await.ok()
    })
    .await;
    let jetstream = async_nats::jetstream::new(client);
    let mut stream = jetstream.get_stream("TICKETING").await.expect("TICKETING exists");
    let state = stream.info().await.expect("stream info").state.clone();
    let mut events = Vec::new();
    for sequence in state.first_sequence..=state.last_sequence {
        let Ok(message) = stream.get_raw_message(sequence).await else { continue };
        let id = message.headers.get("Nats-Msg-Id").map(|v| v.to_string()).unwrap_or_default();
        let payload = serde_json::from_slice(&message.payload).unwrap_or(Value::Null);
        events.push((message.subject.to_string(), id, payload));
    }
    events
}

/// The stream once it holds at least `expected` events of each subject
/// (relays publish after the HTTP answer, so the last events may still be
/// on their way), read again after a quiet second so late duplicates show.
pub async fn settled_events(nats_url: &str, expected: &[(&str, usize)]) -> Vec<(String, String, Value)> {
    eventually(Duration::from_secs(30), "every expected event is in the stream", || async {
        let events = stream_events(nats_url).await;
        expected.iter().all(|(subject, n)| count(&events, subject) >= *n).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    stream_events(nats_url).await
}

/// Asserts no message id appears twice in the stream.
pub fn assert_no_duplicates(events: &[(String, String, Value)]) {
    let mut seen = std::collections::HashSet::new();
    for (subject, id, _) in events {
        assert!(seen.insert(id.clone()), "{subject} {id} was stored twice");
    }
}

/// How many events of `subject` the stream holds.
pub fn count(events: &[(String, String, Value)], subject: &str) -> usize {
    events.iter().filter(|(s, _, _)| s == subject).count()
}
