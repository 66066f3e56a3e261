//! The gateway: one origin on port 3000 routing paths like the Kubernetes
//! ingress (contract 1).
//!
//! A real reverse proxy: request and response bodies stream through without
//! being buffered, `Cookie` and `Set-Cookie` pass untouched, `X-Forwarded-For`,
//! `-Proto` and `-Host` are set, `X-Request-Id` is added when missing, and a
//! target that is down answers 502 `Bad Gateway` in the contract's shape.
//!
//! Like ingress-nginx's body-size limit, a request whose `Content-Length` is
//! over the services' 16 KiB is refused here with 413: the service would
//! refuse it too, but by then the gateway may still be streaming the body to
//! a connection the service has closed, and the client would see a 502.

use std::{net::SocketAddr, time::Duration};

use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{HeaderName, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use futures::StreamExt as _;
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use tokio::net::TcpListener;

/// Path prefixes and the port of the service behind each, in match order.
#[derive(Debug, Clone)]
pub struct Routes {
    /// `(prefix, port)`; the first whose prefix matches wins.
    pub prefixes: Vec<(&'static str, u16)>,
    /// Everything else (the client).
    pub fallback: u16,
}

impl Routes {
    /// The port serving `path`: a prefix matches when the path equals it or
    /// continues with `/` (`/api/usersx` is not `/api/users`).
    pub fn target(&self, path: &str) -> u16 {
        self.prefixes
            .iter()
            .find(|(prefix, _)| path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
            .map_or(self.fallback, |(_, port)| *port)
    }
}

#[derive(Clone)]
struct Gateway {
    routes: Routes,
    client: Client<HttpConnector, Body>,
}

/// Headers that belong to one hop and must not be forwarded (RFC 9110 7.6.1).
const HOP_BY_HOP: [HeaderName; 6] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::UPGRADE,
];

/// The client's operational routes (contract 8): the probes reach them on
/// the client's own port; through the public port they do not exist. (The
/// services' ops routes are not under their `/api/...` prefixes, so every
/// such path would reach the client.)
const OPS_PATHS: [&str; 3] = ["/metrics", "/healthz", "/readyz"];

/// Serves the gateway on `listener` until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(Duration::from_secs(2)));
    connector.set_nodelay(true);
    let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build(connector);
    let app = Router::new().fallback(proxy).with_state(Gateway { routes, client });
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

async fn proxy(
    State(gateway): State<Gateway>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (mut parts, body) = request.into_parts();
    if declared_length(&parts.headers).is_some_and(|length| length > common::extract::MAX_BODY_BYTES) {
        discard(body).await;
        return too_large();
    }
    if OPS_PATHS.contains(&parts.uri.path().trim_end_matches('/')) {
        discard(body).await;
        return common::ApiError::NotFound.into_response();
    }
    let port = gateway.routes.target(parts.uri.path());
    let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let Ok(uri) = format!("http://127.0.0.1:{port}{path_and_query}").parse::<Uri>() else {
        return bad_gateway();
    };

    let original_host = parts.headers.get(header::HOST).cloned();
    for name in &HOP_BY_HOP {
        parts.headers.remove(name);
    }
    let forwarded_for = match parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(previous) => format!("{previous}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    if let Ok(value) = HeaderValue::from_str(&forwarded_for) {
        parts.headers.insert("x-forwarded-for", value);
    }
    parts.headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    if let Some(host) = original_host {
        parts.headers.insert("x-forwarded-host", host);
    }
    if !parts.headers.contains_key("x-request-id") {
        let id = common::id::ObjectId::generate().to_string();
        parts.headers.insert("x-request-id", HeaderValue::from_str(&id).expect("hex is a valid header value"));
    }
    parts.uri = uri;
    // The Host header is kept as the browser sent it: server-side rendering
    // builds absolute links from it.

    match gateway.client.request(Request::from_parts(parts, body)).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            for name in &HOP_BY_HOP {
                parts.headers.remove(name);
            }
            Response::from_parts(parts, Body::new(body))
        }
        Err(error) => {
            tracing::warn!(port, error = %error, "gateway target unreachable");
            bad_gateway()
        }
    }
}

/// Reads and drops a refused body (up to a bound), as nginx's lingering
/// close does: a client still writing its body to a closed connection sees
/// a broken pipe instead of the 413.
async fn discard(body: Body) {
    const AT_MOST: usize = 16 * 1024 * 1024;
    let mut stream = body.into_data_stream();
    let mut read = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await {
        read += chunk.len();
        if read > AT_MOST {
            break;
        }
    }
}

/// The `Content-Length` the client declared, if any.
fn declared_length(headers: &axum::http::HeaderMap) -> Option<usize> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

fn too_large() -> Response {
    let body = r#"{"errors":[{"message":"Request body is too large"}]}"#;
    (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn bad_gateway() -> Response {
    (StatusCode::BAD_GATEWAY, [(header::CONTENT_TYPE, "application/json")], r#"{"errors":[{"message":"Bad Gateway"}]}"#)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> Routes {
        Routes {
            prefixes: vec![("/api/users", 1), ("/api/tickets", 2), ("/api/orders", 3), ("/api/payments", 4)],
            fallback: 6,
        }
    }

    #[test]
    fn paths_route_by_whole_segment_prefix() {
        let routes = routes();
        let cases = [
            ("/api/users/signin", 1),
            ("/api/users", 1),
            ("/api/usersx", 6),
            ("/api/tickets/6561a0c0f1e2d3c4b5a69788", 2),
            ("/api/orders", 3),
            ("/api/payments/", 4),
            ("/api/unknown", 6),
            ("/", 6),
            ("/tickets/new", 6),
        ];
        for (path, port) in cases {
            assert_eq!(routes.target(path), port, "{path}");
        }
    }
}
