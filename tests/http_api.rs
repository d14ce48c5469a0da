//! More of `k6/http` through the real binary, against loopback servers the tests start:
//! cookie jars of the script's own, gjson selectors in `Response.json()`, the
//! `expected_response` sub-metric in the summary, remote module imports, and the two
//! HTTP examples against the example server. Expected values were taken from k6 v1.1
//! running the same scripts.

mod common;

#[path = "../examples/http-server.rs"]
mod example_server;

use common::server::{closed_port, Server};
use common::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A loopback server answering fixed paths — JS modules, a JSON document — and counting
/// the requests for each path. It stops on its own after [`common::server::LIFETIME`].
struct Files {
    port: u16,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

/// What a path answers: status line, body, and a delay before answering.
type Answer = (&'static str, String, Duration);

impl Files {
    fn start(files: Vec<(&str, Answer)>) -> Self {
        let files: Arc<HashMap<String, Answer>> =
            Arc::new(files.into_iter().map(|(p, a)| (p.to_owned(), a)).collect());
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let counts = hits.clone();
        thread::spawn(move || {
            let started = Instant::now();
            for stream in listener.incoming().flatten() {
                if started.elapsed() > common::server::LIFETIME {
                    return;
                }
                let (files, counts) = (files.clone(), counts.clone());
                thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                    let mut reader = BufReader::new(stream);
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
                        loop {
                            let mut h = String::new();
                            if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                                break;
                            }
                        }
                        *counts.lock().unwrap().entry(path.clone()).or_insert(0) += 1;
                        let (status, body, delay) = files.get(&path).cloned().unwrap_or((
                            "404 Not Found",
                            "no such file".into(),
                            Duration::ZERO,
                        ));
                        thread::sleep(delay);
                        let reply = format!(
                            "HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if reader.get_mut().write_all(reply.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { port, hits }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn hits(&self) -> HashMap<String, usize> {
        self.hits.lock().unwrap().clone()
    }
}

fn ok(body: &str) -> Answer {
    ("200 OK", body.to_owned(), Duration::ZERO)
}

#[test]
fn scripts_make_cookie_jars_of_their_own_and_requests_use_them_through_params_jar() {
    let server = Server::start();
    let base = format!("BASE={}", server.base());
    let script = r#"
import http from "k6/http";
const B = __ENV.BASE;
const L = (x) => console.log(JSON.stringify(x));
const sent = (r) => (r.json().headers.find(([k]) => k.toLowerCase() === "cookie") ?? [null, null])[1];
const initJar = new http.CookieJar();
initJar.set(B, "init", "1");
let initError;
try { http.cookieJar(); } catch (e) { initError = e.message; }
export default async function () {
  const vu = http.cookieJar();
  const j = new http.CookieJar();
  L({ initError, same: vu === http.cookieJar(), fresh: j.cookiesForURL(B), isJar: j instanceof http.CookieJar });
  // The response's cookies land in the jar the request used, not in the VU's.
  const r = http.get(`${B}/set-cookie`, { jar: j });
  L({ vu: vu.cookiesForURL(B), j: j.cookiesForURL(B), set: Object.keys(r.cookies) });
  L({ withJ: sent(http.get(`${B}/echo`, { jar: j })), withVU: sent(http.get(`${B}/echo`)) });
  vu.set(B, "v", "1");
  // Anything but a CookieJar means the VU's jar, as in k6.
  L({ withJ: sent(http.get(`${B}/echo`, { jar: j })), plain: sent(http.get(`${B}/echo`, { jar: {} })), nul: sent(http.get(`${B}/echo`, { jar: null })) });
  L({ init: sent(http.get(`${B}/echo`, { jar: initJar })) });
  // Redirect hops fill and read the request's jar too.
  const k = new http.CookieJar();
  L({ login: sent(http.get(`${B}/login`, { jar: k })), k: k.cookiesForURL(B), vu: Object.keys(vu.cookiesForURL(B)) });
  // batch and asyncRequest take a jar as well.
  const b = new http.CookieJar();
  http.batch([["GET", `${B}/set-cookie`, null, { jar: b }]]);
  const a = new http.CookieJar();
  await http.asyncRequest("GET", `${B}/set-cookie`, null, { jar: a });
  L({ batch: b.cookiesForURL(B), async: a.cookiesForURL(B) });
}
"#;
    let (out, _, lines) = run_script_env(script, &["-e", &base], &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 7, "{lines:?}");
    assert_eq!(
        v[0],
        json!({"initError": "http.cookieJar(): making cookie jars in the init context is not supported; call it in default() or setup()",
               "same": true, "fresh": {}, "isJar": true})
    );
    assert_eq!(
        v[1],
        json!({"vu": {}, "j": {"sid": ["abc"], "theme": ["dark"]}, "set": ["sid", "theme"]})
    );
    assert_eq!(
        v[2],
        json!({"withJ": "sid=abc; theme=dark", "withVU": null})
    );
    assert_eq!(
        v[3],
        json!({"withJ": "sid=abc; theme=dark", "plain": "v=1", "nul": "v=1"})
    );
    assert_eq!(v[4], json!({"init": "init=1"}));
    assert_eq!(
        v[5],
        json!({"login": "auth=yes", "k": {"auth": ["yes"]}, "vu": ["v"]})
    );
    let both = json!({"sid": ["abc"], "theme": ["dark"]});
    assert_eq!(v[6], json!({"batch": both, "async": both}));
}

#[test]
fn jar_methods_work_on_any_jar_with_k6s_semantics() {
    let script = r#"
import http from "k6/http";
const B = "http://h.test";
const L = (x) => console.log(JSON.stringify(x));
export default function () {
  for (const j of [http.cookieJar(), new http.CookieJar()]) {
    const out = { setRet: j.set(B, "root", "1", { path: "/" }) };
    j.set(B + "/a/b", "deep", "2");              // default path: /a
    j.set(B, "x", "3", { PATH: "/a" });          // option names in any case
    out.at_ab = j.cookiesForURL(B + "/a/b");
    // delete() and clear() reach the cookies stored for the URL's own default path only.
    j.delete(B + "/a/b", "root");
    j.delete(B + "/a/b", "x");
    out.afterDelete = j.cookiesForURL(B + "/a/b");
    j.clear(B + "/a/b");
    out.afterClearAB = j.cookiesForURL(B + "/a/b");
    j.clear(B);
    out.afterClear = j.cookiesForURL(B + "/a/b");
    // Values are converted as k6 converts them; a foreign domain is dropped silently.
    j.set(B, "n", null); j.set(B, 5, 6); j.set(B, "d", "1", { domain: "other.test" });
    j.set(B, "m", "1", { max_age: 100, http_only: "yes", expires: "Wed, 21 Oct 2099 07:28:00 GMT" });
    j.set(B, "old", "1", { expires: "Wed, 21 Oct 2015 07:28:00 GMT" });
    j.set(B, "gone", "1", { max_age: -1 });
    j.set(B, "s", "1", { secure: true });
    j.set(B, "typo", "1", { maxAge: 5 });
    out.converted = j.cookiesForURL(B);
    out.https = Object.keys(j.cookiesForURL("https://h.test/")).sort();
    j.set("http://a.ex.test/", "w", "1", { domain: "ex.test" });
    out.sibling = j.cookiesForURL("http://b.ex.test/");
    j.delete("http://b.ex.test/", "w");
    out.afterSiblingDelete = j.cookiesForURL("http://a.ex.test/");
    j.delete("http://ex.test/", "w");
    out.afterApexDelete = j.cookiesForURL("http://a.ex.test/");
    // URLs no cookie can belong to are ignored; a malformed one is an error.
    out.ftp = [j.set("ftp://h.test/", "f", "1"), j.cookiesForURL("ftp://h.test/"), j.cookiesForURL("not a url")];
    try { j.cookiesForURL("http://[::1"); } catch (e) { out.bad = e.name; }
    try { j.set(B, "e", "1", { expires: "2099-01-01" }); } catch (e) { out.badDate = e.name; }
    L(out);
  }
}
"#;
    let (out, _, lines) = run_script_env(script, &[], &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 2, "{lines:?}");
    assert_eq!(v[0], v[1], "the VU's jar and a new one behave alike");
    assert_eq!(
        v[0],
        json!({
            "setRet": true,
            "at_ab": {"deep": ["2"], "root": ["1"], "x": ["3"]},
            "afterDelete": {"deep": ["2"], "root": ["1"]},
            "afterClearAB": {"root": ["1"]},
            "afterClear": {},
            "converted": {"5": ["6"], "m": ["1"], "n": [""], "typo": ["1"]},
            "https": ["5", "m", "n", "s", "typo"],
            "sibling": {"w": ["1"]},
            "afterSiblingDelete": {"w": ["1"]},
            "afterApexDelete": {},
            "ftp": [true, {}, {}],
            "bad": "TypeError",
            "badDate": "TypeError",
        })
    );
    // k6 ignores unknown options; rk6 does too, and says so once.
    let warnings: Vec<_> = level_lines(&stderr(&out), "warning")
        .into_iter()
        .filter(|l| l.contains("unknown option \"maxAge\""))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", stderr(&out));
}

#[test]
fn jars_the_script_no_longer_holds_are_freed() {
    let script = r#"
import http from "k6/http";
export const options = { iterations: 2 };
export default async function () {
  for (let i = 0; i < 20000; i++) {
    const j = new http.CookieJar();
    j.set("http://h.test/", "x", "y".repeat(200));
  }
  await new Promise((r) => setTimeout(r, 1));
  const kept = new http.CookieJar();
  console.log(Deno.core.ops.op_http_jar_count());
  kept.set("http://h.test/", "k", "1");
}
"#;
    // The op that counts live jars is reachable only with the `Deno` global kept.
    let (out, _, lines) = run_script_env(script, &[], &[("RK6_EXPOSE_DENO", Some("1"))]);
    assert_code(&out, 0);
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in &lines {
        let live: u32 = line.parse().unwrap();
        // QuickJS frees unreferenced objects at once, so their finalizers have run.
        assert!(live < 100, "{live} jars still alive of 20,000 made");
    }
}

const DOC: &str = r#"{"name":{"first":"Tom","last":"Anderson"},"age":37,"children":["Sara","Alex","Jack"],"fav.movie":"Deer Hunter","friends":[{"first":"Dale","last":"Murphy","age":44,"nets":["ig","fb","tw"]},{"first":"Roger","last":"Craig","age":68,"nets":["fb","tw"]},{"first":"Jane","last":"Murphy","age":47,"nets":["ig","tw"]}],"n":null,"t":true,"big":12345678901234567890}"#;

#[test]
fn json_selectors_are_gjson_paths_as_in_k6() {
    let files = Files::start(vec![
        ("/doc", ok(DOC)),
        ("/text", ok("hello")),
        ("/empty", ok("")),
    ]);
    let script = r#"
import http from "k6/http";
const B = __ENV.BASE;
const t = (f) => { try { const v = f(); return v === undefined ? "<undefined>" : v; } catch (e) { return "throws: " + e.message; } };
export default function () {
  const r = http.get(`${B}/doc`);
  const bin = http.get(`${B}/doc`, { responseType: "binary" });
  const text = http.get(`${B}/text`);
  const empty = http.get(`${B}/empty`);
  const none = http.get(`${B}/doc`, { responseType: "none" });
  const sels = JSON.parse(__ENV.SELECTORS);
  console.log(JSON.stringify(sels.map((s) => t(() => r.json(s)))));
  console.log(JSON.stringify({
    whole: t(() => r.json().age), undef: t(() => r.json(undefined)), nul: t(() => r.json(null)),
    bin: t(() => bin.json("friends.#.age")), textSel: t(() => text.json("a")),
    emptySel: t(() => empty.json("a")), noneSel: t(() => none.json("age")),
  }));
}
"#;
    // Each selector with what k6 v1.1 returned for it.
    let cases: Vec<(&str, Value)> = vec![
        ("name.last", json!("Anderson")),
        ("age", json!(37)),
        ("children", json!(["Sara", "Alex", "Jack"])),
        ("children.#", json!(3)),
        ("children.1", json!("Alex")),
        ("child*.2", json!("Jack")),
        ("c?ildren.0", json!("Sara")),
        ("fav\\.movie", json!("Deer Hunter")),
        ("friends.#.first", json!(["Dale", "Roger", "Jane"])),
        ("friends.1.last", json!("Craig")),
        ("friends.#(last==\"Murphy\").first", json!("Dale")),
        (
            "friends.#(last==\"Murphy\")#.first",
            json!(["Dale", "Jane"]),
        ),
        ("friends.#(age>45)#.last", json!(["Craig", "Murphy"])),
        (
            "friends.#(nets.#(==\"fb\"))#.first",
            json!(["Dale", "Roger"]),
        ),
        ("friends.#(first%\"D*\").last", json!("Murphy")),
        ("friends.#(first!%\"D*\").last", json!("Craig")),
        ("children.#(==\"Alex\")", json!("Alex")),
        ("n", Value::Null),
        ("t", json!(true)),
        // A number past 2^53 comes back as JavaScript (and k6) rounds it.
        ("big", json!(12_345_678_901_234_567_000u64)),
        ("name", json!({"first": "Tom", "last": "Anderson"})),
        (
            "friends.#.nets",
            json!([["ig", "fb", "tw"], ["fb", "tw"], ["ig", "tw"]]),
        ),
        ("children|@reverse", json!(["Jack", "Alex", "Sara"])),
        ("name.{first,age}", json!({"first": "Tom"})),
        ("[age,name.first]", json!([37, "Tom"])),
        ("@this.age", json!(37)),
        ("friends.0.nets.#", json!(3)),
        ("missing", json!("<undefined>")),
        ("friends.5", json!("<undefined>")),
        ("children.-1", json!("<undefined>")),
        ("age.foo", json!("<undefined>")),
        ("#", json!("<undefined>")),
        ("", json!("<undefined>")),
    ];
    let selectors: Vec<&str> = cases.iter().map(|(s, _)| *s).collect();
    let selectors = serde_json::to_string(&selectors).unwrap();
    let base = format!("BASE={}", files.base());
    let sels = format!("SELECTORS={selectors}");
    let (out, _, lines) = run_script_env(script, &["-e", &base, "-e", &sels], &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 2, "{lines:?}");
    for (i, (selector, expected)) in cases.iter().enumerate() {
        assert_eq!(&v[0][i], expected, "selector {selector:?}");
    }
    let null_body = "throws: the body is null so we can't transform it to JSON - this likely was because of a request error getting the response";
    assert_eq!(
        v[1],
        json!({
            "whole": 37, "undef": "<undefined>", "nul": "<undefined>",
            "bin": [44, 68, 47], "textSel": "<undefined>", "emptySel": "<undefined>",
            "noneSel": null_body,
        })
    );
}

/// The Response keys rk6 makes, in order (`headers`, `timings` and `request` are made on
/// first read, and listed last).
const RESPONSE_KEYS: [&str; 14] = [
    "status",
    "status_text",
    "proto",
    "url",
    "body",
    "error",
    "error_code",
    "remote_ip",
    "remote_port",
    "cookies",
    "tls_version",
    "headers",
    "timings",
    "request",
];

#[test]
fn response_objects_are_plain_data_whatever_their_prototype_holds() {
    let files = Files::start(vec![("/doc", ok("{\"a\":1}"))]);
    let script = r#"
import http from "k6/http";
const B = __ENV.BASE;
export default function () {
  const first = http.get(`${B}/doc`);
  const desc = (k) => {
    const d = Object.getOwnPropertyDescriptor(first, k);
    return [typeof d.value, d.writable, d.enumerable, d.configurable, "get" in d];
  };
  const copy = { ...first };
  const text = JSON.parse(JSON.stringify(first));
  console.log(JSON.stringify({
    keys: Object.keys(first),
    headers: desc("headers"), timings: desc("timings"), request: desc("request"), status: desc("status"),
    spreadRequest: copy.request,
    spreadHeaders: copy.headers, spreadTimings: Object.keys(copy.timings),
    jsonHeaders: text.headers, jsonTimings: Object.keys(text.timings),
    positive: first.timings.duration > 0 && first.timings.waiting > 0,
  }));
  first.headers = "replaced";
  first.timings.duration = -1;
  console.log(JSON.stringify([first.headers, first.timings.duration]));
  // A setter put on the prototype does not stand in for a new response's own property.
  let calls = 0;
  Object.defineProperty(Object.getPrototypeOf(first), "status", {
    set() { calls++; }, get() { return -1; }, configurable: true,
  });
  const second = http.get(`${B}/doc`);
  console.log(JSON.stringify({ status: second.status, own: Object.hasOwn(second, "status"), calls }));
}
"#;
    let base = format!("BASE={}", files.base());
    let (out, _, lines) = run_script_env(script, &["-e", &base], &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 3, "{lines:?}");
    let timings = json!([
        "blocked",
        "connecting",
        "tls_handshaking",
        "sending",
        "waiting",
        "receiving",
        "duration"
    ]);
    let data = json!(["object", true, true, true, false]);
    assert_eq!(
        v[0],
        json!({
            "keys": RESPONSE_KEYS,
            "headers": data, "timings": data, "request": data,
            "spreadRequest": {
                "method": "GET", "url": format!("{}/doc", files.base()),
                "headers": {"User-Agent": [concat!("rk6/", env!("CARGO_PKG_VERSION"))]},
                "body": "", "cookies": {},
            },
            "status": ["number", true, true, true, false],
            "spreadHeaders": {"Content-Length": "7"}, "spreadTimings": timings,
            "jsonHeaders": {"Content-Length": "7"}, "jsonTimings": timings,
            "positive": true,
        })
    );
    assert_eq!(v[1], json!(["replaced", -1]));
    assert_eq!(v[2], json!({"status": 200, "own": true, "calls": 0}));
}

#[test]
fn responses_share_nothing_a_script_changes() {
    let files = Files::start(vec![("/doc", ok("{}"))]);
    // Responses are made alike (one shape for all); changing one changes no other, in
    // one VU and across VUs, and the async path makes the same objects.
    let script = r#"
import http from "k6/http";
const B = __ENV.BASE;
export default async function () {
  const a = http.get(`${B}/doc`);
  const b = http.get(`${B}/doc`);
  delete a.status;
  a.extra = 1;
  a.url = "changed";
  b.more = 2;
  b.timings.duration = -5;
  const c = await http.asyncRequest("GET", `${B}/doc`);
  const [d] = http.batch([`${B}/doc`]);
  const show = (r) => [r.status, r.url.endsWith("/doc"), "extra" in r, "more" in r, Object.keys(r).length, r.timings.duration >= 0];
  console.log(JSON.stringify({ a: [a.status, a.url, a.extra, Object.keys(a).length], b: show(b), c: show(c), d: show(d), same: Object.keys(c).join() === Object.keys(d).join() }));
}
"#;
    let base = format!("BASE={}", files.base());
    let (out, _, lines) = run_script_env(script, &["-e", &base, "-u", "2", "-i", "4"], &[]);
    assert_code(&out, 0);
    let v = json_lines(&lines);
    assert_eq!(v.len(), 4, "{lines:?}");
    for line in v {
        assert_eq!(
            line,
            json!({
                "a": [null, "changed", 1, 14],
                "b": [200, true, false, true, 15, false],
                "c": [200, true, false, false, 14, true],
                "d": [200, true, false, false, 14, true],
                "same": true,
            })
        );
    }
}

/// The summary's lines from `name` on, up to the next line that is not a sub-metric.
fn summary_rows(out: &Output, name: &str) -> Vec<String> {
    let text = stdout(out);
    let mut rows = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(&format!("{name}.")));
    let mut found: Vec<String> = rows.next().into_iter().map(str::to_owned).collect();
    found.extend(
        rows.take_while(|l| l.trim_start().starts_with('{'))
            .map(str::to_owned),
    );
    found
}

#[test]
fn the_summary_and_export_show_the_expected_response_sub_metric() {
    let server = Server::start();
    let base = format!("BASE={}", server.base());
    let script = r#"
import http from "k6/http";
export const options = {
  iterations: 4,
  thresholds: { "http_req_duration{status:200}": ["max<60000"], "http_reqs{ status : 404 }": ["count==1"] },
};
export default function () {
  http.get(`${__ENV.BASE}/${__ITER === 3 ? "status/404" : "echo"}`);
}
"#;
    let dir = tempdir();
    write(dir.path(), "script.js", script);
    let (out, export) = run_with_export(dir.path(), "script.js", &["-e", &base]);
    assert_code(&out, 0);
    // As k6 v1.1: under its metric, indented, sub-metrics sorted by their tags, values in
    // one column.
    let rows = summary_rows(&out, "http_req_duration");
    assert_eq!(rows.len(), 3, "{}", stdout(&out));
    let starts = [
        "    http_req_duration.",
        "      { expected_response:true }.",
        "      { status:200 }.",
    ];
    for (row, start) in rows.iter().zip(starts) {
        assert!(row.starts_with(start), "{rows:?}");
    }
    let column = |row: &str| row.find(".: ").map(|at| row[..at].chars().count());
    assert!(
        rows.iter()
            .all(|r| column(r) == column(&rows[0]) && r.contains(".: avg=")),
        "{rows:?}"
    );
    let reqs = summary_rows(&out, "http_reqs");
    assert_eq!(reqs.len(), 2, "{}", stdout(&out));
    assert!(reqs[1].starts_with("      { status : 404 }."), "{reqs:?}");
    assert_eq!(
        reqs[1]
            .split_once(".: ")
            .map(|(_, v)| v.split_whitespace().next()),
        Some(Some("1")),
        "{reqs:?}"
    );

    let metrics = &export["metrics"];
    let sub = &metrics["http_req_duration{expected_response:true}"];
    for field in ["avg", "min", "med", "max", "p(90)", "p(95)"] {
        assert!(sub[field].is_number(), "{field} in {sub}");
    }
    assert!(sub.get("thresholds").is_none());
    // Three of the four requests were expected (the 404 was not).
    assert_eq!(
        export["rk6"]["metrics"]["http_req_duration{expected_response:true}"]["count"],
        3
    );
    assert_eq!(export["rk6"]["metrics"]["http_req_duration"]["count"], 4);

    // No expected responses (callback off, or none expected), no sub-metric; as in k6.
    for callback in [
        "http.setResponseCallback(null);",
        "http.setResponseCallback(http.expectedStatuses(418));",
    ] {
        let script = format!(
            "import http from \"k6/http\";\n{callback}\nexport default function () {{ http.get(`${{__ENV.BASE}}/echo`); }}\n"
        );
        write(dir.path(), "script.js", &script);
        let (out, export) = run_with_export(dir.path(), "script.js", &["-e", &base]);
        assert_code(&out, 0);
        assert_eq!(summary_rows(&out, "http_req_duration").len(), 1);
        assert!(export["metrics"]
            .get("http_req_duration{expected_response:true}")
            .is_none());
    }
}

const MODULE_A: &str = r#"
import { b } from "./b.js";
import { c } from "../c.js";
import { d } from "/lib/d.js";
import exec from "k6/execution";
export const a = () => `a+${b}+${c}+${d}+${typeof exec.vu}`;
"#;

#[test]
fn remote_modules_are_fetched_once_and_shared_by_every_vu() {
    let files = Files::start(vec![
        ("/lib/a.js", ok(MODULE_A)),
        ("/lib/b.js", ok("export const b = 'b';")),
        ("/c.js", ok("export const c = 'c';")),
        ("/lib/d.js", ok("export const d = 'd';")),
    ]);
    let script = format!(
        r#"
import {{ a }} from "{base}/lib/a.js";
import {{ b }} from "{base}/lib/b.js";
export const options = {{ vus: 4, iterations: 4 }};
export default function () {{ console.log(a() + "/" + b); }}
"#,
        base = files.base()
    );
    let (out, _, lines) = run_script_env(&script, &[], &[]);
    assert_code(&out, 0);
    assert_eq!(lines, vec!["a+b+c+d+object/b"; 4]);
    let hits = files.hits();
    for path in ["/lib/a.js", "/lib/b.js", "/c.js", "/lib/d.js"] {
        assert_eq!(hits.get(path), Some(&1), "{path} in {hits:?}");
    }
}

#[test]
fn a_remote_module_that_cannot_be_fetched_fails_init_naming_its_url() {
    let files = Files::start(vec![
        (
            "/slow.js",
            (
                "200 OK",
                "export const s = 1;".into(),
                Duration::from_millis(1500),
            ),
        ),
        (
            "/imports-missing.js",
            ok("import './gone.js'; export const x = 1;"),
        ),
        (
            "/imports-file.js",
            ok("import 'file:///etc/hostname'; export const x = 1;"),
        ),
    ]);
    let base = files.base();
    let refused = format!("http://127.0.0.1:{}/lib.js", closed_port());
    let cases = [
        (
            format!("{base}/missing.js"),
            format!("cannot load the remote module {base}/missing.js: the server answered 404 Not Found"),
        ),
        (
            format!("{base}/imports-missing.js"),
            format!("cannot load the remote module {base}/gone.js: the server answered 404 Not Found"),
        ),
        (
            refused.clone(),
            format!("cannot load the remote module {refused}: dial: connection refused"),
        ),
        (
            format!("{base}/slow.js"),
            format!("cannot load the remote module {base}/slow.js: request timeout"),
        ),
        (
            format!("{base}/imports-file.js"),
            "remote modules may only import remote and built-in modules".to_owned(),
        ),
    ];
    for (url, message) in cases {
        let script = format!("import * as m from {url:?};\nexport default function () {{}}\n");
        let started = Instant::now();
        let (out, _, _) = run_script_env(&script, &[], &[("RK6_MODULE_TIMEOUT", Some("500ms"))]);
        assert_code(&out, 107);
        let err = stderr(&out);
        assert!(err.contains(&message), "{message:?} not in:\n{err}");
        assert!(started.elapsed() < Duration::from_secs(20));
    }
}

#[test]
fn the_http_examples_run_against_the_example_server() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let base = format!(
        "BASE_URL=http://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    thread::spawn(move || example_server::serve(listener));
    let dir = tempdir();
    for name in ["http-basic.js", "http-thresholds.js"] {
        let path = example(name);
        let (out, export) = run_with_export(dir.path(), path.to_str().unwrap(), &["-e", &base]);
        assert_code(&out, 0);
        let rk6 = &export["rk6"];
        assert_eq!(rk6["failed_iterations"], 0, "{name}");
        let checks = rk6["checks"].as_array().unwrap();
        assert!(!checks.is_empty(), "{name}");
        for c in checks {
            assert_eq!(c["fails"], 0, "{name}: {c}");
        }
        assert_eq!(export["metrics"]["http_req_failed"]["passes"], 0, "{name}");
        if name == "http-thresholds.js" {
            let verdicts = rk6["thresholds"].as_array().unwrap();
            assert_eq!(verdicts.len(), 6);
            assert!(verdicts.iter().all(|t| t["passed"] == true), "{verdicts:?}");
        }
    }
}
