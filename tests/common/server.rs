//! A small HTTP/1.1 server on 127.0.0.1 for the `k6/http` tests: keep-alive, a handful of
//! routes, and counts of the connections and requests it saw; and an HTTP/2 one over TLS
//! (hyper's, [`Server::start_h2`]). They stop when dropped (and on their own after
//! [`LIFETIME`]), so no test leaves one running.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Longest a server lives, whatever the test does.
pub const LIFETIME: Duration = Duration::from_secs(120);

pub struct Server {
    pub port: u16,
    tls: bool,
    state: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    connections: AtomicUsize,
    requests: AtomicUsize,
    /// Requests being answered right now, and the most there ever were.
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

fn test_certificate() -> (
    Vec<rustls::pki_types::CertificateDer<'static>>,
    rustls::pki_types::PrivateKeyDer<'static>,
) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(dir.join("localhost.crt"))
            .expect("read the test certificate")
            .collect::<Result<_, _>>()
            .expect("parse the test certificate");
    let key = PrivateKeyDer::from_pem_file(dir.join("localhost.key")).expect("read the test key");
    (certs, key)
}

fn tls_server_config(
    versions: &[&'static rustls::SupportedProtocolVersion],
    alpn: &[&[u8]],
) -> rustls::ServerConfig {
    let (certs, key) = test_certificate();
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("a valid test certificate");
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config
}

/// A loopback listener on a free port; accepting polls, so a server can notice its stop.
fn nonblocking_listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    listener
        .set_nonblocking(true)
        .expect("nonblocking listener");
    (listener, port)
}

impl Server {
    /// A plain-HTTP server.
    pub fn start() -> Self {
        Self::launch(None)
    }

    /// An https server with tests/fixtures/localhost.crt (signed by tests/fixtures/ca.crt),
    /// HTTP/1.1 only (it offers no ALPN), TLS 1.2 and 1.3.
    pub fn start_tls() -> Self {
        Self::start_tls_versions(rustls::DEFAULT_VERSIONS)
    }

    /// [`Server::start_tls`] with only these TLS versions.
    pub fn start_tls_versions(versions: &[&'static rustls::SupportedProtocolVersion]) -> Self {
        Self::launch(Some(Arc::new(tls_server_config(versions, &[]))))
    }

    /// An https server that speaks HTTP/2 only (ALPN `h2`), with the same certificate as
    /// [`Server::start_tls`]; every path echoes the request as JSON, `version` included.
    pub fn start_h2() -> Self {
        let config = Arc::new(tls_server_config(rustls::DEFAULT_VERSIONS, &[b"h2"]));
        let (listener, port) = nonblocking_listener();
        let state = Arc::new(Shared::default());
        let shared = state.clone();
        thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("the test server's runtime");
            rt.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                let acceptor = tokio_rustls::TlsAcceptor::from(config);
                let started = Instant::now();
                while !shared.stop.load(Ordering::SeqCst) && started.elapsed() < LIFETIME {
                    let accepted =
                        tokio::time::timeout(Duration::from_millis(50), listener.accept()).await;
                    let Ok(Ok((stream, _))) = accepted else {
                        continue;
                    };
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    let (acceptor, shared) = (acceptor.clone(), shared.clone());
                    tokio::spawn(async move {
                        let Ok(tls) = acceptor.accept(stream).await else {
                            return;
                        };
                        let service = hyper::service::service_fn(move |req| {
                            let shared = shared.clone();
                            async move { Ok::<_, std::convert::Infallible>(h2_echo(req, &shared).await) }
                        });
                        let _ = hyper::server::conn::http2::Builder::new(
                            hyper_util::rt::TokioExecutor::new(),
                        )
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                    });
                }
            });
        });
        Self {
            port,
            tls: true,
            state,
        }
    }

    fn launch(tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let (listener, port) = nonblocking_listener();
        let state = Arc::new(Shared::default());
        let shared = state.clone();
        let is_tls = tls.is_some();
        thread::spawn(move || {
            let started = Instant::now();
            while !shared.stop.load(Ordering::SeqCst) && started.elapsed() < LIFETIME {
                match listener.accept() {
                    Ok((stream, _)) => {
                        shared.connections.fetch_add(1, Ordering::SeqCst);
                        let shared = shared.clone();
                        let tls = tls.clone();
                        thread::spawn(move || {
                            let _ = stream.set_nonblocking(false);
                            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                            match tls {
                                Some(config) => {
                                    if let Ok(conn) = rustls::ServerConnection::new(config) {
                                        serve(rustls::StreamOwned::new(conn, stream), &shared);
                                    }
                                }
                                None => serve(stream, &shared),
                            }
                        });
                    }
                    Err(_) => thread::sleep(Duration::from_millis(1)),
                }
            }
        });
        Self {
            port,
            tls: is_tls,
            state,
        }
    }

    /// `http://127.0.0.1:PORT` (`https://` for [`Server::start_tls`]).
    pub fn base(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// The most requests the server was answering at one time.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

async fn h2_echo(
    req: hyper::Request<hyper::body::Incoming>,
    shared: &Shared,
) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    use http_body_util::BodyExt;
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let echo = serde_json::json!({
        "version": format!("{:?}", parts.version),
        "method": parts.method.as_str(),
        "authority": parts.uri.authority().map(|a| a.to_string()),
        "path": parts.uri.path_and_query().map(|p| p.to_string()),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    });
    hyper::Response::builder()
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            echo.to_string(),
        )))
        .expect("a valid response")
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
    }
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    l.local_addr().expect("local address").port()
}

