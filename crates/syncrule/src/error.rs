//! Errors: where an expression is malformed, and what went wrong evaluating one.

use serde::Serialize;

/// 1-based line and column in the expression text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: expected {expected}, found {found}")]
pub struct SyntaxError {
    pub pos: Pos,
    pub expected: String,
    pub found: String,
}

/// Evaluation failed: a wrong type, a bad argument, or the expression's own `Error(…)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("{pos}: {message}")]
    Type { pos: Pos, message: String },
    /// `Error("…")` in the expression: the object gets a sync error.
    #[error("Error(\"{0}\")")]
    User(String),
}
