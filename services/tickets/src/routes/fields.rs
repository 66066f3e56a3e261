//! The body both writing routes take: `{title, price}`, every failing field
//! reported, title first.

use common::{ApiError, extract::JsonObject, money::Cents, validation::FieldErrors};

use crate::price::{self, Route};

/// A valid `{title, price}`.
pub(crate) struct TicketFields {
    /// Trimmed, non-empty, at most 200 characters.
    pub(crate) title: String,
    /// Exact cents.
    pub(crate) price: Cents,
}

impl TicketFields {
    /// Validates both fields; a non-string or blank title is no title.
    pub(crate) fn parse(body: &JsonObject, route: Route) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let title = errors.check("title", title(body));
        let price = errors.check("price", price::parse(body.raw("price"), route));
        errors.finish(title.zip(price)).map(|(title, price)| Self { title, price })
    }
}

/// The longest title, in Unicode scalar values after trimming: enough for
/// any event name, small enough that one seller cannot fill the disks.
const MAX_TITLE_CHARS: usize = 200;

fn title(body: &JsonObject) -> Result<String, &'static str> {
    let title = body.string("title").map(|title| title.trim().to_owned()).filter(|title| !title.is_empty());
    match title {
        None => Err("Title is required"),
        Some(title) if title.chars().count() > MAX_TITLE_CHARS => Err("Title must be at most 200 characters"),
        Some(title) => Ok(title),
    }
}