struct Req {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn read_request<S: Read>(reader: &mut BufReader<S>) -> Option<Req> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Req {
        method,
        path,
        headers,
        body,
    })
}

fn serve<S: Read + Write>(stream: S, shared: &Shared) {
    let mut reader = BufReader::new(stream);
    while !shared.stop.load(Ordering::SeqCst) {
        let Some(req) = read_request(&mut reader) else {
            return;
        };
        shared.requests.fetch_add(1, Ordering::SeqCst);
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let (status, headers, body) = route(&req);
        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in &headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        if req.method != "HEAD" {
            out.extend_from_slice(&body);
        }
        let writer = reader.get_mut();
        if writer.write_all(&out).is_err() || writer.flush().is_err() {
            return;
        }
        if headers
            .iter()
            .any(|(k, v)| k == "Connection" && v == "close")
        {
            return;
        }
    }
}

type Reply = (String, Vec<(String, String)>, Vec<u8>);

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

fn route(req: &Req) -> Reply {
    let path = req.path.split('?').next().unwrap_or("");
    let ok = |ct: &str, body: Vec<u8>| -> Reply {
        (
            "200 OK".into(),
            vec![("Content-Type".into(), ct.into())],
            body,
        )
    };
    if let Some(code) = path.strip_prefix("/status/") {
        return (format!("{code} Whatever"), vec![], b"st".to_vec());
    }
    if let Some(n) = path.strip_prefix("/redirect/") {
        let n: u32 = n.parse().unwrap_or(0);
        let to = if n == 0 {
            "/echo".to_owned()
        } else {
            format!("/redirect/{}", n - 1)
        };
        return ("302 Found".into(), vec![("Location".into(), to)], vec![]);
    }
    if let Some(rest) = path.strip_prefix("/digest/") {
        return digest_route(req, rest);
    }
    match path {
        "/sleep" => {
            // Long enough that every request a batch may run at once is in flight together.
            thread::sleep(Duration::from_millis(300));
            ok("text/plain", b"slept".to_vec())
        }
        "/inflate" => {
            let encoding = header(req, "content-encoding").unwrap_or_default();
            let body = inflate(&encoding, &req.body);
            let reply = serde_json::json!({
                "encoding": encoding,
                "wire_len": req.body.len(),
                "body": body.map(|b| String::from_utf8_lossy(&b).into_owned()),
            });
            ok("application/json", reply.to_string().into_bytes())
        }
        "/zstd" => (
            "200 OK".into(),
            vec![("Content-Encoding".into(), "zstd".into())],
            ruzstd::encoding::compress_to_vec(
                &b"hello zstd"[..],
                ruzstd::encoding::CompressionLevel::Fastest,
            ),
        ),
        "/slow" => {
            thread::sleep(Duration::from_millis(1500));
            ok("text/plain", b"late".to_vec())
        }
        "/set-cookie" => (
            "200 OK".into(),
            vec![
                ("Set-Cookie".into(), "sid=abc; Path=/; HttpOnly".into()),
                (
                    "Set-Cookie".into(),
                    "theme=dark; Path=/; Max-Age=3600".into(),
                ),
            ],
            vec![],
        ),
        "/login" => (
            "302 Found".into(),
            vec![
                ("Location".into(), "/echo".into()),
                ("Set-Cookie".into(), "auth=yes; Path=/".into()),
            ],
            vec![],
        ),
        "/bytes" => ok("application/octet-stream", (0..=255u8).collect()),
        "/close" => (
            "200 OK".into(),
            vec![("Connection".into(), "close".into())],
            b"bye".to_vec(),
        ),
        "/gzip" => {
            use std::io::Write as _;
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(br#"{"a":{"b":[1,2,3]}}"#).expect("gzip");
            let body = enc.finish().expect("gzip");
            (
                "200 OK".into(),
                vec![
                    ("Content-Type".into(), "application/json".into()),
                    ("Content-Encoding".into(), "gzip".into()),
                ],
                body,
            )
        }
        "/deflate" => {
            use std::io::Write as _;
            let mut enc =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(b"deflated text").expect("deflate");
            let body = enc.finish().expect("deflate");
            (
                "200 OK".into(),
                vec![("Content-Encoding".into(), "deflate".into())],
                body,
            )
        }
        "/br" => {
            // One uncompressed meta-block holding "hello brotli", then the last, empty one.
            let mut body = vec![0xB0, 0x00, 0x10];
            body.extend_from_slice(b"hello brotli");
            body.push(0x03);
            (
                "200 OK".into(),
                vec![("Content-Encoding".into(), "br".into())],
                body,
            )
        }
        _ => {
            let headers: Vec<String> = req
                .headers
                .iter()
                .map(|(k, v)| format!("[{},{}]", json_string(k), json_string(v)))
                .collect();
            let body = format!(
                r#"{{"method":{},"path":{},"headers":[{}],"body":{}}}"#,
                json_string(&req.method),
                json_string(&req.path),
                headers.join(","),
                json_string(&String::from_utf8_lossy(&req.body)),
            );
            (
                "200 OK".into(),
                vec![
                    ("Content-Type".into(), "application/json".into()),
                    ("X-custom-THING".into(), "v".into()),
                ],
                body.into_bytes(),
            )
        }
    }
}

fn header(req: &Req, name: &str) -> Option<String> {
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// A request body with its Content-Encoding undone (codings applied left to right), or
/// `None` when it does not decode.
fn inflate(encoding: &str, body: &[u8]) -> Option<Vec<u8>> {
    let mut data = body.to_vec();
    for coding in encoding
        .rsplit(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let mut out = Vec::new();
        match coding {
            "gzip" => flate2::read::GzDecoder::new(&data[..]).read_to_end(&mut out),
            "deflate" => flate2::read::ZlibDecoder::new(&data[..]).read_to_end(&mut out),
            "br" => brotli::Decompressor::new(&data[..], 4096).read_to_end(&mut out),
            "zstd" => ruzstd::decoding::StreamingDecoder::new(&data[..])
                .ok()?
                .read_to_end(&mut out),
            _ => return None,
        }
        .ok()?;
        data = out;
    }
    Some(data)
}

fn md5_hex(s: &str) -> String {
    use md5::Digest;
    md5::Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `/digest/USER/PASS[/sess]`: RFC 7616 digest auth (qop=auth; MD5, or MD5-sess with
/// `/sess`). Without credentials, the challenge; with the right answer, 200 and what
/// the client sent; with a wrong one, 403 (no second challenge); with Basic auth, 400.
fn digest_route(req: &Req, rest: &str) -> Reply {
    let mut parts = rest.split('/');
    let (user, pass) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let sess = parts.next() == Some("sess");
    let algorithm = if sess { "MD5-sess" } else { "MD5" };
    let (realm, nonce, opaque) = (
        "rk6 tests",
        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        "5ccc069c403e",
    );
    let auth = header(req, "authorization").unwrap_or_default();
    if auth.starts_with("Basic") {
        return (
            "400 Bad Request".into(),
            vec![],
            b"basic auth sent".to_vec(),
        );
    }
    let Some(fields) = auth.strip_prefix("Digest ") else {
        let challenge = format!(
            r#"Digest realm="{realm}", qop="auth", nonce="{nonce}", opaque="{opaque}", algorithm={algorithm}"#
        );
        return (
            "401 Unauthorized".into(),
            vec![("WWW-Authenticate".into(), challenge)],
            vec![],
        );
    };
    // The test values hold no commas.
    let field = |name: &str| {
        fields.split(',').find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.trim_matches('"').to_owned())
        })
    };
    let (cnonce, nc, uri) = (
        field("cnonce").unwrap_or_default(),
        field("nc").unwrap_or_default(),
        field("uri").unwrap_or_default(),
    );
    let mut ha1 = md5_hex(&format!("{user}:{realm}:{pass}"));
    if sess {
        ha1 = md5_hex(&format!("{ha1}:{nonce}:{cnonce}"));
    }
    let ha2 = md5_hex(&format!("{}:{uri}", req.method));
    let expected = md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
    let right = field("response").as_deref() == Some(expected.as_str())
        && field("username").as_deref() == Some(user)
        && field("opaque").as_deref() == Some(opaque)
        && uri == req.path
        && field("qop").as_deref() == Some("auth");
    if !right {
        return ("403 Forbidden".into(), vec![], auth.into_bytes());
    }
    let reply = serde_json::json!({"user": user, "authorization": auth, "body": String::from_utf8_lossy(&req.body)});
    (
        "200 OK".into(),
        vec![("Content-Type".into(), "application/json".into())],
        reply.to_string().into_bytes(),
    )
}
