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

use std::io::BufRead;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use mde_artifacts::ldif::LdifReader;
use mde_artifacts::location::Location;

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
        let reader = LdifReader::new(block.bytes()).lazy_base64(&lazy);
        let reader = match wanted {
            Some(w) => reader.only(w),
            None => reader,
        };
        let mut objects = BlockObjects {
            reader,
            wanted,
            problems: Vec::new(),
        };
        let out = work(&mut objects);
        // Whatever `work` left unread is read still, for its problems and line count.
        objects.by_ref().for_each(drop);
        let lines = objects.reader.lines_read();
        let problems = std::mem::take(&mut objects.problems);
        drop(objects);
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
    reader: LdifReader<&'a [u8]>,
    wanted: Option<&'a [String]>,
    problems: Vec<Problem>,
}

impl Iterator for BlockObjects<'_> {
    type Item = Object;

    fn next(&mut self) -> Option<Object> {
        let record = self.reader.next();
        for d in self.reader.take_diagnostics() {
            self.problems.push(Problem {
                at: d.at,
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
    let mut send = |block: Block| {
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
    fn streamed(text: &[u8]) -> (Vec<Object>, Vec<String>) {
        let (mut objects, mut problems) = (Vec::new(), Vec::new());
        for item in crate::input::objects(text, None).unwrap() {
            match item {
                Ok(o) => objects.push(o),
                Err(e) => problems.push(e),
            }
        }
        (objects, problems)
    }

    fn blocked(text: &[u8], block: usize, threads: usize) -> (Vec<Object>, Vec<String>) {
        let (mut objects, mut problems) = (Vec::new(), Vec::new());
        let options = Options {
            threads,
            block,
            max_block: 1 << 20,
        };
        ldif(
            text,
            None,
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

    /// Every cut gives what the streaming reader gives: LF and CRLF, folded lines, damaged
    /// lines (with their line numbers), a blank line at the very end or none.
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
        let expected = streamed(text.as_bytes());
        assert_eq!(expected.0.len(), 301);
        assert!(expected.1.len() > 60, "{:?}", expected.1);
        for block in [1, 7, 64, 500, 4096, 1 << 20] {
            for threads in [1, 2, 3] {
                assert_eq!(
                    blocked(text.as_bytes(), block, threads),
                    expected,
                    "block {block}, {threads} thread(s)"
                );
            }
        }
    }

    #[test]
    fn an_empty_input_gives_nothing() {
        assert_eq!(blocked(b"", 16, 2), (vec![], vec![]));
    }
}
