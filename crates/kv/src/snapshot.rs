//! Snapshots and JSON-lines export/import of a [`Store`], backend-neutral: a snapshot taken
//! from one backend restores into the other.
//!
//! A snapshot is JSON lines: a header line (`format`, `version`, `backend`, `entries`), then
//! one line per entry (`key`, `value`, optional `expiresAt`) holding the stored text
//! exactly, so a restore gives back the very bytes that were stored (which the atomic
//! operations compare). An export is the same kind of line without the header, with
//! the value as JSON where the stored text is JSON, for people and other tools.
//!
//! Everything a file is checked for is checked before the store is touched: a bad file is
//! a named error and changes nothing.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::{validate_key, Store, StoreError, Txn, Value, WriteHandle};

/// The `format` of a snapshot's header line.
pub const SNAPSHOT_FORMAT: &str = "rk6-kv-snapshot";
/// The snapshot version this build writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

// Error names (the JavaScript `name` of the errors) for snapshot files, carried by
// [`StoreError::Rejected`].

/// A file that is damaged or not an rk6 snapshot (or export); nothing was restored.
pub const SNAPSHOT_ERROR: &str = "SnapshotError";
/// The snapshot file does not exist.
pub const SNAPSHOT_NOT_FOUND: &str = "SnapshotNotFoundError";
/// The snapshot file may not be read or written.
pub const SNAPSHOT_PERMISSION: &str = "SnapshotPermissionError";
/// Reading or writing the snapshot file failed otherwise.
pub const SNAPSHOT_IO: &str = "SnapshotIOError";
/// The snapshot holds more than a restore's limit allows; nothing was restored.
pub const SNAPSHOT_BUDGET: &str = "SnapshotBudgetExceededError";

/// Entries per atomic step when writing a restore or an import: large enough that a disk
/// store commits many at once, small enough that no step holds the memory store's write
/// lock for long.
const BATCH: usize = 1000;

/// The first line of a snapshot.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
    /// The backend the snapshot was taken from (information only).
    backend: String,
    /// How many entry lines follow: a truncated file is caught by this.
    entries: u64,
}

/// One entry of a snapshot. Unknown fields are refused rather than ignored, so a later
/// format's field (an expiry, say) is never silently dropped by this version.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    #[serde(borrow)]
    key: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    value: std::borrow::Cow<'a, str>,
    /// When the entry expires (ms since the Unix epoch); absent: never.
    #[serde(rename = "expiresAt", default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
}

/// One line of an export or import: the value is any JSON, checked here and taken from
/// the line as written by [`value_text`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportLine {
    key: String,
    #[allow(dead_code)]
    value: serde::de::IgnoredAny,
}

/// What a backup, restore, export or import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Entries written (backup, export) or restored/imported.
    pub entries: u64,
    /// Bytes written (backup, export) or read (restore, import).
    pub bytes: u64,
    /// Backup: the store's backend; restore: the backend the snapshot was taken from;
    /// export and import: the store's backend.
    pub backend: String,
}

/// Safety limits for a restore; `0` means no limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct RestoreLimits {
    /// At most this many entries.
    pub max_entries: u64,
    /// At most this many bytes of keys plus values.
    pub max_bytes: u64,
}

fn rejected(name: &'static str, message: String) -> StoreError {
    StoreError::Rejected { name, message }
}

fn bad_snapshot(line: usize, why: impl std::fmt::Display) -> StoreError {
    rejected(
        SNAPSHOT_ERROR,
        format!("The snapshot is damaged or not an rk6 snapshot: line {line}: {why}; nothing was restored."),
    )
}

/// An I/O error on `path`, named by what the user can do about it.
pub fn io_error(path: &Path, doing: &str, err: &io::Error) -> StoreError {
    let (name, hint) = match err.kind() {
        io::ErrorKind::NotFound => (SNAPSHOT_NOT_FOUND, "check the file name"),
        io::ErrorKind::PermissionDenied => (SNAPSHOT_PERMISSION, "check the file's permissions"),
        _ => (SNAPSHOT_IO, "check the disk and the path"),
    };
    rejected(
        name,
        format!("Cannot {doing} {}: {err}; {hint}.", path.display()),
    )
}

