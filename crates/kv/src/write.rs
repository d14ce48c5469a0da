use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::StoreError;

/// The outcome of a write, available once the write is committed (on disk: durably).
///
/// Await it from async code, or call [`WriteHandle::wait`] / [`WriteHandle::wait_timeout`]
/// from synchronous code. Dropping it does not cancel the write; it only discards the result.
#[derive(Debug)]
#[must_use = "a write is only known to have succeeded once its handle resolves"]
pub struct WriteHandle {
    state: State,
}

#[derive(Debug)]
enum State {
    /// `None` once the result has been handed out by `poll`.
    Ready(Option<Result<(), StoreError>>),
    Pending(Arc<Slot>),
}

/// Where a queued write and its handle meet. Unlike a oneshot channel, either side can
/// settle a write that is still queued: the writer by taking it into a transaction, the
/// handle (or the store closing) by withdrawing it. Whoever moves it out of `Queued` first
/// decides, so a write reported as withdrawn is never committed afterwards.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    inner: Mutex<SlotInner>,
}

#[derive(Debug, Default)]
struct SlotInner {
    phase: Phase,
    waker: Option<Waker>,
}

#[derive(Debug, Default)]
enum Phase {
    #[default]
    Queued,
    /// In a transaction: only the commit's outcome settles it now.
    Committing,
    Done(Result<(), StoreError>),
    /// The result went to the handle; also the state of a write its handle withdrew.
    Settled,
}

impl Slot {
    pub(crate) fn new() -> Arc<Slot> {
        Arc::new(Slot::default())
    }

    /// The writer takes the write into a transaction; `false` if it was withdrawn.
    pub(crate) fn begin_commit(&self) -> bool {
        let mut inner = self.inner.lock();
        match inner.phase {
            Phase::Queued => {
                inner.phase = Phase::Committing;
                true
            }
            _ => false,
        }
    }

    /// Settles the write with `result` (unless it is already settled) and wakes its waiter.
    pub(crate) fn finish(&self, result: Result<(), StoreError>) {
        let waker = {
            let mut inner = self.inner.lock();
            if matches!(inner.phase, Phase::Queued | Phase::Committing) {
                inner.phase = Phase::Done(result);
            }
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Settles a still-queued write with `error` so it is never committed; `false` when the
    /// writer already has it.
    pub(crate) fn withdraw(&self, error: StoreError) -> bool {
        let waker = {
            let mut inner = self.inner.lock();
            if !matches!(inner.phase, Phase::Queued) {
                return false;
            }
            inner.phase = Phase::Done(Err(error));
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        true
    }

    fn try_result(&self) -> Option<Result<(), StoreError>> {
        let mut inner = self.inner.lock();
        match std::mem::replace(&mut inner.phase, Phase::Settled) {
            Phase::Done(result) => Some(result),
            Phase::Settled => Some(Err(StoreError::Closed)),
            pending => {
                inner.phase = pending;
                None
            }
        }
    }

    fn poll_result(&self, waker: &Waker) -> Poll<Result<(), StoreError>> {
        let mut inner = self.inner.lock();
        match std::mem::replace(&mut inner.phase, Phase::Settled) {
            Phase::Done(result) => Poll::Ready(result),
            // Polled again after completion: answering `Closed` is kinder than a panic.
            Phase::Settled => Poll::Ready(Err(StoreError::Closed)),
            pending => {
                inner.phase = pending;
                if !inner.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    inner.waker = Some(waker.clone());
                }
                Poll::Pending
            }
        }
    }
}

impl WriteHandle {
    /// A handle for a write that has already finished (or was refused before being queued).
    pub fn ready(result: Result<(), StoreError>) -> Self {
        WriteHandle {
            state: State::Ready(Some(result)),
        }
    }

    pub(crate) fn pending(slot: Arc<Slot>) -> Self {
        WriteHandle {
            state: State::Pending(slot),
        }
    }

    /// The result if the write has already finished (the memory store's always have),
    /// without waiting or allocating a waker; `None` while it is queued or committing.
    pub fn try_now(&mut self) -> Option<Result<(), StoreError>> {
        match &mut self.state {
            State::Ready(result) => Some(result.take().unwrap_or(Err(StoreError::Closed))),
            State::Pending(slot) => slot.try_result(),
        }
    }

    /// Blocks the current thread until the write is committed and returns its result.
    ///
    /// Unlike tokio's `blocking_recv`, this does not panic when called from a thread that runs
    /// an async runtime: a synchronous op on a VU's event-loop thread is exactly where a
    /// blocking write is wanted. It does block that thread, so async callers should `.await`.
    pub fn wait(self) -> Result<(), StoreError> {
        block_on(self, None).unwrap_or(Err(StoreError::Closed))
    }

    /// Like [`wait`](WriteHandle::wait), but gives up after `timeout`: a write still queued
    /// then is withdrawn (never committed) and this returns [`StoreError::WriteTimeout`]. A
    /// write already inside a transaction is waited for, since its commit is under way.
    pub fn wait_timeout(mut self, timeout: Duration) -> Result<(), StoreError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(result) = block_on(&mut self, Some(deadline)) {
                return result;
            }
            if self.withdraw(timeout) {
                return Err(StoreError::WriteTimeout { waited: timeout });
            }
            // Being committed: the outcome is moments away, not worth abandoning.
            if let Some(result) = block_on(&mut self, None) {
                return result;
            }
        }
    }

