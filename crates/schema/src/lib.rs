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

pub mod analyze;
pub mod catalog;
pub mod events;
pub mod inspect;
pub mod probe;
pub mod syncrule;

use schemars::JsonSchema;
use serde::Serialize;

/// One output's JSON Schema, as kept in `docs/schema/`.
#[derive(Debug, Clone)]
pub struct SchemaFile {
    /// The schema tag, `mde-doctor/<command>/v<N>`.
    pub tag: &'static str,
    /// `document` (one JSON value) or `json-lines` (a header line, then records).
    pub shape: &'static str,
    /// The JSON Schema (of the document, or of one record).
    pub schema: serde_json::Value,
}

impl SchemaFile {
    /// `analyze.v1.json` for `mde-doctor/analyze/v1`.
    pub fn file_name(&self) -> String {
        let rest = self.tag.strip_prefix("mde-doctor/").unwrap_or(self.tag);
        format!("{}.json", rest.replace('/', "."))
    }
}

/// The schema file of a document type. The list of every command's outputs is the
/// binary's (`mde-doctor schema`): some document types live in crates above this one
/// (`mde-fleet`'s `FleetView`).
pub fn document<T: Document>() -> SchemaFile {
    SchemaFile {
        tag: T::SCHEMA,
        shape: "document",
        schema: document_schema::<T>(),
    }
}

/// The schema file of a JSON-lines stream of `R` records.
pub fn records<R: Record>() -> SchemaFile {
    SchemaFile {
        tag: R::SCHEMA,
        shape: "json-lines",
        schema: record_schema::<R>(),
    }
}

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
    with_tag(
        generator().into_root_schema_for::<T>().to_value(),
        T::SCHEMA,
        "document",
    )
}

/// The JSON Schema of a JSON-lines stream's records (the header line is `{"schema": TAG}`).
pub fn record_schema<R: Record>() -> serde_json::Value {
    with_tag(
        generator().into_root_schema_for::<R>().to_value(),
        R::SCHEMA,
        "record",
    )
}

/// Schemas of what is written (a field skipped when empty is optional), not of what would
/// be accepted as input.
fn generator() -> schemars::SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
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

/// A slice of records serialized as a sequence. For a long one, groups of records are first
/// serialized by serde_json on every core (each record exactly as it would be written in
/// place, into its own string), then written in order: a large output (every event of a
/// large log) is not serialized on one core. Its JSON Schema is that of `[T]`.
#[derive(Debug, Clone, Copy)]
pub struct Records<'a, T>(pub &'a [T]);

/// Records serialized together on every core before they are written: enough to keep the
/// cores busy, few enough to keep memory flat.
const GROUP: usize = 16 * 1024;

impl<T: Serialize + Sync> Serialize for Records<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use rayon::prelude::*;
        use serde::ser::{Error as _, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        if self.0.len() < 1024 {
            for record in self.0 {
                seq.serialize_element(record)?;
            }
            return seq.end();
        }
        for group in self.0.chunks(GROUP) {
            let rendered: Vec<_> = group
                .par_iter()
                .map(serde_json::value::to_raw_value)
                .collect();
            for raw in rendered {
                seq.serialize_element(&raw.map_err(S::Error::custom)?)?;
            }
        }
        seq.end()
    }
}

impl<T: JsonSchema> JsonSchema for Records<'_, T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        <Vec<T>>::schema_name()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Vec<T>>::json_schema(generator)
    }
}
