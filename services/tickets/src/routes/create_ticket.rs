//! `POST /api/tickets` `{title, price}`: 401, then 400 field errors, then 201
//! with the ticket at version 0, its `ticket.created` written in the same
//! store write (the outbox).

use axum::{Json, extract::State, http::StatusCode};
use common::{Result, events::Outgoing, extract::JsonObject, session::RequireAuth};

use super::{fields::TicketFields, view::TicketView};
use crate::{price::Route, state::AppState, ticket::Ticket};

#[utoipa::path(
    post,
    path = "/api/tickets",
    tag = "tickets",
    request_body = super::openapi::TicketInput,
    security(("session" = [])),
    responses(
        (status = 201, description = "Listed at version 0; emits `ticket.created`", body = super::view::TicketView),
        (status = 400, description = "Field errors (title, then price), or a body that is not a JSON object", body = common::error::ErrorBody),
        (status = 401, description = "`Not authorized`: no valid session", body = common::error::ErrorBody),
        (status = 503, description = "`Service unavailable`: the store is unreachable", body = common::error::ErrorBody),
    )
)]
/// `RequireAuth` comes before the body: anonymous callers get
/// 401 before anything is validated.
pub(crate) async fn create_ticket(
    State(state): State<AppState>,
    RequireAuth(user): RequireAuth,
    body: JsonObject,
) -> Result<(StatusCode, Json<TicketView>)> {
    let TicketFields { title, price } = TicketFields::parse(&body, Route::Create)?;
    let ticket = Ticket::new(title, price, user.id);
    state.store.insert(&ticket, &[Outgoing::of(&ticket.created_event())]).await?;
    tracing::info!(ticket_id = %ticket.id, "ticket created");
    Ok((StatusCode::CREATED, Json(ticket.into())))
}
