//! `simulate` over a real Entra Connect export (the Contoso pilot in
//! `examples/aadconnect-export`): OU scope with the most specific container winning, the
//! inbound rule's cloudFiltered, the outbound device rule, and a replacement expression.

use std::collections::BTreeMap;
use std::path::PathBuf;

use mde_syncrule::simulate::{Config, Outcome, ou_scope, simulate};
use mde_syncrule::{Object, Value, parse, presets};

fn config() -> Config {
    Config::load(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/aadconnect-export"),
    )
    .expect("the Contoso export loads")
}

/// A certificate OpenSSL issued for GUID below (tests/fixtures/make_certs.sh).
fn own_certificate() -> Value {
    Value::Bin(
        std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/certs/valid-plain.der"),
        )
        .unwrap(),
    )
}

fn computer(dn: &str, os: &str, version: &str, certificate: bool) -> Object {
    let mut o = Object::default();
    o.dn = Some(dn.into());
    let mut put = |name: &str, value: Value| {
        o.attributes.insert(name.into(), vec![value]);
    };
    put("objectClass", Value::Str("computer".into()));
    put(
        "objectGUID",
        Value::Bin(mde_artifacts::ldif::base64_decode("K0qBC+sYak+USTOHz0Cyeg==").unwrap()),
    );
    put("operatingSystem", Value::Str(os.into()));
    put("operatingSystemVersion", Value::Str(version.into()));
    if certificate {
        put("userCertificate", own_certificate());
    }
    o
}

fn run(config: &Config, expr: &str, object: &Object) -> Outcome {
    let ast = parse(expr).unwrap();
    simulate(
        config,
        &ast,
        object,
        &BTreeMap::new(),
        mde_syncrule::now_ticks(),
    )
}

fn own_rule(config: &Config) -> String {
    config
        .inbound
        .mappings
        .iter()
        .find(|m| m.dest == "cloudFiltered")
        .and_then(|m| m.expression.clone())
        .expect("the inbound rule maps cloudFiltered")
}

const W10: (&str, &str) = ("Windows 10 Enterprise", "10.0 (19045)");
const S2012: (&str, &str) = ("Windows Server 2012 R2 Datacenter", "6.3 (9600)");

#[test]
fn the_export_is_read_as_entra_connect_wrote_it() {
    let c = config();
    assert_eq!(c.inbound.name, "In from AD - Computer Join");
    assert!(c.outbound.is_some(), "the outbound device rule is found");
    let corp = c
        .partitions
        .iter()
        .find(|p| p.dn.eq_ignore_ascii_case("DC=contoso,DC=com"))
        .expect("the contoso.com partition");
    assert!(corp.selected);
    assert_eq!(corp.inclusions, ["OU=CORP,DC=contoso,DC=com"]);
    assert_eq!(corp.exclusions, ["DC=contoso,DC=com"]);
    // This export's rule is the older one: only a missing certificate filters.
    assert_eq!(own_rule(&c), presets::DEFAULT_COMPUTER_JOIN);
}

#[test]
fn the_most_specific_container_decides() {
    let c = config();
    let inside = computer(
        "CN=PC1,OU=Workstations,OU=CORP,DC=contoso,DC=com",
        W10.0,
        W10.1,
        true,
    );
    assert_eq!(ou_scope(&c.partitions, &inside), Ok(()));
    // Under the excluded domain root but not under the included OU.
    let outside = computer("CN=PC2,OU=Sales,DC=contoso,DC=com", W10.0, W10.1, true);
    let why = ou_scope(&c.partitions, &outside).unwrap_err();
    assert!(why.contains("excluded"), "{why}");
    // Case and spacing of a DN do not matter.
    let spaced = computer("cn=PC3, ou=corp, dc=CONTOSO, dc=com", W10.0, W10.1, true);
    assert_eq!(ou_scope(&c.partitions, &spaced), Ok(()));
    let foreign = computer("CN=PC4,DC=fabrikam,DC=com", W10.0, W10.1, true);
    assert!(
        ou_scope(&c.partitions, &foreign)
            .unwrap_err()
            .contains("no connector partition")
    );
    let mut user = computer("CN=Ann,OU=CORP,DC=contoso,DC=com", W10.0, W10.1, true);
    user.attributes
        .insert("objectClass".into(), vec![Value::Str("user".into())]);
    assert!(
        ou_scope(&c.partitions, &user)
            .unwrap_err()
            .contains("not a computer")
    );
}

#[test]
fn outcomes_with_the_rule_of_the_export() {
    let c = config();
    let rule = own_rule(&c);
    let with_cert = computer("CN=PC1,OU=CORP,DC=contoso,DC=com", W10.0, W10.1, true);
    let o = run(&c, &rule, &with_cert);
    assert!(o.reaches_entra_id, "{o:?}");
    assert_eq!(o.cloud_filtered, serde_json::Value::Null);
    let without = computer("CN=PC1,OU=CORP,DC=contoso,DC=com", W10.0, W10.1, false);
    let o = run(&c, &rule, &without);
    assert!(!o.reaches_entra_id, "{o:?}");
    assert_eq!(o.cloud_filtered, serde_json::Value::Bool(true));
    assert!(o.why.contains("outbound device rule"), "{}", o.why);
    let excluded = computer("CN=PC2,OU=Sales,DC=contoso,DC=com", W10.0, W10.1, true);
    let o = run(&c, &rule, &excluded);
    assert!(!o.reaches_entra_id && !o.in_ou_scope, "{o:?}");
    assert!(
        o.why.starts_with("not in the connector's scope"),
        "{}",
        o.why
    );
}

#[test]
fn the_2012_r2_replacement_lets_its_servers_through_only_with_their_own_certificate() {
    let c = config();
    let preset = presets::preset("server2012r2-computer-join").unwrap();
    let server = computer("CN=SRV1,OU=CORP,DC=contoso,DC=com", S2012.0, S2012.1, true);
    let o = run(&c, preset, &server);
    assert!(o.reaches_entra_id, "{o:?}");
    let bare = computer("CN=SRV2,OU=CORP,DC=contoso,DC=com", S2012.0, S2012.1, false);
    let o = run(&c, preset, &bare);
    assert!(!o.reaches_entra_id, "{o:?}");
    assert_eq!(o.cloud_filtered, serde_json::Value::Bool(true));
    // A Windows 10 device is judged as the default rule judges it.
    let pc = computer("CN=PC1,OU=CORP,DC=contoso,DC=com", W10.0, W10.1, true);
    assert_eq!(
        run(&c, preset, &pc).reaches_entra_id,
        run(&c, &own_rule(&c), &pc).reaches_entra_id
    );
}
