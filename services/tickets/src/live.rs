//! What the live stream shows: each `ticket.created` and `ticket.updated` on
//! the bus, as the Ticket JSON the API answers. The events carry the whole
//! ticket (and, since status was added, its status), so nothing is read
//! from the store and a change by another replica looks the same as ours.
//!
//! Two replicas may both relay one outbox event; the stream drops the copy,
//! but a plain subscriber sees both, so a client may get one version twice.
//! Clients keep the highest `version` per ticket (contract 3.5).

use common::{
    events::{Event as _, TicketCreated, TicketUpdated},
    live::{Bytes, Update},
};

use crate::routes::TicketView;

/// The subjects that change a ticket.
pub const SUBJECTS: &[&str] = &[TicketCreated::SUBJECT, TicketUpdated::SUBJECT];

/// The update for one message; `None` for anything unreadable.
pub async fn translate(subject: String, payload: Bytes) -> Option<Update> {
    let view: TicketView = match subject.as_str() {
        TicketCreated::SUBJECT => serde_json::from_slice::<TicketCreated>(&payload).ok()?.into(),
        TicketUpdated::SUBJECT => serde_json::from_slice::<TicketUpdated>(&payload).ok()?.into(),
        _ => return None,
    };
    let data = serde_json::to_string(&view).ok()?;
    Some(Update { audience: None, data: data.into() })
}
