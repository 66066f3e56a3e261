//! The payments service: charges a buyer's reserved order through Stripe,
//! at most once per order, and announces it with `payment.created`.
//!
//! Read in this order: [`config`] (settings), [`order`] (the replica of
//! orders kept from `order.created` / `order.cancelled`), [`listeners`]
//! (which keep it), [`payment`] and [`declines`] (what is stored), [`gateway`]
//! (the Stripe call and how its answers map to ours), [`routes`]
//! (`POST /api/payments`), [`state`] (what
//! handlers and listeners share) and [`startup`] (assembly).

pub mod config;
pub mod declines;
pub mod gateway;
pub mod listeners;
pub mod order;
pub mod payment;
pub mod routes;
pub mod startup;
pub mod state;
