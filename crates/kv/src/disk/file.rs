//! Reading an LMDB data file with plain `pread`s, without LMDB, to find damage before LMDB
//! maps the file: LMDB trusts every byte it maps, so a truncated file makes it touch memory
//! past the end of the file (SIGBUS) and a zeroed page makes it follow garbage offsets
//! (SIGSEGV, or lengths that make a copy abort). LMDB keeps no checksums, so all this can
//! find is damage that breaks the file's structure; see [`check_file`].
//!
//! The layout is that of the LMDB built by `lmdb-master-sys` on 64-bit targets (page
//! numbers, sizes and transaction ids are 64-bit): `mdb.c`'s `MDB_page`, `MDB_meta`,
//! `MDB_db` and `MDB_node`.

use std::fs::File;
use std::io::{self, ErrorKind};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use crate::MAX_KEY_BYTES;

/// `MDB_page` header: pgno u64, pad u16, flags u16, lower u16, upper u16.
const PAGE_HEADER: usize = 16;
const P_BRANCH: u16 = 0x01;
const P_LEAF: u16 = 0x02;
const P_OVERFLOW: u16 = 0x04;
const P_META: u16 = 0x08;
const P_LEAF2: u16 = 0x20;
const P_SUBP: u16 = 0x40;
const MDB_MAGIC: u32 = 0xBEEF_C0DE;
const MDB_DATA_VERSION: u32 = 1;
const P_INVALID: u64 = u64::MAX;
/// `MDB_node` header: lo u16, hi u16, flags u16, ksize u16.
const NODE_HEADER: usize = 8;
const F_BIGDATA: u16 = 0x01;
const F_SUBDATA: u16 = 0x02;
const F_DUPDATA: u16 = 0x04;
/// The meta fields used here, as offsets from the start of page 0 or 1.
const META: usize = PAGE_HEADER;
const META_BYTES: usize = 136;
const META_PAGE_SIZE: usize = META + 24;
const META_FREE_DB: usize = META + 24;
const META_MAIN_DB: usize = META + 72;
const META_LAST_PAGE: usize = META + 120;
const META_TXNID: usize = META + 128;
/// `MDB_db` fields relative to its start.
const DB_DEPTH: usize = 6;
const DB_ENTRIES: usize = 32;
const DB_ROOT: usize = 40;

/// Only the first problems are kept as text; the rest are only counted.
const MAX_PROBLEM_TEXTS: usize = 20;

/// Walks of a file that changes under them (another process committing) are repeated.
const WALK_ATTEMPTS: u32 = 4;

/// What a walk of the file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// The file checked.
    pub path: PathBuf,
    /// The file's size in bytes.
    pub file_bytes: u64,
    /// 0 when the header could not be read.
    pub page_size: u64,
    /// Pages in use according to the header (including the two meta pages).
    pub pages: u64,
    /// Pages reached from the trees and read.
    pub pages_visited: u64,
    /// Entries found in the main tree.
    pub entries: u64,
    /// Entries the header records (including the store's own records).
    pub recorded_entries: u64,
    /// Of `entries`, the store's own records (versionstamp counter, expiry and claim
    /// indexes) rather than keys and values.
    pub store_records: u64,
    /// Of `entries`, those whose expiry had passed when checked (not yet freed).
    pub expired: u64,
    /// The first problems, as sentences.
    pub problems: Vec<String>,
    /// All problems, including those beyond `problems`.
    pub problem_count: usize,
}

impl CheckReport {
    /// Whether the walk found no problem.
    pub fn is_healthy(&self) -> bool {
        self.problem_count == 0
    }

    fn problem(&mut self, text: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEM_TEXTS {
            self.problems.push(text);
        }
    }
}

/// How a data file looks before LMDB is allowed near it.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Missing or empty: LMDB will create a store in it.
    New,
    Healthy,
    NotLmdb(String),
    Damaged(CheckReport),
}

/// How many pages at the end a healthy file may lack: those one transaction allocated and
/// freed again without writing (a commit that frees much, such as a sweep of expired
/// entries, can leave several). More than that is a truncated file.
const MAX_UNWRITTEN_TAIL: u64 = 1024;

