//! `k6/http` through the real binary against a loopback server the tests start
//! (tests/common/server.rs): requests, responses, errors, metrics and thresholds.

mod common;

use common::server::{closed_port, Server};
use common::*;
use serde_json::Value;
use std::process::Output;

/// Runs `script` (written into a fresh directory) with `BASE` set to the server's URL;
/// returns the output, the whole summary export and what `console.log` printed.
fn run(server: &Server, script: &str, args: &[&str]) -> (Output, Value, Vec<String>) {
    run_env(server, script, args, &[("SSL_CERT_FILE", None)])
}

fn run_env(
    server: &Server,
    script: &str,
    args: &[&str],
    env: &[(&str, Option<&str>)],
) -> (Output, Value, Vec<String>) {
    let base = format!("BASE={}", server.base());
    let mut all = vec!["-e", base.as_str()];
    all.extend_from_slice(args);
    run_script_env(script, &all, env)
}

fn metric<'a>(export: &'a Value, name: &str) -> &'a Value {
    let m = &export["metrics"][name];
    assert!(!m.is_null(), "no metric {name} in {:#}", export["metrics"]);
    m
}

/// The echo route's view of the request headers, by lowercase name.
fn echoed_header(body: &Value, name: &str) -> Option<String> {
    body["headers"].as_array()?.iter().find_map(|pair| {
        (pair[0].as_str()?.eq_ignore_ascii_case(name)).then(|| pair[1].as_str().unwrap().to_owned())
    })
}

