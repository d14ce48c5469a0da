//! The HTTP client behind `k6/http`: HTTP/1.1, and HTTP/2 where TLS's ALPN agrees on it
//! (as k6, no cleartext HTTP/2); one connection pool per VU, redirects, digest
//! authentication, time limits, decoding of compressed bodies, and the per-phase timings
//! k6 reports.
//!
//! The client is generic over where its sockets live (see transport.rs): the VU's own
//! thread for synchronous requests, a shared runtime for `http.asyncRequest`.
//!
//! Timings come from the connection itself ([`Meter`] wraps the socket): hyper does not
//! say when a request was fully written or when the first byte of the answer came, the
//! socket does.

use super::config::{HttpConfig, Target, TlsVersion};
use super::cookies::{self, Cookie, Jar};
use super::transport::{within, Executor, Transport};
use super::{compression, digest};
use bytes::Bytes;
use deno_core::url::{Position, Url};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use rustc_hash::FxHashMap;
use rustls::pki_types::{CertificateDer, ServerName};
use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// k6's numeric error codes (see k6's "Error codes" documentation).
pub mod codes {
    pub const GENERIC: u32 = 1000;
    pub const INVALID_URL: u32 = 1020;
    pub const REQUEST_TIMEOUT: u32 = 1050;
    pub const DNS: u32 = 1100;
    pub const NO_IP: u32 = 1101;
    pub const TCP: u32 = 1200;
    pub const BROKEN_PIPE: u32 = 1201;
    pub const DIAL: u32 = 1210;
    pub const DIAL_TIMEOUT: u32 = 1211;
    pub const CONNECTION_REFUSED: u32 = 1212;
    pub const RESET_BY_PEER: u32 = 1220;
    pub const TLS: u32 = 1300;
    pub const TLS_UNKNOWN_AUTHORITY: u32 = 1310;
    pub const TLS_WRONG_HOST: u32 = 1311;
    /// Added to an HTTP status of 400 or more.
    pub const HTTP_STATUS_BASE: u32 = 1000;
}

/// How the response body is handed to the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    Text,
    Binary,
    None,
}

/// One request as the script described it, already validated.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub timeout: Duration,
    pub max_redirects: u32,
    pub response_type: ResponseType,
    /// `params.cookies`: name, value, and whether it replaces the jar's cookie of that name.
    pub cookies: Vec<(String, String, bool)>,
    /// `insecureSkipTLSVerify`.
    pub insecure: bool,
    /// `params.jar`: the jar this request reads and fills instead of the VU's.
    pub jar: Option<Arc<Mutex<Jar>>>,
    /// `params.auth: "digest"`: credentials from the URL answer the server's challenge
    /// instead of going out as Basic auth.
    pub digest: bool,
    /// The connection options (`hosts`, `tlsVersion`, `noConnectionReuse`…).
    pub config: Arc<HttpConfig>,
}

/// Per-phase durations of one round trip, in milliseconds, as k6 names them.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Timings {
    pub blocked: f64,
    pub connecting: f64,
    pub tls_handshaking: f64,
    pub sending: f64,
    pub waiting: f64,
    pub receiving: f64,
    pub duration: f64,
}

/// What one round trip (a request or one redirect hop) measured, for the metrics.
#[derive(Debug, Clone)]
pub struct Hop {
    pub method: Cow<'static, str>,
    pub url: String,
    /// 0 when no response came.
    pub status: u16,
    pub proto: &'static str,
    pub tls_version: &'static str,
    pub timings: Timings,
    pub sent: u64,
    pub received: u64,
    pub error_code: u32,
    /// The first round trip of a digest request: k6 counts it as expected only when it is
    /// the 401 challenge, whatever the response callback says.
    pub digest_challenge: bool,
}

/// The final answer to a request.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub status: u16,
    pub status_text: String,
    pub proto: &'static str,
    /// The URL of the last hop (after redirects).
    pub url: String,
    /// The headers as `Name\0value\0…`, sorted by canonical name (`Content-Type`),
    /// repeated values joined with `, `: one string for however many headers came
    /// (HTTP forbids NUL in names and values, and the http crate refuses it).
    pub headers: String,
    /// Decoded body (empty when none was read).
    pub body: Bytes,
    pub timings: Timings,
    pub error: String,
    pub error_code: u32,
    pub remote_ip: Arc<str>,
    pub remote_port: u16,
    pub tls_version: &'static str,
    /// Every round trip, redirects included, in order.
    pub hops: Vec<Hop>,
    /// What the last response's `Set-Cookie` headers set.
    pub cookies: Vec<Cookie>,
}

/// Bytes and instants seen on one connection's socket. Instants are nanoseconds since
/// `base`, 0 meaning "not yet".
struct Meter {
    base: Instant,
    written: AtomicU64,
    read: AtomicU64,
    last_write: AtomicU64,
    first_read: AtomicU64,
}

