//! A full `TICKETING` stream (contract 5): JetStream refuses new events,
//! the outbox keeps them, a metric counts the refusals, and they go out once
//! space returns. Against a real, private `nats-server -js`.

use std::time::Duration;

use common::{
    bus::Bus,
    config::NatsSettings,
    events::{Outgoing, TicketCreated},
    id::ObjectId,
    metrics::Metrics,
    money::Cents,
    relay,
    store::{CollectionSpec, Document, Store},
};
use serde::{Deserialize, Serialize};
use test_support::{TestNats, TestStore, eventually};

/// Room for a few events only (each is a few hundred bytes with headers).
const TINY: i64 = 2048;
const EVENTS: usize = 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Note {
    id: ObjectId,
    version: i64,
}

impl Document for Note {
    const COLLECTION: CollectionSpec = CollectionSpec { name: "notes", indexes: &[] };
}

fn created(id: &ObjectId) -> Outgoing {
    Outgoing::of(&TicketCreated {
        id: id.clone(),
        version: 0,
        title: "x".repeat(150),
        price: Cents(1000),
        user_id: ObjectId::generate(),
    })
}

async fn stored_in_stream(bus: &Bus) -> u64 {
    bus.jetstream().get_stream("TICKETING").await.unwrap().info().await.unwrap().state.messages
}

/// The `events_refused_stream_full_total` samples added up.
fn refusals(metrics: &Metrics) -> u64 {
    metrics
        .render()
        .lines()
        .filter(|line| line.starts_with("events_refused_stream_full_total{"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test]
async fn a_full_stream_keeps_events_in_the_outbox_until_space_returns() {
    let nats = TestNats::start();
    let settings = NatsSettings { stream_max_bytes: TINY, ..nats.settings() };
    let metrics = Metrics::new();
    let bus = Bus::connect(&settings, "stream-full-test", metrics.clone()).await.unwrap();
    eventually(Duration::from_secs(10), "streams are created", || async { bus.prepare().await.ok() }).await;
    let mut stream = bus.jetstream().get_stream("TICKETING").await.unwrap();
    let config = stream.info().await.unwrap().config.clone();
    assert_eq!(config.max_bytes, TINY);
    assert_eq!(config.discard, async_nats::jetstream::stream::DiscardPolicy::New);

    let fixture = TestStore::sqlite("stream-full");
    let store = Store::open(&fixture.url, &[Note::COLLECTION]).await.unwrap();
    store.prepare().await.unwrap();
    for _ in 0..EVENTS {
        let note = Note { id: ObjectId::generate(), version: 0 };
        store.insert(&note, &[created(&note.id)]).await.unwrap();
    }

    let error = relay::relay_pending(&store, &bus, &metrics).await.expect_err("the stream fills up");
    assert!(format!("{error:#}").contains("stream full"), "{error:#}");
    let stored = stored_in_stream(&bus).await;
    assert!(stored > 0 && stored < EVENTS as u64, "some fit, the rest were refused: {stored}");
    let pending = store.pending_count().await.unwrap();
    assert_eq!(pending, EVENTS as u64 - stored, "every refused event is still in the outbox");
    assert!(refusals(&metrics) >= 1, "{}", metrics.render());
    assert!(metrics.render().contains(&format!("outbox_pending {pending}")), "{}", metrics.render());

    // Trying again while still full loses nothing either.
    relay::relay_pending(&store, &bus, &metrics).await.expect_err("still full");
    assert_eq!(store.pending_count().await.unwrap(), pending);

    // An operator raises the limit: everything goes out, each event once.
    bus.jetstream()
        .update_stream(async_nats::jetstream::stream::Config { max_bytes: 1 << 20, ..config })
        .await
        .unwrap();
    relay::relay_pending(&store, &bus, &metrics).await.expect("space returned");
    assert_eq!(store.pending_count().await.unwrap(), 0);
    assert_eq!(stored_in_stream(&bus).await, EVENTS as u64, "all stored, none twice");
}

#[tokio::test]
async fn a_purged_stream_takes_the_rest() {
    let nats = TestNats::start();
    let settings = NatsSettings { stream_max_bytes: TINY, ..nats.settings() };
    let metrics = Metrics::new();
    let bus = Bus::connect(&settings, "stream-purge-test", metrics.clone()).await.unwrap();
    eventually(Duration::from_secs(10), "streams are created", || async { bus.prepare().await.ok() }).await;
    let fixture = TestStore::sqlite("stream-purge");
    let store = Store::open(&fixture.url, &[Note::COLLECTION]).await.unwrap();
    store.prepare().await.unwrap();
    let note = Note { id: ObjectId::generate(), version: 0 };
    store.insert(&note, &[created(&note.id)]).await.unwrap();
    // Fill the stream with other traffic first.
    let mut filler = 0;
    while relay_one_filler(&bus, filler).await {
        filler += 1;
    }
    relay::relay_pending(&store, &bus, &metrics).await.expect_err("no room");
    assert_eq!(store.pending_count().await.unwrap(), 1);

    bus.jetstream().get_stream("TICKETING").await.unwrap().purge().await.unwrap();
    assert_eq!(relay::relay_pending(&store, &bus, &metrics).await.unwrap(), 1);
    assert_eq!(store.pending_count().await.unwrap(), 0);
    assert_eq!(stored_in_stream(&bus).await, 1);
}

/// Publishes one filler event; false once the stream refuses it.
async fn relay_one_filler(bus: &Bus, n: usize) -> bool {
    let event = created(&ObjectId::generate());
    assert!(n < 1000, "a {TINY}-byte stream should be full long before this");
    bus.publish(&event.subject, &format!("filler-{n}"), event.payload.into()).await.is_ok()
}
