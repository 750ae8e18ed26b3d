//! Every expression of a real Entra Connect configuration export
//! (examples/aadconnect-export) is read from its rule XML and parses; the parser resolves
//! every function name, so parsing also proves each function is known.

use std::path::PathBuf;

use mde_syncrule::{parse, rules};

#[test]
fn every_expression_of_the_contoso_export_parses() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/aadconnect-export/SynchronizationRules");
    // A plain count of `<expression>` elements, to check the XML reader misses none.
    let re = regex::Regex::new(r"(?s)<expression>(.*?)</expression>").unwrap();
    let (mut count, mut in_text) = (0, 0);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        in_text += re.captures_iter(&text).count();
        let rule = rules::parse_rule(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!rule.name.is_empty(), "{}", path.display());
        for m in &rule.mappings {
            let Some(expr) = &m.expression else { continue };
            parse(expr).unwrap_or_else(|e| panic!("{}: {expr}: {e}", path.display()));
            count += 1;
        }
    }
    assert!(count >= 300, "{count} expressions");
    assert_eq!(count, in_text);
}
