//! `payment.created`: an order was charged.
//!
//! Unknown order: not yet. Open: `complete` v1, with no event (payments has
//! announced it). Complete: done. Cancelled: done, and it stays cancelled (a
//! payment that raced the cancel must not take back a released ticket), and
//! payments refunds that charge (`payment.refunded`).

use common::{
    events::{OrderStatus, PaymentCreated},
    listener::Outcome,
};

use crate::{order::Order, state::AppState};

pub(crate) async fn handle(state: AppState, event: PaymentCreated) -> anyhow::Result<Outcome> {
    loop {
        let Some(order) = state.store.get::<Order>(&event.order_id).await? else {
            return Ok(Outcome::NotYet);
        };
        match order.status {
            OrderStatus::Complete => return Ok(Outcome::Done),
            OrderStatus::Cancelled => {
                tracing::warn!(
                    order_id = %order.id,
                    stripe_id = %event.stripe_id,
                    payment_id = %event.id,
                    "payment for a cancelled order; it stays cancelled and payments refunds it"
                );
                return Ok(Outcome::Done);
            }
            OrderStatus::Created | OrderStatus::AwaitingPayment => {
                if state.store.update(&order.completed(), &[]).await? {
                    tracing::info!(order_id = %order.id, payment_id = %event.id, "order paid");
                    return Ok(Outcome::Done);
                }
                // Cancelled or expired meanwhile: decide again.
            }
        }
    }
}
