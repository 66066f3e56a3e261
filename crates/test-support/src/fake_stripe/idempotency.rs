//! `Idempotency-Key` as Stripe documents it.
//!
//! Requests carrying one key are served one at a time. The first request
//! that gets past parameter validation has its status and body saved, failures
//! such as declines included; a repeat with the same endpoint and parameters
//! gets that answer again with `Idempotent-Replayed: true`, and a repeat with
//! anything else gets 400 `idempotency_error`. A request refused before it
//! started executing (bad parameters) saves nothing, so it can be retried.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::response::Response;

use super::{Params, errors::Reply};

/// The first answer given for a key, with what was asked.
struct Saved {
    endpoint: String,
    params: Params,
    reply: Reply,
}

type Slot = Arc<tokio::sync::Mutex<Option<Saved>>>;

/// Every key seen, each with its own lock.
#[derive(Clone, Default)]
pub(crate) struct Keys {
    slots: Arc<Mutex<HashMap<String, Slot>>>,
}

impl Keys {
    /// Serves `params` on `endpoint` under `key`. `run` answers `Ok` once the
    /// request started executing (the answer is saved) or `Err` when it was
    /// refused before that (nothing is saved).
    pub(crate) async fn serve(
        &self,
        key: &str,
        endpoint: &str,
        params: Params,
        run: impl FnOnce(&Params) -> Result<Reply, Reply>,
    ) -> Response {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(slots.entry(key.to_owned()).or_default())
        };
        // Held across the whole request: one request per key at a time.
        let mut saved = slot.lock().await;
        if let Some(first) = saved.as_ref() {
            if first.endpoint == endpoint && first.params == params {
                return first.reply.respond(Some((key, true)));
            }
            return mismatch(key).respond(Some((key, false)));
        }
        match run(&params) {
            Ok(reply) => {
                let response = reply.respond(Some((key, false)));
                *saved = Some(Saved { endpoint: endpoint.to_owned(), params, reply });
                response
            }
            Err(refused) => refused.respond(Some((key, false))),
        }
    }
}

fn mismatch(key: &str) -> Reply {
    Reply::error(
        axum::http::StatusCode::BAD_REQUEST,
        "idempotency_error",
        None,
        &format!(
            "Keys for idempotent requests can only be used with the same parameters they were first used with. \
             Try using a key other than '{key}' if you meant to execute a different request."
        ),
        None,
    )
}
