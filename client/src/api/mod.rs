//! The one way pages reach the API, and the shapes it answers with.
//!
//! During server rendering a [`Caller`] calls `API_BASE_URL` with the
//! visitor's `Cookie` and `Host`; in the browser it calls the same-origin
//! `/api/*`, so signing up or in sets the session cookie directly and nothing
//! has to be relayed. Both sides share the decoding below: a 2xx body is the
//! data, a 4xx carries the contract's `{"errors":[…]}`, anything else means
//! the API is out of reach for now.

#[cfg(feature = "hydrate")]
mod browser;
#[cfg(feature = "ssr")]
mod server;
mod shapes;

#[cfg(feature = "hydrate")]
pub use browser::{Caller, sleep};
#[cfg(feature = "ssr")]
pub use server::{Caller, ServerApi, sleep};
pub use shapes::{CurrentUserReply, Order, OrderTicket, Payment, Ticket, User};

use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// What every page shows when the API cannot be reached (contract 9).
pub const UNREACHABLE: &str = "Something went wrong, please try again";

/// One entry of the contract's error shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorItem {
    /// Shown to the visitor as is.
    pub message: String,
    /// The input it belongs to, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Why a call did not give the data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Failure {
    /// No answer, a server fault, or an answer that is not the contract's.
    Unreachable,
    /// The API said no (a 4xx, or a 502 from the payment provider).
    Refused {
        /// The HTTP status.
        status: u16,
        /// The API's errors, in its order.
        errors: Vec<ErrorItem>,
    },
}

impl Failure {
    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unreachable => None,
            Self::Refused { status, .. } => Some(*status),
        }
    }

    /// The message for the input `field`, if the API gave one.
    pub fn field(&self, field: &str) -> Option<String> {
        match self {
            Self::Unreachable => None,
            Self::Refused { errors, .. } => {
                errors.iter().find(|error| error.field.as_deref() == Some(field)).map(|error| error.message.clone())
            }
        }
    }

    /// The messages that belong to no input, for the alert above the button.
    pub fn general(&self) -> Vec<String> {
        match self {
            Self::Unreachable => vec![UNREACHABLE.to_owned()],
            Self::Refused { errors, .. } => {
                errors.iter().filter(|error| error.field.is_none()).map(|error| error.message.clone()).collect()
            }
        }
    }
}

/// An answer's status and body, before decoding.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body text.
    pub body: String,
}

impl Reply {
    /// Decodes the answer: the data on 2xx (an empty body reads as `null`),
    /// the API's errors on 4xx or on a payment provider's 502.
    pub fn decode<T: DeserializeOwned>(self) -> Result<T, Failure> {
        #[derive(Deserialize)]
        struct Errors {
            errors: Vec<ErrorItem>,
        }
        match self.status {
            200..=299 => {
                let body = if self.body.trim().is_empty() { "null" } else { self.body.as_str() };
                serde_json::from_str(body).map_err(|_| Failure::Unreachable)
            }
            400..=499 => {
                let errors = serde_json::from_str::<Errors>(&self.body).map(|e| e.errors).unwrap_or_default();
                Err(Failure::Refused { status: self.status, errors })
            }
            // A payment provider outage is worth naming; other faults are not
            // the visitor's to read.
            502 => match serde_json::from_str::<Errors>(&self.body) {
                Ok(e) if e.errors.iter().any(|error| error.message == "Payment provider unavailable") => {
                    Err(Failure::Refused { status: 502, errors: e.errors })
                }
                _ => Err(Failure::Unreachable),
            },
            _ => Err(Failure::Unreachable),
        }
    }
}

/// Whether `id` can name a resource (24 hex digits). Anything else is not
/// sent to the API, so a path segment can never steer the call elsewhere.
pub fn is_object_id(id: &str) -> bool {
    id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply { status, body: body.to_owned() }
    }

    #[test]
    fn field_errors_and_general_errors_are_told_apart() {
        let failure =
            reply(400, r#"{"errors":[{"message":"Email must be valid","field":"email"},{"message":"Email in use"}]}"#)
                .decode::<User>()
                .unwrap_err();
        assert_eq!(failure.field("email").as_deref(), Some("Email must be valid"));
        assert_eq!(failure.field("password"), None);
        assert_eq!(failure.general(), vec!["Email in use".to_owned()]);
        assert_eq!(failure.status(), Some(400));
    }

    #[test]
    fn server_faults_and_garbage_read_as_unreachable() {
        for (status, body, why) in [
            (500, r#"{"errors":[{"message":"Something went wrong"}]}"#, "a server fault"),
            (502, r#"{"errors":[{"message":"Bad Gateway"}]}"#, "the gateway without its target"),
            (503, "", "an unavailable service"),
            (200, "<html>", "a body that is not JSON"),
        ] {
            let failure = reply(status, body).decode::<User>().unwrap_err();
            assert_eq!(failure, Failure::Unreachable, "{why}");
            assert_eq!(failure.general(), vec![UNREACHABLE.to_owned()], "{why}");
        }
    }

    #[test]
    fn a_payment_provider_outage_is_named() {
        let failure =
            reply(502, r#"{"errors":[{"message":"Payment provider unavailable"}]}"#).decode::<Payment>().unwrap_err();
        assert_eq!(failure.general(), vec!["Payment provider unavailable".to_owned()]);
    }

    #[test]
    fn an_empty_success_reads_as_null() {
        assert_eq!(reply(204, "").decode::<Option<User>>(), Ok(None));
    }

    #[test]
    fn only_24_hex_digits_are_ids() {
        assert!(is_object_id("6561a0c0f1e2d3c4b5a69788"));
        assert!(is_object_id("6561A0C0F1E2D3C4B5A69788"));
        assert!(!is_object_id("6561a0c0f1e2d3c4b5a6978"));
        assert!(!is_object_id("..%2f..%2fusers%2fsignout"));
    }
}
