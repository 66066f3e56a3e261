//! The transactional outbox end to end: store, relay and a real NATS server.

use std::time::Duration;

use bytes::Bytes;
use common::{
    bus::Bus,
    events::{Outgoing, TicketCreated},
    id::ObjectId,
    metrics::Metrics,
    money::Cents,
    relay,
    store::{CollectionSpec, Document, Store},
};
use serde::{Deserialize, Serialize};
use test_support::{EventProbe, TestNats, TestStore, eventually};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Note {
    id: ObjectId,
    version: i64,
}

impl Document for Note {
    const COLLECTION: CollectionSpec = CollectionSpec { name: "notes", indexes: &[] };
}

fn created(id: &ObjectId, title: &str) -> Outgoing {
    Outgoing::of(&TicketCreated {
        id: id.clone(),
        version: 0,
        title: title.into(),
        price: Cents(1000),
        user_id: ObjectId::generate(),
    })
}

async fn store(fixture: &TestStore) -> Store {
    let store = Store::open(&fixture.url, &[Note::COLLECTION]).await.unwrap();
    store.prepare().await.unwrap();
    store
}

async fn connect(nats: &TestNats, metrics: &Metrics) -> Bus {
    let bus = Bus::connect(&nats.settings(), "outbox-test", metrics.clone()).await.unwrap();
    eventually(Duration::from_secs(10), "NATS is ready", || async { bus.prepare().await.ok() }).await;
    bus
}

async fn stored_in_stream(bus: &Bus) -> u64 {
    bus.jetstream().get_stream("TICKETING").await.unwrap().info().await.unwrap().state.messages
}

#[tokio::test]
async fn a_change_written_while_nats_was_down_is_published_once_when_it_returns() {
    let mut nats = TestNats::start();
    let fixture = TestStore::sqlite("outbox");
    let store = store(&fixture).await;
    let metrics = Metrics::new();
    let bus = connect(&nats, &metrics).await;
    let shutdown = CancellationToken::new();
    let relay = tokio::spawn(relay::run(store.clone(), bus.clone(), metrics.clone(), shutdown.clone()));

    nats.stop();
    let note = Note { id: ObjectId::generate(), version: 0 };
    store.insert(&note, &[created(&note.id, "written while down")]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(store.pending_count().await.unwrap(), 1, "kept while NATS is down");

    nats.restart();
    let mut probe = EventProbe::subscribe(&nats.url(), "ticket.>").await;
    eventually(Duration::from_secs(15), "the outbox drains", || async {
        (store.pending_count().await.unwrap() == 0).then_some(())
    })
    .await;
    let seen: TicketCreated = probe.next(Duration::from_secs(5)).await;
    assert_eq!(seen.title, "written while down");
    assert_eq!(stored_in_stream(&bus).await, 1, "published exactly once");
    assert!(metrics.render().contains("outbox_pending 0"));
    shutdown.cancel();
    relay.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_change_written_while_the_relay_was_stopped_is_published_when_it_starts() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("outbox");
    let metrics = Metrics::new();
    let bus = connect(&nats, &metrics).await;
    let note = Note { id: ObjectId::generate(), version: 0 };
    {
        // A process that committed and died before its relay ran.
        let store = store(&fixture).await;
        store.insert(&note, &[created(&note.id, "orphaned")]).await.unwrap();
    }
    let mut probe = EventProbe::subscribe(&nats.url(), "ticket.>").await;
    let store = store(&fixture).await;
    let shutdown = CancellationToken::new();
    let relay = tokio::spawn(relay::run(store.clone(), bus.clone(), metrics, shutdown.clone()));
    let seen: TicketCreated = probe.next(Duration::from_secs(5)).await;
    assert_eq!(seen.id, note.id);
    assert!(probe.next_raw(Duration::from_millis(1500)).await.is_none(), "no second copy");
    shutdown.cancel();
    relay.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_relay_killed_between_publish_and_mark_does_not_duplicate() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("outbox");
    let store = store(&fixture).await;
    let metrics = Metrics::new();
    let bus = connect(&nats, &metrics).await;
    let note = Note { id: ObjectId::generate(), version: 0 };
    store.insert(&note, &[created(&note.id, "once")]).await.unwrap();

    // What a relay does up to the moment it dies: publish, but not mark.
    for pending in store.pending_events(10).await.unwrap() {
        let event = pending.event;
        bus.publish(&event.subject, &event.message_id, Bytes::from(event.payload)).await.unwrap();
    }
    assert_eq!(store.pending_count().await.unwrap(), 1);
    // The next relay publishes it again; the message id makes it a no-op.
    assert_eq!(relay::relay_pending(&store, &bus, &metrics).await.unwrap(), 1);
    assert_eq!(store.pending_count().await.unwrap(), 0);
    assert_eq!(stored_in_stream(&bus).await, 1);
}

#[tokio::test]
async fn events_are_published_in_write_order() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("outbox");
    let store = store(&fixture).await;
    let metrics = Metrics::new();
    let bus = connect(&nats, &metrics).await;
    let mut probe = EventProbe::subscribe(&nats.url(), "ticket.>").await;
    let titles: Vec<String> = (0..30).map(|i| format!("t{i:02}")).collect();
    for title in &titles {
        let note = Note { id: ObjectId::generate(), version: 0 };
        store.insert(&note, &[created(&note.id, title)]).await.unwrap();
    }
    assert_eq!(relay::relay_pending(&store, &bus, &metrics).await.unwrap(), 30);
    let mut seen = Vec::new();
    for _ in 0..30 {
        seen.push(probe.next::<TicketCreated>(Duration::from_secs(5)).await.title);
    }
    assert_eq!(seen, titles);
}

