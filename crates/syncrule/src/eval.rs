//! Evaluation, with the decisions syncrule.md leaves open made explicit:
//!
//! - Comparison with NULL is False (both `=` and `<>`); arithmetic and `&` with NULL give
//!   NULL; `&&`/`||`/`IIF`/`CBool` treat NULL as False. Shipped rules guard comparisons
//!   with `IsPresent` and wrap `IIF(…, NULL)` in `CBool`, which only works this way.
//! - `IIF` evaluates only the chosen branch; `Switch` evaluates conditions in order and only
//!   the chosen value; `&&`/`||` short-circuit (same boolean result under these NULL rules,
//!   and `Error()` on the untaken side does not fire).
//! - Multi-valued values lift: a function or operator expecting one value maps over the
//!   values and drops NULL results; `IIF` with a multi-valued condition pairs it value by
//!   value with multi-valued branches (the documented
//!   `IIF(InStr([proxyAddresses],"SIP:")=1,NULL,[proxyAddresses])` drops the SIP values).
//!   The `Is*` predicates, `Count`, `Contains`, `Item`, `Join`, `Where`, `Select`, `Split`,
//!   `RemoveDuplicates` and the certificate functions' callers see the whole value.
//! - String comparison is case-sensitive (VB binary compare).
//! - Names of functions are case-sensitive, as in the engine; a name that differs only in
//!   case is a syntax error (the parser resolves names) that names the right spelling.

use std::collections::BTreeMap;

use crate::ast::Expr;
use crate::error::{EvalError, Pos};
use crate::functions;
use crate::object::Object;
use crate::value::Value;

/// One decided sub-expression, for `--explain`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub depth: usize,
    pub text: String,
    pub value: String,
}

pub struct Ctx<'a> {
    pub object: &'a Object,
    pub params: &'a BTreeMap<String, String>,
    /// Current time as FILETIME ticks (fixed per run so every object sees the same `Now()`).
    pub now: i64,
    pub(crate) vars: Vec<(String, Value)>,
    pub(crate) trace: Option<Vec<Step>>,
    depth: usize,
    /// Evaluation depth of every node (`depth` counts only traced ones, for indentation).
    nesting: usize,
}

