//! LDIF as `ldifde` and `ldapsearch` write it, through the streaming reader of
//! `mde-artifacts`, typed by the AD schema ([`Object::from_ldif_owned`]).

use std::collections::VecDeque;
use std::io::BufRead;

use mde_artifacts::ldif::LdifReader;

use super::Item;
use crate::object::Object;

/// Objects, with the lines the reader stepped over reported as items in between (each names
/// its line), so a damaged export is never silently half-read.
pub(super) fn objects<'a, R: BufRead + 'a>(
    input: R,
    wanted: Option<&'a [String]>,
) -> impl Iterator<Item = Item> + 'a {
    let reader = LdifReader::new(input).lazy_base64(&crate::object::binary_attributes());
    let reader = match wanted {
        Some(w) => reader.only(w),
        None => reader,
    };
    LdifObjects {
        reader,
        wanted,
        queued: VecDeque::new(),
    }
}

struct LdifObjects<'a, R> {
    reader: LdifReader<R>,
    wanted: Option<&'a [String]>,
    queued: VecDeque<Item>,
}

impl<R: BufRead> Iterator for LdifObjects<'_, R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if let Some(item) = self.queued.pop_front() {
            return Some(item);
        }
        let record = self.reader.next();
        for d in self.reader.take_diagnostics() {
            self.queued
                .push_back(Err(format!("{}: {}", d.at, d.message)));
        }
        if let Some(record) = record {
            let object = Object::from_ldif_owned(record, self.wanted);
            self.queued.push_back(Ok(object));
        }
        self.queued.pop_front()
    }
}
