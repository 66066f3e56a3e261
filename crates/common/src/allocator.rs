//! The global allocator of every binary but auth (see its `main.rs`): mimalloc.
//!
//! The images hold static musl binaries, and musl's allocator serialises
//! threads on one lock and returns memory eagerly; under a multi-threaded
//! tokio runtime that costs more than any handler. Each `main.rs` says
//! `common::fast_allocator!();` so the choice lives here, once.

#[doc(hidden)]
pub use mimalloc::MiMalloc;

/// Installs mimalloc as the binary's global allocator. Use once, in the
/// binary's crate root (`main.rs`).
#[macro_export]
macro_rules! fast_allocator {
    () => {
        #[global_allocator]
        static GLOBAL_ALLOCATOR: $crate::allocator::MiMalloc = $crate::allocator::MiMalloc;
    };
}
