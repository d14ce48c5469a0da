//! Where a request's sockets and timers live. The client (client.rs) is written once,
//! generic over a [`Transport`]:
//!
//! - [`Shared`]: the process-wide tokio runtime ([`io_runtime`]), for `http.asyncRequest`,
//!   whose requests run while the VU goes on with its script;
//! - [`super::local::Local`]: the VU's own thread, for the synchronous `http.get`… and
//!   `http.batch`, where the VU has nothing else to do until the answer is in.

use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite};

/// The runtime `http.asyncRequest` runs on: as many workers as cores.
pub fn io_runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("rk6-http")
            .enable_all()
            .build()
            .expect("the HTTP I/O runtime starts")
    })
}

pub trait Transport: 'static {
    /// Connections are pooled per transport: a socket can only be driven where it was
    /// registered.
    const LOCAL: bool;
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    fn resolve(host: &str, port: u16) -> impl Future<Output = io::Result<Vec<SocketAddr>>> + Send;
    /// A connected TCP stream with Nagle's algorithm off (requests are written whole).
    fn dial(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> + Send;
    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> + Send;
    /// Runs a connection's background work (HTTP/2 frames) where its socket is driven.
    fn spawn(task: Pin<Box<dyn Future<Output = ()> + Send>>);
}

/// hyper's executor for a connection of transport `T`.
pub struct Executor<T>(PhantomData<fn() -> T>);

impl<T> Executor<T> {
    pub fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for Executor<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for Executor<T> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<T: Transport, F> hyper::rt::Executor<F> for Executor<T>
where
    F: Future + Send + 'static,
{
    fn execute(&self, fut: F) {
        T::spawn(Box::pin(async move {
            fut.await;
        }));
    }
}

/// `fut`'s output, or `None` if `deadline` came first.
///
/// `fut` comes pinned where the caller made it: taken by value, a request's future
/// (~2 KB) was copied into this future and again into its `select!`, ~10 KB of copies
/// a request that, with 100 VUs, landed on memory no longer in the cache.
pub async fn within<T: Transport, F: Future>(
    deadline: Instant,
    fut: Pin<&mut F>,
) -> Option<F::Output> {
    tokio::select! {
        biased;
        out = fut => Some(out),
        () = T::sleep_until(deadline) => None,
    }
}

/// The shared tokio runtime.
pub struct Shared;

impl Transport for Shared {
    const LOCAL: bool = false;
    type Stream = tokio::net::TcpStream;

    async fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        Ok(tokio::net::lookup_host((host, port)).await?.collect())
    }

    async fn dial(addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn sleep_until(deadline: Instant) {
        tokio::time::sleep_until(deadline.into()).await
    }

    fn spawn(task: Pin<Box<dyn Future<Output = ()> + Send>>) {
        io_runtime().spawn(task);
    }
}
