//! Test tokens that still charge but spoil the answer, for the money tests:
//! `tok_visa_lost_response` (charged, then the connection is closed without
//! an answer) and `tok_visa_slow` (charged, answered after 15 s, past the
//! payment service's 10 s Stripe timeout).

use std::time::Duration;

use axum::response::Response;

use super::Params;

/// How long `tok_visa_slow` keeps its answer.
pub(crate) const SLOW_ANSWER: Duration = Duration::from_secs(15);

/// The fault a charge request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Answer normally.
    None,
    /// Charge, then drop the connection.
    LostResponse,
    /// Charge, then answer after [`SLOW_ANSWER`].
    Slow,
}

impl Fault {
    /// The fault `params`' `source` token names.
    pub(crate) fn of(params: &Params) -> Self {
        match params.get("source") {
            Some("tok_visa_lost_response") => Self::LostResponse,
            Some("tok_visa_slow") => Self::Slow,
            _ => Self::None,
        }
    }

    /// Whether `token` charges like `tok_visa`.
    pub(crate) fn charges(token: &str) -> bool {
        matches!(token, "tok_visa" | "tok_visa_lost_response" | "tok_visa_slow")
    }

    /// Delivers `response` as the fault says. The charge (and the answer
    /// saved under its idempotency key) already exist; a replay of that
    /// answer is delivered normally, as the network fault was the first
    /// request's.
    pub(crate) async fn deliver(self, response: Response) -> Response {
        if response.headers().contains_key("idempotent-replayed") {
            return response;
        }
        match self {
            Self::None => response,
            Self::Slow => {
                tokio::time::sleep(SLOW_ANSWER).await;
                response
            }
            // Unwinding the connection's task drops its socket before any
            // byte of the answer is written; `resume_unwind` skips the panic
            // hook, so nothing is printed.
            Self::LostResponse => std::panic::resume_unwind(Box::new("the fake Stripe lost this answer")),
        }
    }
}
