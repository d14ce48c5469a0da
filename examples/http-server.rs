//! A small HTTP/1.1 server to try `k6/http` scripts on, with no network: the server
//! `examples/http-basic.js` and `examples/http-thresholds.js` talk to.
//!
//! ```sh
//! cargo run --no-default-features --features quickjs --example http-server        # port 8080
//! cargo run --no-default-features --features quickjs --example http-server -- 9000
//! ```
//!
//! Routes (JSON answers):
//! - `GET /products` → `{"products": [{id, name, price}, ...]}`
//! - `GET /products/ID` → one product, or 404
//! - `POST /login` (form or JSON body with `user`) → `{"token": ...}` and a `session`
//!   cookie; `GET /me` → `{"user": ...}` with that cookie, 401 without
//! - `GET /delay/MS` → answers after MS milliseconds (at most 10 s)
//! - `GET /status/CODE` → that status
//!
//! Standard library only, a thread per connection, keep-alive: enough for examples and
//! tests, not a benchmark target.
// The tests include this file as a module to run the examples against it; `main` is
// only used when it is built as an example.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

const PRODUCTS: &[(u32, &str, f64)] = &[
    (1, "espresso cup", 7.5),
    (2, "moka pot", 32.0),
    (3, "grinder", 89.9),
];

fn main() {
    let port: u16 = match std::env::args().nth(1) {
        Some(p) => p.parse().unwrap_or_else(|_| {
            eprintln!("usage: http-server [PORT]");
            std::process::exit(2)
        }),
        None => 8080,
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap_or_else(|e| {
        eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
        std::process::exit(1)
    });
    println!("listening on http://127.0.0.1:{port} (Ctrl-C stops)");
    serve(listener);
}

/// Answers connections on `listener` until the process ends.
pub fn serve(listener: TcpListener) {
    for stream in listener.incoming().flatten() {
        thread::spawn(move || connection(stream));
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
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
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let len = header(&headers, "content-length").map_or(0, |v| v.parse().unwrap_or(0));
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn connection(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream);
    while let Some(req) = read_request(&mut reader) {
        let (status, extra, body) = route(&req);
        let mut head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        for h in extra {
            head.push_str(&h);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        // One write per answer: a head and body written apart would wait on the client's
        // delayed ACK (Nagle), adding ~40 ms to every response.
        if req.method != "HEAD" {
            head.push_str(&body);
        }
        let out = reader.get_mut();
        if out
            .write_all(head.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            return;
        }
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn product(id: u32, name: &str, price: f64) -> String {
    format!(
        r#"{{"id":{id},"name":{},"price":{price}}}"#,
        json_string(name)
    )
}

/// The `user` a login body names: `user=ann&...` or `{"user": "ann"}`.
fn login_user(body: &str) -> Option<String> {
    let form = body.split('&').find_map(|pair| pair.strip_prefix("user="));
    let json = || {
        let after = body.split_once("\"user\"")?.1;
        let value = after.split_once('"')?.1;
        Some(value.split_once('"')?.0)
    };
    form.or_else(json)
        .filter(|u| !u.is_empty())
        .map(|u| u.replace('+', " "))
}

type Reply = (String, Vec<String>, String);

fn route(req: &Request) -> Reply {
    let path = req.path.split('?').next().unwrap_or("");
    let reply = |status: &str, body: String| (status.to_owned(), Vec::new(), body);
    let not_found = || reply("404 Not Found", r#"{"error":"not found"}"#.into());
    match (req.method.as_str(), path) {
        ("GET", "/products") => {
            let items: Vec<String> = PRODUCTS.iter().map(|p| product(p.0, p.1, p.2)).collect();
            reply("200 OK", format!(r#"{{"products":[{}]}}"#, items.join(",")))
        }
        ("GET", p) if p.starts_with("/products/") => {
            let id = p["/products/".len()..].parse::<u32>().ok();
            match PRODUCTS.iter().find(|(i, _, _)| Some(*i) == id) {
                Some(&(id, name, price)) => reply("200 OK", product(id, name, price)),
                None => not_found(),
            }
        }
        ("POST", "/login") => match login_user(&req.body) {
            Some(user) => (
                "200 OK".into(),
                vec![format!("Set-Cookie: session={user}; Path=/; HttpOnly")],
                format!(r#"{{"token":{}}}"#, json_string(&format!("token-{user}"))),
            ),
            None => reply("400 Bad Request", r#"{"error":"user is missing"}"#.into()),
        },
        ("GET", "/me") => {
            let session = header(&req.headers, "cookie").and_then(|c| {
                c.split(';')
                    .find_map(|kv| kv.trim().strip_prefix("session="))
            });
            match session {
                Some(user) => reply("200 OK", format!(r#"{{"user":{}}}"#, json_string(user))),
                None => reply("401 Unauthorized", r#"{"error":"log in first"}"#.into()),
            }
        }
        ("GET", p) if p.starts_with("/delay/") => {
            let ms: u64 = p["/delay/".len()..].parse().unwrap_or(0);
            thread::sleep(Duration::from_millis(ms.min(10_000)));
            reply("200 OK", format!(r#"{{"delayed_ms":{ms}}}"#))
        }
        ("GET", p) if p.starts_with("/status/") => {
            let code: u16 = p["/status/".len()..].parse().unwrap_or(500);
            reply(&format!("{code} Status"), format!(r#"{{"status":{code}}}"#))
        }
        _ => not_found(),
    }
}
