//! Expressions shipped with mde-doctor, verbatim from their sources.

/// `cloudFiltered` of *In from AD – Computer Join* as Microsoft's security management
/// documentation gives it for Windows Server 2012 R2 (syncrule.md §3.3, S7).
pub const SERVER_2012R2_COMPUTER_JOIN: &str = r#"IIF(
  IsNullOrEmpty([userCertificate])
  ||
  (
    (InStr(UCase([operatingSystem]),"WINDOWS") > 0)
    &&
    (Left([operatingSystemVersion],2) = "6.")
    &&
    (Left([operatingSystemVersion],3) <> "6.3")
  )
  ||
  (
    (Left([operatingSystemVersion],3) = "6.3")
    &&
    (InStr(UCase([operatingSystem]),"WINDOWS") > 0)
    &&
    With(
      $validCerts,
      Where(
        $c,
        [userCertificate],
        IsCert($c) && CertNotAfter($c) > Now() && RegexIsMatch(CertSubject($c), "CN=[{]*" & StringFromGuid([objectGUID]) & "[}]*", "IgnoreCase")),
      Count($validCerts) = 0)
  ),
  True,
  NULL
)"#;

/// The default `cloudFiltered` of *In from AD – Computer Join* (2016 export,
/// `Microsoft.InfromADComputerJoin.002`; syncrule.md §3.1).
pub const DEFAULT_COMPUTER_JOIN: &str = "IIF(IsNullOrEmpty([userCertificate]),True,NULL)";

/// Presets by the name `--preset` takes.
pub fn preset(name: &str) -> Option<&'static str> {
    match name {
        "server2012r2-computer-join" => Some(SERVER_2012R2_COMPUTER_JOIN),
        "default-computer-join" => Some(DEFAULT_COMPUTER_JOIN),
        _ => None,
    }
}

pub const PRESET_NAMES: [&str; 2] = ["server2012r2-computer-join", "default-computer-join"];