/// Writes every entry of `store`, read as one consistent view, as a snapshot to `out`.
pub fn backup(store: &dyn Store, out: impl Write) -> Result<Summary, StoreError> {
    let entries = store.query_entries(&Default::default())?;
    let mut out = Counting::new(out);
    let io = |e: io::Error| rejected(SNAPSHOT_IO, format!("Writing the snapshot failed: {e}."));
    let header = Header {
        format: SNAPSHOT_FORMAT.to_owned(),
        version: SNAPSHOT_VERSION,
        backend: store.backend_name().to_owned(),
        entries: entries.len() as u64,
    };
    write_json_line(&mut out, &header).map_err(io)?;
    for (key, entry) in &entries {
        let value = text(key, &entry.value)?;
        let line = Line {
            key: key.into(),
            value: value.into(),
            expires_at: entry.expires_at,
        };
        write_json_line(&mut out, &line).map_err(io)?;
    }
    out.flush().map_err(io)?;
    Ok(Summary {
        entries: entries.len() as u64,
        bytes: out.count,
        backend: store.backend_name().to_owned(),
    })
}

/// Replaces the contents of `store` with the snapshot read from `input`, which is checked
/// whole first: a damaged snapshot is a `SnapshotError` and leaves the store as it was.
///
/// Not atomic towards other writers: the store is cleared, then filled in batches, so a
/// reader may see it part filled, and a write failure half way leaves it so.
pub fn restore(store: &dyn Store, input: impl BufRead) -> Result<Summary, StoreError> {
    restore_with(store, input, RestoreLimits::default())
}

/// [`restore`] refusing snapshots over `limits` (`SnapshotBudgetExceededError`).
pub fn restore_with(
    store: &dyn Store,
    input: impl BufRead,
    limits: RestoreLimits,
) -> Result<Summary, StoreError> {
    let (entries, bytes, backend) = read_snapshot(input, limits)?;
    store.clear().wait()?;
    let count = entries.len() as u64;
    put_all(store, entries)?;
    Ok(Summary {
        entries: count,
        bytes,
        backend,
    })
}

/// Keys, values and expiries to write.
type Entries = Vec<(String, Value, Option<u64>)>;

fn read_snapshot(
    input: impl BufRead,
    limits: RestoreLimits,
) -> Result<(Entries, u64, String), StoreError> {
    let mut lines = Lines::new(input);
    let Some((_, first)) = lines.next_line()? else {
        return Err(bad_snapshot(1, "the file is empty"));
    };
    let header: Header = serde_json::from_str(first).map_err(|e| {
        bad_snapshot(
            1,
            format_args!("expected the header {{\"format\":\"{SNAPSHOT_FORMAT}\",...}} ({e})"),
        )
    })?;
    if header.format != SNAPSHOT_FORMAT {
        return Err(bad_snapshot(
            1,
            format_args!("the format is {:?}, not {SNAPSHOT_FORMAT:?}", header.format),
        ));
    }
    if header.version != SNAPSHOT_VERSION {
        return Err(bad_snapshot(
            1,
            format_args!(
                "version {} is not supported (this rk6 reads version {SNAPSHOT_VERSION})",
                header.version
            ),
        ));
    }
    let over = |what: &str, limit: u64| {
        rejected(
            SNAPSHOT_BUDGET,
            format!(
                "The snapshot holds more than the {what} limit of {limit}; raise or remove the \
                 limit to restore it. Nothing was restored."
            ),
        )
    };
    if limits.max_entries > 0 && header.entries > limits.max_entries {
        return Err(over("maxEntries", limits.max_entries));
    }
    // The header's count may lie (the file is damaged); capacity is only a hint.
    let mut entries = Vec::with_capacity(header.entries.min(1 << 20) as usize);
    let mut seen = HashSet::new();
    let mut payload = 0u64;
    while let Some((n, text)) = lines.next_line()? {
        let line: Line = serde_json::from_str(text).map_err(|e| {
            bad_snapshot(
                n,
                format_args!("expected {{\"key\":...,\"value\":...}} ({e})"),
            )
        })?;
        validate_key(&line.key).map_err(|e| bad_snapshot(n, e))?;
        if !seen.insert(line.key.to_string()) {
            return Err(bad_snapshot(
                n,
                format_args!("key {:?} appears twice", line.key),
            ));
        }
        payload += (line.key.len() + line.value.len()) as u64;
        if limits.max_bytes > 0 && payload > limits.max_bytes {
            return Err(over("maxBytes", limits.max_bytes));
        }
        entries.push((
            line.key.into_owned(),
            line.value.into_owned().into_bytes(),
            line.expires_at,
        ));
        if entries.len() as u64 > header.entries {
            return Err(bad_snapshot(
                n,
                format_args!(
                    "the header announces {} entries but more follow",
                    header.entries
                ),
            ));
        }
    }
    if (entries.len() as u64) < header.entries {
        return Err(bad_snapshot(
            lines.number + 1,
            format_args!(
                "the header announces {} entries but the file ends after {} (is it truncated?)",
                header.entries,
                entries.len()
            ),
        ));
    }
    Ok((entries, lines.bytes, header.backend))
}

