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

/// Writes `doc` as compact JSON, newline-terminated, streamed to `out` as it is serialized
/// (never held as a JSON tree or a string: for documents as large as their input, such as
/// every event of a large log). The tag comes first and control characters are shown as in
/// [`document_json`]; the `warnings` are the document's own: a type that streams large parts
/// carries them where they occur (see [`warnings_of`]).
pub fn write_document_streamed<T: Document>(out: impl Write, doc: &T) -> std::io::Result<()> {
    let mut out =
        std::io::BufWriter::with_capacity(1 << 16, crate::sanitize::JsonVisible::new(out));
    serde_json::to_writer(&mut out, &mde_schema::tagged(doc)).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// [`write_document_streamed`], indented for people (`inspect`: one file at a time).
pub fn write_document_streamed_pretty<T: Document>(
    out: impl Write,
    doc: &T,
) -> std::io::Result<()> {
    let mut out =
        std::io::BufWriter::with_capacity(1 << 16, crate::sanitize::JsonVisible::new(out));
    serde_json::to_writer_pretty(&mut out, &mde_schema::tagged(doc))
        .map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The bidi `warnings` of a value (JSON pointers relative to it), `None` when there is none.
/// Building the value costs: call it for a part known to hold bidi characters, or a small one.
pub fn warnings_of<T: serde::Serialize + ?Sized>(value: &T) -> Option<Vec<String>> {
    let value = serde_json::to_value(value).ok()?;
    let warnings = crate::sanitize::bidi_warnings(&value);
    (!warnings.is_empty()).then_some(warnings)
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
