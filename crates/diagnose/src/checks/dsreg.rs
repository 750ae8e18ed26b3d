//! dsregcmd's registration diagnostics: error phase, client and server error codes (through
//! the hybrid-join table), and the pre-join tests.

use mde_catalog::Hresult;

use crate::context::Ctx;
use crate::model::Finding;
use crate::texts::finding;

pub(crate) fn check(ctx: &mut Ctx<'_>, out: &mut Vec<Finding>) {
    let Some(facts) = ctx.dsreg.clone() else {
        return;
    };
    let d = &facts.diagnostics;
    let catalog = mde_catalog::builtin();
    // "The device object by the given ID isn't found": sync join waiting for Entra Connect.
    if d.server_error_code.as_deref() == Some("DirectoryError")
        && d.server_message
            .as_deref()
            .is_some_and(|m| m.contains("isn't found") || m.contains("not found"))
        && !d
            .server_message
            .as_deref()
            .unwrap_or("")
            .contains("AADSTS90002")
    {
        let e: Vec<_> = ["Client ErrorCode", "Server ErrorCode", "Server Message"]
            .iter()
            .filter_map(|k| ctx.dsreg_evidence(k))
            .collect();
        let mut f = finding(
            "dsreg.device-not-synced",
            &[("message", d.server_message.clone().unwrap_or_default())],
            e,
        );
        f.code = Some(37);
        out.push(f);
        return;
    }
    if d.error_phase.is_some() || d.client_error_code.is_some() {
        let code = d.client_error_code;
        let known = code.and_then(|c| catalog.hresult(c));
        let server = match (&d.server_error_code, &d.server_message) {
            (Some(c), Some(m)) => format!(" The server answered {c}: \"{m}\"."),
            (Some(c), None) => format!(" The server answered {c}."),
            (None, Some(m)) => format!(" The server said: \"{m}\"."),
            _ => String::new(),
        };
        let meaning = known
            .map(|h| h.meaning.clone())
            .unwrap_or_else(|| "mde-doctor does not know this error code; look it up at https://www.microsoft.com/aadjerrors.".into());
        let e: Vec<_> = [
            "Error Phase",
            "Client ErrorCode",
            "Server ErrorCode",
            "Server Message",
        ]
        .iter()
        .filter_map(|k| ctx.dsreg_evidence(k))
        .collect();
        let mut f = finding(
            "dsreg.registration-error",
            &[
                (
                    "phase",
                    d.error_phase.clone().unwrap_or_else(|| "unknown".into()),
                ),
                ("code", code.map(|c| c.hex()).unwrap_or_default()),
                ("name", known.map(|h| h.name.clone()).unwrap_or_default()),
                ("meaning", meaning),
                ("server", server),
            ],
            e,
        );
        // "AADSTS90002: Tenant … not found": the SCP names a tenant that does not exist
        // (or is not the Defender tenant's).
        let tenant_not_found = d
            .server_message
            .as_deref()
            .is_some_and(|m| m.contains("AADSTS90002"));
        if let Some(h) = known {
            f.actions = h.actions.clone();
            f.links.extend(h.docs.iter().cloned());
            f.links.dedup_by(|a, b| a.url == b.url);
            f.docs = f.links.iter().map(|l| l.url.clone()).collect();
            f.code = code_for(h.code);
        }
        if tenant_not_found {
            f.code = Some(15);
            f.actions.insert(
                0,
                "The server does not know the tenant the service connection point names: correct the SCP keywords (azureADId:, azureADName:) to the Defender tenant's Entra tenant.".into(),
            );
        }
        if f.actions.is_empty() {
            f.actions
                .push(format!("Look the code up at https://www.microsoft.com/aadjerrors and follow the {} phase section of https://learn.microsoft.com/entra/identity/devices/troubleshoot-hybrid-join-windows-current; DSRegTool (Azure-Samples/DSRegTool, option 3 'Hybrid join') runs the same checks as SYSTEM.", d.error_phase.as_deref().unwrap_or("failing")));
        }
        out.push(f);
    }
    let tests = [
        ("AD Connectivity Test", &d.ad_connectivity_test),
        ("AD Configuration Test", &d.ad_configuration_test),
        ("Kerberos Ticket Test", &d.kerberos_ticket_test),
        ("DRS Discovery Test", &d.drs_discovery_test),
        ("DRS Connectivity Test", &d.drs_connectivity_test),
        ("Token acquisition Test", &d.token_acquisition_test),
    ];
    for (name, result) in tests {
        let Some(result) = result else { continue };
        if !result.failed() {
            continue;
        }
        // The same code as the registration error adds nothing.
        if result
            .codes
            .first()
            .is_some_and(|c| Some(*c) == d.client_error_code)
            && result.codes.len() == 1
        {
            continue;
        }
        let meaning = result
            .codes
            .iter()
            .rev()
            .find_map(|c| {
                catalog
                    .hresult(*c)
                    .map(|h| format!("{} ({}): {}", c.hex(), h.name, h.meaning))
            })
            .unwrap_or_else(|| match name {
                "AD Connectivity Test" => "The device could not reach a domain controller.".into(),
                "AD Configuration Test" => {
                    "The device could not read the service connection point from Active Directory."
                        .into()
                }
                _ => "The test failed with a code mde-doctor does not know.".into(),
            });
        let mut f = finding(
            "dsreg.test-failed",
            &[
                ("test", name.into()),
                ("result", result.raw.clone()),
                ("meaning", meaning),
            ],
            ctx.dsreg_evidence(name).into_iter().collect(),
        );
        if let Some(h) = result.codes.iter().rev().find_map(|c| catalog.hresult(*c)) {
            f.actions = h.actions.clone();
            f.code = code_for(h.code);
        } else {
            f.actions
                .push(format!("Look the code up at https://www.microsoft.com/aadjerrors and follow the {name} section of https://learn.microsoft.com/entra/identity/devices/troubleshoot-hybrid-join-windows-current; DSRegTool (Azure-Samples/DSRegTool, option 3 'Hybrid join') repeats the test as SYSTEM."));
        }
        out.push(f);
    }
}

/// Enrollment status codes that registration errors lead to.
fn code_for(hresult: Hresult) -> Option<u32> {
    match hresult.0 {
        0x8007054b => Some(38),
        0x80070576 | 0x80090324 => Some(40),
        0x8007203a => Some(36),
        0x801c001d => Some(16),
        0x80072ee7 => Some(41),
        0x801c03f2 => Some(37),
        0x80072efd | 0x80072ee2 | 0x80072f8f | 0x80072efe => Some(14),
        _ => None,
    }
}
