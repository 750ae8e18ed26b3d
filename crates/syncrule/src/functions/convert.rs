//! Conversion and evaluation functions (syncrule.md §2.2, §2.5) and GUID/SID text forms.
//!
//! StringFromGuid returns the .NET `D` form (lower-case, hyphens, no braces) — the form the
//! 2012 R2 rule's regex `"CN=[{]*" & StringFromGuid(…) & "[}]*"` needs to accept both
//! `CN=<guid>` and `CN={<guid>}` subjects (syncrule.md §4.3: undocumented, chosen on that
//! evidence). GUID bytes are in Microsoft's mixed-endian layout (objectGUID).

use mde_artifacts::ldif::{base64_decode, base64_encode};

use crate::error::{EvalError, Pos};
use crate::eval::{Ctx, lift1};
use crate::value::{Value, ticks};

pub(crate) fn guid_text(b: &[u8]) -> Option<String> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // The byte order of the text form (the first three groups little-endian); `None` for a
    // dash. Written by hand: the 2012 R2 rule asks for it once per certificate.
    const ORDER: [Option<usize>; 20] = [
        Some(3),
        Some(2),
        Some(1),
        Some(0),
        None,
        Some(5),
        Some(4),
        None,
        Some(7),
        Some(6),
        None,
        Some(8),
        Some(9),
        None,
        Some(10),
        Some(11),
        Some(12),
        Some(13),
        Some(14),
        Some(15),
    ];
    let b: &[u8; 16] = b.try_into().ok()?;
    let mut text = String::with_capacity(36);
    for at in ORDER {
        match at {
            Some(i) => {
                text.push(char::from(HEX[usize::from(b[i] >> 4)]));
                text.push(char::from(HEX[usize::from(b[i] & 15)]));
            }
            None => text.push('-'),
        }
    }
    Some(text)
}

pub(crate) fn guid_bytes(text: &str) -> Option<Vec<u8>> {
    let t = text.trim().trim_start_matches('{').trim_end_matches('}');
    let hex: String = t.chars().filter(|c| *c != '-').collect();
    let parts: Vec<&str> = t.split('-').collect();
    if hex.len() != 32
        || !hex.chars().all(|c| c.is_ascii_hexdigit())
        || parts.iter().map(|p| p.len()).collect::<Vec<_>>() != [8, 4, 4, 4, 12]
    {
        return None;
    }
    let raw: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect();
    let mut out = raw.clone();
    out[..4].copy_from_slice(&[raw[3], raw[2], raw[1], raw[0]]);
    out[4..6].copy_from_slice(&[raw[5], raw[4]]);
    out[6..8].copy_from_slice(&[raw[7], raw[6]]);
    Some(out)
}

pub(crate) fn random_guid() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut x = t as u64 ^ 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..16)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    guid_text(&bytes).unwrap_or_default()
}

fn sid_text(b: &[u8]) -> Option<String> {
    if b.len() < 8 || b.len() != 8 + 4 * b[1] as usize {
        return None;
    }
    let authority = b[2..8]
        .iter()
        .fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
    let subs: Vec<String> = b[8..]
        .chunks(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]).to_string())
        .collect();
    Some(format!("S-{}-{authority}-{}", b[0], subs.join("-")))
}

