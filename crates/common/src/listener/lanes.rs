//! Parallel lanes: a fetched batch split by aggregate, so one aggregate's
//! events run in stream order while different aggregates run at once.
//!
//! The key is the id of the aggregate the event belongs to: the ticket for
//! `ticket.*`, the order for `order.*`, `expiration.*` and `payment.*` (an
//! order's creation, expiry and payment therefore never race each other in
//! one listener). A payload without its key gets a lane of its own; handlers
//! already cope with concurrency across replicas, so that only costs order
//! between events that had none to keep.

use std::collections::HashMap;

use serde::Deserialize;

/// The aggregate key of an event on `subject`, if its payload names one.
pub(super) fn lane_key(subject: &str, payload: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Keys {
        id: Option<String>,
        order_id: Option<String>,
    }
    let keys: Keys = serde_json::from_slice(payload).ok()?;
    match subject.split('.').next()? {
        "ticket" | "order" => keys.id,
        "expiration" | "payment" => keys.order_id,
        _ => None,
    }
}

/// Splits `items` into lanes by `key`, keeping each lane in arrival order;
/// items without a key get a lane each.
pub(super) fn into_lanes<T>(items: Vec<T>, key: impl Fn(&T) -> Option<String>) -> Vec<Vec<T>> {
    let mut lanes: Vec<Vec<T>> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for item in items {
        match key(&item) {
            Some(k) => {
                let lane = *by_key.entry(k).or_insert_with(|| {
                    lanes.push(Vec::new());
                    lanes.len() - 1
                });
                lanes[lane].push(item);
            }
            None => lanes.push(vec![item]),
        }
    }
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_keyed_by_their_aggregate() {
        let key = |subject: &str, payload: &str| lane_key(subject, payload.as_bytes());
        assert_eq!(key("ticket.updated", r#"{"id":"t1","orderId":"o1"}"#).as_deref(), Some("t1"));
        assert_eq!(key("order.created", r#"{"id":"o1","ticket":{"id":"t1"}}"#).as_deref(), Some("o1"));
        assert_eq!(key("expiration.complete", r#"{"orderId":"o1"}"#).as_deref(), Some("o1"));
        assert_eq!(key("payment.created", r#"{"id":"p1","orderId":"o1"}"#).as_deref(), Some("o1"));
        assert_eq!(key("ticket.created", "not json"), None);
        assert_eq!(key("other.thing", r#"{"id":"x"}"#), None);
    }

    #[test]
    fn lanes_keep_arrival_order_per_key() {
        let items = vec![("a", 1), ("b", 1), ("a", 2), ("", 1), ("b", 2), ("a", 3), ("", 2)];
        let lanes = into_lanes(items, |(k, _)| (!k.is_empty()).then(|| (*k).to_owned()));
        assert_eq!(
            lanes,
            vec![vec![("a", 1), ("a", 2), ("a", 3)], vec![("b", 1), ("b", 2)], vec![("", 1)], vec![("", 2)]]
        );
    }
}
