//! The SQL this adapter sends (schema, filters, document columns) and how
//! SQLite's errors map onto [`StoreError`].

use anyhow::Context as _;
use rusqlite::{ErrorCode, types::Value as SqlValue};
use serde_json::Value;

use super::super::{CollectionSpec, PRIMARY_KEY, Page, RawDoc, StoreError};

pub(super) fn schema_sql(collections: &[CollectionSpec]) -> anyhow::Result<String> {
    let mut sql = String::from(
        "CREATE TABLE IF NOT EXISTS _outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            subject TEXT NOT NULL,
            message_id TEXT NOT NULL,
            payload TEXT NOT NULL
        );\n",
    );
    for spec in collections {
        check_identifier(spec.name)?;
        sql.push_str(&format!(
            "CREATE TABLE IF NOT EXISTS \"{0}\" (id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);\n",
            spec.name
        ));
        for index in spec.indexes {
            check_identifier(index.name)?;
            check_identifier(index.field)?;
            let unique = if index.unique { "UNIQUE " } else { "" };
            let condition = match index.only_when {
                None => String::new(),
                Some((field, values)) => {
                    check_identifier(field)?;
                    let list: Vec<String> = values.iter().map(|v| format!("'{}'", v.replace('\'', "''"))).collect();
                    format!(" WHERE json_extract(doc, '$.{field}') IN ({})", list.join(", "))
                }
            };
            sql.push_str(&format!(
                "CREATE {unique}INDEX IF NOT EXISTS \"{}\" ON \"{}\" (json_extract(doc, '$.{}')){condition};\n",
                index.name, spec.name, index.field
            ));
        }
    }
    Ok(sql)
}

/// Names are spliced into SQL, so only plain identifiers are allowed.
/// The `SELECT id, doc` of the documents in `table` matching `filter` (and
/// `page`), in id order, and the values its placeholders take.
pub(super) fn select_sql(
    table: &str,
    filter: &[(&str, Value)],
    page: Option<&Page>,
) -> Result<(String, Vec<SqlValue>), StoreError> {
    let mut clauses = Vec::new();
    let mut values: Vec<SqlValue> = Vec::new();
    for (field, value) in filter {
        check_identifier(field)?;
        match to_sql(value)? {
            None => clauses.push(format!("json_extract(doc, '$.{field}') IS NULL")),
            Some(bound) => {
                values.push(bound);
                clauses.push(format!("json_extract(doc, '$.{field}') = ?{}", values.len()));
            }
        }
    }
    let mut limit = String::new();
    if let Some(page) = page {
        if let Some(after) = &page.after {
            values.push(SqlValue::Text(after.clone()));
            clauses.push(format!("id > ?{}", values.len()));
        }
        if let Some((field, present)) = page.present {
            check_identifier(field)?;
            let test = if present { "IS NOT NULL" } else { "IS NULL" };
            clauses.push(format!("json_extract(doc, '$.{field}') {test}"));
        }
        limit = format!(" LIMIT {}", page.limit);
    }
    let condition = if clauses.is_empty() { "1".to_owned() } else { clauses.join(" AND ") };
    Ok((format!("SELECT id, doc FROM \"{table}\" WHERE {condition} ORDER BY id{limit}"), values))
}

fn check_identifier(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok { Ok(()) } else { Err(anyhow::anyhow!("`{name}` is not a plain identifier").into()) }
}

pub(super) fn columns(doc: &RawDoc) -> Result<(String, i64, String), StoreError> {
    let id = doc.get("id").and_then(Value::as_str).context("document without id")?.to_owned();
    let version = doc.get("version").and_then(Value::as_i64).context("document without version")?;
    let json = serde_json::to_string(doc).context("document does not serialize")?;
    Ok((id, version, json))
}

/// A stored document's text as `T`, or an error naming the table.
pub(super) fn parse_as<T: serde::de::DeserializeOwned>(table: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|error| anyhow::anyhow!("damaged document in {table}: {error}").into())
}

fn to_sql(value: &Value) -> Result<Option<SqlValue>, StoreError> {
    Ok(Some(match value {
        Value::Null => return Ok(None),
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::String(s) => SqlValue::Text(s.clone()),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => SqlValue::Integer(i),
            (None, Some(f)) => SqlValue::Real(f),
            _ => return Err(anyhow::anyhow!("unsupported number {n}").into()),
        },
        other => return Err(anyhow::anyhow!("cannot filter on {other}").into()),
    }))
}

/// Turns SQLite's unique-constraint failures into [`StoreError::Duplicate`].
pub(super) fn classify(error: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(failure, Some(message)) = &error
        && failure.code == ErrorCode::ConstraintViolation
        && message.starts_with("UNIQUE constraint failed")
    {
        // "UNIQUE constraint failed: index 'users_email'" for expression
        // indexes, "UNIQUE constraint failed: users.id" for the key.
        let index = message.split('\'').nth(1).unwrap_or(PRIMARY_KEY).to_owned();
        return StoreError::Duplicate { index };
    }
    error.into()
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        match &error {
            rusqlite::Error::SqliteFailure(failure, _)
                if matches!(
                    failure.code,
                    ErrorCode::CannotOpen | ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::ReadOnly
                ) =>
            {
                StoreError::Unavailable(error.into())
            }
            _ => StoreError::Other(error.into()),
        }
    }
}
