//! Where the file outputs (json, csv) write: a file, a gzip-compressed file (a name ending
//! in `.gz`) or standard output, through a thread of the output's own.
//!
//! The output formats its lines on the dispatcher thread into a buffer; full buffers go to
//! the writer thread over a bounded channel, so compression and disk writes never run on
//! the dispatcher. The send blocks when the writer falls behind: an output never loses data.

use flate2::write::GzEncoder;
use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

/// A buffer is handed to the writer once it holds this much.
const CHUNK: usize = 64 * 1024;

/// Buffers queued for the writer before the output waits (4 MB).
const QUEUED_CHUNKS: usize = 64;

/// Where lines go: a file name, or `None` for standard output.
pub(crate) struct Sink {
    /// The formatted lines not handed over yet.
    pub buf: Vec<u8>,
    tx: Option<SyncSender<Vec<u8>>>,
    /// Buffers the writer is done with, to be filled again rather than allocated.
    spare: Receiver<Vec<u8>>,
    writer: Option<JoinHandle<io::Result<()>>>,
    target: String,
}

impl Sink {
    /// Creates (truncates) `path` now, so that a name that cannot be written fails the run
    /// before it starts; `None` or `-` is standard output.
    pub fn create(path: Option<&Path>) -> Result<Self, String> {
        let (out, target) = match path {
            None => (Out::Stdout(io::stdout()), "standard output".into()),
            Some(p) if p.as_os_str() == "-" => {
                (Out::Stdout(io::stdout()), "standard output".into())
            }
            Some(p) => {
                let file = std::fs::File::create(p)
                    .map_err(|e| format!("cannot create {}: {e}", p.display()))?;
                let file = io::BufWriter::with_capacity(CHUNK, file);
                let out = if is_gzip(p) {
                    Out::Gzip(GzEncoder::new(file, flate2::Compression::fast()))
                } else {
                    Out::File(file)
                };
                (out, p.display().to_string())
            }
        };
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(QUEUED_CHUNKS);
        let (spare_tx, spare) = mpsc::sync_channel::<Vec<u8>>(QUEUED_CHUNKS);
        let writer = std::thread::Builder::new()
            .name("rk6-output".into())
            .spawn(move || write_all(out, rx, spare_tx))
            .map_err(|e| format!("cannot start a thread to write {target}: {e}"))?;
        Ok(Self {
            buf: Vec::with_capacity(CHUNK + 1024),
            tx: Some(tx),
            spare,
            writer: Some(writer),
            target,
        })
    }

    /// Hands the buffer over if it is full.
    #[inline]
    pub fn maybe_send(&mut self) {
        if self.buf.len() >= CHUNK {
            self.send();
        }
    }

    /// Hands whatever is buffered to the writer.
    pub fn send(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let next = match self.spare.try_recv() {
            Ok(mut spare) => {
                spare.clear();
                spare
            }
            Err(_) => Vec::with_capacity(CHUNK + 1024),
        };
        let full = std::mem::replace(&mut self.buf, next);
        if let Some(tx) = &self.tx {
            // Fails only if the writer ended early, which `finish` reports.
            let _ = tx.send(full);
        }
    }

    /// Writes what is left, closes the file (ending the gzip stream) and reports the first
    /// write error.
    pub fn finish(&mut self) -> Result<(), String> {
        self.send();
        self.tx = None;
        match self.writer.take().map(JoinHandle::join) {
            None | Some(Ok(Ok(()))) => Ok(()),
            Some(Ok(Err(e))) => Err(format!("cannot write {}: {e}", self.target)),
            Some(Err(_)) => Err(format!("the thread writing {} failed", self.target)),
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

fn is_gzip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

enum Out {
    Stdout(io::Stdout),
    File(io::BufWriter<std::fs::File>),
    Gzip(GzEncoder<io::BufWriter<std::fs::File>>),
}

impl Out {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Self::Stdout(o) => o.lock().write_all(bytes),
            Self::File(o) => o.write_all(bytes),
            Self::Gzip(o) => o.write_all(bytes),
        }
    }

    fn close(self) -> io::Result<()> {
        match self {
            Self::Stdout(o) => o.lock().flush(),
            Self::File(mut o) => o.flush(),
            // The gzip trailer is written by `finish`; then the file's buffer is flushed.
            Self::Gzip(o) => o.finish()?.flush(),
        }
    }
}

fn write_all(mut out: Out, rx: Receiver<Vec<u8>>, spare: SyncSender<Vec<u8>>) -> io::Result<()> {
    let mut failed = None;
    for chunk in rx {
        // After an error the rest is read and dropped, so the output never blocks on a
        // writer that gave up.
        if failed.is_none() {
            if let Err(e) = out.write_all(&chunk) {
                failed = Some(e);
            }
        }
        let _ = spare.try_send(chunk);
    }
    if let Some(e) = failed {
        return Err(e);
    }
    out.close()
}
