//! The orders service: a buyer reserves a ticket for a short window, then
//! pays (or lets the reservation lapse, or cancels it).
//!
//! Read in this order: [`config`] (settings), [`ticket`] (the replica of
//! tickets kept from `ticket.created` / `ticket.updated`), [`order`] (the
//! order document, its state machine and the unique index that keeps one
//! live order per ticket), [`refund`] (refunds shown with an order),
//! [`routes`] (`/api/orders…`), [`listeners`] (the replica, expirations,
//! payments and refunds), [`expiry`] (expiring an order, shared by the
//! `expiration.complete` listener and the [`sweeper`] that cancels open
//! orders whose expiry was lost), [`live`] (the live stream's feed),
//! [`state`] (what handlers and listeners share) and [`startup`] (assembly).

pub mod config;
pub mod expiry;
pub mod listeners;
pub mod live;
pub mod order;
pub mod refund;
pub mod routes;
pub mod startup;
pub mod state;
pub mod sweeper;
pub mod ticket;