#[test]
fn methods_bodies_and_response_fields() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
const B = __ENV.BASE;
const show = (r) => console.log(JSON.stringify({
  status: r.status, status_text: r.status_text, proto: r.proto, url: r.url,
  error: r.error, error_code: r.error_code, remote_ip: r.remote_ip, remote_port: r.remote_port,
  headers: r.headers, body: r.body, request: r.request,
  timings: Object.keys(r.timings).sort(),
}));
export default function () {
  show(http.get(`${B}/echo?x=1`, { headers: { "x-my-header": "a" } }));
  show(http.post(`${B}/form`, { b: "é&", a: "1 2", c: "it's (a)*!~" }));
  show(http.put(`${B}/put`, "raw text", { headers: { "Content-Type": "text/plain" } }));
  show(http.patch(`${B}/patch`, new Uint8Array([104, 105]).buffer));
  show(http.del(`${B}/del`));
  show(http.options(`${B}/opts`));
  show(http.head(`${B}/head`));
  show(http.request("post", `${B}/req`, "x"));
  const bin = http.get(`${B}/bytes`, { responseType: "binary" });
  console.log(JSON.stringify({ kind: bin.body.constructor.name, len: bin.body.byteLength, last: new Uint8Array(bin.body)[255] }));
  const none = http.get(`${B}/echo`, { responseType: "none" });
  console.log(JSON.stringify({ none: none.body, status: none.status }));
  const u = `http://user%40x:p%3Ass@127.0.0.1:${B.split(":")[2]}/auth`;
  console.log(JSON.stringify(http.get(u).json().headers));
}
"#;
    let (out, export, lines) = run(&server, script, &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 11, "{lines:?}");

    let get = &v[0];
    assert_eq!(get["status"], 200);
    assert_eq!(get["status_text"], "200 OK");
    assert_eq!(get["proto"], "HTTP/1.1");
    assert_eq!(get["url"], format!("{}/echo?x=1", server.base()));
    assert_eq!(get["error"], "");
    assert_eq!(get["error_code"], 0);
    assert_eq!(get["remote_ip"], "127.0.0.1");
    assert_eq!(get["remote_port"], server.port);
    // Header names canonicalized as k6 (Go) does.
    assert_eq!(get["headers"]["X-Custom-Thing"], "v");
    assert_eq!(get["headers"]["Content-Type"], "application/json");
    let echoed: Value = serde_json::from_str(get["body"].as_str().unwrap()).unwrap();
    assert_eq!(echoed["method"], "GET");
    assert_eq!(echoed["path"], "/echo?x=1");
    assert_eq!(echoed_header(&echoed, "x-my-header").as_deref(), Some("a"));
    assert_eq!(
        echoed_header(&echoed, "user-agent").as_deref(),
        Some(concat!("rk6/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(
        echoed_header(&echoed, "host"),
        Some(format!("127.0.0.1:{}", server.port))
    );
    assert_eq!(get["request"]["method"], "GET");
    assert_eq!(get["request"]["headers"]["X-My-Header"][0], "a");
    assert_eq!(get["request"]["body"], "");
    assert_eq!(
        get["timings"],
        serde_json::json!([
            "blocked",
            "connecting",
            "duration",
            "receiving",
            "sending",
            "tls_handshaking",
            "waiting"
        ])
    );

    let body =
        |i: usize| -> Value { serde_json::from_str(v[i]["body"].as_str().unwrap()).unwrap() };
    // Objects are sent form-encoded, keys sorted, as k6 does.
    let form = body(1);
    assert_eq!(form["method"], "POST");
    assert_eq!(form["body"], "a=1+2&b=%C3%A9%26&c=it%27s+%28a%29%2A%21~");
    assert_eq!(
        echoed_header(&form, "content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        v[1]["request"]["body"],
        "a=1+2&b=%C3%A9%26&c=it%27s+%28a%29%2A%21~"
    );
    let put = body(2);
    assert_eq!(
        (put["method"].as_str(), put["body"].as_str()),
        (Some("PUT"), Some("raw text"))
    );
    assert_eq!(
        echoed_header(&put, "content-type").as_deref(),
        Some("text/plain")
    );
    let patch = body(3);
    assert_eq!(
        (patch["method"].as_str(), patch["body"].as_str()),
        (Some("PATCH"), Some("hi"))
    );
    assert_eq!(body(4)["method"], "DELETE");
    assert_eq!(body(5)["method"], "OPTIONS");
    assert_eq!(
        (v[6]["status"].as_u64(), v[6]["body"].as_str()),
        (Some(200), Some(""))
    );
    let req = body(7);
    assert_eq!(
        (req["method"].as_str(), req["body"].as_str()),
        (Some("POST"), Some("x"))
    );

    assert_eq!(
        v[8],
        serde_json::json!({"kind": "ArrayBuffer", "len": 256, "last": 255})
    );
    assert_eq!(v[9], serde_json::json!({"none": null, "status": 200}));
    // Credentials in the URL become basic auth ("user@x:p:ss").
    let auth = v[10]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p[0] == "Authorization")
        .expect("an Authorization header");
    assert_eq!(auth[1], "Basic dXNlckB4OnA6c3M=");

    assert_eq!(metric(&export, "http_reqs")["count"], 11);
    assert_eq!(metric(&export, "http_req_failed")["passes"], 0);
    assert_eq!(metric(&export, "http_req_failed")["fails"], 11);
    // One VU, one connection for every request (keep-alive).
    assert_eq!(server.connections(), 1);
    assert_eq!(server.requests(), 11);
}

#[test]
fn failures_set_error_and_error_code_without_throwing() {
    let server = Server::start();
    let script = format!(
        r#"
import http from "k6/http";
const B = __ENV.BASE;
const show = (r) => console.log(JSON.stringify({{
  status: r.status, error: r.error, error_code: r.error_code, body: r.body,
  duration: r.timings.duration,
}}));
export default function () {{
  show(http.get("http://127.0.0.1:{closed}/"));
  show(http.get(`${{B}}/slow`, {{ timeout: "300ms" }}));
  show(http.get("not a url"));
  show(http.get("ftp://127.0.0.1/"));
  show(http.get(`${{B}}/status/404`));
  show(http.get(`${{B}}/status/503`));
  show(http.get(`${{B}}/echo`, {{ timeout: "abc" }}));
  show(http.get(`${{B}}/echo`, {{ responseType: "xml" }}));
  show(http.get(`${{B}}/echo`, {{ redirects: -1 }}));
  show(http.get(`${{B}}/echo`, "not an object"));
  try {{
    http.get("http://127.0.0.1:{closed}/", {{ throw: true }});
    console.log("no throw");
  }} catch (e) {{
    console.log(JSON.stringify({{ threw: String(e.message) }}));
  }}
}}
"#,
        closed = closed_port()
    );
    let (out, export, lines) = run(&server, &script, &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 11, "{lines:?}");
    let refused = &v[0];
    assert_eq!(refused["status"], 0);
    assert_eq!(refused["error_code"], 1212);
    assert_eq!(refused["error"], "dial: connection refused");
    assert_eq!(refused["body"], Value::Null);

    let timeout = &v[1];
    assert_eq!(
        (timeout["status"].as_u64(), timeout["error_code"].as_u64()),
        (Some(0), Some(1050))
    );
    assert_eq!(timeout["error"], "request timeout");
    let took = timeout["duration"].as_f64().unwrap();
    assert!((250.0..1400.0).contains(&took), "timed out after {took} ms");

    assert_eq!(v[2]["error_code"], 1020);
    assert!(
        v[2]["error"]
            .as_str()
            .unwrap()
            .contains("invalid URL \"not a url\""),
        "{}",
        v[2]
    );
    assert_eq!(v[3]["error_code"], 1000);
    assert_eq!(v[3]["error"], "unsupported protocol scheme \"ftp\"");
    // HTTP errors are responses: k6 codes them 1000 + status and leaves `error` empty.
    assert_eq!(
        (v[4]["status"].as_u64(), v[4]["error_code"].as_u64()),
        (Some(404), Some(1404))
    );
    assert_eq!(
        (v[4]["error"].as_str(), v[4]["body"].as_str()),
        (Some(""), Some("st"))
    );
    assert_eq!(
        (v[5]["status"].as_u64(), v[5]["error_code"].as_u64()),
        (Some(503), Some(1503))
    );
    // Bad params: nothing is sent, the error names the argument.
    for (i, needle) in [
        (6, "params.timeout"),
        (7, "params.responseType"),
        (8, "params.redirects"),
        (9, "params must be an object"),
    ] {
        assert_eq!(v[i]["status"], 0, "{}", v[i]);
        assert_eq!(v[i]["error_code"], 0, "{}", v[i]);
        assert!(v[i]["error"].as_str().unwrap().contains(needle), "{}", v[i]);
    }
    assert!(
        v[10]["threw"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{}",
        v[10]
    );
    // Every request that was attempted counts (k6 counts invalid URLs too); bad params don't.
    assert_eq!(metric(&export, "http_reqs")["count"], 7);
    assert_eq!(metric(&export, "http_req_failed")["passes"], 7);
    assert_eq!(metric(&export, "http_req_failed")["fails"], 0);
    let warnings = stderr(&out);
    assert!(
        warnings.contains("level=warning msg=\"Request Failed"),
        "{warnings}"
    );
}

#[test]
fn metrics_tags_and_thresholds() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
import { group } from "k6";
const B = __ENV.BASE;
export const options = {
  vus: 2, iterations: 10,
  thresholds: {
    http_req_duration: ["p(95)<5000"],
    "http_req_duration{status:200}": ["max<5000"],
    "http_reqs{status:200}": ["count==20"],
    "http_reqs{status:404}": ["count==10"],
    "http_reqs{name:item}": ["count==10"],
    "http_reqs{method:POST}": ["count==10"],
    "http_reqs{group:::g}": ["count==10"],
    "http_reqs{kind:page}": ["count==10"],
    "http_reqs{expected_response:true}": ["count==20"],
    "http_reqs{scenario:default}": ["count==30"],
    http_req_failed: ["rate<0.34", "rate>0.33"],
    "http_req_failed{status:404}": ["rate==1"],
    data_sent: ["count>0"],
    data_received: ["count>0"],
    http_req_waiting: ["avg>=0"],
  },
};
export default function () {
  http.get(`${B}/echo`, { tags: { kind: "page" } });
  group("g", () => http.post(http.url`${B}/items/${__ITER}`, "x", { tags: { name: "item" } }));
  http.get(`${B}/status/404`);
}
"#;
    let (out, export, _) = run(&server, script, &[]);
    assert_code(&out, 0);
    let rk6 = &export["rk6"];
    let failed: Vec<&Value> = rk6["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["passed"] != true)
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(rk6["thresholds"].as_array().unwrap().len(), 16);
    assert_eq!(metric(&export, "http_reqs")["count"], 30);
    assert_eq!(metric(&export, "http_req_failed")["passes"], 10);
    assert_eq!(metric(&export, "http_req_failed")["fails"], 20);
    for name in [
        "http_req_duration",
        "http_req_blocked",
        "http_req_connecting",
        "http_req_tls_handshaking",
        "http_req_sending",
        "http_req_waiting",
        "http_req_receiving",
    ] {
        let m = metric(&export, name);
        assert!(
            m["avg"].as_f64().is_some() && m["p(95)"].as_f64().is_some(),
            "{name}: {m}"
        );
    }
    // Two VUs, two connections: one pool per VU, kept alive across iterations.
    assert_eq!(server.connections(), 2);
    assert_eq!(server.requests(), 30);
    // Bytes on the wire: at least the request lines and the echoed bodies.
    assert!(metric(&export, "data_sent")["count"].as_f64().unwrap() > 30.0 * 40.0);
    assert!(metric(&export, "data_received")["count"].as_f64().unwrap() > 30.0 * 60.0);
    let summary_text = stdout(&out);
    assert!(summary_text.contains("http_req_duration"), "{summary_text}");
}

#[test]
fn failing_http_thresholds_exit_99() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
export const options = {
  thresholds: { http_req_failed: ["rate<0.01"], "http_req_duration{status:200}": ["p(95)<0"] },
};
export default function () {
  http.get(`${__ENV.BASE}/status/500`);
  http.get(`${__ENV.BASE}/echo`);
}
"#;
    let (out, export, _) = run(&server, script, &[]);
    assert_code(&out, 99);
    let verdicts: Vec<(String, bool)> = export["rk6"]["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["metric"].as_str().unwrap().to_owned(),
                t["passed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("http_req_failed".to_owned(), false),
            ("http_req_duration{status:200}".to_owned(), false)
        ]
    );
    assert_eq!(
        export["metrics"]["http_req_failed"]["thresholds"]["rate<0.01"],
        true
    );
}

#[test]
fn vus_waiting_for_responses_do_not_keep_others_waiting() {
    // 64 VUs, more than a small machine admits to run at a time (5 per core); a VU that
    // waits for a response must let another run, so all 64 requests are out together:
    // each VU starts one at 0, 0.3, 0.6 and 0.9 s (/sleep answers after 300 ms).
    let server = Server::start();
    let script = r#"
import http from "k6/http";
export const options = { vus: 64, duration: "1.1s" };
export default function () {
  http.get(`${__ENV.BASE}/sleep`);
}
"#;
    let (out, export, _) = run(&server, script, &[]);
    assert_code(&out, 0);
    let requests = metric(&export, "http_reqs")["count"].as_u64().unwrap();
    // Had waiting VUs kept their places, 10 at a time would have made ~40.
    assert!(
        (240..=256).contains(&requests),
        "{requests} requests; {}",
        describe(&out)
    );
}

#[test]
fn redirects_compression_async_and_batch() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
const B = __ENV.BASE;
export default async function () {
  let r = http.get(`${B}/redirect/2`);
  console.log(JSON.stringify({ status: r.status, url: r.url, first: r.request.url }));
  r = http.get(`${B}/redirect/3`, { redirects: 1 });
  console.log(JSON.stringify({ status: r.status, url: r.url }));
  r = http.get(`${B}/gzip`);
  console.log(JSON.stringify({ body: r.body, json: r.json(), sel: r.json("a.b.1"), len: r.json("a.b.#"), missing: r.json("a.x") ?? "undefined", enc: r.headers["Content-Encoding"] }));
  console.log(JSON.stringify({ body: http.get(`${B}/deflate`).body }));
  console.log(JSON.stringify({ body: http.get(`${B}/br`).body }));
  const [a, b] = await Promise.all([
    http.asyncRequest("GET", `${B}/echo?a`),
    http.asyncRequest("POST", `${B}/echo?b`, { k: "v" }),
  ]);
  console.log(JSON.stringify({ a: a.json().path, b: b.json().body, status: b.status }));
  const list = http.batch([`${B}/echo?1`, ["POST", `${B}/echo?2`, "two"], { method: "PUT", url: `${B}/echo?3` }]);
  console.log(JSON.stringify(list.map((x) => [x.status, x.json().method, x.json().path])));
  const named = http.batch({ one: `${B}/status/201`, two: { url: `${B}/echo`, params: { timeout: "bad" } } });
  console.log(JSON.stringify({ one: named.one.status, two: named.two.error_code, err: named.two.error.includes("params.timeout") }));
}
"#;
    let (out, export, lines) = run(&server, script, &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 8, "{lines:?}");
    let base = server.base();
    assert_eq!(
        v[0],
        serde_json::json!({"status": 200, "url": format!("{base}/echo"), "first": format!("{base}/redirect/2")})
    );
    // Past its redirect budget, the redirect itself is the response.
    assert_eq!(
        v[1],
        serde_json::json!({"status": 302, "url": format!("{base}/redirect/2")})
    );
    assert_eq!(
        v[2],
        serde_json::json!({"body": r#"{"a":{"b":[1,2,3]}}"#, "json": {"a": {"b": [1, 2, 3]}}, "sel": 2, "len": 3, "missing": "undefined", "enc": "gzip"})
    );
    assert_eq!(v[3]["body"], "deflated text");
    assert_eq!(v[4]["body"], "hello brotli");
    assert_eq!(
        v[5],
        serde_json::json!({"a": "/echo?a", "b": "k=v", "status": 200})
    );
    assert_eq!(
        v[6],
        serde_json::json!([
            [200, "GET", "/echo?1"],
            [200, "POST", "/echo?2"],
            [200, "PUT", "/echo?3"]
        ])
    );
    assert_eq!(v[7], serde_json::json!({"one": 201, "two": 0, "err": true}));
    // 4 hops (/redirect/2, /1, /0, /echo) + 2 hops + gzip + deflate + br + 2 async
    // + 3 batch + 1 batch (the other had bad params) = 15 round trips.
    assert_eq!(metric(&export, "http_reqs")["count"], 15);
    assert_eq!(server.requests(), 15);
}

#[test]
fn requests_in_the_init_context_fail_at_init() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
http.get(`${__ENV.BASE}/echo`);
export default function () {}
"#;
    let (out, _, _) = run(&server, script, &[]);
    assert_code(&out, 107);
    assert!(stderr(&out).contains("init context"), "{}", describe(&out));
    assert_eq!(server.requests(), 0);
}

#[test]
fn cookies_persist_per_vu_and_follow_redirects() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
const B = __ENV.BASE;
const sent = (r) => (r.json().headers.find(([k]) => k.toLowerCase() === "cookie") ?? [null, null])[1];
export default function () {
  const jar = http.cookieJar();
  let r = http.get(`${B}/set-cookie`);
  console.log(JSON.stringify(r.cookies));
  console.log(JSON.stringify({ sent: sent(http.get(`${B}/echo`)), jar: jar.cookiesForURL(B) }));
  console.log(JSON.stringify({ sent: sent(http.get(`${B}/login`)) }));
  jar.set(B, "extra", "1");
  jar.delete(B, "theme");
  r = http.get(`${B}/echo`, { cookies: { sid: { value: "override", replace: true }, more: 2 } });
  console.log(JSON.stringify({ sent: sent(r), shown: r.request.cookies.more }));
  jar.clear(B);
  console.log(JSON.stringify({ sent: sent(http.get(`${B}/echo`)) }));
  // Unknown options are ignored, as in k6, with a warning.
  console.log(JSON.stringify({ unknown: jar.set(B, "x", "1", { colour: "red" }) }));
}
"#;
    let (out, _, lines) = run(&server, script, &["-u", "1", "-i", "1"]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 6, "{lines:?}");
    assert_eq!(
        v[0],
        serde_json::json!({
            "sid": [{"name": "sid", "value": "abc", "domain": "127.0.0.1", "path": "/", "http_only": true, "secure": false, "max_age": 0, "expires": 0}],
            "theme": [{"name": "theme", "value": "dark", "domain": "127.0.0.1", "path": "/", "http_only": false, "secure": false, "max_age": 3600, "expires": v[0]["theme"][0]["expires"]}],
        })
    );
    assert!(v[0]["theme"][0]["expires"].as_f64().unwrap() > 1.7e12);
    assert_eq!(
        v[1],
        serde_json::json!({"sent": "sid=abc; theme=dark", "jar": {"sid": ["abc"], "theme": ["dark"]}})
    );
    // The cookie set by the redirect reaches the request it redirects to.
    assert_eq!(
        v[2],
        serde_json::json!({"sent": "sid=abc; theme=dark; auth=yes"})
    );
    assert_eq!(
        v[3],
        serde_json::json!({"sent": "auth=yes; extra=1; sid=override; more=2", "shown": [{"name": "more", "value": "2", "replace": false}]})
    );
    assert_eq!(v[4], serde_json::json!({"sent": null}));
    assert_eq!(v[5], serde_json::json!({"unknown": true}));
    assert!(stderr(&out)
        .contains(r#"level=warning msg="CookieJar.set(): unknown option \"colour\" ignored"#));
}

#[test]
fn https_verifies_certificates_and_times_the_handshake() {
    let server = Server::start_tls();
    let ca = repo_root().join("tests/fixtures/ca.crt");
    let ca = ca.to_str().expect("UTF-8 path");
    let script = |insecure: bool| {
        format!(
            r#"
import http from "k6/http";
export const options = {{ insecureSkipTLSVerify: {insecure}, thresholds: {{ "http_reqs{{tls_version:tls1.3}}": ["count>=0"] }} }};
const show = (r) => console.log(JSON.stringify({{
  status: r.status, error: r.error, error_code: r.error_code, tls_version: r.tls_version,
  proto: r.proto, tls: r.timings.tls_handshaking > 0, body: r.status ? r.json().path : null,
}}));
export default function () {{
  show(http.get(`${{__ENV.BASE}}/echo?1`));
  show(http.get(`https://localhost:{port}/echo?2`));
  show(http.get(`${{__ENV.BASE}}/echo?3`));
}}
"#,
            port = server.port
        )
    };
    let ok = |tls: bool, path: &str| {
        serde_json::json!({"status": 200, "error": "", "error_code": 0, "tls_version": "tls1.3",
            "proto": "HTTP/1.1", "tls": tls, "body": path})
    };

    // Trusted through SSL_CERT_FILE, as Go (and so k6) reads it.
    let (out, export, lines) =
        run_env(&server, &script(false), &[], &[("SSL_CERT_FILE", Some(ca))]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    // A new connection per host name (127.0.0.1, localhost), reused by the third request.
    assert_eq!(
        v,
        [
            ok(true, "/echo?1"),
            ok(true, "/echo?2"),
            ok(false, "/echo?3")
        ]
    );
    assert_eq!(
        export["metrics"]["http_reqs{tls_version:tls1.3}"]["count"], 3,
        "{:#}",
        export["metrics"]
    );
    assert!(
        export["metrics"]["http_req_tls_handshaking"]["max"]
            .as_f64()
            .unwrap()
            > 0.0
    );

    // Not trusted: k6's "unknown authority".
    let (out, export, lines) = run(&server, &script(false), &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 3, "{lines:?}");
    for r in &v {
        assert_eq!(
            (
                r["status"].as_u64(),
                r["error_code"].as_u64(),
                r["error"].as_str()
            ),
            (Some(0), Some(1310), Some("x509: unknown authority")),
            "{r}"
        );
    }
    assert_eq!(export["metrics"]["http_req_failed"]["passes"], 3);

    // insecureSkipTLSVerify accepts it.
    let (out, _, lines) = run(&server, &script(true), &[]);
    assert_code(&out, 0);
    assert_eq!(
        json_lines(&lines),
        [
            ok(true, "/echo?1"),
            ok(true, "/echo?2"),
            ok(false, "/echo?3")
        ]
    );
    assert_eq!(server.connections(), 2 + 2 + 3);
}

#[test]
fn empty_bodies_carry_a_length_and_an_empty_user_agent_sends_none() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
const B = __ENV.BASE;
const names = (r) => r.json().headers.map(([k, v]) => `${k.toLowerCase()}=${v}`).sort().join(" ");
export const options = { userAgent: "custom/1" };
export default function () {
  console.log(names(http.post(`${B}/echo`, null)));
  console.log(names(http.put(`${B}/echo`, "")));
  console.log(names(http.get(`${B}/echo`, { headers: { "User-Agent": "" } })));
}
"#;
    let (out, _, lines) = run(&server, script, &[]);
    assert_code(&out, 0);
    let host = format!("host=127.0.0.1:{}", server.port);
    assert_eq!(
        lines,
        [
            format!("content-length=0 {host} user-agent=custom/1"),
            format!("content-length=0 {host} user-agent=custom/1"),
            host.clone(),
        ]
    );
}

#[test]
fn a_stop_interrupts_a_request_in_flight() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
export const options = {
  scenarios: { s: { executor: "constant-vus", vus: 1, duration: "200ms", gracefulStop: "0s" } },
};
export default function () {
  http.get(`${__ENV.BASE}/slow`);
}
"#;
    let started = std::time::Instant::now();
    let (out, export, _) = run(&server, script, &[]);
    let took = started.elapsed();
    assert_code(&out, 0);
    // The server answers /slow after 1.5 s; the stop must not wait for it.
    assert!(
        took < std::time::Duration::from_millis(1400),
        "took {took:?}"
    );
    assert_eq!(
        export["rk6"]["interrupted_iterations"], 1,
        "{:#}",
        export["rk6"]
    );
    assert_eq!(export["rk6"]["iterations"], 0);
}

#[test]
fn multipart_bodies_from_http_file() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
export default function () {
  const r = http.post(`${__ENV.BASE}/upload`, {
    title: "hello",
    doc: http.file("file text", "a.txt", "text/plain"),
    raw: http.file(new Uint8Array([65, 66, 67]).buffer, "b.bin"),
  });
  const echo = r.json();
  console.log(JSON.stringify({ ct: echo.headers.find(([k]) => k === "Content-Type")[1], body: echo.body }));
}
"#;
    let (out, _, lines) = run(&server, script, &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    let ct = v[0]["ct"].as_str().unwrap();
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{ct}"));
    assert_eq!(boundary.len(), 32);
    let expected = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nfile text\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"raw\"; filename=\"b.bin\"\r\nContent-Type: application/octet-stream\r\n\r\nABC\r\n\
         --{b}--\r\n",
        b = boundary
    );
    assert_eq!(v[0]["body"], expected);
}

