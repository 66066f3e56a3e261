//! The HTTP shell every service shares: binding, middleware, the JSON 404,
//! and the operations routes (`/healthz`, `/readyz`, `/metrics`).

use std::{net::SocketAddr, time::Duration};

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::{HeaderName, header},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use tokio::net::TcpListener;
use tower::{Layer as _, ServiceBuilder};
use tower_http::{
    catch_panic::CatchPanicLayer,
    normalize_path::{NormalizePath, NormalizePathLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
    trace::TraceLayer,
};

use crate::{
    error::{ApiError, not_found},
    extract::MAX_BODY_BYTES,
    metrics::{self, Metrics},
    readiness::{self, Readiness},
    telemetry::trace,
};

/// The request id header, read from the caller or generated, and echoed.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A service's complete HTTP app: the router behind trailing-slash
/// normalisation (which must run before routing, hence outside the router).
pub type App = NormalizePath<Router>;

/// Binds `addr`, with the contract's start-up message on failure.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|error| anyhow::anyhow!("cannot listen on {addr}: {error}"))
}

/// Wraps a service's API routes with the ops routes, the JSON 404 for
/// unknown paths and unserved methods, and the shared middleware.
pub fn app(api: Router, readiness: Readiness, metrics: Metrics) -> App {
    let ops = Router::new()
        .route("/healthz", get(readiness::health))
        .route("/readyz", get(readiness::serve))
        .with_state(readiness)
        .merge(Router::new().route("/metrics", get(metrics::serve)).with_state(metrics.clone()))
        .route_layer(middleware::from_fn(direct_only));

    let router = api.merge(ops).fallback(not_found).method_not_allowed_fallback(not_found).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(SetSensitiveRequestHeadersLayer::new([header::COOKIE, header::AUTHORIZATION]))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    .on_request(())
                    .on_response(|response: &Response, latency: Duration, _: &tracing::Span| {
                        tracing::info!(
                            status = response.status().as_u16(),
                            latency_ms = latency.as_secs_f64() * 1000.0,
                            "request finished"
                        );
                    })
                    // Failures are logged once, by ApiError, with their cause.
                    .on_failure(()),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(middleware::from_fn_with_state(metrics, metrics::track))
            .layer(CatchPanicLayer::custom(|_panic| {
                ApiError::Unexpected(anyhow::anyhow!("a request handler panicked")).into_response()
            }))
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
    );
    NormalizePathLayer::trim_trailing_slash().layer(router)
}

/// The ops routes answer only direct callers (the kubelet's probes,
/// Prometheus scraping the pod): a request that came through a proxy (the
/// ingress, the Gateway, the dev gateway all add `X-Forwarded-For`) gets the
/// JSON 404, as if they did not exist, so they are never public.
async fn direct_only(request: Request, next: middleware::Next) -> Response {
    let headers = request.headers();
    if headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED) {
        return not_found().await.into_response();
    }
    next.run(request).await
}

/// The request's span, named `<METHOD> <route>` in traces, continuing the
/// caller's `traceparent` (the gateway's or the client's) when it sends one.
fn request_span(request: &Request) -> tracing::Span {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    let header = |name: &str| request.headers().get(name).and_then(|value| value.to_str().ok());
    let request_id = header(REQUEST_ID.as_str()).unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        otel.name = format!("{} {route}", request.method()),
        otel.kind = "server",
        method = %request.method(),
        route,
        request_id,
        trace_id = tracing::field::Empty,
    );
    trace::continue_trace(&span, header(trace::TRACEPARENT));
    span
}

/// The socket address a test or a log line should use for `listener`.
pub fn local_addr(listener: &TcpListener) -> SocketAddr {
    listener.local_addr().expect("a bound listener has an address")
}
