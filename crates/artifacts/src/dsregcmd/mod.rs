//! `dsregcmd /status` output.
//!
//! Layout (see the module tests and `tests/data/dsregcmd/`): sections framed by
//! `+----…----+` rules with a `| Title |` line, then `Key : Value` lines whose keys are
//! right-aligned so the separators line up. Variations handled:
//! - the pre-1809 layout `Key: value` with fewer sections (everything under Device State);
//! - header lines one character wider, no blank line after a header, fragments without a
//!   header, a `KeySignTest: : …` typo in Microsoft's own sample;
//! - values wrapped onto the next line by a narrow console;
//! - copies indented as a block (pasted into Markdown or a ticket);
//! - UTF-16LE from PowerShell redirection, UTF-8, or the ANSI code page;
//! - free-text lines (`Waiting for Diagnostics Task…`, `For more information…`).
//!
//! Every field is kept as section/key/value with its line; [`DsregStatus::facts`] gives typed
//! views of what diagnosis needs.

mod facts;
mod parse;
mod value;

pub use facts::{DeviceDetails, Diagnostics, DsregFacts, JoinFlags, SsoState, TenantDetails};
pub use parse::{DsregError, parse_dsregcmd};
pub use value::{TestResult, Validity, parse_error_code, snake_case};

use serde::Serialize;

use crate::location::{Diagnostic, Location};
use crate::text::Encoding;

/// Which generation of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// `Key : Value`, right-aligned keys (Windows 10 1809 and later).
    Modern,
    /// `Key: value` (older builds).
    Legacy,
}

/// One `Key : Value` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Field {
    /// As printed (`AzureAdJoined`, `Client ErrorCode`).
    pub key: String,
    /// `snake_case` of the key (`azure_ad_joined`, `client_error_code`).
    pub name: String,
    pub value: String,
    pub at: Location,
}

/// One framed section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Section {
    /// The title (`Device State`); empty for fields before any title.
    pub name: String,
    pub at: Location,
    pub fields: Vec<Field>,
}

/// A line that is neither a frame nor a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Note {
    pub text: String,
    pub at: Location,
}

/// A parsed `dsregcmd /status` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DsregStatus {
    pub encoding: Encoding,
    pub layout: Layout,
    pub sections: Vec<Section>,
    pub notes: Vec<Note>,
    pub diagnostics: Vec<Diagnostic>,
}

impl DsregStatus {
    /// The first field with this key (compared as snake_case, so `AzureAdJoined`,
    /// `azureadjoined` and `azure_ad_joined` are the same) in the first of `sections` that
    /// has it, else in any section but the `Work Account N` ones (their DeviceCertificateValidity
    /// or NgcSet belong to another registration).
    pub fn field<'a>(&'a self, keys: &[&str], sections: &[&str]) -> Option<&'a Field> {
        let names: Vec<String> = keys.iter().map(|k| snake_case(k)).collect();
        fn find<'a>(s: &'a Section, names: &[String]) -> Option<&'a Field> {
            s.fields.iter().find(|f| names.contains(&f.name))
        }
        let matches = |s: &'a Section| find(s, &names);
        for wanted in sections {
            if let Some(f) = self
                .sections
                .iter()
                .filter(|s| s.name.eq_ignore_ascii_case(wanted))
                .find_map(matches)
            {
                return Some(f);
            }
        }
        self.sections
            .iter()
            .filter(|s| !s.name.to_ascii_lowercase().starts_with("work account"))
            .find_map(matches)
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }
}
