//! The payments service: charges a buyer's reserved order through Stripe,
//! at most once per order, and announces it with `payment.created`.
//!
//! Read in this order: [`config`] (settings), [`order`] (the replica of
//! orders kept from `order.created` / `order.cancelled`), [`listeners`]
//! (which keep it), [`payment`], [`attempt`] and [`refunds`] (what is
//! stored), [`gateway`] (the Stripe calls and how their answers map to
//! ours), [`checkout`] and [`routes`] (`POST /api/payments`), [`settle`]
//! (delivering or refunding a charge), [`reconciler`] (settling what requests
//! left behind), [`state`] (what handlers and listeners share) and
//! [`startup`] (assembly).

pub mod attempt;
mod checkout;
pub mod config;
pub mod gateway;
pub mod listeners;
pub mod order;
pub mod payment;
pub mod reconciler;
pub mod refunds;
pub mod routes;
pub mod settle;
pub mod startup;
pub mod state;
