//! The JetStream bus against a real, private `nats-server -js`.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use bytes::Bytes;
use common::{
    bus::Bus,
    events::{ExpirationComplete, Outgoing},
    id::ObjectId,
    listener::{Listener, Outcome},
    metrics::Metrics,
    readiness::Readiness,
};
use test_support::{EventProbe, TestNats, eventually};
use tokio_util::sync::CancellationToken;

async fn ready_bus(nats: &TestNats) -> (Bus, Metrics) {
    let metrics = Metrics::new();
    let bus = Bus::connect(&nats.settings(), "bus-test", metrics.clone()).await.unwrap();
    eventually(Duration::from_secs(10), "streams are created", || async { bus.prepare().await.ok() }).await;
    (bus, metrics)
}

/// A readiness that is always ready (no checks), as a started service has.
async fn ready() -> Readiness {
    let readiness = Readiness::new();
    readiness.evaluate().await;
    readiness
}

fn expiration(order: &ObjectId) -> Outgoing {
    Outgoing::of(&ExpirationComplete { order_id: order.clone() })
}

async fn stream_messages(bus: &Bus, stream: &str) -> u64 {
    bus.jetstream().get_stream(stream).await.unwrap().info().await.unwrap().state.messages
}

#[tokio::test]
async fn stream_setup_is_idempotent() {
    let nats = TestNats::start();
    let (bus, _) = ready_bus(&nats).await;
    bus.prepare().await.expect("a second setup is a no-op");
    let mut stream = bus.jetstream().get_stream("TICKETING").await.unwrap();
    let info = stream.info().await.unwrap();
    assert_eq!(info.config.subjects, vec!["ticket.>", "order.>", "expiration.>", "payment.>"]);
    assert_eq!(info.config.duplicate_window, Duration::from_secs(120));
    assert_eq!(info.config.max_age, Duration::from_secs(7 * 24 * 3600));
    let mut dlq_stream = bus.jetstream().get_stream("TICKETING_DLQ").await.unwrap();
    let dlq = dlq_stream.info().await.unwrap();
    assert_eq!(dlq.config.subjects, vec!["dlq.>"]);
}

#[tokio::test]
async fn the_same_message_id_twice_is_stored_once() {
    let nats = TestNats::start();
    let (bus, metrics) = ready_bus(&nats).await;
    let event = expiration(&ObjectId::generate());
    let payload = Bytes::from(event.payload.clone());
    assert!(!bus.publish(&event.subject, &event.message_id, payload.clone()).await.unwrap(), "first is new");
    assert!(bus.publish(&event.subject, &event.message_id, payload).await.unwrap(), "second is a duplicate");
    assert_eq!(stream_messages(&bus, "TICKETING").await, 1);
    assert!(
        metrics.render().contains("events_published_total{subject=\"expiration.complete\"} 1"),
        "{}",
        metrics.render()
    );
}

#[tokio::test]
async fn a_nak_is_redelivered_and_then_acked() {
    let nats = TestNats::start();
    let (bus, metrics) = ready_bus(&nats).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let listener = Listener::new("redelivery-test", Some("expiration.complete")).on(
        |calls: Arc<AtomicUsize>, _event: ExpirationComplete| async move {
            // Not yet on the first delivery, applied on the second.
            Ok(if calls.fetch_add(1, Ordering::SeqCst) == 0 { Outcome::NotYet } else { Outcome::Done })
        },
    );
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(listener.run(bus.clone(), calls.clone(), ready().await, metrics.clone(), shutdown.clone()));

    let event = expiration(&ObjectId::generate());
    bus.publish(&event.subject, &event.message_id, event.payload.clone().into()).await.unwrap();
    eventually(Duration::from_secs(10), "the second delivery is handled", || async {
        (calls.load(Ordering::SeqCst) >= 2).then_some(())
    })
    .await;
    eventually(Duration::from_secs(5), "the ack is counted", || async {
        metrics.render().contains("outcome=\"ack\"} 1").then_some(())
    })
    .await;
    let text = metrics.render();
    assert!(text.contains("events_consumed_total{subject=\"expiration.complete\",outcome=\"retry\"} 1"), "{text}");
    shutdown.cancel();
    task.await.unwrap().expect("the listener stops cleanly on shutdown");
    assert_eq!(calls.load(Ordering::SeqCst), 2, "acked messages are not delivered again");
}

