//! Renderings of a [`Diagnosis`]: terminal text, JSON, and one self-contained HTML file.
//!
//! Everything in a diagnosis that came from a device (host names, registry strings, server
//! messages) is untrusted: the HTML template escapes it (askama escapes every expression of
//! an `.html` template), and [`sanitize`] shows control, C1 and bidi characters as visible
//! escapes in every format, so a value cannot move the cursor, change colours, forge a
//! report line or read differently from what it is.

mod evidence;
mod html;
pub mod json;
pub mod sanitize;
mod text;

pub use html::render_html;
pub use text::render_text;

use mde_diagnose::Diagnosis;

/// Pretty JSON, newline-terminated, with a `warnings` array when a string holds bidi
/// formatting characters (see [`sanitize::bidi_warnings`]).
pub fn render_json(diagnosis: &Diagnosis) -> String {
    json::document_json(diagnosis, true)
}

/// Adds `warnings` (bidi characters found in the document's strings) to a JSON object when
/// there is any; other values are left alone.
pub fn with_warnings(value: &mut serde_json::Value) {
    let warnings = sanitize::bidi_warnings(value);
    if let (false, serde_json::Value::Object(map)) = (warnings.is_empty(), value) {
        map.insert("warnings".into(), warnings.into());
    }
}
