//! How store calls fail, and the one way callers turn a unique-index
//! violation into their own answer ([`ResultExt::on_duplicate`]).

use crate::error::ApiError;

/// The name [`StoreError::Duplicate`] reports when the id itself is taken.
pub const PRIMARY_KEY: &str = "id";

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique index (or the id) already holds this value.
    #[error("duplicate key for index `{index}`")]
    Duplicate {
        /// The index's name, or [`PRIMARY_KEY`] for the id.
        index: String,
    },
    /// The database cannot be reached, or is not set up yet.
    #[error("store unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else: a bug or a damaged document.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl StoreError {
    /// Whether this is a unique violation of `index`.
    pub fn is_duplicate(&self, index: &str) -> bool {
        matches!(self, Self::Duplicate { index: name } if name == index)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(cause) => ApiError::Unavailable(cause),
            other => ApiError::Unexpected(other.into()),
        }
    }
}

/// Names the answer to a unique violation where the write is made:
/// `store.insert(&user, &[]).await.on_duplicate(EMAIL_INDEX, email_in_use)?`.
pub trait ResultExt<T> {
    /// A violation of `index` becomes `refusal()`; any other error converts.
    fn on_duplicate<E: From<StoreError>>(self, index: &str, refusal: impl FnOnce() -> E) -> Result<T, E>;
}

impl<T> ResultExt<T> for Result<T, StoreError> {
    fn on_duplicate<E: From<StoreError>>(self, index: &str, refusal: impl FnOnce() -> E) -> Result<T, E> {
        self.map_err(|error| if error.is_duplicate(index) { refusal() } else { error.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duplicate(index: &str) -> Result<(), StoreError> {
        Err(StoreError::Duplicate { index: index.to_owned() })
    }

    #[test]
    fn only_the_named_index_becomes_the_refusal() {
        let in_use = || ApiError::bad_request("Email in use");
        let refused = duplicate("users_email").on_duplicate("users_email", in_use);
        assert!(matches!(refused, Err(ApiError::BadRequest(message)) if message == "Email in use"));
        let other_index = duplicate(PRIMARY_KEY).on_duplicate("users_email", in_use);
        assert!(matches!(other_index, Err(ApiError::Unexpected(_))), "{other_index:?}");
        let down = Err::<(), _>(StoreError::Unavailable(anyhow::anyhow!("down"))).on_duplicate("users_email", in_use);
        assert!(matches!(down, Err(ApiError::Unavailable(_))), "{down:?}");
        assert_eq!(Ok::<_, StoreError>(7).on_duplicate("users_email", in_use).unwrap(), 7);
    }
}
