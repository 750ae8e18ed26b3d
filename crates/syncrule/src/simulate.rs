//! What Entra Connect would do with each computer object (syncrule.md §1.7, §3.1, §4.4):
//!
//! 1. **OU scope**: the object's partition is selected, its object class is synchronized,
//!    and the closest listed ancestor container (longest DN suffix, case-insensitive) is an
//!    inclusion [INF: "most specific wins", consistent with the wizard and the Contoso export,
//!    which excludes the domain root and includes one OU];
//! 2. the inbound *In from AD – Computer Join* rule's **scoping filter** (groups OR-ed,
//!    clauses AND-ed);
//! 3. **cloudFiltered**, from the rule's own transformation or a replacement expression;
//! 4. the outbound *Out to AAD – Device Join* rule's **scoping filter** over the metaverse
//!    values that result (`cloudCreated` False from the inbound constant flow,
//!    `userCertificate`, `cloudFiltered`): only then does the device reach Entra ID.

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;

use crate::ast::Expr;
use crate::eval::Ctx;
use crate::object::Object;
use crate::rules::{Rule, ScopeCondition, parse_rule};
use crate::value::Value;

/// A partition of the AD connector and its container filter.
#[derive(Debug, Clone)]
pub struct Partition {
    pub dn: String,
    pub selected: bool,
    pub object_classes: Vec<String>,
    pub inclusions: Vec<String>,
    pub exclusions: Vec<String>,
}

/// What simulation needs from a configuration export.
#[derive(Debug, Clone)]
pub struct Config {
    pub partitions: Vec<Partition>,
    pub inbound: Rule,
    pub outbound: Option<Rule>,
}

fn tags(text: &str, name: &str) -> Vec<String> {
    Regex::new(&format!(r"(?s)<{name}>(.*?)</{name}>"))
        .map(|re| {
            re.captures_iter(text)
                .map(|c| c[1].trim().replace("&amp;", "&"))
                .collect()
        })
        .unwrap_or_default()
}

impl Config {
    pub fn load(dir: &Path) -> Result<Config, String> {
        // Per-connector folders hold connectors and rules too (`crate::rules::xml_files`).
        let read_dir = |sub: &str| -> Result<Vec<String>, String> {
            let d = if sub.is_empty() {
                dir.to_path_buf()
            } else {
                dir.join(sub)
            };
            let files = crate::rules::xml_files(&d).map_err(|e| format!("{}: {e}", d.display()))?;
            Ok(files
                .iter()
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .collect())
        };
        let mut partitions = Vec::new();
        let partition_re =
            Regex::new(r"(?s)<partition>(.*?)</partition>").map_err(|e| e.to_string())?;
        for xml in read_dir("Connectors")? {
            if !xml.contains("<adma-configuration>") {
                continue; // only Active Directory connectors hold computer objects
            }
            for p in partition_re.captures_iter(&xml) {
                let body = &p[1];
                let Some(dn) = tags(body, "name").into_iter().next() else {
                    continue;
                };
                partitions.push(Partition {
                    dn,
                    selected: tags(body, "selected").first().is_some_and(|s| s == "1"),
                    object_classes: tags(body, "object-class"),
                    inclusions: tags(body, "inclusion"),
                    exclusions: tags(body, "exclusion"),
                });
            }
        }
        let rules: Vec<Rule> = read_dir("")?
            .iter()
            .filter_map(|x| parse_rule(x).ok())
            .collect();
        let inbound = rules
            .iter()
            .find(|r| r.name == "In from AD - Computer Join")
            .or_else(|| {
                rules.iter().find(|r| {
                    r.direction == "Inbound"
                        && r.source_object_type == "computer"
                        && r.target_object_type == "device"
                })
            })
            .cloned()
            .ok_or(
                "the export has no inbound computer → device rule (In from AD - Computer Join)",
            )?;
        let outbound = rules
            .iter()
            .find(|r| r.direction == "Outbound" && r.name.starts_with("Out to AAD - Device Join"))
            .cloned();
        Ok(Config {
            partitions,
            inbound,
            outbound,
        })
    }
}

