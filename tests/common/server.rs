//! A small HTTP/1.1 server on 127.0.0.1 for the `k6/http` tests: keep-alive, a handful of
//! routes, and counts of the connections and requests it saw. It stops when dropped
//! (and on its own after [`LIFETIME`]), so no test leaves it running.

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
}

impl Server {
    /// A plain-HTTP server.
    pub fn start() -> Self {
        Self::launch(None)
    }

    /// An https server with tests/fixtures/localhost.crt (signed by tests/fixtures/ca.crt).
    pub fn start_tls() -> Self {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(dir.join("localhost.crt"))
                .expect("read the test certificate")
                .collect::<Result<_, _>>()
                .expect("parse the test certificate");
        let key =
            PrivateKeyDer::from_pem_file(dir.join("localhost.key")).expect("read the test key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("a valid test certificate");
        Self::launch(Some(Arc::new(config)))
    }

    fn launch(tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
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
        let (status, headers, body) = route(&req);
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
    match path {
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
