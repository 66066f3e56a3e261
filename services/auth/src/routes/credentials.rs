//! The `{email, password}` body of signup and signin, every failing field
//! reported, email first. Non-strings fail their rule (the original
//! stringified numbers).

use common::{ApiError, extract::JsonObject, validation::FieldErrors};

/// Signup's password bounds, in Unicode scalar values of the trimmed text.
const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 4..=20;

/// Which route's password rule applies.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rule {
    /// 4–20 characters.
    Signup,
    /// Anything non-blank: an old password is checked, not judged.
    Signin,
}

/// Valid credentials: the normalized email and the trimmed password.
pub(crate) struct Credentials {
    pub(crate) email: String,
    pub(crate) password: String,
}

impl Credentials {
    pub(crate) fn parse(body: &JsonObject, rule: Rule) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", email(body));
        let password = errors.check("password", password(body, rule));
        errors.finish(email.zip(password)).map(|(email, password)| Self { email, password })
    }
}

fn email(body: &JsonObject) -> Result<String, &'static str> {
    body.string("email").and_then(|raw| crate::email::normalize(&raw)).ok_or("Email must be valid")
}

fn password(body: &JsonObject, rule: Rule) -> Result<String, &'static str> {
    let password = body.string("password").map(|raw| raw.trim().to_owned());
    match rule {
        Rule::Signup => password
            .filter(|password| PASSWORD_CHARS.contains(&password.chars().count()))
            .ok_or("Password must be between 4 and 20 characters"),
        Rule::Signin => password.filter(|password| !password.is_empty()).ok_or("You must supply a password"),
    }
}
