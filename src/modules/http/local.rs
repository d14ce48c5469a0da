//! Synchronous requests on the VU's own thread.
//!
//! k6's `http.get` blocks the VU until the response is in. Handing the request to a shared
//! runtime and sleeping costs two cross-thread wake-ups per request, and with many more VU
//! threads than cores the few I/O workers wait behind them for CPU: at 100 VUs that halved
//! the throughput. Instead, the VU thread drives the request itself: its sockets are
//! registered with a small per-thread poller ([`mio`]), and [`block_on`] polls the request
//! future, sleeping in the poller (and so in the kernel) whenever it waits.

use super::transport::Transport;
use crate::signal::StopSignal;
use crate::vu::admission;
use mio::{Events, Interest, Poll as Poller, Token};
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::future::Future;
use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The VU's own thread.
pub struct Local;

impl Transport for Local {
    const LOCAL: bool = true;
    type Stream = LocalStream;

    async fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        use std::net::ToSocketAddrs;
        // The VU waits for the answer either way; getaddrinfo blocking it is what k6 does
        // to a goroutine too.
        Ok((host, port).to_socket_addrs()?.collect())
    }

    async fn dial(addr: SocketAddr) -> io::Result<LocalStream> {
        let mut stream = LocalStream::register(mio::net::TcpStream::connect(addr)?)?;
        std::future::poll_fn(|cx| stream.poll_connected(cx)).await?;
        stream.io.set_nodelay(true)?;
        Ok(stream)
    }

    async fn sleep_until(deadline: Instant) {
        Sleep { deadline, id: None }.await
    }

    fn spawn(task: Pin<Box<dyn Future<Output = ()> + Send>>) {
        spawn(task);
    }
}

/// A timer of the thread's reactor; it leaves the reactor when dropped.
struct Sleep {
    deadline: Instant,
    id: Option<u64>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        let (deadline, known) = (self.deadline, self.id);
        let id = with_reactor(|r| {
            let waker = cx.waker().clone();
            if let Some(t) = known.and_then(|id| r.timers.iter_mut().find(|t| t.0 == id)) {
                t.2 = waker;
                return t.0;
            }
            r.next_timer += 1;
            r.timers.push((r.next_timer, deadline, waker));
            r.next_timer
        });
        self.id = Some(id);
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            try_with_reactor(|r| r.timers.retain(|t| t.0 != id));
        }
    }
}

/// Who waits for a socket to become readable or writable, and whether it may be: a read
/// that would block is not retried before the poller says something changed, which saves
/// a failing system call at every poll of a waiting request.
struct Waiters {
    read: Option<Waker>,
    write: Option<Waker>,
    readable: bool,
    writable: bool,
}

impl Default for Waiters {
    fn default() -> Self {
        Self {
            read: None,
            write: None,
            readable: true,
            writable: true,
        }
    }
}

struct Reactor {
    poller: Poller,
    events: Events,
    /// Hashed as the small integers tokens are: a request asks it ~6 times.
    sockets: FxHashMap<Token, Waiters>,
    next_token: usize,
    /// Pending timers: id, deadline, waker. Few at a time (one per request in flight).
    timers: Vec<(u64, Instant, Waker)>,
    next_timer: u64,
}

thread_local! {
    static REACTOR: RefCell<Option<Reactor>> = const { RefCell::new(None) };
}

/// Gives this thread its reactor if it has none yet. [`block_on`], the only way into this
/// transport, calls it first, so a failure (no file descriptor left) is an error of the
/// request rather than a panic inside it.
fn ensure_reactor() -> io::Result<()> {
    REACTOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(Reactor {
                poller: Poller::new()?,
                events: Events::with_capacity(64),
                sockets: FxHashMap::default(),
                next_token: 0,
                timers: Vec::new(),
                next_timer: 0,
            });
        }
        Ok(())
    })
}

fn with_reactor<R>(f: impl FnOnce(&mut Reactor) -> R) -> R {
    REACTOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        f(slot
            .as_mut()
            .expect("block_on sets up the thread's reactor before any request runs"))
    })
}

/// [`with_reactor`] for destructors: they may run while the thread exits, or while the
/// reactor is borrowed, and then there is nothing of theirs left to clean up.
fn try_with_reactor(f: impl FnOnce(&mut Reactor)) {
    let _ = REACTOR.try_with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            if let Some(r) = slot.as_mut() {
                f(r);
            }
        }
    });
}

