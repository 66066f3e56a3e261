//! The merged OpenAPI document against its committed copy and against the
//! contract's route tables (sections 3.1–3.4), so none of the three can
//! drift from the others.

use std::collections::BTreeSet;

use serde_json::Value;

const METHODS: [&str; 4] = ["get", "post", "put", "delete"];

fn document() -> Value {
    serde_json::from_str(&api_docs::rendered()).expect("the document is JSON")
}

#[test]
fn the_committed_document_is_current() {
    let path = api_docs::committed_path();
    let fresh = api_docs::rendered();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &fresh).expect("write the committed document");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale: the annotations changed. Regenerate it with\n  \
         UPDATE_OPENAPI=1 cargo nextest run -E 'test(the_committed_document_is_current)'\nand commit it.",
        path.display()
    );
}

/// `GET /api/tickets/{}`: the method upper-cased, every path parameter `{}`.
fn route(method: &str, path: &str) -> String {
    let path: Vec<String> =
        path.trim_end_matches('/')
            .split('/')
            .map(|segment| {
                if segment.starts_with(':') || segment.starts_with('{') { "{}".to_owned() } else { segment.to_owned() }
            })
            .collect();
    format!("{} {}", method.to_ascii_uppercase(), path.join("/"))
}

/// Every `` `METHOD /api/…` `` the contract's sections 3.1–3.4 name.
fn contract_routes() -> BTreeSet<String> {
    let contract = include_str!("../../../docs/contract.md");
    let start = contract.find("## 3. HTTP API").expect("the contract has section 3");
    let end = contract[start..].find("### 3.5").expect("the contract has section 3.5") + start;
    let mut routes = BTreeSet::new();
    // Not by pairing backticks: the email rule's ``…`…`` has one inside.
    for piece in contract[start..end].split('`') {
        if let Some((method, path)) = piece.split_once(' ')
            && METHODS.contains(&method.to_ascii_lowercase().as_str())
            && method.chars().all(|c| c.is_ascii_uppercase())
            && path.starts_with("/api/")
            && !path.contains(' ')
        {
            routes.insert(route(method, path));
        }
    }
    routes
}

fn document_routes(document: &Value) -> BTreeSet<String> {
    let mut routes = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in METHODS.into_iter().filter(|method| item.get(*method).is_some()) {
            routes.insert(route(method, path));
        }
    }
    routes
}

#[test]
fn the_document_and_the_contract_name_the_same_routes() {
    let contract = contract_routes();
    assert!(contract.len() >= 13, "the contract's route tables were not found: {contract:?}");
    let documented = document_routes(&document());
    let missing: Vec<_> = contract.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&contract).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "in the contract but not the document: {missing:?}; in the document but not the contract: {extra:?}"
    );
}

#[test]
fn every_failure_answers_the_contract_error_shape() {
    let document = document();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in METHODS.into_iter().filter(|method| item.get(*method).is_some()) {
            let operation = &item[method];
            let responses = operation["responses"].as_object().expect("responses");
            let at = format!("{method} {path}");
            assert!(responses.contains_key("500"), "{at} lacks 500");
            if operation.get("requestBody").is_some() {
                for status in ["400", "413"] {
                    assert!(responses.contains_key(status), "{at} reads a body but lacks {status}");
                }
            }
            if operation.get("security").is_some() {
                assert!(responses.contains_key("401"), "{at} needs a session but lacks 401");
            }
            for (status, response) in responses.iter().filter(|(status, _)| !status.starts_with('2')) {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Errors",
                    "{at} answers {status} outside the error shape"
                );
            }
        }
    }
}

#[test]
fn the_session_cookie_and_the_event_payloads_are_described() {
    let document = document();
    let scheme = &document["components"]["securitySchemes"]["session"];
    assert_eq!(
        (&scheme["type"], &scheme["in"], &scheme["name"]),
        (&"apiKey".into(), &"cookie".into(), &"express:sess".into())
    );
    let schemas = document["components"]["schemas"].as_object().expect("schemas");
    for event in [
        "TicketCreated",
        "TicketUpdated",
        "OrderCreated",
        "OrderCancelled",
        "ExpirationComplete",
        "PaymentCreated",
        "PaymentRefunded",
    ] {
        assert!(schemas.contains_key(event), "no schema for {event}");
    }
    assert_eq!(document["openapi"], "3.1.0");
}

#[test]
fn every_link_names_an_operation_of_the_document() {
    let document = document();
    let mut operations = BTreeSet::new();
    let mut targets = Vec::new();
    for item in document["paths"].as_object().expect("paths").values() {
        for method in METHODS.into_iter().filter(|method| item.get(*method).is_some()) {
            operations.insert(item[method]["operationId"].as_str().expect("an operationId").to_owned());
            for response in item[method]["responses"].as_object().expect("responses").values() {
                for link in
                    response.get("links").and_then(Value::as_object).into_iter().flat_map(|links| links.values())
                {
                    targets.push(link["operationId"].as_str().expect("a link names its operation").to_owned());
                }
            }
        }
    }
    assert!(targets.len() >= 5, "the sale's links are missing: {targets:?}");
    for target in targets {
        assert!(operations.contains(&target), "a link names {target}, which is no operation");
    }
}
