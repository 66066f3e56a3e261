//! The listener's parallel lanes against a real `nats-server -js`: one
//! aggregate's events in order, different aggregates at once, every effect
//! exactly once across redeliveries and a restart mid-batch.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use common::{
    bus::Bus,
    events::{Outgoing, TicketUpdated},
    id::ObjectId,
    listener::{Listener, Outcome},
    metrics::Metrics,
    money::Cents,
    readiness::Readiness,
};
use test_support::{TestNats, eventually};
use tokio_util::sync::CancellationToken;

const IDS: usize = 24;
const VERSIONS: i64 = 8;

/// A replica of a ticket catalogue that applies versions in order, as the
/// services' handlers do: a stale or repeated version is done without
/// effect, a gap is "not yet".
#[derive(Default)]
struct Replica {
    applied: Mutex<HashMap<ObjectId, Vec<i64>>>,
    gaps: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// Versions whose first delivery fails, to force redeliveries.
    failed_once: Mutex<Vec<(ObjectId, i64)>>,
}

async fn handle(replica: Arc<Replica>, event: TicketUpdated) -> anyhow::Result<Outcome> {
    let now = replica.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    replica.most_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(5)).await;
    replica.in_flight.fetch_sub(1, Ordering::SeqCst);
    if event.version == 3 && event.id.as_str().ends_with(['0', '4', '8']) {
        let mut failed = replica.failed_once.lock().unwrap();
        if !failed.contains(&(event.id.clone(), event.version)) {
            failed.push((event.id.clone(), event.version));
            anyhow::bail!("injected failure");
        }
    }
    let mut applied = replica.applied.lock().unwrap();
    let versions = applied.entry(event.id.clone()).or_default();
    let last = versions.last().copied().unwrap_or(-1);
    if event.version <= last {
        Ok(Outcome::Done)
    } else if event.version == last + 1 {
        versions.push(event.version);
        Ok(Outcome::Done)
    } else {
        replica.gaps.fetch_add(1, Ordering::SeqCst);
        Ok(Outcome::NotYet)
    }
}

fn listener() -> Listener<Arc<Replica>> {
    Listener::new("lanes-test", Some("ticket.updated")).on::<TicketUpdated, _, _>(handle)
}

fn updated(id: &ObjectId, version: i64) -> Outgoing {
    Outgoing::of(&TicketUpdated {
        id: id.clone(),
        version,
        title: "t".into(),
        price: Cents(100),
        user_id: ObjectId::generate(),
        order_id: None,
        status: None,
    })
}

async fn ready_bus(nats: &TestNats) -> (Bus, Metrics, Readiness) {
    let metrics = Metrics::new();
    let bus = Bus::connect(&nats.settings(), "lanes-test", metrics.clone()).await.unwrap();
    eventually(Duration::from_secs(10), "streams are created", || async { bus.prepare().await.ok() }).await;
    let readiness = Readiness::new();
    readiness.evaluate().await;
    (bus, metrics, readiness)
}

/// `ids` new aggregates, each updated to `versions` versions, interleaved:
/// version v of every id, then v + 1 of every id.
async fn publish_interleaved(bus: &Bus, ids: usize, versions: i64) -> Vec<ObjectId> {
    let ids: Vec<ObjectId> = (0..ids).map(|_| ObjectId::generate()).collect();
    for version in 0..versions {
        for id in &ids {
            let event = updated(id, version);
            bus.publish(&event.subject, &event.message_id, event.payload.into()).await.unwrap();
        }
    }
    ids
}

