//! `PUT /api/tickets/{id}` `{title, price}`, in the contract's order:
//! 1. 401; 2. 400 field errors; 3. 404 (malformed or unknown id);
//! 4. 400 `Cannot edit a reserved ticket` (before ownership, as the original);
//! 5. 401 for a non-owner; 6. 200, both fields replaced, version + 1 even
//!    when nothing changed, `ticket.updated` (without `orderId`) emitted.
//!
//! The write is version-checked. When it loses to a concurrent change (say, a
//! reservation), evaluation restarts at step 3 on the fresh ticket, so a PUT
//! racing a reservation either lands first or gets the 400.

use axum::{
    Json,
    extract::{Path, State},
};
use common::{ApiError, Result, events::Outgoing, extract::JsonObject, id::ObjectId, session::RequireAuth};

use super::{fields::TicketFields, view::TicketView};
use crate::{price::Route, state::AppState, ticket::Ticket};

#[utoipa::path(
    put,
    path = "/api/tickets/{id}",
    tag = "tickets",
    params(("id" = String, Path, description = "The ticket's id (24 hex); anything else is 404")),
    request_body = super::openapi::TicketInput,
    security(("session" = [])),
    responses(
        (status = 200, description = "Both fields replaced, version + 1; emits `ticket.updated`", body = super::view::TicketView),
        (status = 400, description = "Field errors, `Cannot edit a reserved ticket`, or a body that is not a JSON object", body = common::error::ErrorBody),
        (status = 401, description = "`Not authorized`: no valid session, or not the seller", body = common::error::ErrorBody),
        (status = 404, description = "`Not Found`: a malformed or unknown id", body = common::error::ErrorBody),
        (status = 503, description = "`Service unavailable`: the store is unreachable", body = common::error::ErrorBody),
    )
)]
/// The id is read as text: a malformed one is a 404, but only
/// after the body has been validated (step 3, not step 1).
pub(crate) async fn update_ticket(
    State(state): State<AppState>,
    RequireAuth(user): RequireAuth,
    Path(raw_id): Path<String>,
    body: JsonObject,
) -> Result<Json<TicketView>> {
    let TicketFields { title, price } = TicketFields::parse(&body, Route::Update)?;
    let id = ObjectId::parse(&raw_id).ok_or(ApiError::NotFound)?;
    loop {
        let ticket = state.store.get::<Ticket>(&id).await?.ok_or(ApiError::NotFound)?;
        if ticket.order_id.is_some() {
            return Err(ApiError::bad_request("Cannot edit a reserved ticket"));
        }
        if ticket.user_id != user.id {
            return Err(ApiError::NotAuthorized);
        }
        let edited = ticket.edited(title.clone(), price);
        if state.store.update(&edited, &[Outgoing::of(&edited.updated_event())]).await? {
            tracing::info!(ticket_id = %edited.id, version = edited.version, "ticket edited");
            return Ok(Json(edited.into()));
        }
    }
}
