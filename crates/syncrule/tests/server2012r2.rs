//! The Windows Server 2012 R2 cloudFiltered expression (syncrule.md §3.3) over computer
//! objects with real certificates written by OpenSSL (tests/fixtures/make_certs.sh).

use std::collections::BTreeMap;
use std::path::PathBuf;

use mde_syncrule::{Ctx, Object, Value, parse, presets};

const GUID: &str = "0b814a2b-18eb-4f6a-9449-3387cf40b27a";

fn cert(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/certs")
        .join(format!("{name}.der"));
    Value::Bin(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

fn guid_bytes() -> Vec<u8> {
    mde_artifacts::ldif::base64_decode("K0qBC+sYak+USTOHz0Cyeg==").unwrap()
}

fn computer(os: Option<&str>, version: Option<&str>, certs: &[&str]) -> Object {
    let mut o = Object::default();
    o.dn = Some("CN=SRV,OU=Servers,DC=contoso,DC=com".into());
    o.attributes
        .insert("objectGUID".into(), vec![Value::Bin(guid_bytes())]);
    if let Some(os) = os {
        o.attributes
            .insert("operatingSystem".into(), vec![Value::Str(os.into())]);
    }
    if let Some(v) = version {
        o.attributes
            .insert("operatingSystemVersion".into(), vec![Value::Str(v.into())]);
    }
    if !certs.is_empty() {
        o.attributes.insert(
            "userCertificate".into(),
            certs.iter().map(|c| cert(c)).collect(),
        );
    }
    o
}

fn eval(expr: &str, object: &Object) -> Value {
    let ast = parse(expr).unwrap();
    let params = BTreeMap::new();
    Ctx::new(object, &params, mde_syncrule::now_ticks())
        .eval(&ast)
        .unwrap()
}

const S2012: &str = "Windows Server 2012 R2 Datacenter";

#[test]
fn truth_table() {
    let filtered = Value::Bool(true);
    let synced = Value::Null;
    let cases: Vec<(&str, Object, Value)> = vec![
        (
            "no certificate",
            computer(Some(S2012), Some("6.3 (9600)"), &[]),
            filtered.clone(),
        ),
        (
            "Windows 7 / 2008 R2 with a valid certificate",
            computer(
                Some("Windows Server 2008 R2 Standard"),
                Some("6.1 (7601)"),
                &["valid-braces"],
            ),
            filtered.clone(),
        ),
        (
            "2012 R2, CN={guid}",
            computer(Some(S2012), Some("6.3 (9600)"), &["valid-braces"]),
            synced.clone(),
        ),
        (
            "2012 R2, CN=guid without braces",
            computer(Some(S2012), Some("6.3 (9600)"), &["valid-plain"]),
            synced.clone(),
        ),
        (
            "2012 R2, upper-case GUID",
            computer(Some(S2012), Some("6.3 (9600)"), &["valid-upper"]),
            synced.clone(),
        ),
        (
            "2012 R2, expired certificate",
            computer(Some(S2012), Some("6.3 (9600)"), &["expired"]),
            filtered.clone(),
        ),
        (
            "2012 R2, another computer's GUID",
            computer(Some(S2012), Some("6.3 (9600)"), &["other-guid"]),
            filtered.clone(),
        ),
        (
            "2012 R2, not yet valid (NotBefore is not checked)",
            computer(Some(S2012), Some("6.3 (9600)"), &["not-yet-valid"]),
            synced.clone(),
        ),
        (
            "2012 R2, garbage bytes",
            computer(Some(S2012), Some("6.3 (9600)"), &["garbage"]),
            filtered.clone(),
        ),
        (
            "2012 R2, garbage and a valid certificate",
            computer(
                Some(S2012),
                Some("6.3 (9600)"),
                &["garbage", "expired", "valid-braces"],
            ),
            synced.clone(),
        ),
        (
            "Windows 8.1 client with a valid certificate",
            computer(
                Some("Windows 8.1 Enterprise"),
                Some("6.3 (9600)"),
                &["valid-braces"],
            ),
            synced.clone(),
        ),
        (
            "Server 2019 with any certificate",
            computer(
                Some("Windows Server 2019 Standard"),
                Some("10.0 (17763)"),
                &["garbage"],
            ),
            synced.clone(),
        ),
        (
            "non-Windows 6.3",
            computer(Some("Ubuntu"), Some("6.3"), &["garbage"]),
            synced.clone(),
        ),
        (
            "no operatingSystemVersion",
            computer(Some(S2012), None, &["expired"]),
            synced.clone(),
        ),
        (
            "lower-case os name",
            computer(
                Some("windows server 2012 r2"),
                Some("6.3 (9600)"),
                &["expired"],
            ),
            filtered.clone(),
        ),
    ];
    for (name, object, want) in cases {
        assert_eq!(
            eval(presets::SERVER_2012R2_COMPUTER_JOIN, &object),
            want,
            "{name}"
        );
    }
}

#[test]
fn default_rule_only_looks_at_presence() {
    let with_cert = computer(Some(S2012), Some("6.3 (9600)"), &["expired"]);
    assert_eq!(
        eval(presets::DEFAULT_COMPUTER_JOIN, &with_cert),
        Value::Null
    );
    let without = computer(Some(S2012), Some("6.3 (9600)"), &[]);
    assert_eq!(
        eval(presets::DEFAULT_COMPUTER_JOIN, &without),
        Value::Bool(true)
    );
}

#[test]
fn certificate_functions_read_real_certificates() {
    let o = computer(Some(S2012), Some("6.3 (9600)"), &["valid-braces"]);
    assert_eq!(
        eval("CertSubject([userCertificate])", &o),
        Value::Str(format!("CN={{{GUID}}}"))
    );
    assert_eq!(eval("IsCert([userCertificate])", &o), Value::Bool(true));
    // `openssl ca` without extensions writes an X.509 v1 certificate (openssl x509 -text: "Version: 1").
    assert_eq!(eval("CertVersion([userCertificate])", &o), Value::Num(1));
    assert_eq!(
        eval("StringFromGuid([objectGUID])", &o),
        Value::Str(GUID.into())
    );
    assert_eq!(
        eval(
            "FormatDateTime(CertNotAfter([userCertificate]), \"yyyy-MM-dd\")",
            &o
        ),
        Value::Str("2045-01-01".into())
    );
    let Value::Str(thumb) = eval("CertThumbprint([userCertificate])", &o) else {
        panic!()
    };
    assert_eq!(thumb.len(), 40);
    // The SHA-1 of the DER, as `openssl x509 -inform der -noout -fingerprint -sha1` prints it
    // for each fixture (colons dropped).
    for (name, openssl) in [
        (
            "expired",
            "4C:B0:0C:97:2B:48:FA:32:C7:26:C3:A7:C7:8B:A6:07:43:90:A0:6F",
        ),
        (
            "not-yet-valid",
            "C3:0B:F9:26:02:DB:FB:54:6A:87:B9:CD:61:9F:AC:E9:5E:E1:8D:E9",
        ),
        (
            "other-guid",
            "CB:1D:B3:AF:50:29:A6:0A:16:5D:B4:B6:2F:8D:C5:01:9A:65:15:7F",
        ),
        (
            "valid-braces",
            "FE:FF:33:E5:52:04:D1:E9:F3:77:0F:EC:2D:3F:F9:DD:34:48:DE:9F",
        ),
        (
            "valid-plain",
            "1C:0F:DE:C4:F2:CE:C0:A8:00:77:E5:6A:73:B4:E2:CC:12:B9:ED:E2",
        ),
        (
            "valid-upper",
            "7D:E1:14:8B:F9:EB:89:16:34:F7:6E:AD:0D:36:06:D6:9E:55:AA:F9",
        ),
    ] {
        let o = computer(Some(S2012), Some("6.3 (9600)"), &[name]);
        let Value::Str(thumb) = eval("CertThumbprint([userCertificate])", &o) else {
            panic!("{name}: no thumbprint")
        };
        assert!(
            thumb.eq_ignore_ascii_case(&openssl.replace(':', "")),
            "{name}: {thumb} is not OpenSSL's {openssl}"
        );
    }
    let garbage = computer(Some(S2012), Some("6.3 (9600)"), &["garbage"]);
    assert_eq!(
        eval("IsCert([userCertificate])", &garbage),
        Value::Bool(false)
    );
    assert_eq!(
        eval("CertSubject([userCertificate])", &garbage),
        Value::Null
    );
}

/// Computer objects of a real domain controller (Samba AD), exported by OpenLDAP's
/// ldapsearch in its default layout and in `-LLL -o ldif-wrap=no`
/// (tests/fixtures/make_ldapsearch.sh). Each object's description says what the rule must
/// decide for it; the default layout's comments and `search:`/`result:` trailer are read
/// quietly.
#[test]
fn objects_exported_by_ldapsearch_from_a_real_directory() {
    let ast = parse(presets::SERVER_2012R2_COMPUTER_JOIN).unwrap();
    let params = BTreeMap::new();
    for file in ["default.ldif", "lll-nowrap.ldif"] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ldapsearch")
            .join(file);
        let items: Vec<_> = mde_syncrule::input::objects(std::fs::File::open(&path).unwrap(), None)
            .unwrap()
            .collect();
        let objects: Vec<Object> = items
            .into_iter()
            .map(|i| i.unwrap_or_else(|e| panic!("{file}: {e}")))
            .collect();
        assert_eq!(objects.len(), 8, "{file}");
        for o in &objects {
            let Some([Value::Str(truth)]) = o.get("description") else {
                panic!("{file}: {:?} has no description", o.dn)
            };
            let want = if truth.starts_with("NULL") {
                Value::Null
            } else {
                Value::Bool(true)
            };
            let got = Ctx::new(o, &params, mde_syncrule::now_ticks())
                .eval(&ast)
                .unwrap();
            assert_eq!(got, want, "{file}: {:?}: {truth}", o.dn);
        }
    }
}

/// Certificate functions and `Count` read a bound `$variable` or a one-valued attribute by
/// reference, and `RegexIsMatch` patterns come from a per-thread cache: each answer is the
/// one the general path gives when the same value is built by a call (`Item(…)`, `Split(…)`),
/// over every fixture, several at once, and patterns repeated, changed and invalid.
#[test]
fn arguments_by_reference_agree_with_arguments_by_value() {
    let all = [
        "expired",
        "not-yet-valid",
        "other-guid",
        "valid-braces",
        "valid-plain",
        "valid-upper",
        "garbage",
    ];
    let functions = [
        "IsCert",
        "CertNotAfter",
        "CertNotBefore",
        "CertSubject",
        "CertIssuer",
        "CertThumbprint",
        "CertSerialNumber",
        "CertVersion",
        "CertKeyAlgorithm",
        "CertExtensionOids",
        "Count",
    ];
    let mut objects: Vec<Object> = all
        .iter()
        .map(|c| computer(Some(S2012), Some("6.3 (9600)"), &[c]))
        .collect();
    objects.push(computer(Some(S2012), None, &all));
    objects.push(computer(Some(S2012), None, &[]));
    for o in &objects {
        for f in functions {
            let by_reference = eval(&format!("Select($c, [userCertificate], {f}($c))"), o);
            let attribute = eval(&format!("{f}([userCertificate])"), o);
            match o.get("userCertificate").map_or(0, <[Value]>::len) {
                1 => {
                    let by_value = format!("{f}(Item([userCertificate], 1))");
                    assert_eq!(attribute, eval(&by_value, o), "{f} on {o:?}");
                    let by_value = format!("Select($c, [userCertificate], {by_value})");
                    assert_eq!(by_reference, eval(&by_value, o), "{f} on {o:?}");
                }
                // The attribute's values lifted one by one (the general path) are what each
                // `$c` gives.
                n if n > 1 && f != "Count" => {
                    assert_eq!(by_reference, attribute, "{f} on {o:?}")
                }
                _ => {}
            }
        }
        let count = eval("With($v, [userCertificate], Count($v))", o);
        assert_eq!(count, eval("Count([userCertificate])", o));
        assert_eq!(count, eval("Count(Select($c, [userCertificate], $c))", o));
    }
    // The same pattern again, another one, case folded or not, and one regex-lite compiles.
    let o = computer(
        Some(S2012),
        Some("6.3 (9600)"),
        &["valid-braces", "valid-upper"],
    );
    for _ in 0..3 {
        for (expr, expected) in [
            (
                r#"RegexIsMatch("CN={X}", "CN=[{]*x[}]*", "IgnoreCase")"#,
                true,
            ),
            (r#"RegexIsMatch("CN={X}", "CN=[{]*x[}]*", "")"#, false),
            (r#"RegexIsMatch("CN={X}", "CN=[{]*X[}]*")"#, true),
            (r#"RegexIsMatch("CN=12", "^CN=(1|3)\d$")"#, true),
            (r#"RegexIsMatch("CN=22", "^CN=(1|3)\d$")"#, false),
        ] {
            assert_eq!(eval(expr, &o), Value::Bool(expected), "{expr}");
        }
        let subjects = eval(
            &format!(
                r#"Select($c, [userCertificate], RegexIsMatch(CertSubject($c), "CN=[{{]*{GUID}[}}]*", "IgnoreCase"))"#
            ),
            &o,
        );
        assert_eq!(subjects, Value::Multi(vec![Value::Bool(true); 2]));
    }
    let ast = parse(r#"RegexIsMatch("x", "(")"#).unwrap();
    let params = BTreeMap::new();
    for _ in 0..2 {
        let e = Ctx::new(&o, &params, 0).eval(&ast).unwrap_err();
        assert!(e.to_string().contains("RegexIsMatch pattern"), "{e}");
    }
}
