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
