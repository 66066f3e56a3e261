//! The body both writing routes take: `{title, price}`, every failing field
//! reported, title first.

use common::{ApiError, error::FieldError, extract::JsonObject, money::Cents};

use crate::price::{self, Route};

/// A valid `{title, price}`.
pub(crate) struct TicketFields {
    /// Trimmed, non-empty.
    pub(crate) title: String,
    /// Exact cents.
    pub(crate) price: Cents,
}

impl TicketFields {
    /// Validates both fields; a non-string or blank title is no title.
    pub(crate) fn parse(body: &JsonObject, route: Route) -> Result<Self, ApiError> {
        let title = body.string("title").map(|title| title.trim().to_owned()).filter(|title| !title.is_empty());
        let price = price::parse(body.raw("price"), route);
        match (title, price) {
            (Some(title), Ok(price)) => Ok(Self { title, price }),
            (title, price) => {
                let mut errors = Vec::new();
                if title.is_none() {
                    errors.push(FieldError::new("title", "Title is required"));
                }
                if let Err(message) = price {
                    errors.push(FieldError::new("price", message));
                }
                Err(ApiError::Validation(errors))
            }
        }
    }
}
