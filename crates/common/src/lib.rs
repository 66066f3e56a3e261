//! Plumbing shared by every ticketing service, and no business rules.
//!
//! Read in this order: [`config`] (settings from the environment), [`error`]
//! and [`extract`] (the contract's error shape, the JSON body), [`session`]
//! (the cookie and JWT), [`validation`] (field-by-field body checks), [`id`],
//! [`money`] and [`timestamp`] (wire formats),
//! [`events`] (the six event contracts), [`store`] (the database port, its
//! SQLite and MongoDB adapters, the outbox relay), [`bus`] (JetStream
//! publishing and the generic listener), [`http`] (middleware and the ops
//! routes), [`telemetry`] (logs) and [`runtime`] (start-up and shutdown).

pub mod bus;
pub mod config;
pub mod error;
pub mod events;
pub mod extract;
pub mod http;
pub mod id;
pub mod money;
pub mod runtime;
pub mod session;
pub mod store;
pub mod telemetry;
pub mod timestamp;
pub mod validation;

pub use error::{ApiError, Result};