#[test]
fn data_sent_and_received_count_each_request_once() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
export default function () {
  for (let i = 0; i < 5; i++) {
    const r = http.get(`${__ENV.BASE}/echo`);
    if (i === 0) console.log(JSON.stringify({ len: r.body.length, headers: r.json().headers }));
  }
}
"#;
    let (out, export, lines) = run(&server, script, &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    // What crossed the socket for one request and one response (the same each time).
    let request_head: usize = "GET /echo HTTP/1.1\r\n".len()
        + v[0]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| format!("{}: {}\r\n", h[0].as_str().unwrap(), h[1].as_str().unwrap()).len())
            .sum::<usize>()
        + 2;
    let len = v[0]["len"].as_u64().unwrap() as usize;
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nContent-Type: application/json\r\nX-custom-THING: v\r\n\r\n"
    )
    .len()
        + len;
    assert_eq!(metric(&export, "data_sent")["count"], 5 * request_head);
    assert_eq!(metric(&export, "data_received")["count"], 5 * response);
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_connection_the_server_closes_is_replaced() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
export default function () {
  const a = http.get(`${__ENV.BASE}/close`);
  const b = http.get(`${__ENV.BASE}/echo`);
  const c = http.get(`${__ENV.BASE}/echo`);
  console.log(`${a.status} ${a.body} ${b.status} ${c.status} ${b.error}${c.error}`);
}
"#;
    let (out, _, lines) = run(&server, script, &["-i", "2"]);
    assert_code(&out, 0);
    assert_eq!(lines, ["200 bye 200 200 ", "200 bye 200 200 "]);
    // Each /close ends its connection; the requests after it share a new one.
    assert_eq!(server.connections(), 3);
    assert_eq!(server.requests(), 6);
}

