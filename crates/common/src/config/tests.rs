//! Reading settings: names, defaults and the contract's messages.

use super::*;

#[test]
fn missing_and_empty_required_variables_are_named() {
    let env = Env::from_pairs([("JWT_KEY", "")]);
    assert_eq!(env.required("JWT_KEY").unwrap_err().to_string(), "JWT_KEY must be defined");
    assert_eq!(Env::default().secret("STRIPE_KEY").unwrap_err().to_string(), "STRIPE_KEY must be defined");
    assert_eq!(Env::from_pairs([("JWT_KEY", "k")]).secret("JWT_KEY").unwrap().expose(), "k");
}

#[test]
fn positive_integers_are_checked() {
    for bad in ["0", "-1", "abc", "1.5"] {
        let env = Env::from_pairs([("EXPIRATION_WINDOW_SECONDS", bad)]);
        assert_eq!(
            env.positive_int("EXPIRATION_WINDOW_SECONDS", 60).unwrap_err().to_string(),
            "EXPIRATION_WINDOW_SECONDS must be a positive integer",
            "{bad}"
        );
    }
    assert_eq!(Env::default().positive_int("X", 60), Ok(60));
    assert_eq!(Env::from_pairs([("X", "3")]).positive_int("X", 60), Ok(3));
    assert!(Env::from_pairs([("PORT", "70000")]).listen_addr().is_err());
    assert_eq!(Env::default().listen_addr().unwrap().to_string(), "0.0.0.0:3000");
}

#[test]
fn booleans_accept_true_false_one_zero() {
    assert_eq!(Env::from_pairs([("COOKIE_SECURE", "0")]).boolean("COOKIE_SECURE", true), Ok(false));
    assert_eq!(Env::from_pairs([("COOKIE_SECURE", "TRUE")]).boolean("COOKIE_SECURE", false), Ok(true));
    assert_eq!(
        Env::from_pairs([("COOKIE_SECURE", "yes")]).boolean("COOKIE_SECURE", true).unwrap_err().to_string(),
        "COOKIE_SECURE must be true or false"
    );
}

#[test]
fn database_urls_pick_the_adapter() {
    assert_eq!(Env::default().database("auth"), Ok(DatabaseUrl::Sqlite("data/auth.db".into())));
    assert_eq!(DatabaseUrl::parse("sqlite:///tmp/x.db", "a"), Ok(DatabaseUrl::Sqlite("/tmp/x.db".into())));
    assert_eq!(
        DatabaseUrl::parse("mongodb://auth-mongo:27017/auth", "x"),
        Ok(DatabaseUrl::Mongo { url: "mongodb://auth-mongo:27017/auth".into(), database: "auth".into() })
    );
    assert_eq!(
        DatabaseUrl::parse("mongodb://h:27017/?replicaSet=rs0", "orders"),
        Ok(DatabaseUrl::Mongo { url: "mongodb://h:27017/?replicaSet=rs0".into(), database: "orders".into() })
    );
    assert_eq!(
        DatabaseUrl::parse("postgres://x", "a").unwrap_err().to_string(),
        "DATABASE_URL must start with sqlite: or mongodb://"
    );
}

#[test]
fn nats_settings_follow_the_contract() {
    let nats = Env::default().nats().unwrap();
    assert_eq!(nats.url, "nats://127.0.0.1:4222");
    assert_eq!((nats.ack_wait, nats.max_deliver), (Duration::from_secs(5), 20));
    assert_eq!(nats.stream_max_bytes, 1 << 30);
    let small = Env::from_pairs([("NATS_STREAM_MAX_BYTES", "4096")]).nats().unwrap();
    assert_eq!(small.stream_max_bytes, 4096);
    let zero = Env::from_pairs([("NATS_STREAM_MAX_BYTES", "0")]);
    assert_eq!(zero.nats().unwrap_err().to_string(), "NATS_STREAM_MAX_BYTES must be a positive integer");
    let env =
        Env::from_pairs([("NATS_URL", "nats://n:4222"), ("NATS_ACK_WAIT_SECONDS", "2"), ("NATS_MAX_DELIVER", "3")]);
    let nats = env.nats().unwrap();
    assert_eq!((nats.url.as_str(), nats.ack_wait, nats.max_deliver), ("nats://n:4222", Duration::from_secs(2), 3));
    let bad = Env::from_pairs([("NATS_ACK_WAIT_SECONDS", "0")]);
    assert_eq!(bad.nats().unwrap_err().to_string(), "NATS_ACK_WAIT_SECONDS must be a positive integer");
}

#[test]
fn base_settings_need_the_jwt_key_and_default_to_the_contract() {
    for env in [Env::default(), Env::from_pairs([("JWT_KEY", "")])] {
        assert_eq!(BaseSettings::from_env(&env, "tickets").unwrap_err().to_string(), "JWT_KEY must be defined");
    }
    let settings = BaseSettings::from_env(&Env::from_pairs([("JWT_KEY", "jwt-secret")]), "orders").unwrap();
    assert_eq!(settings.addr.to_string(), "0.0.0.0:3000");
    assert_eq!(settings.database, DatabaseUrl::Sqlite("data/orders.db".into()));
    assert_eq!(settings.nats.url, "nats://127.0.0.1:4222");
    assert_eq!(settings.jwt_key.expose(), "jwt-secret");
    assert!(!format!("{settings:?}").contains("jwt-secret"), "the key never shows");
}

#[test]
fn credentials_never_reach_logs() {
    assert_eq!(redact_url("mongodb://admin:hunter2@db:27017/auth"), "mongodb://***@db:27017/auth");
    assert_eq!(redact_url("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
    assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
}
