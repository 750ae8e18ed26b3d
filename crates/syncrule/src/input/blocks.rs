//! LDIF read in blocks on several threads, with results handed back in input order.
//!
//! An LDIF record ends at a blank line, and nothing carries from one record to the next
//! (the reader's state after a blank line is its state at the start of a file), so an export
//! cut at blank lines into blocks of about [`Options::block`] bytes can be read block by
//! block, each on its own thread, by the same streaming reader ([`super::objects`] uses)
//! and give the same objects and the same problems. Problems name their line: a block's
//! reader counts from its own start, and the lines of the blocks before are added when the
//! block's results come back, in order.
//!
//! Memory stays flat: a reader thread cuts blocks, at most two per worker wait or are in
//! work, and results are handed on as soon as every earlier block's are.
//!
//! One difference from the streaming reader, on hostile input only: a run of more than
//! [`Options::max_block`] bytes without a blank line is cut at a line end (the record
//! it cuts is read as two, the second without its `dn:`), instead of being held whole.

use std::io::{BufRead, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use mde_artifacts::ldif::LdifReader;
use mde_artifacts::location::Location;

use super::block_ldif::BlockRecords;
use crate::object::Object;

/// How an export is cut and read.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Worker threads (at least one).
    pub threads: usize,
    /// Bytes read per block before looking for the blank line to cut at.
    pub block: usize,
    /// Largest block when no blank line comes (see the module documentation).
    pub max_block: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
            block: 1 << 20,
            max_block: 64 << 20,
        }
    }
}

/// A problem in the export: a line stepped over, a value that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, as the streaming reader names it (`line 12`).
    pub at: Location,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// What a worker hands back for one block.
struct Done<T> {
    out: T,
    problems: Vec<Problem>,
    lines: usize,
}

/// Reads the LDIF of `input` in blocks: `work` runs on a worker thread over each block's
/// objects (in order within the block) and returns what the block gave; `done` runs on the
/// calling thread with each block's result and its problems, blocks in input order.
/// Objects are typed as [`super::objects`] types them, keeping only `wanted` attributes.
pub fn ldif<R, T, W, D>(
    input: R,
    wanted: Option<&[String]>,
    options: Options,
    work: W,
    mut done: D,
) -> std::io::Result<()>
where
    R: BufRead + Send,
    T: Send,
    W: Fn(&mut dyn Iterator<Item = Object>) -> T + Sync,
    D: FnMut(T, Vec<Problem>) -> std::io::Result<()>,
{
    let threads = options.threads.max(1);
    std::thread::scope(|scope| {
        let mut to_workers = Vec::new();
        let mut from_workers = Vec::new();
        // Blocks read go back to the cutter to be filled again: no allocation (and no fresh
        // pages to fault in) per block.
        let (send_free, free) = std::sync::mpsc::channel::<Block>();
        for _ in 0..threads {
            let (send_block, blocks) = sync_channel::<Block>(1);
            let (send_done, dones) = sync_channel::<Done<T>>(1);
            let work = &work;
            let send_free = send_free.clone();
            scope.spawn(move || worker(blocks, send_done, send_free, wanted, work));
            to_workers.push(send_block);
            from_workers.push(dones);
        }
        drop(send_free);
        let cutter = scope.spawn(move || cut(input, options, to_workers, free));
        // Results in input order: block i went to worker i % threads.
        let mut lines = 0usize;
        let mut failed = None;
        'blocks: for i in 0.. {
            let Ok(block) = from_workers[i % threads].recv() else {
                break 'blocks;
            };
            let problems = block
                .problems
                .into_iter()
                .map(|mut p| {
                    if let Location::Line(n) = &mut p.at {
                        *n += lines;
                    }
                    p
                })
                .collect();
            lines += block.lines;
            if let Err(e) = done(block.out, problems) {
                failed = Some(e);
                break 'blocks;
            }
        }
        // Stop the cutter and the workers (their channels close as these drop).
        drop(from_workers);
        if let Some(e) = failed {
            return Err(e);
        }
        if let Ok(Some(e)) = cutter.join() {
            let problem = Problem {
                at: Location::Line(lines + 1),
                message: format!("read error: {e}"),
            };
            return done_problem(&mut done, &work, problem);
        }
        Ok(())
    })
}

