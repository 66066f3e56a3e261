//! `order.created`: schedule the order's job at `expiresAt`, unless it has one.

use common::{events::OrderCreated, listener::Outcome};

use crate::queue::Queue;

/// Done once the job exists (new or already there); Redis down is not yet.
pub(crate) async fn handle(queue: Queue, event: OrderCreated) -> anyhow::Result<Outcome> {
    let added = queue.schedule(&event.id, event.expires_at).await?;
    if added {
        tracing::info!(order_id = %event.id, expires_at = %event.expires_at, "expiration scheduled");
    } else {
        tracing::info!(order_id = %event.id, "expiration already scheduled");
    }
    Ok(Outcome::Done)
}