/// Reads the header and, unless the file is larger than `walk_limit` bytes, every page
/// reachable from it. A damaged header is looked at again after a pause, so a file another
/// process is creating at that moment is not condemned; a walk that finds problems counts only
/// if no other process committed meanwhile (a commit may reuse pages of the version walked).
/// A file that keeps changing under every walk is let through unverified.
pub(crate) fn inspect(path: &Path, walk_limit: u64) -> io::Result<Verdict> {
    let mut verdict = Verdict::Healthy;
    for attempt in 0..WALK_ATTEMPTS {
        if attempt > 0 {
            thread::sleep(Duration::from_millis(50));
        }
        match inspect_once(path, walk_limit)? {
            Attempt::Settled(settled) => return Ok(settled),
            Attempt::Retry(tentative) => verdict = tentative,
        }
    }
    Ok(verdict)
}

enum Attempt {
    Settled(Verdict),
    /// Look again; if every look says this, it stands.
    Retry(Verdict),
}

fn inspect_once(path: &Path, walk_limit: u64) -> io::Result<Attempt> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Attempt::Settled(Verdict::New)),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(Attempt::Settled(Verdict::New));
    }
    let mut report = CheckReport::new(path, len);
    let meta = match read_header(&file, len, &mut report)? {
        Header::NotLmdb(why) => return Ok(Attempt::Settled(Verdict::NotLmdb(why))),
        Header::Damaged => return Ok(Attempt::Retry(Verdict::Damaged(report))),
        Header::Meta(meta) => meta,
    };
    // A file that ends early is walked whatever its size: mapping it is safe only if no
    // reachable page lies past its end.
    // The size the trees can use, not the file's length: a store opened with a writable map
    // (`Durability::Process`) is as long as its map, mostly holes.
    let used = meta
        .last_page
        .saturating_add(1)
        .saturating_mul(meta.page_size)
        .min(len);
    if used > walk_limit && !meta.short {
        return Ok(Attempt::Settled(Verdict::Healthy));
    }
    walk(&file, &meta, &mut report)?;
    if report.is_healthy() {
        return Ok(Attempt::Settled(Verdict::Healthy));
    }
    Ok(if same_version(&file, &meta)? {
        Attempt::Settled(Verdict::Damaged(report))
    } else {
        Attempt::Retry(Verdict::Healthy)
    })
}

/// Whether `meta` is still the newest version of the file.
fn same_version(file: &File, meta: &Meta) -> io::Result<bool> {
    let len = file.metadata()?.len();
    let mut scratch = CheckReport::new(Path::new(""), len);
    Ok(matches!(
        read_header(file, len, &mut scratch)?,
        Header::Meta(now) if now.txnid == meta.txnid
    ))
}

/// Reads every structure of the data file at `path` reachable from its newest header and
/// reports what is wrong, without LMDB (so damage cannot crash it).
///
/// Found: a file shorter than its header says; unreadable or inconsistent meta pages; a page
/// whose header names another page (a zeroed or misplaced page); page types, bounds, node
/// offsets and lengths that do not fit; pages referenced twice; tree depth; keys out of
/// order, empty, longer than 511 bytes or not UTF-8; values that are not UTF-8; an entry
/// count different from the header's. Not found: any change that keeps the structure valid —
/// LMDB stores no checksums, so a flipped bit inside a key or value that still leaves valid
/// UTF-8 goes unnoticed; free pages are only checked where the free list names them.
pub fn check_file(path: &Path) -> io::Result<CheckReport> {
    let mut last = None;
    for _ in 0..WALK_ATTEMPTS {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        let mut report = CheckReport::new(path, len);
        if len == 0 {
            report.problem("the file is empty: it holds no store yet".into());
            return Ok(report);
        }
        let meta = match read_header(&file, len, &mut report)? {
            Header::NotLmdb(why) => {
                report.problem(why);
                return Ok(report);
            }
            Header::Damaged => {
                last = Some(report);
                thread::sleep(Duration::from_millis(50));
                continue;
            }
            Header::Meta(meta) => meta,
        };
        walk(&file, &meta, &mut report)?;
        if report.is_healthy() {
            return Ok(report);
        }
        // Another process may have reused pages of the version we walked: only a walk of
        // a version that stayed the newest throughout counts as damage.
        let unchanged = same_version(&file, &meta)?;
        last = Some(report);
        if unchanged {
            break;
        }
    }
    Ok(last.expect("at least one attempt"))
}

