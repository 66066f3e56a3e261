//! The store contract suite: one set of behaviours, run on SQLite always and
//! on MongoDB whenever `MONGO_URL` is set. Each `contract!` entry expands to
//! one test per backend.

use std::sync::Arc;

use common::{
    events::Outgoing,
    id::ObjectId,
    store::{CollectionSpec, Document, Index, Page, Store, StoreError},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use test_support::TestStore;

/// A test document: a seat that may hold a ticket while open or sold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Seat {
    id: ObjectId,
    version: i64,
    code: String,
    ticket_id: String,
    status: String,
    price_cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    holder: Option<String>,
}

impl Document for Seat {
    const COLLECTION: CollectionSpec = CollectionSpec {
        name: "seats",
        indexes: &[
            Index { name: "seats_code", field: "code", unique: true, only_when: None },
            Index {
                name: "seats_one_holder",
                field: "ticketId",
                unique: true,
                only_when: Some(("status", &["created", "awaiting:payment", "complete"])),
            },
            Index { name: "seats_status", field: "status", unique: false, only_when: None },
        ],
    };
}

fn seat(code: &str, ticket: &str, status: &str) -> Seat {
    Seat {
        id: ObjectId::generate(),
        version: 0,
        code: code.into(),
        ticket_id: ticket.into(),
        status: status.into(),
        price_cents: 1999,
        holder: Some("alice".into()),
    }
}

fn event(message_id: &str) -> Outgoing {
    Outgoing {
        subject: "ticket.updated".into(),
        message_id: message_id.into(),
        payload: format!("{{\"m\":\"{message_id}\"}}"),
        traceparent: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into()),
    }
}

async fn open(fixture: &TestStore) -> Store {
    let store = Store::open(&fixture.url, &[Seat::COLLECTION]).await.expect("store opens");
    store.prepare().await.expect("store prepares");
    store
}

async fn pending_ids(store: &Store) -> Vec<String> {
    store.pending_events(1000).await.unwrap().into_iter().map(|p| p.event.message_id).collect()
}

/// Declares each contract case once, as a test per backend. Cases after the
/// `;` get the fixture itself, to open several handles on one database.
macro_rules! contract {
    ($($name:ident),* $(,)? ; $($fixture_case:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { super::$name(super::open(&test_support::TestStore::sqlite("contract")).await).await; } )*
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $fixture_case() { super::$fixture_case(&test_support::TestStore::sqlite("contract")).await; } )*
        }
        mod mongo {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { super::$name(super::open(&test_support::TestStore::mongo("contract")).await).await; } )*
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $fixture_case() { super::$fixture_case(&test_support::TestStore::mongo("contract")).await; } )*
        }
    };
}

contract!(
    inserted_documents_read_back_and_unknown_ids_are_none,
    a_second_insert_with_the_same_id_is_a_duplicate,
    insert_if_absent_writes_once_and_still_refuses_other_duplicates,
    a_unique_index_reports_its_name,
    a_partial_unique_index_only_covers_the_listed_statuses,
    find_matches_field_equality_in_id_order,
    updates_are_version_checked,
    an_update_removes_fields_that_became_absent,
    events_are_written_with_their_change_and_only_with_it,
    sent_events_are_not_pending_any_more,
    racing_inserts_of_one_unique_key_have_exactly_one_winner,
    racing_updates_have_exactly_one_success_per_version,
    racing_holders_of_one_ticket_have_exactly_one_winner,
    small_batches_drain_a_backlog_in_write_order,
    pages_follow_ids_and_filter_on_presence,
    a_stream_reads_everything_in_id_order_in_batches,
    ;
    two_writers_on_one_database_number_events_in_write_order,
);

async fn inserted_documents_read_back_and_unknown_ids_are_none(store: Store) {
    let original = seat("A1", "t1", "created");
    store.insert(&original, &[]).await.unwrap();
    assert_eq!(store.get::<Seat>(&original.id).await.unwrap(), Some(original));
    assert_eq!(store.get::<Seat>(&ObjectId::generate()).await.unwrap(), None);
}

async fn a_second_insert_with_the_same_id_is_a_duplicate(store: Store) {
    let original = seat("A1", "t1", "cancelled");
    store.insert(&original, &[]).await.unwrap();
    let mut copy = original.clone();
    copy.code = "B2".into();
    let error = store.insert(&copy, &[]).await.unwrap_err();
    assert!(error.is_duplicate("id"), "got {error:?}");
}

