//! VU threads: each VU lives on its own OS thread for its whole life (QuickJS caps
//! how many runtimes one thread may ever create, and runtimes are not `Send`), and
//! the runner hands it work as closures.

use super::{Vu, VuSpec};
use crate::engine::VU_STACK_SIZE;
use crate::error::RunError;
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

pub type Job = Box<dyn FnOnce(&mut Vu) + Send>;

/// More active VUs than this per core make the cores crowded: a VU that has sent its
/// requests then yields its core rather than be preempted later at a random point (see
/// `k6/http`'s `local::block_on`). Measured on 2 cores against a loopback server: at 10
/// VUs yielding cost ~10% of the requests/s and left the p99 overhead as it was
/// (~0.03 ms); from 20 VUs it cut that p99 by half or more (100 VUs: 0.3–0.9 ms → 0.04–0.1).
const CROWDED_PER_CORE: u64 = 5;

/// Whether `active` VUs (those running a scenario) crowd this machine's cores.
pub fn crowded(active: u64) -> bool {
    active > cores() as u64 * CROWDED_PER_CORE
}

/// The cores this process may use. Asked once: available_parallelism reads cgroup
/// files, and `crowded` is asked at every request.
pub(crate) fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

/// The runner's end of a VU thread.
pub struct VuHandle {
    pub id: u32,
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl VuHandle {
    /// Queues `job` on the VU's thread.
    pub fn run(&self, job: Job) {
        if let Some(tx) = &self.jobs {
            // A send only fails if the thread died; its panic is reported when joined.
            let _ = tx.send(job);
        }
    }

    /// Runs `f` on the VU's thread and waits for its result.
    pub fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vu) -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.run(Box::new(move |vu| {
            let _ = tx.send(f(vu));
        }));
        rx.recv().ok()
    }
}

