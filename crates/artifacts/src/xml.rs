//! Small pieces every XML reader here needs (event exports, the Client Analyzer's results,
//! and `mde-syncrule`'s rule exports), kept outside the feature-gated readers so a
//! dependent built without `evtx` still has them.

use quick_xml::events::BytesRef;

/// A character or entity reference as text (an unknown entity is kept as written).
pub fn resolve_ref(r: &BytesRef<'_>) -> String {
    match r.resolve_char_ref() {
        Ok(Some(c)) => c.to_string(),
        _ => match &*r.decode().unwrap_or_default() {
            "lt" => "<".into(),
            "gt" => ">".into(),
            "amp" => "&".into(),
            "quot" => "\"".into(),
            "apos" => "'".into(),
            other => format!("&{other};"),
        },
    }
}