impl CheckReport {
    fn new(path: &Path, file_bytes: u64) -> CheckReport {
        CheckReport {
            path: path.to_path_buf(),
            file_bytes,
            page_size: 0,
            pages: 0,
            pages_visited: 0,
            entries: 0,
            recorded_entries: 0,
            store_records: 0,
            expired: 0,
            problems: Vec::new(),
            problem_count: 0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Meta {
    page_size: u64,
    last_page: u64,
    txnid: u64,
    free: Tree,
    main: Tree,
    /// The file ends before the last page the header counts (see `read_header`).
    short: bool,
}

#[derive(Debug, Clone, Copy)]
struct Tree {
    root: u64,
    depth: u16,
    entries: u64,
}

enum Header {
    NotLmdb(String),
    Damaged,
    Meta(Meta),
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_ne_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Reads as much of `buf` as the file has at `offset`; returns the count.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

fn tree_at(meta: &[u8], at: usize) -> Tree {
    Tree {
        depth: u16_at(meta, at + DB_DEPTH),
        entries: u64_at(meta, at + DB_ENTRIES),
        root: u64_at(meta, at + DB_ROOT),
    }
}

/// Reads both meta pages, as LMDB does, and picks the newer one (higher transaction id).
fn read_header(file: &File, len: u64, report: &mut CheckReport) -> io::Result<Header> {
    let mut first = [0u8; META + META_BYTES];
    let got = read_at(file, &mut first, 0)?;
    let magic_ok = got >= META + 8 && u32_at(&first, META) == MDB_MAGIC;
    if !magic_ok && second_meta_page(file)?.is_some() {
        report.problem(
            "header page 0 is not an LMDB meta page (zeroed or overwritten), but page 1 is".into(),
        );
        return Ok(Header::Damaged);
    }
    if !magic_ok {
        return Ok(Header::NotLmdb(
            "the file is not an rk6/LMDB key-value store (or was written by an incompatible \
             LMDB version); choose another path or move the file away"
                .into(),
        ));
    }
    if u32_at(&first, META + 4) != MDB_DATA_VERSION {
        return Ok(Header::NotLmdb(format!(
            "the file is an LMDB store of data format {}, which this LMDB (format {}) cannot \
             read; choose another path or move the file away",
            u32_at(&first, META + 4),
            MDB_DATA_VERSION
        )));
    }
    if got < first.len() {
        report.problem(format!(
            "the file is {len} bytes, shorter than one header page: it was truncated"
        ));
        return Ok(Header::Damaged);
    }
    let page_size = u64::from(u32_at(&first, META_PAGE_SIZE));
    if !page_size.is_power_of_two() || !(512..=0x8000).contains(&page_size) {
        report.problem(format!(
            "the first header page records a page size of {page_size} bytes, which LMDB never \
             uses: the header is damaged"
        ));
        return Ok(Header::Damaged);
    }
    report.page_size = page_size;
    let mut second = [0u8; META + META_BYTES];
    if read_at(file, &mut second, page_size)? < second.len() {
        report.problem(format!(
            "the file is {len} bytes, too short for its two header pages of {page_size} bytes: \
             it was truncated"
        ));
        return Ok(Header::Damaged);
    }
    for (index, page) in [&first, &second].into_iter().enumerate() {
        let flags = u16_at(page, 10);
        if flags & P_META == 0
            || u32_at(page, META) != MDB_MAGIC
            || u32_at(page, META + 4) != MDB_DATA_VERSION
        {
            report.problem(format!(
                "header page {index} is not an LMDB meta page (zeroed or overwritten)"
            ));
            return Ok(Header::Damaged);
        }
    }
    let newer = if u64_at(&second, META_TXNID) > u64_at(&first, META_TXNID) {
        &second
    } else {
        &first
    };
    let mut meta = Meta {
        page_size,
        last_page: u64_at(newer, META_LAST_PAGE),
        txnid: u64_at(newer, META_TXNID),
        free: tree_at(newer, META_FREE_DB),
        main: tree_at(newer, META_MAIN_DB),
        short: false,
    };
    report.recorded_entries = meta.main.entries;
    let needed = meta
        .last_page
        .checked_add(1)
        .and_then(|pages| pages.checked_mul(page_size));
    report.pages = meta.last_page.saturating_add(1);
    match needed {
        Some(needed) if needed <= len => Ok(Header::Meta(meta)),
        // LMDB counts pages a transaction allocated and freed again without ever writing
        // them, so a healthy file can end before its last page. Only a page the trees
        // reach lying past the end is damage: the walk decides.
        Some(needed) if needed - len <= MAX_UNWRITTEN_TAIL * page_size => {
            meta.short = true;
            Ok(Header::Meta(meta))
        }
        Some(needed) => {
            report.problem(format!(
                "the file is {len} bytes but its header says it uses {} pages of {page_size} \
                 bytes ({needed} bytes): it was truncated or damaged",
                report.pages
            ));
            Ok(Header::Damaged)
        }
        None => {
            report.problem(format!(
                "the header records an impossible last page number {}: it is damaged",
                meta.last_page
            ));
            Ok(Header::Damaged)
        }
    }
}

/// The page size at which the file has LMDB's second meta page, if it has one: what is left
/// to recognize a store by when its first page is gone.
fn second_meta_page(file: &File) -> io::Result<Option<u64>> {
    let mut page = [0u8; META + 8];
    for shift in 9..=15 {
        let size = 1u64 << shift;
        if read_at(file, &mut page, size)? == page.len()
            && u64_at(&page, 0) == 1
            && u16_at(&page, 10) & P_META != 0
            && u32_at(&page, META) == MDB_MAGIC
        {
            return Ok(Some(size));
        }
    }
    Ok(None)
}

/// One walk of both trees of one version of the file.
struct Walker<'a> {
    file: &'a File,
    meta: Meta,
    /// One bit per page: reached already (a second reference means a cycle or corruption).
    seen: Vec<u64>,
    page: Vec<u8>,
    report: &'a mut CheckReport,
    /// The last key seen in the main tree, to check their order across pages.
    last_key: Option<Vec<u8>>,
}

fn walk(file: &File, meta: &Meta, report: &mut CheckReport) -> io::Result<()> {
    let words = usize::try_from(meta.last_page / 64 + 1).unwrap_or(usize::MAX);
    let mut walker = Walker {
        file,
        meta: *meta,
        seen: vec![0; words],
        page: vec![0; meta.page_size as usize],
        report,
        last_key: None,
    };
    for (name, tree, main) in [("free-page", meta.free, false), ("main", meta.main, true)] {
        if tree.root == P_INVALID {
            if main && tree.entries != 0 {
                walker.report.problem(format!(
                    "the header records {} entries but no main tree",
                    tree.entries
                ));
            }
            continue;
        }
        let found = walker.visit(name, tree.root, 1, tree.depth, main)?;
        if main {
            walker.report.entries = found;
            if found != tree.entries {
                walker.report.problem(format!(
                    "the header records {} entries but the main tree holds {found} that could \
                     be read",
                    tree.entries
                ));
            }
        }
    }
    Ok(())
}

impl Walker<'_> {
    /// Claims `pgno` (and the `count - 1` pages after it); `false`, with a problem noted, if
    /// any of them is out of range or already taken.
    fn claim(&mut self, tree: &str, pgno: u64, count: u64) -> bool {
        let last = pgno.checked_add(count.saturating_sub(1));
        match last {
            Some(last) if pgno >= 2 && last <= self.meta.last_page => {}
            _ => {
                self.report.problem(format!(
                    "the {tree} tree refers to page {pgno}, outside the {} pages the file uses",
                    self.meta.last_page + 1
                ));
                return false;
            }
        }
        for p in pgno..pgno + count {
            let (word, bit) = ((p / 64) as usize, 1u64 << (p % 64));
            if self.seen[word] & bit != 0 {
                self.report.problem(format!(
                    "page {p} is referenced twice (by the {tree} tree): the trees are damaged"
                ));
                return false;
            }
            self.seen[word] |= bit;
        }
        self.report.pages_visited += count;
        true
    }

    fn read_page(&mut self, pgno: u64) -> io::Result<bool> {
        let offset = pgno * self.meta.page_size;
        let got = read_at(self.file, &mut self.page, offset)?;
        if got < self.page.len() {
            self.report.problem(format!(
                "page {pgno} lies beyond the end of the file ({} bytes): it was truncated",
                self.report.file_bytes
            ));
            return Ok(false);
        }
        let named = u64_at(&self.page, 0);
        if named != pgno {
            self.report.problem(format!(
                "page {pgno} has the header of page {named}: it was zeroed or overwritten"
            ));
            return Ok(false);
        }
        Ok(true)
    }

    /// Walks the subtree at `pgno` (at `level`, 1 = root) and returns its leaf entries.
    fn visit(
        &mut self,
        tree: &str,
        pgno: u64,
        level: u16,
        depth: u16,
        main: bool,
    ) -> io::Result<u64> {
        if level > depth {
            self.report.problem(format!(
                "the {tree} tree is deeper than the {depth} levels its header records"
            ));
            return Ok(0);
        }
        if !self.claim(tree, pgno, 1) || !self.read_page(pgno)? {
            return Ok(0);
        }
        let psize = self.page.len();
        let flags = u16_at(&self.page, 10);
        let lower = usize::from(u16_at(&self.page, 12));
        let upper = usize::from(u16_at(&self.page, 14));
        let leaf = level == depth;
        let expected = if leaf { P_LEAF } else { P_BRANCH };
        if flags & (P_BRANCH | P_LEAF | P_OVERFLOW | P_META | P_LEAF2 | P_SUBP) != expected {
            self.report.problem(format!(
                "page {pgno} of the {tree} tree has type flags {flags:#x}, expected a {} page",
                if leaf { "leaf" } else { "branch" }
            ));
            return Ok(0);
        }
        if lower < PAGE_HEADER + 2
            || lower > upper
            || upper > psize
            || !(lower - PAGE_HEADER).is_multiple_of(2)
        {
            self.report.problem(format!(
                "page {pgno} of the {tree} tree has impossible bounds (lower {lower}, upper {upper})"
            ));
            return Ok(0);
        }
        let count = (lower - PAGE_HEADER) / 2;
        // Copy what the children need, since visiting them reuses the page buffer.
        let mut nodes = Vec::with_capacity(count);
        for i in 0..count {
            let at = usize::from(u16_at(&self.page, PAGE_HEADER + 2 * i));
            if at < upper || !at.is_multiple_of(2) || at + NODE_HEADER > psize {
                self.report.problem(format!(
                    "page {pgno} of the {tree} tree: node {i} starts at {at}, outside the page's \
                     node area"
                ));
                return Ok(0);
            }
            let (lo, hi) = (u16_at(&self.page, at), u16_at(&self.page, at + 2));
            let node_flags = u16_at(&self.page, at + 4);
            let ksize = usize::from(u16_at(&self.page, at + 6));
            let key_end = at + NODE_HEADER + ksize;
            if key_end > psize {
                self.report.problem(format!(
                    "page {pgno} of the {tree} tree: the key of node {i} runs past the page"
                ));
                return Ok(0);
            }
            let key = self.page[at + NODE_HEADER..key_end].to_vec();
            if leaf {
                let size = u64::from(lo) | (u64::from(hi) << 16);
                let data = if node_flags & F_BIGDATA != 0 {
                    if key_end + 8 > psize {
                        self.report.problem(format!(
                            "page {pgno} of the {tree} tree: node {i} runs past the page"
                        ));
                        return Ok(0);
                    }
                    Data::Overflow {
                        pgno: u64_at(&self.page, key_end),
                        size,
                    }
                } else {
                    let end = key_end as u64 + size;
                    if end > psize as u64 {
                        self.report.problem(format!(
                            "page {pgno} of the {tree} tree: the value of node {i} runs past \
                             the page"
                        ));
                        return Ok(0);
                    }
                    Data::Inline(self.page[key_end..end as usize].to_vec())
                };
                nodes.push((key, node_flags, Child::Leaf(data)));
            } else {
                let child = u64::from(lo) | (u64::from(hi) << 16) | (u64::from(node_flags) << 32);
                nodes.push((key, 0, Child::Branch(child)));
            }
        }
        let mut entries = 0;
        for (i, (key, node_flags, child)) in nodes.into_iter().enumerate() {
            match child {
                Child::Branch(child) => {
                    entries += self.visit(tree, child, level + 1, depth, main)?;
                }
                Child::Leaf(data) => {
                    if main && node_flags & (F_SUBDATA | F_DUPDATA) != 0 {
                        self.report.problem(format!(
                            "page {pgno}: entry {i} is marked as a sub-database, which rk6 never \
                             writes"
                        ));
                        continue;
                    }
                    let value = match data {
                        Data::Inline(value) => value,
                        Data::Overflow { pgno: first, size } => {
                            match self.read_overflow(tree, first, size)? {
                                Some(value) => value,
                                None => continue,
                            }
                        }
                    };
                    if main {
                        self.check_entry(pgno, key, &value);
                    }
                    entries += 1;
                }
            }
        }
        Ok(entries)
    }

    fn read_overflow(&mut self, tree: &str, first: u64, size: u64) -> io::Result<Option<Vec<u8>>> {
        let psize = self.meta.page_size;
        let pages = (PAGE_HEADER as u64 - 1 + size) / psize + 1;
        if !self.claim(tree, first, pages) || !self.read_page(first)? {
            return Ok(None);
        }
        let flags = u16_at(&self.page, 10);
        let recorded = u64::from(u32_at(&self.page, 12));
        if flags & P_OVERFLOW == 0 || recorded < pages {
            self.report.problem(format!(
                "page {first} should start a value of {size} bytes on {pages} pages but is not \
                 such a page"
            ));
            return Ok(None);
        }
        let mut value = vec![0; size as usize];
        if read_at(self.file, &mut value, first * psize + PAGE_HEADER as u64)? < value.len() {
            self.report.problem(format!(
                "the value on pages {first}.. runs past the end of the file: it was truncated"
            ));
            return Ok(None);
        }
        Ok(Some(value))
    }

    fn check_entry(&mut self, pgno: u64, key: Vec<u8>, value: &[u8]) {
        let shown = String::from_utf8_lossy(&key[..key.len().min(60)]).into_owned();
        let reserved = key.first() == Some(&0xFF);
        if reserved {
            // The store's own records (see layout.rs): binary by design.
            self.report.store_records += 1;
        } else if key.is_empty() || key.len() > MAX_KEY_BYTES {
            self.report.problem(format!(
                "page {pgno}: a key is {} bytes long; keys are 1 to {MAX_KEY_BYTES} bytes",
                key.len()
            ));
        } else if std::str::from_utf8(&key).is_err() {
            self.report
                .problem(format!("page {pgno}: key {shown:?} is not UTF-8 text"));
        }
        if !reserved {
            match crate::entry::stored::header(value) {
                None => self.report.problem(format!(
                    "page {pgno}: the value of key {shown:?} has a header this rk6 cannot read"
                )),
                Some(header) if std::str::from_utf8(&value[header.len..]).is_err() => {
                    self.report.problem(format!(
                        "page {pgno}: the value of key {shown:?} is not UTF-8 text"
                    ));
                }
                Some(header) => {
                    if crate::entry::expired(header.expires_at, crate::entry::now_ms()) {
                        self.report.expired += 1;
                    }
                }
            }
        }
        if let Some(last) = &self.last_key {
            if *last >= key {
                self.report.problem(format!(
                    "page {pgno}: key {shown:?} is out of order: the tree is damaged"
                ));
            }
        }
        self.last_key = Some(key);
    }
}

enum Data {
    Inline(Vec<u8>),
    Overflow { pgno: u64, size: u64 },
}

enum Child {
    Branch(u64),
    Leaf(Data),
}