async fn insert_if_absent_writes_once_and_still_refuses_other_duplicates(store: Store) {
    let original = seat("A1", "t1", "cancelled");
    assert!(store.insert_if_absent(&original, &[event("first")]).await.unwrap());
    let mut copy = original.clone();
    copy.code = "B2".into();
    assert!(!store.insert_if_absent(&copy, &[event("second")]).await.unwrap(), "the id is taken");
    assert_eq!(store.get::<Seat>(&original.id).await.unwrap(), Some(original), "the first write stands");
    assert_eq!(pending_ids(&store).await, vec!["first"], "the refused copy's events are not written");
    let error = store.insert_if_absent(&seat("A1", "t2", "cancelled"), &[]).await.unwrap_err();
    assert!(error.is_duplicate("seats_code"), "another index's duplicate is still an error: {error:?}");
}

async fn a_unique_index_reports_its_name(store: Store) {
    store.insert(&seat("A1", "t1", "cancelled"), &[]).await.unwrap();
    let error = store.insert(&seat("A1", "t2", "cancelled"), &[]).await.unwrap_err();
    assert!(error.is_duplicate("seats_code"), "got {error:?}");
}

async fn a_partial_unique_index_only_covers_the_listed_statuses(store: Store) {
    // Cancelled holders do not count: any number may exist beside one holder.
    store.insert(&seat("A1", "t1", "cancelled"), &[]).await.unwrap();
    store.insert(&seat("A2", "t1", "cancelled"), &[]).await.unwrap();
    let holder = seat("A3", "t1", "created");
    store.insert(&holder, &[]).await.unwrap();
    for status in ["created", "awaiting:payment", "complete"] {
        let error = store.insert(&seat(&format!("B-{status}"), "t1", status), &[]).await.unwrap_err();
        assert!(error.is_duplicate("seats_one_holder"), "{status}: got {error:?}");
    }
    // Once the holder is cancelled the ticket can be held again.
    let mut released = holder.clone();
    released.version = 1;
    released.status = "cancelled".into();
    assert!(store.update(&released, &[]).await.unwrap());
    store.insert(&seat("A4", "t1", "created"), &[]).await.unwrap();
}

async fn find_matches_field_equality_in_id_order(store: Store) {
    let first = seat("A1", "t1", "created");
    let second = seat("A2", "t2", "cancelled");
    let third = seat("A3", "t3", "created");
    // Inserted out of order: results still come oldest id first.
    for doc in [&third, &first, &second] {
        store.insert(doc, &[]).await.unwrap();
    }
    let created: Vec<Seat> = store.find(&[("status", json!("created"))]).await.unwrap();
    assert_eq!(created, vec![first.clone(), third.clone()]);
    let one: Vec<Seat> = store.find(&[("status", json!("created")), ("ticketId", json!("t3"))]).await.unwrap();
    assert_eq!(one, vec![third.clone()]);
    let priced: Vec<Seat> = store.find(&[("priceCents", json!(1999))]).await.unwrap();
    assert_eq!(priced.len(), 3);
    let all: Vec<Seat> = store.find(&[]).await.unwrap();
    assert_eq!(all, vec![first, second, third]);
    assert!(store.find::<Seat>(&[("status", json!("complete"))]).await.unwrap().is_empty());
}

async fn updates_are_version_checked(store: Store) {
    let original = seat("A1", "t1", "created");
    store.insert(&original, &[]).await.unwrap();
    let mut next = original.clone();
    next.version = 1;
    next.status = "complete".into();
    assert!(store.update(&next, &[]).await.unwrap(), "v0 -> v1 applies");
    assert!(!store.update(&next, &[]).await.unwrap(), "a second v0 -> v1 is stale");
    let mut skipping = next.clone();
    skipping.version = 3;
    assert!(!store.update(&skipping, &[]).await.unwrap(), "v1 -> v3 skips a version");
    let mut missing = seat("Z9", "t9", "created");
    missing.version = 1;
    assert!(!store.update(&missing, &[]).await.unwrap(), "an unknown document is not updated");
    assert_eq!(store.get::<Seat>(&original.id).await.unwrap(), Some(next));
}

