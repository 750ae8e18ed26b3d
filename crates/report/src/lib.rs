//! Renderings of a [`Diagnosis`]: terminal text, JSON, and one self-contained HTML file.
//!
//! Everything in a diagnosis that came from a device (host names, registry strings, server
//! messages) is untrusted: the HTML template escapes it (askama escapes every expression of
//! an `.html` template), the terminal renderer strips control characters so a value cannot
//! move the cursor or change colours.

mod evidence;
mod html;
mod text;

pub use html::render_html;
pub use text::render_text;

use mde_diagnose::Diagnosis;

/// Pretty JSON, newline-terminated.
pub fn render_json(diagnosis: &Diagnosis) -> String {
    let mut s = serde_json::to_string_pretty(diagnosis).expect("a diagnosis always serializes");
    s.push('\n');
    s
}
