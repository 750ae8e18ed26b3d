//! The Win32 calls the collector makes, each wrapped in a small safe function. This is the
//! only module of the workspace that may use `unsafe`: every block calls one documented API
//! with buffers whose sizes are passed along, and owns the handles it opens.
#![allow(unsafe_code)]

use windows::Win32::Foundation::{
    CloseHandle, ERROR_MORE_DATA, ERROR_NO_MORE_ITEMS, ERROR_SUCCESS, HANDLE, WIN32_ERROR,
};
use windows::Win32::Security::{GetTokenInformation, TOKEN_ELEVATION, TOKEN_QUERY, TokenElevation};
use windows::Win32::System::EventLog::{EvtExportLog, EvtExportLogChannelPath};
use windows::Win32::System::Registry::{
    HKEY, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY, REG_VALUE_TYPE, RegCloseKey,
    RegEnumKeyExW, RegEnumValueW, RegOpenKeyExW, RegQueryInfoKeyW,
};
use windows::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};
use windows::Win32::System::WindowsProgramming::GetUserNameW;
use windows::core::{PCWSTR, PWSTR};

/// A value bigger than this is cut: nothing the checks read comes close.
const MAX_VALUE: u32 = 1024 * 1024;

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

/// An open registry key, closed on drop.
pub(crate) struct Key(HKEY);

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: the handle came from RegOpenKeyExW and is closed once.
        unsafe {
            let _ = RegCloseKey(self.0);
        }
    }
}

/// A registry error: the Win32 code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RegError(pub(crate) u32);

impl std::fmt::Display for RegError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self.0 {
            2 => "not found",
            5 => "access denied",
            _ => "error",
        };
        write!(f, "{text} (Win32 error {})", self.0)
    }
}

fn check(rc: WIN32_ERROR) -> Result<(), RegError> {
    if rc == ERROR_SUCCESS {
        Ok(())
    } else {
        Err(RegError(rc.0))
    }
}

impl Key {
    /// Opens `HKLM\path` for reading, in the 64-bit view.
    pub(crate) fn open_hklm(path: &str) -> Result<Key, RegError> {
        open_under(HKEY_LOCAL_MACHINE, path)
    }

    /// Opens a subkey of this key.
    pub(crate) fn open(&self, name: &str) -> Result<Key, RegError> {
        open_under(self.0, name)
    }

    /// The longest subkey name, value name and value data, in characters and bytes.
    fn limits(&self) -> Result<(u32, u32, u32), RegError> {
        let (mut subkey, mut name, mut data) = (0u32, 0u32, 0u32);
        // SAFETY: every out-pointer is a live local; the others are None.
        let rc = unsafe {
            RegQueryInfoKeyW(
                self.0,
                None,
                None,
                None,
                None,
                Some(&mut subkey),
                None,
                None,
                Some(&mut name),
                Some(&mut data),
                None,
                None,
            )
        };
        check(rc)?;
        Ok((subkey, name, data))
    }

    /// Names of the subkeys.
    pub(crate) fn subkeys(&self) -> Result<Vec<String>, RegError> {
        let (longest, _, _) = self.limits()?;
        let mut out = Vec::new();
        let mut buf = vec![0u16; longest as usize + 1];
        for index in 0.. {
            let mut len = buf.len() as u32;
            // SAFETY: `buf` holds `len` characters; the API writes at most that many.
            let rc = unsafe {
                RegEnumKeyExW(
                    self.0,
                    index,
                    Some(PWSTR(buf.as_mut_ptr())),
                    &mut len,
                    None,
                    None,
                    None,
                    None,
                )
            };
            if rc == ERROR_NO_MORE_ITEMS {
                break;
            }
            if rc == ERROR_MORE_DATA {
                // A subkey added since the size was asked: grow and retry this index.
                buf.resize(buf.len() * 2 + 256, 0);
                continue;
            }
            check(rc)?;
            out.push(String::from_utf16_lossy(&buf[..len as usize]));
        }
        Ok(out)
    }

    /// Every value: name, type number, raw bytes.
    pub(crate) fn values(&self) -> Result<Vec<(String, u32, Vec<u8>)>, RegError> {
        let (_, longest_name, longest_data) = self.limits()?;
        let mut name = vec![0u16; longest_name as usize + 1];
        let mut data = vec![0u8; longest_data.min(MAX_VALUE) as usize + 2];
        let mut out = Vec::new();
        let mut index = 0;
        loop {
            let mut name_len = name.len() as u32;
            let mut data_len = data.len() as u32;
            let mut ty = 0u32;
            // SAFETY: `name` holds `name_len` characters and `data` `data_len` bytes.
            let rc = unsafe {
                RegEnumValueW(
                    self.0,
                    index,
                    Some(PWSTR(name.as_mut_ptr())),
                    &mut name_len,
                    None,
                    Some(&mut ty),
                    Some(data.as_mut_ptr()),
                    Some(&mut data_len),
                )
            };
            if rc == ERROR_NO_MORE_ITEMS {
                break;
            }
            if rc == ERROR_MORE_DATA {
                if data.len() as u32 >= MAX_VALUE || name.len() > 32_768 {
                    // Too big to keep: skip it.
                    index += 1;
                    continue;
                }
                name.resize(name.len() * 2, 0);
                data.resize((data.len() * 2).min(MAX_VALUE as usize), 0);
                continue;
            }
            check(rc)?;
            let _ = REG_VALUE_TYPE(ty);
            out.push((
                String::from_utf16_lossy(&name[..name_len as usize]),
                ty,
                data[..data_len as usize].to_vec(),
            ));
            index += 1;
        }
        Ok(out)
    }
}

