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
