//! The function catalogue (syncrule.md §2): lazy forms here, the rest grouped by topic.

mod cert;
pub(crate) mod convert;
mod func;
mod simple_pattern;
mod text;

use crate::ast::Expr;
use crate::error::{EvalError, Pos};
use crate::eval::{Ctx, lift_ref};
use crate::value::{Value, format_dt, ticks};
pub use func::{Func, NAMES};
use simple_pattern::SimplePattern;
pub(crate) use text::{byte_at, char_count};

pub(crate) fn arity(
    name: &str,
    args: &[Expr],
    min: usize,
    max: usize,
    pos: Pos,
) -> Result<(), EvalError> {
    if args.len() < min || args.len() > max {
        let want = if min == max {
            format!("{min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(Ctx::type_error(
            pos,
            format!("{name} takes {want} argument(s), not {}", args.len()),
        ));
    }
    Ok(())
}

/// Checks the number of evaluated arguments of a function.
pub(crate) fn need(
    name: &str,
    a: &[Value],
    min: usize,
    max: usize,
    pos: Pos,
) -> Result<(), EvalError> {
    if a.len() < min || a.len() > max {
        let want = if min == max {
            min.to_string()
        } else {
            format!("{min} to {max}")
        };
        return Err(Ctx::type_error(
            pos,
            format!("{name} takes {want} argument(s), not {}", a.len()),
        ));
    }
    Ok(())
}

