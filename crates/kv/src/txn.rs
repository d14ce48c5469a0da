//! Atomic read-modify-write steps ([`Store::atomic`](crate::Store::atomic)): the building
//! block of compare-and-swap, counters and every other operation that must read and
//! write with nothing in between.
//!
//! A step sees the store through a [`Txn`] whose writes are staged: they reach the store
//! together when the step returns `Ok`, and not at all when it returns an error, so a step
//! that gives up half way leaves nothing behind.

use std::collections::BTreeMap;

use crate::{validate_key, StoreError, Value};

/// The store as an atomic step sees it: reads include the step's own staged writes.
pub trait Txn {
    /// The value under `key`, if any.
    fn get(&mut self, key: &str) -> Result<Option<Value>, StoreError>;
    /// Stores `value` under `key` when the step succeeds.
    fn put(&mut self, key: &str, value: Value) -> Result<(), StoreError>;
    /// Removes `key` when the step succeeds.
    fn delete(&mut self, key: &str) -> Result<(), StoreError>;
}

/// One atomic step. It may run more than once (a disk commit that must be retried runs it
/// again from scratch, in a new transaction), so it keeps any result it hands out by
/// overwriting, never by appending.
pub type AtomicStep = Box<dyn FnMut(&mut dyn Txn) -> Result<(), StoreError> + Send>;

/// A [`Txn`] over a backend's committed state (read through `read`) plus staged writes.
pub(crate) struct Staging<R> {
    read: R,
    /// `None` is a staged delete.
    writes: BTreeMap<String, Option<Value>>,
}

impl<R: FnMut(&str) -> Result<Option<Value>, StoreError>> Staging<R> {
    pub(crate) fn new(read: R) -> Self {
        Self {
            read,
            writes: BTreeMap::new(),
        }
    }

    /// The staged writes, in key order, to apply once the step succeeded.
    pub(crate) fn into_writes(self) -> BTreeMap<String, Option<Value>> {
        self.writes
    }
}

impl<R: FnMut(&str) -> Result<Option<Value>, StoreError>> Txn for Staging<R> {
    fn get(&mut self, key: &str) -> Result<Option<Value>, StoreError> {
        validate_key(key)?;
        match self.writes.get(key) {
            Some(staged) => Ok(staged.clone()),
            None => (self.read)(key),
        }
    }

    fn put(&mut self, key: &str, value: Value) -> Result<(), StoreError> {
        validate_key(key)?;
        self.writes.insert(key.to_owned(), Some(value));
        Ok(())
    }

    fn delete(&mut self, key: &str) -> Result<(), StoreError> {
        validate_key(key)?;
        self.writes.insert(key.to_owned(), None);
        Ok(())
    }
}
