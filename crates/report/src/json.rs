//! The one way a command prints JSON: a typed document of `mde-schema` with its tag first,
//! a `warnings` array when device text holds bidi characters, and control characters shown
//! as visible escapes (see [`crate::sanitize`]).

use std::io::Write;

use mde_schema::{Document, Header, Record};

/// `doc` as pretty (`pretty`) or compact JSON, newline-terminated.
pub fn document_json<T: Document>(doc: &T, pretty: bool) -> String {
    let mut value =
        serde_json::to_value(mde_schema::tagged(doc)).expect("a typed document always serializes");
    crate::with_warnings(&mut value);
    let mut s = if pretty {
        serde_json::to_string_pretty(&value)
    } else {
        serde_json::to_string(&value)
    }
    .expect("a JSON value always serializes");
    s.push('\n');
    crate::sanitize::json_visible(&s).into_owned()
}

/// Writes `doc` (see [`document_json`]).
pub fn write_document<T: Document>(
    out: &mut impl Write,
    doc: &T,
    pretty: bool,
) -> std::io::Result<()> {
    out.write_all(document_json(doc, pretty).as_bytes())
}

/// The first line of a JSON-lines stream of `R` records.
pub fn write_header<R: Record>(out: &mut impl Write) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, &Header::of::<R>()).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// One record of a JSON-lines stream, compact, newline-terminated, with `warnings` as for a
/// document.
pub fn write_record<R: Record>(out: &mut impl Write, record: &R) -> std::io::Result<()> {
    out.write_all(record_json(record).as_bytes())
}

/// One record of a JSON-lines stream as a newline-terminated line (see [`write_record`]).
pub fn record_json<R: Record>(record: &R) -> String {
    let mut value = serde_json::to_value(record).expect("a typed record always serializes");
    crate::with_warnings(&mut value);
    let mut s = serde_json::to_string(&value).expect("a JSON value always serializes");
    s.push('\n');
    crate::sanitize::json_visible(&s).into_owned()
}
