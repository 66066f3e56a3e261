//! The reconciler: attempts left pending by a crash are settled after a
//! restart, and several replicas settle each one once.

use std::{collections::HashSet, time::Duration};

use bytes::Bytes;
use common::{
    bus::Bus,
    config::{BaseSettings, Secret},
    events::{Event, Outgoing, PaymentCreated},
    metrics::Metrics,
    money::Cents,
    session::Sessions,
    store::Store,
    timestamp::Timestamp,
};
use payments::{
    attempt::{Attempt, AttemptState},
    config::{Settings, StripeSettings},
    gateway::StripeGateway,
    order::Order,
    payment::Payment,
    settle::{self, Lookup},
    startup::{Application, COLLECTIONS},
    state::AppState,
};
use serde_json::{Value, json};
use test_support::{
    EventProbe, FakeStripe, RunningService, TEST_JWT_KEY, TestNats, TestStore, eventually, session_cookie,
};

use crate::helpers::{PATIENCE, order_cancelled, order_created};

/// The bound: every charge settled within 30 s.
const SETTLED_WITHIN: Duration = Duration::from_secs(30);

/// A payments process on `store`, `nats` and `stripe`, stoppable.
async fn start_payments(fixture: &TestStore, nats: &TestNats, stripe: &FakeStripe) -> RunningService {
    let settings = Settings {
        base: BaseSettings {
            addr: "127.0.0.1:0".parse().unwrap(),
            database: fixture.url.clone(),
            nats: nats.settings(),
            jwt_key: Secret::new(TEST_JWT_KEY),
        },
        stripe: StripeSettings::new(Secret::new(FakeStripe::SECRET_KEY), &stripe.url()),
    };
    let app = Application::build(settings).await.expect("payments builds");
    RunningService::spawn(app.port(), |shutdown| app.run_until_stopped(shutdown)).ready().await
}

async fn publish<E: Event>(bus: &Bus, event: &E) {
    let outgoing = Outgoing::of(event);
    bus.publish(&outgoing.subject, &outgoing.message_id, Bytes::from(outgoing.payload)).await.unwrap();
}

