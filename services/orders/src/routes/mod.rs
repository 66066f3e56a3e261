//! The HTTP API (contract 3.3); every route needs a session.
//!
//! | Route | File |
//! |---|---|
//! | `POST /api/orders` | [`create_order`] |
//! | `GET /api/orders` | [`list_orders`] |
//! | `GET /api/orders/{orderId}` | [`show_order`] |
//! | `DELETE /api/orders/{orderId}` | [`cancel_order`] |
//! | `GET /api/orders/openapi.json` | [`openapi`] (this table, described) |
//! | `GET /api/orders/updates` | [`order_updates`] |

mod cancel_order;
mod create_order;
mod list_orders;
mod openapi;
mod order_updates;
mod show_order;
mod view;

pub(crate) use view::OrderView;

use axum::{Router, routing::get};

pub use self::openapi::document;
use crate::state::AppState;

/// The service's API routes, with their state.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/orders", get(list_orders::list_orders).post(create_order::create_order))
        // A static segment wins over `{orderId}`.
        .route("/api/orders/updates", get(order_updates::order_updates))
        .route("/api/orders/{orderId}", get(show_order::show_order).delete(cancel_order::cancel_order))
        .with_state(state)
        .merge(common::openapi::route(openapi::PATH, &document()))
}
