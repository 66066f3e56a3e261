//! `spawn_app()` and helpers: publish `order.created` as orders would, and
//! read what the service published.

use std::time::Duration;

use bytes::Bytes;
use common::{
    bus::Bus,
    events::{Event, OrderCreated, OrderStatus, OrderTicketSnapshot, Outgoing},
    id::ObjectId,
    metrics::Metrics,
    money::Cents,
    timestamp::Timestamp,
};
use expiration::{config::Settings, startup::Application};
use test_support::{ApiClient, RunningService, TestNats, TestRedis, eventually, init_test_tracing};

/// Patience for asynchronous effects.
pub(crate) const PATIENCE: Duration = Duration::from_secs(20);

/// A running expiration service, its Redis and its NATS.
pub(crate) struct TestApp {
    pub(crate) api: ApiClient,
    pub(crate) nats: TestNats,
    pub(crate) redis: TestRedis,
    /// Publishes as orders would, and reads the stream.
    pub(crate) publisher: Bus,
    settings: Settings,
    running: Option<RunningService>,
}

pub(crate) async fn spawn_app() -> TestApp {
    init_test_tracing();
    let nats = TestNats::start();
    let redis = TestRedis::start();
    let settings = Settings {
        addr: "127.0.0.1:0".parse().unwrap(),
        nats: nats.settings(),
        redis_url: redis.url(),
        worker_name: format!("expiration-test-{}", ObjectId::generate()),
    };
    let running = launch(settings.clone()).await;
    let publisher = Bus::connect(&nats.settings(), "expiration-test", Metrics::new()).await.unwrap();
    eventually(PATIENCE, "the streams exist", || async { publisher.prepare().await.ok() }).await;
    TestApp { api: running.api.clone(), nats, redis, publisher, settings, running: Some(running) }
}

async fn launch(settings: Settings) -> RunningService {
    let app = Application::build(settings).await.expect("expiration builds");
    RunningService::spawn(app.port(), |shutdown| app.run_until_stopped(shutdown)).ready().await
}

/// An `order.created` expiring `after` from now.
pub(crate) fn order_expiring_in(after: Duration) -> OrderCreated {
    OrderCreated {
        id: ObjectId::generate(),
        version: 0,
        status: OrderStatus::Created,
        user_id: ObjectId::generate(),
        expires_at: Timestamp::now().plus(after),
        ticket: OrderTicketSnapshot { id: ObjectId::generate(), price: Cents(1000) },
    }
}

impl TestApp {
    /// Stops the service as SIGTERM would.
    pub(crate) async fn stop_service(&mut self) {
        self.running.take().expect("running").stop().await.expect("a clean shutdown");
    }

    /// Starts a new process of it (a new worker name, as a new pid gives)
    /// and waits until ready.
    pub(crate) async fn start_service(&mut self) {
        self.settings.worker_name = format!("expiration-test-{}", ObjectId::generate());
        let running = launch(self.settings.clone()).await;
        self.api = running.api.clone();
        self.running = Some(running);
    }

    /// Starts it again under the same worker name, as a container restarted
    /// in its pod does (it is PID 1 again), and waits until ready.
    pub(crate) async fn start_service_same_name(&mut self) {
        let running = launch(self.settings.clone()).await;
        self.api = running.api.clone();
        self.running = Some(running);
    }

    /// Publishes `event` with its own message id.
    pub(crate) async fn publish<E: Event>(&self, event: &E) {
        self.publish_as(event, &Outgoing::of(event).message_id).await;
    }

    /// Publishes `event` under `message_id` (a copy the stream does not dedupe).
    pub(crate) async fn publish_as<E: Event>(&self, event: &E, message_id: &str) {
        let payload = Bytes::from(serde_json::to_vec(event).unwrap());
        self.publisher.publish(E::SUBJECT, message_id, payload).await.unwrap();
    }

    /// The value of a counter on `/metrics`.
    pub(crate) async fn counter(&self, name: &str) -> u64 {
        let text = reqwest::get(format!("{}/metrics", self.api.base())).await.unwrap().text().await.unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Waits until `n` jobs have been scheduled in Redis.
    pub(crate) async fn wait_scheduled(&self, n: u64) {
        eventually(PATIENCE, "the job is scheduled", || async {
            (self.counter("expiration_jobs_scheduled_total").await >= n).then_some(())
        })
        .await;
    }

    /// Every `expiration.complete` stored in the stream, as order ids.
    pub(crate) async fn expirations(&self) -> Vec<ObjectId> {
        let mut stream = self.publisher.jetstream().get_stream("TICKETING").await.unwrap();
        let state = stream.info().await.unwrap().state.clone();
        let mut found = Vec::new();
        for sequence in state.first_sequence..=state.last_sequence {
            if let Ok(message) = stream.get_raw_message(sequence).await
                && message.subject.as_str() == "expiration.complete"
            {
                let event: common::events::ExpirationComplete = serde_json::from_slice(&message.payload).unwrap();
                found.push(event.order_id);
            }
        }
        found
    }
}
