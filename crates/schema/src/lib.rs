//! mde-doctor's JSON contract, in the manner of `nextest-metadata`: every command's
//! `--format json` output is one type from this crate (or a domain type registered here),
//! serialized, carrying its schema tag `"schema": "mde-doctor/<command>/v1"` as its first key.
//!
//! Why a crate of its own: the console, scripts and other tools read these documents; a
//! field renamed by accident in a command's code must show up as a changed JSON Schema in
//! `docs/schema/` (checked in CI), not as a broken consumer.
//!
//! Rules for a document type:
//! - add fields, never rename or remove them within a version; a breaking change is a new
//!   tag (`…/v2`);
//! - JSON-lines outputs start with a [`Header`] line (the tag alone), then one record per
//!   line, each a type implementing [`Record`].

use schemars::JsonSchema;
use serde::Serialize;

pub mod syncrule;

/// A whole JSON document printed by a command.
pub trait Document: Serialize + JsonSchema {
    /// `mde-doctor/<command>/v<N>`.
    const SCHEMA: &'static str;
}

/// One line of a JSON-lines output; the stream's first line is the [`Header`] with this tag.
pub trait Record: Serialize + JsonSchema {
    /// `mde-doctor/<command>/v<N>`.
    const SCHEMA: &'static str;
}

/// A document with its tag as the first key.
#[derive(Serialize)]
pub struct Tagged<'a, T: ?Sized> {
    /// The document's schema tag.
    pub schema: &'static str,
    /// The document itself (its fields follow the tag).
    #[serde(flatten)]
    pub body: &'a T,
}

/// `doc` with its schema tag.
pub fn tagged<T: Document>(doc: &T) -> Tagged<'_, T> {
    Tagged {
        schema: T::SCHEMA,
        body: doc,
    }
}

/// The first line of a JSON-lines output: says what the following lines are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct Header {
    /// `mde-doctor/<command>/v<N>`.
    pub schema: String,
}

impl Header {
    /// The header of a stream of `R` records.
    pub fn of<R: Record>() -> Header {
        Header {
            schema: R::SCHEMA.to_string(),
        }
    }
}

/// The JSON Schema of a document type, with its tag required as a constant and the
/// `warnings` every writer may add (bidirectional text found in device data).
pub fn document_schema<T: Document>() -> serde_json::Value {
    with_tag(schemars::schema_for!(T).to_value(), T::SCHEMA, "document")
}

/// The JSON Schema of a JSON-lines stream's records (the header line is `{"schema": TAG}`).
pub fn record_schema<R: Record>() -> serde_json::Value {
    with_tag(schemars::schema_for!(R).to_value(), R::SCHEMA, "record")
}

fn with_tag(mut schema: serde_json::Value, tag: &str, shape: &str) -> serde_json::Value {
    use serde_json::{Value, json};
    if let Value::Object(map) = &mut schema {
        map.insert(
            "$id".into(),
            json!(format!(
                "https://mde-doctor.invalid/schema/{}.json",
                tag.replace('/', ".")
            )),
        );
        map.insert("x-mde-doctor-shape".into(), json!(shape));
        let props = map.entry("properties").or_insert_with(|| json!({}));
        if let Value::Object(props) = props {
            if shape == "document" {
                props.insert(
                    "schema".into(),
                    json!({"const": tag, "description": "The document's schema tag."}),
                );
            }
            props.insert(
                "warnings".into(),
                json!({
                    "description": "Present when device data holds bidirectional formatting characters: where (JSON pointer) and the text shown escaped.",
                    "type": "array",
                    "items": {"type": "string"}
                }),
            );
        }
        if shape == "document" {
            let required = map.entry("required").or_insert_with(|| json!([]));
            if let Value::Array(r) = required {
                r.insert(0, json!("schema"));
            }
        }
    }
    schema
}