#[test]
fn http2_is_negotiated_over_tls_with_alpn() {
    let server = Server::start_h2();
    let ca = repo_root().join("tests/fixtures/ca.crt");
    let ca = ca.to_str().expect("UTF-8 path");
    let script = r#"
import http from "k6/http";
export const options = { thresholds: { "http_reqs{proto:HTTP/2.0}": ["count>=0"], "http_reqs{tls_version:tls1.3}": ["count>=0"] } };
const show = (r) => {
  const echo = r.json();
  console.log(JSON.stringify({ status: r.status, proto: r.proto, tls: r.tls_version, error: r.error,
    version: echo.version, method: echo.method, authority: echo.authority, path: echo.path, body: echo.body,
    host: echo.headers.filter(([k]) => k === "host").length, ua: echo.headers.find(([k]) => k === "user-agent")[1],
    timed: r.timings.waiting > 0 && r.timings.duration >= r.timings.waiting }));
};
export default function () {
  const B = __ENV.BASE;
  show(http.get(`${B}/a?x=1`));
  show(http.post(`${B}/b`, "payload"));
  const list = http.batch([`${B}/c1`, `${B}/c2`, `${B}/c3`]);
  console.log(JSON.stringify(list.map((r) => [r.status, r.proto, r.json().path])));
}
"#;
    let (out, export, lines) = run_env(&server, script, &[], &[("SSL_CERT_FILE", Some(ca))]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 3, "{lines:?}");
    let authority = format!("127.0.0.1:{}", server.port);
    let ua = concat!("rk6/", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        v[0],
        serde_json::json!({"status": 200, "proto": "HTTP/2.0", "tls": "tls1.3", "error": "",
            "version": "HTTP/2.0", "method": "GET", "authority": authority, "path": "/a?x=1",
            "body": "", "host": 0, "ua": ua, "timed": true})
    );
    assert_eq!(v[1]["method"], "POST");
    assert_eq!(v[1]["body"], "payload");
    assert_eq!(v[1]["proto"], "HTTP/2.0");
    assert_eq!(
        v[2],
        serde_json::json!([
            [200, "HTTP/2.0", "/c1"],
            [200, "HTTP/2.0", "/c2"],
            [200, "HTTP/2.0", "/c3"]
        ])
    );
    let m = &export["metrics"];
    assert_eq!(m["http_reqs{proto:HTTP/2.0}"]["count"], 5, "{m:#}");
    assert_eq!(m["http_reqs{tls_version:tls1.3}"]["count"], 5, "{m:#}");
    assert_eq!(server.requests(), 5);
    assert!(metric(&export, "data_received")["count"].as_u64().unwrap() > 0);
}