impl<'a> Ctx<'a> {
    pub fn new(object: &'a Object, params: &'a BTreeMap<String, String>, now: i64) -> Ctx<'a> {
        Ctx {
            object,
            params,
            now,
            vars: Vec::new(),
            trace: None,
            depth: 0,
            nesting: 0,
        }
    }

    /// Records every function call and operator with its value.
    pub fn explain(mut self) -> Ctx<'a> {
        self.trace = Some(Vec::new());
        self
    }

    pub fn take_trace(&mut self) -> Vec<Step> {
        self.trace.take().unwrap_or_default()
    }

    pub(crate) fn type_error(pos: Pos, message: impl Into<String>) -> EvalError {
        EvalError::Type {
            pos,
            message: message.into(),
        }
    }

    pub fn eval(&mut self, e: &Expr) -> Result<Value, EvalError> {
        // The parser refuses trees deeper than MAX_DEPTH; this guards trees built otherwise.
        if self.nesting >= crate::parser::MAX_DEPTH + 8 {
            return Err(Ctx::type_error(
                e.pos(),
                format!(
                    "expression nested deeper than {} levels",
                    crate::parser::MAX_DEPTH
                ),
            ));
        }
        self.nesting += 1;
        let result = self.eval_traced(e);
        self.nesting -= 1;
        result
    }

    fn eval_traced(&mut self, e: &Expr) -> Result<Value, EvalError> {
        let traced = matches!(e, Expr::Call(..) | Expr::Binary(..));
        if traced {
            self.depth += 1;
        }
        let result = self.eval_inner(e);
        if traced {
            self.depth -= 1;
            if let (Some(trace), Ok(v)) = (self.trace.as_mut(), &result) {
                trace.push(Step {
                    depth: self.depth,
                    text: e.render(),
                    value: v.show(),
                });
            }
        }
        result
    }

    fn eval_inner(&mut self, e: &Expr) -> Result<Value, EvalError> {
        Ok(match e {
            Expr::Num(n, _) => Value::Num(*n),
            Expr::Str(s, _) => Value::Str(s.clone()),
            Expr::Bool(b, _) => Value::Bool(*b),
            Expr::Enum(name, _) => Value::Str(name.clone()),
            Expr::Constant(c, _) => match c.as_str() {
                "CRLF" => Value::Str("\r\n".into()),
                "IgnoreThisFlow" => Value::IgnoreThisFlow,
                "AuthoritativeNull" => Value::AuthoritativeNull,
                _ => Value::Null,
            },
            Expr::Attr(name, pos) => match self.object.get(name) {
                Some([]) | None => {
                    if let Some(right) = self.object.case_variant(name) {
                        return Err(Ctx::type_error(
                            *pos,
                            format!(
                                "attribute names are case-sensitive: [{name}] is not [{right}]"
                            ),
                        ));
                    }
                    Value::Null
                }
                Some([one]) => one.clone(),
                Some(many) => Value::Multi(many.to_vec()),
            },
            Expr::Param(name, pos) => match self.params.get(name) {
                Some(v) => Value::Str(v.clone()),
                None => {
                    return Err(Ctx::type_error(
                        *pos,
                        format!(
                            "parameter %{name}% has no value (give it with --param {name}=VALUE)"
                        ),
                    ));
                }
            },
            Expr::Var(name, pos) => match self.vars.iter().rev().find(|(n, _)| n == name) {
                Some((_, v)) => v.clone(),
                None => {
                    return Err(Ctx::type_error(
                        *pos,
                        format!(
                            "${name} is not bound here (only Where, Select and With bind variables)"
                        ),
                    ));
                }
            },
            Expr::Unary(_, inner, pos) => {
                let v = self.eval(inner)?;
                lift1(v, &mut |v| match v {
                    Value::Null => Ok(Value::Null),
                    other => match other.num() {
                        Some(n) => n.checked_neg().map(Value::Num).ok_or_else(|| {
                            Ctx::type_error(*pos, format!("`-({n})` overflows a 64-bit number"))
                        }),
                        None => Err(Ctx::type_error(
                            *pos,
                            format!("cannot negate a {}", other.type_name()),
                        )),
                    },
                })?
            }
            Expr::Binary(op, a, b, pos) => {
                if let Some(v) = self.fast_compare(op, a, b) {
                    return Ok(v);
                }
                self.binary(op, a, b, *pos)?
            }
            Expr::Call(func, args, pos) => {
                if let Some(v) = self.fast_instr(*func, args) {
                    return Ok(v);
                }
                functions::call(self, *func, args, *pos)?
            }
        })
    }

    /// The value of a bound `$variable`, or of an attribute holding exactly one value, by
    /// reference (no copy); `None` for anything else, which then takes the general path
    /// (and its errors: an unbound variable, a mis-cased attribute name).
    pub(crate) fn bound<'s>(&'s self, e: &Expr) -> Option<&'s Value> {
        match e {
            Expr::Var(name, _) => self
                .vars
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v),
            Expr::Attr(name, _) => match self.object.get(name)? {
                [one] => Some(one),
                _ => None,
            },
            _ => None,
        }
    }

    /// The text of a string literal or of an attribute holding exactly one text value,
    /// borrowed (no copy); `None` for anything else, which then takes the general path.
    fn borrowed_text<'s>(&'s self, e: &'s Expr) -> Option<&'s str> {
        match e {
            Expr::Str(s, _) => Some(s),
            Expr::Attr(name, _) => match self.object.get(name)? {
                [Value::Str(s) | Value::Ref(s)] => Some(s),
                _ => None,
            },
            _ => None,
        }
    }

    /// `Left(x, k) = "…"` / `Right(x, k) <> "…"` on a borrowed text: the same answer as the
    /// general path (a `str` result compared with a `str` literal, byte for byte) without
    /// copying the attribute, the slice or the literal. Not when tracing: `--explain` lists
    /// every call.
    fn fast_compare(&self, op: &str, a: &Expr, b: &Expr) -> Option<Value> {
        if self.trace.is_some() || !matches!(op, "=" | "<>") {
            return None;
        }
        let Expr::Str(literal, _) = b else {
            return None;
        };
        let Expr::Call(func @ (functions::Func::Left | functions::Func::Right), args, _) = a else {
            return None;
        };
        let [x, Expr::Num(k, _)] = &args[..] else {
            return None;
        };
        let t = self.borrowed_text(x)?;
        let k = *k;
        let count = functions::char_count(t);
        let part = if k == 0 {
            ""
        } else if k < 0 || k as usize >= count {
            t
        } else if *func == functions::Func::Left {
            &t[..functions::byte_at(t, k as usize)]
        } else {
            &t[functions::byte_at(t, count - k as usize)..]
        };
        let equal = part == literal.as_str();
        Some(Value::Bool(if op == "=" { equal } else { !equal }))
    }

    /// `InStr(UCase(x), "…")` on a borrowed ASCII text: the position of the literal in the
    /// upper-cased text, found without building it. Not when tracing.
    fn fast_instr(&self, func: functions::Func, args: &[Expr]) -> Option<Value> {
        if self.trace.is_some() || func != functions::Func::InStr {
            return None;
        }
        let [
            Expr::Call(functions::Func::UCase, inner, _),
            Expr::Str(needle, _),
        ] = args
        else {
            return None;
        };
        let [x] = &inner[..] else {
            return None;
        };
        let hay = self.borrowed_text(x)?;
        if !hay.is_ascii() || needle.is_empty() {
            return None;
        }
        let needle = needle.as_bytes();
        let found = hay.as_bytes().windows(needle.len()).position(|w| {
            w.iter()
                .zip(needle)
                .all(|(h, n)| h.to_ascii_uppercase() == *n)
        });
        Some(Value::Num(found.map_or(0, |i| i as i64 + 1)))
    }

    fn binary(&mut self, op: &str, a: &Expr, b: &Expr, pos: Pos) -> Result<Value, EvalError> {
        match op {
            "||" => {
                if self.eval(a)?.truthy() {
                    return Ok(Value::Bool(true));
                }
                return Ok(Value::Bool(self.eval(b)?.truthy()));
            }
            "&&" => {
                if !self.eval(a)?.truthy() {
                    return Ok(Value::Bool(false));
                }
                return Ok(Value::Bool(self.eval(b)?.truthy()));
            }
            _ => {}
        }
        let (x, y) = (self.eval(a)?, self.eval(b)?);
        lift2(x, y, &mut |x, y| scalar_binary(op, x, y, pos))
    }
}

