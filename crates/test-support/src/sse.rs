//! A Server-Sent Events reader for the live-stream tests: opens a stream
//! and hands back events one at a time, parsed from the raw bytes (so the
//! tests see exactly what a browser's `EventSource` would).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

/// One event: its `event:` name and its `data:` as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// The `event:` field.
    pub name: String,
    /// The `data:` field, parsed.
    pub data: Value,
}

/// An open stream.
pub struct SseStream {
    response: reqwest::Response,
    buffer: String,
    /// Comment lines seen so far (keep-alives).
    pub comments: usize,
}

/// What opening a stream gave.
pub enum Opened {
    /// 200 with `text/event-stream`.
    Stream(SseStream),
    /// Any other answer: its status and body.
    Refused(StatusCode, String),
}

impl SseStream {
    /// `GET base+path` with an optional `Cookie`, waiting for the headers.
    pub async fn open(base: &str, path: &str, cookie: Option<&str>) -> Opened {
        let mut request = reqwest::Client::new().get(format!("{base}{path}"));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.expect("the stream answers");
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        if response.status() != StatusCode::OK || !content_type.starts_with("text/event-stream") {
            let status = response.status();
            return Opened::Refused(status, response.text().await.unwrap_or_default());
        }
        Opened::Stream(Self { response, buffer: String::new(), comments: 0 })
    }

    /// Like [`SseStream::open`], failing the test unless it is a stream.
    pub async fn connect(base: &str, path: &str, cookie: Option<&str>) -> Self {
        match Self::open(base, path, cookie).await {
            Opened::Stream(stream) => stream,
            Opened::Refused(status, body) => panic!("{path} answered {status}: {body}"),
        }
    }

    /// The response headers.
    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        self.response.headers()
    }

    /// The next event within `patience`; `Ok(None)` when the server ended the
    /// stream; `Err(())` when nothing came in time.
    pub async fn next_event(&mut self, patience: Duration) -> Result<Option<SseEvent>, ()> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            if let Some(event) = self.take_event() {
                return Ok(Some(event));
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return Err(()),
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(Ok(None) | Err(_)) => return Ok(None),
            }
        }
    }

    /// Waits for the first event whose data satisfies `check`, skipping the
    /// others (earlier changes of the same thing may come first).
    pub async fn wait_for(&mut self, patience: Duration, what: &str, check: impl Fn(&SseEvent) -> bool) -> SseEvent {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_event(left).await {
                Ok(Some(event)) if check(&event) => return event,
                Ok(Some(_)) => {}
                Ok(None) => panic!("the stream ended before {what}"),
                Err(()) => panic!("no event for {what} within {patience:?}"),
            }
        }
    }

    /// Reads until the server ends the stream (within `patience`), counting events.
    pub async fn read_to_end(&mut self, patience: Duration) -> Option<usize> {
        let deadline = tokio::time::Instant::now() + patience;
        let mut events = 0;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_event(left).await {
                Ok(Some(_)) => events += 1,
                Ok(None) => return Some(events),
                Err(()) => return None,
            }
        }
    }

    /// One complete event from the buffer, if there is one; comments are counted.
    fn take_event(&mut self) -> Option<SseEvent> {
        loop {
            let end = self.buffer.find("\n\n")?;
            let block: String = self.buffer.drain(..end + 2).collect();
            let (mut name, mut data) = (String::from("message"), String::new());
            for line in block.lines() {
                if line.starts_with(':') {
                    self.comments += 1;
                } else if let Some(value) = line.strip_prefix("event:") {
                    name = value.trim_start().to_owned();
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.strip_prefix(' ').unwrap_or(value));
                }
            }
            if !data.is_empty() {
                let data = serde_json::from_str(&data).expect("data is JSON");
                return Some(SseEvent { name, data });
            }
        }
    }
}
