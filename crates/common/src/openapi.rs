//! The OpenAPI 3.1 pieces every service's description shares (contract 3.6):
//! the wire types' schemas (ids, money, instants), the error shape, the
//! session cookie as a security scheme, the event payloads as named schemas,
//! the statuses every route can answer, and the route that serves a
//! service's document.
//!
//! Each service derives its paths from its handlers (`#[utoipa::path]`), so a
//! description cannot drift from the code by more than an annotation; this
//! module only adds what is the same everywhere.

use std::borrow::Cow;

use axum::{
    Router,
    http::{HeaderValue, header},
    response::IntoResponse,
    routing::get,
};
use serde_json::json;
use utoipa::{
    Modify, OpenApi, PartialSchema, ToSchema,
    openapi::{
        self, ContentBuilder, InfoBuilder, KnownFormat, ObjectBuilder, Ref, RefOr, ResponseBuilder, Schema,
        SchemaFormat, Type,
        security::{ApiKey, ApiKeyValue, SecurityScheme},
    },
};

use crate::{
    error::{ErrorBody, FieldError},
    events::{
        ExpirationComplete, OrderCancelled, OrderCreated, OrderTicketRef, OrderTicketSnapshot, PaymentCreated,
        PaymentRefunded, TicketCreated, TicketUpdated,
    },
    id::ObjectId,
    money::Cents,
    timestamp::Timestamp,
};

/// The security scheme's name, as routes name it in `security(...)`.
pub const SESSION: &str = "session";

/// The error body's schema name.
pub const ERRORS: &str = "Errors";

/// A 24-hex id: accepted in either case, always written lower-cased.
pub const ID_PATTERN: &str = "^[0-9a-fA-F]{24}$";

impl PartialSchema for ObjectId {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(ID_PATTERN))
            .description(Some("A MongoDB ObjectId: 24 hex characters, written lower-cased."))
            .examples([json!("6561a0c0f1e2d3c4b5a69788")])
            .into()
    }
}

impl ToSchema for ObjectId {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ObjectId")
    }
}

impl PartialSchema for Cents {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .exclusive_minimum(Some(0))
            .maximum(Some(999_999.99))
            .description(Some("US dollars with at most two decimals, in their shortest exact form (20, 12.5, 19.99)."))
            .examples([json!(19.99)])
            .into()
    }
}

impl ToSchema for Cents {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Dollars")
    }
}

impl PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some("ISO-8601 UTC with exactly three fractional digits and Z."))
            .examples([json!("2026-11-24T10:01:00.000Z")])
            .into()
    }
}

impl ToSchema for Timestamp {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Timestamp")
    }
}

/// What every service's document has in common.
#[derive(OpenApi)]
#[openapi(
    components(schemas(
        ErrorBody,
        FieldError,
        TicketCreated,
        TicketUpdated,
        OrderCreated,
        OrderTicketSnapshot,
        OrderCancelled,
        OrderTicketRef,
        ExpirationComplete,
        PaymentCreated,
        PaymentRefunded
    )),
    modifiers(&SessionCookie)
)]
struct Shared;

/// The `express:sess` cookie as an API-key-in-cookie scheme (contract 2.3).
struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "express:sess",
                "The session set by signup and signin: base64 of {\"jwt\":\"<HS256 token>\"} (contract 2.3).",
            ))),
        );
    }
}

/// The reply for `status` in the contract's error shape.
pub fn error_response(description: &str) -> openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name(ERRORS))).build())
        .build()
}

/// `service`'s document: its own paths and schemas (`own`), the shared
/// components, and the statuses any route can answer: 500 everywhere, and
/// 413 wherever a body is read (the 16 KiB limit, contract 2.1).
pub fn document(service: &str, mut own: openapi::OpenApi) -> openapi::OpenApi {
    own.merge(Shared::openapi());
    own.info = info(&format!("ticketing {service}"));
    for item in own.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            if operation.request_body.is_some() {
                responses.entry("413".to_owned()).or_insert_with(|| error_response("Request body is too large").into());
            }
            responses.entry("500".to_owned()).or_insert_with(|| error_response("Something went wrong").into());
        }
    }
    own
}

/// The whole API: every service's document in one (what the gateway and
/// the ingress serve as `/api/openapi.json`).
pub fn merged(documents: impl IntoIterator<Item = openapi::OpenApi>) -> openapi::OpenApi {
    let mut whole = openapi::OpenApi::new(info("ticketing"), openapi::Paths::new());
    for document in documents {
        whole.merge(document);
    }
    whole
}

fn info(title: &str) -> openapi::Info {
    InfoBuilder::new()
        .title(title)
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some("The ticketing marketplace's HTTP API; docs/contract.md section 3 is its prose."))
        .build()
}

/// A route answering `document` as JSON at `path` (serialised once).
pub fn route(path: &str, document: &openapi::OpenApi) -> Router {
    // Serialising a document built from static annotations cannot fail.
    let body = document.to_pretty_json().unwrap_or_default();
    Router::new().route(
        path,
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response() }
        }),
    )
}
