//! Atomic operations over [`Store::atomic`], the same on every backend. Values are
//! compared by their bytes (for rk6: their serialized text).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use parking_lot::Mutex;

use crate::entry::{new_token, versionstamp_hex, Claim};
use crate::{Store, StoreError, Txn, Value, WriteHandle};

/// Name of the error [`AtomicOps::increment_by`] rejects a non-numeric value with.
pub const NOT_A_NUMBER: &str = "NotANumberError";

/// The result of an atomic operation, available once its write is committed (on disk:
/// durably). Await it, or [`wait`](Pending::wait) for it from synchronous code.
#[must_use = "an atomic operation's result is only known once it resolves"]
pub struct Pending<T> {
    write: WriteHandle,
    out: Arc<Mutex<Option<T>>>,
}

impl<T> Pending<T> {
    /// An operation that finished on the spot.
    pub(crate) fn ready(result: Result<T, StoreError>) -> Pending<T> {
        match result {
            Ok(value) => Pending {
                write: WriteHandle::ready(Ok(())),
                out: Arc::new(Mutex::new(Some(value))),
            },
            Err(e) => Pending {
                write: WriteHandle::ready(Err(e)),
                out: Arc::new(Mutex::new(None)),
            },
        }
    }

    fn result(out: &Mutex<Option<T>>) -> Result<T, StoreError> {
        out.lock().take().ok_or_else(|| {
            StoreError::Backend("the atomic operation finished without a result".into())
        })
    }

    /// The result if the operation has already finished (on the memory store it always
    /// has), without blocking; otherwise the operation back, to be awaited.
    pub fn now(mut self) -> Result<Result<T, StoreError>, Self> {
        match self.write.try_now() {
            Some(Ok(())) => Ok(Self::result(&self.out)),
            Some(Err(e)) => Ok(Err(e)),
            None => Err(self),
        }
    }

    /// Blocks this thread until the operation is committed.
    pub fn wait(self) -> Result<T, StoreError> {
        let Pending { write, out } = self;
        write.wait()?;
        Pending::<T>::result(&out)
    }
}

impl<T> Future for Pending<T> {
    type Output = Result<T, StoreError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match Pin::new(&mut this.write).poll(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Self::result(&this.out)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Runs `step` atomically on `store`; whatever it returns is the operation's result.
fn run<S, T, F>(store: &S, mut step: F) -> Pending<T>
where
    S: Store + ?Sized,
    T: Send + 'static,
    F: FnMut(&mut dyn Txn) -> Result<T, StoreError> + Send + 'static,
{
    let out = Arc::new(Mutex::new(None));
    let slot = out.clone();
    let write = store.atomic(Box::new(move |txn| {
        let value = step(txn)?;
        *slot.lock() = Some(value);
        Ok(())
    }));
    Pending { write, out }
}

/// The number a stored value holds: its text must be a JSON number (what both of rk6's
/// serializations store for a number).
fn number(key: &str, bytes: &[u8]) -> Result<f64, StoreError> {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Number(n)) => n.as_f64().ok_or_else(|| not_a_number(key, bytes)),
        _ => Err(not_a_number(key, bytes)),
    }
}

fn not_a_number(key: &str, bytes: &[u8]) -> StoreError {
    let text = String::from_utf8_lossy(bytes);
    let shown: String = text.chars().take(40).collect();
    let more = if shown.len() < text.len() { "…" } else { "" };
    StoreError::Rejected {
        name: NOT_A_NUMBER,
        message: format!(
            "The value under key {key:?} is {shown}{more}, not a number, so it cannot be \
             incremented; store a number there first (or delete the key to start from 0)."
        ),
    }
}

/// A number's text as JavaScript writes it for the integers counters hold (`42`, not
/// `42.0`), and as a JSON number otherwise.
fn number_text(n: f64) -> Vec<u8> {
    if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{n:.0}").into_bytes()
    } else {
        serde_json::to_vec(&n).unwrap_or_else(|_| b"null".to_vec())
    }
}

/// Adds `delta` to the number under `key` (missing: 0), keeping the entry's expiry.
fn add(txn: &mut dyn Txn, key: &str, delta: f64) -> Result<f64, StoreError> {
    let (current, expires_at) = match txn.entry(key)? {
        Some(entry) => (number(key, &entry.value)?, entry.expires_at),
        None => (0.0, None),
    };
    let sum = current + delta;
    if !sum.is_finite() {
        return Err(StoreError::Rejected {
            name: NOT_A_NUMBER,
            message: format!(
                "Adding {delta} to {current} under key {key:?} does not give a finite \
                 number; the value was left unchanged."
            ),
        });
    }
    txn.put_expiring(key, number_text(sum), expires_at)?;
    Ok(sum)
}