/// Writes `entries` in atomic batches, all submitted before any is waited for, so a disk
/// store commits them in few group commits. Returns the first failure.
fn put_all(store: &dyn Store, entries: Entries) -> Result<(), StoreError> {
    let mut handles: Vec<WriteHandle> = Vec::new();
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        let batch: Entries = entries.by_ref().take(BATCH).collect();
        // A step may run again (a retried disk commit), so it copies rather than moves.
        handles.push(store.atomic(Box::new(move |txn: &mut dyn Txn| {
            for (key, value, expires_at) in &batch {
                // An entry that expired since the backup is written expired: invisible at
                // once, and swept like any other.
                txn.put_expiring(key, value.clone(), *expires_at)?;
            }
            Ok(())
        })));
    }
    let mut first = Ok(());
    for handle in handles {
        let result = handle.wait();
        if first.is_ok() {
            first = result;
        }
    }
    first
}

/// Backs `store` up to the file at `path`: written to a temporary file beside it, synced,
/// then renamed over it, so a reader never finds half a snapshot. An existing file is
/// replaced only if it is a snapshot (or empty): a mistyped name must not destroy a store
/// file or a script.
pub fn backup_to_file(store: &dyn Store, path: &Path) -> Result<Summary, StoreError> {
    check_replaceable(path)?;
    let temp = temp_path(path);
    let result = (|| {
        let file = File::create(&temp).map_err(|e| io_error(path, "create", &e))?;
        let mut out = BufWriter::new(file);
        let summary = backup(store, &mut out)?;
        let file = out
            .into_inner()
            .map_err(|e| io_error(path, "write", e.error()))?;
        file.sync_all().map_err(|e| io_error(path, "sync", &e))?;
        fs::rename(&temp, path).map_err(|e| io_error(path, "replace", &e))?;
        sync_parent(path);
        Ok(summary)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// [`restore_with`] from the file at `path`.
pub fn restore_from_file(
    store: &dyn Store,
    path: &Path,
    limits: RestoreLimits,
) -> Result<Summary, StoreError> {
    let file = File::open(path).map_err(|e| io_error(path, "open", &e))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(rejected(
            SNAPSHOT_ERROR,
            format!(
                "{} is a directory, not a snapshot file; nothing was restored.",
                path.display()
            ),
        ));
    }
    restore_with(store, BufReader::new(file), limits).map_err(|e| in_file(e, path))
}

/// Names the file in a snapshot error's message.
fn in_file(err: StoreError, path: &Path) -> StoreError {
    match err {
        StoreError::Rejected { name, message } if name == SNAPSHOT_ERROR => rejected(
            name,
            message.replacen(
                "The snapshot",
                &format!("The snapshot {}", path.display()),
                1,
            ),
        ),
        other => other,
    }
}

fn check_replaceable(path: &Path) -> Result<(), StoreError> {
    let refuse = |why: &str| {
        rejected(
            SNAPSHOT_ERROR,
            format!(
                "Refusing to overwrite {}: {why}; choose another file name (a backup only \
                 replaces an earlier snapshot).",
                path.display()
            ),
        )
    };
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(path, "open", &e)),
    };
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(refuse("it is a directory"));
    }
    let mut start = Vec::new();
    (&mut file)
        .take(4096)
        .read_to_end(&mut start)
        .map_err(|e| io_error(path, "read", &e))?;
    if start.is_empty() {
        return Ok(());
    }
    let first = start.split(|&b| b == b'\n').next().unwrap_or_default();
    let is_snapshot =
        serde_json::from_slice::<Header>(first).is_ok_and(|h| h.format == SNAPSHOT_FORMAT);
    if is_snapshot {
        Ok(())
    } else {
        Err(refuse("it exists and is not an rk6 snapshot"))
    }
}