fn applied_total(replica: &Replica) -> usize {
    replica.applied.lock().unwrap().values().map(Vec::len).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_aggregates_run_at_once_in_order_each_applied_once_across_a_restart() {
    let nats = TestNats::start();
    let (bus, metrics, readiness) = ready_bus(&nats).await;
    let ids = publish_interleaved(&bus, IDS, VERSIONS).await;
    let replica = Arc::new(Replica::default());

    // A first replica stops mid-way (some lanes' messages handed back).
    let shutdown = CancellationToken::new();
    let first = tokio::spawn(listener().run(
        bus.clone(),
        replica.clone(),
        readiness.clone(),
        metrics.clone(),
        shutdown.clone(),
    ));
    eventually(Duration::from_secs(10), "some effects", || async { (applied_total(&replica) >= 40).then_some(()) })
        .await;
    shutdown.cancel();
    first.await.unwrap().unwrap();
    assert!(applied_total(&replica) < IDS * VERSIONS as usize, "stopped mid-way");

    // Its successor takes over the durable consumer and finishes.
    let shutdown = CancellationToken::new();
    let second = tokio::spawn(listener().run(bus.clone(), replica.clone(), readiness, metrics, shutdown.clone()));
    eventually(Duration::from_secs(30), "every version applied", || async {
        (applied_total(&replica) == IDS * VERSIONS as usize).then_some(())
    })
    .await;
    shutdown.cancel();
    second.await.unwrap().unwrap();

    let expected: Vec<i64> = (0..VERSIONS).collect();
    for id in &ids {
        assert_eq!(replica.applied.lock().unwrap()[id], expected, "each version once, in order");
    }
    assert!(!replica.failed_once.lock().unwrap().is_empty(), "some deliveries failed and were redelivered");
    assert!(replica.most_in_flight.load(Ordering::SeqCst) > 1, "different aggregates ran at once");
    // Only the injected failures leave gaps behind them (their lane's next
    // versions arrive before the redelivery); order within a lane never does.
    let failures = replica.failed_once.lock().unwrap().len();
    assert!(
        replica.gaps.load(Ordering::SeqCst) <= failures * (VERSIONS as usize) * 4,
        "gaps only behind injected failures"
    );
}

/// Publishes `ids` aggregates of `versions` versions each, interleaved, and
/// runs a listener that fails no delivery until every version is applied.
async fn applied_without_failures(ids: usize, versions: i64) -> (Vec<ObjectId>, Arc<Replica>) {
    let nats = TestNats::start();
    let (bus, metrics, readiness) = ready_bus(&nats).await;
    let published = publish_interleaved(&bus, ids, versions).await;
    let replica = Arc::new(Replica::default());
    // Pre-mark every injected failure as done, so none fires.
    replica.failed_once.lock().unwrap().extend(published.iter().map(|id| (id.clone(), 3)));
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(listener().run(bus.clone(), replica.clone(), readiness, metrics, shutdown.clone()));
    eventually(Duration::from_secs(60), "every version applied", || async {
        (applied_total(&replica) == ids * versions as usize).then_some(())
    })
    .await;
    shutdown.cancel();
    task.await.unwrap().unwrap();
    (published, replica)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_failures_no_event_overtakes_its_predecessor() {
    let (_, replica) = applied_without_failures(IDS, VERSIONS).await;
    assert_eq!(replica.gaps.load(Ordering::SeqCst), 0, "no version arrived before its predecessor");
    assert!(replica.most_in_flight.load(Ordering::SeqCst) > 1, "different aggregates ran at once");
}

/// More messages than one fetch brings (256) and than a listener holds at
/// once (1024): an aggregate's later versions arrive in later fetches while
/// its earlier ones may still wait in its lane, and must not overtake them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn across_many_fetches_no_event_overtakes_its_predecessor() {
    const MANY_VERSIONS: i64 = 24;
    let (ids, replica) = applied_without_failures(60, MANY_VERSIONS).await;
    assert_eq!(replica.gaps.load(Ordering::SeqCst), 0, "no version arrived before its predecessor");
    let expected: Vec<i64> = (0..MANY_VERSIONS).collect();
    for id in &ids {
        assert_eq!(replica.applied.lock().unwrap()[id], expected, "each version once, in order");
    }
}