    /// Withdraws the write if it is still queued, so it will never be committed, and makes
    /// this handle resolve to [`StoreError::WriteTimeout`] naming `waited`. Returns `false`
    /// (and changes nothing) when the write has already been taken into a transaction or
    /// has finished: then await the handle for the real outcome.
    pub fn withdraw(&mut self, waited: Duration) -> bool {
        match &self.state {
            State::Pending(slot) => slot.withdraw(StoreError::WriteTimeout { waited }),
            State::Ready(_) => false,
        }
    }
}

impl Future for WriteHandle {
    type Output = Result<(), StoreError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().state {
            // Polling again after completion breaks the Future contract; answering `Closed`
            // is kinder than a panic.
            State::Ready(result) => Poll::Ready(result.take().unwrap_or(Err(StoreError::Closed))),
            State::Pending(slot) => slot.poll_result(cx.waker()),
        }
    }
}

/// Wakes a parked thread; the minimal executor behind [`WriteHandle::wait`].
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this thread until it is ready or `deadline` passes (`None`).
fn block_on<F: Future + Unpin>(mut future: F, deadline: Option<Instant>) -> Option<F::Output> {
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = Pin::new(&mut future).poll(&mut cx) {
            return Some(output);
        }
        // Spurious unparks just cause another poll.
        match deadline {
            None => thread::park(),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return None;
                }
                thread::park_timeout(left);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_handle_returns_its_result() {
        assert!(WriteHandle::ready(Ok(())).wait().is_ok());
        assert!(matches!(
            WriteHandle::ready(Err(StoreError::KeyRequired)).wait(),
            Err(StoreError::KeyRequired)
        ));
    }

    #[test]
    fn wait_blocks_until_finished() {
        let slot = Slot::new();
        let writer = slot.clone();
        let sender = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            assert!(writer.begin_commit());
            writer.finish(Err(StoreError::Backend("boom".into())));
        });
        let result = WriteHandle::pending(slot).wait();
        assert!(matches!(result, Err(StoreError::Backend(m)) if m == "boom"));
        sender.join().expect("sender thread");
    }

    #[test]
    fn a_queued_write_times_out_and_is_withdrawn() {
        let slot = Slot::new();
        let result = WriteHandle::pending(slot.clone()).wait_timeout(Duration::from_millis(30));
        assert!(matches!(
            result,
            Err(StoreError::WriteTimeout { waited }) if waited == Duration::from_millis(30)
        ));
        // The writer must now skip it.
        assert!(!slot.begin_commit());
    }

    #[test]
    fn a_write_being_committed_is_waited_for_past_the_timeout() {
        let slot = Slot::new();
        assert!(slot.begin_commit());
        let writer = slot.clone();
        let finisher = thread::spawn(move || {
            thread::sleep(Duration::from_millis(80));
            writer.finish(Ok(()));
        });
        let result = WriteHandle::pending(slot).wait_timeout(Duration::from_millis(10));
        assert!(result.is_ok(), "{result:?}");
        finisher.join().expect("finisher");
    }

    #[test]
    fn withdrawing_settles_the_handle() {
        let slot = Slot::new();
        let mut handle = WriteHandle::pending(slot.clone());
        assert!(slot.withdraw(StoreError::Closed));
        assert!(!handle.withdraw(Duration::from_secs(1)));
        assert!(matches!(handle.wait(), Err(StoreError::Closed)));
        assert!(!slot.begin_commit());
    }

    #[test]
    fn try_now_answers_only_finished_writes() {
        assert!(matches!(WriteHandle::ready(Ok(())).try_now(), Some(Ok(()))));
        let slot = Slot::new();
        let mut handle = WriteHandle::pending(slot.clone());
        assert!(handle.try_now().is_none());
        assert!(slot.begin_commit());
        assert!(handle.try_now().is_none());
        slot.finish(Err(StoreError::KeyRequired));
        assert!(matches!(
            handle.try_now(),
            Some(Err(StoreError::KeyRequired))
        ));
    }

    #[test]
    fn works_as_a_future() {
        let slot = Slot::new();
        let handle = WriteHandle::pending(slot.clone());
        slot.finish(Ok(()));
        // Driving it with our own executor exercises the `Future` impl, not `wait`.
        assert!(matches!(block_on(handle, None), Some(Ok(()))));
        assert!(matches!(
            block_on(WriteHandle::ready(Ok(())), None),
            Some(Ok(()))
        ));
    }
}