/// `CDate`: ISO dates (`2001-01-01`, `2012-01-01 23:00:00`, `…T…Z`), `h:mm AM/PM`, and a
/// trailing hour offset (`-8`), converted to UTC. Culture-specific forms are not guessed.
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    let mut parts: Vec<&str> = text.split([' ', 'T']).filter(|p| !p.is_empty()).collect();
    let date = parts
        .first()?
        .split('-')
        .map(|p| p.parse::<i64>().ok())
        .collect::<Option<Vec<_>>>()?;
    if date.len() != 3 {
        return None;
    }
    parts.remove(0);
    let (mut h, mut mi, mut s) = (0i64, 0i64, 0i64);
    let mut offset_hours = 0i64;
    for p in parts {
        let p = p.trim_end_matches('Z');
        if p.contains(':') {
            let hms: Vec<i64> = p
                .split(':')
                .map(|x| x.split('.').next().unwrap_or("0").parse().unwrap_or(0))
                .collect();
            h = *hms.first()?;
            mi = *hms.get(1).unwrap_or(&0);
            s = *hms.get(2).unwrap_or(&0);
        } else if p.eq_ignore_ascii_case("PM") {
            if h < 12 {
                h += 12;
            }
        } else if p.eq_ignore_ascii_case("AM") {
            if h == 12 {
                h = 0;
            }
        } else if let Ok(o) = p.parse::<i64>() {
            offset_hours = o;
        } else if !p.is_empty() {
            return None;
        }
    }
    let (y, m, d) = (
        date[0],
        u32::try_from(date[1]).ok()?,
        u32::try_from(date[2]).ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    ticks(y, m, d, h as u32, mi as u32, s as u32)?
        .checked_sub(offset_hours.checked_mul(3600 * 10_000_000)?)
}

