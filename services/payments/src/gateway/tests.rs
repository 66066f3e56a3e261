//! The contract's table of Stripe answers, row by row.

use stripe::{ApiErrors, ApiErrorsCode, ApiErrorsType, StripeError};

use super::{ChargeError, classify};

fn stripe_error(status: u16, kind: ApiErrorsType, code: Option<ApiErrorsCode>, message: Option<&str>) -> StripeError {
    let details = ApiErrors {
        advice_code: None,
        charge: None,
        code,
        decline_code: None,
        doc_url: None,
        message: message.map(str::to_owned),
        network_advice_code: None,
        network_decline_code: None,
        param: None,
        payment_intent: None,
        payment_method: None,
        payment_method_type: None,
        request_log_url: None,
        setup_intent: None,
        source: None,
        type_: kind,
    };
    StripeError::Stripe(Box::new(details), status)
}

#[test]
fn stripe_answers_map_onto_the_contract_table() {
    use ApiErrorsType::*;
    let declined = stripe_error(402, CardError, Some(ApiErrorsCode::CardDeclined), Some("Your card was declined."));
    let no_token =
        stripe_error(400, InvalidRequestError, Some(ApiErrorsCode::ResourceMissing), Some("No such token: 'abc'"));
    let cases = [
        (declined, ChargeError::Declined("Your card was declined.".into()), "a decline shows Stripe's message"),
        (no_token, ChargeError::Rejected("No such token: 'abc'".into()), "an invalid request shows Stripe's message"),
        (
            stripe_error(400, InvalidRequestError, None, None),
            ChargeError::Rejected("Payment failed".into()),
            "no message",
        ),
        (
            stripe_error(400, InvalidRequestError, None, Some("")),
            ChargeError::Rejected("Payment failed".into()),
            "empty",
        ),
        (stripe_error(402, CardError, None, None), ChargeError::Declined("Payment failed".into()), "a silent decline"),
        (
            stripe_error(400, IdempotencyError, None, Some("Keys for idempotent requests…")),
            ChargeError::InProgress,
            "reused key",
        ),
        (stripe_error(409, IdempotencyError, None, None), ChargeError::InProgress, "a concurrent request with the key"),
    ];
    for (error, expected, why) in cases {
        assert_eq!(classify(error), expected, "{why}");
    }
}

#[test]
fn an_unusable_provider_is_unavailable_whatever_the_error_type_says() {
    use ApiErrorsType::*;
    let cases = [
        stripe_error(401, Unknown("authentication_error".into()), None, Some("Invalid API Key provided: sk_l****ong")),
        stripe_error(401, InvalidRequestError, None, Some("Invalid API Key provided")),
        stripe_error(403, InvalidRequestError, None, Some("restricted key")),
        stripe_error(429, Unknown("rate_limit_error".into()), None, Some("Too many requests")),
        stripe_error(500, ApiError, None, Some("Something went wrong on Stripe's end")),
        stripe_error(503, CardError, None, None),
        stripe_error(400, ApiError, None, None),
        StripeError::ClientError("client error (Connect)".into()),
        StripeError::Timeout,
        StripeError::JSONDeserialize("error deserializing Stripe error".into()),
    ];
    for error in cases {
        let label = format!("{error:?}");
        let mapped = classify(error);
        assert!(matches!(mapped, ChargeError::Unavailable(_)), "{label} gave {mapped:?}");
    }
}

#[test]
fn the_logged_reason_never_repeats_stripes_message() {
    let error = stripe_error(500, ApiErrorsType::ApiError, None, Some("token tok_secret_123 failed"));
    let ChargeError::Unavailable(reason) = classify(error) else { panic!("not unavailable") };
    assert!(!reason.contains("tok_secret_123"), "{reason}");
    assert!(reason.contains("500"), "{reason}");
}
