//! CSV from `Get-ADComputer -Properties … | Export-Csv` (Windows PowerShell 5.1 writes a
//! `#TYPE` line first; PowerShell 7 does not).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{BufRead, Read};
use std::rc::Rc;

use super::Item;
use super::powershell::{ldap_name, text_values};
use crate::object::Object;
use crate::value::Value;

pub(super) fn objects<'a>(
    mut reader: Box<dyn BufRead + 'a>,
) -> std::io::Result<Box<dyn Iterator<Item = Item> + 'a>> {
    let peek = reader.fill_buf()?;
    let type_line = peek.starts_with(b"#TYPE") || peek.starts_with(b"\xEF\xBB\xBF#TYPE");
    if type_line {
        reader.read_line(&mut String::new())?;
    }
    let newlines = Rc::new(RefCell::new(Newlines {
        before: u64::from(type_line),
        ..Newlines::default()
    }));
    let counted = CountNewlines {
        inner: reader,
        offset: 0,
        newlines: Rc::clone(&newlines),
    };
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(counted);
    let headers: Vec<String> = csv
        .headers()
        .map_err(std::io::Error::other)?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    Ok(Box::new(csv.into_records().map(move |rec| {
        let rec = rec.map_err(|e| e.to_string())?;
        let line = newlines
            .borrow_mut()
            .line_at(rec.position().map_or(0, csv::Position::byte));
        object(&headers, &rec).map_err(|e| format!("line {line}: {e}"))
    })))
}

/// Where the input's newlines are, for the physical line a record starts on: the csv
/// crate's own line count is one short after CRLF line ends (it reports a record as
/// starting on the `\n` that ends the line before), and PowerShell writes CRLF.
#[derive(Default)]
struct Newlines {
    /// Lines consumed before the CSV reader (the `#TYPE` line).
    before: u64,
    /// Newlines passed so far.
    passed: u64,
    /// Offsets of newlines read ahead but not yet passed (bounded by the csv reader's buffer).
    ahead: VecDeque<u64>,
}

impl Newlines {
    /// The line a record starting at byte `offset` is on; offsets only grow.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.ahead.front().is_some_and(|&n| n <= offset) {
            self.ahead.pop_front();
            self.passed += 1;
        }
        self.before + self.passed + 1
    }
}

struct CountNewlines<R> {
    inner: R,
    offset: u64,
    newlines: Rc<RefCell<Newlines>>,
}

impl<R: Read> Read for CountNewlines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut newlines = self.newlines.borrow_mut();
        for (i, _) in buf[..n].iter().enumerate().filter(|(_, b)| **b == b'\n') {
            newlines.ahead.push_back(self.offset + i as u64);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

fn object(headers: &[String], rec: &csv::StringRecord) -> Result<Object, String> {
    let mut o = Object::default();
    for (h, v) in headers.iter().zip(rec.iter()) {
        if v.is_empty() {
            continue;
        }
        let name = ldap_name(h);
        let values = text_values(&name, h, v, "Export-Csv")?;
        if name == "distinguishedName" {
            o.dn = Some(v.to_string());
        }
        o.attributes.insert(name, values);
    }
    if let Some(dn) = &o.dn {
        o.attributes
            .insert("dn".into(), vec![Value::Ref(dn.clone())]);
    }
    Ok(o)
}
