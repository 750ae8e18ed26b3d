//! Value shapes found in dsregcmd output.

use mde_catalog::Hresult;
use serde::Serialize;

/// `AzureAdJoined` → `azure_ad_joined`, `Client ErrorCode` → `client_error_code`,
/// `Fallback to Sync-Join` → `fallback_to_sync_join`, `HTTP status` → `http_status`.
pub fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 8);
    for word in key
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let chars: Vec<char> = word.chars().collect();
        if !out.is_empty() {
            out.push('_');
        }
        for (i, &c) in chars.iter().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                let prev = chars[i - 1];
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
                if prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next_lower)
                {
                    out.push('_');
                }
            }
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// `YES`/`NO` (and `PASSED`/`FAILED`, `ENABLED`/`DISABLED`).
pub(crate) fn yes_no(value: &str) -> Option<bool> {
    match value.trim().to_ascii_uppercase().as_str() {
        "YES" | "TRUE" | "PASSED" | "ENABLED" => Some(true),
        "NO" | "FALSE" | "FAILED" | "DISABLED" => Some(false),
        _ => None,
    }
}

/// An HRESULT or Win32 code as dsregcmd prints it: `0x801c03f2`, `ERROR (0xd0020017)`,
/// or a signed decimal.
pub fn parse_error_code(text: &str) -> Option<Hresult> {
    let t = text.trim();
    let t = t
        .strip_prefix("ERROR")
        .map(|r| {
            r.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim()
        })
        .unwrap_or(t);
    Hresult::parse(t)
}

/// A diagnostic test result: `PASS`, `FAIL [0x801c0021/0x80072ee2]`, `SKIPPED`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TestResult {
    /// `PASS`, `FAIL`, `SKIPPED`, or whatever word dsregcmd printed, upper-cased.
    pub status: String,
    /// The codes in brackets: the error and, after a slash, its sub-error.
    pub codes: Vec<Hresult>,
    pub raw: String,
}

impl TestResult {
    pub fn parse(text: &str) -> TestResult {
        let raw = text.trim().to_string();
        let (word, rest) = match raw.find(|c: char| c == '[' || c.is_whitespace()) {
            Some(i) => (&raw[..i], &raw[i..]),
            None => (raw.as_str(), ""),
        };
        let codes = rest
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(['/', ',', ' '])
            .filter_map(parse_error_code)
            .collect();
        TestResult {
            status: word.to_ascii_uppercase(),
            codes,
            raw,
        }
    }

    pub fn failed(&self) -> bool {
        self.status == "FAIL" || self.status == "FAILED"
    }
}

/// `[ 2021-12-07 15:28:54.000 UTC -- 2031-12-07 15:58:54.000 UTC ]`; copies retyped into
/// tickets and posts have a single hyphen between the dates (`… UTC - 2031-…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Validity {
    pub from: String,
    pub to: String,
}

impl Validity {
    pub fn parse(text: &str) -> Option<Validity> {
        let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
        // The dates contain hyphens themselves: a single one counts only with blanks around it.
        let (from, to) = inner.split_once("--").or_else(|| inner.split_once(" - "))?;
        Some(Validity {
            from: from.trim().to_string(),
            to: to.trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_names() {
        for (key, name) in [
            ("AzureAdJoined", "azure_ad_joined"),
            ("Client ErrorCode", "client_error_code"),
            ("DRS Discovery Test", "drs_discovery_test"),
            ("Fallback to Sync-Join", "fallback_to_sync_join"),
            ("Virtual Desktop", "virtual_desktop"),
            ("MdmTouUrl", "mdm_tou_url"),
            ("HTTP status", "http_status"),
            ("IsUserAzureAD", "is_user_azure_ad"),
            ("OnPremTGT", "on_prem_tgt"),
            ("Auto-Configuration URL", "auto_configuration_url"),
            ("DeviceId", "device_id"),
            ("TpmProtected", "tpm_protected"),
            ("AzureAdPrtUpdateTime", "azure_ad_prt_update_time"),
        ] {
            assert_eq!(snake_case(key), name, "{key}");
        }
    }

    #[test]
    fn codes_and_tests() {
        assert_eq!(parse_error_code("0x801c03f2"), Some(Hresult(0x801c03f2)));
        assert_eq!(
            parse_error_code("ERROR (0xd0020017)"),
            Some(Hresult(0xd0020017))
        );
        assert_eq!(parse_error_code("-2145648611"), Some(Hresult(0x801c001d)));
        assert_eq!(parse_error_code("DirectoryError"), None);
        let t = TestResult::parse("FAIL [0x801c0021/0x80072ee2]");
        assert_eq!(t.status, "FAIL");
        assert_eq!(t.codes, [Hresult(0x801c0021), Hresult(0x80072ee2)]);
        assert!(t.failed());
        assert_eq!(TestResult::parse("PASS").codes, []);
        let v = Validity::parse("[ 2021-12-07 15:28:54.000 UTC -- 2031-12-07 15:58:54.000 UTC ]")
            .unwrap();
        assert_eq!(v.to, "2031-12-07 15:58:54.000 UTC");
        let v = Validity::parse("[ 2021-12-07 15:28:54.000 UTC - 2031-12-07 15:58:54.000 UTC ]")
            .unwrap();
        assert_eq!(v.from, "2021-12-07 15:28:54.000 UTC");
        assert_eq!(v.to, "2031-12-07 15:58:54.000 UTC");
        assert_eq!(Validity::parse("[ 2021-12-07 15:28:54.000 UTC ]"), None);
    }
}
