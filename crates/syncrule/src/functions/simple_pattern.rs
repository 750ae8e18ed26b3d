//! A matcher for the regular expressions sync rules actually use: literals, `.`, simple
//! character classes and `* + ?`, optionally anchored by `^`/`$`.
//!
//! Why: the Windows Server 2012 R2 `cloudFiltered` rule builds a new pattern for every
//! object (`"CN=[{]*" & StringFromGuid([objectGUID]) & "[}]*"`), so over a million computer
//! objects compiling the pattern costs more than matching it. Patterns of this shape compile
//! here in a few hundred nanoseconds and match by a Thompson simulation over at most 63
//! positions (a bit set), linear in the subject like regex-lite. Anything else — groups,
//! alternation, counted repetition, ranges, escapes such as `\d`, non-ASCII — returns `None`
//! from [`SimplePattern::parse`] and goes to regex-lite, so the two agree by construction on
//! what is accepted; a property test checks they agree on what matches.
//!
//! Case-insensitive matching folds ASCII letters only, as regex-lite does (it has no
//! Unicode case tables).

/// What one position of the pattern accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Set {
    /// `.`: any character but `\n`.
    Any,
    /// A literal (ASCII; lower-cased when case-insensitive): most atoms, kept inline so a
    /// pattern built per object costs one allocation, not one per character.
    Byte(u8),
    /// A class of literals (ASCII; lower-cased when case-insensitive).
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Atom {
    set: Set,
    /// `?` and `*`: may be skipped.
    optional: bool,
    /// `*`: may repeat.
    repeat: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SimplePattern {
    atoms: Vec<Atom>,
    /// Bit `i` set when atom `i` may be skipped (for [`SimplePattern::closure`]).
    optional: u64,
    case_insensitive: bool,
    start_anchored: bool,
    end_anchored: bool,
}

/// Characters that are literals outside a class.
fn plain(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b" !\"#%&',-/:;<=>@_`~".contains(&c)
}

/// Characters accepted inside `[…]` (no ranges, negation, escapes or nested classes).
fn class_member(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b" !\"#%',/:;<=>@_`{}()|.*+?$".contains(&c)
}

impl SimplePattern {
    /// The pattern, if it stays within this matcher's subset.
    pub(crate) fn parse(pattern: &str, case_insensitive: bool) -> Option<SimplePattern> {
        let mut bytes = pattern.as_bytes();
        if !pattern.is_ascii() {
            return None;
        }
        let start_anchored = bytes.first() == Some(&b'^');
        if start_anchored {
            bytes = &bytes[1..];
        }
        let end_anchored = bytes.last() == Some(&b'$') && !bytes.ends_with(b"\\$");
        if end_anchored {
            bytes = &bytes[..bytes.len() - 1];
        }
        let fold = |c: u8| {
            if case_insensitive {
                c.to_ascii_lowercase()
            } else {
                c
            }
        };
        let mut atoms: Vec<Atom> = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            let set = match c {
                b'.' => Set::Any,
                b'[' => {
                    let end = i + 1 + bytes[i + 1..].iter().position(|b| *b == b']')?;
                    let members = &bytes[i + 1..end];
                    if members.is_empty() || !members.iter().all(|b| class_member(*b)) {
                        return None;
                    }
                    i = end;
                    Set::Bytes(members.iter().map(|b| fold(*b)).collect())
                }
                b'\\' => {
                    let escaped = *bytes.get(i + 1)?;
                    if !b"\\.+*?()|[]{}^$-#&~".contains(&escaped) {
                        return None;
                    }
                    i += 1;
                    Set::Byte(escaped)
                }
                c if plain(c) => Set::Byte(fold(c)),
                _ => return None,
            };
            i += 1;
            let quantifier = bytes.get(i).copied();
            if matches!(quantifier, Some(b'*' | b'+' | b'?')) {
                i += 1;
                // `a**`, `a+?` and the like: regex-lite's business.
                if matches!(bytes.get(i), Some(b'*' | b'+' | b'?' | b'{')) {
                    return None;
                }
            }
            match quantifier {
                Some(b'*') => atoms.push(Atom {
                    set,
                    optional: true,
                    repeat: true,
                }),
                Some(b'+') => {
                    atoms.push(Atom {
                        set: set.clone(),
                        optional: false,
                        repeat: false,
                    });
                    atoms.push(Atom {
                        set,
                        optional: true,
                        repeat: true,
                    });
                }
                Some(b'?') => atoms.push(Atom {
                    set,
                    optional: true,
                    repeat: false,
                }),
                _ => atoms.push(Atom {
                    set,
                    optional: false,
                    repeat: false,
                }),
            }
        }
        let optional = atoms
            .iter()
            .enumerate()
            .filter(|(i, a)| a.optional && *i < 64)
            .fold(0u64, |m, (i, _)| m | 1 << i);
        (atoms.len() < 64).then_some(SimplePattern {
            atoms,
            optional,
            case_insensitive,
            start_anchored,
            end_anchored,
        })
    }

    /// Adds the positions reachable by skipping optional atoms.
    /// (A run of optional atoms takes one round per atom; patterns have short runs.)
    fn closure(&self, mut states: u64) -> u64 {
        loop {
            let more = states | (states & self.optional) << 1;
            if more == states {
                return states;
            }
            states = more;
        }
    }

    fn accepts(&self, atom: &Atom, c: char) -> bool {
        match &atom.set {
            Set::Any => c != '\n',
            Set::Byte(member) => {
                let Ok(b) = u8::try_from(c) else {
                    return false;
                };
                let b = if self.case_insensitive {
                    b.to_ascii_lowercase()
                } else {
                    b
                };
                b.is_ascii() && b == *member
            }
            Set::Bytes(members) => {
                let Ok(b) = u8::try_from(c) else {
                    return false;
                };
                let b = if self.case_insensitive {
                    b.to_ascii_lowercase()
                } else {
                    b
                };
                b.is_ascii() && members.contains(&b)
            }
        }
    }

    /// Whether the pattern matches anywhere in `text` (or as anchored).
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let accept = 1u64 << self.atoms.len();
        let start = self.closure(1);
        let mut states = start;
        for c in text.chars() {
            if states & accept != 0 && !self.end_anchored {
                return true;
            }
            let mut next = 0u64;
            let mut live = states & !accept;
            while live != 0 {
                let i = live.trailing_zeros() as usize;
                live &= live - 1;
                let atom = &self.atoms[i];
                if self.accepts(atom, c) {
                    next |= if atom.repeat { 1 << i } else { 1 << (i + 1) };
                }
            }
            states = self.closure(next);
            if !self.start_anchored {
                states |= start;
            } else if states == 0 {
                return false;
            }
        }
        states & accept != 0
    }
}

