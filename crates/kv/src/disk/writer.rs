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

use heed::{MdbError, RwTxn};
use parking_lot::{Condvar, Mutex};

use super::{backend_error, Shared};
use crate::txn::Staging;
use crate::write::Slot;
use crate::{AtomicStep, StoreError, Value, WriteHandle};

/// Caps on one transaction, so a flood of writes still commits (and answers) in steps and an
/// unbounded amount of dirty pages is never held in memory.
const MAX_BATCH_OPS: usize = 4096;
const MAX_BATCH_BYTES: usize = 64 << 20;

/// Map resizes are doublings, so this many retries cover any map a 64-bit address space holds.
const MAX_RESIZE_RETRIES: u32 = 64;

pub(crate) enum Op {
    Put(String, Value),
    Delete(String),
    Clear,
    /// Called through a shared reference by the writer, which alone ever locks it.
    Atomic(Mutex<AtomicStep>),
}

impl Op {
    fn weight(&self) -> usize {
        match self {
            Op::Put(key, value) => key.len() + value.len(),
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

    /// Blocks until there is work; `false` when the writer should exit.
    fn wait_for_work(&self) -> bool {
        let mut state = self.state.lock();
        loop {
            if state.abandoned {
                return false;
            }
            if !state.requests.is_empty() {
                return true;
            }
            if state.closed {
                return false;
            }
            self.work.wait(&mut state);
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
    while queue.wait_for_work() {
        if !commit_next(shared, queue, &mut batch) {
            return;
        }
    }
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
        apply(shared, &mut txn, batch).and_then(|outcomes| txn.commit().map(|()| outcomes))
    };
    let result = match attempt {
        Ok(outcomes) => {
            shared.commits.fetch_add(1, Ordering::Relaxed);
            Ok(outcomes)
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
                let outcomes = apply(shared, &mut txn, batch)?;
                txn.commit().map(|()| outcomes)
            })
        };
        match attempt {
            Ok(outcomes) => {
                shared.commits.fetch_add(1, Ordering::Relaxed);
                return Ok(outcomes);
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

/// Applies `batch` to `txn`. A failure of the transaction itself is the `Err`; an atomic
/// step that declined is only that write's outcome (its staged writes are dropped).
fn apply(
    shared: &Shared,
    txn: &mut RwTxn,
    batch: &[Request],
) -> heed::Result<Vec<Result<(), StoreError>>> {
    let db = shared.db;
    let mut outcomes = Vec::with_capacity(batch.len());
    for request in batch {
        let mut outcome = Ok(());
        match &request.op {
            Op::Put(key, value) => db.put(txn, key.as_bytes(), value)?,
            Op::Delete(key) => {
                db.delete(txn, key.as_bytes())?;
            }
            Op::Clear => db.clear(txn)?,
            Op::Atomic(step) => {
                // A read that fails inside the step fails the transaction, as any other
                // LMDB error here does; the step only sees it as an error to pass on.
                let mut failed = None;
                let mut staging = Staging::new(|key: &str| match db.get(txn, key.as_bytes()) {
                    Ok(value) => Ok(value.map(<[u8]>::to_vec)),
                    Err(e) => {
                        let err = backend_error(&e);
                        failed = Some(e);
                        Err(err)
                    }
                });
                let result = (step.lock())(&mut staging);
                let writes = staging.into_writes();
                if let Some(e) = failed {
                    return Err(e);
                }
                match result {
                    Ok(()) => {
                        for (key, value) in writes {
                            match value {
                                Some(value) => db.put(txn, key.as_bytes(), &value)?,
                                None => {
                                    db.delete(txn, key.as_bytes())?;
                                }
                            }
                        }
                    }
                    Err(e) => outcome = Err(e),
                }
            }
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}