async fn an_update_removes_fields_that_became_absent(store: Store) {
    let original = seat("A1", "t1", "created");
    store.insert(&original, &[]).await.unwrap();
    let mut released = original.clone();
    released.version = 1;
    released.holder = None;
    assert!(store.update(&released, &[]).await.unwrap());
    assert_eq!(store.get::<Seat>(&original.id).await.unwrap().unwrap().holder, None);
}

async fn events_are_written_with_their_change_and_only_with_it(store: Store) {
    let original = seat("A1", "t1", "created");
    store.insert(&original, &[event("e1"), event("e2")]).await.unwrap();

    // A refused insert writes none of its events.
    let refused = store.insert(&seat("A1", "t2", "created"), &[event("lost-1")]).await;
    assert!(matches!(refused, Err(StoreError::Duplicate { .. })));
    // A stale update writes none of its events.
    let mut stale = original.clone();
    stale.version = 5;
    assert!(!store.update(&stale, &[event("lost-2")]).await.unwrap());

    let mut next = original.clone();
    next.version = 1;
    assert!(store.update(&next, &[event("e3")]).await.unwrap());
    assert_eq!(pending_ids(&store).await, vec!["e1", "e2", "e3"], "pending in write order");
    assert_eq!(store.pending_count().await.unwrap(), 3);
    let pending = store.pending_events(10).await.unwrap();
    assert_eq!(pending[2].event, event("e3"), "subject, payload and trace context are kept exactly");
}

async fn sent_events_are_not_pending_any_more(store: Store) {
    let a = seat("A1", "t1", "created");
    let b = seat("A2", "t2", "created");
    store.insert(&a, &[event("a0")]).await.unwrap();
    store.insert(&b, &[event("b0")]).await.unwrap();
    let mut a1 = a.clone();
    a1.version = 1;
    store.update(&a1, &[event("a1")]).await.unwrap();

    let first = store.pending_events(1).await.unwrap();
    assert_eq!(first.len(), 1, "the limit is honoured");
    store.mark_sent(&first).await.unwrap();
    assert_eq!(pending_ids(&store).await, vec!["b0", "a1"]);
    store.mark_sent(&store.pending_events(10).await.unwrap()).await.unwrap();
    assert!(pending_ids(&store).await.is_empty());
    assert_eq!(store.pending_count().await.unwrap(), 0);
    // The documents themselves are untouched by relaying.
    assert_eq!(store.get::<Seat>(&a.id).await.unwrap(), Some(a1));
}

async fn racing_inserts_of_one_unique_key_have_exactly_one_winner(store: Store) {
    let store = Arc::new(store);
    let attempts = (0..24).map(|i| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            store.insert(&seat("SAME", &format!("t{i}"), "cancelled"), &[event(&format!("m{i}"))]).await
        })
    });
    let results = futures::future::join_all(attempts).await;
    let wins = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
    let duplicates = results.iter().filter(|r| matches!(r, Ok(Err(e)) if e.is_duplicate("seats_code"))).count();
    let others: Vec<String> = results
        .iter()
        .filter_map(|r| match r {
            Ok(Err(e)) if !e.is_duplicate("seats_code") => Some(format!("{e:#}")),
            Err(panicked) => Some(panicked.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!((wins, duplicates), (1, 23), "other outcomes: {others:?}");
    assert_eq!(store.pending_count().await.unwrap(), 1, "only the winner's event exists");
}

async fn racing_updates_have_exactly_one_success_per_version(store: Store) {
    let original = seat("A1", "t1", "created");
    store.insert(&original, &[]).await.unwrap();
    let store = Arc::new(store);
    for version in 1..=5 {
        let attempts = (0..16).map(|writer| {
            let store = Arc::clone(&store);
            let mut next = original.clone();
            next.version = version;
            next.holder = Some(format!("writer-{writer}"));
            tokio::spawn(async move { store.update(&next, &[event(&format!("v{version}-w{writer}"))]).await })
        });
        let results = futures::future::join_all(attempts).await;
        let applied = results.iter().filter(|r| matches!(r, Ok(Ok(true)))).count();
        assert_eq!(applied, 1, "exactly one writer moves v{} to v{version}", version - 1);
    }
    assert_eq!(store.get::<Seat>(&original.id).await.unwrap().unwrap().version, 5);
    assert_eq!(store.pending_count().await.unwrap(), 5, "one event per applied update");
}

async fn racing_holders_of_one_ticket_have_exactly_one_winner(store: Store) {
    let store = Arc::new(store);
    let attempts = (0..30).map(|i| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.insert(&seat(&format!("C{i}"), "hot-ticket", "created"), &[]).await })
    });
    let results = futures::future::join_all(attempts).await;
    let wins = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
    let refused = results.iter().filter(|r| matches!(r, Ok(Err(e)) if e.is_duplicate("seats_one_holder"))).count();
    assert_eq!((wins, refused), (1, 29));
}