impl Meter {
    fn new() -> Self {
        Self {
            base: Instant::now(),
            written: AtomicU64::new(0),
            read: AtomicU64::new(0),
            last_write: AtomicU64::new(0),
            first_read: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        (self.base.elapsed().as_nanos() as u64).max(1)
    }

    /// Starts a new round trip on this connection.
    fn reset(&self) {
        self.last_write.store(0, Ordering::Relaxed);
        self.first_read.store(0, Ordering::Relaxed);
    }

    fn at(&self, nanos: u64) -> Option<Instant> {
        (nanos != 0).then(|| self.base + Duration::from_nanos(nanos))
    }

    fn last_write(&self) -> Option<Instant> {
        self.at(self.last_write.load(Ordering::Relaxed))
    }

    fn first_read(&self) -> Option<Instant> {
        self.at(self.first_read.load(Ordering::Relaxed))
    }
}

/// A socket that reports what crosses it to its [`Meter`].
struct Metered<S> {
    inner: S,
    meter: Arc<Meter>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Metered<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = (buf.filled().len() - before) as u64;
        if n > 0 {
            let m = &self.meter;
            m.read.fetch_add(n, Ordering::Relaxed);
            if m.first_read.load(Ordering::Relaxed) == 0 {
                m.first_read.store(m.now(), Ordering::Relaxed);
            }
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Metered<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            let m = &self.meter;
            m.written.fetch_add(n as u64, Ordering::Relaxed);
            m.last_write.store(m.now(), Ordering::Relaxed);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = polled {
            let m = &self.meter;
            m.written.fetch_add(n as u64, Ordering::Relaxed);
            m.last_write.store(m.now(), Ordering::Relaxed);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A connection's I/O: hyper's connection future, polled only while a request uses it.
type Driver = Pin<Box<dyn std::future::Future<Output = hyper::Result<()>> + Send>>;

/// Runs `fut` while polling the connection's `driver` in the same task: hyper's
/// connection future does the socket I/O, and driving it here instead of in a task of
/// its own saves a cross-task wake-up at every step of a request.
///
/// `fut` comes pinned where the caller made it, for the reason [`within`]'s does.
async fn drive<F: std::future::Future>(
    driver: &mut Option<Driver>,
    mut fut: Pin<&mut F>,
) -> F::Output {
    loop {
        let Some(d) = driver.as_mut() else {
            return fut.await;
        };
        tokio::select! {
            biased;
            out = &mut fut => return out,
            // The connection ended; dropping it closes the sender, which `fut` then sees.
            _ = d.as_mut() => *driver = None,
        }
    }
}

/// A connection's request side, by protocol.
enum Sender {
    H1(http1::SendRequest<Full<Bytes>>),
    H2(http2::SendRequest<Full<Bytes>>),
}

impl Sender {
    fn is_closed(&self) -> bool {
        match self {
            Sender::H1(s) => s.is_closed(),
            Sender::H2(s) => s.is_closed(),
        }
    }

    async fn ready(&mut self) -> hyper::Result<()> {
        match self {
            Sender::H1(s) => s.ready().await,
            Sender::H2(s) => s.ready().await,
        }
    }

    async fn send_request(
        &mut self,
        req: hyper::Request<Full<Bytes>>,
    ) -> hyper::Result<hyper::Response<hyper::body::Incoming>> {
        match self {
            Sender::H1(s) => s.send_request(req).await,
            Sender::H2(s) => s.send_request(req).await,
        }
    }

    fn proto(&self) -> &'static str {
        match self {
            Sender::H1(_) => "HTTP/1.1",
            Sender::H2(_) => "HTTP/2.0",
        }
    }
}

struct Conn {
    sender: Sender,
    /// HTTP/1.1: polled by the request using the connection, `None` once it has ended.
    /// HTTP/2: always `None`, the connection runs as a task of its own where its
    /// transport drives sockets (it has frames to answer between requests).
    driver: Option<Driver>,
    meter: Arc<Meter>,
    peer: SocketAddr,
    /// `peer`'s address as `Response.remote_ip` shows it, written once per connection.
    peer_ip: Arc<str>,
    /// `tls1.3` / `tls1.2`, empty for plain HTTP.
    tls_version: &'static str,
}

impl Conn {
    fn alive(&self) -> bool {
        let driven = match self.sender {
            Sender::H1(_) => self.driver.is_some(),
            Sender::H2(_) => true,
        };
        driven && !self.sender.is_closed()
    }
}

/// Local transport?, https?, host, port.
type PoolKey = (bool, bool, String, u16);

/// One VU's connections: k6 keeps connections alive per VU, and so does rk6.
#[derive(Default)]
pub struct Client {
    idle: Mutex<FxHashMap<PoolKey, Vec<Conn>>>,
    /// The VU's cookies (`http.cookieJar()`), filled by every response.
    pub jar: Mutex<Jar>,
}

/// A failed round trip: k6's code and message.
#[derive(Debug, Clone)]
struct Failure {
    code: u32,
    message: String,
}

impl Failure {
    fn new(code: u32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// What happened during one hop so far, readable after its future was cut short by the
/// time limit.
#[derive(Default)]
struct Progress {
    started: Option<Instant>,
    connected: Option<Instant>,
    connecting: Duration,
    tls_handshaking: Duration,
    tls_version: &'static str,
    meter: Option<Arc<Meter>>,
    /// The connection's byte counts before this hop (zero for a new connection, whose
    /// handshake counts with its first request, as in k6).
    bytes_before: (u64, u64),
    peer: Option<(SocketAddr, Arc<str>)>,
    proto: &'static str,
    /// HTTP/2 only: when the response head came. Frames that belong to no request
    /// (settings, pings, window updates) cross an HTTP/2 socket at any time, so its
    /// first read does not mark the answer.
    headers_at: Option<Instant>,
}

impl Progress {
    /// When the request was last written to and the answer first read from the socket.
    fn marks(&self) -> (Option<Instant>, Option<Instant>) {
        let m = self.meter.as_deref();
        let last_write = m.and_then(Meter::last_write);
        match self.headers_at {
            Some(h) => (last_write.map(|w| w.min(h)), Some(h)),
            None => (last_write, m.and_then(Meter::first_read)),
        }
    }
}

/// A response whose body has been read.
struct Answer {
    status: u16,
    reason: &'static str,
    headers: hyper::HeaderMap,
    body: Bytes,
    done: Instant,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn between(from: Option<Instant>, to: Option<Instant>) -> Duration {
    match (from, to) {
        (Some(a), Some(b)) => b.saturating_duration_since(a),
        _ => Duration::ZERO,
    }
}

impl Client {
    pub fn new() -> Self {
        Self::default()
    }

    /// The request's headers plus a `Cookie` header from the jar and `params.cookies`
    /// (unless the script wrote its own `Cookie` header).
    fn with_cookies<'h>(
        jar: &Mutex<Jar>,
        url: &Url,
        headers: &'h [(String, String)],
        own: &[(String, String, bool)],
    ) -> Cow<'h, [(String, String)]> {
        if headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("cookie"))
        {
            return Cow::Borrowed(headers);
        }
        let mut pairs: Vec<String> = Vec::new();
        {
            let mut jar = jar.lock();
            for c in jar.for_url(url) {
                if !own.iter().any(|(n, _, replace)| *replace && *n == c.name) {
                    pairs.push(format!("{}={}", c.name, c.value));
                }
            }
        }
        pairs.extend(own.iter().map(|(n, v, _)| format!("{n}={v}")));
        if pairs.is_empty() {
            return Cow::Borrowed(headers);
        }
        let mut out = headers.to_vec();
        out.push(("Cookie".into(), pairs.join("; ")));
        Cow::Owned(out)
    }

    fn take_idle(&self, key: &PoolKey) -> Option<Conn> {
        let mut idle = self.idle.lock();
        let conns = idle.get_mut(key)?;
        while let Some(conn) = conns.pop() {
            if conn.alive() {
                return Some(conn);
            }
        }
        None
    }

    /// Keeps `conn` for the VU's next request, unless `noConnectionReuse` wants it closed.
    fn put_idle(&self, key: PoolKey, conn: Conn, config: &HttpConfig) {
        if conn.alive() && !config.no_connection_reuse {
            self.idle.lock().entry(key).or_default().push(conn);
        }
    }

    /// Closes every kept-alive connection (`noVUConnectionReuse`, at the end of an
    /// iteration).
    pub fn close_idle(&self) {
        let idle = std::mem::take(&mut *self.idle.lock());
        drop(idle);
    }

    /// Runs `req`, following redirects, within its time limit. Never fails: errors are
    /// described in the outcome, as k6 does.
    pub async fn execute<T: Transport>(self: Arc<Self>, req: Request) -> Outcome {
        let deadline = Instant::now() + req.timeout;
        let Request {
            mut method,
            mut url,
            mut headers,
            mut body,
            ref cookies,
            ref jar,
            ref config,
            insecure,
            digest,
            max_redirects,
            ..
        } = req;
        let mut out = Outcome::default();
        let mut redirects = 0;
        let jar = jar.as_deref().unwrap_or(&self.jar);
        // Digest credentials leave the URL, so that they do not also go out as Basic auth.
        let credentials = digest.then(|| {
            let user = percent_decode(url.username());
            let pass = percent_decode(url.password().unwrap_or(""));
            let _ = url.set_username("");
            let _ = url.set_password(None);
            (user, pass)
        });
        // The URL whose challenge was last answered: a second 401 there is the answer.
        let mut answered: Option<Url> = None;
        loop {
            let mut progress = Progress::default();
            let sent_headers = Self::with_cookies(jar, &url, &headers, cookies);
            let hop = within::<T, _>(
                deadline,
                std::pin::pin!(self.round_trip::<T>(
                    &mut progress,
                    &method,
                    &url,
                    &sent_headers,
                    body.clone(),
                    (insecure, config),
                )),
            )
            .await;
            let now = Instant::now();
            let meter = progress.meter.clone();
            let (sent, received) = meter.as_ref().map_or((0, 0), |m| {
                let (w, r) = progress.bytes_before;
                (
                    m.written.load(Ordering::Relaxed) - w,
                    m.read.load(Ordering::Relaxed) - r,
                )
            });
            if let Some((peer, ip)) = &progress.peer {
                out.remote_ip = ip.clone();
                out.remote_port = peer.port();
            }
            let result = match hop {
                Some(r) => r,
                None => Err(Failure::new(codes::REQUEST_TIMEOUT, "request timeout")),
            };
            let answer = match result {
                Ok(a) => a,
                Err(failure) => {
                    // Only what the socket saw before the failure is known.
                    let timings = if progress.connected.is_some() {
                        let (last_write, first_read) = progress.marks();
                        let sending = between(progress.connected, last_write);
                        let waiting =
                            between(last_write.or(progress.connected), first_read.or(Some(now)));
                        let receiving = between(first_read, first_read.map(|_| now));
                        Timings {
                            blocked: ms(between(progress.started, progress.connected)),
                            connecting: ms(progress.connecting),
                            tls_handshaking: ms(progress.tls_handshaking),
                            sending: ms(sending),
                            waiting: ms(waiting),
                            receiving: ms(receiving),
                            duration: ms(sending + waiting + receiving),
                        }
                    } else {
                        Timings::default()
                    };
                    out.hops.push(Hop {
                        method: method_name(&method),
                        url: url.as_str().to_owned(),
                        status: 0,
                        proto: "",
                        tls_version: progress.tls_version,
                        timings,
                        sent,
                        received,
                        error_code: failure.code,
                        digest_challenge: digest && out.hops.is_empty(),
                    });
                    out.url = url.as_str().to_owned();
                    out.status = 0;
                    out.status_text = String::new();
                    out.proto = "";
                    out.headers.clear();
                    out.body.clear();
                    out.timings = timings;
                    out.error = failure.message;
                    out.error_code = failure.code;
                    return out;
                }
            };
            let (last_write, first_read) = progress.marks();
            let sending = between(progress.connected, last_write);
            let waiting = between(last_write, first_read);
            let receiving = between(first_read, Some(answer.done));
            let timings = Timings {
                blocked: ms(between(progress.started, progress.connected)),
                connecting: ms(progress.connecting),
                tls_handshaking: ms(progress.tls_handshaking),
                sending: ms(sending),
                waiting: ms(waiting),
                receiving: ms(receiving),
                duration: ms(sending + waiting + receiving),
            };
            let status = answer.status;
            let error_code = if status >= 400 {
                codes::HTTP_STATUS_BASE + u32::from(status)
            } else {
                0
            };
            out.hops.push(Hop {
                method: method_name(&method),
                url: url.as_str().to_owned(),
                status,
                proto: progress.proto,
                tls_version: progress.tls_version,
                timings,
                sent,
                received,
                error_code,
                digest_challenge: digest && out.hops.is_empty(),
            });
            out.status = status;
            out.status_text = status_text(status, answer.reason);
            out.proto = progress.proto;
            out.tls_version = progress.tls_version;
            out.timings = timings;
            out.error = String::new();
            out.error_code = error_code;
            out.headers = joined_headers(&answer.headers);
            out.cookies.clear();
            for set in answer.headers.get_all(hyper::header::SET_COOKIE) {
                if let Some(c) = set.to_str().ok().and_then(|v| cookies::parse(&url, v)) {
                    jar.lock().put(c.clone());
                    out.cookies.push(c);
                }
            }

            if let (401, Some((user, pass))) = (status, &credentials) {
                let challenge = digest::challenge(
                    answer
                        .headers
                        .get_all(hyper::header::WWW_AUTHENTICATE)
                        .iter()
                        .filter_map(|v| v.to_str().ok()),
                );
                if let (Some(c), false) = (challenge, answered.as_ref() == Some(&url)) {
                    let target = request_target(&url);
                    let auth =
                        digest::authorization(&c, user, pass, &method, &target, &digest::cnonce());
                    headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
                    headers.push(("Authorization".into(), auth));
                    answered = Some(url.clone());
                    continue;
                }
            }

            let location = answer
                .headers
                .get(hyper::header::LOCATION)
                .and_then(|v| v.to_str().ok());
            let redirect = matches!(status, 301 | 302 | 303 | 307 | 308);
            if let (true, Some(location)) = (redirect, location) {
                if redirects < max_redirects {
                    match url.join(location) {
                        Ok(next) => {
                            redirects += 1;
                            // As browsers (and Go) do: 301/302/303 become a GET without body.
                            if !matches!(status, 307 | 308) {
                                if method != "HEAD" {
                                    method = "GET".into();
                                }
                                body = Bytes::new();
                                headers.retain(|(k, _)| {
                                    !k.eq_ignore_ascii_case("content-type")
                                        && !k.eq_ignore_ascii_case("content-length")
                                });
                            }
                            if next.host_str() != url.host_str() {
                                headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
                            }
                            url = next;
                            continue;
                        }
                        Err(e) => {
                            out.error = format!("bad redirect location {location:?}: {e}");
                            out.error_code = codes::GENERIC;
                        }
                    }
                }
            }
            let encoding = answer
                .headers
                .get(hyper::header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok());
            match compression::decode(encoding, answer.body) {
                Ok(bytes) => out.body = bytes,
                Err(e) => {
                    out.error = e;
                    out.error_code = codes::GENERIC;
                }
            }
            out.url = url.into();
            return out;
        }
    }

    /// One request and response on a pooled or new connection.
    async fn round_trip<T: Transport>(
        &self,
        progress: &mut Progress,
        method: &str,
        url: &Url,
        headers: &[(String, String)],
        body: Bytes,
        (insecure, config): (bool, &Arc<HttpConfig>),
    ) -> Result<Answer, Failure> {
        progress.started = Some(Instant::now());
        // Checked before any connection is made; rebuilt for a retry (requests do not
        // clone) and for HTTP/2, which learns of itself only once connected.
        let mut request = Some(build_request(method, url, headers, body.clone(), false)?);
        let host = url.host_str().unwrap_or_default().to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        let key = (T::LOCAL, url.scheme() == "https", host, port);
        let mut reused = self.take_idle(&key);
        loop {
            let fresh = reused.is_none();
            let mut conn = match reused.take() {
                Some(c) => c,
                None => {
                    // Boxed: a new connection's state (TLS included) is large, and inline
                    // it would be copied along with every request's future.
                    let (conn, connecting, handshaking) =
                        Box::pin(connect::<T>(&key, insecure, config)).await?;
                    progress.connecting = connecting;
                    progress.tls_handshaking = handshaking;
                    conn
                }
            };
            if drive(&mut conn.driver, std::pin::pin!(conn.sender.ready()))
                .await
                .is_err()
            {
                if fresh {
                    return Err(Failure::new(
                        codes::GENERIC,
                        "connection closed before the request",
                    ));
                }
                // The server closed an idle connection: dial a new one.
                continue;
            }
            progress.connected = Some(Instant::now());
            progress.peer = Some((conn.peer, conn.peer_ip.clone()));
            progress.tls_version = conn.tls_version;
            progress.proto = conn.sender.proto();
            let h2 = matches!(conn.sender, Sender::H2(_));
            conn.meter.reset();
            let meter_before = conn.meter.read.load(Ordering::Relaxed);
            progress.bytes_before = if fresh {
                (0, 0)
            } else {
                (conn.meter.written.load(Ordering::Relaxed), meter_before)
            };
            progress.meter = Some(conn.meter.clone());
            let request = match request.take() {
                Some(r) if !h2 => r,
                _ => build_request(method, url, headers, body.clone(), h2)?,
            };
            let sent = drive(
                &mut conn.driver,
                std::pin::pin!(conn.sender.send_request(request)),
            )
            .await;
            match sent {
                Ok(resp) => {
                    if h2 {
                        progress.headers_at = Some(Instant::now());
                    }
                    let status = resp.status();
                    let reason = status.canonical_reason().unwrap_or("");
                    let (parts, incoming) = resp.into_parts();
                    let body = drive(&mut conn.driver, std::pin::pin!(incoming.collect()))
                        .await
                        .map_err(|e| failure_of(&e))?
                        .to_bytes();
                    let done = Instant::now();
                    self.put_idle(key, conn, config);
                    return Ok(Answer {
                        status: status.as_u16(),
                        reason,
                        headers: parts.headers,
                        body,
                        done,
                    });
                }
                Err(e) => {
                    let nothing_came = conn.meter.read.load(Ordering::Relaxed) == meter_before;
                    if !fresh
                        && nothing_came
                        && (e.is_canceled() || e.is_closed() || e.is_incomplete_message())
                    {
                        // A kept-alive connection the server had already closed.
                        continue;
                    }
                    return Err(failure_of(&e));
                }
            }
        }
    }
}

/// `host:port`, or `host` for the scheme's default port, as the URL writes it (IPv6
/// brackets included): the `Host` header.
fn host_and_port(url: &Url) -> String {
    url[Position::BeforeHost..Position::AfterPort].to_owned()
}

/// Path and query: what an HTTP/1.1 request line and a digest `uri` name.
fn request_target(url: &Url) -> String {
    // The path and query as the URL already writes them, without formatting them again.
    url[Position::BeforePath..Position::AfterQuery].to_owned()
}

/// `h2`: HTTP/2 carries scheme and authority as pseudo-headers, which hyper takes from an
/// absolute URI, and has no `Host` header (a script's `Host` becomes the authority).
fn build_request(
    method: &str,
    url: &Url,
    headers: &[(String, String)],
    body: Bytes,
    h2: bool,
) -> Result<hyper::Request<Full<Bytes>>, Failure> {
    let method = hyper::Method::from_bytes(method.as_bytes())
        .map_err(|_| Failure::new(codes::GENERIC, format!("invalid HTTP method {method:?}")))?;
    let host = host_and_port(url);
    let target = if h2 {
        let authority = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("host"))
            .map_or(host.as_str(), |(_, v)| v.as_str());
        format!("{}://{authority}{}", url.scheme(), request_target(url))
    } else {
        request_target(url)
    };
    let invalid =
        |e: &dyn std::fmt::Display| Failure::new(codes::GENERIC, format!("invalid request: {e}"));
    let uri: hyper::Uri = target.try_into().map_err(|e| invalid(&e))?;
    let post_like = matches!(method.as_str(), "POST" | "PUT" | "PATCH");
    let empty = body.is_empty();
    // Made whole and filled in place: a builder moves itself (~200 bytes) at every step.
    let mut request = hyper::Request::new(Full::new(body));
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    let out = request.headers_mut();
    let mut has_host = false;
    let mut has_length = false;
    for (name, value) in headers {
        let n = hyper::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Failure::new(codes::GENERIC, format!("invalid header name {name:?}")))?;
        let v = hyper::header::HeaderValue::from_str(value).map_err(|_| {
            Failure::new(
                codes::GENERIC,
                format!("invalid value for header {name:?}: {value:?}"),
            )
        })?;
        has_host |= n == hyper::header::HOST;
        has_length |= n == hyper::header::CONTENT_LENGTH;
        if h2 && n == hyper::header::HOST {
            continue;
        }
        out.append(n, v);
    }
    if !has_host && !h2 {
        let host = hyper::header::HeaderValue::try_from(host).map_err(|e| invalid(&e))?;
        out.append(hyper::header::HOST, host);
    }
    // hyper sends no length for an empty body; servers may answer 411 to a POST without one.
    if empty && !has_length && post_like {
        out.append(
            hyper::header::CONTENT_LENGTH,
            hyper::header::HeaderValue::from_static("0"),
        );
    }
    if !url.username().is_empty() || url.password().is_some() {
        use base64::Engine;
        let user = percent_decode(url.username());
        let pass = percent_decode(url.password().unwrap_or(""));
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        let auth = hyper::header::HeaderValue::try_from(format!("Basic {token}"))
            .map_err(|e| invalid(&e))?;
        out.append(hyper::header::AUTHORIZATION, auth);
    }
    Ok(request)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The addresses of `host:port`: an IP literal as is, a name through DNS.
async fn resolve<T: Transport>(host: &str, port: u16) -> Result<Vec<SocketAddr>, Failure> {
    // IPv6 literals come from the URL in brackets.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => T::resolve(bare, port)
            .await
            .map_err(|e| Failure::new(codes::DNS, format!("lookup {bare}: {e}")))?,
    };
    if addrs.is_empty() {
        return Err(Failure::new(
            codes::NO_IP,
            format!("lookup {bare}: no such host"),
        ));
    }
    Ok(addrs)
}

/// A new connection for `key`, with how long the TCP connect and the TLS handshake took.
/// The `hosts` option may send it elsewhere; TLS still checks the certificate against
/// the URL's name, as k6 does.
async fn connect<T: Transport>(
    key: &PoolKey,
    insecure: bool,
    config: &HttpConfig,
) -> Result<(Conn, Duration, Duration), Failure> {
    let (_, https, host, port) = key;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs = match config.host_override(bare, *port) {
        Some(Target::Ip(ip, to)) => vec![SocketAddr::new(*ip, to.unwrap_or(*port))],
        Some(Target::Name(name, to)) => resolve::<T>(name, to.unwrap_or(*port)).await?,
        None => resolve::<T>(host, *port).await?,
    };
    let mut last = None;
    for addr in addrs {
        let dial = Instant::now();
        let stream = match T::dial(addr).await {
            Ok(stream) => stream,
            Err(e) => {
                last = Some(e);
                continue;
            }
        };
        let connecting = dial.elapsed();
        let meter = Arc::new(Meter::new());
        let io = Metered {
            inner: stream,
            meter: meter.clone(),
        };
        let mut builder = http1::Builder::new();
        builder.title_case_headers(true);
        let shake = Instant::now();
        let (sender, driver, tls_version, handshaking) = if *https {
            let name = ServerName::try_from(bare.to_owned()).map_err(|_| {
                Failure::new(
                    codes::TLS,
                    format!("tls: {bare:?} is not a valid server name"),
                )
            })?;
            let tls = tokio_rustls::TlsConnector::from(tls_config(
                insecure,
                config.tls_min,
                config.tls_max,
            ))
            .connect(name, io)
            .await
            .map_err(|e| tls_failure(&e))?;
            let handshaking = shake.elapsed();
            let session = tls.get_ref().1;
            let version = match session.protocol_version() {
                Some(rustls::ProtocolVersion::TLSv1_3) => "tls1.3",
                Some(rustls::ProtocolVersion::TLSv1_2) => "tls1.2",
                _ => "",
            };
            if session.alpn_protocol() == Some(b"h2") {
                let (sender, conn) = http2::Builder::new(Executor::<T>::new())
                    .handshake(TokioIo::new(tls))
                    .await
                    .map_err(|e| failure_of(&e))?;
                T::spawn(Box::pin(async move {
                    let _ = conn.await;
                }));
                (Sender::H2(sender), None, version, handshaking)
            } else {
                let (sender, conn) = builder
                    .handshake(TokioIo::new(tls))
                    .await
                    .map_err(|e| failure_of(&e))?;
                let driver = Some(Box::pin(conn) as Driver);
                (Sender::H1(sender), driver, version, handshaking)
            }
        } else {
            let (sender, conn) = builder
                .handshake(TokioIo::new(io))
                .await
                .map_err(|e| failure_of(&e))?;
            let driver = Some(Box::pin(conn) as Driver);
            (Sender::H1(sender), driver, "", Duration::ZERO)
        };
        let conn = Conn {
            sender,
            driver,
            meter,
            peer: addr,
            peer_ip: addr.ip().to_string().into(),
            tls_version,
        };
        return Ok((conn, connecting, handshaking));
    }
    let e = last.expect("at least one address was tried");
    Err(match e.kind() {
        std::io::ErrorKind::ConnectionRefused => {
            Failure::new(codes::CONNECTION_REFUSED, "dial: connection refused")
        }
        std::io::ErrorKind::TimedOut => Failure::new(codes::DIAL_TIMEOUT, "dial: i/o timeout"),
        _ => Failure::new(codes::DIAL, format!("dial: {e}")),
    })
}

/// k6's code and message for a failed TLS handshake.
fn tls_failure(e: &std::io::Error) -> Failure {
    use rustls::{CertificateError, Error};
    match e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
        Some(Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
            Failure::new(codes::TLS_UNKNOWN_AUTHORITY, "x509: unknown authority")
        }
        Some(Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => Failure::new(
            codes::TLS_WRONG_HOST,
            "x509: certificate is not valid for this host",
        ),
        Some(other) => Failure::new(codes::TLS, format!("tls: {other}")),
        None => Failure::new(codes::TLS, format!("tls: {e}")),
    }
}

/// The client TLS settings: Mozilla's roots (webpki-roots) plus the PEM certificates in
/// `SSL_CERT_FILE`, which Go and so k6 also honour; or, with `insecureSkipTLSVerify`, no
/// certificate checks at all. ALPN offers HTTP/2 before HTTP/1.1, as k6 does. Built once
/// per process for each set of options.
fn tls_config(insecure: bool, min: TlsVersion, max: TlsVersion) -> Arc<rustls::ClientConfig> {
    type Key = (bool, TlsVersion, TlsVersion);
    static CONFIGS: OnceLock<Mutex<HashMap<Key, Arc<rustls::ClientConfig>>>> = OnceLock::new();
    let build = || {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions: Vec<&'static rustls::SupportedProtocolVersion> = [
            (TlsVersion::Tls12, &rustls::version::TLS12),
            (TlsVersion::Tls13, &rustls::version::TLS13),
        ]
        .into_iter()
        .filter(|(v, _)| (min..=max).contains(v))
        .map(|(_, supported)| supported)
        .collect();
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .expect("ring supports TLS 1.2 and 1.3");
        let mut config = if insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth()
        } else {
            let mut roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            if let Some(path) = std::env::var_os("SSL_CERT_FILE") {
                use rustls::pki_types::pem::PemObject;
                if let Ok(certs) = CertificateDer::pem_file_iter(&path) {
                    for cert in certs.flatten() {
                        let _ = roots.add(cert);
                    }
                }
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        };
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    };
    CONFIGS
        .get_or_init(Default::default)
        .lock()
        .entry((insecure, min, max))
        .or_insert_with(build)
        .clone()
}

