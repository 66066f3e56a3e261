//! The expiration service against a private redis-server (AOF) and a
//! private nats-server, on port 0.

mod cleanup;
mod helpers;
mod jobs;
mod lateness;
mod resilience;
