//! Deserializers that take what they can: a report from another mde-doctor version may give a
//! field another type (an object where a string was), and one such field must not make the
//! whole report unreadable. What does not fit becomes "unknown".

use serde::{Deserialize, Deserializer};
use serde_json::Value;

fn text(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text(Value::deserialize(d)?))
}

pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text(Value::deserialize(d)?).unwrap_or_default())
}

pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(opt_i64(d)?.and_then(|n| u64::try_from(n).ok()))
}

pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        _ => None,
    })
}

/// An array of strings (other elements skipped); anything else is empty.
pub(crate) fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(a) => a.into_iter().filter_map(text).collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use crate::Report;

    #[test]
    fn a_changed_field_type_does_not_lose_the_report() {
        let json = br#"{"device": {"hostname": "PC-1", "in_scope": "yes", "build": 22631},
            "enrollment": {"code": "38", "status": {"text": "DNS error"}},
            "verdict": "failing", "new_field": [1, 2],
            "findings": [{"id": "x", "severity": "error", "title": "t",
                          "root_cause": {"summary": "now an object"}, "actions": "one",
                          "docs": ["https://a", 5, null], "evidence": [{"artifact": "a", "line": "7"}]}]}"#;
        let r = Report::from_json(json).unwrap();
        assert_eq!(r.device.hostname.as_deref(), Some("PC-1"));
        assert_eq!(r.device.in_scope, None);
        assert_eq!(r.device.build.as_deref(), Some("22631"));
        let e = r.enrollment.as_ref().unwrap();
        assert_eq!((e.code, e.status.as_deref()), (Some(38), None));
        let f = &r.findings[0];
        assert_eq!(f.root_cause, None);
        assert!(f.actions.is_empty());
        assert_eq!(f.docs, ["https://a", "5"]);
        assert_eq!(f.evidence[0].line, Some(7));
    }

    #[test]
    fn not_a_report() {
        assert!(Report::from_json(br#"{"not": "a report"}"#).is_err());
        assert!(Report::from_json(b"[1, 2]").is_err());
    }
}