pub(crate) fn call(name: &str, a: &[Value], pos: Pos) -> Result<Option<Value>, EvalError> {
    let need = |min: usize, max: usize| crate::functions::need(name, a, min, max, pos);
    let first = || a.first().cloned().unwrap_or(Value::Null);
    Ok(Some(match name {
        "CBool" => {
            need(1, 1)?;
            Value::Bool(first().truthy())
        }
        "CStr" => {
            need(1, 1)?;
            lift1(first(), &mut |v| {
                Ok(match &v {
                    Value::Null => Value::Null,
                    Value::Bin(b) => guid_text(b)
                        .map(Value::Str)
                        .unwrap_or_else(|| Value::Str(base64_encode(b))),
                    other => Value::Str(other.text().unwrap_or_default()),
                })
            })?
        }
        "CNum" => {
            need(1, 1)?;
            lift1(first(), &mut |v| match &v {
                Value::Null => Ok(Value::Null),
                other => other.num().map(Value::Num).ok_or_else(|| {
                    Ctx::type_error(pos, format!("CNum cannot convert {}", other.show()))
                }),
            })?
        }
        "CRef" => {
            need(1, 1)?;
            lift1(first(), &mut |v| {
                Ok(v.text().map(Value::Ref).unwrap_or(Value::Null))
            })?
        }
        "CGuid" => {
            need(1, 1)?;
            lift1(first(), &mut |v| match v.text() {
                None => Ok(Value::Null),
                Some(t) => guid_bytes(&t)
                    .map(Value::Bin)
                    .ok_or_else(|| Ctx::type_error(pos, format!("CGuid: {t:?} is not a GUID"))),
            })?
        }
        "StringFromGuid" => {
            need(1, 1)?;
            lift1(first(), &mut |v| {
                Ok(match &v {
                    Value::Bin(b) => guid_text(b).map(Value::Str).unwrap_or(Value::Null),
                    Value::Str(s) if guid_bytes(s).is_some() => {
                        Value::Str(s.trim_matches(['{', '}']).to_lowercase())
                    }
                    _ => Value::Null,
                })
            })?
        }
        "StringFromSid" => {
            need(1, 1)?;
            lift1(first(), &mut |v| {
                Ok(match &v {
                    Value::Bin(b) => sid_text(b).map(Value::Str).unwrap_or(Value::Null),
                    _ => Value::Null,
                })
            })?
        }
        "ConvertToBase64" => {
            need(1, 1)?;
            lift1(first(), &mut |v| {
                Ok(match &v {
                    Value::Null => Value::Null,
                    Value::Bin(b) => Value::Str(base64_encode(b)),
                    other => {
                        let utf16: Vec<u8> = other
                            .text()
                            .unwrap_or_default()
                            .encode_utf16()
                            .flat_map(u16::to_le_bytes)
                            .collect();
                        Value::Str(base64_encode(&utf16))
                    }
                })
            })?
        }
        "ConvertFromBase64" => {
            need(1, 2)?;
            let encoding = a
                .get(1)
                .and_then(Value::text)
                .unwrap_or_else(|| "Unicode".into());
            lift1(first(), &mut |v| {
                let Some(t) = v.text() else {
                    return Ok(Value::Null);
                };
                let bytes = base64_decode(&t).map_err(|i| {
                    Ctx::type_error(
                        pos,
                        format!("ConvertFromBase64: invalid base64 at character {i}"),
                    )
                })?;
                Ok(Value::Str(match encoding.as_str() {
                    "UTF8" | "ASCII" => String::from_utf8_lossy(&bytes).into_owned(),
                    _ => {
                        let units: Vec<u16> = bytes
                            .chunks_exact(2)
                            .map(|p| u16::from_le_bytes([p[0], p[1]]))
                            .collect();
                        String::from_utf16_lossy(&units)
                    }
                }))
            })?
        }
        "ConvertToUTF8Hex" => {
            need(1, 1)?;
            lift1(first(), &mut |v| {
                Ok(match v.text() {
                    Some(t) => Value::Str(t.bytes().map(|b| format!("{b:02X}")).collect()),
                    None => Value::Null,
                })
            })?
        }
        "ConvertFromUTF8Hex" => {
            need(1, 1)?;
            lift1(first(), &mut |v| {
                let Some(t) = v.text() else {
                    return Ok(Value::Null);
                };
                if t.len() % 2 != 0 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(Ctx::type_error(
                        pos,
                        format!("ConvertFromUTF8Hex: {t:?} is not hex"),
                    ));
                }
                let bytes: Vec<u8> = (0..t.len() / 2)
                    .map(|i| u8::from_str_radix(&t[2 * i..2 * i + 2], 16).unwrap_or(0))
                    .collect();
                Ok(Value::Str(String::from_utf8_lossy(&bytes).into_owned()))
            })?
        }
        "CDate" => {
            need(1, 1)?;
            lift1(first(), &mut |v| match v.text() {
                None => Ok(Value::Null),
                Some(t) => parse_date(&t).map(Value::Dt).ok_or_else(|| {
                    Ctx::type_error(
                        pos,
                        format!(
                            "CDate cannot read {t:?} (use yyyy-MM-dd [HH:mm[:ss]] [AM|PM] [offset])"
                        ),
                    )
                }),
            })?
        }
        "IsGuid" => {
            need(1, 1)?;
            Value::Bool(first().text().is_some_and(|t| guid_bytes(&t).is_some()))
        }
        "IsNumeric" => {
            need(1, 1)?;
            Value::Bool(
                matches!(first(), Value::Num(_))
                    || first()
                        .text()
                        .is_some_and(|t| t.trim().parse::<i64>().is_ok()),
            )
        }
        "IsString" => {
            need(1, 1)?;
            Value::Bool(matches!(
                first(),
                Value::Str(_) | Value::Ref(_) | Value::Num(_) | Value::Bool(_) | Value::Dt(_)
            ))
        }
        "IsDate" => {
            need(1, 1)?;
            Value::Bool(
                matches!(first(), Value::Dt(_))
                    || first().text().is_some_and(|t| parse_date(&t).is_some()),
            )
        }
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_layout() {
        // syncrule.md §4.3 worked example.
        let bytes = base64_decode("K0qBC+sYak+USTOHz0Cyeg==").unwrap();
        assert_eq!(
            guid_text(&bytes).unwrap(),
            "0b814a2b-18eb-4f6a-9449-3387cf40b27a"
        );
        assert_eq!(
            guid_bytes("{0B814A2B-18EB-4F6A-9449-3387CF40B27A}").unwrap(),
            bytes
        );
        assert!(guid_bytes("not-a-guid").is_none());
    }

    #[test]
    fn sids_and_dates() {
        let sid = [1u8, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0];
        assert_eq!(sid_text(&sid).unwrap(), "S-1-5-32-544");
        assert_eq!(
            parse_date("2013-01-10 4:00 PM -8"),
            ticks(2013, 1, 11, 0, 0, 0)
        );
        assert_eq!(
            parse_date("2012-01-01 23:00:00"),
            Some(129_699_324_000_000_000)
        );
        assert_eq!(parse_date("12/25/2007"), None);
    }
}
