//! Orders over real HTTP on port 0, with a private NATS and a fresh store.
//! Tickets reach the replica the way they do in production: as
//! `ticket.created` / `ticket.updated` published to the stream.

mod cancel;
mod create;
mod expiration;
mod helpers;
mod list;
mod live;
mod money;
mod observe;
mod ops;
mod outbox;
mod payment;
mod race;
mod replica;
mod show;
mod sweeper;
