//! Finding an order's charges after an answer was lost: Stripe's charge
//! search on `metadata['orderId']`, which every charge carries.
//!
//! Stripe documents search as eventually consistent (usually within a
//! minute); the attempt's leases (see `attempt`) only let a lookup run once
//! the original call has certainly finished at Stripe, and a charge found
//! late still lands on its attempt (or is refunded).

use common::id::ObjectId;
use stripe_core::{ChargeStatus, charge::SearchCharge};

use super::{ChargeError, StripeGateway, classify};

/// A succeeded charge found for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCharge {
    /// `ch_…`.
    pub id: String,
    /// Charged, in cents.
    pub amount_cents: i64,
    /// Unix seconds, for oldest-first matching.
    pub created: i64,
}

impl StripeGateway {
    /// The succeeded charges for `order_id`, oldest first.
    pub async fn charges_of(&self, order_id: &ObjectId) -> Result<Vec<FoundCharge>, ChargeError> {
        let found = SearchCharge::new(format!("metadata['orderId']:'{order_id}'"))
            .limit(100)
            .send(&self.client)
            .await
            .map_err(classify)?;
        let mut charges: Vec<FoundCharge> = found
            .data
            .into_iter()
            .filter(|charge| charge.status == ChargeStatus::Succeeded && charge.paid)
            .map(|charge| FoundCharge {
                id: charge.id.as_str().to_owned(),
                amount_cents: charge.amount,
                created: charge.created,
            })
            .collect();
        charges.sort_by_key(|charge| charge.created);
        Ok(charges)
    }
}
