//! Errors shown under the expression text, the way compilers show them: the line of the
//! expression, a caret run under the part at fault, and the message. Rules are edited in
//! the Synchronization Rules Editor and pasted here; a column number alone makes the reader
//! count characters in a 40-line `IIF`.

use crate::error::{EvalError, Pos, SyntaxError};

/// How many characters from `pos` the underline covers: a whole name, `[attribute]`,
/// `"string"` or `%parameter%` when one starts there, else one character.
fn width(line: &str, column: usize) -> usize {
    let rest: Vec<char> = line.chars().skip(column.saturating_sub(1)).collect();
    let Some(&first) = rest.first() else {
        return 1;
    };
    let closing = match first {
        '[' => Some(']'),
        '"' => Some('"'),
        '%' => Some('%'),
        _ => None,
    };
    if let Some(close) = closing {
        return rest[1..]
            .iter()
            .position(|c| *c == close)
            .map_or(rest.len(), |i| i + 2);
    }
    if first.is_alphanumeric() || first == '_' || first == '$' {
        return rest
            .iter()
            .take_while(|c| c.is_alphanumeric() || **c == '_' || **c == '$' || **c == '.')
            .count();
    }
    1
}

/// `message` rendered under line `pos.line` of `src`, with `origin` naming where the
/// expression came from:
///
/// ```text
/// error: expected `UCase` (function names are case-sensitive), found `ucase`
///  --> rule.txt:3:10
///   |
/// 3 |     (InStr(ucase([operatingSystem]),"WINDOWS") > 0)
///   |            ^^^^^
/// ```
pub fn render(origin: &str, src: &str, pos: Pos, message: &str) -> String {
    let line = src.lines().nth(pos.line.saturating_sub(1)).unwrap_or("");
    let number = pos.line.to_string();
    let gutter = " ".repeat(number.len());
    // Tabs would shift the caret: shown as one space each, as counted by the lexer.
    let shown: String = line
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    format!(
        "error: {message}\n{gutter}--> {origin}:{}:{}\n{gutter} |\n{number} | {shown}\n{gutter} | {}{}\n",
        pos.line,
        pos.column,
        " ".repeat(pos.column.saturating_sub(1)),
        "^".repeat(width(line, pos.column).max(1)),
    )
}

impl SyntaxError {
    /// This error under the expression text (see [`render`]).
    pub fn render(&self, origin: &str, src: &str) -> String {
        render(
            origin,
            src,
            self.pos,
            &format!("expected {}, found {}", self.expected, self.found),
        )
    }
}

impl EvalError {
    /// Where in the expression the error arose (`Error()` has no place of its own).
    pub fn pos(&self) -> Option<Pos> {
        match self {
            EvalError::Type { pos, .. } => Some(*pos),
            EvalError::User(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn underlines_the_whole_name() {
        let src = "IIF(\n  ucase([a]) = \"X\",\n  True, NULL)";
        let e = crate::parse(src).unwrap_err();
        assert_eq!(
            e.render("rule.txt", src),
            "error: expected `UCase` (function names are case-sensitive), found `ucase`\n \
             --> rule.txt:2:3\n  |\n2 |   ucase([a]) = \"X\",\n  |   ^^^^^\n"
        );
        let unknown = crate::parse("Frobnicate([a])").unwrap_err();
        assert_eq!(unknown.pos, crate::Pos { line: 1, column: 1 });
        assert!(unknown.to_string().contains("`Frobnicate`"), "{unknown}");
    }

    #[test]
    fn widths() {
        assert_eq!(super::width("x [userCertificate] y", 3), 17);
        assert_eq!(super::width("\"abc\" &", 1), 5);
        assert_eq!(super::width("(", 1), 1);
        assert_eq!(super::width("", 4), 1);
    }
}
