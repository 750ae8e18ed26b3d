//! Tests of the data files themselves: the catalog is only as good as they are.

use super::*;

/// Codes of the current (2024) documentation table, ranges expanded by hand from the table
/// in shared/research/domain.md §1.1 — independent of readings.tsv on purpose.
const DOC2024_CODES: &[u32] = &[
    5, 6, 7, 9, 11, 12, 26, 27, 28, 29, 30, 31, 32, 33, // General error
    8, 44, // Intune configuration
    13, 14, 20, 24, 25, // Connectivity
    10, 42, // Hybrid join
    15, 16, 17, 18, 36, 37, 38, 41, 40, 43, 2, 4,
];

#[test]
fn builtin_catalog_loads() {
    let catalog = builtin();
    assert_eq!(
        catalog.codes().count(),
        44,
        "codes 1..=44 are all named by some source"
    );
    assert!(catalog.hresults().count() >= 30);
}

#[test]
fn every_code_of_the_2024_table_is_present_and_documented() {
    let catalog = builtin();
    for code in DOC2024_CODES {
        let entry = catalog
            .code(*code)
            .unwrap_or_else(|| panic!("code {code} missing"));
        assert!(
            entry.documented(),
            "code {code} should carry its doc2024 reading"
        );
    }
}

#[test]
fn every_code_any_source_names_is_present() {
    let catalog = builtin();
    for code in 1..=44 {
        let entry = catalog
            .code(code)
            .unwrap_or_else(|| panic!("code {code} missing"));
        assert!(
            !entry.readings.is_empty(),
            "code {code} has no reading from any source"
        );
    }
}

#[test]
fn status_follows_the_current_documentation_where_it_lists_the_code() {
    for entry in builtin().codes() {
        if let Some(doc) = entry.readings.iter().find(|r| r.source == "doc2024") {
            assert_eq!(entry.status, doc.text, "code {}", entry.code);
        }
    }
}

#[test]
fn links_are_well_formed_https_urls() {
    let catalog = builtin();
    let all = catalog
        .codes()
        .flat_map(|c| c.docs.iter())
        .chain(catalog.hresults().flat_map(|h| h.docs.iter()));
    for link in all {
        load::check_url(&link.url).unwrap();
        assert!(!link.title.is_empty());
    }
}

#[test]
fn url_check_rejects_what_it_should() {
    for bad in [
        "http://learn.microsoft.com/x",
        "https://",
        "https:///path",
        "https://nodot/x",
        "https://a.b/with space",
        "https://a.b/\"quote",
        "https://a.b/<x>",
        "javascript:alert(1)",
    ] {
        assert!(load::check_url(bad).is_err(), "{bad} accepted");
    }
    load::check_url("https://learn.microsoft.com/a/b?c=d#e").unwrap();
}

#[test]
fn every_category_is_described_and_used_categories_are_known() {
    let catalog = builtin();
    for category in Category::ALL {
        assert!(!catalog.category_description(category).is_empty());
    }
}

#[test]
fn symbolic_names_are_unique_and_resolve() {
    let catalog = builtin();
    let mut seen = std::collections::BTreeSet::new();
    for entry in catalog.codes() {
        if let Some(sym) = &entry.symbol {
            assert!(seen.insert(sym.to_lowercase()), "{sym} twice");
            let q = Query::parse(&sym.to_lowercase()).unwrap();
            match catalog.lookup(&q).unwrap() {
                Found::Enrollment(found) => assert_eq!(found.code, entry.code),
                Found::HResult(_) => panic!("{sym} resolved to an HRESULT"),
            }
        }
    }
    let mut hseen = std::collections::BTreeSet::new();
    for h in catalog.hresults() {
        assert!(hseen.insert(h.name.to_lowercase()), "{} twice", h.name);
    }
    // A name in both tables (WININET_E_NAME_NOT_RESOLVED is code 41 and 0x80072ee7) resolves
    // to the enrollment code; the CLI shows the HRESULT beside it.
    let q = Query::parse("wininet_e_name_not_resolved").unwrap();
    assert!(matches!(catalog.lookup(&q), Ok(Found::Enrollment(c)) if c.code == 41));
}

#[test]
fn analyzer_check_ids_follow_the_severity_digit_scheme() {
    // The analyzer's id is CCSNNN: the third digit is 0 info, 1 warning, 2 error.
    for entry in builtin().codes() {
        for r in &entry.readings {
            if let Some(id) = r.check_id {
                assert!(
                    (100_000..1_000_000).contains(&id),
                    "code {}: {id}",
                    entry.code
                );
                assert!(
                    matches!((id / 1000) % 10, 0..=2),
                    "code {}: {id}",
                    entry.code
                );
            }
        }
    }
}

#[test]
fn known_disagreements_are_explained() {
    let catalog = builtin();
    for code in [8, 18, 20, 25, 32, 36] {
        assert!(
            catalog.code(code).unwrap().disagreement.is_some(),
            "code {code}: sources disagree, say how"
        );
    }
}

