//! The `express:sess` session cookie and the HS256 JWT inside it.
//!
//! Wire-compatible with the original: cookie-session 1.x stored
//! `base64({"jwt":"<token>"})` under `express:sess`, and jsonwebtoken signed
//! `{id, email, iat}` with `JWT_KEY`. We add `exp` (a stolen cookie no longer
//! works forever) and cookie attributes that end the cookie with its token.
//!
//! Reading a session never fails a request: any defect makes the caller
//! anonymous, and protected routes then answer 401 through [`RequireAuth`].

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{HeaderMap, HeaderValue, header::COOKIE, request::Parts},
};
use base64::{
    Engine as _, alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig, general_purpose::STANDARD},
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde::{Deserialize, Serialize};

use crate::{error::ApiError, id::ObjectId};

/// The cookie's name, kept from the original (cookie-session's default).
pub const COOKIE_NAME: &str = "express:sess";

/// The fixed JWT header, byte for byte what Node's jsonwebtoken writes.
const JWT_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// Clock skew tolerated on `exp`.
const LEEWAY_SECONDS: u64 = 60;

/// The signed-in user, as carried in the JWT and returned by `currentuser`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserPayload {
    /// The user's id (24-hex).
    pub id: ObjectId,
    /// The lower-cased email.
    pub email: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
}

/// Signs and verifies session tokens, and writes the session cookies.
///
/// Cheap to clone; kept in each service's state (never in a global) so a test
/// can run apps with different keys side by side.
#[derive(Clone)]
pub struct Sessions {
    inner: Arc<Keys>,
}

struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_seconds: u64,
    secure: bool,
}

impl std::fmt::Debug for Sessions {
    // The keys are secrets: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("ttl_seconds", &self.inner.ttl_seconds)
            .field("secure", &self.inner.secure)
            .finish_non_exhaustive()
    }
}

impl Sessions {
    /// `jwt_key` signs and verifies; `ttl_seconds` is the token and cookie
    /// lifetime; `secure` adds `; Secure` to the cookies.
    pub fn new(jwt_key: &str, ttl_seconds: u64, secure: bool) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.set_required_spec_claims(&["exp"]);
        Self {
            inner: Arc::new(Keys {
                encoding: EncodingKey::from_secret(jwt_key.as_bytes()),
                decoding: DecodingKey::from_secret(jwt_key.as_bytes()),
                validation,
                ttl_seconds,
                secure,
            }),
        }
    }

    /// A verifier for services that only read sessions.
    pub fn verifier(jwt_key: &str) -> Self {
        Self::new(jwt_key, 0, true)
    }

    /// Signs a token for `id`/`email`, issued now.
    pub fn issue(&self, id: &ObjectId, email: &str) -> anyhow::Result<(String, UserPayload)> {
        let iat = time::OffsetDateTime::now_utc().unix_timestamp();
        let ttl = i64::try_from(self.inner.ttl_seconds)?;
        let payload = UserPayload { id: id.clone(), email: email.to_owned(), iat, exp: iat + ttl };
        Ok((self.sign(&payload)?, payload))
    }

    /// Signs arbitrary claims with the fixed header; exposed for tests that
    /// need expired or foreign tokens.
    pub fn sign<T: Serialize>(&self, claims: &T) -> anyhow::Result<String> {
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let message = format!("{}.{}", url.encode(JWT_HEADER), url.encode(serde_json::to_vec(claims)?));
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &self.inner.encoding, Algorithm::HS256)?;
        Ok(format!("{message}.{signature}"))
    }

    /// Verifies `token`: HS256, signature, `exp` not past, a 24-hex `id`,
    /// `email` and `iat` present. `None` on any defect.
    pub fn verify(&self, token: &str) -> Option<UserPayload> {
        jsonwebtoken::decode::<UserPayload>(token, &self.inner.decoding, &self.inner.validation)
            .ok()
            .map(|data| data.claims)
    }

    /// Reads the session from request headers: the first `express:sess`
    /// cookie, base64 JSON `{"jwt": ...}`, then [`Sessions::verify`].
    pub fn read(&self, headers: &HeaderMap) -> Option<UserPayload> {
        let value = first_cookie(headers, COOKIE_NAME)?;
        let json = lenient_base64().decode(value.trim().replace('-', "+").replace('_', "/")).ok()?;
        let session: CookieSession = serde_json::from_slice(&json).ok()?;
        self.verify(&session.jwt)
    }

    /// The `Set-Cookie` value that signs `token` in.
    pub fn cookie_for(&self, token: &str) -> HeaderValue {
        let value = STANDARD.encode(serde_json::json!({ "jwt": token }).to_string());
        let cookie = format!(
            "{COOKIE_NAME}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
            self.inner.ttl_seconds,
            self.secure_suffix()
        );
        HeaderValue::from_str(&cookie).expect("base64 and fixed attributes are valid header text")
    }

    /// The `Set-Cookie` value that signs out.
    pub fn clearing_cookie(&self) -> HeaderValue {
        let cookie = format!(
            "{COOKIE_NAME}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax{}",
            self.secure_suffix()
        );
        HeaderValue::from_str(&cookie).expect("fixed attributes are valid header text")
    }

    fn secure_suffix(&self) -> &'static str {
        if self.inner.secure { "; Secure" } else { "" }
    }
}

#[derive(Deserialize)]
struct CookieSession {
    jwt: String,
}

/// Standard alphabet, padding optional; URL-safe input is mapped onto it first.
fn lenient_base64() -> GeneralPurpose {
    GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}

/// The value of the first cookie called `name` across all `Cookie` headers.
fn first_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The caller's session, if any. Never rejects: a bad cookie is anonymous.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Option<UserPayload>);

impl<S> FromRequestParts<S> for CurrentUser
where
    Sessions: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(Sessions::from_ref(state).read(&parts.headers)))
    }
}

/// The caller's session, required: anonymous callers get 401 before anything
/// else is looked at (so validation never leaks to them).
#[derive(Debug, Clone)]
pub struct RequireAuth(pub UserPayload);

impl<S> FromRequestParts<S> for RequireAuth
where
    Sessions: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Sessions::from_ref(state).read(&parts.headers).map(Self).ok_or(ApiError::NotAuthorized)
    }
}

#[cfg(test)]
mod tests;
