//! Parallel lanes: messages split by aggregate, so one aggregate's events
//! run in stream order while different aggregates run at once.
//!
//! The key is the id of the aggregate the event belongs to: the ticket for
//! `ticket.*`, the order for `order.*`, `expiration.*` and `payment.*` (an
//! order's creation, expiry and payment therefore never race each other in
//! one listener). A payload without its key goes to any lane; handlers
//! already cope with concurrency across replicas, so that only costs order
//! between events that had none to keep.

use std::{
    borrow::Cow,
    hash::{BuildHasher as _, BuildHasherDefault, DefaultHasher},
};

use serde::Deserialize;

/// The lane (of `lanes`) for an event on `subject`, if its payload names its
/// aggregate: the same id always gets the same lane.
pub(super) fn lane_of(subject: &str, payload: &[u8], lanes: usize) -> Option<usize> {
    let key = lane_key(subject, payload)?;
    // A fixed hasher: the same key lands in the same lane for the
    // listener's whole life (a randomly seeded one would too, but this one
    // is also the same from run to run, which makes a trace easier to read).
    let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(key.as_ref());
    Some((hash % lanes as u64) as usize)
}

/// The aggregate key of an event on `subject`, if its payload names one;
/// borrowed from the payload unless the JSON string has escapes.
fn lane_key<'a>(subject: &str, payload: &'a [u8]) -> Option<Cow<'a, str>> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Keys<'a> {
        #[serde(borrow)]
        id: Option<Cow<'a, str>>,
        #[serde(borrow)]
        order_id: Option<Cow<'a, str>>,
    }
    let keys: Keys<'a> = serde_json::from_slice(payload).ok()?;
    match subject.split('.').next()? {
        "ticket" | "order" => keys.id,
        "expiration" | "payment" => keys.order_id,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_keyed_by_their_aggregate() {
        let key = |subject: &str, payload: &str| lane_key(subject, payload.as_bytes()).map(Cow::into_owned);
        assert_eq!(key("ticket.updated", r#"{"id":"t1","orderId":"o1"}"#).as_deref(), Some("t1"));
        assert_eq!(key("order.created", r#"{"id":"o1","ticket":{"id":"t1"}}"#).as_deref(), Some("o1"));
        assert_eq!(key("expiration.complete", r#"{"orderId":"o1"}"#).as_deref(), Some("o1"));
        assert_eq!(key("payment.created", r#"{"id":"p1","orderId":"o1"}"#).as_deref(), Some("o1"));
        assert_eq!(key("ticket.created", r#"{"id":"t\u0031"}"#).as_deref(), Some("t1"));
        assert_eq!(key("ticket.created", "not json"), None);
        assert_eq!(key("other.thing", r#"{"id":"x"}"#), None);
    }

    #[test]
    fn one_aggregate_keeps_one_lane_and_many_spread_over_all() {
        let lane = |subject: &str, payload: String| lane_of(subject, payload.as_bytes(), 64);
        for n in 0..100 {
            let order = format!("o{n}");
            let created = lane("order.created", format!(r#"{{"id":"{order}","ticket":{{"id":"t"}}}}"#));
            assert!(created.is_some_and(|lane| lane < 64));
            assert_eq!(lane("expiration.complete", format!(r#"{{"orderId":"{order}"}}"#)), created);
            assert_eq!(lane("payment.created", format!(r#"{{"id":"p{n}","orderId":"{order}"}}"#)), created);
        }
        let used: std::collections::HashSet<_> =
            (0..1000).filter_map(|n| lane("ticket.created", format!(r#"{{"id":"t{n}"}}"#))).collect();
        assert!(used.len() > 48, "1000 tickets used only {} of 64 lanes", used.len());
        assert_eq!(lane("ticket.created", "not json".into()), None);
    }
}