impl Drop for VuHandle {
    fn drop(&mut self) {
        // Closing the queue ends the thread's loop; the runtime is dropped on its own thread.
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Limits how many runtimes are being created at once. Creation is CPU-bound, but one
/// per core was too few: on a machine shared with other work, 1000 VUs took twice as
/// long to start (the few creating threads got a small share of the CPU) for the same
/// peak memory and CPU time; without any limit, CPU time grew by ~4%.
const CREATIONS_PER_CORE: usize = 8;

struct Gate {
    free: Mutex<usize>,
    cv: Condvar,
}

impl Gate {
    fn new(n: usize) -> Self {
        Self {
            free: Mutex::new(n.max(1)),
            cv: Condvar::new(),
        }
    }
    fn acquire(&self) {
        let mut free = self.free.lock();
        while *free == 0 {
            self.cv.wait(&mut free);
        }
        *free -= 1;
    }
    fn release(&self) {
        *self.free.lock() += 1;
        self.cv.notify_one();
    }
}

/// About what a VU's runtime allocates as it starts.
const VU_HEAP: usize = 768 * 1024;

/// Allocates and frees about a VU's worth of memory before the VU starts. glibc grows a
/// thread's heap by exactly what each allocation lacks, one `mprotect` (under the
/// process's mmap lock, with the heap's lock held) each time: ~45 a VU, and the lock
/// waits showed as futex calls. After this, the heap has the room already (the pages are
/// not touched, so nothing is resident until used): 1000 VUs made 44,000 → 4,200
/// `mprotect` and 47,000 → 2,600 `futex` calls, and the run took ~4% less CPU. (The first
/// such block is mapped on its own; freeing it raises glibc's threshold for that, so the
/// later ones come from the heap.)
fn reserve_heap() {
    std::hint::black_box(Vec::<u8>::with_capacity(VU_HEAP));
}

fn spawn(
    id: u32,
    spec: VuSpec,
    gate: Arc<Gate>,
) -> (VuHandle, mpsc::Receiver<Result<(), RunError>>) {
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
    let (ready_tx, ready_rx) = mpsc::sync_channel(1);
    let thread = std::thread::Builder::new()
        .name(format!("vu-{id}"))
        .stack_size(VU_STACK_SIZE)
        .spawn(move || {
            reserve_heap();
            gate.acquire();
            let created = Vu::new(id, &spec);
            gate.release();
            let mut vu = match created {
                Ok(vu) => {
                    // VU 0 only runs the init context, setup and teardown; like k6,
                    // exec.instance.vusInitialized counts the VUs that run iterations.
                    if id != 0 {
                        spec.test.vus_initialized.fetch_add(1, Ordering::Relaxed);
                    }
                    let _ = ready_tx.send(Ok(()));
                    vu
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            while let Ok(job) = jobs_rx.recv() {
                job(&mut vu);
            }
        });
    let handle = match thread {
        Ok(t) => VuHandle {
            id,
            jobs: Some(jobs_tx),
            thread: Some(t),
        },
        Err(e) => {
            let (tx, rx) = mpsc::sync_channel(1);
            let _ = tx.send(Err(RunError::Internal(format!(
                "cannot start a thread for VU {id}: {e}"
            ))));
            return (
                VuHandle {
                    id,
                    jobs: None,
                    thread: None,
                },
                rx,
            );
        }
    };
    (handle, ready_rx)
}

/// Creates VUs with the given ids in parallel and waits until all are initialised.
pub fn spawn_vus(
    ids: impl IntoIterator<Item = u32>,
    spec: &VuSpec,
) -> Result<Vec<VuHandle>, RunError> {
    let gate = Arc::new(Gate::new(cores() * CREATIONS_PER_CORE));
    let pending: Vec<_> = ids
        .into_iter()
        .map(|id| spawn(id, spec.clone(), gate.clone()))
        .collect();
    let mut vus = Vec::with_capacity(pending.len());
    let mut first_error = None;
    for (handle, ready) in pending {
        match ready.recv() {
            Ok(Ok(())) => vus.push(handle),
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(_) => {
                first_error.get_or_insert(RunError::Internal(format!(
                    "VU {} stopped while initialising",
                    handle.id
                )));
            }
        }
    }
    match first_error {
        Some(e) => {
            stop_all(vus);
            Err(e)
        }
        None => Ok(vus),
    }
}

/// Initialised VUs not currently given to a scenario.
pub struct VuPool {
    free: Mutex<Vec<VuHandle>>,
    cv: Condvar,
}

impl VuPool {
    pub fn new(mut vus: Vec<VuHandle>) -> Self {
        // Hand out low ids first so a one-scenario test numbers its VUs 1..N in order.
        vus.sort_by_key(|v| std::cmp::Reverse(v.id));
        Self {
            free: Mutex::new(vus),
            cv: Condvar::new(),
        }
    }

    /// Takes `n` VUs, waiting for other scenarios to return theirs if needed.
    pub fn take(&self, n: usize) -> Vec<VuHandle> {
        let mut free = self.free.lock();
        while free.len() < n {
            self.cv.wait(&mut free);
        }
        let at = free.len() - n;
        let mut taken = free.split_off(at);
        taken.reverse();
        taken
    }

    pub fn give_back(&self, vus: Vec<VuHandle>) {
        let mut free = self.free.lock();
        free.extend(vus);
        free.sort_by_key(|v| std::cmp::Reverse(v.id));
        self.cv.notify_all();
    }

    pub fn into_inner(self) -> Vec<VuHandle> {
        self.free.into_inner()
    }
}

/// Leaves `vus` to the process's exit: each thread keeps waiting for a job that never
/// comes, and its runtime is never torn down ([`crate::Runner::leave_vus_for_exit`]).
pub fn leave_for_exit(vus: Vec<VuHandle>) {
    std::mem::forget(vus);
}

/// Ends the VUs' threads. Every queue is closed before the first thread is joined, so
/// the runtimes are torn down in parallel; dropping the handles one by one would close
/// each queue only once the previous thread had finished.
pub fn stop_all(mut vus: Vec<VuHandle>) {
    for vu in &mut vus {
        vu.jobs.take();
    }
    drop(vus);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_five_active_vus_a_core_crowd_the_cores() {
        let cores = cores() as u64;
        assert!(!crowded(0));
        assert!(!crowded(cores * 5));
        assert!(crowded(cores * 5 + 1));
    }
}
