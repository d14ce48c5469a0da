//! Group commit: one thread per store owns all writing. It waits for a queued request,
//! takes LMDB's write lock, then takes whatever has queued up by then, applies the lot in one
//! write transaction and commits once (durably), then answers each request. A lone writer
//! pays one `fsync` per write; many concurrent writers share theirs.
//!
//! Requests stay in the shared queue until the writer holds the write lock, so while another
//! process keeps that lock (a stopped process, say) every waiting write can still be
//! withdrawn, by its handle's timeout or by the store closing, and is then never committed.

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use std::ops::Bound;
use std::time::Duration;

use heed::types::Bytes;
use heed::{Database, MdbError, RwTxn};
use parking_lot::{Condvar, Mutex};

use super::index::KeyIndex;
use super::layout::{index_key, index_time, reindex, Meta, EXPIRY};
use super::{backend_error, damaged_entry, Shared};
use crate::entry::{expired, now_ms, stored, Claim, Entry};
use crate::txn::{Clock, Staging, View};
use crate::write::Slot;
use crate::{AtomicStep, StoreError, Value, WriteHandle};

/// Caps on one transaction, so a flood of writes still commits (and answers) in steps and an
/// unbounded amount of dirty pages is never held in memory.
const MAX_BATCH_OPS: usize = 4096;
const MAX_BATCH_BYTES: usize = 64 << 20;

/// How many expired entries one commit frees at most, so sweeping never makes a commit slow.
const SWEEP_BATCH: usize = 256;

/// How long an idle writer waits before freeing expired entries.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Map resizes are doublings, so this many retries cover any map a 64-bit address space holds.
const MAX_RESIZE_RETRIES: u32 = 64;

pub(crate) enum Op {
    /// A value and its expiry (`0`: never).
    Put(String, Value, u64),
    Delete(String),
    Clear,
    /// Called through a shared reference by the writer, which alone ever locks it.
    Atomic(Mutex<AtomicStep>),
}

impl Op {
    fn weight(&self) -> usize {
        match self {
            Op::Put(key, value, _) => key.len() + value.len(),
            Op::Delete(key) => key.len(),
            Op::Clear | Op::Atomic(_) => 0,
        }
    }
}

pub(crate) struct Request {
    op: Op,
    slot: Arc<Slot>,
}

/// The requests waiting for the writer, shared by every thread that writes.
#[derive(Default)]
pub(crate) struct Queue {
    state: Mutex<QueueState>,
    work: Condvar,
}

#[derive(Default)]
struct QueueState {
    requests: VecDeque<Request>,
    /// No more requests are accepted; the writer exits once the queue is empty.
    closed: bool,
    /// The writer must exit without committing anything more.
    abandoned: bool,
}

impl Queue {
    pub(crate) fn push(&self, op: Op) -> WriteHandle {
        let slot = Slot::new();
        let mut state = self.state.lock();
        if state.closed || state.abandoned {
            return WriteHandle::ready(Err(StoreError::Closed));
        }
        // The writer only sleeps on an empty queue.
        if state.requests.is_empty() {
            self.work.notify_one();
        }
        state.requests.push_back(Request {
            op,
            slot: slot.clone(),
        });
        WriteHandle::pending(slot)
    }

    pub(crate) fn close(&self) {
        self.state.lock().closed = true;
        self.work.notify_one();
    }

    /// Stops the writer for good and settles every queued write with `error`; returns how
    /// many writes were withdrawn that way.
    pub(crate) fn abandon(&self, error: &StoreError) -> usize {
        let requests = {
            let mut state = self.state.lock();
            state.abandoned = true;
            std::mem::take(&mut state.requests)
        };
        self.work.notify_one();
        requests
            .into_iter()
            .filter(|request| request.slot.withdraw(error.clone()))
            .count()
    }

