//! Group commit: one thread per store owns all writing. It takes the first queued request,
//! drains whatever else is already queued, applies the lot in one write transaction and
//! commits once (durably), then answers each request. A lone writer pays one `fsync` per
//! write; many concurrent writers share theirs.

use std::io;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use heed::MdbError;
use tokio::sync::oneshot;

use super::{backend_error, Shared};
use crate::{StoreError, Value};

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
}

impl Op {
    fn weight(&self) -> usize {
        match self {
            Op::Put(key, value) => key.len() + value.len(),
            Op::Delete(key) => key.len(),
            Op::Clear => 0,
        }
    }
}

pub(crate) struct Request {
    pub(crate) op: Op,
    pub(crate) done: oneshot::Sender<Result<(), StoreError>>,
}

pub(crate) fn spawn(shared: Arc<Shared>) -> io::Result<(Sender<Request>, JoinHandle<()>)> {
    let (queue, requests) = mpsc::channel();
    let writer = thread::Builder::new()
        .name("rk6-kv-writer".into())
        .spawn(move || run(&shared, &requests))?;
    Ok((queue, writer))
}

/// Runs until every sender is gone and the queue is empty, so queued writes are never lost.
fn run(shared: &Shared, requests: &Receiver<Request>) {
    let mut batch = Vec::with_capacity(MAX_BATCH_OPS);
    while let Ok(first) = requests.recv() {
        let mut bytes = first.op.weight();
        batch.push(first);
        while batch.len() < MAX_BATCH_OPS && bytes < MAX_BATCH_BYTES {
            match requests.try_recv() {
                Ok(next) => {
                    bytes += next.op.weight();
                    batch.push(next);
                }
                Err(_) => break,
            }
        }
        match commit(shared, &batch) {
            Ok(()) => answer_all(&mut batch, &Ok(())),
            Err(_) if batch.len() > 1 => {
                // One bad write must not fail the writes it happened to share a transaction
                // with: commit each on its own to find out which one it was.
                for request in batch.drain(..) {
                    let result = commit(shared, std::slice::from_ref(&request));
                    let _ = request.done.send(result);
                }
            }
            Err(e) => answer_all(&mut batch, &Err(e)),
        }
    }
}

fn answer_all(batch: &mut Vec<Request>, result: &Result<(), StoreError>) {
    for request in batch.drain(..) {
        // The caller may have dropped its handle; the write stands regardless.
        let _ = request.done.send(result.clone());
    }
}

/// Applies `batch` in one transaction and commits it, enlarging the map when it is full.
fn commit(shared: &Shared, batch: &[Request]) -> Result<(), StoreError> {
    for _ in 0..MAX_RESIZE_RETRIES {
        let attempt = {
            let _txn_open = shared.gate.read();
            try_commit(shared, batch)
        };
        match attempt {
            Ok(()) => {
                shared.commits.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            // The failed transaction was aborted when `try_commit` returned, so no
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

fn try_commit(shared: &Shared, batch: &[Request]) -> heed::Result<()> {
    let db = shared.db;
    // Any early return drops `txn`, which aborts it.
    let mut txn = shared.env.write_txn()?;
    for request in batch {
        match &request.op {
            Op::Put(key, value) => db.put(&mut txn, key.as_bytes(), value)?,
            Op::Delete(key) => {
                db.delete(&mut txn, key.as_bytes())?;
            }
            Op::Clear => db.clear(&mut txn)?,
        }
    }
    txn.commit()
}
