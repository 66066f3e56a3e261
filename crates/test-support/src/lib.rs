//! Real-infrastructure fixtures for ticketing's tests.
//!
//! Every test gets its own `nats-server -js` and, where needed, its own
//! `redis-server`, each on a free loopback port with a temporary data folder,
//! stopped and deleted when the fixture is dropped; and its own store (a
//! temporary SQLite file, or, for the `mongo::…` cases, a uniquely named
//! database on `MONGO_URL`). Nothing is shared between tests, so they run in
//! parallel, and nothing is left behind. Waiting is done by polling
//! ([`eventually`]), never by sleeping a fixed time.
//!
//! It also holds the project's one fake: [`FakeStripe`], a small server that
//! speaks Stripe's HTTP API, so payments' real Stripe client is exercised.

mod auth;
mod auth_process;
mod client;
mod events;
pub mod fake_stripe;
mod nats;
pub mod otlp;
mod process;
mod redis;
mod service;
mod sse;
mod store;
pub mod trace_tree;
mod wait;

pub use auth::{TEST_JWT_KEY, session_cookie, session_cookie_for};
pub use auth_process::AuthProcess;
pub use client::{ApiClient, Reply};
pub use events::EventProbe;
pub use fake_stripe::FakeStripe;
pub use nats::TestNats;
pub use otlp::{OtlpReceiver, ReceivedSpan};
pub use process::free_port;
pub use redis::TestRedis;
pub use service::{RunningService, Shutdown};
pub use sse::{Opened, SseEvent, SseStream};
pub use store::{Backend, TestStore, mongo_url};
pub use wait::{PATIENCE, QUIET, eventually};

/// Turns on log output for tests when `TEST_LOG` is set (pretty, to the
/// test's captured output); otherwise tests stay quiet.
pub fn init_test_tracing() {
    if std::env::var_os("TEST_LOG").is_some() {
        let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    }
}
