//! The local stack behind `scripts/dev.sh`: everything ticketing needs, on
//! one machine, without a cluster.
//!
//! [`options`] reads ports and settings from the environment; [`deps`] finds
//! or starts NATS (with JetStream) and Redis; [`children`] runs and supervises
//! the services; [`gateway`] serves them on one origin, routing like the
//! Kubernetes ingress; [`stack`] does all of it in order (waiting on each
//! step through `ready`) and undoes it on stop. [`dead_letters`] backs the
//! `dead-letters` command operators use on the dead-letter stream.

pub mod children;
mod data;
pub mod dead_letters;
pub mod deps;
pub mod gateway;
pub mod options;
mod ready;
pub mod stack;
