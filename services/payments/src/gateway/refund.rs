//! Stripe's Refunds API: a full refund of one charge, under its own
//! idempotency key `refund-<chargeId>`, so a retry never refunds twice.

use stripe::{ApiErrorsCode, IdempotencyKey, RequestStrategy, StripeError, StripeRequest as _};
use stripe_core::refund::CreateRefund;

use super::{ChargeError, StripeGateway, classify};

impl StripeGateway {
    /// Refunds `charge_id` in full. `Ok(Some(re_…))` once refunded;
    /// `Ok(None)` when Stripe says it already was (by other means).
    pub async fn refund(&self, charge_id: &str) -> Result<Option<String>, ChargeError> {
        let key = IdempotencyKey::new(format!("refund-{charge_id}"))
            .map_err(|error| ChargeError::Unavailable(format!("invalid idempotency key: {error}")))?;
        let result = CreateRefund::new()
            .charge(charge_id)
            .customize()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&self.client)
            .await;
        match result {
            Ok(refund) => Ok(Some(refund.id.as_str().to_owned())),
            Err(StripeError::Stripe(details, _))
                if details.code.as_ref().is_some_and(|code| *code == ApiErrorsCode::ChargeAlreadyRefunded) =>
            {
                Ok(None)
            }
            Err(error) => Err(classify(error)),
        }
    }
}