fn scalar_binary(op: &str, x: Value, y: Value, pos: Pos) -> Result<Value, EvalError> {
    match op {
        "=" | "<>" | "<" | "<=" | ">" | ">=" => {
            if x.is_null() || y.is_null() {
                return Ok(Value::Bool(false));
            }
            let ord = compare(&x, &y).ok_or_else(|| {
                Ctx::type_error(
                    pos,
                    format!(
                        "cannot compare a {} with a {}",
                        x.type_name(),
                        y.type_name()
                    ),
                )
            })?;
            use std::cmp::Ordering::*;
            Ok(Value::Bool(match op {
                "=" => ord == Equal,
                "<>" => ord != Equal,
                "<" => ord == Less,
                "<=" => ord != Greater,
                ">" => ord == Greater,
                _ => ord != Less,
            }))
        }
        "&" => {
            if x.is_null() || y.is_null() {
                return Ok(Value::Null);
            }
            if let (Value::Bin(p), Value::Bin(q)) = (&x, &y) {
                check_size(p.len() + q.len(), pos, "`&`")?;
                return Ok(Value::Bin([p.as_slice(), q.as_slice()].concat()));
            }
            match (x.text(), y.text()) {
                (Some(p), Some(q)) => {
                    check_size(p.len() + q.len(), pos, "`&`")?;
                    Ok(Value::Str(p + &q))
                }
                _ => Err(Ctx::type_error(
                    pos,
                    format!(
                        "cannot concatenate a {} and a {}",
                        x.type_name(),
                        y.type_name()
                    ),
                )),
            }
        }
        _ => {
            if x.is_null() || y.is_null() {
                return Ok(Value::Null);
            }
            let (p, q) = match (x.num(), y.num()) {
                (Some(p), Some(q)) => (p, q),
                _ => {
                    return Err(Ctx::type_error(
                        pos,
                        format!(
                            "`{op}` needs numbers, not {} and {}",
                            x.type_name(),
                            y.type_name()
                        ),
                    ));
                }
            };
            if op == "/" && q == 0 {
                return Err(Ctx::type_error(pos, "division by zero"));
            }
            // Checked: the engine's numbers are 64-bit, and `i64::MIN / -1` would panic.
            let result = match op {
                "+" => p.checked_add(q),
                "-" => p.checked_sub(q),
                "*" => p.checked_mul(q),
                _ => p.checked_div(q),
            };
            result.map(Value::Num).ok_or_else(|| {
                Ctx::type_error(pos, format!("`{p} {op} {q}` overflows a 64-bit number"))
            })
        }
    }
}