/// `insecureSkipTLSVerify`: any certificate is accepted; handshake signatures are still
/// checked, since they cost nothing and keep the connection itself sound.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// k6's code and message for a hyper error.
fn failure_of(e: &hyper::Error) -> Failure {
    use std::error::Error;
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionReset => {
                    Failure::new(codes::RESET_BY_PEER, "read: connection reset by peer")
                }
                std::io::ErrorKind::BrokenPipe => {
                    Failure::new(codes::BROKEN_PIPE, "write: broken pipe")
                }
                _ => Failure::new(codes::TCP, io.to_string()),
            };
        }
        source = s.source();
    }
    if e.is_incomplete_message() {
        return Failure::new(codes::GENERIC, "unexpected EOF");
    }
    Failure::new(codes::GENERIC, e.to_string())
}

/// Writes a header name as Go (and so k6) does: `content-type` → `Content-Type`. Header
/// names are ASCII tokens (the http crate refuses anything else): no case tables needed.
fn push_canonical_name(out: &mut String, name: &str) {
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        });
        upper = c == '-';
    }
}

/// `"200 OK"`: the status code and the reason phrase, as Go's `Response.Status`.
fn status_text(status: u16, reason: &str) -> String {
    let mut out = String::with_capacity(4 + reason.len());
    if (100..1000).contains(&status) {
        for digit in [status / 100, status / 10 % 10, status % 10] {
            out.push(char::from(b'0' + digit as u8));
        }
    } else {
        out.push_str(&status.to_string());
    }
    out.push(' ');
    out.push_str(reason);
    out
}