async fn pages_follow_ids_and_filter_on_presence(store: Store) {
    let mut seats: Vec<Seat> = (0..5).map(|i| seat(&format!("P{i}"), &format!("t{i}"), "cancelled")).collect();
    seats.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    for (i, s) in seats.iter_mut().enumerate() {
        if i % 2 == 1 {
            s.holder = None;
        }
        store.insert(s, &[]).await.unwrap();
    }
    let ids = |found: Vec<Seat>| found.into_iter().map(|s| s.code).collect::<Vec<_>>();
    let codes = |picked: &[usize]| picked.iter().map(|i| seats[*i].code.clone()).collect::<Vec<_>>();
    let page = |after: Option<usize>, limit, present| Page {
        after: after.map(|i: usize| seats[i].id.as_str().to_owned()),
        limit,
        present,
    };
    assert_eq!(ids(store.find_page(&[], &page(None, 2, None)).await.unwrap()), codes(&[0, 1]));
    assert_eq!(ids(store.find_page(&[], &page(Some(1), 2, None)).await.unwrap()), codes(&[2, 3]));
    assert_eq!(ids(store.find_page(&[], &page(Some(4), 2, None)).await.unwrap()), codes(&[]));
    let held = page(None, 10, Some(("holder", true)));
    assert_eq!(ids(store.find_page(&[], &held).await.unwrap()), codes(&[0, 2, 4]));
    let free = page(Some(1), 10, Some(("holder", false)));
    assert_eq!(ids(store.find_page(&[], &free).await.unwrap()), codes(&[3]));
    let filtered = store.find_page(&[("code", json!("P2"))], &page(None, 10, Some(("holder", true)))).await.unwrap();
    assert_eq!(ids(filtered), vec!["P2".to_owned()]);
}

async fn a_stream_reads_everything_in_id_order_in_batches(store: Store) {
    use futures::StreamExt as _;
    let mut seats: Vec<Seat> = (0..7).map(|i| seat(&format!("R{i}"), &format!("t{i}"), "cancelled")).collect();
    seats.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    for (i, s) in seats.iter_mut().enumerate() {
        if i % 3 == 0 {
            s.holder = None;
        }
        store.insert(s, &[]).await.unwrap();
    }
    let codes = |picked: &[usize]| picked.iter().map(|i| seats[*i].code.clone()).collect::<Vec<_>>();
    let batches = |filter: Vec<(String, serde_json::Value)>, start: Page, batch| {
        store
            .stream_from::<Seat>(filter, start, batch)
            .map(|b| b.unwrap().into_iter().map(|s| s.code).collect::<Vec<_>>())
    };
    // 7 in batches of 3: 3, 3, 1; an exact multiple ends with an empty read, not an empty batch.
    let all: Vec<Vec<String>> = batches(vec![], Page::default(), 3).collect().await;
    assert_eq!(all, vec![codes(&[0, 1, 2]), codes(&[3, 4, 5]), codes(&[6])]);
    let exact: Vec<Vec<String>> = batches(vec![], Page::default(), 7).collect().await;
    assert_eq!(exact, vec![codes(&[0, 1, 2, 3, 4, 5, 6])]);
    let after = Page { after: Some(seats[4].id.as_str().to_owned()), ..Page::default() };
    assert_eq!(batches(vec![], after, 2).concat().await, codes(&[5, 6]));
    let held = Page { present: Some(("holder", true)), ..Page::default() };
    assert_eq!(batches(vec![], held, 2).concat().await, codes(&[1, 2, 4, 5]));
    let one = vec![("code".to_owned(), json!(seats[5].code))];
    assert_eq!(batches(one, Page::default(), 2).concat().await, codes(&[5]));
    let none = vec![("code".to_owned(), json!("nobody"))];
    assert_eq!(batches(none, Page::default(), 2).count().await, 0, "no batch at all, not an empty one");
}

