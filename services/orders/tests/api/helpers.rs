//! `spawn_app()` and one helper per thing a test does: publish events as
//! their owners would, wait for their effects, call each endpoint, and read
//! what was stored or published.

use std::time::Duration;

use bytes::Bytes;
use common::{
    bus::Bus,
    config::{BaseSettings, Secret},
    events::{Event, OrderStatus, Outgoing, PaymentCreated, TicketCreated},
    id::ObjectId,
    listener::Outcome,
    metrics::Metrics,
    money::Cents,
    session::Sessions,
    store::Store,
};
use orders::{
    config::Settings,
    listeners::listener,
    order::Order,
    startup::{Application, COLLECTIONS},
    state::AppState,
    sweeper::Sweep,
    ticket::Ticket,
};
use serde_json::{Value, json};
use test_support::{
    ApiClient, Reply, RunningService, TEST_JWT_KEY, TestNats, TestStore, eventually, init_test_tracing,
};

pub(crate) use test_support::{PATIENCE, QUIET};

/// A running orders service and everything around it.
pub(crate) struct TestApp {
    /// Talks to the service (a new port after [`TestApp::start_service`]).
    pub(crate) api: ApiClient,
    pub(crate) nats: TestNats,
    /// The app's store, opened again by the test to read what it wrote.
    pub(crate) store: Store,
    /// The reservation window the app was started with.
    pub(crate) window: Duration,
    /// Publishes as other services would, and reads the stream.
    pub(crate) publisher: Bus,
    settings: Settings,
    running: Option<RunningService>,
    _store_fixture: TestStore,
}

/// The app with the contract's 60 s reservation window.
pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app after `adjust` has changed its settings (e.g. a short window).
pub(crate) async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    init_test_tracing();
    let nats = TestNats::start();
    let fixture = TestStore::for_service("orders");
    let mut settings = Settings {
        base: BaseSettings {
            addr: "127.0.0.1:0".parse().unwrap(),
            database: fixture.url.clone(),
            nats: nats.settings(),
            jwt_key: Secret::new(TEST_JWT_KEY),
        },
        expiration_window: Duration::from_secs(60),
        sweep: Sweep::default(),
    };
    adjust(&mut settings);
    let window = settings.expiration_window;
    let running = launch(settings.clone()).await;

    let store = Store::open(&fixture.url, &COLLECTIONS).await.unwrap();
    eventually(PATIENCE, "the test's store handle is ready", || async { store.prepare().await.ok() }).await;
    let publisher = Bus::connect(&nats.settings(), "orders-test", Metrics::new()).await.unwrap();
    eventually(PATIENCE, "the streams exist", || async { publisher.prepare().await.ok() }).await;
    let api = running.api.clone();
    TestApp { api, nats, store, window, publisher, settings, running: Some(running), _store_fixture: fixture }
}

/// Builds the service on a fresh port, starts it and waits until it is ready.
async fn launch(settings: Settings) -> RunningService {
    let app = Application::build(settings).await.expect("orders builds");
    RunningService::spawn(app.port(), |shutdown| app.run_until_stopped(shutdown)).ready().await
}

/// A `ticket.created` as the tickets service would publish it.
pub(crate) fn ticket_created(title: &str, price: &str) -> TicketCreated {
    TicketCreated {
        id: ObjectId::generate(),
        version: 0,
        title: title.to_owned(),
        price: Cents::parse_decimal(price).unwrap(),
        user_id: ObjectId::generate(),
    }
}

impl TestApp {
    /// Shuts the service down (as SIGTERM would) and waits until it has stopped.
    pub(crate) async fn stop_service(&mut self) {
        let running = self.running.take().expect("the service is running");
        running.stop().await.expect("a clean shutdown");
    }

    /// Starts the service again on the same store and NATS, and waits until ready.
    pub(crate) async fn start_service(&mut self) {
        let running = launch(self.settings.clone()).await;
        self.api = running.api.clone();
        self.running = Some(running);
    }

    /// A second orders process on the same store and NATS (another replica).
    pub(crate) async fn another_replica(&self) -> RunningService {
        launch(self.settings.clone()).await
    }

    /// Publishes `event` to the stream, as its owner's outbox relay would.
    pub(crate) async fn publish<E: Event>(&self, event: &E) {
        let outgoing = Outgoing::of(event);
        self.publish_as(event, &outgoing.message_id).await;
    }

    /// Publishes `event` under another message id: a copy that the stream's
    /// dedupe does not catch (a re-publish after the window), so the
    /// listener really sees a duplicate.
    pub(crate) async fn publish_as<E: Event>(&self, event: &E, message_id: &str) {
        let payload = Bytes::from(serde_json::to_vec(event).unwrap());
        self.publisher.publish(E::SUBJECT, message_id, payload).await.unwrap();
    }