impl Reactor {
    /// Sleeps until a socket is ready, a timer is due or `max` has passed, and wakes
    /// whoever waited for what happened.
    fn turn(&mut self, max: Duration) -> io::Result<()> {
        let now = Instant::now();
        let timeout = self
            .timers
            .iter()
            .map(|(_, at, _)| at.saturating_duration_since(now))
            .fold(max, Duration::min);
        // A VU blocked here lets another be admitted (crate::vu::admission). When some
        // wait for that, look first whether anything is ready: a VU that would not block
        // keeps its place.
        let mut polled = Ok(());
        self.events.clear();
        if !timeout.is_zero() && admission::others_wait() {
            polled = self.poller.poll(&mut self.events, Some(Duration::ZERO));
        }
        if polled.is_ok() && self.events.is_empty() {
            polled = admission::parked(|| self.poller.poll(&mut self.events, Some(timeout)));
        }
        match polled {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        for event in &self.events {
            let Some(w) = self.sockets.get_mut(&event.token()) else {
                continue;
            };
            // Errors and hang-ups end reads and writes alike: both must look.
            let broken = event.is_error() || event.is_read_closed() || event.is_write_closed();
            if event.is_readable() || broken {
                w.readable = true;
                if let Some(waker) = w.read.take() {
                    waker.wake();
                }
            }
            if event.is_writable() || broken {
                w.writable = true;
                if let Some(waker) = w.write.take() {
                    waker.wake();
                }
            }
        }
        let now = Instant::now();
        self.timers.retain(|(_, at, waker)| {
            let due = *at <= now;
            if due {
                waker.wake_by_ref();
            }
            !due
        });
        Ok(())
    }
}

/// A TCP stream registered with its thread's poller.
pub struct LocalStream {
    io: mio::net::TcpStream,
    token: Token,
    /// The poller that reports this socket belongs to this thread ([`this_thread`]).
    owner: usize,
}

/// The last thread number handed out by [`this_thread`].
static THREADS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static THIS_THREAD: usize = THREADS.fetch_add(1, Ordering::Relaxed) + 1;
}

/// A number unique to this thread for the life of the process: cheaper to ask than
/// `std::thread::current()`, which every read and write did (it counts a reference).
fn this_thread() -> usize {
    THIS_THREAD.with(|n| *n)
}

impl LocalStream {
    fn register(mut io: mio::net::TcpStream) -> io::Result<Self> {
        let token = with_reactor(|r| {
            r.next_token += 1;
            let token = Token(r.next_token);
            r.poller.registry().register(
                &mut io,
                token,
                Interest::READABLE | Interest::WRITABLE,
            )?;
            r.sockets.insert(token, Waiters::default());
            Ok::<_, io::Error>(token)
        })?;
        Ok(Self {
            io,
            token,
            owner: this_thread(),
        })
    }

    /// Whether the socket may be ready for `write` (or reading), as far as the poller
    /// said; when not, the current task waits for it. The poller is edge-triggered, so
    /// "not ready" is only ever learnt from a call that would block ([`Self::blocked`]).
    fn ready(&self, cx: &Context<'_>, write: bool) -> io::Result<bool> {
        if this_thread() != self.owner {
            // Nothing on this thread would ever report the socket ready.
            return Err(io::Error::other(
                "an HTTP connection was used off the thread that opened it",
            ));
        }
        Ok(with_reactor(|r| {
            let w = r.sockets.entry(self.token).or_default();
            let (ready, slot) = if write {
                (w.writable, &mut w.write)
            } else {
                (w.readable, &mut w.read)
            };
            if !ready {
                *slot = Some(cx.waker().clone());
            }
            ready
        }))
    }

    /// A read took everything the socket had: it is not readable until the poller says so.
    fn drained(&self) {
        with_reactor(|r| {
            if let Some(w) = r.sockets.get_mut(&self.token) {
                w.readable = false;
            }
        });
    }

    /// The socket said "would block": the current task waits until the poller reports it.
    fn blocked(&self, cx: &Context<'_>, write: bool) {
        with_reactor(|r| {
            let w = r.sockets.entry(self.token).or_default();
            let (ready, slot) = if write {
                (&mut w.writable, &mut w.write)
            } else {
                (&mut w.readable, &mut w.read)
            };
            *ready = false;
            *slot = Some(cx.waker().clone());
        });
    }

    /// Ready once a non-blocking connect has finished, with its error if it failed.
    fn poll_connected(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.io.take_error()? {
            return Poll::Ready(Err(e));
        }
        match self.io.peer_addr() {
            Ok(_) => Poll::Ready(Ok(())),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                self.blocked(cx, true);
                Poll::Pending
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    /// Runs `op` until it neither is interrupted nor would block; on "would block", the
    /// task waits for the socket.
    fn attempt<R>(
        &mut self,
        cx: &Context<'_>,
        write: bool,
        mut op: impl FnMut(&mut mio::net::TcpStream) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        match self.ready(cx, write) {
            Ok(true) => {}
            Ok(false) => return Poll::Pending,
            Err(e) => return Poll::Ready(Err(e)),
        }
        loop {
            match op(&mut self.io) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.blocked(cx, write);
                    return Poll::Pending;
                }
                other => return Poll::Ready(other),
            }
        }
    }
}