/// Largest string or binary value (in bytes) an expression may build. Attribute values are
/// at most a few hundred KB (certificates); without a cap, `PadLeft(…, 10^12, …)` or a
/// doubling `&`/`Replace` nested a few dozen deep would exhaust memory.
pub const MAX_VALUE_BYTES: usize = 16 << 20;

/// Refuses, before allocating, a result of `len` bytes over [`MAX_VALUE_BYTES`].
pub(crate) fn check_size(len: usize, pos: Pos, what: &str) -> Result<(), EvalError> {
    if len > MAX_VALUE_BYTES {
        return Err(Ctx::type_error(
            pos,
            format!(
                "{what} would build a value of {len} bytes, more than the {} MiB limit",
                MAX_VALUE_BYTES >> 20
            ),
        ));
    }
    Ok(())
}

fn compare(x: &Value, y: &Value) -> Option<std::cmp::Ordering> {
    match (x, y) {
        (Value::Num(_) | Value::Bool(_), Value::Num(_) | Value::Bool(_)) => {
            Some(x.num()?.cmp(&y.num()?))
        }
        (Value::Dt(a), Value::Dt(b)) => Some(a.cmp(b)),
        (Value::Bin(a), Value::Bin(b)) => Some(a.cmp(b)),
        (Value::Bool(b), Value::Str(s)) | (Value::Str(s), Value::Bool(b)) => {
            let other = s.eq_ignore_ascii_case("true");
            let ord = b.cmp(&other);
            Some(if matches!(x, Value::Bool(_)) {
                ord
            } else {
                ord.reverse()
            })
        }
        (Value::Num(n), Value::Str(s)) => s.trim().parse::<i64>().ok().map(|m| n.cmp(&m)),
        (Value::Str(s), Value::Num(n)) => s.trim().parse::<i64>().ok().map(|m| m.cmp(n)),
        _ => Some(x.text_cow()?.cmp(&y.text_cow()?)),
    }
}

/// Applies `f` to a value, or to each value of a multi-valued one (dropping NULL results).
pub(crate) fn lift1(
    v: Value,
    f: &mut dyn FnMut(Value) -> Result<Value, EvalError>,
) -> Result<Value, EvalError> {
    match v {
        Value::Multi(items) => each_value(items, f),
        other => f(other),
    }
}

/// `f` applied to each of `items`, as a multi-valued result without the NULL results.
fn each_value<T>(
    items: impl IntoIterator<Item = T>,
    f: &mut dyn FnMut(T) -> Result<Value, EvalError>,
) -> Result<Value, EvalError> {
    let mut out = Vec::new();
    for item in items {
        match f(item)? {
            Value::Null => {}
            r => out.push(r),
        }
    }
    Ok(Value::Multi(out))
}

/// [`lift1`] on a borrowed value: `f` reads each value in place (no copy of a certificate
/// or of a text to match).
pub(crate) fn lift_ref(
    v: &Value,
    f: &mut dyn FnMut(&Value) -> Result<Value, EvalError>,
) -> Result<Value, EvalError> {
    match v {
        Value::Multi(items) => each_value(items, f),
        other => f(other),
    }
}

/// Two-argument lifting: multi × scalar maps; multi × multi pairs values by position.
pub(crate) fn lift2(
    x: Value,
    y: Value,
    f: &mut dyn FnMut(Value, Value) -> Result<Value, EvalError>,
) -> Result<Value, EvalError> {
    match (x, y) {
        (Value::Multi(a), Value::Multi(b)) => {
            let mut out = Vec::new();
            for (p, q) in a.into_iter().zip(b) {
                match f(p, q)? {
                    Value::Null => {}
                    r => out.push(r),
                }
            }
            Ok(Value::Multi(out))
        }
        (Value::Multi(a), q) => lift1(Value::Multi(a), &mut |p| f(p, q.clone())),
        (p, Value::Multi(b)) => lift1(Value::Multi(b), &mut |q| f(p.clone(), q)),
        (p, q) => f(p, q),
    }
}