/// The values of a value as a list (a single value is a list of one; NULL an empty list).
pub(crate) fn values(v: Value) -> Vec<Value> {
    match v {
        Value::Multi(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// `Count` of a value: how many values [`values`] would list.
fn count(v: &Value) -> i64 {
    match v {
        Value::Multi(items) => items.len() as i64,
        Value::Null => 0,
        _ => 1,
    }
}

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Str(s) | Value::Ref(s) => s.is_empty(),
        Value::Bin(b) => b.is_empty(),
        Value::Multi(items) => items.iter().all(is_empty_value),
        _ => false,
    }
}

pub(crate) fn call(
    ctx: &mut Ctx<'_>,
    func: Func,
    args: &[Expr],
    pos: Pos,
) -> Result<Value, EvalError> {
    let name = func.name();
    // Lazy forms and whole-attribute tests first, chosen by the resolved function rather
    // than by comparing names.
    match func {
        Func::IIF => {
            arity(name, args, 3, 3, pos)?;
            let cond = ctx.eval(&args[0])?;
            if let Value::Multi(conds) = cond {
                // Value by value, with multi-valued branches paired by position.
                let (t, f) = (ctx.eval(&args[1])?, ctx.eval(&args[2])?);
                let pick = |v: &Value, i: usize| match v {
                    Value::Multi(items) => items.get(i).cloned().unwrap_or(Value::Null),
                    other => other.clone(),
                };
                let out: Vec<Value> = conds
                    .iter()
                    .enumerate()
                    .map(|(i, c)| if c.truthy() { pick(&t, i) } else { pick(&f, i) })
                    .filter(|v| !v.is_null())
                    .collect();
                return Ok(Value::Multi(out));
            }
            return ctx.eval(&args[if cond.truthy() { 1 } else { 2 }]);
        }
        Func::Switch => {
            if args.is_empty() || !args.len().is_multiple_of(2) {
                return Err(Ctx::type_error(
                    pos,
                    "Switch takes pairs of condition and value",
                ));
            }
            for pair in args.chunks(2) {
                if ctx.eval(&pair[0])?.truthy() {
                    return ctx.eval(&pair[1]);
                }
            }
            return Ok(Value::Null);
        }
        Func::With => {
            arity(name, args, 3, 3, pos)?;
            let Expr::Var(var, _) = &args[0] else {
                return Err(Ctx::type_error(
                    args[0].pos(),
                    "With's first argument must be a $variable",
                ));
            };
            let bound = ctx.eval(&args[1])?;
            ctx.vars.push((var.clone(), bound));
            let result = ctx.eval(&args[2]);
            ctx.vars.pop();
            return result;
        }
        Func::Where | Func::Select => {
            arity(name, args, 3, 3, pos)?;
            let Expr::Var(var, _) = &args[0] else {
                return Err(Ctx::type_error(
                    args[0].pos(),
                    format!("{name}'s first argument must be a $variable"),
                ));
            };
            let items = values(ctx.eval(&args[1])?);
            let mut out = Vec::new();
            for item in items {
                // The value is moved in and taken back (every binding pops what it pushed,
                // errors included): a certificate is not copied once more per value.
                ctx.vars.push((var.clone(), item));
                let r = ctx.eval(&args[2]);
                let Some((_, item)) = ctx.vars.pop() else {
                    return Err(Ctx::type_error(pos, format!("{name} lost its ${var}")));
                };
                let r = r?;
                if name == "Where" {
                    if r.truthy() {
                        out.push(item);
                    }
                } else if !r.is_null() {
                    out.push(r);
                }
            }
            return Ok(Value::Multi(out));
        }
        Func::IsPresent | Func::IsNull | Func::IsNullOrEmpty | Func::IsEmpty => {
            arity(name, args, 1, 1, pos)?;
            // A binary attribute not decoded yet: its presence is known without decoding.
            if let Expr::Attr(attr, _) = &args[0]
                && let Some(present) = ctx.object.has_value(attr)
            {
                return Ok(Value::Bool(match name {
                    "IsPresent" => present,
                    "IsNull" => false,
                    "IsNullOrEmpty" => !present,
                    _ => !present,
                }));
            }
            let v = ctx.eval(&args[0])?;
            let present = !is_empty_value(&v);
            return Ok(Value::Bool(match name {
                "IsPresent" => present,
                "IsNull" => v.is_null(),
                "IsNullOrEmpty" => !present,
                _ => !v.is_null() && !present,
            }));
        }
        Func::Error => {
            arity(name, args, 1, 1, pos)?;
            let message = ctx.eval(&args[0])?.text().unwrap_or_default();
            return Err(EvalError::User(message));
        }
        Func::ImportedValue | Func::ValueCount => {
            arity(name, args, 1, 1, pos)?;
            let Value::Str(attr) = ctx.eval(&args[0])? else {
                return Err(Ctx::type_error(
                    pos,
                    format!("{name} takes an attribute name in quotes"),
                ));
            };
            // Without a connector space, the imported value is the exported one.
            let vals = ctx
                .object
                .get(&attr)
                .map(<[Value]>::to_vec)
                .unwrap_or_default();
            return Ok(if name == "ValueCount" {
                Value::Num(vals.len() as i64)
            } else {
                match vals.len() {
                    0 => Value::Null,
                    1 => vals[0].clone(),
                    _ => Value::Multi(vals),
                }
            });
        }
        _ => {}
    }
    // Functions that only read their argument take a bound `$variable` or a one-valued
    // attribute by reference: `IsCert($c) && CertNotAfter($c) > … && CertSubject($c)` reads
    // each certificate three times per object, and `Count($validCerts)` all of them.
    if let [arg] = args
        && let Some(v) = ctx.bound(arg)
    {
        match home(func) {
            Home::Cert => {
                if let Some(v) = cert::call(name, std::slice::from_ref(v), pos)? {
                    return Ok(v);
                }
            }
            _ if func == Func::Count => return Ok(Value::Num(count(v))),
            _ => {}
        }
    }
    // Argument lists come from a per-thread pool: a rule calls a dozen functions per object,
    // a million objects over, and each list would otherwise be an allocation.
    let mut vals = ARGS
        .with(|pool| pool.borrow_mut().pop())
        .unwrap_or_default();
    let result = call_eager(ctx, func, args, pos, &mut vals);
    vals.clear();
    ARGS.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < 64 {
            pool.push(vals);
        }
    });
    result
}

