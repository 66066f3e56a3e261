//! A JSON array written to the socket as its rows are read: `[`, the rows
//! separated by commas, `]`, byte for byte what serializing the whole `Vec`
//! would give, with one store batch in memory at a time.

use axum::{
    body::{Body, Bytes},
    http::header::CONTENT_TYPE,
    response::{IntoResponse as _, Response},
};
use futures::{Stream, StreamExt as _, stream};
use serde::Serialize;

/// A JSON array answered whole. Serialized into a `Vec` sized for it rather
/// than by `axum::Json` (a `BytesMut` writer): each of serde_json's small
/// writes (a quote, a colon, a short string) became a call to musl's
/// `memcpy`, 1600 of them for a page of 50, a quarter of the route's time.
pub(crate) fn whole<T: Serialize>(rows: &[T]) -> Response {
    let mut out = Vec::with_capacity(2 + rows.len() * ROW_BYTES);
    match serde_json::to_writer(&mut out, rows) {
        Ok(()) => ([(CONTENT_TYPE, "application/json")], out).into_response(),
        // Only a failing `Serialize` impl gets here; ours do not fail.
        Err(error) => common::ApiError::Unexpected(error.into()).into_response(),
    }
}

/// About what one ticket takes as JSON, for sizing buffers up front.
const ROW_BYTES: usize = 200;

/// The response for `batches`; `hold` (a concurrency permit) is kept until
/// the last byte is written. A store error after the first byte cannot change
/// the status any more, so it ends the body abruptly (the client sees a
/// broken answer, never a valid but shorter list) and is logged.
pub(crate) fn streamed<T, E, H>(batches: impl Stream<Item = Result<Vec<T>, E>> + Send + 'static, hold: H) -> Response
where
    T: Serialize + Send + 'static,
    E: std::fmt::Display + Send + 'static,
    H: Send + Sync + 'static,
{
    let mut first = true;
    let rows = batches.map(move |batch| {
        let batch = batch.map_err(|error| {
            tracing::error!(error = %error, "listing failed after the answer began; ending it");
            std::io::Error::other(error.to_string())
        })?;
        let mut out = Vec::with_capacity(batch.len() * ROW_BYTES);
        for row in &batch {
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, row).map_err(std::io::Error::other)?;
        }
        Ok::<_, std::io::Error>(Bytes::from(out))
    });
    let open = stream::once(async { Ok(Bytes::from_static(b"[")) });
    let close = stream::once(async move {
        drop(hold);
        Ok(Bytes::from_static(b"]"))
    });
    let body = Body::from_stream(open.chain(rows).chain(close));
    ([(CONTENT_TYPE, "application/json")], body).into_response()
}
