//! The auth service: users sign up, sign in and out; every service reads the
//! session cookie it issues.
//!
//! Read in this order: [`config`] (settings), [`email`] (the address rule),
//! [`password`] (argon2id off the async threads, bounded by [`hash_slots`],
//! and the dummy hash that
//! makes an unknown email cost as much as a wrong password), [`limits`] and
//! [`client_addr`] (sign-in rate limits in Redis), [`user`] (the
//! stored document and its unique email index), [`routes`]
//! (`/api/users/…`), [`state`] (what
//! handlers and listeners share) and [`startup`] (assembly).

pub mod client_addr;
pub mod config;
pub mod email;
pub mod hash_slots;
pub mod limits;
pub mod password;
pub mod routes;
pub mod startup;
pub mod state;
pub mod user;