fn temp_path(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot".to_owned());
    path.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Makes the rename durable; best effort, as not every system can sync a directory.
fn sync_parent(path: &Path) {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(dir) = File::open(parent) {
        let _ = dir.sync_all();
    }
}

/// Writes the entries whose key starts with `prefix` as JSON lines `{"key":...,"value":...}`,
/// the value as JSON when the stored text is JSON (whitespace outside strings removed, so
/// each entry stays on one line) and as a JSON string otherwise.
pub fn export(store: &dyn Store, prefix: &str, out: impl Write) -> Result<Summary, StoreError> {
    let entries = store.list(prefix, 0)?;
    let mut out = Counting::new(out);
    let io = |e: io::Error| rejected(SNAPSHOT_IO, format!("Writing the export failed: {e}."));
    for (key, value) in &entries {
        let text = text(key, value)?;
        let value = if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            minify_json(text)
        } else {
            serde_json::to_string(text).expect("strings serialize")
        };
        let key = serde_json::to_string(key).expect("strings serialize");
        writeln!(out, "{{\"key\":{key},\"value\":{value}}}").map_err(io)?;
    }
    out.flush().map_err(io)?;
    Ok(Summary {
        entries: entries.len() as u64,
        bytes: out.count,
        backend: store.backend_name().to_owned(),
    })
}

/// How [`import`] stores the values it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportAs {
    /// As JSON text (what `serialization: "json"` stores).
    #[default]
    Json,
    /// A JSON string as its text, anything else as JSON text (what `serialization:
    /// "string"` stores for strings).
    String,
}

/// Reads JSON lines as [`export`] writes them and sets each key, adding to or overwriting
/// what the store holds. All lines are checked first (`SnapshotError` naming the line,
/// nothing written); blank lines are skipped.
pub fn import(
    store: &dyn Store,
    input: impl BufRead,
    mode: ImportAs,
) -> Result<Summary, StoreError> {
    let mut lines = Lines::new(input);
    let mut entries: Entries = Vec::new();
    let bad = |n: usize, why: &dyn std::fmt::Display| {
        rejected(
            SNAPSHOT_ERROR,
            format!("Line {n} of the import: {why}; nothing was imported."),
        )
    };
    while let Some((n, text)) = lines.next_line()? {
        if text.trim().is_empty() {
            continue;
        }
        let line: ExportLine = serde_json::from_str(text).map_err(|e| {
            bad(
                n,
                &format_args!("expected {{\"key\":\"...\",\"value\":<JSON>}} ({e})"),
            )
        })?;
        validate_key(&line.key).map_err(|e| bad(n, &e))?;
        let raw = value_text(text).ok_or_else(|| bad(n, &"the value cannot be located"))?;
        let value = match mode {
            ImportAs::String if raw.starts_with('"') => {
                serde_json::from_str::<String>(raw).map_err(|e| bad(n, &e))?
            }
            _ => minify_json(raw),
        };
        entries.push((line.key, value.into_bytes(), None));
    }
    let count = entries.len() as u64;
    put_all(store, entries)?;
    Ok(Summary {
        entries: count,
        bytes: lines.bytes,
        backend: store.backend_name().to_owned(),
    })
}