/// A read error after the last block: reported like the streaming reader's.
fn done_problem<T, W, D>(done: &mut D, work: &W, problem: Problem) -> std::io::Result<()>
where
    W: Fn(&mut dyn Iterator<Item = Object>) -> T,
    D: FnMut(T, Vec<Problem>) -> std::io::Result<()>,
{
    done(work(&mut std::iter::empty()), vec![problem])
}

fn worker<T>(
    blocks: Receiver<Block>,
    dones: SyncSender<Done<T>>,
    free: std::sync::mpsc::Sender<Block>,
    wanted: Option<&[String]>,
    work: &(dyn Fn(&mut dyn Iterator<Item = Object>) -> T + Sync),
) {
    let lazy = crate::object::binary_attributes();
    while let Ok(block) = blocks.recv() {
        // A rule's few attributes: read in place ([`BlockRecords`]); every attribute (the
        // simulation's objects): by the streaming reader.
        let (out, lines, problems) = match wanted {
            Some(wanted) => {
                let mut objects = BlockRecords::new(block.bytes(), block.first, wanted, &lazy);
                let out = work(&mut objects);
                // Whatever `work` left unread is read still, for its problems and line count.
                objects.by_ref().for_each(drop);
                (
                    out,
                    objects.lines_read(),
                    std::mem::take(&mut objects.problems),
                )
            }
            None => {
                // After the first block, a blank line ahead: the reader's line 1, where it
                // drops a BOM, is then not one of the block's (and is taken off the count).
                let ahead: &[u8] = if block.first { b"" } else { b"\n" };
                let mut objects = BlockObjects {
                    reader: LdifReader::new(ahead.chain(block.bytes())).lazy_base64(&lazy),
                    wanted,
                    ahead: ahead.len(),
                    problems: Vec::new(),
                };
                let out = work(&mut objects);
                objects.by_ref().for_each(drop);
                let lines = objects.reader.lines_read().saturating_sub(ahead.len());
                (out, lines, std::mem::take(&mut objects.problems))
            }
        };
        let _ = free.send(block);
        let done = Done {
            out,
            problems,
            lines,
        };
        if dones.send(done).is_err() {
            return;
        }
    }
}

struct BlockObjects<'a> {
    reader: LdifReader<std::io::Chain<&'a [u8], &'a [u8]>>,
    /// Lines read ahead of the block's own (0 or 1).
    ahead: usize,
    wanted: Option<&'a [String]>,
    problems: Vec<Problem>,
}

impl Iterator for BlockObjects<'_> {
    type Item = Object;

    fn next(&mut self) -> Option<Object> {
        let record = self.reader.next();
        for d in self.reader.take_diagnostics() {
            let mut at = d.at;
            if let Location::Line(n) = &mut at {
                *n = n.saturating_sub(self.ahead);
            }
            self.problems.push(Problem {
                at,
                message: d.message,
            });
        }
        Some(Object::from_ldif_owned(record?, self.wanted))
    }
}

/// Cuts `input` into blocks that end at a blank line, dealt to the workers in turn. Returns
/// the read error that ended the input early, if one did.
/// Bytes of the input, in a buffer that is reused: its bytes past `len` are left from an
/// earlier block (so a reused buffer is not zeroed again before each read).
#[derive(Default)]
struct Block {
    buffer: Vec<u8>,
    len: usize,
    /// The export's first block: the only one whose line 1 is the file's, where a BOM is
    /// dropped.
    first: bool,
}

impl Block {
    fn bytes(&self) -> &[u8] {
        &self.buffer[..self.len]
    }

    /// Room for `more` bytes past `len`, to read into.
    fn room(&mut self, more: usize) -> &mut [u8] {
        if self.buffer.len() < self.len + more {
            self.buffer.resize(self.len + more, 0);
        }
        &mut self.buffer[self.len..self.len + more]
    }

