//! `environment`: what a fleet clusters by beyond the findings, carried in the diagnosis so a
//! report uploaded as JSON clusters as its bundle would.

use crate::builder::Device;

#[test]
fn dns_servers_proxy_and_ou_from_the_bundle() {
    let d = Device::example("tenant-mismatch")
        .replace("probes.json", "\"winhttp\": \"DIRECT\"", "\"winhttp\": \"proxy.contoso.com:3128\"")
        .replace(
            "manifest.json",
            "\"hostname\"",
            "\"distinguished_name\": \"CN=PC-0015,OU=Laptops\\\\, Paris,DC=contoso,DC=com\", \"hostname\"",
        )
        .diagnose();
    assert_eq!(d.environment.dns_servers, ["10.0.0.10", "10.0.0.11"]);
    assert_eq!(
        d.environment.proxy.as_deref(),
        Some("proxy.contoso.com:3128")
    );
    assert_eq!(
        d.environment.ou.as_deref(),
        Some("OU=Laptops\\, Paris,DC=contoso,DC=com")
    );
}

#[test]
fn no_proxy_no_probes_nothing_claimed() {
    let d = Device::example("healthy").without("probes.json").diagnose();
    assert!(d.environment.is_empty(), "{:?}", d.environment);
    let json = serde_json::to_value(&d).unwrap();
    assert!(json.get("environment").is_none());
    // DIRECT is no proxy.
    let d = Device::example("healthy").diagnose();
    assert_eq!(d.environment.proxy, None);
}

#[test]
fn the_ou_of_the_devices_own_computer_object() {
    let d = Device::example("server-2012r2-filtered").diagnose();
    assert_eq!(
        d.environment.ou.as_deref(),
        Some("OU=Servers,DC=contoso,DC=com")
    );
}