#[test]
fn digest_auth_answers_the_challenge_and_records_both_round_trips() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
export const options = { thresholds: {
  "http_reqs{status:401}": ["count>=0"], "http_reqs{status:401,expected_response:true}": ["count>=0"],
  "http_reqs{name:dg}": ["count>=0"], "http_reqs{status:200,expected_response:false}": ["count>=0"],
} };
const hostport = __ENV.BASE.split("//")[1];
export default function () {
  let r = http.get(`http://ann:s3cret@${hostport}/digest/ann/s3cret?q=1`, { auth: "digest", tags: { name: "dg" } });
  console.log(JSON.stringify({ status: r.status, url: r.url, user: r.json().user, auth: r.json().authorization }));
  r = http.post(`http://b%40b:p%3Aw@${hostport}/digest/b@b/p:w/sess`, "data", { auth: "digest" });
  console.log(JSON.stringify({ status: r.status, user: r.json().user, body: r.json().body, alg: r.json().authorization.includes('algorithm="MD5-sess"') }));
  // Wrong password: the answer is refused and is the response.
  r = http.get(`http://ann:wrong@${hostport}/digest/ann/s3cret`, { auth: "digest" });
  console.log(JSON.stringify({ status: r.status }));
  // No challenge: one round trip, which k6 does not count as expected.
  r = http.get(`http://ann:s3cret@${hostport}/status/200`, { auth: "digest" });
  console.log(JSON.stringify({ status: r.status }));
  r = http.get(`http://ann:s3cret@${hostport}/echo`, { auth: "ntlm" });
  console.log(JSON.stringify({ status: r.status, error: r.error }));
}
"#;
    let (out, export, lines) = run(&server, script, &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 5, "{lines:?}");
    assert_eq!(v[0]["status"], 200, "{}", v[0]);
    assert_eq!(v[0]["user"], "ann");
    assert_eq!(
        v[0]["url"],
        format!("http://127.0.0.1:{}/digest/ann/s3cret?q=1", server.port)
    );
    let auth = v[0]["auth"].as_str().unwrap();
    assert!(
        auth.starts_with("Digest username=\"ann\", realm=\"rk6 tests\""),
        "{auth}"
    );
    assert!(auth.contains("uri=\"/digest/ann/s3cret?q=1\""), "{auth}");
    assert!(auth.contains("qop=auth, nc=00000001, cnonce=\""), "{auth}");
    assert_eq!(
        v[1],
        serde_json::json!({"status": 200, "user": "b@b", "body": "data", "alg": true})
    );
    assert_eq!(v[2], serde_json::json!({"status": 403}));
    assert_eq!(v[3], serde_json::json!({"status": 200}));
    assert_eq!(v[4]["status"], 0);
    assert!(
        v[4]["error"]
            .as_str()
            .unwrap()
            .contains("\"ntlm\" is not supported"),
        "{}",
        v[4]
    );
    let m = &export["metrics"];
    // Three challenges answered (2 round trips each) and one request without a challenge.
    assert_eq!(metric(&export, "http_reqs")["count"], 7);
    assert_eq!(server.requests(), 7);
    assert_eq!(m["http_reqs{status:401}"]["count"], 3, "{m:#}");
    assert_eq!(
        m["http_reqs{status:401,expected_response:true}"]["count"], 3,
        "{m:#}"
    );
    assert_eq!(m["http_reqs{name:dg}"]["count"], 2, "{m:#}");
    assert_eq!(
        m["http_reqs{status:200,expected_response:false}"]["count"], 1,
        "{m:#}"
    );
    // The 403 and the unchallenged 200 are failures.
    assert_eq!(m["http_req_failed"]["passes"], 2, "{m:#}");
}

