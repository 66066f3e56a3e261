//! The tickets service over real HTTP on port 0, with a private NATS server
//! and a fresh store per test.

mod create;
mod helpers;
mod listeners;
mod live;
mod outbox;
mod price_props;
mod read;
mod sold;
mod stream;
mod update;