/// What a crash between the Stripe charge and the store write leaves: the
/// attempt recorded pending (its caller's lease over) and the charge made
/// under its key.
async fn crash_mid_charge(store: &Store, stripe: &FakeStripe, order: &Order) -> String {
    let attempt = Attempt::start(&order.id, 0, order.price_cents, Duration::ZERO);
    store.insert(&attempt, &[]).await.unwrap();
    let amount = order.price_cents.to_string();
    let form = [
        ("amount", amount.as_str()),
        ("currency", "usd"),
        ("source", "tok_visa"),
        ("metadata[orderId]", order.id.as_str()),
    ];
    let charge: Value = reqwest::Client::new()
        .post(format!("{}v1/charges", stripe.url()))
        .bearer_auth(FakeStripe::SECRET_KEY)
        .header("Idempotency-Key", attempt.key.as_str())
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    charge["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn after_a_crash_mid_charge_the_restarted_service_records_the_payment_or_refunds_it() {
    test_support::init_test_tracing();
    let (nats, fixture, stripe) = (TestNats::start(), TestStore::for_service("payments"), FakeStripe::start().await);
    let first = start_payments(&fixture, &nats, &stripe).await;
    let bus = Bus::connect(&nats.settings(), "payments-test", Metrics::new()).await.unwrap();
    eventually(PATIENCE, "the streams exist", || async { bus.prepare().await.ok() }).await;
    let store = Store::open(&fixture.url, &COLLECTIONS).await.unwrap();
    eventually(PATIENCE, "the store is ready", || async { store.prepare().await.ok() }).await;
    let (buyer, _) = session_cookie("buyer@test.com");
    let kept = order_created(&buyer, Cents(2000), Timestamp::now().plus(Duration::from_secs(600)));
    let dropped = order_created(&buyer, Cents(1500), Timestamp::now().plus(Duration::from_secs(600)));
    for order in [&kept, &dropped] {
        publish(&bus, order).await;
    }
    let replica = |id| {
        let store = store.clone();
        async move { eventually(PATIENCE, "the replica", || async { store.get::<Order>(&id).await.unwrap() }).await }
    };
    let (kept_order, dropped_order) = (replica(kept.id.clone()).await, replica(dropped.id.clone()).await);

    first.stop().await.unwrap();
    let kept_charge = crash_mid_charge(&store, &stripe, &kept_order).await;
    let dropped_charge = crash_mid_charge(&store, &stripe, &dropped_order).await;
    // While payments is down, one of the orders is cancelled.
    publish(&bus, &order_cancelled(&dropped)).await;
    let mut probe = EventProbe::subscribe(&nats.url(), "payment.created").await;

    let _second = start_payments(&fixture, &nats, &stripe).await;
    let payment = eventually(SETTLED_WITHIN, "the kept order's payment is recorded", || async {
        store.find::<Payment>(&[("orderId", serde_json::json!(kept.id))]).await.unwrap().pop()
    })
    .await;
    assert_eq!((payment.stripe_id.as_str(), payment.amount_cents), (kept_charge.as_str(), 2000));
    let refund = eventually(SETTLED_WITHIN, "the cancelled order's charge is refunded", || async {
        stripe.refunds().await.pop()
    })
    .await;
    assert_eq!((refund["charge"].as_str(), refund["amount"].as_i64()), (Some(dropped_charge.as_str()), Some(1500)));
    eventually(PATIENCE, "every attempt is settled", || async {
        let attempts = store.find::<Attempt>(&[]).await.unwrap();
        attempts.iter().all(|a| matches!(a.state, AttemptState::Paid | AttemptState::Refunded)).then_some(())
    })
    .await;
    let created: PaymentCreated = probe.next(Duration::from_secs(5)).await;
    assert_eq!(created.order_id, kept.id);
    assert_eq!(stripe.charges().await.len(), 2, "nothing was charged again");
}

/// NATS, a store, the fake Stripe, the streams and the store prepared.
async fn world() -> (TestNats, TestStore, FakeStripe, Bus, Store) {
    test_support::init_test_tracing();
    let (nats, fixture, stripe) = (TestNats::start(), TestStore::for_service("payments"), FakeStripe::start().await);
    let bus = Bus::connect(&nats.settings(), "payments-test", Metrics::new()).await.unwrap();
    eventually(PATIENCE, "the streams exist", || async { bus.prepare().await.ok() }).await;
    let store = Store::open(&fixture.url, &COLLECTIONS).await.unwrap();
    eventually(PATIENCE, "the store is ready", || async { store.prepare().await.ok() }).await;
    (nats, fixture, stripe, bus, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_settlers_racing_for_one_attempt_look_it_up_once() {
    let (_nats, _fixture, stripe, _bus, store) = world().await;
    let (buyer, _) = session_cookie("buyer@test.com");
    let order = Order::from_created(&order_created(&buyer, Cents(2000), Timestamp::now().plus(PATIENCE)));
    store.insert(&order, &[]).await.unwrap();
    let charge_id = crash_mid_charge(&store, &stripe, &order).await;
    let pending = store.find::<Attempt>(&[("orderId", json!(order.id))]).await.unwrap().remove(0);
    let settings = StripeSettings::new(Secret::new(FakeStripe::SECRET_KEY), &stripe.url());
    let state = AppState {
        store: store.clone(),
        sessions: Sessions::verifier(TEST_JWT_KEY),
        stripe: StripeGateway::new(&settings).unwrap(),
    };

    let (first, second) = tokio::join!(settle::look_up(&state, &pending), settle::look_up(&state, &pending));
    let outcomes = [first.unwrap(), second.unwrap()];
    let charged: Vec<&Attempt> =
        outcomes.iter().filter_map(|outcome| if let Lookup::Charged(a) = outcome { Some(a) } else { None }).collect();
    assert_eq!(charged.len(), 1, "one claim wins: {outcomes:?}");
    assert!(outcomes.iter().any(|outcome| matches!(outcome, Lookup::Busy)), "{outcomes:?}");
    assert_eq!((charged[0].state, charged[0].charge_id.as_deref()), (AttemptState::Charged, Some(charge_id.as_str())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_settle_every_pending_attempt_once() {
    let (nats, fixture, stripe, bus, store) = world().await;
    let (buyer, _) = session_cookie("buyer@test.com");
    let mut orders = Vec::new();
    for _ in 0..4 {
        let created = order_created(&buyer, Cents(2000), Timestamp::now().plus(Duration::from_secs(600)));
        publish(&bus, &created).await;
        orders.push(created);
    }
    let mut probe = EventProbe::subscribe(&nats.url(), "payment.created").await;
    let replicas = [start_payments(&fixture, &nats, &stripe).await, start_payments(&fixture, &nats, &stripe).await];
    for created in &orders {
        let order =
            eventually(PATIENCE, "the replica", || async { store.get::<Order>(&created.id).await.unwrap() }).await;
        crash_mid_charge(&store, &stripe, &order).await;
    }

    eventually(SETTLED_WITHIN, "every order is paid and every attempt says so", || async {
        let paid = store.find::<Payment>(&[]).await.unwrap().len() == orders.len();
        let attempts = store.find::<Attempt>(&[]).await.unwrap();
        (paid && attempts.iter().all(|attempt| attempt.state == AttemptState::Paid)).then_some(())
    })
    .await;
    // Both replicas relay the shared outbox, so one event may be sent twice
    // (the stream drops the copy; a plain subscriber sees it): count facts.
    let mut announced = HashSet::new();
    while announced.len() < orders.len() {
        let Some(message) = probe.next_raw(PATIENCE).await else { break };
        let event: PaymentCreated = serde_json::from_slice(&message.payload).unwrap();
        announced.insert((event.id, event.order_id));
    }
    let paid_orders: HashSet<_> = announced.iter().map(|(_, order_id)| order_id.clone()).collect();
    assert_eq!((announced.len(), paid_orders.len()), (orders.len(), orders.len()), "one payment.created per order");
    assert!(stripe.refunds().await.is_empty(), "no charge was taken for another's");
    assert_eq!(stripe.charges().await.len(), orders.len(), "nothing charged again");
    for replica in replicas {
        replica.stop().await.unwrap();
    }
}
