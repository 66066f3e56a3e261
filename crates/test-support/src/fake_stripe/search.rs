//! `GET /v1/charges/search`: Stripe's search query language, only the one
//! clause payments looks charges up with: `metadata['<key>']:'<value>'`.

use axum::{
    extract::{RawQuery, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{FakeState, Params, authorize, errors::Reply};

/// Charges whose metadata matches the query, newest first, in Stripe's
/// `search_result` shape. Search here is immediately consistent (Stripe's
/// may lag by up to a minute).
pub(super) async fn search(State(state): State<FakeState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    if let Err(refused) = authorize(&headers) {
        return refused.into_response();
    }
    let params = match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(params) => params,
        Err(refused) => return refused.into_response(),
    };
    let Some((key, value)) = params.get("query").and_then(parse) else {
        return Reply::invalid(None, "The fake only searches `metadata['key']:'value'`.", Some("query"))
            .into_response();
    };
    let data: Vec<Value> =
        state.charges().into_iter().rev().filter(|charge| charge["metadata"][&key] == value.as_str()).collect();
    let body = json!({
        "object": "search_result",
        "data": data,
        "has_more": false,
        "next_page": null,
        "total_count": data.len(),
        "url": "/v1/charges/search",
    });
    Reply::ok(body).into_response()
}

/// `metadata['orderId']:'abc'` → `("orderId", "abc")`.
fn parse(query: &str) -> Option<(String, String)> {
    let rest = query.trim().strip_prefix("metadata[")?;
    let (key, rest) = rest.split_once("]:")?;
    let unquote = |text: &str| {
        let text = text.trim();
        text.strip_prefix('\'')
            .and_then(|t| t.strip_suffix('\''))
            .or_else(|| text.strip_prefix('"').and_then(|t| t.strip_suffix('"')))
            .map(str::to_owned)
    };
    Some((unquote(key)?, unquote(rest)?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_metadata_equality_is_understood() {
        assert_eq!(super::parse("metadata['orderId']:'abc'"), Some(("orderId".into(), "abc".into())));
        assert_eq!(super::parse("metadata[\"k\"]:\"v\""), Some(("k".into(), "v".into())));
        assert_eq!(super::parse("amount>10"), None);
    }
}
