//! Ops behind `k6/experimental/fs`. A file's bytes are read from disk once per run
//! ([`FileCache`], kept in the run's `TestState`) and every VU holds only an `Arc` to
//! them; reads copy the requested range into the script's buffer.

use crate::runtime::state::VuState;
use deno_core::{op2, OpState};
use parking_lot::Mutex;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Contents of the files a run opened, by cleaned absolute path. Per run rather than
/// per process: an embedder may run several tests (with different files) in one process.
#[derive(Default)]
pub struct FileCache {
    files: Mutex<HashMap<PathBuf, Arc<[u8]>>>,
}

impl FileCache {
    fn get(&self, path: &Path) -> std::io::Result<Arc<[u8]>> {
        if let Some(data) = self.files.lock().get(path) {
            return Ok(data.clone());
        }
        // Read outside the lock: VUs opening other files need not wait for this one.
        let data: Arc<[u8]> = std::fs::read(path)?.into();
        Ok(self
            .files
            .lock()
            .entry(path.to_path_buf())
            .or_insert(data)
            .clone())
    }
}

/// The files this VU opened, indexed by the id its `File` objects hold.
#[derive(Default)]
pub struct OpenFiles(Vec<Arc<[u8]>>);

impl OpenFiles {
    pub fn data(state: &OpState, id: u32) -> Option<Arc<[u8]>> {
        state.try_borrow::<OpenFiles>()?.0.get(id as usize).cloned()
    }
}

#[derive(Serialize)]
pub struct Opened {
    id: u32,
    path: String,
    name: String,
    size: f64,
}

/// What a failed open reports: `kind` is the name of k6's error (or empty for the
/// plain Go errors k6 passes through), `message` its text.
#[derive(Serialize)]
pub struct OpenError {
    kind: &'static str,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OpenOutcome {
    Ok(Opened),
    Err(OpenError),
}

/// `path` joined to `base` when relative, with `.` and `..` resolved by name as Go's
/// `filepath.Clean` does (k6 shows this path and does not follow symlinks for it).
fn clean_absolute(base: &Path, path: &str) -> PathBuf {
    let joined = base.join(path);
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            // `..` at the root stays at the root.
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Go's `%q` for the paths in k6's messages (close enough for anything a path holds).
fn quoted(path: &Path) -> String {
    serde_json::to_string(&path.to_string_lossy()).expect("a string serializes")
}

/// How Go words an OS error, for the messages k6 passes through unchanged.
fn go_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_lowercase(),
                None => text,
            }
        }
    }
}

fn open(state: &mut OpState, path: &str) -> Result<Opened, OpenError> {
    let vu = state.borrow::<VuState>();
    let test = vu.test.clone();
    let full = clean_absolute(&test.script_dir, path);
    let meta = match std::fs::metadata(&full) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(OpenError {
                kind: "NotFoundError",
                message: format!("no such file or directory {}", quoted(&full)),
            })
        }
        Err(e) => {
            return Err(OpenError {
                kind: "",
                message: format!(
                    "open() failed, unable to verify if {} exists; reason: stat {}: {}",
                    quoted(&full),
                    full.display(),
                    go_reason(&e)
                ),
            })
        }
    };
    if meta.is_dir() {
        return Err(OpenError {
            kind: "InvalidResourceError",
            message: format!(
                "cannot open {}: opening a directory is not supported",
                quoted(&full)
            ),
        });
    }
    let data = test.fs_files.get(&full).map_err(|e| OpenError {
        kind: "",
        message: format!("open {}: {}", full.display(), go_reason(&e)),
    })?;
    let size = data.len() as f64;
    if !state.has::<OpenFiles>() {
        state.put(OpenFiles::default());
    }
    let files = state.borrow_mut::<OpenFiles>();
    let id = files.0.len() as u32;
    files.0.push(data);
    Ok(Opened {
        id,
        path: full.to_string_lossy().into_owned(),
        name: full
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "/".into()),
        size,
    })
}

/// Opens `path` (relative to the script's directory) for this VU. fs.js has checked
/// the init context and the argument.
#[op2]
#[serde]
pub fn op_fs_open(state: &mut OpState, #[string] path: &str) -> OpenOutcome {
    match open(state, path) {
        Ok(opened) => OpenOutcome::Ok(opened),
        Err(err) => OpenOutcome::Err(err),
    }
}

/// Copies the file's bytes from `offset` into `into`; returns how many were copied.
#[op2(fast)]
pub fn op_fs_read(state: &mut OpState, id: u32, offset: f64, #[buffer] into: &mut [u8]) -> f64 {
    let Some(data) = OpenFiles::data(state, id) else {
        return 0.0;
    };
    let start = (offset.max(0.0) as usize).min(data.len());
    let n = into.len().min(data.len() - start);
    into[..n].copy_from_slice(&data[start..start + n]);
    n as f64
}

#[cfg(test)]
mod tests {
    use super::{clean_absolute, FileCache};
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    #[test]
    fn a_run_reads_each_file_once_and_shares_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "first").unwrap();
        let cache = FileCache::default();
        let one = cache.get(&path).unwrap();
        std::fs::write(&path, "changed").unwrap();
        let two = cache.get(&path).unwrap();
        assert!(Arc::ptr_eq(&one, &two));
        assert_eq!(&*two, b"first");
        // Another run (another cache) sees the file as it is now.
        assert_eq!(&*FileCache::default().get(&path).unwrap(), b"changed");
    }

    #[test]
    fn cleans_like_go() {
        let base = Path::new("/srv/tests");
        assert_eq!(
            clean_absolute(base, "a.txt"),
            PathBuf::from("/srv/tests/a.txt")
        );
        assert_eq!(
            clean_absolute(base, "./x/../a.txt"),
            PathBuf::from("/srv/tests/a.txt")
        );
        assert_eq!(clean_absolute(base, "../../../../a"), PathBuf::from("/a"));
        assert_eq!(
            clean_absolute(base, "/etc/./hosts"),
            PathBuf::from("/etc/hosts")
        );
    }
}