#[test]
fn unknown_codes_suggest_the_nearest() {
    let catalog = builtin();
    match catalog.lookup(&Query::Enrollment(99)) {
        Err(LookupError::UnknownCode { nearest, .. }) => assert_eq!(nearest, vec![42, 43, 44]),
        other => panic!("{other:?}"),
    }
    match catalog.lookup(&Query::Enrollment(0)) {
        Err(LookupError::UnknownCode { nearest, .. }) => assert_eq!(nearest, vec![1, 2, 3]),
        other => panic!("{other:?}"),
    }
    match catalog.lookup(&Query::Name(
        "EnrollmentRegistrationFailure_AAD_MismatchTenant".into(),
    )) {
        Err(LookupError::UnknownName { suggestions, .. }) => {
            assert_eq!(
                suggestions[0],
                "EnrollmentRegistrationFailure_AAD_MismatchTenants"
            )
        }
        other => panic!("{other:?}"),
    }
    match catalog.lookup(&Query::Name("banana".into())) {
        Err(LookupError::UnknownName { suggestions, .. }) => assert!(suggestions.is_empty()),
        other => panic!("{other:?}"),
    }
    match catalog.lookup(&Query::HResult(crate::Hresult(0x801c0099))) {
        Err(LookupError::UnknownHResult { nearest, .. }) => {
            assert!(
                nearest.iter().all(|n| n.facility_bits() == 0x801c),
                "{nearest:x?}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn broken_data_is_rejected_with_a_reason() {
    let codes = include_str!("../data/codes.toml");
    let hres = include_str!("../data/hresults.toml");
    let readings = include_str!("../data/readings.tsv");

    // A code explained twice.
    let twice = codes.replace("codes = [19]", "codes = [19, 20]");
    let err = Catalog::from_sources(&twice, readings, hres).unwrap_err();
    assert!(
        err.to_string()
            .contains("code 20 is explained by two entries"),
        "{err}"
    );

    // A link key that does not exist.
    let dangling = codes.replacen("docs = [\"troubleshoot\"", "docs = [\"nowhere\"", 1);
    let err = Catalog::from_sources(&dangling, readings, hres).unwrap_err();
    assert!(err.to_string().contains("\"nowhere\""), "{err}");

    // A readings row for a code nobody explains.
    let extra = format!("{readings}45\t\t\t\t\t\tNew\t\n");
    let err = Catalog::from_sources(codes, &extra, hres).unwrap_err();
    let line = readings.lines().count() + 1;
    assert!(err.to_string().contains(&format!("line {line}:")), "{err}");

    // An unknown category.
    let cat = codes.replacen("category = \"tenant\"", "category = \"tenancy\"", 1);
    assert!(Catalog::from_sources(&cat, readings, hres).is_err());

    // A malformed HRESULT.
    let bad = hres.replacen("0x801c001d", "0x801c01d", 1);
    let err = Catalog::from_sources(codes, readings, &bad).unwrap_err();
    assert!(err.to_string().contains("hresults.toml"), "{err}");
}

/// The readings of the current documentation lead; older ones follow with their source
/// (senseCM-enrollmentstatus-codes.tsv, domain.md §1).
#[test]
fn the_documentations_reading_leads_and_the_others_follow() {
    let catalog = builtin();
    // 25: the current table's Connectivity issue (open the endpoints) before the 2021
    // AAD_CHALLENGE reading (line of sight to a DC).
    let c25 = catalog.code(25).unwrap();
    assert!(c25.actions[0].contains("firewall"), "{:?}", c25.actions);
    assert!(c25.meaning.contains("2021"));
    // 26-31 and 33: General error first; the federation reading only where a source has it.
    for code in [26, 27, 28, 29, 30, 31, 33] {
        let c = catalog.code(code).unwrap();
        assert_eq!(c.status, "General error", "{code}");
        assert!(
            c.actions[0].contains("prerequisites"),
            "{code}: {:?}",
            c.actions
        );
        assert_eq!(c.meaning.contains("federated"), code != 33, "{code}");
    }
    // 32: the documentation's General error, with the analyzer's pending unenrollment and
    // the federation reading listed, not taken over.
    let c32 = catalog.code(32).unwrap();
    assert_eq!(c32.status, "General error");
    assert_eq!(c32.severity, crate::Severity::Error);
    assert!(c32.meaning.contains("pending unenrollment") && c32.meaning.contains("federated"));
    // 8: both readings, the product's current name with the old one in brackets.
    let c8 = catalog.code(8).unwrap();
    assert!(
        c8.meaning.contains("General error") && c8.meaning.contains("[Microsoft Endpoint Manager]")
    );
    for code in [36, 37] {
        assert!(
            catalog
                .code(code)
                .unwrap()
                .meaning
                .contains("Microsoft Entra Connect [Azure AD Connect]"),
            "{code}"
        );
    }
}
