//! `spawn_app()` and one helper per thing a test does: call each endpoint,
//! publish order events as the orders service would, and read what was
//! stored or published.

use std::time::Duration;

use bytes::Bytes;
use common::{
    bus::Bus,
    config::{BaseSettings, Secret},
    events::{
        Event, OrderCancelled, OrderCreated, OrderStatus, OrderTicketRef, OrderTicketSnapshot, Outgoing, PaymentCreated,
    },
    id::ObjectId,
    metrics::Metrics,
    money::Cents,
    store::Store,
    timestamp::Timestamp,
};
use serde_json::{Value, json};
use test_support::{
    ApiClient, EventProbe, Reply, RunningService, TEST_JWT_KEY, TestNats, TestStore, eventually, init_test_tracing,
    session_cookie,
};

pub(crate) use test_support::{PATIENCE, QUIET};
use tickets::{
    config::Settings,
    startup::{Application, COLLECTIONS},
    ticket::Ticket,
};

/// A running tickets service and everything around it.
pub(crate) struct TestApp {
    pub(crate) api: ApiClient,
    pub(crate) nats: TestNats,
    /// The app's store, opened again by the test to read what it wrote.
    pub(crate) store: Store,
    /// Publishes as the orders service would.
    pub(crate) publisher: Bus,
    settings: Settings,
    running: Option<RunningService>,
    _store_fixture: TestStore,
}

/// The app on port 0 with a private NATS and a fresh store.
pub(crate) async fn spawn_app() -> TestApp {
    init_test_tracing();
    let nats = TestNats::start();
    let fixture = TestStore::for_service("tickets");
    let settings = Settings {
        base: BaseSettings {
            addr: "127.0.0.1:0".parse().unwrap(),
            database: fixture.url.clone(),
            nats: nats.settings(),
            jwt_key: Secret::new(TEST_JWT_KEY),
        },
    };
    let running = launch(settings.clone()).await;
    let store = Store::open(&fixture.url, &COLLECTIONS).await.unwrap();
    eventually(PATIENCE, "the test's store handle is ready", || async { store.prepare().await.ok() }).await;
    let publisher = Bus::connect(&nats.settings(), "tickets-test", Metrics::new()).await.unwrap();
    eventually(PATIENCE, "the streams exist", || async { publisher.prepare().await.ok() }).await;
    TestApp {
        api: running.api.clone(),
        nats,
        store,
        publisher,
        settings,
        running: Some(running),
        _store_fixture: fixture,
    }
}

async fn launch(settings: Settings) -> RunningService {
    let app = Application::build(settings).await.expect("tickets builds");
    RunningService::spawn(app.port(), |shutdown| app.run_until_stopped(shutdown)).ready().await
}

/// A signed-in seller: (user id, `Cookie` header).
pub(crate) fn user() -> (ObjectId, String) {
    session_cookie("seller@test.com")
}

/// An `order.created` for `ticket` as the orders service would publish it.
pub(crate) fn order_created(ticket: &ObjectId) -> OrderCreated {
    OrderCreated {
        id: ObjectId::generate(),
        version: 0,
        status: OrderStatus::Created,
        user_id: ObjectId::generate(),
        expires_at: Timestamp::now().plus(Duration::from_secs(60)),
        ticket: OrderTicketSnapshot { id: ticket.clone(), price: Cents(2000) },
    }
}

/// The matching `order.cancelled`.
pub(crate) fn order_cancelled(order: &OrderCreated) -> OrderCancelled {
    OrderCancelled { id: order.id.clone(), version: 1, ticket: OrderTicketRef { id: order.ticket.id.clone() } }
}

impl TestApp {
    /// Stops the service (as SIGTERM would).
    pub(crate) async fn stop_service(&mut self) {
        self.running.take().expect("running").stop().await.expect("a clean shutdown");
    }

    /// Starts it again on the same store and NATS, and waits until ready.
    pub(crate) async fn start_service(&mut self) {
        let running = launch(self.settings.clone()).await;
        self.api = running.api.clone();
        self.running = Some(running);
    }

    /// A second tickets process on the same store and NATS (another replica).
    pub(crate) async fn another_replica(&self) -> RunningService {
        launch(self.settings.clone()).await
    }

    /// The running service's HTTP base URL.
    pub(crate) fn base(&self) -> &str {
        self.api.base()
    }

    /// `payment.created` for `order`, as payments would publish it.
    pub(crate) fn payment_for(order: &ObjectId) -> PaymentCreated {
        PaymentCreated { id: ObjectId::generate(), order_id: order.clone(), stripe_id: "ch_test".into() }
    }

    /// A probe on `ticket.>`, subscribed now (before the action under test).
    pub(crate) async fn probe(&self) -> EventProbe {
        EventProbe::subscribe(&self.nats.url(), "ticket.>").await
    }

    /// Publishes `event` as its owner's relay would (its own message id).
    pub(crate) async fn publish<E: Event>(&self, event: &E) {
        self.publish_as(event, &Outgoing::of(event).message_id).await;
    }

    /// Publishes `event` under another message id, so the stream's dedupe
    /// does not catch the copy and the listener really sees a duplicate.
    pub(crate) async fn publish_as<E: Event>(&self, event: &E, message_id: &str) {
        let payload = Bytes::from(serde_json::to_vec(event).unwrap());
        self.publisher.publish(E::SUBJECT, message_id, payload).await.unwrap();
    }

    /// `POST /api/tickets`.
    pub(crate) async fn create(&self, cookie: Option<&str>, body: &Value) -> Reply {
        self.api.post("/api/tickets", cookie, body).await
    }

    /// Creates a ticket, asserting the 201, and returns its id.
    ///
    /// Returns once its `ticket.created` is published, so a probe the test
    /// subscribes next sees only what the test does afterwards (the relay
    /// publishes after the 201, later on a loaded machine).
    pub(crate) async fn create_ticket(&self, cookie: &str, title: &str, price: f64) -> ObjectId {
        let mut created = EventProbe::subscribe(&self.nats.url(), "ticket.created").await;
        let reply = self.create(Some(cookie), &json!({"title": title, "price": price})).await;
        assert_eq!(reply.code(), 201, "creating failed: {:?}", reply.body);
        let id = ObjectId::parse(reply.body["id"].as_str().unwrap()).unwrap();
        loop {
            // Generous: a relay still backing off from its first publish
            // before the streams existed waits up to 5 s, longer under load.
            let event: common::events::TicketCreated = created.next(3 * PATIENCE).await;
            if event.id == id {
                return id;
            }
        }
    }

    /// `PUT /api/tickets/{id}`.
    pub(crate) async fn update(&self, cookie: Option<&str>, id: &str, body: &Value) -> Reply {
        self.api.put(&format!("/api/tickets/{id}"), cookie, body).await
    }

    /// `GET /api/tickets/{id}`.
    pub(crate) async fn show(&self, id: &str) -> Reply {
        self.api.get(&format!("/api/tickets/{id}"), None).await
    }

    /// The ticket as stored.
    pub(crate) async fn ticket(&self, id: &ObjectId) -> Ticket {
        self.store.get::<Ticket>(id).await.unwrap().expect("the ticket exists")
    }

    /// Waits until ticket `id` satisfies `check`.
    pub(crate) async fn wait_for(&self, id: &ObjectId, what: &str, check: impl Fn(&Ticket) -> bool) -> Ticket {
        eventually(PATIENCE, what, || async { self.store.get::<Ticket>(id).await.unwrap().filter(|t| check(t)) }).await
    }
}
