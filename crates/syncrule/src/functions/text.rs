//! Text, multi-valued and directory functions (syncrule.md §2.4, §2.7, §2.9). Positions and
//! lengths count characters, 1-based as in VB.

use std::borrow::Cow;

use crate::error::{EvalError, Pos};
use crate::eval::{Ctx, check_size, lift1};
use crate::functions::values;
use crate::value::Value;

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

/// Number of characters (the unit of every position and length here).
pub(crate) fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Byte offset of the `k`-th character (0-based), or the end.
pub(crate) fn byte_at(s: &str, k: usize) -> usize {
    if s.is_ascii() {
        k.min(s.len())
    } else {
        s.char_indices().nth(k).map_or(s.len(), |(i, _)| i)
    }
}

fn n(v: &Value, name: &str, pos: Pos) -> Result<i64, EvalError> {
    v.num().ok_or_else(|| {
        Ctx::type_error(
            pos,
            format!("{name} needs a number, not a {}", v.type_name()),
        )
    })
}

/// `str` argument; NULL → None.
fn s(v: &Value) -> Option<String> {
    v.text()
}

/// `str` argument, borrowed where it is text already (the hot functions); NULL → None.
fn text(v: &Value) -> Option<Cow<'_, str>> {
    v.text_cow()
}

pub(crate) fn call(name: &str, a: &[Value], pos: Pos) -> Result<Option<Value>, EvalError> {
    let need = |min: usize, max: usize| crate::functions::need(name, a, min, max, pos);
    let first = || a.first().cloned().unwrap_or(Value::Null);
    Ok(Some(match name {
        "Left" | "Right" => {
            need(2, 2)?;
            let k = n(&a[1], name, pos)?;
            lift1(first(), &mut |v| {
                let Some(t) = text(&v) else {
                    return Ok(Value::Str(String::new()));
                };
                let count = char_count(&t);
                Ok(Value::Str(if k == 0 {
                    String::new()
                } else if k < 0 || k as usize >= count {
                    t.into_owned()
                } else if name == "Left" {
                    t[..byte_at(&t, k as usize)].to_string()
                } else {
                    t[byte_at(&t, count - k as usize)..].to_string()
                }))
            })?
        }
        "Mid" => {
            need(2, 3)?;
            let start = n(&a[1], name, pos)?;
            let count = match a.get(2) {
                Some(v) => Some(n(v, name, pos)?),
                None => None,
            };
            lift1(first(), &mut |v| {
                let Some(t) = text(&v) else {
                    return Ok(Value::Str(String::new()));
                };
                let len = char_count(&t);
                Ok(Value::Str(match count {
                    Some(0) => String::new(),
                    Some(k) if k < 0 => t.into_owned(),
                    _ if start <= 0 || start as usize > len => t.into_owned(),
                    Some(k) => {
                        let from = start as usize - 1;
                        let to = from.saturating_add(k as usize).min(len);
                        t[byte_at(&t, from)..byte_at(&t, to)].to_string()
                    }
                    None => t[byte_at(&t, start as usize - 1)..].to_string(),
                }))
            })?
        }
        "Len" => {
            need(1, 1)?;
            lift1(first(), &mut |v| {
                Ok(Value::Num(
                    text(&v).map(|t| char_count(&t) as i64).unwrap_or(0),
                ))
            })?
        }
        "LCase" | "UCase" | "PCase" | "Trim" | "LTrim" | "RTrim" => {
            need(1, 1)?;
            lift1(first(), &mut |v| {
                let Some(t) = text(&v) else {
                    return Ok(Value::Null);
                };
                Ok(Value::Str(match name {
                    "LCase" => t.to_lowercase(),
                    "UCase" => t.to_uppercase(),
                    "Trim" => t.trim().to_string(),
                    "LTrim" => t.trim_start().to_string(),
                    "RTrim" => t.trim_end().to_string(),
                    _ => t
                        .split(' ')
                        .map(|w| {
                            let mut c = w.chars();
                            match c.next() {
                                Some(f) => {
                                    f.to_uppercase().collect::<String>()
                                        + &c.as_str().to_lowercase()
                                }
                                None => String::new(),
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                }))
            })?
        }
        "InStr" | "InStrRev" => {
            need(2, 4)?;
            let Some(needle) = text(&a[1]) else {
                return Ok(Some(Value::Num(0)));
            };
            let start = match a.get(2) {
                Some(Value::Num(k)) => Some(*k),
                _ => None,
            };
            let text_compare = a
                .iter()
                .skip(2)
                .any(|v| matches!(v, Value::Str(m) if m == "vbTextCompare"));
            lift1(first(), &mut |v| {
                let Some(hay) = text(&v) else {
                    return Ok(Value::Num(0));
                };
                let (hay, needle): (Cow<'_, str>, Cow<'_, str>) = if text_compare {
                    (hay.to_lowercase().into(), needle.to_lowercase().into())
                } else {
                    (hay, Cow::Borrowed(&*needle))
                };
                // Forward search for a non-empty needle: a substring search, with byte
                // offsets turned into character positions.
                if name == "InStr" && !needle.is_empty() {
                    let from = start.map_or(0, |s| (s.max(1) - 1) as usize);
                    let from_byte = byte_at(&hay, from);
                    if from >= char_count(&hay) {
                        return Ok(Value::Num(0));
                    }
                    return Ok(Value::Num(hay[from_byte..].find(&*needle).map_or(0, |b| {
                        (from + char_count(&hay[from_byte..from_byte + b]) + 1) as i64
                    })));
                }
                let h = chars(&hay);
                let nd = chars(&needle);
                let found = |i: usize| {
                    h.len() >= nd.len() && i + nd.len() <= h.len() && h[i..i + nd.len()] == nd[..]
                };
                let pos = if name == "InStr" {
                    let from = start.map(|s| (s.max(1) - 1) as usize).unwrap_or(0);
                    (from..h.len().max(from)).find(|&i| found(i))
                } else {
                    let upto = start
                        .map(|s| s.max(1) as usize)
                        .unwrap_or(h.len())
                        .min(h.len());
                    (0..upto).rev().find(|&i| found(i))
                };
                Ok(Value::Num(pos.map(|p| p as i64 + 1).unwrap_or(0)))
            })?
        }
        "Replace" => {
            need(3, 3)?;
            let unescape = |t: String| {
                t.replace("\\r", "\r")
                    .replace("\\n", "\n")
                    .replace("\\t", "\t")
            };
            let (Some(old), Some(new)) = (s(&a[1]).map(unescape), s(&a[2]).map(unescape)) else {
                return Ok(Some(first()));
            };
            lift1(first(), &mut |v| {
                let Some(t) = s(&v) else {
                    return Ok(Value::Null);
                };
                if old.is_empty() {
                    return Ok(Value::Str(t));
                }
                if new.len() > old.len() {
                    let grows = t.matches(&*old).count() * (new.len() - old.len());
                    check_size(t.len().saturating_add(grows), pos, name)?;
                }
                Ok(Value::Str(t.replace(&old, &new)))
            })?
        }
        "ReplaceChars" => {
            need(2, 2)?;
            let pattern = s(&a[1]).unwrap_or_default();
            let mut map: Vec<(char, String)> = Vec::new();
            for pair in pattern.split(',') {
                let Some((src, dst)) = pair.split_once(':') else {
                    continue;
                };
                let src: String = src.chars().filter(|c| !c.is_whitespace()).collect();
                let dst: String = dst.chars().filter(|c| !c.is_whitespace()).collect();
                if let Some(c) = src.chars().next() {
                    map.push((c, dst));
                }
            }
            lift1(first(), &mut |v| {
                let Some(t) = s(&v) else {
                    return Ok(Value::Null);
                };
                let mut out = String::with_capacity(t.len());
                for c in t.chars() {
                    match map.iter().find(|(k, _)| *k == c) {
                        Some((_, r)) => out.push_str(r),
                        None => out.push(c),
                    }
                    check_size(out.len(), pos, name)?;
                }
                Ok(Value::Str(out))
            })?
        }
        "Word" => {
            need(3, 3)?;
            let k = n(&a[1], name, pos)?;
            let delims: Vec<char> = s(&a[2]).unwrap_or_default().chars().collect();
            lift1(first(), &mut |v| {
                let Some(t) = s(&v) else {
                    return Ok(Value::Str(String::new()));
                };
                let words: Vec<&str> = t
                    .split(|c| delims.contains(&c))
                    .filter(|w| !w.is_empty())
                    .collect();
                Ok(Value::Str(if k < 1 {
                    String::new()
                } else {
                    words
                        .get(k as usize - 1)
                        .map(|w| (*w).to_string())
                        .unwrap_or_default()
                }))
            })?
        }
        "PadLeft" | "PadRight" => {
            need(3, 3)?;
            let len = n(&a[1], name, pos)?.max(0) as usize;
            let pad = s(&a[2]).and_then(|p| p.chars().next()).ok_or_else(|| {
                Ctx::type_error(
                    pos,
                    format!("{name}'s pad character cannot be empty or NULL"),
                )
            })?;
            lift1(first(), &mut |v| {
                let Some(t) = s(&v) else {
                    return Ok(Value::Str(String::new()));
                };
                let have = t.chars().count();
                if have >= len {
                    return Ok(Value::Str(t));
                }
                check_size(
                    (len - have)
                        .saturating_mul(pad.len_utf8())
                        .saturating_add(t.len()),
                    pos,
                    name,
                )?;
                let fill: String = std::iter::repeat_n(pad, len - have).collect();
                Ok(Value::Str(if name == "PadLeft" {
                    fill + &t
                } else {
                    t + &fill
                }))
            })?
        }
        "Contains" => {
            need(2, 3)?;
            let Some(search) = s(&a[1]) else {
                return Ok(Some(Value::Num(0)));
            };
            let insensitive = matches!(a.get(2), Some(Value::Str(m)) if m == "CaseInsensitive");
            let items = values(first());
            let exact = matches!(items.first(), Some(Value::Ref(_)));
            let hit = items.iter().position(|v| {
                let Some(t) = s(v) else { return false };
                match (exact, insensitive) {
                    (true, _) => t == search,
                    (false, true) => t.to_lowercase().contains(&search.to_lowercase()),
                    (false, false) => t.contains(&search),
                }
            });
            Value::Num(hit.map(|i| i as i64 + 1).unwrap_or(0))
        }
        "Count" => {
            need(1, 1)?;
            Value::Num(values(first()).len() as i64)
        }
        "Item" | "ItemOrNull" => {
            need(2, 2)?;
            let i = n(&a[1], name, pos)?;
            let items = values(first());
            match (i >= 1).then(|| items.get(i as usize - 1)).flatten() {
                Some(v) => v.clone(),
                None if name == "ItemOrNull" => Value::Null,
                None => {
                    return Err(Ctx::type_error(
                        pos,
                        format!("Item index {i} is out of bounds ({} value(s))", items.len()),
                    ));
                }
            }
        }
        "Join" => {
            need(1, 2)?;
            let delim = match a.get(1) {
                Some(v) => s(v).unwrap_or_default(),
                None => " ".into(),
            };
            let items: Vec<String> = values(first()).iter().filter_map(s).collect();
            let len = items.iter().map(String::len).sum::<usize>()
                + items.len().saturating_sub(1).saturating_mul(delim.len());
            check_size(len, pos, name)?;
            Value::Str(items.join(&delim))
        }
        "RemoveDuplicates" => {
            need(1, 1)?;
            let mut out: Vec<Value> = Vec::new();
            for v in values(first()) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Value::Multi(out)
        }
        "Split" => {
            need(2, 3)?;
            let Some(t) = s(&first()) else {
                return Ok(Some(Value::Null));
            };
            let d = s(&a[1]).and_then(|d| d.chars().next()).unwrap_or(',');
            let parts: Vec<Value> = match a.get(2) {
                Some(l) => t
                    .splitn(n(l, name, pos)?.max(1) as usize, d)
                    .map(|p| Value::Str(p.into()))
                    .collect(),
                None => t.split(d).map(|p| Value::Str(p.into())).collect(),
            };
            Value::Multi(parts)
        }
        "DNComponent" | "DNComponentRev" => {
            need(2, 3)?;
            let k = n(&a[1], name, pos)?;
            let skip_dc = matches!(a.get(2), Some(v) if s(v).as_deref() == Some("DC"));
            lift1(first(), &mut |v| {
                let Some(dn) = s(&v) else {
                    return Ok(Value::Null);
                };
                let mut parts: Vec<String> = split_dn(&dn);
                if skip_dc {
                    parts.retain(|p| !p.trim().to_ascii_lowercase().starts_with("dc="));
                }
                if name == "DNComponentRev" {
                    parts.reverse();
                }
                Ok(
                    match (k >= 1).then(|| parts.get(k as usize - 1)).flatten() {
                        Some(p) => Value::Str(
                            p.split_once('=')
                                .map(|(_, v)| v.trim().to_string())
                                .unwrap_or_default(),
                        ),
                        None => Value::Null,
                    },
                )
            })?
        }
        "EscapeDNComponent" => {
            need(1, 1)?;
            lift1(first(), &mut |v| {
                let Some(t) = s(&v) else {
                    return Ok(Value::Null);
                };
                let (attr, value) = t.split_once('=').unwrap_or(("", t.as_str()));
                let mut out = String::new();
                for (i, c) in value.chars().enumerate() {
                    let last = i + 1 == value.chars().count();
                    if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
                        || (c == '#' && i == 0)
                        || (c == ' ' && (i == 0 || last))
                    {
                        out.push('\\');
                    }
                    out.push(c);
                }
                Ok(Value::Str(if attr.is_empty() {
                    out
                } else {
                    format!("{attr}={out}")
                }))
            })?
        }
        "Guid" => {
            need(0, 0)?;
            Value::Str(crate::functions::convert::random_guid())
        }
        _ => return Ok(None),
    }))
}

/// Splits a DN on unescaped commas.
fn split_dn(dn: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for c in dn.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            cur.push(c);
            escaped = true;
        } else if c == ',' {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
}

#[cfg(test)]
mod tests {
    //! Positions count characters: the byte-offset fast paths against character vectors.

    use super::call;
    use crate::error::Pos;
    use crate::value::Value;
    use proptest::prelude::*;

    fn run(name: &str, args: Vec<Value>) -> Value {
        call(name, &args, Pos { line: 1, column: 1 })
            .unwrap()
            .unwrap()
    }

    fn str_of(c: &[char]) -> Value {
        Value::Str(c.iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn positions_count_characters(
            t in "[ab\u{e9}\u{1f600}]{0,8}",
            needle in "[ab\u{e9}\u{1f600}]{1,3}",
            k in -2i64..10,
            start in -1i64..10,
        ) {
            let c: Vec<char> = t.chars().collect();
            let s = || Value::Str(t.clone());
            let len = c.len();
            let whole = |cond: bool, part: &[char]| if cond { Value::Str(t.clone()) } else { str_of(part) };
            let (left, right) = if k == 0 {
                (Value::Str(String::new()), Value::Str(String::new()))
            } else {
                let all = k < 0 || k as usize >= len;
                let k = k.max(0) as usize;
                (whole(all, &c[..k.min(len)]), whole(all, &c[len - k.min(len)..]))
            };
            prop_assert_eq!(run("Left", vec![s(), Value::Num(k)]), left);
            prop_assert_eq!(run("Right", vec![s(), Value::Num(k)]), right);

            let mid = if k == 0 {
                Value::Str(String::new())
            } else if k < 0 || start <= 0 || start as usize > len {
                Value::Str(t.clone())
            } else {
                let from = start as usize - 1;
                str_of(&c[from..(from + k as usize).min(len)])
            };
            prop_assert_eq!(run("Mid", vec![s(), Value::Num(start), Value::Num(k)]), mid);
            let mid_rest = if start <= 0 || start as usize > len {
                Value::Str(t.clone())
            } else {
                str_of(&c[start as usize - 1..])
            };
            prop_assert_eq!(run("Mid", vec![s(), Value::Num(start)]), mid_rest);
            prop_assert_eq!(run("Len", vec![s()]), Value::Num(len as i64));

            let nd: Vec<char> = needle.chars().collect();
            let from = (start.max(1) - 1) as usize;
            let found = (from..len.max(from))
                .find(|&i| i + nd.len() <= len && c[i..i + nd.len()] == nd[..])
                .map_or(0, |p| p as i64 + 1);
            prop_assert_eq!(
                run("InStr", vec![s(), Value::Str(needle.clone()), Value::Num(start)]),
                Value::Num(found)
            );
        }
    }
}
