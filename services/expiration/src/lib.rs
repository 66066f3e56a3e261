//! The expiration service: when an order is created, remember to announce
//! its expiry; at `expiresAt`, publish `expiration.complete`.
//!
//! It has no database: a delayed job in Redis (apalis-redis, AOF on) plays
//! the outbox's role, and its publish is retried until JetStream acks it.
//! Read in this order: [`config`], [`queue`] (the Redis connection and
//! scheduling one job per order), [`job`] (what a due job does),
//! [`listeners`] (`order.created`), [`worker`] (the apalis worker),
//! [`cleaner`] (removes finished jobs from Redis) and [`startup`] (assembly).

pub mod cleaner;
pub mod config;
pub mod job;
pub mod listeners;
pub mod queue;
pub mod startup;
pub mod worker;
