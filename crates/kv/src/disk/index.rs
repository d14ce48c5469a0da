//! The keys of a disk store in an order-statistic B-tree, so random picks need no scan.
//!
//! LMDB cannot find the n-th key, so each process keeps its own index of the file's keys,
//! built on the first pick and then kept in step by this process's writer. It is tagged with
//! the LMDB transaction it reflects: a commit by another process makes it stale (its tag no
//! longer matches the file's latest transaction) and the next pick rebuilds it.

use std::ops::Bound;

use heed::types::Bytes;
use heed::{Database, RoTxn};

use super::layout::RESERVED;
use crate::entry::{expired, stored};
use crate::query::{rank_range, Bounds};
use crate::txn::pick_index;
use crate::{Query, StoreError};

pub(crate) struct KeyIndex {
    keys: indexset::BTreeSet<String>,
    /// The LMDB transaction whose state the index holds.
    pub(crate) txn_id: usize,
}

impl KeyIndex {
    /// Reads every key of the file as `txn` sees it.
    pub(crate) fn build(db: Database<Bytes, Bytes>, txn: &RoTxn) -> heed::Result<KeyIndex> {
        let mut keys = Vec::new();
        let below_reserved = (Bound::Unbounded, Bound::Excluded(RESERVED));
        for entry in db.range(txn, &below_reserved)? {
            let (key, _) = entry?;
            // Damaged keys are reported by the reads that meet them; a pick skips them.
            if let Ok(key) = std::str::from_utf8(key) {
                keys.push(key.to_owned());
            }
        }
        Ok(KeyIndex {
            keys: keys.into_iter().collect(),
            txn_id: txn.id(),
        })
    }

    pub(crate) fn empty(txn_id: usize) -> KeyIndex {
        KeyIndex {
            keys: indexset::BTreeSet::new(),
            txn_id,
        }
    }

    pub(crate) fn insert(&mut self, key: &str) {
        if !self.keys.contains(key) {
            self.keys.insert(key.to_owned());
        }
    }

    pub(crate) fn remove(&mut self, key: &str) {
        self.keys.remove(key);
    }

    pub(crate) fn clear(&mut self) {
        self.keys.clear();
    }

    /// A uniformly chosen key with `prefix` whose entry is live and unclaimed at `now`, and
    /// that `skip` does not exclude.
    pub(crate) fn pick(
        &self,
        db: Database<Bytes, Bytes>,
        txn: &RoTxn,
        prefix: &str,
        now: u64,
        skip: &dyn Fn(&str) -> bool,
    ) -> Result<Option<String>, StoreError> {
        let Some(bounds) = (Query {
            prefix,
            ..Default::default()
        })
        .bounds() else {
            return Ok(None);
        };
        let (lo, hi) = self.ranks(&bounds);
        let eligible = |i: usize| -> Result<bool, StoreError> {
            let Some(key) = self.keys.get_index(i) else {
                return Ok(false);
            };
            if skip(key) {
                return Ok(false);
            }
            let value = db.get(txn, key.as_bytes()).map_err(super::backend_error)?;
            Ok(value.and_then(stored::header).is_some_and(|h| {
                !expired(h.expires_at, now) && !h.claim.is_some_and(|c| c.live(now))
            }))
        };
        Ok(pick_index(lo, hi, eligible)?.and_then(|i| self.keys.get_index(i).cloned()))
    }

    fn ranks(&self, bounds: &Bounds) -> (usize, usize) {
        rank_range(
            bounds,
            self.keys.len(),
            |k| self.keys.rank(k),
            |k| self.keys.contains(k),
        )
    }
}
