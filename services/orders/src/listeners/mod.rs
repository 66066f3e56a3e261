//! The durable `orders-service` consumer, unfiltered (NATS 2.9 honours one
//! filter, and orders needs five subjects): subjects without a handler, such
//! as our own `order.*`, are acked at once. Every handler is idempotent
//! (contract 4.4): a duplicate changes nothing and is done.

mod expiration_complete;
mod payment_created;
mod payment_refunded;
mod ticket_created;
mod ticket_updated;

use common::{
    events::{ExpirationComplete, PaymentCreated, PaymentRefunded, TicketCreated, TicketUpdated},
    listener::Listener,
};

use crate::state::AppState;

/// The consumer's durable name.
pub const DURABLE: &str = "orders-service";

/// The listener the service runs.
pub fn listener() -> Listener<AppState> {
    Listener::new(DURABLE, None)
        .on::<TicketCreated, _, _>(ticket_created::handle)
        .on::<TicketUpdated, _, _>(ticket_updated::handle)
        .on::<ExpirationComplete, _, _>(expiration_complete::handle)
        .on::<PaymentCreated, _, _>(payment_created::handle)
        .on::<PaymentRefunded, _, _>(payment_refunded::handle)
}