    /// Blocks until there is work, or at most `idle`.
    fn wait_for_work(&self, idle: Option<Duration>) -> Wait {
        let mut state = self.state.lock();
        loop {
            if state.abandoned {
                return Wait::Exit;
            }
            if !state.requests.is_empty() {
                return Wait::Work;
            }
            if state.closed {
                return Wait::Exit;
            }
            match idle {
                Some(idle) => {
                    if self.work.wait_for(&mut state, idle).timed_out() && state.requests.is_empty()
                    {
                        return if state.closed || state.abandoned {
                            Wait::Exit
                        } else {
                            Wait::Idle
                        };
                    }
                }
                None => self.work.wait(&mut state),
            }
        }
    }

    /// Moves the next batch into `batch`, skipping withdrawn writes; `false` if abandoned.
    fn take_batch(&self, batch: &mut Vec<Request>) -> bool {
        let mut state = self.state.lock();
        if state.abandoned {
            return false;
        }
        let mut bytes = 0;
        while batch.len() < MAX_BATCH_OPS && bytes < MAX_BATCH_BYTES {
            let Some(request) = state.requests.pop_front() else {
                break;
            };
            if request.slot.begin_commit() {
                bytes += request.op.weight();
                batch.push(request);
            }
        }
        true
    }
}

/// Starts the writer thread. The returned receiver disconnects when the thread has ended,
/// which lets a closing store wait for it with a timeout.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    queue: Arc<Queue>,
) -> io::Result<(JoinHandle<()>, Receiver<()>)> {
    let (alive, ended) = mpsc::channel::<()>();
    let writer = thread::Builder::new()
        .name("rk6-kv-writer".into())
        .spawn(move || {
            let _alive = alive;
            run(&shared, &queue);
        })?;
    Ok((writer, ended))
}

/// Runs until the queue is closed and empty, so queued writes are never lost, or until the
/// store gives up on it.
fn run(shared: &Shared, queue: &Queue) {
    let mut batch = Vec::with_capacity(MAX_BATCH_OPS);
    loop {
        // Entries with an expiry wake the writer now and then to free them, so their space
        // comes back even when nothing else is written.
        let idle = shared
            .expiring
            .load(Ordering::Relaxed)
            .then_some(SWEEP_EVERY);
        match queue.wait_for_work(idle) {
            Wait::Work => {
                if !commit_next(shared, queue, &mut batch) {
                    return;
                }
            }
            Wait::Idle => {
                if shared.sweep_due() {
                    // A failed sweep is retried at the next wake-up.
                    let _ = commit(shared, &[]);
                }
            }
            Wait::Exit => return,
        }
    }
}

enum Wait {
    Work,
    /// Nothing arrived within the idle time.
    Idle,
    Exit,
}

/// Commits one batch; `false` when the store was abandoned while waiting for the lock.
fn commit_next(shared: &Shared, queue: &Queue, batch: &mut Vec<Request>) -> bool {
    let attempt = {
        let _txn_open = shared.gate.read();
        // This is where a process holding LMDB's write lock keeps us waiting.
        let mut txn = match shared.env.write_txn() {
            Ok(txn) => txn,
            Err(e) => {
                drop(_txn_open);
                if matches!(e, heed::Error::Mdb(MdbError::MapResized)) {
                    if let Err(e) = shared.adopt_map_size() {
                        return settle_all(queue, batch, &e);
                    }
                    return true;
                }
                return settle_all(queue, batch, &backend_error(e));
            }
        };
        if !queue.take_batch(batch) {
            return false;
        }
        if batch.is_empty() {
            // Everything queued had been withdrawn; dropping `txn` aborts it.
            return true;
        }
        let id = txn.id();
        apply(shared, &mut txn, batch).and_then(|applied| txn.commit().map(|()| (applied, id)))
    };
    let result = match attempt {
        Ok((applied, id)) => {
            shared.commits.fetch_add(1, Ordering::Relaxed);
            shared.keep_index(applied.index, id);
            Ok(applied.outcomes)
        }
        // The failed transaction is gone, so the map can change; the batch is ours now.
        Err(heed::Error::Mdb(MdbError::MapFull | MdbError::MapResized)) => commit(shared, batch),
        Err(e) => Err(backend_error(e)),
    };
    match result {
        Ok(outcomes) => answer_each(batch, outcomes),
        Err(_) if batch.len() > 1 => {
            // One bad write must not fail the writes it happened to share a transaction
            // with: commit each on its own to find out which one it was.
            for request in batch.drain(..) {
                let result = commit(shared, std::slice::from_ref(&request))
                    .and_then(|mut outcomes| outcomes.pop().unwrap_or(Ok(())));
                request.slot.finish(result);
            }
        }
        Err(e) => answer_all(batch, &Err(e)),
    }
    true
}

