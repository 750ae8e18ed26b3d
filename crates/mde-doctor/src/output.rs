//! Small helpers shared by the text renderers: styles, wrapping, writing.

use std::io::Write;

use anstyle::{AnsiColor, Style};

pub(crate) const HEADING: Style = Style::new().bold();
pub(crate) const DIM: Style = Style::new().dimmed();
pub(crate) const ERROR: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
pub(crate) const WARNING: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
pub(crate) const OK: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
pub(crate) const INFO: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));

/// Writes bytes to stdout through anstream, which strips colour where it is not wanted.
pub(crate) fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = anstream::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Width to wrap text at: the terminal's, capped so that paragraphs stay readable.
pub(crate) fn text_width() -> usize {
    terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .unwrap_or(100)
        .clamp(40, 100)
}

/// Word-wraps `text` to `width` columns; every line starts with `indent`, the first one
/// with `first` instead (which must have the same display width). Runs of whitespace,
/// line breaks included, count as one space (catalog texts are written across TOML lines);
/// a word longer than the width stays whole on its own line.
pub(crate) fn wrap(text: &str, width: usize, first: &str, indent: &str) -> String {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        return format!("{}\n", first.trim_end());
    }
    let options = textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(indent)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit);
    let mut out = String::new();
    for line in textwrap::wrap(&words, options) {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_width_with_indent() {
        let text = "one two three four five six";
        assert_eq!(
            wrap(text, 12, "- ", "  "),
            "- one two\n  three four\n  five six\n"
        );
        // A word longer than the width stays whole on its own line.
        assert_eq!(wrap("abcdefghijkl x", 6, "", ""), "abcdefghijkl\nx\n");
        // A line may be exactly `width` long; whitespace runs and line breaks are one space.
        assert_eq!(
            wrap("aaaa  bbbbb\ncc d", 12, "* ", "  "),
            "* aaaa bbbbb\n  cc d\n"
        );
        assert_eq!(wrap("", 12, "- ", "  "), "-\n");
        assert_eq!(wrap("   ", 12, "", ""), "\n");
    }
}