    fn push(&mut self, bytes: &[u8]) {
        self.room(bytes.len()).copy_from_slice(bytes);
        self.len += bytes.len();
    }
}

fn cut<R: BufRead>(
    mut input: R,
    options: Options,
    workers: Vec<SyncSender<Block>>,
    free: Receiver<Block>,
) -> Option<std::io::Error> {
    let mut next = 0usize;
    let mut carry: Vec<u8> = Vec::new();
    let mut send = |mut block: Block| {
        block.first = next == 0;
        let sent = workers[next % workers.len()].send(block).is_ok();
        next += 1;
        sent
    };
    loop {
        let mut block = free.try_recv().unwrap_or_default();
        block.len = 0;
        block.push(&carry);
        carry.clear();
        let mut error = None;
        let mut eof = false;
        // Bytes of the block already searched for a blank line.
        let mut searched = 0usize;
        // Cut at the first blank line past the block size; read on until there is one. Reads
        // go straight into the block, and a read at least as large as the input's buffer
        // bypasses it, so the bytes are copied once, from the kernel.
        loop {
            if block.len >= options.block {
                let from = searched.max(options.block).saturating_sub(2);
                if let Some(end) = boundary(block.bytes(), from) {
                    carry.extend_from_slice(&block.bytes()[end..]);
                    block.len = end;
                    break;
                }
                searched = block.len;
                if block.len >= options.max_block {
                    let end = memchr::memrchr(b'\n', block.bytes()).map_or(block.len, |i| i + 1);
                    carry.extend_from_slice(&block.bytes()[end..]);
                    block.len = end;
                    break;
                }
            }
            let want = options.block.saturating_sub(block.len).max(READ);
            match input.read(block.room(want)) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => block.len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    error = Some(e);
                    eof = true;
                    break;
                }
            }
        }
        if block.len > 0 && !send(block) {
            return error;
        }
        if eof {
            if !carry.is_empty() {
                let mut last = Block::default();
                last.push(&carry);
                send(last);
            }
            return error;
        }
    }
}

/// Fewest bytes asked of the input per read: as large as the input's buffer (see
/// [`super::open`]), so reads bypass it. Past the block size, reads are this small, so the
/// part after the cut, copied into the next block, is small too.
const READ: usize = super::BUFFER;