#[cfg(test)]
mod tests {
    //! The decisions this module's documentation states, each pinned by a test.

    use std::collections::BTreeMap;

    use crate::object::Object;
    use crate::parser::parse;
    use crate::value::Value;

    fn eval_on(expr: &str, attrs: &[(&str, Vec<Value>)]) -> Result<Value, crate::error::EvalError> {
        let mut o = Object::default();
        for (k, v) in attrs {
            o.attributes.insert((*k).to_string(), v.clone());
        }
        let params = BTreeMap::new();
        crate::eval::Ctx::new(&o, &params, 0).eval(&parse(expr).unwrap())
    }

    /// The borrowed fast paths (`Left(x,k) = "…"`, `InStr(UCase(x), "…")`) answer what the
    /// general path answers: `--explain` always takes the general path, so each expression
    /// is evaluated both ways over values that reach every branch.
    #[test]
    fn fast_paths_agree_with_the_general_path() {
        let exprs = [
            r#"Left([v],2) = "6.""#,
            r#"Left([v],3) <> "6.3""#,
            r#"Right([v],4) = "9600""#,
            r#"Left([v],0) = """#,
            r#"Left([v],-1) = "6.3""#,
            r#"Left([v],99) <> "6.3 (9600)""#,
            r#"Left([r],2) = "CN""#,
            r#"Left("é6.3",2) = "é6""#,
            r#"InStr(UCase([os]),"WINDOWS")"#,
            r#"InStr(UCase([os]),"windows")"#,
            r#"InStr(UCase([os]),"")"#,
            r#"InStr(UCase([r]),"OU=")"#,
            r#"InStr(UCase("xwindows"),"WINDOWS") > 0"#,
        ];
        let values = [
            vec![],
            vec![Value::Str(String::new())],
            vec![Value::Str("6.3 (9600)".into())],
            vec![Value::Str("6.1".into())],
            vec![Value::Str("Windows Server 2012 R2".into())],
            vec![Value::Str("wİndows ß windows".into())],
            vec![Value::Str("é6.3 (9600)".into())],
            vec![Value::Num(6)],
            vec![Value::Str("6.3".into()), Value::Str("6.1".into())],
        ];
        let params = BTreeMap::new();
        for expr in exprs {
            let parsed = parse(expr).unwrap();
            for v in &values {
                let mut o = Object::default();
                for name in ["v", "os"] {
                    o.attributes.insert(name.into(), v.clone());
                }
                o.attributes
                    .insert("r".into(), vec![Value::Ref("CN=a,OU=b".into())]);
                let fast = crate::eval::Ctx::new(&o, &params, 0).eval(&parsed);
                let general = crate::eval::Ctx::new(&o, &params, 0)
                    .explain()
                    .eval(&parsed);
                assert_eq!(fast, general, "{expr} on {v:?}");
            }
        }
    }

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    #[test]
    fn null_rules() {
        assert_eq!(eval_on("[a] = \"x\"", &[]).unwrap(), Value::Bool(false));
        assert_eq!(eval_on("[a] <> \"x\"", &[]).unwrap(), Value::Bool(false));
        assert_eq!(eval_on("\"t-\" & [a]", &[]).unwrap(), Value::Null);
        assert_eq!(eval_on("[a] + 1", &[]).unwrap(), Value::Null);
        assert_eq!(eval_on("CBool(NULL)", &[]).unwrap(), Value::Bool(false));
        assert_eq!(eval_on("UCase([a])", &[]).unwrap(), Value::Null);
        assert_eq!(eval_on("InStr([a], \"x\")", &[]).unwrap(), Value::Num(0));
        assert_eq!(eval_on("Count([a])", &[]).unwrap(), Value::Num(0));
    }

    #[test]
    fn laziness() {
        // The branch not taken, and the Switch value not chosen, never run their Error().
        assert_eq!(
            eval_on("IIF(True, 1, Error(\"no\"))", &[]).unwrap(),
            Value::Num(1)
        );
        assert_eq!(
            eval_on("Switch(False, Error(\"no\"), True, 2)", &[]).unwrap(),
            Value::Num(2)
        );
        assert_eq!(
            eval_on("False && Error(\"no\")", &[]).unwrap(),
            Value::Bool(false)
        );
        assert!(eval_on("IIF(False, 1, Error(\"yes\"))", &[]).is_err());
    }

