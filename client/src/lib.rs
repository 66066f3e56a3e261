//! The GitTix web client: every page of the contract's section 9, rendered on
//! the server with its data, then hydrated in the browser, where later
//! navigation stays.
//!
//! Read in this order: [`app`] (the HTML shell and the route table),
//! [`session`] (who is signed in, which every page shares), [`api`] (the one
//! way pages reach the API: from the server with the visitor's cookie, from
//! the browser on the same origin), [`format`] (prices and times),
//! [`components`] and [`pages`]. [`server`] is the axum binary's side
//! (settings and start-up) and exists only with the `ssr` feature;
//! [`hydrate`] is the browser's entry point.

pub mod api;
pub mod app;
pub mod components;
pub mod format;
pub mod pages;
pub mod payment;
#[cfg(feature = "ssr")]
pub mod server;
pub mod session;

/// The browser's entry point, called by the hydration script once the wasm
/// module is loaded: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
