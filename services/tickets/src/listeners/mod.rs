//! The durable consumers: `tickets-service` on `order.>` (orders reserve and
//! release tickets) and `tickets-payments` on `payment.created` (a paid
//! reservation is a sale). Every handler is idempotent (contract 4.4): a
//! duplicate or stale delivery changes nothing and is done.

mod order_cancelled;
mod order_created;
mod payment_created;

use common::{
    events::{Event as _, OrderCancelled, OrderCreated, PaymentCreated},
    listener::Listener,
};

use crate::state::AppState;

/// The order consumer's durable name.
pub const DURABLE: &str = "tickets-service";
/// The payment consumer's durable name (a consumer honours one filter).
pub const PAYMENTS_DURABLE: &str = "tickets-payments";

/// The listener for order events.
pub fn listener() -> Listener<AppState> {
    Listener::new(DURABLE, Some("order.>"))
        .on::<OrderCreated, _, _>(order_created::handle)
        .on::<OrderCancelled, _, _>(order_cancelled::handle)
}

/// The listener for `payment.created`.
pub fn payments_listener() -> Listener<AppState> {
    Listener::new(PAYMENTS_DURABLE, Some(PaymentCreated::SUBJECT)).on::<PaymentCreated, _, _>(payment_created::handle)
}
