use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use tokio::sync::oneshot;

use crate::StoreError;

/// The outcome of a write, available once the write is committed (on disk: durably).
///
/// Await it from async code, or call [`WriteHandle::wait`] from synchronous code. Dropping it
/// does not cancel the write; it only discards the result.
#[derive(Debug)]
#[must_use = "a write is only known to have succeeded once its handle resolves"]
pub struct WriteHandle {
    state: State,
}

#[derive(Debug)]
enum State {
    /// `None` once the result has been handed out by `poll`.
    Ready(Option<Result<(), StoreError>>),
    Pending(oneshot::Receiver<Result<(), StoreError>>),
}

impl WriteHandle {
    /// A handle for a write that has already finished (or was refused before being queued).
    pub fn ready(result: Result<(), StoreError>) -> Self {
        WriteHandle {
            state: State::Ready(Some(result)),
        }
    }

    /// A handle completed by whoever holds the matching sender. If the sender is dropped
    /// without sending, the handle resolves to [`StoreError::Closed`].
    pub fn pending(receiver: oneshot::Receiver<Result<(), StoreError>>) -> Self {
        WriteHandle {
            state: State::Pending(receiver),
        }
    }

    /// Blocks the current thread until the write is committed and returns its result.
    ///
    /// Unlike tokio's `blocking_recv`, this does not panic when called from a thread that runs
    /// an async runtime: a synchronous op on a VU's event-loop thread is exactly where a
    /// blocking write is wanted. It does block that thread, so async callers should `.await`.
    pub fn wait(self) -> Result<(), StoreError> {
        match self.state {
            State::Ready(result) => result.unwrap_or(Err(StoreError::Closed)),
            State::Pending(receiver) => block_on(receiver).unwrap_or(Err(StoreError::Closed)),
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
            State::Pending(receiver) => Pin::new(receiver)
                .poll(cx)
                .map(|received| received.unwrap_or(Err(StoreError::Closed))),
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

fn block_on<F: Future + Unpin>(mut future: F) -> F::Output {
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = Pin::new(&mut future).poll(&mut cx) {
            return output;
        }
        // Spurious unparks just cause another poll.
        thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn ready_handle_returns_its_result() {
        assert!(WriteHandle::ready(Ok(())).wait().is_ok());
        assert!(matches!(
            WriteHandle::ready(Err(StoreError::KeyRequired)).wait(),
            Err(StoreError::KeyRequired)
        ));
    }

    #[test]
    fn wait_blocks_until_sent() {
        let (tx, rx) = oneshot::channel();
        let sender = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            let _ = tx.send(Err(StoreError::Backend("boom".into())));
        });
        let result = WriteHandle::pending(rx).wait();
        assert!(matches!(result, Err(StoreError::Backend(m)) if m == "boom"));
        sender.join().expect("sender thread");
    }

    #[test]
    fn dropped_sender_means_closed() {
        let (tx, rx) = oneshot::channel::<Result<(), StoreError>>();
        drop(tx);
        assert!(matches!(
            WriteHandle::pending(rx).wait(),
            Err(StoreError::Closed)
        ));
    }

    #[test]
    fn works_as_a_future() {
        let (tx, rx) = oneshot::channel();
        let handle = WriteHandle::pending(rx);
        let _ = tx.send(Ok(()));
        // Driving it with our own executor exercises the `Future` impl, not `wait`.
        assert!(block_on(handle).is_ok());
        assert!(block_on(WriteHandle::ready(Ok(()))).is_ok());
    }
}
