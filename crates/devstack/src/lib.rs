//! The local stack behind `scripts/dev.sh`: everything ticketing needs, on
//! one machine, without a cluster.
//!
//! [`options`] reads ports and settings from the environment; [`deps`] finds
//! or starts NATS (with JetStream) and Redis; [`children`] runs and supervises
//! the services; [`gateway`] serves them on one origin, routing like the
//! Kubernetes ingress; [`stack`] does all of it in order and undoes it on stop.

pub mod children;
pub mod deps;
pub mod gateway;
pub mod options;
pub mod stack;
