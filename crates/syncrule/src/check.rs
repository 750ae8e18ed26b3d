//! Checks an administrator runs before trusting a rule: one expression (does it parse, which
//! attributes does it read), or every expression of a `Get-ADSyncServerConfiguration`
//! export. Function names are resolved by the parser, so an unknown or mis-cased function is
//! a [`SyntaxError`] like any other.

use std::path::{Path, PathBuf};

use crate::error::SyntaxError;
use crate::rules;

/// What a well-formed expression reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Attribute names, in the order they first appear.
    pub attributes: Vec<String>,
}

/// Parses an expression and lists the attributes it reads.
pub fn expression(text: &str) -> Result<Checked, SyntaxError> {
    let ast = crate::parse(text)?;
    let mut attributes = Vec::new();
    ast.attributes(&mut attributes);
    Ok(Checked { attributes })
}

/// One expression of an export that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub rule: String,
    /// The attribute the expression flows into.
    pub target: String,
    pub error: SyntaxError,
    /// The expression text, to show the error under it.
    pub expression: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({} → {}): {}",
            self.file.display(),
            self.rule,
            self.target,
            self.error
        )
    }
}

/// Every expression of every rule of an export, checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigReport {
    /// Rule XML files read.
    pub rules: usize,
    /// Expressions (Direct and Constant flows are not expressions).
    pub expressions: usize,
    pub problems: Vec<Problem>,
    /// XML files that are not sync rules, or could not be read (skipped, with why).
    pub skipped: Vec<(PathBuf, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: {source}", dir.display())]
    Walk {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: no sync rule XML found", dir.display())]
    NoRules { dir: PathBuf },
}

/// Checks every expression of every rule XML anywhere below `dir` (per-connector folders
/// included, see [`rules::xml_files`]).
pub fn config(dir: &Path) -> Result<ConfigReport, ConfigError> {
    let files = rules::xml_files(dir).map_err(|source| ConfigError::Walk {
        dir: dir.to_path_buf(),
        source,
    })?;
    let mut report = ConfigReport::default();
    for path in files {
        let xml = match std::fs::read_to_string(&path) {
            Ok(xml) => xml,
            Err(e) => {
                report.skipped.push((path, e.to_string()));
                continue;
            }
        };
        let rule = match rules::parse_rule(&xml) {
            Ok(rule) => rule,
            Err(e) => {
                report.skipped.push((path, e.to_string()));
                continue;
            }
        };
        report.rules += 1;
        for m in &rule.mappings {
            let Some(text) = &m.expression else { continue };
            report.expressions += 1;
            if let Err(error) = crate::parse(text) {
                report.problems.push(Problem {
                    file: path.clone(),
                    rule: rule.name.clone(),
                    target: m.dest.clone(),
                    error,
                    expression: text.clone(),
                });
            }
        }
    }
    if report.rules == 0 {
        return Err(ConfigError::NoRules {
            dir: dir.to_path_buf(),
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #[test]
    fn unknown_and_miscased_functions_are_problems() {
        let dir = tempfile::tempdir().unwrap();
        let rule = |expr: &str| {
            format!(
                "<synchronizationRule><name>R</name><attribute-mappings><mapping><dest>x</dest><expression>{expr}</expression></mapping></attribute-mappings></synchronizationRule>"
            )
        };
        std::fs::write(dir.path().join("a.xml"), rule("UCase([a])")).unwrap();
        std::fs::write(dir.path().join("b.xml"), rule("ucase([a])")).unwrap();
        std::fs::write(dir.path().join("c.xml"), rule("Nope([a])")).unwrap();
        std::fs::write(dir.path().join("d.xml"), "<other/>").unwrap();
        let report = super::config(dir.path()).unwrap();
        assert_eq!((report.rules, report.expressions), (3, 3));
        assert_eq!(report.problems.len(), 2);
        assert!(report.problems[0].to_string().contains("`UCase`"));
        assert!(report.problems[1].to_string().contains("`Nope`"));
        assert_eq!(report.skipped.len(), 1);
        assert_eq!(
            super::expression("IsPresent([b]) && [a] = [b]")
                .unwrap()
                .attributes,
            ["b", "a"]
        );
    }
}
