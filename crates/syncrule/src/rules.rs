//! Sync rules from a `Get-ADSyncServerConfiguration` export
//! (`SynchronizationRules/SynchronizationRule_{GUID}.xml`, syncrule.md §4.5): the rule's name
//! and each attribute mapping's destination and expression (XML entities decoded).

use mde_artifacts::xml::resolve_ref;
use quick_xml::events::Event;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub dest: String,
    /// `None` for Direct and Constant flows.
    pub expression: Option<String>,
}

/// One scoping-filter clause (`<scope>`): attribute, operator, value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeCondition {
    pub attribute: String,
    pub operator: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub direction: String,
    pub source_object_type: String,
    pub target_object_type: String,
    pub mappings: Vec<Mapping>,
    /// Scoping filter: groups OR-ed, clauses within a group AND-ed; empty = every object.
    pub scope: Vec<Vec<ScopeCondition>>,
}

/// Every `.xml` file below `dir`, in path order: exports keep their rules in
/// `SynchronizationRules/`, but newer ones and copies made by hand put them in per-connector
/// folders (`Connectors/<name>/SynchronizationRules/…`). Symbolic links are not followed and
/// the walk stops 8 levels down, so a hostile tree cannot loop.
pub fn xml_files(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    fn walk(
        dir: &std::path::Path,
        depth: usize,
        out: &mut Vec<std::path::PathBuf>,
    ) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            if kind.is_dir() && depth < 8 {
                walk(&path, depth + 1, out)?;
            } else if kind.is_file()
                && path
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("xml"))
            {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, 0, &mut out)?;
    out.sort();
    Ok(out)
}

/// Why a file is not a sync rule that can be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("not a sync rule export (expected <synchronizationRule>)")]
    NotARule,
    #[error("line {line}: malformed XML: {message}")]
    Xml { line: usize, message: String },
}

