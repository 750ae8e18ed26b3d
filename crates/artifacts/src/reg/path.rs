//! Registry key paths: `HKEY_LOCAL_MACHINE\SOFTWARE\…` and `HKLM\SOFTWARE\…` are the same key,
//! and Windows compares key names case-insensitively.

use serde::Serialize;

/// A key path as written, compared in canonical form (long root name, case-insensitive).
#[derive(Debug, Clone, Eq, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct KeyPath(String);

const ROOTS: [(&str, &str); 6] = [
    ("HKLM", "HKEY_LOCAL_MACHINE"),
    ("HKCU", "HKEY_CURRENT_USER"),
    ("HKCR", "HKEY_CLASSES_ROOT"),
    ("HKU", "HKEY_USERS"),
    ("HKCC", "HKEY_CURRENT_CONFIG"),
    ("HKPD", "HKEY_PERFORMANCE_DATA"),
];

impl KeyPath {
    /// Canonicalises the root (`HKLM` → `HKEY_LOCAL_MACHINE`) and trims stray backslashes.
    pub fn new(path: &str) -> KeyPath {
        let trimmed = path.trim().trim_matches('\\');
        let (root, rest) = trimmed.split_once('\\').unwrap_or((trimmed, ""));
        let root = ROOTS
            .iter()
            .find(|(short, long)| {
                root.eq_ignore_ascii_case(short) || root.eq_ignore_ascii_case(long)
            })
            .map(|(_, long)| (*long).to_string())
            .unwrap_or_else(|| root.to_string());
        if rest.is_empty() {
            KeyPath(root)
        } else {
            KeyPath(format!("{root}\\{rest}"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the root is one Windows knows.
    pub fn has_known_root(&self) -> bool {
        let root = self.0.split('\\').next().unwrap_or("");
        ROOTS.iter().any(|(_, long)| *long == root)
    }

    /// Lower-cased form used for comparison and lookup.
    pub fn folded(&self) -> String {
        self.0.to_lowercase()
    }

    /// Whether `self` is `ancestor` or below it.
    pub fn starts_with(&self, ancestor: &KeyPath) -> bool {
        let (me, them) = (self.folded(), ancestor.folded());
        me == them || me.starts_with(&format!("{them}\\"))
    }
}

impl PartialEq for KeyPath {
    fn eq(&self, other: &KeyPath) -> bool {
        self.0.eq_ignore_ascii_case(&other.0) || self.folded() == other.folded()
    }
}

impl std::fmt::Display for KeyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::KeyPath;

    #[test]
    fn roots_and_case() {
        assert_eq!(
            KeyPath::new(r"HKLM\Software\Microsoft\SenseCM"),
            KeyPath::new(r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SenseCM\")
        );
        assert_eq!(KeyPath::new(r"hklm\x").as_str(), r"HKEY_LOCAL_MACHINE\x");
        assert!(!KeyPath::new(r"HKEY_NOWHERE\x").has_known_root());
        assert!(KeyPath::new(r"HKLM\A\B").starts_with(&KeyPath::new(r"HKLM\a")));
        assert!(!KeyPath::new(r"HKLM\AB").starts_with(&KeyPath::new(r"HKLM\A")));
    }
}