fn open_under(parent: HKEY, path: &str) -> Result<Key, RegError> {
    let name = wide(path);
    let mut handle = HKEY::default();
    // SAFETY: `name` is NUL-terminated and outlives the call; `handle` is written once.
    let rc = unsafe {
        RegOpenKeyExW(
            parent,
            PCWSTR(name.as_ptr()),
            Some(0),
            KEY_READ | KEY_WOW64_64KEY,
            &mut handle,
        )
    };
    check(rc)?;
    Ok(Key(handle))
}

/// Whether this process runs elevated (an administrator's full token, or SYSTEM).
pub(crate) fn is_elevated() -> bool {
    let mut token = HANDLE::default();
    // SAFETY: the pseudo-handle of the current process needs no closing; `token` is closed
    // below.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) }.is_err() {
        return false;
    }
    let mut elevation = TOKEN_ELEVATION::default();
    let mut len = 0u32;
    // SAFETY: the buffer is a TOKEN_ELEVATION and its size is passed.
    let ok = unsafe {
        GetTokenInformation(
            token,
            TokenElevation,
            Some(&mut elevation as *mut TOKEN_ELEVATION as *mut core::ffi::c_void),
            std::mem::size_of::<TOKEN_ELEVATION>() as u32,
            &mut len,
        )
    }
    .is_ok();
    // SAFETY: `token` was opened above.
    unsafe {
        let _ = CloseHandle(token);
    }
    ok && elevation.TokenIsElevated != 0
}

/// The account this process runs as (`SYSTEM`, `alice`).
pub(crate) fn user_name() -> Option<String> {
    let mut buf = vec![0u16; 257];
    let mut len = buf.len() as u32;
    // SAFETY: `buf` holds `len` characters.
    unsafe { GetUserNameW(Some(PWSTR(buf.as_mut_ptr())), &mut len) }.ok()?;
    let chars = (len as usize).saturating_sub(1).min(buf.len());
    Some(String::from_utf16_lossy(&buf[..chars]))
}

/// Exports a channel's events matching an XPath query to a new `.evtx` file.
pub(crate) fn export_log(
    channel: &str,
    query: &str,
    target: &std::path::Path,
) -> Result<(), String> {
    let channel_w = wide(channel);
    let query_w = wide(query);
    let target_w = wide(&target.display().to_string());
    // SAFETY: the three strings are NUL-terminated and outlive the call.
    unsafe {
        EvtExportLog(
            None,
            PCWSTR(channel_w.as_ptr()),
            PCWSTR(query_w.as_ptr()),
            PCWSTR(target_w.as_ptr()),
            EvtExportLogChannelPath.0,
        )
    }
    .map_err(|e| {
        format!(
            "EvtExportLog: {} ({:#010x})",
            e.message().trim(),
            e.code().0
        )
    })
}

/// `LDAP_AUTH_NEGOTIATE` (Winldap.h: `LDAP_AUTH_OTHERKIND | 0x0400`): Kerberos or NTLM with
/// the caller's credentials — the machine account's when running as SYSTEM.
const LDAP_AUTH_NEGOTIATE: u32 = 0x0486;
/// At most this many entries are read from one search.
const MAX_ENTRIES: usize = 1000;

/// An LDAP connection through wldap32, unbound on drop.
pub(crate) struct Ldap(*mut windows::Win32::Networking::Ldap::LDAP);

impl Drop for Ldap {
    fn drop(&mut self) {
        // SAFETY: the handle came from ldap_initW and is released once.
        unsafe {
            windows::Win32::Networking::Ldap::ldap_unbind(self.0);
        }
    }
}

fn ldap_error(what: &str, rc: u32) -> String {
    let name = match rc {
        0x20 => "no such object",
        0x31 => "invalid credentials",
        0x32 => "insufficient access",
        0x51 => "server down (no domain controller reachable)",
        0x52 => "local error",
        0x55 => "timeout",
        0x5b => "connect error",
        _ => "LDAP error",
    };
    format!("{what}: {name} ({rc:#x})")
}