/// A condition of a multi-key [`commit`](AtomicOps::commit).
#[derive(Debug, Clone)]
pub struct Check {
    /// The key whose state is checked.
    pub key: String,
    /// The versionstamp the key must have; `None`: the key must be absent.
    pub versionstamp: Option<u64>,
}

/// A write of a multi-key [`commit`](AtomicOps::commit).
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Stores `value` under `key`, as [`Store::put`] does.
    Set {
        /// The key to write.
        key: String,
        /// The bytes to store.
        value: Value,
        /// When the entry expires (ms since the Unix epoch); `None`: never.
        expires_at: Option<u64>,
    },
    /// Removes `key` (a missing key is not an error).
    Delete {
        /// The key to remove.
        key: String,
    },
    /// Adds to a number, as [`increment_by`](AtomicOps::increment_by) does.
    Sum {
        /// The key holding the number (missing: 0).
        key: String,
        /// What to add.
        delta: f64,
    },
}

/// The atomic operations every [`Store`] offers.
pub trait AtomicOps: Store {
    /// Adds `delta` to the number under `key` (a missing key counts as 0) and returns the
    /// sum. A value that is not a number is left alone and rejected ([`NOT_A_NUMBER`]);
    /// so is a sum that is not finite.
    fn increment_by(&self, key: &str, delta: f64) -> Pending<f64> {
        let key = key.to_owned();
        run(self, move |txn| add(txn, &key, delta))
    }

    /// Takes a key with `prefix`, chosen uniformly among the live unclaimed ones, out of the
    /// store and returns it with its value: concurrent pops never return the same entry.
    fn pop_random(&self, prefix: &str) -> Pending<Option<(String, Value)>> {
        let prefix = prefix.to_owned();
        run(self, move |txn| {
            let Some(key) = txn.pick(&prefix)? else {
                return Ok(None);
            };
            let Some(value) = txn.get(&key)? else {
                return Ok(None);
            };
            txn.delete(&key)?;
            Ok(Some((key, value)))
        })
    }

    /// Claims a key with `prefix`, chosen uniformly among the live unclaimed ones, for
    /// `owner` until `ttl_ms` from now: until then no other pick returns it, unless the
    /// claim is released or completed first. Returns the key, its value and the claim.
    fn claim_random(
        &self,
        prefix: &str,
        owner: &str,
        ttl_ms: u64,
    ) -> Pending<Option<(String, Value, Claim)>> {
        let (prefix, owner) = (prefix.to_owned(), owner.to_owned());
        run(self, move |txn| {
            let Some(key) = txn.pick(&prefix)? else {
                return Ok(None);
            };
            let Some(value) = txn.get(&key)? else {
                return Ok(None);
            };
            let claim = Claim {
                id: versionstamp_hex(txn.versionstamp()),
                token: new_token(),
                owner: owner.clone(),
                expires_at: txn.now().saturating_add(ttl_ms),
            };
            txn.set_claim(&key, Some(claim.clone()))?;
            Ok(Some((key, value, claim)))
        })
    }

    /// Ends the claim `id` on `key` if it is still live and `token` is its own, making the
    /// key available to picks again; returns whether it did.
    fn release_claim(&self, key: &str, id: &str, token: &str) -> Pending<bool> {
        self.end_claim(key, id, token, false)
    }

    /// Ends the claim `id` on `key` if it is still live and `token` is its own, and deletes
    /// the key when `delete_key`; returns whether it did.
    fn complete_claim(&self, key: &str, id: &str, token: &str, delete_key: bool) -> Pending<bool> {
        self.end_claim(key, id, token, delete_key)
    }

    #[doc(hidden)]
    fn end_claim(&self, key: &str, id: &str, token: &str, delete_key: bool) -> Pending<bool> {
        let (key, id, token) = (key.to_owned(), id.to_owned(), token.to_owned());
        run(self, move |txn| {
            let Some(claim) = txn.claim(&key)? else {
                return Ok(false);
            };
            if claim.id != id || claim.token != token {
                return Ok(false);
            }
            if !claim.live(txn.now()) {
                // Too late: the key may be someone else's by now. The stale record goes.
                txn.set_claim(&key, None)?;
                return Ok(false);
            }
            if delete_key {
                txn.delete(&key)?;
            } else {
                txn.set_claim(&key, None)?;
            }
            Ok(true)
        })
    }