#[tokio::test]
async fn a_batch_whose_middle_publish_fails_keeps_everything_from_it_pending() {
    let nats = TestNats::start();
    let fixture = TestStore::sqlite("outbox");
    let store = store(&fixture).await;
    let metrics = Metrics::new();
    let bus = connect(&nats, &metrics).await;
    let mut probe = EventProbe::subscribe(&nats.url(), "ticket.>").await;
    let mut titles = Vec::new();
    for i in 0..10 {
        let note = Note { id: ObjectId::generate(), version: 0 };
        let mut event = created(&note.id, &format!("t{i}"));
        if i == 4 {
            // No stream stores this subject: JetStream answers no PubAck.
            event.subject = "unrouted.created".into();
        } else {
            titles.push(format!("t{i}"));
        }
        store.insert(&note, &[event]).await.unwrap();
    }

    assert!(relay::relay_pending(&store, &bus, &metrics).await.is_err(), "the failed ack is reported");
    let kept = store.pending_events(100).await.unwrap();
    assert_eq!(kept.len(), 6, "the unacknowledged event and everything after it stay pending");
    assert_eq!(kept[0].event.subject, "unrouted.created");

    // Once the poison is out of the way, the rest goes out in order; the
    // copies JetStream already stored are dropped by their message ids.
    store.mark_sent(&kept[..1]).await.unwrap();
    assert_eq!(relay::relay_pending(&store, &bus, &metrics).await.unwrap(), 5);
    assert_eq!(stored_in_stream(&bus).await, 9, "each event stored once");
    let mut seen = Vec::new();
    for _ in 0..9 {
        seen.push(probe.next::<TicketCreated>(Duration::from_secs(5)).await.title);
    }
    assert_eq!(seen, titles, "the first pass went out in write order, around the failure");
    // A core-NATS subscriber also sees the second sends of the acknowledged tail.
    let mut resent = 0;
    while probe.next_raw(Duration::from_millis(300)).await.is_some() {
        resent += 1;
    }
    assert_eq!(resent, 5);
}