fn dn_suffix(dn: &str, of: &str) -> bool {
    let (dn, of) = (
        dn.to_ascii_lowercase().replace(", ", ","),
        of.to_ascii_lowercase().replace(", ", ","),
    );
    dn == of || dn.ends_with(&format!(",{of}"))
}

/// Whether the connector's partition and container filter take the object; the reason if not.
pub fn ou_scope(partitions: &[Partition], object: &Object) -> Result<(), String> {
    let Some(dn) = object.dn.as_deref() else {
        return Err("the object has no DN".into());
    };
    let Some(p) = partitions
        .iter()
        .filter(|p| dn_suffix(dn, &p.dn))
        .max_by_key(|p| p.dn.len())
    else {
        return Err("no connector partition holds this DN".into());
    };
    if !p.selected {
        return Err(format!("partition {} is not selected", p.dn));
    }
    let classes: Vec<String> = object
        .get("objectClass")
        .map(|v| v.iter().filter_map(Value::text).collect())
        .unwrap_or_default();
    if !classes.is_empty()
        && !classes.iter().any(|c| {
            p.object_classes
                .iter()
                .any(|k| k.eq_ignore_ascii_case(c) && k.eq_ignore_ascii_case("computer"))
        })
    {
        return Err("the object is not a computer synchronized by this connector".into());
    }
    let closest = p
        .inclusions
        .iter()
        .map(|c| (c, true))
        .chain(p.exclusions.iter().map(|c| (c, false)))
        .filter(|(c, _)| dn_suffix(dn, c))
        .max_by_key(|(c, _)| c.len());
    match closest {
        Some((_, true)) => Ok(()),
        Some((c, false)) => Err(format!("container {c} is excluded from synchronization")),
        None if p.inclusions.is_empty() => Ok(()),
        None => Err("no included container holds this DN".into()),
    }
}

fn clause_holds(c: &ScopeCondition, values: Option<&[Value]>) -> bool {
    let present = values.is_some_and(|v| !v.is_empty());
    let texts: Vec<String> = values
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::text)
        .collect();
    let want = c.value.to_ascii_lowercase();
    let num = |s: &str| {
        s.trim()
            .strip_prefix("0x")
            .map(|h| i64::from_str_radix(h, 16).ok())
            .unwrap_or_else(|| s.trim().parse().ok())
    };
    let any = |f: &dyn Fn(&str) -> bool| texts.iter().any(|t| f(&t.to_ascii_lowercase()));
    match c.operator.as_str() {
        "ISNULL" => !present,
        "ISNOTNULL" => present,
        "EQUAL" => any(&|t| t == want),
        "NOTEQUAL" => !any(&|t| t == want),
        "CONTAINS" => any(&|t| t.contains(&want)),
        "NOTCONTAINS" => !any(&|t| t.contains(&want)),
        "STARTSWITH" => any(&|t| t.starts_with(&want)),
        "NOTSTARTSWITH" => !any(&|t| t.starts_with(&want)),
        "ENDSWITH" => any(&|t| t.ends_with(&want)),
        "NOTENDSWITH" => !any(&|t| t.ends_with(&want)),
        "ISIN" => any(&|t| want.split(';').any(|w| w.trim() == t)),
        "ISNOTIN" => !any(&|t| want.split(';').any(|w| w.trim() == t)),
        "ISBITSET" | "ISBITNOTSET" | "ISNOTBITSET" => {
            let mask = num(&c.value).unwrap_or(0);
            let set = texts.iter().filter_map(|t| num(t)).any(|v| v & mask != 0);
            if c.operator == "ISBITSET" { set } else { !set }
        }
        op @ ("GREATERTHAN" | "GREATERTHAN_OR_EQUAL" | "LESSTHAN" | "LESSTHAN_OR_EQUAL") => {
            let Some(w) = num(&c.value) else { return false };
            texts.iter().filter_map(|t| num(t)).any(|v| match op {
                "GREATERTHAN" => v > w,
                "GREATERTHAN_OR_EQUAL" => v >= w,
                "LESSTHAN" => v < w,
                _ => v <= w,
            })
        }
        // Group membership needs the directory; without it the clause cannot be decided.
        _ => true,
    }
}

