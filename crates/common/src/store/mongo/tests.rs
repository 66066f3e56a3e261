//! Pins the BSON the MongoDB adapter sends. There is no MongoDB server on the
//! development machines, so these are the guarantee that the filters, updates
//! and indexes are the ones the design relies on; the shared contract suite
//! exercises them against a real server whenever `MONGO_URL` is set.

use mongodb::bson::{Bson, doc};
use serde_json::json;

use super::{
    super::{Index, PendingKey, pending::Location},
    filters::*,
    outbox::{
        count_pipeline, mark_sent_filter, mark_sent_update, outbox_entry, pending_filter, pending_from, pending_sort,
        sequence_update,
    },
    *,
};

const ORDERS: CollectionSpec = CollectionSpec {
    name: "orders",
    indexes: &[
        Index { name: "orders_user", field: "userId", unique: false, only_when: None },
        Index {
            name: "orders_one_holder_per_ticket",
            field: "ticketId",
            unique: true,
            only_when: Some(("status", &["created", "awaiting:payment", "complete"])),
        },
    ],
};

fn raw(value: serde_json::Value) -> RawDoc {
    value.as_object().unwrap().clone()
}

fn event(message_id: &str) -> Outgoing {
    Outgoing {
        subject: "order.created".into(),
        message_id: message_id.into(),
        payload: "{\"id\":\"x\"}".into(),
        traceparent: None,
    }
}

#[test]
fn indexes_are_named_unique_and_partial_as_declared() {
    let models = index_models(&ORDERS);
    assert_eq!(models.len(), 3);

    assert_eq!(models[0].keys, doc! { "userId": 1 });
    let options = models[0].options.as_ref().unwrap();
    assert_eq!(options.name.as_deref(), Some("orders_user"));
    assert_eq!(options.unique, Some(false));
    assert_eq!(options.partial_filter_expression, None);

    assert_eq!(models[1].keys, doc! { "ticketId": 1 });
    let options = models[1].options.as_ref().unwrap();
    assert_eq!(options.name.as_deref(), Some("orders_one_holder_per_ticket"));
    assert_eq!(options.unique, Some(true));
    assert_eq!(
        options.partial_filter_expression,
        Some(doc! { "status": { "$in": ["created", "awaiting:payment", "complete"] } })
    );

    assert_eq!(models[2].keys, doc! { "_outbox.seq": 1 });
    let options = models[2].options.as_ref().unwrap();
    assert_eq!(options.name.as_deref(), Some("outbox_pending_seq"));
    assert_eq!(
        options.partial_filter_expression,
        Some(doc! { "_outbox.seq": { "$exists": true } }),
        "only documents with unsent events are indexed"
    );
}

#[test]
fn an_insert_stores_id_as_underscore_id_with_its_events_embedded() {
    let doc = raw(json!({"id":"6561a1d2e3f4a5b6c7d8e9f0","version":0,"status":"created","price":1999}));
    let entries = vec![outbox_entry(17, &event("order.created:6561a1d2e3f4a5b6c7d8e9f0:0"))];
    assert_eq!(
        insert_document(&doc, &entries).unwrap(),
        doc! {
            "_id": "6561a1d2e3f4a5b6c7d8e9f0",
            "version": 0_i64,
            "status": "created",
            "price": 1999_i64,
            "_outbox": [{
                "seq": 17_i64,
                "subject": "order.created",
                "messageId": "order.created:6561a1d2e3f4a5b6c7d8e9f0:0",
                "payload": "{\"id\":\"x\"}",
            }],
        }
    );
}

#[test]
fn an_update_is_guarded_by_the_previous_version() {
    assert_eq!(version_filter("abc", 3), doc! { "_id": "abc", "version": 3_i64 });
}

#[test]
fn an_update_replaces_fields_and_appends_to_the_outbox() {
    let doc = raw(json!({"id":"t1","version":2,"title":"$price","price":20}));
    let entries = vec![outbox_entry(5, &event("m1"))];
    assert_eq!(
        update_pipeline(&doc, &entries).unwrap(),
        vec![doc! {
            "$replaceWith": {
                "$mergeObjects": [
                    { "$literal": { "_id": "t1", "version": 2_i64, "title": "$price", "price": 20_i64 } },
                    { "_outbox": { "$concatArrays": [
                        { "$ifNull": ["$_outbox", []] },
                        { "$literal": [{ "seq": 5_i64, "subject": "order.created", "messageId": "m1", "payload": "{\"id\":\"x\"}" }] },
                    ] } },
                ]
            }
        }]
    );
}

#[test]
fn finds_are_field_equalities_with_id_mapped() {
    let filter =
        find_filter(&[("userId", json!("u1")), ("id", json!("o1")), ("version", json!(1)), ("paid", json!(true))])
            .unwrap();
    assert_eq!(filter, doc! { "userId": "u1", "_id": "o1", "version": 1_i64, "paid": true });
    assert_eq!(find_filter(&[]).unwrap(), doc! {});
}

#[test]
fn the_relay_reads_oldest_first_and_pulls_a_batch_at_once() {
    assert_eq!(pending_filter(), doc! { "_outbox.seq": { "$exists": true } });
    assert_eq!(pending_sort(), doc! { "_outbox.seq": 1 });
    assert_eq!(mark_sent_filter(&["t1", "t2"]), doc! { "_id": { "$in": ["t1", "t2"] } });
    assert_eq!(
        mark_sent_update(&["m1", "m2"]),
        doc! { "$pull": { "_outbox": { "messageId": { "$in": ["m1", "m2"] } } } }
    );
    assert_eq!(
        count_pipeline(),
        vec![
            doc! { "$match": { "_outbox.seq": { "$exists": true } } },
            doc! { "$group": { "_id": Bson::Null, "n": { "$sum": { "$size": "$_outbox" } } } },
        ]
    );
}

#[test]
fn sequence_numbers_come_from_a_counter_not_a_clock() {
    assert_eq!(sequence_update(3), doc! { "$inc": { "next": 3_i64 } });
}

#[test]
fn stored_documents_read_back_as_json_with_id() {
    let stored = doc! { "_id": "t1", "version": 2_i64, "title": "x", "price": 1999_i64, "_outbox": [] };
    assert_eq!(to_raw(stored).unwrap(), raw(json!({"id":"t1","version":2,"title":"x","price":1999})));
}

#[test]
fn pending_entries_carry_their_owner_and_order() {
    let stored = doc! { "_id": "t1", "_outbox": [ outbox_entry(9, &event("b")), outbox_entry(3, &event("a")) ] };
    let pending = pending_from("tickets", &stored).unwrap();
    assert_eq!(
        pending.iter().map(|(seq, p)| (*seq, p.event.message_id.as_str())).collect::<Vec<_>>(),
        vec![(9, "b"), (3, "a")]
    );
    assert_eq!(pending[0].1.key, PendingKey(Location::Mongo { collection: "tickets".into(), id: "t1".into() }));
}

#[test]
fn an_outbox_entry_keeps_the_trace_context_only_when_there_is_one() {
    let mut traced = event("m1");
    traced.traceparent = Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into());
    let entry = outbox_entry(3, &traced);
    assert_eq!(entry.get_str("traceparent").unwrap(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    assert!(!outbox_entry(4, &event("m2")).contains_key("traceparent"));
    let owner = doc! { "_id": "t1", "_outbox": [entry] };
    let read = pending_from("tickets", &owner).unwrap();
    assert_eq!(read[0].1.event, traced);
}
