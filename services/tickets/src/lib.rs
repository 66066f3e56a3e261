//! The tickets service: sellers list tickets and edit them; orders reserve
//! and release them through events.
//!
//! Read in this order: [`config`] (settings), [`price`] (the exact price
//! rule), [`ticket`] (the ticket and tombstone documents and the events they
//! emit), [`routes`] (`/api/tickets…`), [`listeners`] (reserve on
//! `order.created`, release on `order.cancelled`, sell on `payment.created`),
//! [`live`] (the live stream's feed), [`state`] (what handlers and
//! listeners share) and [`startup`] (assembly).

pub mod config;
pub mod listeners;
pub mod live;
pub mod price;
pub mod routes;
pub mod startup;
pub mod state;
pub mod ticket;