impl Ldap {
    /// Connects to a domain controller of `domain` on 389 within `timeout_s` seconds.
    pub(crate) fn connect(domain: &str, timeout_s: i32) -> Result<Ldap, String> {
        use windows::Win32::Networking::Ldap::*;
        let host = wide(domain);
        // SAFETY: `host` is NUL-terminated and outlives the call.
        let ld = unsafe { ldap_initW(PCWSTR(host.as_ptr()), 389) };
        if ld.is_null() {
            // SAFETY: no arguments.
            return Err(ldap_error("ldap_init", unsafe { LdapGetLastError() }));
        }
        let ldap = Ldap(ld);
        let version: u32 = 3;
        let limit: u32 = timeout_s as u32;
        let off: u32 = 0;
        // SAFETY: each option value is a live u32, as these options take.
        unsafe {
            ldap_set_optionW(
                ld,
                LDAP_OPT_PROTOCOL_VERSION as i32,
                &version as *const u32 as _,
            );
            ldap_set_optionW(ld, LDAP_OPT_TIMELIMIT as i32, &limit as *const u32 as _);
            ldap_set_optionW(ld, LDAP_OPT_REFERRALS as i32, &off as *const u32 as _);
        }
        let mut timeout = LDAP_TIMEVAL {
            tv_sec: timeout_s,
            tv_usec: 0,
        };
        // SAFETY: `timeout` is a live LDAP_TIMEVAL.
        let rc = unsafe { ldap_connect(ld, &mut timeout) };
        if rc != 0 {
            return Err(ldap_error(&format!("connecting to {domain}:389"), rc));
        }
        Ok(ldap)
    }

    /// Binds with the process's own credentials (Negotiate).
    pub(crate) fn bind(&self) -> Result<(), String> {
        use windows::Win32::Networking::Ldap::ldap_bind_sW;
        // SAFETY: null DN and credentials mean "the caller's own" for Negotiate.
        let rc =
            unsafe { ldap_bind_sW(self.0, PCWSTR::null(), PCWSTR::null(), LDAP_AUTH_NEGOTIATE) };
        if rc != 0 {
            return Err(ldap_error("binding with the machine's credentials", rc));
        }
        Ok(())
    }

    /// A search; each entry's DN and the asked attributes' values.
    pub(crate) fn search(
        &self,
        base: &str,
        subtree: bool,
        filter: &str,
        attributes: &[&str],
    ) -> Result<Vec<crate::ldif_out::Entry>, String> {
        use windows::Win32::Networking::Ldap::*;
        let base_w = wide(base);
        let filter_w = wide(filter);
        let attrs_w: Vec<Vec<u16>> = attributes.iter().map(|a| wide(a)).collect();
        let mut attr_ptrs: Vec<*const u16> = attrs_w.iter().map(|a| a.as_ptr()).collect();
        attr_ptrs.push(std::ptr::null());
        let scope = if subtree {
            LDAP_SCOPE_SUBTREE
        } else {
            LDAP_SCOPE_BASE
        };
        let mut res: *mut LDAPMessage = std::ptr::null_mut();
        // SAFETY: the strings and the NULL-terminated attribute list outlive the call; `res`
        // is freed below whatever the result.
        let rc = unsafe {
            ldap_search_sW(
                self.0,
                PCWSTR(base_w.as_ptr()),
                scope,
                PCWSTR(filter_w.as_ptr()),
                attr_ptrs.as_ptr(),
                0,
                &mut res,
            )
        };
        let free = |res: *mut LDAPMessage| {
            if !res.is_null() {
                // SAFETY: `res` came from ldap_search_sW and is freed once.
                unsafe {
                    ldap_msgfree(res);
                }
            }
        };
        if rc != 0 {
            free(res);
            return Err(ldap_error(&format!("searching {base}"), rc));
        }
        let mut out = Vec::new();
        // SAFETY: entries belong to `res`, alive until freed below; every string and value
        // list the API allocates is released with its own free function.
        unsafe {
            let mut entry = ldap_first_entry(self.0, res);
            while !entry.is_null() && out.len() < MAX_ENTRIES {
                let dn_ptr = ldap_get_dnW(self.0, entry);
                let dn = if dn_ptr.is_null() {
                    String::new()
                } else {
                    let dn = dn_ptr.to_string().unwrap_or_default();
                    ldap_memfreeW(PCWSTR(dn_ptr.0));
                    dn
                };
                let mut attrs = Vec::new();
                for (name, name_w) in attributes.iter().zip(&attrs_w) {
                    let vals = ldap_get_values_lenW(self.0, entry, PCWSTR(name_w.as_ptr()));
                    if vals.is_null() {
                        continue;
                    }
                    let mut values = Vec::new();
                    let mut i = 0;
                    while !(*vals.add(i)).is_null() && i < 10_000 {
                        let bv = &**vals.add(i);
                        let bytes = std::slice::from_raw_parts(bv.bv_val.0, bv.bv_len as usize);
                        values.push(bytes.to_vec());
                        i += 1;
                    }
                    ldap_value_free_len(vals);
                    attrs.push((name.to_string(), values));
                }
                out.push(crate::ldif_out::Entry {
                    dn,
                    attributes: attrs,
                });
                entry = ldap_next_entry(self.0, entry);
            }
        }
        free(res);
        Ok(out)
    }
}
