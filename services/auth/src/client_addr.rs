//! The client address the per-address limit counts: the TCP peer, or, behind
//! `TRUSTED_PROXY_HOPS` proxies that each append to `X-Forwarded-For`, the
//! entry the outermost trusted proxy wrote (the right-most one it did not
//! receive from the client, who can write anything to its left).

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, request::Parts},
};

/// The caller's address as a string (an IP, or `unknown`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

/// How many proxies in front of the service are trusted; set in the state.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrustedHops(pub usize);

impl ClientAddr {
    /// The address from `peer` and the forwarded chain, trusting `hops` proxies.
    pub fn resolve(peer: Option<SocketAddr>, headers: &HeaderMap, hops: TrustedHops) -> Self {
        let peer = peer.map_or_else(|| "unknown".to_owned(), |peer| peer.ip().to_string());
        if hops.0 == 0 {
            return Self(peer);
        }
        let chain: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .collect();
        // With n trusted proxies the last n entries were written by them; the
        // n-th from the right is the address the outermost one saw.
        let index = chain.len().saturating_sub(hops.0);
        Self(chain.get(index).map_or(peer, |entry| (*entry).to_owned()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr
where
    TrustedHops: axum::extract::FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| *peer);
        let hops = <TrustedHops as axum::extract::FromRef<S>>::from_ref(state);
        Ok(Self::resolve(peer, &parts.headers, hops))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(forwarded: &[&str], hops: usize) -> String {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        ClientAddr::resolve(Some("10.0.0.9:5000".parse().unwrap()), &headers, TrustedHops(hops)).0
    }

    #[test]
    fn the_peer_counts_unless_proxies_are_trusted() {
        assert_eq!(resolve(&["1.1.1.1"], 0), "10.0.0.9", "a bare service ignores the header");
        assert_eq!(resolve(&[], 1), "10.0.0.9", "no header: the peer");
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_entry_counts() {
        assert_eq!(resolve(&["6.6.6.6, 2.2.2.2"], 1), "2.2.2.2", "the client's own entry is ignored");
        assert_eq!(resolve(&["6.6.6.6", "2.2.2.2, 10.1.1.1"], 2), "2.2.2.2", "several headers are one chain");
        assert_eq!(resolve(&["2.2.2.2"], 3), "2.2.2.2", "a short chain: its first entry");
    }
}