    #[test]
    fn multi_valued_lifting() {
        let proxies = vec![
            s("SMTP:a@contoso.com"),
            s("SIP:a@contoso.com"),
            s("smtp:b@contoso.com"),
        ];
        let v = eval_on(
            "IIF(InStr([proxyAddresses],\"SIP:\")=1,NULL,[proxyAddresses])",
            &[("proxyAddresses", proxies.clone())],
        )
        .unwrap();
        assert_eq!(
            v,
            Value::Multi(vec![s("SMTP:a@contoso.com"), s("smtp:b@contoso.com")])
        );
        let v = eval_on(
            "Word([proxyAddresses],1,\"@\") & \"@fabrikam.com\"",
            &[("proxyAddresses", proxies)],
        )
        .unwrap();
        assert_eq!(
            v,
            Value::Multi(vec![
                s("SMTP:a@fabrikam.com"),
                s("SIP:a@fabrikam.com"),
                s("smtp:b@fabrikam.com")
            ])
        );
        // Is* predicates look at the whole attribute.
        let two = vec![Value::Bin(vec![1]), Value::Bin(vec![2])];
        assert_eq!(
            eval_on(
                "IIF(IsNullOrEmpty([userCertificate]),True,NULL)",
                &[("userCertificate", two)]
            )
            .unwrap(),
            Value::Null
        );
    }

    #[test]
    fn arithmetic_overflow_is_an_error_with_its_position() {
        for expr in [
            "(-9223372036854775807-1)/-1",
            "9223372036854775807 + 1",
            "(-9223372036854775807-1) - 1",
            "4611686018427387904 * 2",
            "-(-9223372036854775807-1 + [a])",
        ] {
            let e = eval_on(expr, &[("a", vec![Value::Num(0)])]).unwrap_err();
            assert!(e.to_string().contains("overflows"), "{expr}: {e}");
            assert!(e.to_string().contains("line 1, column"), "{expr}: {e}");
        }
        assert_eq!(eval_on("7 / -1", &[]).unwrap(), Value::Num(-7));
        // Dates and RandomNum take numbers from input too.
        for expr in [
            "DateAdd(\"d\", 9223372036854775807, DateFromNum(0))",
            "DateAdd(\"yyyy\", 9223372036854775807, DateFromNum(0))",
        ] {
            assert!(eval_on(expr, &[]).is_err(), "{expr}");
        }
        assert!(
            eval_on(
                "RandomNum(-9223372036854775807-1, 9223372036854775807)",
                &[]
            )
            .is_ok()
        );
        assert!(
            eval_on(
                "FormatDateTime(DateFromNum(-9223372036854775807-1), \"yyyy\")",
                &[]
            )
            .is_ok()
        );
    }

    #[test]
    fn sizes_from_input_are_capped_before_allocating() {
        for expr in [
            "PadLeft(\"x\", 1000000000000, \"0\")",
            "PadRight(\"x\", 9223372036854775807, \"0\")",
            "Replace(Replace(Replace(PadLeft(\"a\", 100000, \"a\"), \"a\", PadLeft(\"b\", 1000, \"b\")), \"b\", \"cc\"), \"c\", \"dd\")",
            "With($x, PadLeft(\"a\", 10000000, \"a\"), $x & $x)",
            "ReplaceChars(PadLeft(\"a\", 10000000, \"a\"), \"a:bbbbbbbb\")",
            "Join(Split(PadLeft(\",\", 10000000, \",\"), \",\"), PadLeft(\"x\", 100, \"x\"))",
        ] {
            let e = eval_on(expr, &[]).unwrap_err();
            assert!(e.to_string().contains("MiB limit"), "{expr}: {e}");
        }
        assert_eq!(eval_on("PadLeft(\"7\", 3, \"0\")", &[]).unwrap(), s("007"));
    }

    #[test]
    fn case_sensitive_names_with_a_hint() {
        let e = eval_on("[OperatingSystem]", &[("operatingSystem", vec![s("x")])]).unwrap_err();
        assert!(e.to_string().contains("[operatingSystem]"), "{e}");
        // Function names are resolved when parsed: a mis-cased one is a syntax error.
        let e = parse("ucase(\"x\")").unwrap_err();
        assert!(e.to_string().contains("`UCase`"), "{e}");
    }
}