#[test]
fn compression_encodes_request_bodies() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
const B = __ENV.BASE;
const text = "hello ".repeat(50);
export default function () {
  for (const c of ["gzip", "deflate", "br", "zstd", "gzip, br", "zstd,deflate"]) {
    const r = http.post(`${B}/inflate`, text, { compression: c });
    const echo = r.json();
    console.log(JSON.stringify({ c, status: r.status, encoding: echo.encoding, body: echo.body,
      smaller: echo.wire_len < text.length, shown: r.request.headers["Content-Encoding"], sent: r.request.body }));
  }
  const none = http.get(`${B}/inflate`, { compression: "gzip" });
  console.log(JSON.stringify({ encoding: none.json().encoding, shown: none.request.headers["Content-Encoding"] ?? null }));
  const bad = http.post(`${B}/inflate`, text, { compression: "gzip, lzma" });
  console.log(JSON.stringify({ status: bad.status, error: bad.error }));
  console.log(JSON.stringify({ zstd: http.get(`${B}/zstd`).body }));
}
"#;
    let (out, export, lines) = run(&server, script, &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 9, "{lines:?}");
    let text = "hello ".repeat(50);
    for (line, (c, header)) in v.iter().zip([
        ("gzip", "gzip"),
        ("deflate", "deflate"),
        ("br", "br"),
        ("zstd", "zstd"),
        ("gzip, br", "gzip, br"),
        ("zstd,deflate", "zstd, deflate"),
    ]) {
        assert_eq!(
            *line,
            serde_json::json!({"c": c, "status": 200, "encoding": header, "body": &text,
                "smaller": true, "shown": [header], "sent": &text}),
        );
    }
    assert_eq!(v[6], serde_json::json!({"encoding": "", "shown": null}));
    assert_eq!(v[7]["status"], 0);
    assert!(
        v[7]["error"].as_str().unwrap().ends_with(
            "unknown compression algorithm lzma, supported algorithms are [gzip deflate zstd br]"
        ),
        "{}",
        v[7]
    );
    assert_eq!(v[8]["zstd"], "hello zstd");
    // Six compressed posts, the GET and /zstd; the bad one sent nothing.
    assert_eq!(metric(&export, "http_reqs")["count"], 8);
}

