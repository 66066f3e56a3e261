//! Validating a request body field by field, as the contract wants: every
//! failing field is reported, in the route's order, in one 400.
//!
//! Each field's rule parses it at the edge into what the handler works with
//! (a normalized email, exact cents) or fails with the contract's message;
//! [`FieldErrors`] collects the failures and then yields either all the
//! values or the [`ApiError::Validation`] that lists the failures:
//!
//! ```
//! # use common::{ApiError, validation::FieldErrors};
//! let mut errors = FieldErrors::default();
//! let title = errors.check("title", Err::<String, _>("Title is required"));
//! let price = errors.check("price", Ok::<_, &str>(1999));
//! assert!(matches!(errors.finish(title.zip(price)), Err(ApiError::Validation(list)) if list.len() == 1));
//! ```

use crate::error::{ApiError, FieldError};

/// The failures so far, in the order the fields were checked.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Records `message` against `field`.
    pub fn push(&mut self, field: &str, message: &str) {
        self.0.push(FieldError::new(field, message));
    }

    /// The parsed value of `field`, or `None` with its failure recorded.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, &str>) -> Option<T> {
        parsed.map_err(|message| self.push(field, message)).ok()
    }

    /// The values when every field passed, else the 400 listing each failure.
    /// `values` is `None` exactly when a check failed (combine the checked
    /// fields with [`Option::zip`]).
    pub fn finish<T>(self, values: Option<T>) -> Result<T, ApiError> {
        match values {
            Some(values) if self.0.is_empty() => Ok(values),
            _ => {
                debug_assert!(!self.0.is_empty(), "a field failed without a message");
                Err(ApiError::Validation(self.0))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_values_come_back_when_every_field_passes() {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", Ok::<_, &str>("a@b.co"));
        let password = errors.check("password", Ok::<_, &str>("secret"));
        assert_eq!(errors.finish(email.zip(password)).unwrap(), ("a@b.co", "secret"));
    }

    #[test]
    fn every_failure_is_listed_in_the_order_checked() {
        let mut errors = FieldErrors::default();
        let token = errors.check("token", Err::<String, _>("Invalid value"));
        let order_id = errors.check("orderId", Err::<String, _>("Invalid value"));
        errors.push("orderId", "Another rule");
        let Err(ApiError::Validation(list)) = errors.finish(token.zip(order_id)) else { panic!("not a 400") };
        assert_eq!(
            list,
            vec![
                FieldError::new("token", "Invalid value"),
                FieldError::new("orderId", "Invalid value"),
                FieldError::new("orderId", "Another rule"),
            ]
        );
    }
}