/// Which module implements an eagerly evaluated function.
enum Home {
    Text,
    Convert,
    Cert,
    Other,
}

fn home(func: Func) -> Home {
    use Func::*;
    match func {
        Contains | Count | DNComponent | DNComponentRev | EscapeDNComponent | Guid | InStr
        | InStrRev | Item | ItemOrNull | Join | LCase | LTrim | Left | Len | Mid | PCase
        | PadLeft | PadRight | RTrim | RemoveDuplicates | Replace | ReplaceChars | Right
        | Split | Trim | UCase | Word => Home::Text,
        CBool | CDate | CGuid | CNum | CRef | CStr | ConvertFromBase64 | ConvertFromUTF8Hex
        | ConvertToBase64 | ConvertToUTF8Hex | IsDate | IsGuid | IsNumeric | IsString
        | StringFromGuid | StringFromSid => Home::Convert,
        f if f == IsCert || f.name().starts_with("Cert") => Home::Cert,
        _ => Home::Other,
    }
}

thread_local! {
    static ARGS: std::cell::RefCell<Vec<Vec<Value>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A function whose arguments are all evaluated first.
fn call_eager(
    ctx: &mut Ctx<'_>,
    func: Func,
    args: &[Expr],
    pos: Pos,
    vals: &mut Vec<Value>,
) -> Result<Value, EvalError> {
    for a in args {
        vals.push(ctx.eval(a)?);
    }
    let vals = &vals[..];
    let name = func.name();
    // Straight to the module that implements the function; the chain below stays as the
    // answer for any function not listed in `home`.
    let first = match home(func) {
        Home::Text => text::call(name, vals, pos)?,
        Home::Convert => convert::call(name, vals, pos)?,
        Home::Cert => cert::call(name, vals, pos)?,
        Home::Other => other(ctx, name, vals, pos)?,
    };
    if let Some(v) = first {
        return Ok(v);
    }
    if let Some(v) = text::call(name, vals, pos)? {
        return Ok(v);
    }
    if let Some(v) = convert::call(name, vals, pos)? {
        return Ok(v);
    }
    if let Some(v) = cert::call(name, vals, pos)? {
        return Ok(v);
    }
    if let Some(v) = other(ctx, name, vals, pos)? {
        return Ok(v);
    }
    match NAMES.iter().find(|n| n.eq_ignore_ascii_case(name)) {
        Some(right) => Err(Ctx::type_error(
            pos,
            format!("function names are case-sensitive: {name} is not {right}"),
        )),
        None => Err(Ctx::type_error(pos, format!("unknown function {name}"))),
    }
}

fn num_arg(v: &Value, name: &str, pos: Pos) -> Result<i64, EvalError> {
    v.num().ok_or_else(|| {
        Ctx::type_error(
            pos,
            format!("{name} needs a number, not a {}", v.type_name()),
        )
    })
}

fn other(ctx: &mut Ctx<'_>, name: &str, a: &[Value], pos: Pos) -> Result<Option<Value>, EvalError> {
    let need = |min: usize, max: usize| need(name, a, min, max, pos);
    Ok(Some(match name {
        "BitAnd" | "BitOr" => {
            need(2, 2)?;
            if a[0].is_null() || a[1].is_null() {
                return Ok(Some(Value::Null));
            }
            let (x, y) = (num_arg(&a[0], name, pos)?, num_arg(&a[1], name, pos)?);
            Value::Num(if name == "BitAnd" { x & y } else { x | y })
        }
        "IsBitSet" => {
            need(2, 2)?;
            if a[0].is_null() {
                return Ok(Some(Value::Bool(false)));
            }
            Value::Bool(num_arg(&a[0], name, pos)? & num_arg(&a[1], name, pos)? != 0)
        }
        "RandomNum" => {
            need(2, 2)?;
            let (lo, hi) = (num_arg(&a[0], name, pos)?, num_arg(&a[1], name, pos)?);
            let seed = (ctx.now as u64)
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // In i128: `hi - lo` overflows i64 for extreme bounds; the result is within them.
            let span = (i128::from(hi) - i128::from(lo)).max(0) + 1;
            Value::Num((i128::from(lo) + i128::from(seed) % span) as i64)
        }
        "Now" => {
            need(0, 0)?;
            Value::Dt(ctx.now)
        }
        "DateFromNum" => {
            need(1, 1)?;
            match &a[0] {
                Value::Null => Value::Null,
                v => Value::Dt(num_arg(v, name, pos)?),
            }
        }
        "NumFromDate" => {
            need(1, 1)?;
            match &a[0] {
                Value::Dt(t) => Value::Num(*t),
                Value::Null => Value::Null,
                v => {
                    return Err(Ctx::type_error(
                        pos,
                        format!("NumFromDate needs a date, not a {}", v.type_name()),
                    ));
                }
            }
        }
        "FormatDateTime" => {
            need(2, 2)?;
            match (&a[0], a[1].text()) {
                (Value::Dt(t), Some(f)) => Value::Str(format_dt(*t, &f)),
                (Value::Null, _) => Value::Null,
                (v, _) => {
                    return Err(Ctx::type_error(
                        pos,
                        format!("FormatDateTime needs a date, not a {}", v.type_name()),
                    ));
                }
            }
        }
        "DateAdd" => {
            need(3, 3)?;
            let interval = a[0].text().unwrap_or_default();
            let n = num_arg(&a[1], name, pos)?;
            let Value::Dt(t) = a[2] else {
                return Ok(Some(Value::Null));
            };
            Value::Dt(date_add(&interval, n, t).ok_or_else(|| {
                Ctx::type_error(
                    pos,
                    format!("unknown DateAdd interval {interval:?}, or a date out of range"),
                )
            })?)
        }
        // Undocumented, seen in Microsoft's "In from AAD - User NGCKey" rule (syncrule.md
        // §2.10): CBin(value, bytes) is read as the value's little-endian bytes [INF].
        "CBin" => {
            need(2, 2)?;
            if a[0].is_null() {
                return Ok(Some(Value::Null));
            }
            let (v, n) = (num_arg(&a[0], name, pos)?, num_arg(&a[1], name, pos)?);
            Value::Bin(v.to_le_bytes()[..(n.clamp(0, 8) as usize)].to_vec())
        }
        "Thumbprint" => {
            return Err(Ctx::type_error(
                pos,
                "Thumbprint() is used by Microsoft's rules but not documented; mde-doctor does not guess what it computes",
            ));
        }
        "RegexIsMatch" => {
            need(2, 3)?;
            let options = a.get(2).and_then(Value::text_cow).unwrap_or_default();
            let Some(pattern) = a[1].text_cow() else {
                return Ok(Some(Value::Bool(false)));
            };
            let case_insensitive = options
                .split([',', ' ', '|'])
                .any(|o| o.eq_ignore_ascii_case("IgnoreCase"));
            let matcher = matcher(&pattern, case_insensitive)
                .map_err(|e| Ctx::type_error(pos, format!("RegexIsMatch pattern: {e}")))?;
            lift_ref(&a[0], &mut |v| {
                Ok(Value::Bool(
                    v.text_cow().is_some_and(|t| matcher.is_match(&t)),
                ))
            })?
        }
        _ => return Ok(None),
    }))
}

/// A compiled `RegexIsMatch` pattern.
enum Matcher {
    Simple(SimplePattern),
    Regex(regex_lite::Regex),
}

impl Matcher {
    fn is_match(&self, text: &str) -> bool {
        match self {
            Matcher::Simple(p) => p.is_match(text),
            Matcher::Regex(re) => re.is_match(text),
        }
    }
}

/// The matcher for a pattern, from a small per-thread cache of recent patterns: the 2012 R2
/// rule builds its pattern once per certificate of an object, the same pattern for each
/// (and objects share GUIDs when their certificates were copied), so it is compiled once
/// per object, not once per call.
fn matcher(
    pattern: &str,
    case_insensitive: bool,
) -> Result<std::rc::Rc<Matcher>, regex_lite::Error> {
    use std::cell::RefCell;
    use std::rc::Rc;
    type Recent = Vec<(String, bool, Rc<Matcher>)>;
    thread_local! {
        static RECENT: RefCell<Recent> = const { RefCell::new(Vec::new()) };
    }
    RECENT.with(|recent| {
        let mut recent = recent.borrow_mut();
        if let Some((_, _, m)) = recent
            .iter()
            .find(|(p, ci, _)| *ci == case_insensitive && p == pattern)
        {
            return Ok(m.clone());
        }
        let m = Rc::new(match SimplePattern::parse(pattern, case_insensitive) {
            Some(simple) => Matcher::Simple(simple),
            None => Matcher::Regex(cached_regex(pattern, case_insensitive)?),
        });
        if recent.len() >= 8 {
            recent.remove(0);
        }
        recent.push((pattern.to_string(), case_insensitive, m.clone()));
        Ok(m)
    })
}

/// Compiled patterns, per thread: a rule evaluated over a million objects compiles each
/// distinct pattern once (the cache is cleared when it grows past 1024 patterns). Patterns
/// built per object, like the 2012 R2 rule's, mostly take [`SimplePattern`] instead;
/// the rest go to regex-lite (same syntax, linear time, no literal prefilters to build).
fn cached_regex(
    pattern: &str,
    case_insensitive: bool,
) -> Result<regex_lite::Regex, regex_lite::Error> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static CACHE: RefCell<HashMap<(String, bool), regex_lite::Regex>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(re) = cache.get(&(pattern.to_string(), case_insensitive)) {
            return Ok(re.clone());
        }
        let re = regex_lite::RegexBuilder::new(pattern)
            .case_insensitive(case_insensitive)
            .size_limit(1 << 20)
            .build()?;
        if cache.len() >= 1024 {
            cache.clear();
        }
        cache.insert((pattern.to_string(), case_insensitive), re.clone());
        Ok(re)
    })
}