    /// Lists a ticket: publishes its `ticket.created` (message id
    /// `ticket.created:<id>:0`) and waits until the replica has it.
    pub(crate) async fn seed_ticket(&self, title: &str, price: &str) -> TicketCreated {
        let event = ticket_created(title, price);
        self.publish(&event).await;
        self.wait_for_ticket(&event.id, "the ticket reaches the replica", |_| true).await;
        event
    }

    /// The replica of ticket `id`, if any.
    pub(crate) async fn ticket(&self, id: &ObjectId) -> Option<Ticket> {
        self.store.get::<Ticket>(id).await.unwrap()
    }

    /// Waits until the replica of `id` exists and satisfies `check`.
    pub(crate) async fn wait_for_ticket(&self, id: &ObjectId, what: &str, check: impl Fn(&Ticket) -> bool) -> Ticket {
        eventually(PATIENCE, what, || async { self.ticket(id).await.filter(|ticket| check(ticket)) }).await
    }

    /// Order `id` as stored, if any.
    pub(crate) async fn order(&self, id: &ObjectId) -> Option<Order> {
        self.store.get::<Order>(id).await.unwrap()
    }

    /// Waits until order `id` exists and satisfies `check`.
    pub(crate) async fn wait_for_order(&self, id: &ObjectId, what: &str, check: impl Fn(&Order) -> bool) -> Order {
        eventually(PATIENCE, what, || async { self.order(id).await.filter(|order| check(order)) }).await
    }

    /// `POST /api/orders` with any body.
    pub(crate) async fn post_order(&self, cookie: Option<&str>, body: &Value) -> Reply {
        self.api.post("/api/orders", cookie, body).await
    }

    /// `POST /api/orders` `{ticketId}`.
    pub(crate) async fn create_order(&self, cookie: &str, ticket_id: &ObjectId) -> Reply {
        self.post_order(Some(cookie), &json!({ "ticketId": ticket_id })).await
    }

    /// Orders `ticket_id`, asserting the 201, and returns the order's id.
    pub(crate) async fn open_order(&self, cookie: &str, ticket_id: &ObjectId) -> ObjectId {
        let reply = self.create_order(cookie, ticket_id).await;
        assert_eq!(reply.code(), 201, "ordering failed: {:?}", reply.body);
        ObjectId::parse(reply.body["id"].as_str().unwrap()).unwrap()
    }

    /// `GET /api/orders`.
    pub(crate) async fn list_orders(&self, cookie: Option<&str>) -> Reply {
        self.api.get("/api/orders", cookie).await
    }

    /// `GET /api/orders/{id}`.
    pub(crate) async fn show_order(&self, cookie: Option<&str>, id: &str) -> Reply {
        self.api.get(&format!("/api/orders/{id}"), cookie).await
    }

    /// `DELETE /api/orders/{id}`.
    pub(crate) async fn cancel_order(&self, cookie: Option<&str>, id: &str) -> Reply {
        self.api.delete(&format!("/api/orders/{id}"), cookie).await
    }

    /// Publishes a `payment.created` for `order_id`, as payments would.
    pub(crate) async fn publish_payment(&self, order_id: &ObjectId) -> PaymentCreated {
        let payment =
            PaymentCreated { id: ObjectId::generate(), order_id: order_id.clone(), stripe_id: "ch_test_1".into() };
        self.publish(&payment).await;
        payment
    }

    /// Pays `order_id` and waits until orders has completed it.
    pub(crate) async fn pay(&self, order_id: &ObjectId) -> Order {
        self.publish_payment(order_id).await;
        self.wait_for_order(order_id, "the payment completes the order", |order| order.status == OrderStatus::Complete)
            .await
    }

    /// A state for driving the listener directly.
    pub(crate) fn listener_state(&self) -> AppState {
        AppState {
            store: self.store.clone(),
            sessions: Sessions::verifier(TEST_JWT_KEY),
            expiration_window: self.window,
            live: common::live::Live::new("order", &common::metrics::Metrics::new()),
        }
    }

    /// Runs one delivery through the service's listener, without the broker.
    pub(crate) async fn deliver<E: Event>(&self, event: &E) -> Outcome {
        let payload = serde_json::to_vec(event).unwrap();
        listener().decide(self.listener_state(), E::SUBJECT, &payload).await.unwrap()
    }
}

/// The single error message of a 4xx/5xx reply.
pub(crate) fn message(reply: &Reply) -> &str {
    reply.body["errors"][0]["message"].as_str().unwrap_or_default()
}
