//! Registry keys and values, whether they come from a `.reg` export or an offline hive.

mod data;
mod parse;
mod path;
mod write;

pub use data::{RegData, StringBytes, type_name};
pub use parse::{RegFormat, RegParseError, parse_reg};
pub use path::KeyPath;
pub use write::{to_reg_text, to_reg_utf16};

use serde::Serialize;

use crate::location::{Diagnostic, Location};
use crate::text::Encoding;

/// One value under a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RegValue {
    /// Empty for the default value (`@` in a `.reg` file).
    pub name: String,
    #[serde(flatten)]
    pub data: RegData,
    pub at: Location,
}

/// One key and the values the artifact lists under it (not its subkeys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RegKey {
    pub path: KeyPath,
    /// `[-HKEY_…]` in a `.reg` file: the key is to be deleted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    pub values: Vec<RegValue>,
    pub at: Location,
}

impl RegKey {
    /// A value by name, case-insensitively as Windows compares them.
    pub fn value(&self, name: &str) -> Option<&RegValue> {
        self.values
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(name))
    }
}

/// What a `.reg` export or a hive held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RegFile {
    pub format: RegFormat,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    pub keys: Vec<RegKey>,
    /// Lines or cells that could not be read; everything else was.
    pub diagnostics: Vec<Diagnostic>,
}

impl RegFile {
    /// The key at `path` (any spelling of the root, case-insensitive), if the file has it.
    /// When a file lists a key twice, the first listing wins.
    pub fn key(&self, path: &str) -> Option<&RegKey> {
        let wanted = KeyPath::new(path);
        self.keys.iter().find(|k| k.path == wanted)
    }
}
