//! How many times an order's card was declined: the `<attempt>` of its
//! Stripe idempotency key `payment-<orderId>-<attempt>` (contract 7).
//!
//! Retries, double clicks and lost responses reuse the key, so Stripe
//! replays the first answer instead of charging twice. Only a decline moves
//! the counter on, so the buyer can try another card. The count is the
//! document's version, kept in its own collection so it never disturbs the
//! replica's versions; moving it is a compare-and-set from the count the
//! request saw, so two requests that saw the same decline count it once.

use common::{
    id::ObjectId,
    store::{CollectionSpec, Document, Store, StoreError},
};
use serde::{Deserialize, Serialize};

/// The decline count of one order (absent means none yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declines {
    /// The order's id.
    pub id: ObjectId,
    /// The number of declines so far.
    pub version: i64,
}

impl Document for Declines {
    const COLLECTION: CollectionSpec = CollectionSpec { name: "declines", indexes: &[] };

    fn version(&self) -> i64 {
        self.version
    }
}

/// The attempt number to charge `order_id` with: its declines so far.
pub async fn attempt(store: &Store, order_id: &ObjectId) -> Result<i64, StoreError> {
    Ok(store.get::<Declines>(order_id).await?.map_or(0, |declines| declines.version))
}

/// Counts a decline of attempt `seen`, unless another request already has.
pub async fn record(store: &Store, order_id: &ObjectId, seen: i64) -> Result<(), StoreError> {
    let next = Declines { id: order_id.clone(), version: seen + 1 };
    if seen == 0 {
        // `false`: another request already counted this decline.
        return store.insert_if_absent(&next, &[]).await.map(drop);
    }
    // `false`: the count already moved past `seen`, which is what we wanted.
    store.update(&next, &[]).await.map(drop)
}

/// `payment-<orderId>-<attempt>`.
pub fn idempotency_key(order_id: &ObjectId, attempt: i64) -> String {
    format!("payment-{order_id}-{attempt}")
}

#[cfg(test)]
mod tests {
    use common::{id::ObjectId, store::Store};
    use test_support::TestStore;

    use super::*;

    #[test]
    fn keys_name_the_order_and_the_attempt() {
        let order = ObjectId::parse("6561a1d2e3f4a5b6c7d8e9f0").unwrap();
        assert_eq!(idempotency_key(&order, 0), "payment-6561a1d2e3f4a5b6c7d8e9f0-0");
        assert_eq!(idempotency_key(&order, 3), "payment-6561a1d2e3f4a5b6c7d8e9f0-3");
    }

    #[tokio::test]
    async fn each_decline_moves_the_attempt_on_once_however_many_requests_saw_it() {
        let fixture = TestStore::for_service("payments");
        let store = Store::open(&fixture.url, &[Declines::COLLECTION]).await.unwrap();
        store.prepare().await.unwrap();
        let order = ObjectId::generate();
        assert_eq!(attempt(&store, &order).await.unwrap(), 0, "no decline yet");

        // Two requests both saw attempt 0 declined: counted once.
        record(&store, &order, 0).await.unwrap();
        record(&store, &order, 0).await.unwrap();
        assert_eq!(attempt(&store, &order).await.unwrap(), 1);

        record(&store, &order, 1).await.unwrap();
        record(&store, &order, 1).await.unwrap();
        assert_eq!(attempt(&store, &order).await.unwrap(), 2);
        assert_eq!(attempt(&store, &ObjectId::generate()).await.unwrap(), 0, "counts are per order");
    }
}