/// Where the first blank line whose preceding line end is at or after `from` ends: just
/// past its own line end.
fn boundary(block: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = memchr::memchr(b'\n', &block[at..]) {
        let end = at + i + 1;
        match block.get(end..) {
            Some([b'\n', ..]) => return Some(end + 1),
            Some([b'\r', b'\n', ..]) => return Some(end + 2),
            _ => at = end,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{Options, ldif};
    use crate::object::Object;

    /// What the streaming reader gives: objects, and problems as strings.
    fn streamed(text: &[u8], wanted: Option<&[String]>) -> (Vec<Object>, Vec<String>) {
        let (mut objects, mut problems) = (Vec::new(), Vec::new());
        // The LDIF reader itself: a text cut anywhere may not sniff as LDIF.
        for item in crate::input::ldif::objects(text, wanted) {
            match item {
                Ok(o) => objects.push(o),
                Err(e) => problems.push(e),
            }
        }
        (objects, problems)
    }

    fn blocked(
        text: &[u8],
        block: usize,
        threads: usize,
        wanted: Option<&[String]>,
    ) -> (Vec<Object>, Vec<String>) {
        let (mut objects, mut problems) = (Vec::new(), Vec::new());
        let options = Options {
            threads,
            block,
            max_block: 1 << 20,
        };
        ldif(
            text,
            wanted,
            options,
            |items| items.collect::<Vec<_>>(),
            |mut some, found| {
                objects.append(&mut some);
                problems.extend(found.iter().map(ToString::to_string));
                Ok(())
            },
        )
        .unwrap();
        (objects, problems)
    }

    /// The attribute lists the tests read with: every attribute (the streaming reader per
    /// block), and a rule's few (the records read in place, `block_ldif`), `[dn]` among them
    /// or not, names mis-cased.
    fn wanted_lists() -> Vec<Option<Vec<String>>> {
        let list = |names: &[&str]| Some(names.iter().map(|n| (*n).to_string()).collect());
        vec![
            None,
            list(&["cn", "objectGUID", "operatingSystem", "userCertificate"]),
            list(&[
                "dn",
                "CN",
                "objectguid",
                "description",
                "operatingSystemVersion",
                "changetype",
                "version",
                "userCertificate",
                "url",
            ]),
        ]
    }

    /// Every cut gives what the streaming reader gives: LF and CRLF, folded lines, damaged
    /// lines (with their line numbers), a blank line at the very end or none; and the same
    /// with a rule's few attributes read in place.
    #[test]
    fn blocks_read_as_the_stream_does() {
        let mut text = String::from("version: 1\r\n\r\n");
        for i in 0..300 {
            let end = if i % 3 == 0 { "\n" } else { "\r\n" };
            text.push_str(&format!("dn: CN=PC{i},DC=x{end}cn: PC{i}{end}"));
            text.push_str(&format!("objectGUID:: K0qBC+sYak+U{end} STOHz0Cyeg=={end}"));
            if i % 7 == 0 {
                text.push_str(&format!("this line is damaged{end}"));
            }
            if i % 11 == 0 {
                text.push_str(&format!(
                    "{end} a continuation with nothing to continue{end}"
                ));
            }
            text.push_str(&format!("operatingSystem: Windows{end}{end}"));
        }
        text.push_str("dn: CN=last,DC=x\ncn: last");
        for wanted in wanted_lists() {
            let wanted = wanted.as_deref();
            let expected = streamed(text.as_bytes(), wanted);
            assert_eq!(expected.0.len(), 301);
            assert!(expected.1.len() > 60, "{:?}", expected.1);
            for block in [1, 7, 64, 500, 4096, 1 << 20] {
                for threads in [1, 2, 3] {
                    assert_eq!(
                        blocked(text.as_bytes(), block, threads, wanted),
                        expected,
                        "block {block}, {threads} thread(s), {wanted:?}"
                    );
                }
            }
        }
    }

    /// Records of every shape, each read in place or handed to the streaming reader (see
    /// `block_ldif`), give what the streaming reader gives for the whole export, objects and
    /// problems with their lines, cut anywhere.
    #[test]
    fn records_read_in_place_as_the_stream_reads_them() {
        let shapes: [&[u8]; 24] = [
            b"dn: CN=a,DC=x\ncn: a\nobjectGUID:: K0qBC+sYak+USTOHz0Cyeg==\n",
            b"dn: CN=b,DC=x\r\ncn: b  \t\r\noperatingSystem:Windows\r\noperatingSystem: again\r\n",
            b"# a comment\n# that folds\n  on\ndn: CN=c,DC=x\ncn: c\n",
            b"dn: CN=d,\n DC=x\ncn: folded\n  text\ndescription: caf\xc3\xa9\n",
            b"dn: CN=e,DC=x\ndescription: caf\xe9 in Windows-1252\ncn: e\n",
            b"dn:: Q049UEMwMixEQz1jb250b3NvLERDPWNvbQ==\ncn: f\n",
            b"dn: CN=g,DC=x\ndescription:: IGxlYWRpbmcgc3BhY2U=\n",
            b"dn: CN=h,DC=x\nurl:< file:///etc/passwd\n",
            b"dn: CN=i,DC=x\nuserCertificate;binary:: TUlJQz\n BhZG\n  Fh\nuserCertificate:: \n",
            b"dn: CN=j,DC=x\nchangetype: add\ndn: CN=other\nCN: J\n-\ncn: j\n",
            b"dn: CN=k,DC=x\nno colon here\ncn: k\n",
            b"dn: CN=l,DC=x\nbad name!: x\ncn: l\n",
            b"cn: before any dn\ndn: CN=m,DC=x\n",
            b"search: 2\nresult: 0 Success\n",
            b"search: 2\nresult: 4 Size limit exceeded\n",
            b"ref: ldap://x/DC=x\n",
            b" an orphan continuation\ndn: CN=n,DC=x\n",
            b"dn: CN=o,DC=x\nobjectGUID:: not base64 !\nobjectGUID:: AAEC\n",
            b"dn: CN=p,DC=x\nobjectGUID: text where base64 was expected\n",
            b"dn: CN=q,DC=x\nuserCertificate:: TUlJ\xff\n",
            b"dn: CN=r,DC=x\nobjectGUID\n :: AAEC\nopera\n tingSystem: folded name\n",
            b"dn: CN=s,DC=x\r\r\ncn: s\r\n\t\r\ncn: after a tab line\r\n",
            b"dn:CN=t,DC=x\nversion: 1\nDN: CN=t2\n",
            b"\xef\xbb\xbfdn: CN=u,DC=x\ncn: u\n",
        ];
        let mut text = b"\xef\xbb\xbfversion: 1\n\n".to_vec();
        for (i, shape) in shapes.iter().chain(shapes.iter().rev()).enumerate() {
            text.extend_from_slice(shape);
            text.extend_from_slice(if i % 4 == 0 { b"\r\n" } else { b"\n" });
            if i % 5 == 0 {
                text.extend_from_slice(b"\n \n\n");
            }
        }
        text.extend_from_slice(b"dn: CN=end,DC=x\ncn: no line end");
        for start in [&text[..], &text[3..], &text[text.len() / 2..]] {
            for wanted in wanted_lists() {
                let wanted = wanted.as_deref();
                let expected = streamed(start, wanted);
                assert!(
                    expected.0.len() > 20 && expected.1.len() > 5,
                    "{expected:?}"
                );
                for block in [1, 9, 100, 1 << 20] {
                    for threads in [1, 2] {
                        assert_eq!(
                            blocked(start, block, threads, wanted),
                            expected,
                            "block {block}, {threads} thread(s), {wanted:?}"
                        );
                    }
                }
            }
        }
    }

    /// Lines of the shapes an export holds, and damaged ones.
    const PIECES: [&[u8]; 22] = [
        b"dn: CN=a,DC=x",
        b"dn:: Q049YSxEQz14",
        b"cn: a",
        b"CN: b ",
        b"objectGUID:: K0qBC+sYak+USTOHz0Cyeg==",
        b"objectGUID:: K0qBC+sY",
        b" ak+USTOHz0Cyeg==",
        b" ",
        b"",
        b"\t",
        b"# comment",
        b"-",
        b"userCertificate;binary:: TUlJ",
        b"operatingSystem: caf\xe9",
        b"operatingSystem: caf\xc3\xa9",
        b"description:< file:///x",
        b"description:: IGxlYWRpbmc=",
        b"no colon",
        b"bad name!: x",
        b"version: 1",
        b"result: 1 Operations error",
        b"\xef\xbb\xbfdn: CN=bom",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Any sequence of such lines, with any line ends, cut anywhere, reads as the
        /// streaming reader reads it, for every attribute list.
        #[test]
        fn any_lines_read_as_the_stream_reads_them(
            lines in proptest::collection::vec((0..PIECES.len(), 0..3usize), 0..60),
            block in 1..200usize,
            threads in 1..3usize,
        ) {
            let mut text = Vec::new();
            for (piece, end) in lines {
                text.extend_from_slice(PIECES[piece]);
                text.extend_from_slice([&b"\n"[..], b"\r\n", b""][end]);
            }
            for wanted in wanted_lists() {
                let wanted = wanted.as_deref();
                proptest::prop_assert_eq!(
                    blocked(&text, block, threads, wanted),
                    streamed(&text, wanted)
                );
            }
        }
    }

    #[test]
    fn an_empty_input_gives_nothing() {
        assert_eq!(blocked(b"", 16, 2, None), (vec![], vec![]));
        let wanted = ["cn".to_string()];
        assert_eq!(blocked(b"", 16, 2, Some(&wanted)), (vec![], vec![]));
    }
}
