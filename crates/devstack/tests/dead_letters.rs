//! The `dead-letters` command's library against a real, private
//! `nats-server -js`: a real listener parks an event it cannot apply, the
//! list shows it with its reason, and once the cause is fixed a replay
//! delivers it again and empties the stream.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use common::{
    bus::Bus,
    events::{ExpirationComplete, Outgoing},
    id::ObjectId,
    listener::{Listener, Outcome},
    metrics::Metrics,
    readiness::Readiness,
};
use devstack::dead_letters::DeadLetters;
use test_support::{TestNats, eventually};
use tokio_util::sync::CancellationToken;

/// The handler's world: broken until the test "deploys the fix".
#[derive(Clone, Default)]
struct World {
    fixed: Arc<AtomicBool>,
    applied: Arc<AtomicUsize>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_event_is_listed_with_its_reason_and_replayed_once_fixed() {
    let nats = TestNats::start();
    let metrics = Metrics::new();
    let bus = Bus::connect(&nats.settings(), "dead-letters-test", metrics.clone()).await.unwrap();
    eventually(Duration::from_secs(10), "streams are created", || async { bus.prepare().await.ok() }).await;
    let readiness = Readiness::new();
    readiness.evaluate().await;
    let world = World::default();
    let listener = Listener::new("replay-test", Some("expiration.complete")).on(
        |world: World, _event: ExpirationComplete| async move {
            if !world.fixed.load(Ordering::SeqCst) {
                return Ok(Outcome::Reject("the order is unknown here".into()));
            }
            world.applied.fetch_add(1, Ordering::SeqCst);
            Ok(Outcome::Done)
        },
    );
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(listener.run(bus.clone(), world.clone(), readiness, metrics, shutdown.clone()));

    let event = Outgoing::of(&ExpirationComplete { order_id: ObjectId::generate() });
    bus.publish(&event.subject, &event.message_id, event.payload.clone().into()).await.unwrap();
    let mut letters = DeadLetters::connect(&nats.url()).await.unwrap();
    let parked = eventually(Duration::from_secs(10), "the event is dead-lettered", || async {
        DeadLetters::connect(&nats.url()).await.unwrap().list().await.unwrap().pop()
    })
    .await;
    assert_eq!(parked.subject, "dlq.replay-test.expiration.complete");
    assert_eq!(parked.original_subject, "expiration.complete");
    assert!(parked.reason.contains("the order is unknown here"), "{}", parked.reason);
    assert_eq!(parked.payload, bytes::Bytes::from(event.payload.clone()));

    assert!(letters.replay(parked.sequence + 100).await.is_err(), "an unknown sequence is an error");
    world.fixed.store(true, Ordering::SeqCst);
    letters.replay(parked.sequence).await.unwrap();
    eventually(Duration::from_secs(10), "the replay is applied", || async {
        (world.applied.load(Ordering::SeqCst) == 1).then_some(())
    })
    .await;
    assert!(letters.list().await.unwrap().is_empty(), "a replayed letter leaves the stream");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(world.applied.load(Ordering::SeqCst), 1, "applied exactly once");
    shutdown.cancel();
    task.await.unwrap().unwrap();
}