/// Reads one sync rule XML with quick-xml: the rule is the first `<synchronizationRule>`
/// element; its name, direction and object types are its own children, mappings are
/// `attribute-mappings/mapping` and the scoping filter is
/// `synchronizationCriteria/conditions/scope`. Text is trimmed and entities decoded.
pub fn parse_rule(xml: &str) -> Result<Rule, RuleError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut rule = Rule {
        name: String::new(),
        direction: String::new(),
        source_object_type: String::new(),
        target_object_type: String::new(),
        mappings: Vec::new(),
        scope: Vec::new(),
    };
    // Element names from the rule element down (empty until the rule starts).
    let mut path: Vec<String> = Vec::new();
    let mut outside = 0usize;
    let mut found = false;
    let mut text = String::new();
    let mut mapping: Option<(Option<String>, Option<String>)> = None;
    let mut group: Vec<ScopeCondition> = Vec::new();
    let mut clause = ScopeCondition {
        attribute: String::new(),
        operator: String::new(),
        value: String::new(),
    };
    let line_at = |offset: u64| {
        let end = (offset as usize).min(xml.len());
        xml.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    };
    loop {
        let event = reader.read_event().map_err(|e| RuleError::Xml {
            line: line_at(reader.error_position()),
            message: e.to_string(),
        })?;
        match event {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                if path.is_empty() {
                    if found || name != "synchronizationRule" {
                        outside += 1;
                        continue;
                    }
                    found = true;
                }
                match section(&path, &name) {
                    "mapping" => mapping = Some((None, None)),
                    "synchronizationCriteria/conditions" => group.clear(),
                    "synchronizationCriteria/conditions/scope" => {
                        clause = ScopeCondition {
                            attribute: String::new(),
                            operator: String::new(),
                            value: String::new(),
                        }
                    }
                    _ => {}
                }
                path.push(name);
                text.clear();
            }
            Event::Empty(start)
                if path.is_empty()
                    && !found
                    && start.local_name().as_ref() == b"synchronizationRule" =>
            {
                found = true;
                break;
            }
            Event::Text(t) => text.push_str(&t.decode().unwrap_or_default()),
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => text.push_str(&resolve_ref(&r)),
            Event::End(_) => {
                if path.is_empty() {
                    outside = outside.saturating_sub(1);
                    continue;
                }
                let name = path.pop().unwrap_or_default();
                let value = text.trim().to_string();
                let first = |slot: &mut String| {
                    if slot.is_empty() {
                        *slot = value.clone();
                    }
                };
                match section(&path, &name) {
                    "name" => first(&mut rule.name),
                    "direction" => first(&mut rule.direction),
                    "sourceObjectType" => first(&mut rule.source_object_type),
                    "targetObjectType" => first(&mut rule.target_object_type),
                    "mapping/dest" => {
                        if let Some(m) = &mut mapping {
                            m.0.get_or_insert(value);
                        }
                    }
                    "mapping/expression" => {
                        if let Some(m) = &mut mapping {
                            m.1.get_or_insert(value);
                        }
                    }
                    "mapping" => {
                        // A mapping without a destination is not a flow.
                        if let Some((Some(dest), expression)) = mapping.take() {
                            rule.mappings.push(Mapping { dest, expression });
                        }
                    }
                    "synchronizationCriteria/conditions/scope/csAttribute" => {
                        clause.attribute = value
                    }
                    "synchronizationCriteria/conditions/scope/csOperator" => {
                        clause.operator = value
                    }
                    "synchronizationCriteria/conditions/scope/csValue" => clause.value = value,
                    "synchronizationCriteria/conditions/scope" => group.push(std::mem::replace(
                        &mut clause,
                        ScopeCondition {
                            attribute: String::new(),
                            operator: String::new(),
                            value: String::new(),
                        },
                    )),
                    "synchronizationCriteria/conditions" if !group.is_empty() => {
                        rule.scope.push(std::mem::take(&mut group));
                    }
                    _ => {}
                }
                text.clear();
                if path.is_empty() {
                    break;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !found {
        return Err(RuleError::NotARule);
    }
    Ok(rule)
}

/// Which part of a rule an element is: its own fields by their name (`name`, `direction` …,
/// direct children of the rule element), a `mapping` and its `dest` and `expression` at any
/// depth (exports wrap them in `attribute-mappings`; hand-made rules may not), and the
/// scoping filter's `synchronizationCriteria/conditions/scope/…` at any depth.
fn section<'a>(path: &'a [String], name: &'a str) -> &'a str {
    let parent = |i: usize| path.len().checked_sub(i).map(|i| path[i].as_str());
    if path.len() == 1 {
        return name;
    }
    match (parent(3), parent(2), parent(1), name) {
        (_, _, _, "mapping") => "mapping",
        (_, _, Some("mapping"), "dest") => "mapping/dest",
        (_, _, Some("mapping"), "expression") => "mapping/expression",
        (_, _, Some("synchronizationCriteria"), "conditions") => {
            "synchronizationCriteria/conditions"
        }
        (_, Some("synchronizationCriteria"), Some("conditions"), "scope") => {
            "synchronizationCriteria/conditions/scope"
        }
        (Some("synchronizationCriteria"), Some("conditions"), Some("scope"), field) => {
            match field {
                "csAttribute" => "synchronizationCriteria/conditions/scope/csAttribute",
                "csOperator" => "synchronizationCriteria/conditions/scope/csOperator",
                "csValue" => "synchronizationCriteria/conditions/scope/csValue",
                _ => "",
            }
        }
        _ => "",
    }
}

impl Rule {
    /// The expression that flows into `target`.
    pub fn expression(&self, target: &str) -> Result<&str, MappingError> {
        let mapping = self
            .mappings
            .iter()
            .find(|m| m.dest == target)
            .ok_or_else(|| MappingError::NoSuchTarget {
                rule: self.name.clone(),
                target: target.to_string(),
                targets: self.mappings.iter().map(|m| m.dest.clone()).collect(),
            })?;
        mapping
            .expression
            .as_deref()
            .ok_or_else(|| MappingError::NotAnExpression {
                rule: self.name.clone(),
                target: target.to_string(),
            })
    }
}

/// A transformation asked of a rule that it does not have as an expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("rule {rule:?} has no transformation of {target}")]
    NoSuchTarget {
        rule: String,
        target: String,
        /// The destinations it has.
        targets: Vec<String>,
    },
    #[error("{target} is a direct or constant flow in {rule:?}, not an expression")]
    NotAnExpression { rule: String, target: String },
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_mappings() {
        let xml = "<synchronizationRule><name>In from AD - Computer Join</name><direction>Inbound</direction><attribute-mappings><mapping><dest>cloudFiltered</dest><src><attr>userCertificate</attr></src><expression>IIF(IsNullOrEmpty([userCertificate]),True,NULL)</expression></mapping><mapping execute-once=\"true\"><dest>cloudCreated</dest><src>False</src></mapping></attribute-mappings></synchronizationRule>";
        let r = super::parse_rule(xml).unwrap();
        assert_eq!(r.name, "In from AD - Computer Join");
        assert_eq!(r.mappings.len(), 2);
        assert_eq!(
            r.mappings[0].expression.as_deref(),
            Some("IIF(IsNullOrEmpty([userCertificate]),True,NULL)")
        );
        assert_eq!(r.mappings[1].expression, None);
        // A hand-made rule without the `attribute-mappings` wrapper, entities and CDATA.
        let bare = "<synchronizationRule><name>R &amp; co</name><mapping><dest>x</dest><expression><![CDATA[\"a\" & \"b\"]]></expression></mapping></synchronizationRule>";
        let r = super::parse_rule(bare).unwrap();
        assert_eq!(r.name, "R & co");
        assert_eq!(r.expression("x").unwrap(), "\"a\" & \"b\"");
        assert!(matches!(
            super::parse_rule("<other/>"),
            Err(super::RuleError::NotARule)
        ));
        assert!(matches!(
            super::parse_rule("<synchronizationRule><name>x</nam></synchronizationRule>"),
            Err(super::RuleError::Xml { line: 1, .. })
        ));
    }
}

#[cfg(test)]
mod xml_files_tests {
    #[test]
    fn rules_in_connector_folders_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir
            .path()
            .join("Connectors/contoso.com/SynchronizationRules");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(nested.join("SynchronizationRule_{1}.xml"), "<x/>").unwrap();
        std::fs::write(dir.path().join("Connectors/contoso.com/notes.txt"), "").unwrap();
        std::fs::write(dir.path().join("top.XML"), "<x/>").unwrap();
        let files = super::xml_files(dir.path()).unwrap();
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(
            files[0].ends_with(
                "Connectors/contoso.com/SynchronizationRules/SynchronizationRule_{1}.xml"
            )
        );
    }
}
