//! Plumbing shared by every ticketing service, and no business rules.
//!
//! Modules only import the ones below them. Read bottom up: [`config`]
//! (settings from the environment), [`error`] and [`extract`] (the contract's
//! error shape, the JSON body), [`session`] (the cookie and JWT),
//! [`validation`] (field-by-field body checks), [`id`], [`money`] and
//! [`timestamp`] (wire formats), [`events`] (the six event contracts),
//! [`backoff`] (how every retry waits), [`telemetry`] (logs) and
//! [`metrics`], and [`openapi`] (the shared parts of each service's
//! description); then [`store`] (the database port and its SQLite and MongoDB
//! adapters) and [`bus`] (JetStream publishing); above them [`readiness`],
//! [`relay`] (the outbox to the bus) and [`listener`] (the generic
//! consumer); then [`http`] (middleware and the ops routes) and, on top,
//! [`runtime`] (assembly, start-up and shutdown). [`allocator`] stands apart:
//! the one global allocator every binary installs with [`fast_allocator!`].

pub mod allocator;
pub mod backoff;
pub mod bus;
pub mod config;
pub mod error;
pub mod events;
pub mod extract;
pub mod http;
pub mod id;
pub mod listener;
pub mod live;
pub mod metrics;
pub mod money;
pub mod openapi;
#[cfg(test)]
mod props;
pub mod readiness;
pub mod relay;
pub mod runtime;
pub mod session;
pub mod store;
pub mod telemetry;
pub mod timestamp;
pub mod validation;

pub use error::{ApiError, Result};
