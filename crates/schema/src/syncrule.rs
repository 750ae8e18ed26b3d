//! `mde-doctor syncrule …` outputs: JSON lines, a [`crate::Header`] line first.

use schemars::JsonSchema;
use serde::Serialize;

use crate::Record;

/// One object's result of `syncrule eval` (`mde-doctor/syncrule-eval/v1`), or the one result
/// of an expression evaluated without objects.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct EvalRecord {
    /// The object's distinguished name; null when the expression ran on no object.
    pub dn: Option<String>,
    #[serde(flatten)]
    pub result: EvalResult,
    /// With `--explain`: the function calls and operators that decided the result, innermost
    /// first, with their values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<Vec<ExplainStep>>,
}

/// The expression's value for the object, or why it has none.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum EvalResult {
    Value {
        /// A string, number, boolean, null (NULL), array (multi-valued), base64 (binary) or
        /// RFC 3339 text (dates).
        value: serde_json::Value,
        /// The language's type: `str`, `num`, `bool`, `bin`, `ref`, `dt`, `null`, `mvstr` …
        #[serde(rename = "type")]
        value_type: std::borrow::Cow<'static, str>,
    },
    Error {
        /// The evaluation error, or the expression's own `Error("…")`: the object would get a
        /// sync error.
        error: String,
    },
}

/// One decided sub-expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ExplainStep {
    /// Nesting below the whole expression (0 = the whole expression).
    pub depth: usize,
    /// The sub-expression, normalised.
    pub expr: String,
    /// Its value, shown briefly.
    pub value: String,
}

impl Record for EvalRecord {
    const SCHEMA: &'static str = "mde-doctor/syncrule-eval/v1";
}

/// A line of `syncrule simulate` (`mde-doctor/syncrule-simulate/v1`): one per object (or,
/// with `--diff`, one per object whose outcome changes), then the summary.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum SimulateRecord {
    Outcome(SimulateOutcome),
    Change(SimulateChange),
    Summary {
        /// The last line.
        summary: SimulateSummary,
    },
}

/// What Entra Connect would do with one computer object.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SimulateOutcome {
    pub dn: Option<String>,
    /// The connector's partition and container filter take it.
    pub in_ou_scope: bool,
    /// The inbound rule's scoping filter takes it.
    pub in_rule_scope: bool,
    /// cloudFiltered's value (`error: …` when the expression fails).
    pub cloud_filtered: serde_json::Value,
    pub reaches_entra_id: bool,
    /// Why, in a sentence.
    pub why: String,
}

/// `--diff`: an object whose outcome the replacement expression changes.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SimulateChange {
    pub dn: Option<String>,
    /// With the export's own rule.
    pub before: SimulateOutcome,
    /// With the replacement.
    pub after: SimulateOutcome,
}

/// Counts over every object read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SimulateSummary {
    pub objects: usize,
    /// Objects that reach Entra ID (with the replacement, if one is given).
    pub reach_entra_id: usize,
    /// Objects that do not.
    pub do_not_reach: usize,
    /// With `--diff`: objects whose outcome the replacement changes; null without.
    pub changed: Option<usize>,
    /// Objects by the step that decided them (every object counted once).
    pub by_step: SimulateSteps,
}

/// Objects per deciding step, in the order Entra Connect applies them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SimulateSteps {
    /// Outside the connector's partitions or containers.
    pub not_in_ou_scope: usize,
    /// Refused by the inbound rule's scoping filter.
    pub not_in_rule_scope: usize,
    /// cloudFiltered failed to evaluate: a sync error.
    pub cloud_filtered_error: usize,
    /// Not exported by the outbound device rule (cloudFiltered True, no certificate …).
    pub not_exported: usize,
    /// Synchronized to Entra ID.
    pub synchronized: usize,
}

impl Record for SimulateRecord {
    const SCHEMA: &'static str = "mde-doctor/syncrule-simulate/v1";
}