impl Drop for LocalStream {
    fn drop(&mut self) {
        // The socket leaves the poller when it closes; only the waiters' slot is ours.
        let token = self.token;
        try_with_reactor(|r| {
            r.sockets.remove(&token);
        });
    }
}

impl AsyncRead for LocalStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // hyper offers its whole read buffer (8 KiB and more) at every read: zeroing it
        // first, as `initialize_unfilled` would, cost more than the rest of the read.
        // SAFETY: `read` on a socket only writes into the slice (it is handed to
        // recv(2)), and only the `n` bytes it reports are marked initialised.
        let unfilled = unsafe { &mut *(buf.unfilled_mut() as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let room = unfilled.len();
        match self.attempt(cx, false, |io| io.read(unfilled)) {
            Poll::Ready(Ok(n)) => {
                // SAFETY: `read` filled these `n` bytes.
                unsafe { buf.assume_init(n) };
                buf.advance(n);
                // A short read emptied the socket: the next read waits for the poller
                // (which reports any data that comes later, being edge-triggered)
                // instead of first learning "would block" from a system call of its
                // own, once per request. Tokio's sockets do the same.
                if n > 0 && n < room {
                    self.drained();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for LocalStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.attempt(cx, true, |io| io.write(buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.attempt(cx, true, |io| io.write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.io.shutdown(std::net::Shutdown::Write))
    }
}

/// Set when the task must be polled again.
struct Woken(AtomicBool);

thread_local! {
    static WAKER: (Arc<Woken>, Waker) = {
        let woken = Arc::new(Woken(AtomicBool::new(false)));
        (woken.clone(), Waker::from(woken))
    };
}

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
}

type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

thread_local! {
    /// Background work of this thread's connections (an HTTP/2 connection's frames),
    /// polled whenever a request of this thread waits.
    static TASKS: RefCell<Vec<Task>> = const { RefCell::new(Vec::new()) };
}

/// Runs `task` on this thread, during the requests this thread makes.
pub fn spawn(task: Task) {
    TASKS.with(|t| t.borrow_mut().push(task));
}

/// Polls every background task once; a task may spawn others while polled.
fn poll_tasks(cx: &mut Context<'_>) {
    let mut tasks = TASKS.with(|t| std::mem::take(&mut *t.borrow_mut()));
    if tasks.is_empty() {
        return;
    }
    tasks.retain_mut(|task| task.as_mut().poll(cx).is_pending());
    TASKS.with(|t| {
        let mut t = t.borrow_mut();
        tasks.append(&mut t);
        *t = tasks;
    });
}

/// How often a VU blocked in a request looks at its stop signal.
const STOP_POLL: Duration = Duration::from_millis(20);

/// Runs `fut` to completion on this thread, or until `stop` fires (then `None`; dropping
/// the future closes its sockets).
///
/// The future is taken pinned where its caller made it: moving a request's future (a
/// few KB) into this frame wrote that much memory that, with many VUs, was no longer
/// in the cache.
///
/// With `hand_over`, the thread gives up its core once the requests are sent, before it
/// first waits for their answers. With many more VU threads than cores, a VU's answer
/// is usually there by the time it runs again, so it never sleeps and the kernel
/// preempts it wherever its time slice ends; when that was in the script's code between
/// two requests, it waited behind every other runnable VU, and 100 VUs' p99 overhead was
/// 0.3–0.9 ms instead of ~0.05 ms. Yielding here puts that wait inside the request,
/// where a network wait is expected anyway (as Go's scheduler does for k6's VUs).
pub fn block_on<F: Future>(
    mut fut: Pin<&mut F>,
    stop: &StopSignal,
    mut hand_over: bool,
) -> io::Result<Option<F::Output>> {
    ensure_reactor()?;
    // The thread's one waker: block_on does not nest, and a waker a request left
    // behind only makes the next block_on poll once more.
    let (woken, waker) = WAKER.with(|w| w.clone());
    woken.0.store(true, Ordering::Release);
    let mut cx = Context::from_waker(&waker);
    loop {
        if woken.0.swap(false, Ordering::Acquire) {
            poll_tasks(&mut cx);
            if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                return Ok(Some(out));
            }
            continue;
        }
        if stop.is_set() {
            return Ok(None);
        }
        if std::mem::take(&mut hand_over) {
            std::thread::yield_now();
        }
        with_reactor(|r| r.turn(STOP_POLL))?;
    }
}
