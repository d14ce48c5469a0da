use std::path::PathBuf;
use std::time::Duration;

/// Everything a store operation can fail with.
///
/// Every `Display` text is a full sentence that tells the script author what to do, because the
/// ops layer hands it to JavaScript unchanged. [`StoreError::name`] gives the matching stable
/// JavaScript error name.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The key is empty (`KeyRequiredError`).
    #[error("A key is required: pass a non-empty string as the key.")]
    KeyRequired,

    /// The key is longer than [`MAX_KEY_BYTES`](crate::MAX_KEY_BYTES) (`KeyTooLargeError`).
    #[error(
        "The key is {len} bytes long but keys are limited to {max} bytes of UTF-8; \
         use a shorter key (for example a hash of the long one).",
        max = crate::MAX_KEY_BYTES
    )]
    KeyTooLarge {
        /// The key's length in UTF-8 bytes.
        len: usize,
    },

    /// An operation that needs an existing key found none (`KeyNotFoundError`).
    #[error("Key {key:?} was not found; set it first or check the key's spelling.")]
    NotFound {
        /// The missing key.
        key: String,
    },

    /// The store file could not be opened or created (`StoreOpenError`).
    #[error("Cannot open the key-value store at {}: {reason}.", path.display())]
    Open {
        /// The store file.
        path: PathBuf,
        /// Why, as a clause that completes the sentence.
        reason: String,
    },

    /// The path cannot name a store file at all (a directory, or a path ending in a
    /// separator); nothing was created. JavaScript sees this as a bad `openKv()` option.
    #[error("The store path {} {reason}; give the path of a store file, such as ./data/store.kv.", path.display())]
    InvalidPath {
        /// The path as given.
        path: PathBuf,
        /// What is wrong with it, as a clause that completes the sentence.
        reason: String,
    },

    /// The store file is already open in this process with another durability
    /// (`InvalidOptionsError`); LMDB fixes it for as long as the file stays open.
    #[error(
        "The store at {} is already open in this process with durability {open:?}, so it cannot \
         also be opened with durability {requested:?}; give every openKv() of one path the same \
         durability option.",
        path.display()
    )]
    DurabilityConflict {
        /// The store file.
        path: PathBuf,
        /// The durability it is open with (`"full"` or `"process"`).
        open: &'static str,
        /// The durability asked for.
        requested: &'static str,
    },

    /// The backend failed (an LMDB or I/O error, a full disk) (`BackendError`); the text
    /// is the underlying error's.
    #[error(
        "The key-value store failed: {0}. Check the disk (free space, permissions) and retry."
    )]
    Backend(String),

    /// A write reached a store that is closed, or whose writer has stopped
    /// (`StoreClosedError`).
    #[error("The key-value store is closed and accepts no more writes; open the store again.")]
    Closed,

    /// The write was not committed within `waited` and has been withdrawn: it was not
    /// written and never will be. Nearly always another process holding the store's write
    /// lock without finishing (a stopped or hung process).
    #[error(
        "The write was not committed within {}: another process holds the store's write lock \
         (is a process using the store stopped or hung?). The write was withdrawn and not stored.",
        humanize(*waited)
    )]
    WriteTimeout {
        /// How long the write waited before it was withdrawn.
        waited: Duration,
    },

    /// An atomic operation declined to change anything, for a reason of its own (a counter
    /// that holds something other than a number, say); `name` is its JavaScript name.
    #[error("{message}")]
    Rejected {
        /// The JavaScript error name, such as `"NotANumberError"`.
        name: &'static str,
        /// The whole message, a sentence for the script's author.
        message: String,
    },
}

/// `1.5s`, `30s`, `250ms`: as a user would type the duration.
fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else if d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

impl StoreError {
    /// The stable name the JavaScript side gives this error (its `name` property).
    pub fn name(&self) -> &'static str {
        match self {
            StoreError::KeyRequired => "KeyRequiredError",
            StoreError::KeyTooLarge { .. } => "KeyTooLargeError",
            StoreError::NotFound { .. } => "KeyNotFoundError",
            StoreError::Open { .. } => "StoreOpenError",
            StoreError::Backend(_) => "BackendError",
            StoreError::Closed => "StoreClosedError",
            StoreError::InvalidPath { .. } | StoreError::DurabilityConflict { .. } => {
                "InvalidOptionsError"
            }
            StoreError::WriteTimeout { .. } => "WriteTimeoutError",
            StoreError::Rejected { name, .. } => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable() {
        let cases = [
            (StoreError::KeyRequired, "KeyRequiredError"),
            (StoreError::KeyTooLarge { len: 600 }, "KeyTooLargeError"),
            (StoreError::NotFound { key: "k".into() }, "KeyNotFoundError"),
            (
                StoreError::Open {
                    path: "/x".into(),
                    reason: "r".into(),
                },
                "StoreOpenError",
            ),
            (StoreError::Backend("b".into()), "BackendError"),
            (StoreError::Closed, "StoreClosedError"),
            (
                StoreError::InvalidPath {
                    path: "d/".into(),
                    reason: "r".into(),
                },
                "InvalidOptionsError",
            ),
            (
                StoreError::DurabilityConflict {
                    path: "/x".into(),
                    open: "full",
                    requested: "process",
                },
                "InvalidOptionsError",
            ),
            (
                StoreError::WriteTimeout {
                    waited: Duration::from_secs(1),
                },
                "WriteTimeoutError",
            ),
        ];
        for (err, name) in cases {
            assert_eq!(err.name(), name);
        }
    }

    #[test]
    fn messages_are_sentences_with_details() {
        let too_large = StoreError::KeyTooLarge { len: 600 }.to_string();
        assert!(
            too_large.contains("600") && too_large.contains("511"),
            "{too_large}"
        );
        let open = StoreError::Open {
            path: "/data/x.kv".into(),
            reason: "directory /data does not exist".into(),
        }
        .to_string();
        assert!(open.contains("/data/x.kv") && open.ends_with('.'), "{open}");
        let timeout = StoreError::WriteTimeout {
            waited: Duration::from_millis(2500),
        }
        .to_string();
        assert!(timeout.contains("within 2.5s"), "{timeout}");
        assert!(StoreError::WriteTimeout {
            waited: Duration::from_secs(30)
        }
        .to_string()
        .contains("within 30s"),);
        for err in [
            StoreError::KeyRequired,
            StoreError::NotFound { key: "k".into() },
            StoreError::Backend("disk on fire".into()),
            StoreError::Closed,
            StoreError::WriteTimeout {
                waited: Duration::from_millis(1500),
            },
        ] {
            let text = err.to_string();
            assert!(text.ends_with('.'), "{text}");
            assert!(
                text.chars().next().is_some_and(char::is_uppercase),
                "{text}"
            );
        }
    }
}
