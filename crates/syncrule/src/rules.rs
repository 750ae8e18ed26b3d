//! Sync rules from a `Get-ADSyncServerConfiguration` export
//! (`SynchronizationRules/SynchronizationRule_{GUID}.xml`, syncrule.md §4.5): the rule's name
//! and each attribute mapping's destination and expression (XML entities decoded).

use regex::Regex;

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

fn unescape(s: &str) -> String {
    let mut out = s
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'");
    out = out.replace("&amp;", "&");
    out
}

fn tag(text: &str, name: &str) -> Option<String> {
    let re = Regex::new(&format!(r"(?s)<{name}>(.*?)</{name}>")).ok()?;
    re.captures(text).map(|c| unescape(c[1].trim()))
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

/// Reads one sync rule XML.
pub fn parse_rule(xml: &str) -> Result<Rule, String> {
    if !xml.contains("<synchronizationRule") {
        return Err("not a sync rule export (expected <synchronizationRule>)".into());
    }
    let mapping_re = Regex::new(r"(?s)<mapping[^>]*>(.*?)</mapping>").map_err(|e| e.to_string())?;
    let mappings = mapping_re
        .captures_iter(xml)
        .filter_map(|c| {
            let body = &c[1];
            Some(Mapping {
                dest: tag(body, "dest")?,
                expression: tag(body, "expression"),
            })
        })
        .collect();
    let mut scope = Vec::new();
    if let Some(criteria) =
        Regex::new(r"(?s)<synchronizationCriteria>(.*?)</synchronizationCriteria>")
            .ok()
            .and_then(|re| re.captures(xml).map(|c| c[1].to_string()))
    {
        let groups =
            Regex::new(r"(?s)<conditions>(.*?)</conditions>").map_err(|e| e.to_string())?;
        let clause = Regex::new(r"(?s)<scope>(.*?)</scope>").map_err(|e| e.to_string())?;
        for g in groups.captures_iter(&criteria) {
            let conditions: Vec<ScopeCondition> = clause
                .captures_iter(&g[1])
                .map(|c| ScopeCondition {
                    attribute: tag(&c[1], "csAttribute").unwrap_or_default(),
                    operator: tag(&c[1], "csOperator").unwrap_or_default(),
                    value: tag(&c[1], "csValue").unwrap_or_default(),
                })
                .collect();
            if !conditions.is_empty() {
                scope.push(conditions);
            }
        }
    }
    Ok(Rule {
        name: tag(xml, "name").unwrap_or_default(),
        direction: tag(xml, "direction").unwrap_or_default(),
        source_object_type: tag(xml, "sourceObjectType").unwrap_or_default(),
        target_object_type: tag(xml, "targetObjectType").unwrap_or_default(),
        mappings,
        scope,
    })
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
