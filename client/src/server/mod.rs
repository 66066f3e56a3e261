//! The server binary's side: settings from the environment, and the axum
//! app that renders the pages, serves the built site, the API's description
//! and the ops routes.

pub mod api_docs;
pub mod config;
pub mod headers;
pub mod startup;
