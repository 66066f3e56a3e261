//! `GET /api/tickets`: every ticket (reserved and sold too), oldest first,
//! streamed from the store in batches (memory per request stays the same
//! whatever the catalogue); or, with `?limit=N` (and optionally `after`,
//! `status`, `userId`), one keyset page of them with a
//! `Link: <…>; rel="next"` while more remain. The filters apply to the
//! streamed list too.

use std::collections::HashMap;

use axum::{
    extract::{Query, State},
    http::header::LINK,
    response::{IntoResponse as _, Response},
};
use common::{ApiError, Result, store::Page};
use futures::{StreamExt as _, stream};
use serde_json::{Value, json};

use super::{
    json_array::{streamed, whole},
    view::TicketView,
};
use crate::{state::AppState, ticket::Ticket};

/// The largest page a client may ask for.
const MAX_LIMIT: usize = 100;
/// Tickets read from the store per round trip while streaming the list.
const STREAM_BATCH: usize = 256;
/// Answers written at once, per core. A streamed list holds one batch (about
/// 100 KiB), so 32 per core costs a few MiB; with as many as there are cores
/// (the bound when lists were built whole), 32 readers of a 300k catalogue
/// queued behind each other and the last waited 9 s for its first byte.
pub const LISTS_PER_CORE: usize = 32;

/// Every ticket, or one keyset page of them.
#[utoipa::path(
    get,
    path = "/api/tickets",
    tag = "tickets",
    params(
        ("limit" = Option<u8>, Query, minimum = 1, maximum = 100, description = "Page size; without it, the whole (filtered) list"),
        ("after" = Option<String>, Query, description = "Only tickets whose id sorts after this text"),
        ("status" = Option<String>, Query, pattern = "^(available|reserved|sold)$", description = "`available` (no orderId), `reserved` (held by an open order) or `sold` (its order was paid)"),
        ("userId" = Option<String>, Query, description = "Only this seller's tickets"),
    ),
    responses(
        (status = 200, description = "Tickets, oldest first", body = [super::view::TicketView],
            headers(("Link" = String, description = "`</api/tickets?…&after=<last id>>; rel=\"next\"` while more remain"))),
        (status = 400, description = "`Limit must be between 1 and 100` or `Status must be available, reserved or sold`", body = common::error::ErrorBody),
        (status = 503, description = "`Service unavailable`: the store is unreachable", body = common::error::ErrorBody),
    )
)]
pub(crate) async fn list_tickets(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response> {
    // Never closed, so acquiring cannot fail. The permit is held until the
    // body is written (a streamed body takes it along), so at most this many
    // lists are read at once.
    let permit = state.list_permits.clone().acquire_owned().await.map_err(anyhow::Error::from)?;
    let limit = match params.get("limit") {
        Some(text) => Some(
            text.parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| ApiError::bad_request("Limit must be between 1 and 100"))?,
        ),
        None => None,
    };
    // Unsold tickets have no `sold` field at all (see `Ticket`), so "reserved"
    // is "held and no sold flag", old documents included.
    let mut filter: Vec<(&str, Value)> = params.get("userId").map(|user| ("userId", json!(user))).into_iter().collect();
    let present = match params.get("status").map(String::as_str) {
        None => None,
        Some("available") => Some(("orderId", false)),
        Some("reserved") => {
            filter.push(("sold", Value::Null));
            Some(("orderId", true))
        }
        Some("sold") => Some(("sold", true)),
        Some(_) => return Err(ApiError::bad_request("Status must be available, reserved or sold")),
    };
    let after = params.get("after").map(|after| after.to_ascii_lowercase());
    let Some(limit) = limit else {
        let filter = filter.into_iter().map(|(field, value)| (field.to_owned(), value)).collect();
        let start = Page { after, limit: STREAM_BATCH, present };
        let mut batches = Box::pin(state.store.stream_from::<Ticket>(filter, start, STREAM_BATCH));
        // A store failure before the first byte is still the contract's 503.
        let first = batches.next().await.transpose()?.unwrap_or_default();
        if first.len() < STREAM_BATCH {
            // The whole list came in one read: a plain body, and the permit
            // goes back now (streaming a small list cost five times as much
            // per request in the bench).
            drop(permit);
            return Ok(whole(&first.into_iter().map(TicketView::from).collect::<Vec<_>>()));
        }
        let batches = stream::once(async { Ok(first) })
            .chain(batches)
            .map(|batch| batch.map(|tickets| tickets.into_iter().map(TicketView::from).collect::<Vec<_>>()));
        return Ok(streamed(batches, permit));
    };
    // One more than asked tells whether a next page exists.
    let page = Page { after, limit: limit + 1, present };
    let mut tickets = state.store.find_page::<Ticket>(&filter, &page).await?;
    let more = tickets.len() > limit;
    tickets.truncate(limit);
    let next = match (more, tickets.last()) {
        (true, Some(last)) => Some(next_link(&params, last.id.as_str())),
        _ => None,
    };
    // Serialized here: the permit covers it.
    let body = whole(&tickets.into_iter().map(TicketView::from).collect::<Vec<_>>());
    let response = match next {
        Some(link) => ([(LINK, link)], body).into_response(),
        None => body,
    };
    drop(permit);
    Ok(response)
}

/// The next page's link: the same query with `after` moved on.
fn next_link(params: &HashMap<String, String>, last: &str) -> String {
    let mut query: Vec<(String, String)> =
        params.iter().filter(|(k, _)| k.as_str() != "after").map(|(k, v)| (k.clone(), v.clone())).collect();
    query.sort();
    query.push(("after".to_owned(), last.to_owned()));
    let query: Vec<String> = query.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    format!("</api/tickets?{}>; rel=\"next\"", query.join("&"))
}

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
