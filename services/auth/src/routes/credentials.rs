//! The `{email, password}` body of signup and signin, every failing field
//! reported, email first. Non-strings fail their rule (the original
//! stringified numbers).

use common::{ApiError, error::FieldError, extract::JsonObject};

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
        let email = body.string("email").and_then(|raw| crate::email::normalize(&raw));
        let password = body.string("password").map(|raw| raw.trim().to_owned()).filter(|password| match rule {
            Rule::Signup => PASSWORD_CHARS.contains(&password.chars().count()),
            Rule::Signin => !password.is_empty(),
        });
        match (email, password) {
            (Some(email), Some(password)) => Ok(Self { email, password }),
            (email, password) => {
                let mut errors = Vec::new();
                if email.is_none() {
                    errors.push(FieldError::new("email", "Email must be valid"));
                }
                if password.is_none() {
                    errors.push(FieldError::new(
                        "password",
                        match rule {
                            Rule::Signup => "Password must be between 4 and 20 characters",
                            Rule::Signin => "You must supply a password",
                        },
                    ));
                }
                Err(ApiError::Validation(errors))
            }
        }
    }
}