/// The first failing clause of a scoping filter, or None when the filter takes the object.
pub fn scope_filter(
    groups: &[Vec<ScopeCondition>],
    get: &dyn Fn(&str) -> Option<Vec<Value>>,
) -> Option<String> {
    if groups.is_empty() {
        return None;
    }
    let mut first_failure = None;
    for g in groups {
        let failing = g
            .iter()
            .find(|c| !clause_holds(c, get(&c.attribute).as_deref()));
        match failing {
            None => return None,
            Some(c) => {
                first_failure.get_or_insert_with(|| {
                    format!("{} {} {}", c.attribute, c.operator, c.value)
                        .trim()
                        .to_string()
                });
            }
        }
    }
    first_failure
}

/// The outcome for one object.
/// The step that decided an object's outcome, in the order Entra Connect applies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    NotInOuScope,
    NotInRuleScope,
    CloudFilteredError,
    /// The outbound device rule's scoping filter does not take it.
    NotExported,
    Synchronized,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub dn: Option<String>,
    pub in_ou_scope: bool,
    pub in_rule_scope: bool,
    pub cloud_filtered: serde_json::Value,
    pub reaches_entra_id: bool,
    pub why: String,
    #[serde(skip)]
    pub decision: Decision,
}

/// Simulates one object with a cloudFiltered expression.
pub fn simulate(
    config: &Config,
    expr: &Expr,
    object: &Object,
    params: &BTreeMap<String, String>,
    now: i64,
) -> Outcome {
    let attrs = |name: &str| object.get(name).map(<[Value]>::to_vec);
    let ou = ou_scope(&config.partitions, object);
    let rule_scope = scope_filter(&config.inbound.scope, &attrs);
    let cloud = Ctx::new(object, params, now).eval(expr);
    let (cloud_json, cloud_value, cloud_error) = match &cloud {
        Ok(v) => (v.to_json(), v.clone(), None),
        Err(e) => (
            serde_json::json!(format!("error: {e}")),
            Value::Null,
            Some(e.to_string()),
        ),
    };
    let mv = |name: &str| -> Option<Vec<Value>> {
        match name {
            "cloudCreated" => Some(vec![Value::Str("false".into())]),
            "cloudFiltered" => (!cloud_value.is_null()).then(|| vec![cloud_value.clone()]),
            other => attrs(other),
        }
    };
    let outbound = config
        .outbound
        .as_ref()
        .and_then(|r| scope_filter(&r.scope, &mv));
    let (decision, why) = match (&ou, &rule_scope, &cloud_error, &outbound) {
        (Err(e), _, _, _) => (
            Decision::NotInOuScope,
            format!("not in the connector's scope: {e}"),
        ),
        (_, Some(c), _, _) => (
            Decision::NotInRuleScope,
            format!("the inbound rule's scoping filter does not take it ({c})"),
        ),
        (_, _, Some(e), _) => (
            Decision::CloudFilteredError,
            format!("cloudFiltered fails: {e} (the object gets a sync error)"),
        ),
        (_, _, _, Some(c)) => (
            Decision::NotExported,
            format!("the outbound device rule does not export it: {c} does not hold"),
        ),
        _ => (Decision::Synchronized, "synchronized to Entra ID".into()),
    };
    Outcome {
        dn: object.dn.clone(),
        in_ou_scope: ou.is_ok(),
        in_rule_scope: rule_scope.is_none(),
        cloud_filtered: cloud_json,
        reaches_entra_id: ou.is_ok()
            && rule_scope.is_none()
            && cloud_error.is_none()
            && outbound.is_none(),
        why,
        decision,
    }
}