    /// Applies `mutations` in order, all or nothing, if every check holds (each key's
    /// versionstamp is as given; `None`: the key is absent). Returns the commit's
    /// versionstamp, or `None` when a check failed and nothing was written.
    fn commit(&self, checks: Vec<Check>, mutations: Vec<Mutation>) -> Pending<Option<u64>> {
        run(self, move |txn| {
            for check in &checks {
                let current = txn.entry(&check.key)?.map(|entry| entry.versionstamp);
                if current != check.versionstamp {
                    return Ok(None);
                }
            }
            for mutation in &mutations {
                match mutation {
                    Mutation::Set {
                        key,
                        value,
                        expires_at,
                    } => txn.put_expiring(key, value.clone(), *expires_at)?,
                    Mutation::Delete { key } => txn.delete(key)?,
                    Mutation::Sum { key, delta } => {
                        add(txn, key, *delta)?;
                    }
                }
            }
            Ok(Some(txn.versionstamp()))
        })
    }

    /// The value under `key` and `true` if there is one; otherwise stores `value` and
    /// returns it with `false`.
    fn get_or_set(&self, key: &str, value: Value) -> Pending<(Value, bool)> {
        let key = key.to_owned();
        run(self, move |txn| match txn.get(&key)? {
            Some(existing) => Ok((existing, true)),
            None => {
                txn.put(&key, value.clone())?;
                Ok((value.clone(), false))
            }
        })
    }

    /// Stores `value` under `key` and returns what it replaced, if anything.
    fn swap(&self, key: &str, value: Value) -> Pending<Option<Value>> {
        let key = key.to_owned();
        run(self, move |txn| {
            let previous = txn.get(&key)?;
            txn.put(&key, value.clone())?;
            Ok(previous)
        })
    }

    /// Stores `new` under `key` if the value there is `expected` (`None`: if there is no
    /// value); returns whether it did.
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<Value>,
        mut new: Value,
    ) -> Pending<bool> {
        if let Some(done) = self.swap_if_now(key, expected.as_deref(), &mut new) {
            return Pending::ready(done);
        }
        let key = key.to_owned();
        run(self, move |txn| {
            if txn.get(&key)? != expected {
                return Ok(false);
            }
            txn.put(&key, new.clone())?;
            Ok(true)
        })
    }

    /// Removes `key`; returns whether it was there.
    fn delete_if_exists(&self, key: &str) -> Pending<bool> {
        let key = key.to_owned();
        run(self, move |txn| {
            if txn.get(&key)?.is_none() {
                return Ok(false);
            }
            txn.delete(&key)?;
            Ok(true)
        })
    }

    /// Removes `key` if its value is `expected`; returns whether it did.
    fn compare_and_delete(&self, key: &str, expected: Value) -> Pending<bool> {
        let key = key.to_owned();
        run(self, move |txn| {
            if txn.get(&key)?.as_deref() != Some(expected.as_slice()) {
                return Ok(false);
            }
            txn.delete(&key)?;
            Ok(true)
        })
    }
}

impl<S: Store + ?Sized> AtomicOps for S {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    #[test]
    fn numbers_are_written_as_javascript_writes_them() {
        assert_eq!(number_text(42.0), b"42");
        assert_eq!(number_text(-3.0), b"-3");
        assert_eq!(number_text(0.5), b"0.5");
        assert_eq!(number_text(0.1 + 0.2), b"0.30000000000000004");
    }

    #[test]
    fn memory_operations_are_finished_when_they_return() {
        let store = MemoryStore::new();
        assert!(matches!(store.increment_by("n", 2.0).now(), Ok(Ok(2.0))));
        store.set("t", b"\"x\"".to_vec()).wait().unwrap();
        match store.increment_by("t", 1.0).now() {
            Ok(Err(err)) => assert_eq!(err.name(), NOT_A_NUMBER),
            _ => panic!("expected a finished NotANumberError"),
        }
    }

    #[test]
    fn a_declined_step_changes_nothing() {
        let store = MemoryStore::new();
        store.set("n", b"\"text\"".to_vec()).wait().unwrap();
        let err = store.increment_by("n", 1.0).wait().unwrap_err();
        assert_eq!(err.name(), NOT_A_NUMBER);
        assert_eq!(store.get("n").unwrap().unwrap(), b"\"text\"");
        assert_eq!(store.increment_by("m", 2.5).wait().unwrap(), 2.5);
        assert_eq!(store.increment_by("m", 0.5).wait().unwrap(), 3.0);
        assert_eq!(store.get("m").unwrap().unwrap(), b"3");
    }
}