/// Drains `store` in batches of `batch`, marking each sent; the message ids in
/// the order they came out.
async fn drain(store: &Store, batch: usize) -> Vec<String> {
    let mut drained = Vec::new();
    loop {
        let pending = store.pending_events(batch).await.unwrap();
        if pending.is_empty() {
            return drained;
        }
        assert!(pending.len() <= batch, "the limit is honoured");
        drained.extend(pending.iter().map(|p| p.event.message_id.clone()));
        store.mark_sent(&pending).await.unwrap();
    }
}

async fn small_batches_drain_a_backlog_in_write_order(store: Store) {
    // Documents first written in one order and updated in the reverse one:
    // each holds an old and a new event, so a batch must not stop at
    // "documents with the oldest events" and miss a newer one's place.
    let seats: Vec<Seat> = (0..30).map(|i| seat(&format!("S{i}"), &format!("t{i}"), "cancelled")).collect();
    let mut written = Vec::new();
    for (i, s) in seats.iter().enumerate() {
        store.insert(s, &[event(&format!("c{i}"))]).await.unwrap();
        written.push(format!("c{i}"));
    }
    for (i, s) in seats.iter().enumerate().rev() {
        let mut next = s.clone();
        next.version = 1;
        assert!(store.update(&next, &[event(&format!("u{i}a")), event(&format!("u{i}b"))]).await.unwrap());
        written.extend([format!("u{i}a"), format!("u{i}b")]);
    }
    assert_eq!(store.pending_count().await.unwrap(), 90);
    assert_eq!(drain(&store, 7).await, written);
    assert_eq!(store.pending_count().await.unwrap(), 0);
}

async fn two_writers_on_one_database_number_events_in_write_order(fixture: &TestStore) {
    // Two processes' worth of handles, alternating writes on shared
    // documents: the numbering is shared, so no clock or per-process counter
    // can put a later write first.
    let (one, two) = (open(fixture).await, open(fixture).await);
    let mut seats = [seat("A", "ta", "cancelled"), seat("B", "tb", "cancelled")];
    one.insert(&seats[0], &[event("a0")]).await.unwrap();
    two.insert(&seats[1], &[event("b0")]).await.unwrap();
    let mut written = vec!["a0".to_owned(), "b0".to_owned()];
    for round in 1..=20_i64 {
        for (which, s) in seats.iter_mut().enumerate() {
            let writer = if (round + which as i64) % 2 == 0 { &one } else { &two };
            s.version = round;
            let id = format!("{}{round}", if which == 0 { 'a' } else { 'b' });
            assert!(writer.update(s, &[event(&id)]).await.unwrap());
            written.push(id);
        }
    }
    assert_eq!(drain(&two, 5).await, written);
    assert!(one.pending_events(10).await.unwrap().is_empty(), "both handles see one outbox");
}

#[tokio::test]
async fn sqlite_data_survives_reopening() {
    let fixture = TestStore::sqlite("reopen");
    let kept = seat("A1", "t1", "created");
    {
        let store = open(&fixture).await;
        store.insert(&kept, &[event("e1")]).await.unwrap();
    }
    let store = open(&fixture).await;
    assert_eq!(store.get::<Seat>(&kept.id).await.unwrap(), Some(kept));
    assert_eq!(pending_ids(&store).await, vec!["e1"], "unsent events survive a restart");
}

#[tokio::test]
async fn sqlite_is_unavailable_once_its_file_is_gone() {
    let fixture = TestStore::sqlite("gone");
    let store = open(&fixture).await;
    store.ping().await.expect("a fresh store answers");
    let common::config::DatabaseUrl::Sqlite(path) = &fixture.url else { unreachable!() };
    std::fs::remove_file(path).unwrap();
    assert!(matches!(store.ping().await, Err(StoreError::Unavailable(_))));
}

#[tokio::test]
async fn an_unreachable_mongodb_is_unavailable_not_an_error() {
    let url = common::config::DatabaseUrl::Mongo {
        url: format!("mongodb://127.0.0.1:{}/?serverSelectionTimeoutMS=300", test_support::free_port()),
        database: "nowhere".into(),
    };
    let store = Store::open(&url, &[Seat::COLLECTION]).await.expect("the client is configured lazily");
    assert!(!store.is_prepared());
    assert!(matches!(store.prepare().await, Err(StoreError::Unavailable(_))));
    let refused = store.insert(&seat("A1", "t1", "created"), &[]).await;
    assert!(matches!(refused, Err(StoreError::Unavailable(_))), "no write before indexes exist: {refused:?}");
}