#[cfg(test)]
mod tests {
    use super::SimplePattern;
    use proptest::prelude::*;

    fn regex_lite(pattern: &str, ci: bool) -> Option<regex_lite::Regex> {
        regex_lite::RegexBuilder::new(pattern)
            .case_insensitive(ci)
            .build()
            .ok()
    }

    #[test]
    fn the_2012r2_shape() {
        let guid = "0b814a2b-18eb-4f6a-9449-3387cf40b27a";
        let p = SimplePattern::parse(&format!("CN=[{{]*{guid}[}}]*"), true).unwrap();
        assert!(p.is_match("CN={0B814A2B-18EB-4F6A-9449-3387CF40B27A}"));
        assert!(p.is_match("CN=0b814a2b-18eb-4f6a-9449-3387cf40b27a"));
        assert!(p.is_match("O=x, CN={{0b814a2b-18eb-4f6a-9449-3387cf40b27a}}"));
        assert!(!p.is_match("CN={0b814a2b-18eb-4f6a-9449-3387cf40b27b}"));
        assert!(!p.is_match("CN=x0b814a2b-18eb-4f6a-9449-3387cf40b27a"));
        let strict = SimplePattern::parse(&format!("CN=[{{]*{guid}[}}]*"), false).unwrap();
        assert!(!strict.is_match("cn={0b814a2b-18eb-4f6a-9449-3387cf40b27a}"));
    }

    #[test]
    fn outside_the_subset_is_left_to_regex_lite() {
        for p in [
            "a|b", "(ab)", "a{2}", "[a-z]", "[^a]", "\\d", "é", "a**", "[", "\\", "a+?", "[]",
        ] {
            assert_eq!(SimplePattern::parse(p, false), None, "{p}");
        }
    }

    const PLAIN: &str = "aAbBzZ09 !\"#%&',-/:;<=>@_`~";
    const CLASS: &str = "aBz0 !\"#%',/:;<=>@_`{}()|.*+?$";
    const ESCAPED: &str = "\\.+*?()|[]{}^$-#&~";

    fn one_of(chars: &'static str) -> impl Strategy<Value = String> {
        prop::sample::select(chars.chars().collect::<Vec<_>>()).prop_map(String::from)
    }

    fn pattern() -> impl Strategy<Value = String> {
        let atom = prop_oneof![
            4 => one_of(PLAIN),
            1 => Just(".".to_string()),
            1 => one_of(ESCAPED).prop_map(|c| format!("\\{c}")),
            2 => prop::collection::vec(one_of(CLASS), 1..4).prop_map(|m| format!("[{}]", m.concat())),
        ];
        let quantified = (atom, prop_oneof!["", "\\*", "\\+", "\\?"]).prop_map(|(a, q)| a + &q);
        (
            prop_oneof!["", "\\^"],
            prop::collection::vec(quantified, 0..8),
            prop_oneof!["", "\\$"],
        )
            .prop_map(|(s, atoms, e)| s + &atoms.concat() + &e)
    }

    #[test]
    fn every_escape_and_member_is_one_regex_lite_accepts() {
        let escapes = ESCAPED.chars().map(|c| (format!("\\{c}"), c));
        let members = CLASS.chars().map(|c| (format!("[{c}]"), c));
        let plain = PLAIN.chars().map(|c| (c.to_string(), c));
        for (p, c) in escapes.chain(members).chain(plain) {
            assert!(SimplePattern::parse(&p, false).is_some(), "{p}");
            let full = regex_lite(&p, false).unwrap();
            assert!(full.is_match(&c.to_string()), "{p}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// Wherever this matcher takes a pattern, it decides as regex-lite does.
        #[test]
        fn agrees_with_regex_lite(
            p in pattern(),
            text in "[aAbBzZ09 !\"#%&',/:;<=>@_`~{}()|.*+?$\\\\^\n\u{212a}\u{17f}é\\[\\]-]{0,12}",
            ci in any::<bool>(),
        ) {
            if let Some(simple) = SimplePattern::parse(&p, ci) {
                let full = regex_lite(&p, ci).expect("regex-lite accepts the subset");
                prop_assert_eq!(simple.is_match(&text), full.is_match(&text), "{:?} on {:?}", p, text);
            }
        }
    }
}
