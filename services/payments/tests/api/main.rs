//! Payments over real HTTP on port 0, with a private NATS, a fresh store and
//! the fake Stripe, which the real async-stripe client reaches over HTTP.

mod charging;
mod concurrency;
mod helpers;
mod money;
mod provider_failures;
mod reconciler;
mod refusals;
mod replica;
mod unsettled_metric;
mod validation;
