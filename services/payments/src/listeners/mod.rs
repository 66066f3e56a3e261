//! Keeping the order replica: the durable `payments-service` consumer on
//! `order.>`, with one handler per subject. Both are idempotent (contract 4.4).

mod order_cancelled;
mod order_created;

use common::{
    events::{OrderCancelled, OrderCreated},
    listener::Listener,
};

use crate::state::AppState;

/// The listener the service runs.
pub fn listener() -> Listener<AppState> {
    Listener::new("payments-service", Some("order.>"))
        .on::<OrderCreated, _, _>(order_created::handle)
        .on::<OrderCancelled, _, _>(order_cancelled::handle)
}
