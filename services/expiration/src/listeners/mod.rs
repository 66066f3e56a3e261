//! The durable `expiration-service` consumer, filtered on `order.created`.

mod order_created;

use common::{events::OrderCreated, listener::Listener};

use crate::queue::Queue;

/// The consumer's durable name.
pub const DURABLE: &str = "expiration-service";

/// The listener the service runs.
pub fn listener() -> Listener<Queue> {
    Listener::new(DURABLE, Some("order.created")).on::<OrderCreated, _, _>(order_created::handle)
}
