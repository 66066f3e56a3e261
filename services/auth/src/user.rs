//! The stored user: an id, a version, the lower-cased email (unique) and the
//! argon2id hash. The hash never leaves this service, in a response or a log.

use common::{id::ObjectId, store::Index};

/// The unique index that makes concurrent signups with one email give one user.
pub const EMAIL_INDEX: &str = "users_email_unique";

common::document! {
    /// A user account. Its id is the `id` in every session token; its
    /// version never changes today.
    pub struct User in "users" indexed [
        Index { name: EMAIL_INDEX, field: "email", unique: true, only_when: None },
    ] {
        /// Trimmed and lower-cased, so `A@x.com` and `a@x.com` are one account.
        pub email: String,
        /// The argon2id PHC string of the trimmed password.
        pub password_hash: String,
    }
}

impl std::fmt::Debug for User {
    // Keeps the hash out of any log line that prints a user.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User").field("id", &self.id).field("email", &self.email).finish_non_exhaustive()
    }
}

impl User {
    /// A new user at version 0.
    pub fn new(email: String, password_hash: String) -> Self {
        Self { id: ObjectId::generate(), version: 0, email, password_hash }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_hash() {
        let user = User::new("a@x.com".into(), "$argon2id$v=19$secret".into());
        assert!(!format!("{user:?}").contains("argon2"));
    }

    #[test]
    fn stored_shape_is_camel_case() {
        let user = User::new("a@x.com".into(), "h".into());
        let json = serde_json::to_value(&user).unwrap();
        assert_eq!(json["passwordHash"], "h");
        assert_eq!(json["email"], "a@x.com");
        assert_eq!(json["version"], 0);
    }
}
