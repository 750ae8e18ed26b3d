//! Where a fact came from. Every value a reader returns carries one, so that a finding can
//! point the administrator at the exact line of a text file or offset of a binary one.

use serde::Serialize;

/// A position inside one artifact.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// 1-based line of a text artifact.
    Line(usize),
    /// Byte offset in a binary artifact.
    Offset(u64),
    /// The artifact as a whole.
    Whole,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Offset(n) => write!(f, "offset {n:#x}"),
            Location::Whole => f.write_str("whole file"),
        }
    }
}

/// A problem a reader met and stepped over: the rest of the artifact was still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Diagnostic {
    pub at: Location,
    pub message: String,
}

impl Diagnostic {
    pub fn new(at: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            at,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}