#[test]
fn connection_reuse_options() {
    let script = |options: &str| {
        format!(
            r#"
import http from "k6/http";
export const options = {options};
export default function () {{
  http.get(`${{__ENV.BASE}}/echo`);
  http.get(`${{__ENV.BASE}}/echo`);
  http.get(`${{__ENV.BASE}}/echo`);
}}
"#
        )
    };
    // Default: one connection per VU for the whole test.
    for (options, connections) in [
        ("{ iterations: 2 }", 1),
        ("{ iterations: 2, noConnectionReuse: true }", 6),
        ("{ iterations: 2, noVUConnectionReuse: true }", 2),
    ] {
        let server = Server::start();
        let (out, _, _) = run(&server, &script(options), &[]);
        assert_code(&out, 0);
        assert_eq!(server.requests(), 6, "{options}");
        assert_eq!(server.connections(), connections, "{options}");
    }
}

#[test]
fn hosts_overrides_name_resolution() {
    let server = Server::start();
    let script = format!(
        r#"
import http from "k6/http";
export const options = {{ hosts: {{
  "app.rk6.invalid": "127.0.0.1",
  "*.wild.rk6.invalid": "127.0.0.1:{port}",
  "api.rk6.invalid:80": "127.0.0.1:{port}",
  "alias.rk6.invalid": "localhost",
}} }};
const show = (r) => console.log(JSON.stringify({{ status: r.status, ip: r.remote_ip, port: r.remote_port,
  host: r.status ? r.json().headers.find(([k]) => k.toLowerCase() === "host")[1] : r.error_code }}));
export default function () {{
  show(http.get("http://app.rk6.invalid:{port}/echo"));
  show(http.get("http://x.wild.rk6.invalid/echo"));
  show(http.get("http://api.rk6.invalid/echo"));
  show(http.get("http://alias.rk6.invalid:{port}/echo"));
}}
"#,
        port = server.port
    );
    let (out, _, lines) = run(&server, &script, &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    let p = server.port;
    let ok = |host: String| serde_json::json!({"status": 200, "ip": "127.0.0.1", "port": p, "host": host});
    assert_eq!(
        v,
        [
            ok(format!("app.rk6.invalid:{p}")),
            ok("x.wild.rk6.invalid".into()),
            ok("api.rk6.invalid".into()),
            ok(format!("alias.rk6.invalid:{p}")),
        ]
    );
}

#[test]
fn tls_version_option_bounds_the_handshake() {
    let server = Server::start_tls();
    let only12 = Server::start_tls_versions(&[&rustls::version::TLS12]);
    let script = |tls: &str| {
        format!(
            r#"
import http from "k6/http";
export const options = {{ insecureSkipTLSVerify: true, tlsVersion: {tls} }};
export default function () {{
  for (const port of [{a}, {b}]) {{
    const r = http.get(`https://127.0.0.1:${{port}}/echo`);
    console.log(JSON.stringify({{ status: r.status, tls: r.tls_version, code: r.error_code }}));
  }}
}}
"#,
            a = server.port,
            b = only12.port
        )
    };
    let lines_for = |tls: &str| {
        let (out, _, lines) = run(&server, &script(tls), &[]);
        assert_code(&out, 0);
        json_lines(&lines)
    };
    let ok = |v: &str| serde_json::json!({"status": 200, "tls": v, "code": 0});
    assert_eq!(lines_for("\"tls1.2\""), [ok("tls1.2"), ok("tls1.2")]);
    assert_eq!(
        lines_for("{ min: \"tls1.2\", max: \"tls1.3\" }"),
        [ok("tls1.3"), ok("tls1.2")]
    );
    let strict = lines_for("{ min: \"tls1.3\" }");
    assert_eq!(strict[0], ok("tls1.3"));
    assert_eq!(strict[1]["status"], 0);
    assert_eq!(strict[1]["code"], 1300);
}

#[test]
fn batch_per_host_limits_concurrent_requests_to_one_host() {
    let script = |options: &str| {
        format!(
            r#"
import http from "k6/http";
export const options = {options};
export default function () {{
  const rs = http.batch(Array.from({{ length: 8 }}, (_, i) => `${{__ENV.BASE}}/sleep?${{i}}`));
  console.log(rs.map((r) => r.status).join(","));
}}
"#
        )
    };
    // k6's default is 6 per host; 0 lifts the limit (then `batch`, default 20, applies).
    for (options, most) in [
        ("{}", 6),
        ("{ batchPerHost: 2 }", 2),
        ("{ batchPerHost: 0 }", 8),
    ] {
        let server = Server::start();
        let (out, _, lines) = run(&server, &script(options), &[]);
        assert_code(&out, 0);
        assert_eq!(lines, ["200,200,200,200,200,200,200,200"], "{options}");
        assert_eq!(server.max_in_flight(), most, "{options}");
    }
}

#[test]
fn discard_response_bodies_and_bad_http_options() {
    let server = Server::start();
    let script = r#"
import http from "k6/http";
export const options = { discardResponseBodies: true };
export default function () {
  const r = http.get(`${__ENV.BASE}/echo`);
  const kept = http.get(`${__ENV.BASE}/echo`, { responseType: "text" });
  console.log(JSON.stringify({ body: r.body, status: r.status, kept: kept.json().method }));
}
"#;
    let (out, _, lines) = run(&server, script, &[]);
    assert_code(&out, 0);
    assert_eq!(
        json_lines(&lines),
        [serde_json::json!({"body": null, "status": 200, "kept": "GET"})]
    );

    for (options, says) in [
        (
            r#"{ hosts: { "a.test": 5 } }"#,
            "hosts[\"a.test\"] must be a string",
        ),
        (r#"{ hosts: ["a"] }"#, "hosts must be an object"),
        (r#"{ tlsVersion: "tls9" }"#, "tlsVersion must be"),
        (
            r#"{ tlsVersion: { min: "tls1.3", max: "tls1.2" } }"#,
            "min \"tls1.3\" is above max",
        ),
        (r#"{ userAgent: 5 }"#, "userAgent must be a string"),
        (
            r#"{ batchPerHost: "x" }"#,
            "batchPerHost must be a whole number",
        ),
        (
            r#"{ noConnectionReuse: "yes" }"#,
            "noConnectionReuse must be true or false",
        ),
    ] {
        let script =
            format!("export const options = {options};\nexport default function () {{}}\n");
        let (out, _, _) = run(&server, &script, &[]);
        assert_code(&out, 104);
        // Log lines are logfmt: quotes inside the message come escaped.
        let logged = stderr(&out).replace("\\\"", "\"");
        assert!(logged.contains(says), "{options}: {}", describe(&out));
    }
}
