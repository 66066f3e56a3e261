//! This service's OpenAPI document (contract 3.6), derived from the route
//! annotation, and the request shape `POST /api/payments` reads field by
//! field (it parses a lenient `JsonObject`, so the shape exists only to be
//! described).

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// `{token, orderId}`: a Stripe card token (`tok_visa` against the fake)
/// and the caller's open order.
#[derive(Serialize, ToSchema)]
#[schema(as = PaymentInput)]
#[serde(rename_all = "camelCase")]
pub(super) struct PaymentInput {
    #[schema(min_length = 1, examples("tok_visa"))]
    token: String,
    order_id: common::id::ObjectId,
}

#[derive(OpenApi)]
#[openapi(
    paths(super::create_payment::create_payment),
    components(schemas(PaymentInput, super::create_payment::Created)),
    tags((name = "payments", description = "Charging an order (contract 3.4)"))
)]
struct Payments;

/// The path of this service's own document.
pub(super) const PATH: &str = "/api/payments/openapi.json";

/// payments' document: `/api/payments`.
pub fn document() -> utoipa::openapi::OpenApi {
    common::openapi::document("payments", Payments::openapi())
}
