//! `payment.refunded`: payments gave a charge back. Unknown order: not yet;
//! otherwise the refund is recorded beside the order (once: its id is the
//! event's), and the order view shows it.

use common::{events::PaymentRefunded, listener::Outcome};

use crate::{order::Order, refund::Refund, state::AppState};

/// Records the refund beside its order; an order not seen yet is "not yet"
/// (its `order.created` may still be on the way).
pub(crate) async fn handle(state: AppState, event: PaymentRefunded) -> anyhow::Result<Outcome> {
    let Some(order) = state.store.get::<Order>(&event.order_id).await? else {
        return Ok(Outcome::NotYet);
    };
    if state.store.insert_if_absent(&Refund::from_event(&event, order.user_id), &[]).await? {
        tracing::info!(order_id = %order.id, stripe_id = %event.stripe_id, "payment refunded");
    }
    Ok(Outcome::Done)
}