/// The text of the `"value"` member of `line`, a JSON object already checked to be valid
/// and to have one: the value exactly as written, where parsing it would reorder object
/// keys or round numbers.
fn value_text(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    };
    // The end of the JSON value starting at `i`: after its closing quote or bracket, or
    // before the delimiter that ends a number or literal.
    let value_end = |mut i: usize| {
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        while i < bytes.len() {
            let b = bytes[i];
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                    if depth == 0 {
                        return i + 1;
                    }
                }
            } else {
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => return i,
                    _ => {}
                }
            }
            i += 1;
        }
        i
    };
    let mut i = skip_ws(0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    loop {
        i = skip_ws(i + 1);
        let name_end = value_end(i);
        let name: String = serde_json::from_str(line.get(i..name_end)?).ok()?;
        i = skip_ws(name_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(i + 1);
        let end = value_end(start);
        if name == "value" {
            return line.get(start..end);
        }
        i = skip_ws(end);
        if bytes.get(i) != Some(&b',') {
            return None;
        }
    }
}

/// The stored value as text; rk6 only stores UTF-8, so anything else is damage.
fn text<'a>(key: &str, value: &'a [u8]) -> Result<&'a str, StoreError> {
    std::str::from_utf8(value).map_err(|_| {
        rejected(
            SNAPSHOT_ERROR,
            format!(
                "The value under key {key:?} is not UTF-8 text, so it was not written by rk6 \
                 and cannot be saved; check the store with `rk6 kv check`."
            ),
        )
    })
}

/// `text` (valid JSON) without whitespace outside strings: what `JSON.stringify` writes
/// for the same data in the usual cases, and always one line, since JSON strings cannot
/// hold a raw line break.
pub fn minify_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

fn write_json_line(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

/// A writer that counts the bytes written through it.
struct Counting<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Counting<W> {
    fn new(inner: W) -> Self {
        Self { inner, count: 0 }
    }
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Numbered lines of UTF-8 text, without their line ending.
struct Lines<R> {
    input: R,
    buf: String,
    /// The number of the line last returned (1-based).
    number: usize,
    bytes: u64,
}

impl<R: BufRead> Lines<R> {
    fn new(input: R) -> Self {
        Self {
            input,
            buf: String::new(),
            number: 0,
            bytes: 0,
        }
    }

    /// The next line and its number.
    fn next_line(&mut self) -> Result<Option<(usize, &str)>, StoreError> {
        self.buf.clear();
        let n = self.input.read_line(&mut self.buf).map_err(|e| {
            let line = self.number + 1;
            if e.kind() == io::ErrorKind::InvalidData {
                rejected(
                    SNAPSHOT_ERROR,
                    format!("Line {line} is not UTF-8 text, so the file was not written by rk6; nothing was changed."),
                )
            } else {
                rejected(SNAPSHOT_IO, format!("Reading line {line} failed: {e}; nothing was changed."))
            }
        })?;
        if n == 0 {
            return Ok(None);
        }
        self.number += 1;
        self.bytes += n as u64;
        Ok(Some((self.number, self.buf.trim_end_matches(['\n', '\r']))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_text_is_the_member_as_written() {
        let cases = [
            (
                r#"{"key":"k","value":{"b":1,"a":[1.50,"}"]}}"#,
                r#"{"b":1,"a":[1.50,"}"]}"#,
            ),
            (r#" { "value" : "x\"y" , "key":"k"}"#, r#""x\"y""#),
            (
                r#"{"key":"va,lue","value":12345678901234567890}"#,
                "12345678901234567890",
            ),
            (r#"{"k\u0065y":"v","\u0076alue":null}"#, "null"),
            (r#"{"key":"k","value":-1e5}"#, "-1e5"),
        ];
        for (line, want) in cases {
            assert_eq!(value_text(line), Some(want), "{line}");
        }
    }

    #[test]
    fn minify_keeps_strings_and_drops_other_whitespace() {
        assert_eq!(
            minify_json("{ \"a b\" : [1, 2],\n \"c\\\" d\": \" x \" }"),
            "{\"a b\":[1,2],\"c\\\" d\":\" x \"}"
        );
    }
}