/// The write lock could not be taken: every write queued now fails with `error`.
fn settle_all(queue: &Queue, batch: &mut Vec<Request>, error: &StoreError) -> bool {
    if !queue.take_batch(batch) {
        return false;
    }
    answer_all(batch, &Err(error.clone()));
    true
}

/// Answers each write of a committed batch with its own outcome: an atomic step that
/// declined changed nothing, while the rest of its batch was committed.
fn answer_each(batch: &mut Vec<Request>, outcomes: Vec<Result<(), StoreError>>) {
    for (request, outcome) in batch.drain(..).zip(outcomes) {
        request.slot.finish(outcome);
    }
}

fn answer_all(batch: &mut Vec<Request>, result: &Result<(), StoreError>) {
    for request in batch.drain(..) {
        // The caller may have dropped its handle; the write stands regardless.
        request.slot.finish(result.clone());
    }
}

/// Applies `batch` in one transaction and commits it, enlarging the map when it is full;
/// returns each write's own outcome.
fn commit(shared: &Shared, batch: &[Request]) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    for _ in 0..MAX_RESIZE_RETRIES {
        let attempt = {
            let _txn_open = shared.gate.read();
            shared.env.write_txn().and_then(|mut txn| {
                let id = txn.id();
                let applied = apply(shared, &mut txn, batch)?;
                txn.commit().map(|()| (applied, id))
            })
        };
        match attempt {
            Ok((applied, id)) => {
                shared.commits.fetch_add(1, Ordering::Relaxed);
                shared.keep_index(applied.index, id);
                return Ok(applied.outcomes);
            }
            // The failed transaction was aborted when the closure returned, so no
            // transaction of ours is open while the map is changed.
            Err(heed::Error::Mdb(MdbError::MapFull)) => shared.grow_map()?,
            Err(heed::Error::Mdb(MdbError::MapResized)) => shared.adopt_map_size()?,
            Err(e) => return Err(backend_error(e)),
        }
    }
    Err(StoreError::Backend(
        "the store's memory map could not be made large enough for the write".into(),
    ))
}

/// What applying a batch produced: each write's own outcome, and the key index as it will
/// be once the transaction commits.
pub(crate) struct Applied {
    outcomes: Vec<Result<(), StoreError>>,
    index: Option<KeyIndex>,
}

/// Applies `batch` to `txn`, then frees some expired entries. A failure of the transaction
/// itself is the `Err`; an atomic step that declined is only that write's outcome (its
/// staged writes are dropped).
fn apply(shared: &Shared, txn: &mut RwTxn, batch: &[Request]) -> heed::Result<Applied> {
    let db = shared.db;
    let before = Meta::read(db, txn)?.unwrap_or_default();
    let mut w = Writing {
        db,
        meta: before,
        index: shared.take_index(txn.id()),
        now: now_ms(),
    };
    let mut outcomes = Vec::with_capacity(batch.len());
    for request in batch {
        let mut outcome = Ok(());
        match &request.op {
            Op::Put(key, value, expires_at) => {
                w.meta.version += 1;
                w.store(txn, key, Some((value, *expires_at)), ClaimChange::Keep)?;
            }
            Op::Delete(key) => {
                w.meta.version += 1;
                w.store(txn, key, None, ClaimChange::Keep)?;
            }
            Op::Clear => {
                db.clear(txn)?;
                w.meta = Meta {
                    version: w.meta.version + 1,
                    ..Meta::default()
                };
                w.index
                    .get_or_insert_with(|| KeyIndex::empty(txn.id()))
                    .clear();
            }
            Op::Atomic(step) => outcome = w.atomic(txn, &mut step.lock())?,
        }
        outcomes.push(outcome);
    }
    w.sweep(txn)?;
    if w.meta != before {
        w.meta.write(db, txn)?;
    }
    shared
        .expiring
        .store(w.meta.expiring > 0, Ordering::Relaxed);
    Ok(Applied {
        outcomes,
        index: w.index,
    })
}

