//! The sweeper: the safety net under the expiration service. Every
//! [`Sweep::every`], it looks for orders still open [`Sweep::grace`] after
//! their `expiresAt` (the expiration job or its `expiration.complete` was
//! lost: Redis lost its data, a job was deleted, the service never ran) and
//! expires them through [`expiry::expire`], the listener's own path, so the
//! result is the same `order.cancelled` via the outbox.
//!
//! Safe with several replicas: all its state is in the store, and the
//! cancellation is a version-checked update, so when two sweepers (or a
//! sweeper and a late `expiration.complete`) race, one cancels and the other
//! finds the order closed. Open orders are found through the `status` index,
//! a page at a time, so a pass costs what is open, not the order history.

use std::{future::Future, time::Duration};

use common::{events::OrderStatus, store::Page};
use prometheus_client::metrics::counter::Counter;
use serde_json::json;

use crate::{
    config,
    expiry::{self, Expiry},
    order::Order,
    state::AppState,
};

/// Orders read per store call.
const PAGE: usize = 100;

/// When the sweeper looks, and how late an order must be before it acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sweep {
    /// Time between passes (`EXPIRY_SWEEP_SECONDS`).
    pub every: Duration,
    /// How long after `expiresAt` an open order is left to the expiration
    /// service before the sweeper cancels it (`EXPIRY_GRACE_SECONDS`).
    pub grace: Duration,
}

impl Default for Sweep {
    /// The contract's defaults: every 5 s, 30 s of grace.
    fn default() -> Self {
        Self {
            every: Duration::from_secs(config::DEFAULT_EXPIRY_SWEEP_SECONDS),
            grace: Duration::from_secs(config::DEFAULT_EXPIRY_GRACE_SECONDS),
        }
    }
}

/// Runs passes until `shutdown` resolves. A failed pass is logged and the
/// next one tries again; nothing here stops the service.
pub async fn run(
    state: AppState,
    sweep: Sweep,
    swept: Counter,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            () = tokio::time::sleep(sweep.every) => {}
        }
        match pass(&state, sweep.grace).await {
            Ok(cancelled) => {
                swept.inc_by(cancelled);
            }
            Err(error) => tracing::warn!(%error, "expiry sweep failed; retrying at the next pass"),
        }
    }
}

/// One pass over every open order; returns how many it cancelled.
pub async fn pass(state: &AppState, grace: Duration) -> anyhow::Result<u64> {
    let mut cancelled = 0;
    for status in [OrderStatus::Created, OrderStatus::AwaitingPayment] {
        let mut page = Page { after: None, limit: PAGE, present: None };
        loop {
            let orders = state.store.find_page::<Order>(&[("status", json!(status))], &page).await?;
            for order in &orders {
                if !order.expires_at.plus(grace).is_past() {
                    continue;
                }
                tracing::warn!(order_id = %order.id, expires_at = %order.expires_at, "order still open past its expiry; cancelling it");
                if expiry::expire(state, &order.id).await? == Expiry::Cancelled {
                    cancelled += 1;
                }
            }
            match orders.last() {
                Some(last) if orders.len() == PAGE => page.after = Some(last.id.as_str().to_owned()),
                _ => break,
            }
        }
    }
    Ok(cancelled)
}