fn date_add(interval: &str, n: i64, t: i64) -> Option<i64> {
    const TICKS_PER_SECOND: i64 = 10_000_000;
    // Checked throughout: `n` and `t` come from input; an overflow is `None`.
    let seconds = |s: i64| {
        s.checked_mul(n)?
            .checked_mul(TICKS_PER_SECOND)?
            .checked_add(t)
    };
    match interval {
        "s" => seconds(1),
        "n" => seconds(60),
        "h" => seconds(3600),
        "d" | "y" | "w" => seconds(86_400),
        "ww" => seconds(7 * 86_400),
        "m" | "q" | "yyyy" => {
            let months = match interval {
                "m" => n,
                "q" => n.checked_mul(3)?,
                _ => n.checked_mul(12)?,
            };
            let unix = t
                .checked_sub(crate::value::UNIX_EPOCH_TICKS)?
                .div_euclid(TICKS_PER_SECOND);
            let (y, m, d) = crate::value::civil_from_days(unix.div_euclid(86_400));
            let sod = unix.rem_euclid(86_400);
            let total = (y * 12 + i64::from(m) - 1).checked_add(months)?;
            let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
            let days_in = [
                31,
                if ny % 4 == 0 && (ny % 100 != 0 || ny % 400 == 0) {
                    29
                } else {
                    28
                },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ];
            let nd = d.min(days_in[nm as usize - 1]);
            ticks(
                ny,
                nm,
                nd,
                (sod / 3600) as u32,
                (sod / 60 % 60) as u32,
                (sod % 60) as u32,
            )
        }
        _ => None,
    }
}