/// A hop's method for its tags, without a copy for the methods scripts nearly always use.
fn method_name(method: &str) -> Cow<'static, str> {
    const KNOWN: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    match KNOWN.iter().find(|m| **m == method) {
        Some(m) => Cow::Borrowed(m),
        None => Cow::Owned(method.to_owned()),
    }
}

/// The response's headers as [`Outcome::headers`] holds them. hyper's names are lowercase
/// ASCII tokens, and two of them compare as their canonical forms do (an uppercase
/// letter follows a `-` at the same place in both, or starts both), so sorting by
/// hyper's name sorts by the canonical one; the sort is stable, so repeated values keep
/// their order.
fn joined_headers(headers: &hyper::HeaderMap) -> String {
    let mut pairs: Vec<(&hyper::header::HeaderName, &hyper::header::HeaderValue)> =
        headers.iter().collect();
    pairs.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    let size: usize = pairs
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 2)
        .sum();
    let mut out = String::with_capacity(size);
    let mut last: Option<&hyper::header::HeaderName> = None;
    for (name, value) in pairs {
        if last == Some(name) {
            // The NUL that ended the previous value gives way to the separator.
            out.pop();
            out.push_str(", ");
        } else {
            push_canonical_name(&mut out, name.as_str());
            out.push('\0');
        }
        out.push_str(&String::from_utf8_lossy(value.as_bytes()));
        out.push('\0');
        last = Some(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_joined_sorted_by_canonical_name() {
        let mut headers = hyper::HeaderMap::new();
        for (name, value) in [
            ("x-custom-thing", "one"),
            ("content-type", "text/plain"),
            ("etag", "\"a\""),
            ("x-custom-thing", "two"),
            ("x-b", "bee"),
            ("xa", "ay"),
        ] {
            headers.append(
                hyper::header::HeaderName::from_static(name),
                hyper::header::HeaderValue::from_static(value),
            );
        }
        assert_eq!(
            joined_headers(&headers),
            "Content-Type\0text/plain\0Etag\0\"a\"\0X-B\0bee\0X-Custom-Thing\0one, two\0Xa\0ay\0"
        );
        assert_eq!(joined_headers(&hyper::HeaderMap::new()), "");
    }

    #[test]
    fn request_targets_and_host_headers() {
        let u = Url::parse("http://[::1]:8080/a/b?x=1&y#frag").unwrap();
        assert_eq!(request_target(&u), "/a/b?x=1&y");
        assert_eq!(host_and_port(&u), "[::1]:8080");
        let d = Url::parse("https://user:pw@Example.com:443").unwrap();
        assert_eq!(request_target(&d), "/");
        assert_eq!(host_and_port(&d), "example.com");
    }

    #[test]
    fn status_texts() {
        assert_eq!(status_text(200, "OK"), "200 OK");
        assert_eq!(status_text(599, ""), "599 ");
        assert_eq!(status_text(42, "odd"), "42 odd");
    }

    #[test]
    fn percent_decoding_of_credentials() {
        assert_eq!(percent_decode("a%40b"), "a@b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%4"), "%4");
    }
}