/// How a write treats the claim on its key.
enum ClaimChange {
    /// Keeps whatever claim the key has: a plain `set` does not end a claim.
    Keep,
    Set(Option<Claim>),
}

/// The state a batch is applied with.
struct Writing {
    db: Database<'static, Bytes, Bytes>,
    meta: Meta,
    index: Option<KeyIndex>,
    now: u64,
}

impl Writing {
    /// Replaces the entry under `key` with `value` (and its expiry), or deletes it.
    fn store(
        &mut self,
        txn: &mut RwTxn,
        key: &str,
        value: Option<(&[u8], u64)>,
        claim: ClaimChange,
    ) -> heed::Result<()> {
        let old = self.db.get(txn, key.as_bytes())?.map(stored::header);
        // A header this version cannot read is replaced like any other entry: the write
        // is what the caller asked for, and it repairs the entry.
        let old = old.flatten();
        let Some((value, expires_at)) = value else {
            if self.db.delete(txn, key.as_bytes())? {
                reindex(self.db, txn, &mut self.meta, key, old.as_ref(), None)?;
                if let Some(index) = &mut self.index {
                    index.remove(key);
                }
            }
            return Ok(());
        };
        let claim = match claim {
            ClaimChange::Keep => old.as_ref().and_then(|h| h.claim.clone()),
            ClaimChange::Set(claim) => claim,
        };
        let bytes = stored::encode(self.meta.version, expires_at, claim.as_ref(), value);
        self.db.put(txn, key.as_bytes(), &bytes)?;
        let new = stored::Header {
            versionstamp: self.meta.version,
            expires_at,
            claim,
            len: 0,
        };
        reindex(self.db, txn, &mut self.meta, key, old.as_ref(), Some(&new))?;
        if old.is_none() {
            if let Some(index) = &mut self.index {
                index.insert(key);
            }
        }
        Ok(())
    }

    /// Records or removes the claim on an existing entry, leaving its value, versionstamp
    /// and expiry as they are.
    fn set_claim(&mut self, txn: &mut RwTxn, key: &str, claim: Option<Claim>) -> heed::Result<()> {
        let Some(bytes) = self.db.get(txn, key.as_bytes())? else {
            return Ok(());
        };
        let Some(old) = stored::header(bytes) else {
            return Ok(());
        };
        let value = bytes[old.len..].to_vec();
        let new_bytes = stored::encode(old.versionstamp, old.expires_at, claim.as_ref(), &value);
        self.db.put(txn, key.as_bytes(), &new_bytes)?;
        let new = stored::Header {
            claim,
            ..old.clone()
        };
        reindex(self.db, txn, &mut self.meta, key, Some(&old), Some(&new))
    }

    /// Runs an atomic step and applies what it staged; the step's own refusal is the
    /// returned outcome, a failed read the `Err`.
    fn atomic(
        &mut self,
        txn: &mut RwTxn,
        step: &mut AtomicStep,
    ) -> heed::Result<Result<(), StoreError>> {
        let version = self.meta.version + 1;
        let mut view = WriterView {
            db: self.db,
            txn,
            index: &mut self.index,
            failed: None,
        };
        let mut staging = Staging::new(&mut view, version, Clock::at(self.now));
        let result = step(&mut staging);
        let mut changes = staging.into_changes();
        if let Some(e) = view.failed.take() {
            return Err(e);
        }
        if result.is_err() || changes.is_empty() {
            return Ok(result);
        }
        self.meta.version = version;
        for (key, write) in std::mem::take(&mut changes.writes) {
            let claim = match changes.claims.remove(&key) {
                Some(claim) => ClaimChange::Set(claim),
                None => ClaimChange::Keep,
            };
            let value = write.as_ref().map(|(v, at)| (v.as_slice(), *at));
            self.store(txn, &key, value, claim)?;
        }
        for (key, claim) in changes.claims {
            self.set_claim(txn, &key, claim)?;
        }
        Ok(result)
    }

