//! `spawn_app()` and one helper per thing a test does: publish order events
//! as the orders service would, wait for the replica, pay, read the store.

use std::time::Duration;

use bytes::Bytes;
use common::{
    bus::Bus,
    config::{BaseSettings, Secret},
    events::{Event, OrderCancelled, OrderCreated, OrderStatus, OrderTicketRef, OrderTicketSnapshot, Outgoing},
    id::ObjectId,
    metrics::Metrics,
    money::Cents,
    session::Sessions,
    store::Store,
    timestamp::Timestamp,
};
use payments::{
    config::{Settings, StripeSettings},
    gateway::StripeGateway,
    order::Order,
    payment::Payment,
    startup::{Application, COLLECTIONS},
    state::AppState,
};
use serde_json::json;
use test_support::{ApiClient, FakeStripe, Reply, TEST_JWT_KEY, TestNats, TestStore, eventually, init_test_tracing};

pub(crate) use test_support::PATIENCE;

/// Long enough that no test's order lapses by accident.
const OPEN_FOR: Duration = Duration::from_secs(600);

/// A running payments service and everything around it.
pub(crate) struct TestApp {
    pub(crate) api: ApiClient,
    pub(crate) stripe: FakeStripe,
    pub(crate) nats: TestNats,
    /// The app's store, opened again by the test to read what it wrote.
    pub(crate) store: Store,
    publisher: Bus,
    _store_fixture: TestStore,
}

/// The app with Stripe pointing at a fresh fake.
pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app after `adjust` has changed its settings (e.g. Stripe's address).
pub(crate) async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    init_test_tracing();
    let nats = TestNats::start();
    let fixture = TestStore::for_service("payments");
    let stripe = FakeStripe::start().await;
    let mut settings = Settings {
        base: BaseSettings {
            addr: "127.0.0.1:0".parse().unwrap(),
            database: fixture.url.clone(),
            nats: nats.settings(),
            jwt_key: Secret::new(TEST_JWT_KEY),
        },
        stripe: StripeSettings::new(Secret::new(FakeStripe::SECRET_KEY), &stripe.url()),
    };
    adjust(&mut settings);
    let app = Application::build(settings).await.expect("payments builds");
    let api = ApiClient::new(format!("http://127.0.0.1:{}", app.port()));
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    let store = Store::open(&fixture.url, &COLLECTIONS).await.unwrap();
    eventually(PATIENCE, "the test's store handle is ready", || async { store.prepare().await.ok() }).await;
    let publisher = Bus::connect(&nats.settings(), "payments-test", Metrics::new()).await.unwrap();
    eventually(PATIENCE, "the streams exist", || async { publisher.prepare().await.ok() }).await;
    eventually(PATIENCE, "payments is ready", || async {
        (api.get("/readyz", None).await.code() == 200).then_some(())
    })
    .await;
    TestApp { api, stripe, nats, store, publisher, _store_fixture: fixture }
}

/// An `order.created` for `user`, as the orders service would publish it.
pub(crate) fn order_created(user: &ObjectId, price: Cents, expires_at: Timestamp) -> OrderCreated {
    OrderCreated {
        id: ObjectId::generate(),
        version: 0,
        status: OrderStatus::Created,
        user_id: user.clone(),
        expires_at,
        ticket: OrderTicketSnapshot { id: ObjectId::generate(), price },
    }
}

/// The `order.cancelled` (v1) of `order`.
pub(crate) fn order_cancelled(order: &OrderCreated) -> OrderCancelled {
    OrderCancelled { id: order.id.clone(), version: 1, ticket: OrderTicketRef { id: order.ticket.id.clone() } }
}

impl TestApp {
    /// Publishes `event` to the stream, as its owner's outbox relay would.
    pub(crate) async fn publish<E: Event>(&self, event: &E) {
        let outgoing = Outgoing::of(event);
        self.publisher.publish(&outgoing.subject, &outgoing.message_id, Bytes::from(outgoing.payload)).await.unwrap();
    }

    /// Publishes `order` and waits until payments knows it.
    pub(crate) async fn place(&self, order: &OrderCreated) {
        self.publish(order).await;
        self.wait_for_order(&order.id, "the order reaches the replica", |_| true).await;
    }

    /// An open order of `price` for `user`, known to payments.
    pub(crate) async fn open_order(&self, user: &ObjectId, price: Cents) -> OrderCreated {
        let order = order_created(user, price, Timestamp::now().plus(OPEN_FOR));
        self.place(&order).await;
        order
    }

    /// Publishes the cancellation of `order` and waits until it is applied.
    pub(crate) async fn cancel(&self, order: &OrderCreated) {
        self.publish(&order_cancelled(order)).await;
        self.wait_for_order(&order.id, "the order is cancelled", |o| o.status == OrderStatus::Cancelled).await;
    }

    /// The replica of order `id`, if any.
    pub(crate) async fn order(&self, id: &ObjectId) -> Option<Order> {
        self.store.get::<Order>(id).await.unwrap()
    }

    /// Waits until the replica of `id` exists and satisfies `check`.
    pub(crate) async fn wait_for_order(&self, id: &ObjectId, what: &str, check: impl Fn(&Order) -> bool) -> Order {
        eventually(PATIENCE, what, || async { self.order(id).await.filter(|order| check(order)) }).await
    }

    /// `POST /api/payments` with `{token, orderId}`.
    pub(crate) async fn pay(&self, cookie: &str, token: &str, order_id: &ObjectId) -> Reply {
        self.api.post("/api/payments", Some(cookie), &json!({ "token": token, "orderId": order_id })).await
    }

    /// Every payment recorded.
    pub(crate) async fn payments(&self) -> Vec<Payment> {
        self.store.find::<Payment>(&[]).await.unwrap()
    }

    /// Asserts that nothing was recorded and no event is waiting to go out.
    pub(crate) async fn assert_nothing_stored(&self) {
        assert!(self.payments().await.is_empty(), "no payment is recorded");
        assert_eq!(self.store.pending_count().await.unwrap(), 0, "no event waits in the outbox");
    }

    /// A state for driving the listener directly (`Listener::decide`).
    pub(crate) fn listener_state(&self) -> AppState {
        let stripe = StripeSettings::new(Secret::new(FakeStripe::SECRET_KEY), &self.stripe.url());
        AppState {
            store: self.store.clone(),
            sessions: Sessions::verifier(TEST_JWT_KEY),
            stripe: StripeGateway::new(&stripe).unwrap(),
        }
    }
}

/// The single error message of a 4xx/5xx reply.
pub(crate) fn message(reply: &Reply) -> &str {
    reply.body["errors"][0]["message"].as_str().unwrap_or_default()
}