#[tokio::test]
async fn a_message_still_failing_at_the_bound_is_dead_lettered() {
    test_support::init_test_tracing();
    let nats = TestNats::start();
    let (bus, metrics) = ready_bus(&nats).await;
    let mut dead_letters = EventProbe::subscribe(&nats.url(), "dlq.>").await;
    let calls = Arc::new(AtomicUsize::new(0));
    let listener = Listener::new("dlq-test", Some("expiration.complete")).on(
        |calls: Arc<AtomicUsize>, _event: ExpirationComplete| async move {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(anyhow::anyhow!("the store is down"))
        },
    );
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(listener.run(bus.clone(), calls.clone(), ready().await, metrics.clone(), shutdown.clone()));

    let event = expiration(&ObjectId::generate());
    bus.publish(&event.subject, &event.message_id, event.payload.clone().into()).await.unwrap();
    // max_deliver is 5 in tests: 0.25 + 0.5 + 1 + 2 s of backoff.
    let Some(letter) = dead_letters.next_raw(Duration::from_secs(40)).await else {
        // It has failed this way in full runs only: say where the message stands.
        let consumer = bus.jetstream().get_stream("TICKETING").await.unwrap().consumer_info("dlq-test").await;
        panic!(
            "no dead letter after 40 s; handler calls {}; consumer {consumer:?}\nmetrics:\n{}\nnats-server log:\n{}",
            calls.load(Ordering::SeqCst),
            metrics.render(),
            nats.log()
        );
    };
    assert_eq!(letter.subject.as_str(), "dlq.dlq-test.expiration.complete");
    assert_eq!(letter.payload, Bytes::from(event.payload.clone()), "the original bytes are kept");
    let headers = letter.headers.expect("dead letters carry headers");
    assert_eq!(headers.get("Ticketing-Original-Subject").unwrap().as_str(), "expiration.complete");
    assert_eq!(headers.get("Ticketing-Deliveries").unwrap().as_str(), "5");
    assert_eq!(headers.get("Ticketing-Stream-Sequence").unwrap().as_str(), "1");
    assert!(headers.get("Ticketing-Error").unwrap().as_str().contains("the store is down"));
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    assert_eq!(stream_messages(&bus, "TICKETING_DLQ").await, 1, "the dead letter is stored");
    eventually(Duration::from_secs(5), "the dead letter is counted", || async {
        metrics.render().contains("outcome=\"dead_letter\"} 1").then_some(())
    })
    .await;
    // Terminated: no sixth delivery.
    assert!(dead_letters.next_raw(Duration::from_secs(3)).await.is_none());
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    shutdown.cancel();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_unparseable_payload_is_dead_lettered_at_once_without_calling_the_handler() {
    let nats = TestNats::start();
    let (bus, metrics) = ready_bus(&nats).await;
    let mut dead_letters = EventProbe::subscribe(&nats.url(), "dlq.>").await;
    let calls = Arc::new(AtomicUsize::new(0));
    let listener =
        Listener::new("poison-test", None).on(|calls: Arc<AtomicUsize>, _event: ExpirationComplete| async move {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(Outcome::Done)
        });
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(listener.run(bus.clone(), calls.clone(), ready().await, metrics, shutdown.clone()));

    bus.publish("expiration.complete", "poison-1", Bytes::from_static(b"{\"orderId\":42}")).await.unwrap();
    // A subject nobody handles is simply acked, never dead-lettered.
    bus.publish("ticket.created", "ignored-1", Bytes::from_static(b"not even json")).await.unwrap();
    let letter = dead_letters.next_raw(Duration::from_secs(5)).await.expect("a dead letter");
    assert_eq!(letter.subject.as_str(), "dlq.poison-test.expiration.complete");
    assert_eq!(letter.headers.unwrap().get("Ticketing-Deliveries").unwrap().as_str(), "1");
    assert!(
        dead_letters.next_raw(Duration::from_secs(2)).await.is_none(),
        "the unhandled subject is not a dead letter"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    shutdown.cancel();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_listener_shut_down_before_nats_is_reachable_returns() {
    let url = format!("nats://127.0.0.1:{}", test_support::free_port());
    let bus = Bus::connect(&common::config::NatsSettings::new(url), "offline", Metrics::new()).await.unwrap();
    assert!(!bus.is_ready());
    let listener = Listener::<()>::new("offline-test", None);
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(listener.run(bus, (), ready().await, Metrics::new(), shutdown.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(2), task).await.expect("stops promptly").unwrap().unwrap();
}

#[tokio::test]
async fn consumers_are_durable_and_shared() {
    let nats = TestNats::start();
    let (bus, metrics) = ready_bus(&nats).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let build = || {
        Listener::new("shared-test", Some("expiration.complete")).on(
            |calls: Arc<AtomicUsize>, _e: ExpirationComplete| async move {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(Outcome::Done)
            },
        )
    };
    // Two replicas of one service share the durable consumer.
    let shutdown = CancellationToken::new();
    let readiness = ready().await;
    let one =
        tokio::spawn(build().run(bus.clone(), calls.clone(), readiness.clone(), metrics.clone(), shutdown.clone()));
    let two = tokio::spawn(build().run(bus.clone(), calls.clone(), readiness, metrics.clone(), shutdown.clone()));
    for _ in 0..20 {
        let event = expiration(&ObjectId::generate());
        bus.publish(&event.subject, &event.message_id, event.payload.into()).await.unwrap();
    }
    eventually(Duration::from_secs(10), "all 20 handled", || async {
        (calls.load(Ordering::SeqCst) >= 20).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 20, "each event handled once across replicas");
    shutdown.cancel();
    one.await.unwrap().unwrap();
    two.await.unwrap().unwrap();
    let consumer = bus.jetstream().get_stream("TICKETING").await.unwrap().consumer_info("shared-test").await.unwrap();
    assert_eq!(consumer.config.durable_name.as_deref(), Some("shared-test"));
    assert_eq!(consumer.num_ack_pending, 0);
}