    /// Frees up to [`SWEEP_BATCH`] entries whose time has come.
    fn sweep(&mut self, txn: &mut RwTxn) -> heed::Result<()> {
        if self.meta.expiring == 0 {
            return Ok(());
        }
        let upper = index_key(EXPIRY, self.now, u64::MAX);
        let range = (Bound::Included(EXPIRY), Bound::Included(&upper[..]));
        let mut due = Vec::new();
        for record in self.db.range(txn, &range)?.take(SWEEP_BATCH) {
            let (record, key) = record?;
            due.push((record.to_vec(), String::from_utf8_lossy(key).into_owned()));
        }
        for (record, key) in due {
            let at = index_time(&record);
            let current = self.db.get(txn, key.as_bytes())?.and_then(stored::header);
            if current.is_some_and(|h| h.expires_at == at) {
                self.store(txn, &key, None, ClaimChange::Keep)?;
            } else if self.db.delete(txn, &record)? {
                // The entry changed since; only the stale record goes.
                self.meta.expiring = self.meta.expiring.saturating_sub(1);
            }
        }
        Ok(())
    }
}

/// An atomic step's view of the store: the writer's transaction.
struct WriterView<'a, 't> {
    db: Database<'static, Bytes, Bytes>,
    txn: &'a RwTxn<'t>,
    index: &'a mut Option<KeyIndex>,
    /// A read that failed fails the whole transaction, as any other LMDB error here does;
    /// the step only sees it as an error to pass on.
    failed: Option<heed::Error>,
}

impl WriterView<'_, '_> {
    fn fail(&mut self, e: heed::Error) -> StoreError {
        let err = backend_error(&e);
        self.failed = Some(e);
        err
    }

    fn header(&mut self, key: &str) -> Result<Option<(stored::Header, &[u8])>, StoreError> {
        let bytes = match self.db.get(self.txn, key.as_bytes()) {
            Ok(bytes) => bytes,
            Err(e) => return Err(self.fail(e)),
        };
        match bytes {
            None => Ok(None),
            Some(bytes) => match stored::header(bytes) {
                Some(header) => Ok(Some((header, bytes))),
                None => Err(damaged_entry(key)),
            },
        }
    }
}

impl View for &mut WriterView<'_, '_> {
    fn entry(&mut self, key: &str, now: &Clock) -> Result<Option<Entry>, StoreError> {
        Ok(self.header(key)?.and_then(|(h, bytes)| {
            (h.expires_at == 0 || !expired(h.expires_at, now.get())).then(|| Entry {
                value: bytes[h.len..].to_vec(),
                versionstamp: h.versionstamp,
                expires_at: (h.expires_at != 0).then_some(h.expires_at),
            })
        }))
    }

    fn claim(&mut self, key: &str) -> Result<Option<Claim>, StoreError> {
        Ok(self.header(key)?.and_then(|(h, _)| h.claim))
    }

    fn pick(
        &mut self,
        prefix: &str,
        now: u64,
        skip: &dyn Fn(&str) -> bool,
    ) -> Result<Option<String>, StoreError> {
        if self.index.is_none() {
            match KeyIndex::build(self.db, self.txn) {
                Ok(index) => *self.index = Some(index),
                Err(e) => return Err(self.fail(e)),
            }
        }
        let index = self.index.as_ref().expect("built above");
        index.pick(self.db, self.txn, prefix, now, skip)
    }
}
