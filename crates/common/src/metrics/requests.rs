//! The HTTP side of the metrics: the middleware that counts and times every
//! request under bounded labels, and `GET /metrics`.

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::Metrics;

/// Middleware: counts and times every request by its route template.
pub(crate) async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = method_label(request.method()).to_owned();
    // The template (`/api/tickets/{id}`), never the raw path, so ids do not
    // explode the label set; unmatched paths share one label.
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let response = next.run(request).await;
    metrics.record_request(&method, &route, response.status().as_u16(), started.elapsed());
    response
}

/// The `method` label: the standard methods by name, anything else `other`,
/// so a client inventing methods cannot grow the label set.
fn method_label(method: &http::Method) -> &'static str {
    use http::Method;
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::PATCH, "PATCH"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN.iter().find(|(known, _)| known == method).map_or("other", |(_, label)| label)
}

/// `GET /metrics`.
pub(crate) async fn serve(State(metrics): State<Metrics>) -> impl IntoResponse {
    ([(http::header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], metrics.render())
}
