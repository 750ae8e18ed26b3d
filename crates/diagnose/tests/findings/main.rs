//! One positive and one negative case per finding id: a realistic device that must raise it
//! and a near miss that must not, each written as files, read by the real readers and
//! diagnosed (`builder`). `every_finding_id_has_a_case` keeps the list complete.

mod builder;
mod cases;
mod environment;

#[test]
fn every_finding_id_has_a_case() {
    let checks: toml::Table = toml::from_str(include_str!("../../data/checks.toml")).unwrap();
    let cases = include_str!("cases.rs");
    let missing: Vec<&String> = checks["finding"]
        .as_table()
        .unwrap()
        .keys()
        .filter(|id| !cases.contains(&format!("\"{id}\",\n")))
        .collect();
    assert!(
        missing.is_empty(),
        "finding ids without a case!: {missing:?}"
    );
}
