//! Cross-service tests (in `tests/`): the real tickets and orders services,
//! each on port 0 with its own store, talking only through one private
//! `nats-server -js`, exactly as they do in production. The library itself
//! is empty; the crate exists so these tests can depend on both services.
