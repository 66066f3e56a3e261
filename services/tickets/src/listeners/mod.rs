//! The durable `tickets-service` consumer on `order.>`: orders reserve and
//! release tickets. Both handlers are idempotent (contract 4.4): a duplicate
//! or stale delivery changes nothing and is done.

mod order_cancelled;
mod order_created;

use common::{
    events::{OrderCancelled, OrderCreated},
    listener::Listener,
};

use crate::state::AppState;

/// The consumer's durable name.
pub const DURABLE: &str = "tickets-service";

/// The listener the service runs.
pub fn listener() -> Listener<AppState> {
    Listener::new(DURABLE, Some("order.>"))
        .on::<OrderCreated, _, _>(order_created::handle)
        .on::<OrderCancelled, _, _>(order_cancelled::handle)
}
