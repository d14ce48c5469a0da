//! End-to-end tests of `k6/x/kv`: real scripts run by the real `rk6` binary, each in its own
//! temporary directory (the working directory of the process, so the default disk store
//! `.k6.kv` lands there).
//!
//! Most tests run once per backend. Their scripts report results as `console.log` lines of the
//! form `name=<JSON>`, which [`run_kv`] collects so the assertions live here, in Rust.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

const BACKENDS: [&str; 2] = ["memory", "disk"];

/// Opens `kv` on the backend the test chose and defines the reporting helpers.
const PRELUDE: &str = r#"
import { openKv } from "k6/x/kv";
import exec from "k6/execution";

const BACKEND = __ENV.BACKEND;
const kv = openKv({ backend: BACKEND });

function report(name, value) {
    console.log(`${name}=${JSON.stringify(value)}`);
}

// Settles a call (sync throw or rejected promise alike) into plain data.
async function outcome(f) {
    try {
        const value = await f();
        return { ok: true, value, undef: value === undefined };
    } catch (e) {
        return {
            ok: false,
            name: e.name,
            isError: e instanceof Error,
            message: String(e.message),
        };
    }
}
"#;

/// The named results a script reported, plus the process output for failure messages.
struct Reports {
    backend: String,
    values: BTreeMap<String, Value>,
    output: std::process::Output,
}

impl Reports {
    #[track_caller]
    fn get(&self, name: &str) -> &Value {
        self.values.get(name).unwrap_or_else(|| {
            panic!(
                "[{}] the script reported no {name:?}; {}",
                self.backend,
                describe(&self.output)
            )
        })
    }

    /// Asserts that `name` settled as a rejection with error class `error_name` (an `Error`).
    #[track_caller]
    fn assert_rejected(&self, name: &str, error_name: &str) {
        let got = self.get(name);
        assert_eq!(
            got["ok"],
            json!(false),
            "[{}] {name} should have failed with {error_name}, got {got}",
            self.backend
        );
        assert_eq!(
            got["name"],
            json!(error_name),
            "[{}] {name}: wrong error, got {got}",
            self.backend
        );
        assert_eq!(
            got["isError"],
            json!(true),
            "[{}] {name}: the error must be an instance of Error, got {got}",
            self.backend
        );
    }

    /// Asserts that `name` settled as a resolution with `value` (`Null` for `undefined`).
    #[track_caller]
    fn assert_resolved(&self, name: &str, value: Value) {
        let got = self.get(name);
        assert_eq!(
            got["ok"],
            json!(true),
            "[{}] {name} should have succeeded, got {got}",
            self.backend
        );
        assert_eq!(
            got["value"], value,
            "[{}] {name}: wrong value, got {got}",
            self.backend
        );
    }

    #[track_caller]
    fn assert_eq(&self, name: &str, expected: Value) {
        assert_eq!(
            self.get(name),
            &expected,
            "[{}] {name}; {}",
            self.backend,
            describe(&self.output)
        );
    }
}

/// Runs one iteration of `body` (inside an async default function, after `kv.clear()`) on
/// `backend`, with `init` added at the top level after the prelude. The iteration must finish
/// without an error.
fn run_kv(backend: &str, init: &str, body: &str) -> Reports {
    let dir = tempdir();
    let script = format!(
        "{PRELUDE}\n{init}\n\nexport default async function () {{\n    await kv.clear();\n{body}\n    report(\"done\", true);\n}}\n"
    );
    write(dir.path(), "test.js", &script);
    let env = format!("BACKEND={backend}");
    let output = rk6(
        dir.path(),
        &["run", "-q", "--no-summary", "-e", &env, "test.js"],
    );
    assert_code(&output, 0);
    assert_no_panic(&output);
    let err = stderr(&output);
    assert!(
        erro_lines(&err).is_empty(),
        "[{backend}] the iteration failed; {}",
        describe(&output)
    );
    let values = info_lines(&err)
        .into_iter()
        .filter_map(|line| {
            let (name, json) = line.split_once('=')?;
            Some((name.to_owned(), serde_json::from_str(json).ok()?))
        })
        .collect();
    let reports = Reports {
        backend: backend.to_owned(),
        values,
        output,
    };
    reports.assert_eq("done", json!(true));
    reports
}

/// One VU with far more operations pending at once than deno_core keeps in its ring of
/// promises (256, patched/deno_core change 3): the rest wait in its map (a plain `Map`
/// since change 13), and every one resolves with its own result.
#[test]
fn a_vu_with_hundreds_of_pending_operations_gets_every_result() {
    for backend in ["disk", "memory"] {
        let r = run_kv(
            backend,
            "",
            r#"    const keys = Array.from({ length: 700 }, (_, i) => `k${i}`);
    const set = await Promise.all(keys.map((k, i) => kv.set(k, i)));
    const got = await Promise.all(keys.map((k) => kv.get(k)));
    report("set", set.every((v, i) => v === i));
    report("got", got.every((v, i) => v === i));
    report("size", await kv.size());"#,
        );
        r.assert_eq("set", json!(true));
        r.assert_eq("got", json!(true));
        r.assert_eq("size", json!(700));
    }
}

/// The README's quickstart, run from `examples/` unchanged (disk, the default backend) and
/// with the memory backend.
#[test]
fn quickstart_prints_the_readme_output() {
    let expected = [
        "current size of the KV store: 4",
        r#"found entry: {"key":"a b c","value":{"123":"baby you and me girl"}}"#,
        r#"found entry: {"key":"abc","value":123}"#,
    ];
    let quickstart = example("quickstart.js");
    let quickstart = quickstart.to_str().expect("UTF-8 path");

    // Disk: twice in one directory; setup() clears what the first run left.
    let dir = tempdir();
    for run in 1..=2 {
        let output = rk6(dir.path(), &["run", "-q", "--no-summary", quickstart]);
        assert_code(&output, 0);
        assert_eq!(
            info_lines(&stderr(&output)),
            expected,
            "disk run {run}; {}",
            describe(&output)
        );
        assert!(
            erro_lines(&stderr(&output)).is_empty(),
            "{}",
            describe(&output)
        );
    }
    assert!(
        dir.path().join(".k6.kv").is_file(),
        "openKv() must create the store at ./.k6.kv"
    );
    let size = rk6(dir.path(), &["kv", "size"]);
    assert_code(&size, 0);
    assert_eq!(stdout(&size).trim(), "4");

    // Memory: the same script with only the backend changed.
    let source = std::fs::read_to_string(example("quickstart.js")).expect("read quickstart");
    assert_eq!(source.matches("openKv()").count(), 1);
    let dir = tempdir();
    write(
        dir.path(),
        "quickstart-memory.js",
        &source.replace("openKv()", r#"openKv({ backend: "memory" })"#),
    );
    let output = rk6(
        dir.path(),
        &["run", "-q", "--no-summary", "quickstart-memory.js"],
    );
    assert_code(&output, 0);
    assert_eq!(
        info_lines(&stderr(&output)),
        expected,
        "{}",
        describe(&output)
    );
    assert!(!dir.path().join(".k6.kv").exists());
}

#[test]
fn basic_operations() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            "",
            r#"
    report("set", await outcome(() => kv.set("k", { a: [1, 2], b: "x" })));
    report("get", await outcome(() => kv.get("k")));
    report("getMissing", await outcome(() => kv.get("missing")));
    report("deleteMissing", await outcome(() => kv.delete("missing")));
    report("existsYes", await outcome(() => kv.exists("k")));
    report("existsNo", await outcome(() => kv.exists("missing")));
    report("sizeInterpolated", `${kv.size()}`);
    report("sizeAwaited", await kv.size());
    report("sizeType", typeof kv.size());
    await kv.set("k", "replaced");
    report("overwritten", await kv.get("k"));
    report("sizeAfterOverwrite", kv.size());
    await kv.set("k2", 2);
    report("sizeTwo", await kv.size());
    report("delete", await outcome(() => kv.delete("k")));
    report("existsAfterDelete", await kv.exists("k"));
    report("getAfterDelete", await outcome(() => kv.get("k")));
    report("sizeAfterDelete", kv.size());
    report("clear", await outcome(() => kv.clear()));
    report("sizeAfterClear", kv.size());
    report("listAfterClear", await kv.list());
    report("clearEmpty", await outcome(() => kv.clear()));
"#,
        );
        r.assert_resolved("set", json!({ "a": [1, 2], "b": "x" }));
        r.assert_resolved("get", json!({ "a": [1, 2], "b": "x" }));
        r.assert_rejected("getMissing", "KeyNotFoundError");
        assert!(
            r.get("getMissing")["message"]
                .as_str()
                .is_some_and(|m| m.contains("missing")),
            "[{backend}] the message should name the key: {}",
            r.get("getMissing")
        );
        r.assert_resolved("deleteMissing", Value::Null);
        r.assert_eq("deleteMissing", json!({ "ok": true, "undef": true }));
        r.assert_resolved("existsYes", json!(true));
        r.assert_resolved("existsNo", json!(false));
        r.assert_eq("sizeInterpolated", json!("1"));
        r.assert_eq("sizeAwaited", json!(1));
        r.assert_eq("sizeType", json!("number"));
        r.assert_eq("overwritten", json!("replaced"));
        r.assert_eq("sizeAfterOverwrite", json!(1));
        r.assert_eq("sizeTwo", json!(2));
        r.assert_resolved("delete", Value::Null);
        r.assert_eq("existsAfterDelete", json!(false));
        r.assert_rejected("getAfterDelete", "KeyNotFoundError");
        r.assert_eq("sizeAfterDelete", json!(1));
        r.assert_resolved("clear", Value::Null);
        r.assert_eq("sizeAfterClear", json!(0));
        r.assert_eq("listAfterClear", json!([]));
        r.assert_resolved("clearEmpty", Value::Null);
    }
}

#[test]
fn atomic_operations() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            "",
            r#"
    report("incMissing", await outcome(() => kv.incrementBy("n", 5)));
    report("incAgain", await outcome(() => kv.incrementBy("n", -1.5)));
    report("incStored", await kv.get("n"));
    await kv.set("text", "abc");
    report("incText", await outcome(() => kv.incrementBy("text", 1)));
    report("textKept", await kv.get("text"));
    report("incBadDelta", await outcome(() => kv.incrementBy("n", "1")));
    report("getOrSetNew", await outcome(() => kv.getOrSet("g", { v: 1 })));
    report("getOrSetOld", await outcome(() => kv.getOrSet("g", { v: 2 })));
    report("swapOld", await outcome(() => kv.swap("g", [3])));
    report("swapNew", await outcome(() => kv.swap("s", "first")));
    report("casAbsentNew", await outcome(() => kv.compareAndSwap("c", null, 1)));
    report("casAbsentOld", await outcome(() => kv.compareAndSwap("c", undefined, 2)));
    report("casMismatch", await outcome(() => kv.compareAndSwap("c", 7, 2)));
    report("casMatch", await outcome(() => kv.compareAndSwap("c", 1, { x: [1] })));
    report("casObject", await outcome(() => kv.compareAndSwap("c", { x: [1] }, "done")));
    report("casValue", await kv.get("c"));
    report("setIfAbsentNew", await outcome(() => kv.setIfAbsent("a", 1)));
    report("setIfAbsentOld", await outcome(() => kv.setIfAbsent("a", 2)));
    report("aValue", await kv.get("a"));
    report("delIfExistsYes", await outcome(() => kv.deleteIfExists("a")));
    report("delIfExistsNo", await outcome(() => kv.deleteIfExists("a")));
    await kv.set("d", { k: "v" });
    report("cadMismatch", await outcome(() => kv.compareAndDelete("d", { k: "w" })));
    report("cadMatch", await outcome(() => kv.compareAndDelete("d", { k: "v" })));
    report("dExists", await kv.exists("d"));
    report("badKey", await outcome(() => kv.incrementBy("", 1)));
"#,
        );
        r.assert_resolved("incMissing", json!(5));
        r.assert_resolved("incAgain", json!(3.5));
        r.assert_eq("incStored", json!(3.5));
        r.assert_rejected("incText", "NotANumberError");
        r.assert_eq("textKept", json!("abc"));
        r.assert_rejected("incBadDelta", "InvalidOptionsError");
        r.assert_resolved(
            "getOrSetNew",
            json!({ "value": { "v": 1 }, "loaded": false }),
        );
        r.assert_resolved(
            "getOrSetOld",
            json!({ "value": { "v": 1 }, "loaded": true }),
        );
        r.assert_resolved("swapOld", json!({ "previous": { "v": 1 }, "loaded": true }));
        r.assert_resolved("swapNew", json!({ "previous": null, "loaded": false }));
        r.assert_resolved("casAbsentNew", json!(true));
        r.assert_resolved("casAbsentOld", json!(false));
        r.assert_resolved("casMismatch", json!(false));
        r.assert_resolved("casMatch", json!(true));
        r.assert_resolved("casObject", json!(true));
        r.assert_eq("casValue", json!("done"));
        r.assert_resolved("setIfAbsentNew", json!(true));
        r.assert_resolved("setIfAbsentOld", json!(false));
        r.assert_eq("aValue", json!(1));
        r.assert_resolved("delIfExistsYes", json!(true));
        r.assert_resolved("delIfExistsNo", json!(false));
        r.assert_resolved("cadMismatch", json!(false));
        r.assert_resolved("cadMatch", json!(true));
        r.assert_eq("dExists", json!(false));
        r.assert_rejected("badKey", "KeyRequiredError");
    }
}

/// Runs `examples/<name>` unchanged, in a fresh directory, and returns its console lines.
fn run_example(name: &str) -> Vec<String> {
    let script = example(name);
    let dir = tempdir();
    let out = rk6(
        dir.path(),
        &[
            "run",
            "-q",
            "--no-summary",
            script.to_str().expect("UTF-8 path"),
        ],
    );
    assert_code(&out, 0);
    assert_no_panic(&out);
    info_lines(&stderr(&out))
}

#[test]
fn atomic_counter_example_loses_nothing_with_increment_by() {
    let lines = run_example("atomic-counter.js");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("get+set:     "), "{lines:?}");
    assert_eq!(lines[1], "incrementBy: 2000 of 2000 (0 lost)");
}

#[test]
fn scan_pages_and_count() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            "",
            r#"
    for (const k of ["a", "u:1", "u:2", "u:3", "u:4", "u:5", "v"]) await kv.set(k, { k });
    report("count", [await kv.count(), await kv.count({ prefix: "u:" }), await kv.count({ prefix: "zz" })]);
    const p1 = await kv.scan({ prefix: "u:", limit: 2 });
    report("page1", { keys: p1.entries.map((e) => e.key), value: p1.entries[0].value, done: p1.done, cursor: typeof p1.cursor });
    // Writes between pages: nothing is returned twice, a deleted key is skipped.
    await kv.delete("u:3");
    await kv.set("u:0", 0);
    await kv.set("u:2b", 0);
    const p2 = await kv.scan({ prefix: "u:", limit: 2, cursor: p1.cursor });
    report("page2", { keys: p2.entries.map((e) => e.key), done: p2.done });
    const p3 = await kv.scan({ prefix: "u:", limit: 2, cursor: p2.cursor });
    report("page3", { keys: p3.entries.map((e) => e.key), done: p3.done, cursor: p3.cursor });
    const all = await kv.scan();
    report("all", { n: all.entries.length, done: all.done, cursor: all.cursor });
    report("exact", (await kv.scan({ prefix: "u:", limit: 6 })).done);
    report("badCursor", await outcome(() => kv.scan({ cursor: "!!" })));
    report("badLimit", await outcome(() => kv.scan({ limit: 0.5 })));
    report("badCountPrefix", await outcome(() => kv.count({ prefix: 1 })));
"#,
        );
        r.assert_eq("count", json!([7, 5, 0]));
        r.assert_eq(
            "page1",
            json!({ "keys": ["u:1", "u:2"], "value": { "k": "u:1" }, "done": false, "cursor": "string" }),
        );
        r.assert_eq("page2", json!({ "keys": ["u:2b", "u:4"], "done": false }));
        r.assert_eq(
            "page3",
            json!({ "keys": ["u:5"], "done": true, "cursor": "" }),
        );
        r.assert_eq("all", json!({ "n": 8, "done": true, "cursor": "" }));
        r.assert_eq("exact", json!(true));
        r.assert_rejected("badCursor", "InvalidOptionsError");
        r.assert_rejected("badLimit", "InvalidOptionsError");
        r.assert_rejected("badCountPrefix", "InvalidOptionsError");
    }
}

#[test]
fn list_and_scan_take_a_key_range_and_reverse() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            "",
            r#"
    for (const k of ["a", "u:1", "u:2", "u:3", "u:4", "v"]) await kv.set(k, k);
    const ks = (entries) => entries.map((e) => e.key).join(" ");
    report("reverse", ks(await kv.list({ reverse: true })));
    report("range", ks(await kv.list({ prefix: "u:", start: "u:2", end: "u:4" })));
    report("rangeReverse", ks(await kv.list({ start: "u:2", end: "v", reverse: true, limit: 2 })));
    const p1 = await kv.scan({ prefix: "u:", reverse: true, limit: 3 });
    const p2 = await kv.scan({ prefix: "u:", reverse: true, limit: 3, cursor: p1.cursor });
    report("scanReverse", [ks(p1.entries), p1.done, ks(p2.entries), p2.done]);
    report("badStart", await outcome(() => kv.list({ start: 1 })));
    report("badReverse", await outcome(() => kv.scan({ reverse: "yes" })));
    report("longEnd", await outcome(() => kv.list({ end: "x".repeat(600) })));
"#,
        );
        r.assert_eq("reverse", json!("v u:4 u:3 u:2 u:1 a"));
        r.assert_eq("range", json!("u:2 u:3"));
        r.assert_eq("rangeReverse", json!("u:4 u:3"));
        r.assert_eq("scanReverse", json!(["u:4 u:3 u:2", false, "u:1", true]));
        r.assert_rejected("badStart", "InvalidOptionsError");
        r.assert_rejected("badReverse", "InvalidOptionsError");
        r.assert_rejected("longEnd", "KeyTooLargeError");
    }
}

/// 20 VUs updating one counter: `get` then `set` loses increments, `incrementBy` never
/// does, and of 20 VUs racing `setIfAbsent` on one key exactly one wins.
#[test]
fn twenty_vus_count_exactly_with_increment_by() {
    for backend in BACKENDS {
        let dir = tempdir();
        write(
            dir.path(),
            "count.js",
            "import { openKv } from \"k6/x/kv\";\n\
             const kv = openKv({ backend: __ENV.BACKEND });\n\
             export const options = { vus: 20, iterations: 20 };\n\
             export async function setup() { await kv.clear(); }\n\
             export default async function () {\n\
               for (let i = 0; i < 100; i++) {\n\
                 await kv.incrementBy(\"atomic\", 1);\n\
                 let v = 0;\n\
                 try { v = await kv.get(\"racy\"); } catch (_) {}\n\
                 await kv.set(\"racy\", v + 1);\n\
               }\n\
               if (await kv.setIfAbsent(\"winner\", __VU)) await kv.incrementBy(\"wins\", 1);\n\
             }\n\
             export async function teardown() {\n\
               console.log(`${await kv.get(\"atomic\")} ${await kv.get(\"wins\")} ${(await kv.get(\"racy\")) <= 2000}`);\n\
             }\n",
        );
        let env = format!("BACKEND={backend}");
        let out = rk6(
            dir.path(),
            &["run", "-q", "--no-summary", "-e", &env, "count.js"],
        );
        assert_code(&out, 0);
        assert_eq!(info_lines(&stderr(&out)), ["2000 1 true"], "[{backend}]");
    }
}

#[test]
fn list_orders_by_utf8_bytes_and_honours_prefix_and_limit() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            "",
            r#"
    for (const key of ["z", "é", "b", "ab", "a\u0000", "a"]) {
        await kv.set(key, `v:${key}`);
    }
    const keys = (entries) => entries.map((e) => e.key);
    report("all", keys(await kv.list()));
    report("allEmptyOptions", keys(await kv.list({})));
    report("entries", await kv.list({ prefix: "a" }));
    report("prefixA", keys(await kv.list({ prefix: "a" })));
    report("prefixAb", keys(await kv.list({ prefix: "ab" })));
    report("prefixAccent", keys(await kv.list({ prefix: "é" })));
    report("prefixNone", keys(await kv.list({ prefix: "q" })));
    report("prefixLongerThanKeys", keys(await kv.list({ prefix: "abc" })));
    report("limit2", keys(await kv.list({ limit: 2 })));
    report("limit1", keys(await kv.list({ limit: 1 })));
    report("prefixLimit2", keys(await kv.list({ prefix: "a", limit: 2 })));
    report("limit0", keys(await kv.list({ limit: 0 })));
    report("limitNegative", keys(await kv.list({ limit: -1 })));
    report("limitHuge", keys(await kv.list({ limit: 1000 })));
    report("limitFraction", await outcome(() => kv.list({ limit: 2.7 })));
    report("badPrefix", await outcome(() => kv.list({ prefix: 1 })));
"#,
        );
        let all = json!(["a", "a\u{0}", "ab", "b", "z", "é"]);
        r.assert_eq("all", all.clone());
        r.assert_eq("allEmptyOptions", all.clone());
        r.assert_eq(
            "entries",
            json!([
                { "key": "a", "value": "v:a" },
                { "key": "a\u{0}", "value": "v:a\u{0}" },
                { "key": "ab", "value": "v:ab" },
            ]),
        );
        r.assert_eq("prefixA", json!(["a", "a\u{0}", "ab"]));
        r.assert_eq("prefixAb", json!(["ab"]));
        r.assert_eq("prefixAccent", json!(["é"]));
        r.assert_eq("prefixNone", json!([]));
        r.assert_eq("prefixLongerThanKeys", json!([]));
        r.assert_eq("limit2", json!(["a", "a\u{0}"]));
        r.assert_eq("limit1", json!(["a"]));
        r.assert_eq("prefixLimit2", json!(["a", "a\u{0}"]));
        r.assert_eq("limit0", all.clone());
        r.assert_eq("limitNegative", all.clone());
        r.assert_eq("limitHuge", all);
        r.assert_rejected("limitFraction", "InvalidOptionsError");
        r.assert_rejected("badPrefix", "InvalidOptionsError");
    }
}

#[test]
fn list_limit_must_be_a_whole_number() {
    // 0.5 used to be read as 0, "everything"; any rounding would be a guess, so limits that
    // are not whole numbers are refused.
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            "",
            r#"
    for (const key of ["a", "b", "c"]) await kv.set(key, key);
    const cases = { half: 0.5, fraction: 2.7, negativeHalf: -0.5, nan: NaN, inf: Infinity,
                    negInf: -Infinity, text: "2", big: 2n, boxed: new Number(2) };
    for (const [name, limit] of Object.entries(cases)) {
        report(name, await outcome(() => kv.list({ limit })));
    }
    const keys = async (options) => (await kv.list(options)).map((e) => e.key);
    report("two", await keys({ limit: 2 }));
    report("negativeZero", await keys({ limit: -0 }));
    report("minusTwo", await keys({ limit: -2 }));
    report("huge", await keys({ limit: 2 ** 40 }));
    report("maxSafe", await keys({ limit: Number.MAX_SAFE_INTEGER }));
"#,
        );
        for name in [
            "half",
            "fraction",
            "negativeHalf",
            "nan",
            "inf",
            "negInf",
            "text",
            "big",
            "boxed",
        ] {
            r.assert_rejected(name, "InvalidOptionsError");
        }
        assert!(
            r.get("half")["message"]
                .as_str()
                .is_some_and(|m| m.contains("whole number") && m.contains("0.5")),
            "{}",
            r.get("half")
        );
        r.assert_eq("two", json!(["a", "b"]));
        for name in ["negativeZero", "minusTwo", "huge", "maxSafe"] {
            r.assert_eq(name, json!(["a", "b", "c"]));
        }
    }
}

#[test]
fn revoked_proxies_and_throwing_getters_get_named_errors() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            r#"
function revoked(target) {
    const { proxy, revoke } = Proxy.revocable(target, {});
    revoke();
    return proxy;
}
let openRevoked;
try {
    openKv(revoked({}));
    openRevoked = { ok: true };
} catch (e) {
    openRevoked = { ok: false, name: e.name, isError: e instanceof Error, message: e.message };
}
let openThrowing;
try {
    openKv({ get backend() { throw new Error("boom"); } });
    openThrowing = { ok: true };
} catch (e) {
    openThrowing = { ok: false, name: e.name, isError: e instanceof Error, message: e.message };
}
"#,
            r#"
    await kv.set("kept", 1);
    report("openRevoked", openRevoked);
    report("openThrowing", openThrowing);
    report("set", await outcome(() => kv.set(revoked({}), 1)));
    report("setArray", await outcome(() => kv.set(revoked([]), 1)));
    report("setFunction", await outcome(() => kv.set(revoked(() => 1), 1)));
    report("get", await outcome(() => kv.get(revoked({}))));
    report("exists", await outcome(() => kv.exists(revoked({}))));
    report("delete", await outcome(() => kv.delete(revoked({}))));
    report("value", await outcome(() => kv.set("v", revoked({}))));
    report("list", await outcome(() => kv.list(revoked({}))));
    report("listArray", await outcome(() => kv.list(revoked([]))));
    report("listPrefix", await outcome(() => kv.list({ prefix: revoked({}) })));
    report("listLimit", await outcome(() => kv.list({ limit: revoked({}) })));
    report("listGetter", await outcome(() => kv.list({ get limit() { throw new Error("boom"); } })));
    report("listTrap", await outcome(() => kv.list(new Proxy({}, { get() { throw new Error("trap"); } }))));
    report("keys", (await kv.list()).map((e) => e.key));
"#,
        );
        for name in ["openRevoked", "openThrowing"] {
            r.assert_rejected(name, "InvalidOptionsError");
        }
        assert!(
            r.get("openThrowing")["message"]
                .as_str()
                .is_some_and(|m| m.contains("backend") && m.contains("boom")),
            "{}",
            r.get("openThrowing")
        );
        for name in ["set", "setArray", "setFunction", "get", "exists", "delete"] {
            r.assert_rejected(name, "InvalidKeyError");
        }
        r.assert_rejected("value", "SerializationError");
        for name in [
            "list",
            "listArray",
            "listPrefix",
            "listLimit",
            "listGetter",
            "listTrap",
        ] {
            r.assert_rejected(name, "InvalidOptionsError");
        }
        r.assert_eq("keys", json!(["kept"]));
    }
}

#[test]
fn string_serialization_refuses_lone_surrogates() {
    // Stored as UTF-8, a lone surrogate would come back as U+FFFD; JSON escapes it instead,
    // so the default serialization keeps it.
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            r#"const text = openKv({ backend: BACKEND, serialization: "string" });"#,
            r#"
    await text.set("k", "before");
    report("lone", await outcome(() => text.set("k", "a\ud800")));
    report("loneLow", await outcome(() => text.set("k2", "\udfff")));
    report("viaToString", await outcome(() => text.set("k3", { toString: () => "x\udc00" })));
    report("pair", await outcome(() => text.set("p", "\ud83d\ude00\ufffd")));
    report("kept", await text.get("k"));
    report("keys", (await text.list()).map((e) => e.key));
    await kv.set("j", "a\ud800");
    report("jsonKeepsIt", (await kv.get("j")) === "a\ud800");
"#,
        );
        for name in ["lone", "loneLow", "viaToString"] {
            r.assert_rejected(name, "SerializationError");
        }
        assert!(
            r.get("lone")["message"]
                .as_str()
                .is_some_and(|m| m.contains("lone surrogate")),
            "{}",
            r.get("lone")
        );
        r.assert_resolved("pair", json!("😀\u{fffd}"));
        r.assert_eq("kept", json!("before"));
        r.assert_eq("keys", json!(["k", "p"]));
        r.assert_eq("jsonKeepsIt", json!(true));
    }
}

#[test]
fn values_nested_too_deeply_are_serialization_errors_everywhere() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            r#"
const text = openKv({ backend: BACKEND, serialization: "string" });
function nested(depth) {
    let v = 1;
    for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
    return v;
}
"#,
            r#"
    await kv.set("ok", nested(500));
    report("setDeep", await outcome(() => kv.set("deep", nested(100000))));
    report("roundTrip", JSON.stringify(await kv.get("ok")) === JSON.stringify(nested(500)));
    // Written as text, read back as JSON: the parser gives up, get() and list() alike.
    await text.set("stored deep", "[".repeat(100000) + "]".repeat(100000));
    report("get", await outcome(() => kv.get("stored deep")));
    report("list", await outcome(() => kv.list()));
    report("listOthers", (await kv.list({ prefix: "ok" })).length);
    report("keys", (await text.list()).map((e) => e.key));
"#,
        );
        for name in ["setDeep", "get", "list"] {
            r.assert_rejected(name, "SerializationError");
        }
        assert!(
            r.get("get")["message"]
                .as_str()
                .is_some_and(|m| m.contains("nested too deeply")),
            "{}",
            r.get("get")
        );
        assert!(
            r.get("setDeep")["message"]
                .as_str()
                .is_some_and(|m| m.contains("nested too deeply")),
            "{}",
            r.get("setDeep")
        );
        assert_eq!(r.get("get")["message"], r.get("list")["message"]);
        r.assert_eq("roundTrip", json!(true));
        r.assert_eq("listOthers", json!(1));
        r.assert_eq("keys", json!(["ok", "stored deep"]));
    }
}

#[test]
fn invalid_keys_are_rejected_with_named_errors() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            r#"
const long = "k".repeat(512);
const multi511 = "é".repeat(255) + "x"; // 255 × 2 + 1 = 511 bytes of UTF-8
const multi512 = "é".repeat(256);
// Longer than the ops' stack buffer for keys, so read through their other path.
const huge = "😀".repeat(1500); // 6000 bytes of UTF-8
"#,
            r#"
    report("empty", await outcome(() => kv.set("", 1)));
    report("emptyGet", await outcome(() => kv.get("")));
    report("emptyExists", await outcome(() => kv.exists("")));
    report("emptyDelete", await outcome(() => kv.delete("")));
    report("long", await outcome(() => kv.set(long, 1)));
    report("longGet", await outcome(() => kv.get(long)));
    report("longExists", await outcome(() => kv.exists(long)));
    report("longDelete", await outcome(() => kv.delete(long)));
    report("multi512", await outcome(() => kv.set(multi512, 1)));
    report("multi511", await outcome(() => kv.set(multi511, "fits")));
    report("multi511Get", await outcome(() => kv.get(multi511)));
    report("multi511Exists", await kv.exists(multi511));
    report("hugeGet", await outcome(() => kv.get(huge)));
    report("hugeExists", await outcome(() => kv.exists(huge)));
    report("symbol", await outcome(() => kv.set(Symbol("s"), 1)));
    report("symbolGet", await outcome(() => kv.get(Symbol("s"))));
    report("symbolExists", await outcome(() => kv.exists(Symbol.iterator)));
    report("object", await outcome(() => kv.set({ id: 1 }, 1)));
    report("array", await outcome(() => kv.get(["a"])));
    report("stillRunning", true);
    report("number", await outcome(() => kv.set(42, "n")));
    report("numberGet", await outcome(() => kv.get("42")));
    report("numberExists", await kv.exists(42));
    report("keys", (await kv.list()).map((e) => (e.key === multi511 ? "<multi511>" : e.key)));
    report("size", kv.size());
"#,
        );
        for name in ["empty", "emptyGet", "emptyExists", "emptyDelete"] {
            r.assert_rejected(name, "KeyRequiredError");
        }
        for name in [
            "long",
            "longGet",
            "longExists",
            "longDelete",
            "multi512",
            "hugeGet",
            "hugeExists",
        ] {
            r.assert_rejected(name, "KeyTooLargeError");
        }
        assert!(
            r.get("hugeGet")["message"]
                .as_str()
                .is_some_and(|m| m.contains("6000")),
            "[{backend}] {}",
            r.get("hugeGet")
        );
        assert!(
            r.get("long")["message"]
                .as_str()
                .is_some_and(|m| m.contains("512") && m.contains("511")),
            "[{backend}] {}",
            r.get("long")
        );
        r.assert_resolved("multi511", json!("fits"));
        r.assert_resolved("multi511Get", json!("fits"));
        r.assert_eq("multi511Exists", json!(true));
        for name in ["symbol", "symbolGet", "symbolExists", "object", "array"] {
            r.assert_rejected(name, "InvalidKeyError");
        }
        r.assert_eq("stillRunning", json!(true));
        r.assert_resolved("number", json!("n"));
        r.assert_resolved("numberGet", json!("n"));
        r.assert_eq("numberExists", json!(true));
        r.assert_eq("keys", json!(["42", "<multi511>"]));
        r.assert_eq("size", json!(2));
    }
}

#[test]
fn keys_with_lone_surrogates_are_rejected_instead_of_aliasing() {
    // A lone surrogate would reach the store as U+FFFD, so "\ud800" and "\udfff" would be
    // one key; they are refused, while a real U+FFFD key works like any other.
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            "",
            r#"
    report("real", await outcome(() => kv.set("\ufffd", "real")));
    report("setLone", await outcome(() => kv.set("a\ud800", 1)));
    report("getLone", await outcome(() => kv.get("\ud800")));
    report("existsLone", await outcome(() => kv.exists("\udfff")));
    report("deleteLone", await outcome(() => kv.delete("\udfff")));
    report("listLone", await outcome(() => kv.list({ prefix: "\ud800" })));
    report("getReal", await outcome(() => kv.get("\ufffd")));
    report("existsReal", await kv.exists("\ufffd"));
    report("missingReal", await outcome(() => kv.get("x\ufffd")));
    report("pair", await outcome(() => kv.set("\ud83d\ude00", "emoji")));
    report("keys", (await kv.list()).map((e) => e.key));
"#,
        );
        r.assert_resolved("real", json!("real"));
        for name in ["setLone", "getLone", "existsLone", "deleteLone", "listLone"] {
            r.assert_rejected(name, "InvalidKeyError");
        }
        r.assert_resolved("getReal", json!("real"));
        r.assert_eq("existsReal", json!(true));
        r.assert_rejected("missingReal", "KeyNotFoundError");
        r.assert_resolved("pair", json!("emoji"));
        r.assert_eq("keys", json!(["\u{fffd}", "😀"]));
    }
}

#[test]
fn unserializable_values_are_rejected_and_not_stored() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            "",
            r#"
    await kv.set("existing", "before");
    const cyclic = { name: "loop" };
    cyclic.self = cyclic;
    const bad = {
        undefined: undefined,
        function: () => 1,
        symbol: Symbol("v"),
        bigint: 10n,
        nestedBigint: { n: [1n] },
        cyclic,
    };
    for (const [what, value] of Object.entries(bad)) {
        report(`set_${what}`, await outcome(() => kv.set(`bad-${what}`, value)));
        report(`exists_${what}`, await kv.exists(`bad-${what}`));
    }
    report("overwrite", await outcome(() => kv.set("existing", 10n)));
    report("existingAfter", await kv.get("existing"));
    report("size", kv.size());
"#,
        );
        for what in [
            "undefined",
            "function",
            "symbol",
            "bigint",
            "nestedBigint",
            "cyclic",
        ] {
            r.assert_rejected(&format!("set_{what}"), "SerializationError");
            r.assert_eq(&format!("exists_{what}"), json!(false));
        }
        r.assert_rejected("overwrite", "SerializationError");
        r.assert_eq("existingAfter", json!("before"));
        r.assert_eq("size", json!(1));
    }
}

#[test]
fn values_round_trip_exactly() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            "",
            r#"
    const cases = {
        nested: { a: { b: { c: [1, { d: null, e: true, f: 1.5, g: -0.25 }] } }, s: "x", o: {}, l: [] },
        array: [1, "two", [3, [4]], { five: 5 }, null, false],
        unicode: "héllo ✓ 🎉",
        nul: "a\u0000b",
        escapes: "quote \" backslash \\ newline \n tab \t",
        number: 123.456,
        zero: 0,
        negative: -7,
        large: 9007199254740991,
        yes: true,
        no: false,
        nothing: null,
        emptyString: "",
        emptyObject: {},
        emptyArray: [],
    };
    for (const [name, value] of Object.entries(cases)) {
        await kv.set(name, value);
        const back = await kv.get(name);
        report(`rt_${name}`, back);
        report(`same_${name}`, JSON.stringify(back) === JSON.stringify(value));
    }
    report("listedUnicode", (await kv.list({ prefix: "unicode" }))[0].value);
    const big = "x".repeat(1024 * 1024 - 3) + "✓"; // 1 MiB of UTF-8
    await kv.set("big", big);
    const back = await kv.get("big");
    report("bigSame", back === big);
    report("bigLength", back.length);
    const listed = await kv.list({ prefix: "big" });
    report("bigListedSame", listed.length === 1 && listed[0].value === big);
"#,
        );
        let cases = [
            (
                "nested",
                json!({ "a": { "b": { "c": [1, { "d": null, "e": true, "f": 1.5, "g": -0.25 }] } }, "s": "x", "o": {}, "l": [] }),
            ),
            (
                "array",
                json!([1, "two", [3, [4]], { "five": 5 }, null, false]),
            ),
            ("unicode", json!("héllo ✓ 🎉")),
            ("nul", json!("a\u{0}b")),
            ("escapes", json!("quote \" backslash \\ newline \n tab \t")),
            ("number", json!(123.456)),
            ("zero", json!(0)),
            ("negative", json!(-7)),
            ("large", json!(9007199254740991_u64)),
            ("yes", json!(true)),
            ("no", json!(false)),
            ("nothing", Value::Null),
            ("emptyString", json!("")),
            ("emptyObject", json!({})),
            ("emptyArray", json!([])),
        ];
        for (name, expected) in cases {
            r.assert_eq(&format!("rt_{name}"), expected);
            r.assert_eq(&format!("same_{name}"), json!(true));
        }
        r.assert_eq("listedUnicode", json!("héllo ✓ 🎉"));
        r.assert_eq("bigSame", json!(true));
        r.assert_eq("bigLength", json!(1024 * 1024 - 3 + 1));
        r.assert_eq("bigListedSame", json!(true));
    }
}

#[test]
fn string_serialization_stores_string_of_the_value() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            r#"const skv = openKv({ backend: BACKEND, serialization: "string" });"#,
            r#"
    report("setNumber", await outcome(() => skv.set("n", 42)));
    report("getNumber", await skv.get("n"));
    report("getNumberType", typeof (await skv.get("n")));
    report("setObject", await outcome(() => skv.set("o", { a: 1 })));
    report("getObject", await skv.get("o"));
    await skv.set("arr", [1, 2]);
    report("getArray", await skv.get("arr"));
    await skv.set("u", undefined);
    report("getUndefined", await skv.get("u"));
    await skv.set("s", "héllo ✓");
    report("getString", await skv.get("s"));
    report("listed", await skv.list({ prefix: "n" }));
    // Both handles see one store: JSON written by `kv` reads back as its text...
    await kv.set("j", { a: [1, "x"] });
    report("jsonAsText", await skv.get("j"));
    // ...and text that is not JSON cannot be read through a JSON handle.
    report("textAsJson", await outcome(() => kv.get("o")));
    report("textAsJsonList", await outcome(() => kv.list({ prefix: "o" })));
    report("missing", await outcome(() => skv.get("missing")));
"#,
        );
        r.assert_resolved("setNumber", json!(42));
        r.assert_eq("getNumber", json!("42"));
        r.assert_eq("getNumberType", json!("string"));
        r.assert_resolved("setObject", json!({ "a": 1 }));
        r.assert_eq("getObject", json!("[object Object]"));
        r.assert_eq("getArray", json!("1,2"));
        r.assert_eq("getUndefined", json!("undefined"));
        r.assert_eq("getString", json!("héllo ✓"));
        r.assert_eq("listed", json!([{ "key": "n", "value": "42" }]));
        r.assert_eq("jsonAsText", json!(r#"{"a":[1,"x"]}"#));
        r.assert_rejected("textAsJson", "SerializationError");
        r.assert_rejected("textAsJsonList", "SerializationError");
        r.assert_rejected("missing", "KeyNotFoundError");
    }
}

#[test]
fn open_kv_outside_init_fails_the_iteration_only() {
    let dir = tempdir();
    write(
        dir.path(),
        "test.js",
        r#"
import { openKv } from "k6/x/kv";

export default async function () {
    try {
        openKv({ backend: "memory" });
        console.log("opened=true");
    } catch (e) {
        console.log(`caught=${JSON.stringify({ name: e.name, plain: e.constructor === Error, message: e.message })}`);
    }
    openKv();
}
"#,
    );
    let (output, summary) = run_with_summary(dir.path(), "test.js", &[]);
    assert_code(&output, 0);
    assert_no_panic(&output);
    let err = stderr(&output);
    let info = info_lines(&err);
    assert_eq!(info.len(), 1, "{}", describe(&output));
    let caught: Value =
        serde_json::from_str(info[0].strip_prefix("caught=").expect("caught=")).expect("JSON");
    assert_eq!(caught["name"], json!("Error"), "{caught}");
    assert_eq!(caught["plain"], json!(true), "{caught}");
    assert!(
        caught["message"]
            .as_str()
            .is_some_and(|m| m.contains("init context")),
        "{caught}"
    );
    let erro = erro_lines(&err);
    assert!(
        erro.iter()
            .any(|l| l.contains("Error: openKv()") && l.contains("init context")),
        "{}",
        describe(&output)
    );
    assert_eq!(summary["iterations"], json!(1), "{summary}");
    assert_eq!(summary["failed_iterations"], json!(1), "{summary}");
    assert_eq!(summary["exit_code"], json!(0), "{summary}");
}

/// Runs a script whose init code is `openKv(<options>)` and returns its output.
fn run_open(dir: &Path, options: &str) -> std::process::Output {
    write(
        dir,
        "open.js",
        &format!(
            "import {{ openKv }} from \"k6/x/kv\";\nconst kv = openKv({options});\nexport default function () {{}}\n"
        ),
    );
    rk6(dir, &["run", "-q", "--no-summary", "open.js"])
}

#[test]
fn bad_open_kv_options_end_the_run_with_107() {
    let cases: &[(&str, &[&str])] = &[
        (
            r#"{ backend: "redis" }"#,
            &["redis", "backend", r#""disk""#, r#""memory""#],
        ),
        (
            r#"{ bakend: "memory" }"#,
            &["bakend", "backend, path, serialization"],
        ),
        (r#"{ backend: 42 }"#, &["backend", "42"]),
        (
            r#"{ backend: "memory", serialization: "xml" }"#,
            &["serialization", "xml", r#""json""#, r#""string""#],
        ),
        (
            r#"{ durability: "fast" }"#,
            &["durability", r#""fast""#, r#""full""#, r#""process""#],
        ),
        (r#"{ durability: 1 }"#, &["durability", "1", r#""full""#]),
        (
            r#"{ backend: "memory", durability: "process" }"#,
            &["durability", r#"backend: "disk""#],
        ),
        (r#"{ path: 42 }"#, &["path", "42"]),
        (r#"{ path: "" }"#, &["path", "non-empty"]),
        (r#"{ backend: "memory", path: "x.kv" }"#, &["path", "disk"]),
        (r#""memory""#, &["options object"]),
        (
            r#"{ backend: "memory", metrics: true }"#,
            &["metrics", "{ operations: true }", "boolean true"],
        ),
        (
            r#"{ backend: "memory", metrics: null }"#,
            &["metrics", "null"],
        ),
        (
            r#"{ backend: "memory", metrics: [] }"#,
            &["metrics", "an array"],
        ),
        (
            r#"{ backend: "memory", metrics: { operation: true } }"#,
            &[r#""operation""#, "valid options are operations"],
        ),
        (
            r#"{ backend: "memory", metrics: { operations: "yes" } }"#,
            &["metrics.operations", "true or false", r#""yes""#],
        ),
    ];
    let dir = tempdir();
    for (options, needles) in cases {
        let output = run_open(dir.path(), options);
        assert_code(&output, 107);
        assert_no_panic(&output);
        let err = stderr(&output);
        let first = erro_lines(&err).into_iter().next().unwrap_or_default();
        assert!(
            first.starts_with("InvalidOptionsError: "),
            "openKv({options}); {}",
            describe(&output)
        );
        for needle in *needles {
            assert!(
                first.contains(needle),
                "openKv({options}): the message should mention {needle}; {}",
                describe(&output)
            );
        }
    }
    assert!(!dir.path().join(".k6.kv").exists());
}

#[test]
fn one_path_opened_with_two_durabilities_is_an_invalid_option() {
    let dir = tempdir();
    write(
        dir.path(),
        "open.js",
        "import { openKv } from \"k6/x/kv\";\n\
         const full = openKv({ path: \"s.kv\" });\n\
         const fast = openKv({ path: \"s.kv\", durability: \"process\" });\n\
         export default function () {}\n",
    );
    let output = rk6(dir.path(), &["run", "-q", "--no-summary", "open.js"]);
    assert_code(&output, 107);
    assert_no_panic(&output);
    let err = stderr(&output);
    let first = erro_lines(&err).into_iter().next().unwrap_or_default();
    let canonical = dir.path().join("s.kv").canonicalize().expect("s.kv");
    for needle in [
        "InvalidOptionsError: The store at ",
        &canonical.display().to_string(),
        "is already open in this process with durability",
        "full",
        "cannot also be opened with durability",
        "process",
        "give every openKv() of one path the same durability option.",
    ] {
        assert!(first.contains(needle), "{needle}; {}", describe(&output));
    }
}

#[test]
fn process_durability_writes_are_in_the_file_after_the_run() {
    let dir = tempdir();
    write(
        dir.path(),
        "write.js",
        "import { openKv } from \"k6/x/kv\";\n\
         const kv = openKv({ path: \"s.kv\", durability: \"process\" });\n\
         const again = openKv({ path: \"s.kv\", durability: \"process\" });\n\
         export const options = { vus: 2, iterations: 10 };\n\
         export default async function () {\n\
           await kv.incrementBy(\"count\", 1);\n\
           await again.set(`k${__VU}-${__ITER}`, __ITER);\n\
         }\n",
    );
    let output = rk6(dir.path(), &["run", "-q", "--no-summary", "write.js"]);
    assert_code(&output, 0);
    // A later process with full durability reads what the run committed.
    let count = rk6(dir.path(), &["kv", "--path", "s.kv", "get", "count"]);
    assert_code(&count, 0);
    assert_eq!(stdout(&count).trim(), "10");
}

#[test]
fn disk_store_in_a_missing_directory_ends_the_run_with_107() {
    let dir = tempdir();
    let output = run_open(dir.path(), r#"{ path: "no/such/dir/store.kv" }"#);
    assert_code(&output, 107);
    assert_no_panic(&output);
    let err = stderr(&output);
    let first = erro_lines(&err).into_iter().next().unwrap_or_default();
    assert!(
        first.starts_with("StoreOpenError: "),
        "{}",
        describe(&output)
    );
    assert!(first.contains("no/such/dir"), "{}", describe(&output));
    assert!(!dir.path().join("no").exists());
}

#[test]
fn a_store_path_naming_a_directory_is_an_invalid_option() {
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("existing")).expect("mkdir");
    for (path, needle) in [
        ("dir/", "ends with a path separator"),
        ("existing/", "ends with a path separator"),
        ("existing", "is a directory"),
        (".", "is a directory"),
    ] {
        let output = run_open(dir.path(), &format!("{{ path: {path:?} }}"));
        assert_code(&output, 107);
        assert_no_panic(&output);
        let err = stderr(&output);
        let first = erro_lines(&err).into_iter().next().unwrap_or_default();
        assert!(
            first.starts_with("InvalidOptionsError: ") && first.contains(needle),
            "{path}: {}",
            describe(&output)
        );
        // Nothing was created: no file "dir", no "dir-lock", nothing in "existing".
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["existing", "open.js"], "{path}");
        assert_eq!(
            std::fs::read_dir(dir.path().join("existing"))
                .expect("read dir")
                .count(),
            0
        );
    }
}

#[test]
fn garbage_store_file_ends_the_run_with_107() {
    // Deterministic noise, several pages long, that LMDB cannot take for a store.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let garbage: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    for (name, contents) in [
        ("noise.kv", garbage),
        ("text.kv", b"this is not a key-value store\n".to_vec()),
    ] {
        let dir = tempdir();
        let path = dir.path().join(name);
        std::fs::write(&path, &contents).expect("write the garbage file");
        let output = run_open(dir.path(), &format!("{{ path: {name:?} }}"));
        assert_code(&output, 107);
        assert_no_panic(&output);
        let err = stderr(&output);
        let first = erro_lines(&err).into_iter().next().unwrap_or_default();
        assert!(
            first.starts_with("StoreOpenError: "),
            "{}",
            describe(&output)
        );
        assert!(
            first.contains(name) && first.contains("not an rk6/LMDB key-value store"),
            "{}",
            describe(&output)
        );
        assert_eq!(
            std::fs::read(&path).expect("the file is still there"),
            contents,
            "{name}: the file must be left untouched"
        );
        assert!(
            !dir.path().join(format!("{name}-lock")).exists(),
            "{name}: no stray lock file"
        );
    }
}

/// Each iteration writes `KEYS` (default 50) distinct keys `<PREFIX>it<iteration>-k<i>`, one
/// awaited write after the other; teardown logs the store size.
const WRITER: &str = r#"
import { openKv } from "k6/x/kv";
import exec from "k6/execution";

const kv = openKv({ backend: __ENV.BACKEND });
const KEYS = Number(__ENV.KEYS ?? 50);
const PREFIX = __ENV.PREFIX ?? "";

export default async function () {
    const it = exec.scenario.iterationInTest;
    for (let i = 0; i < KEYS; i++) {
        await kv.set(`${PREFIX}it${it}-k${i}`, { it, i, vu: exec.vu.idInTest });
    }
}

export async function teardown() {
    console.log(`size=${kv.size()}`);
}
"#;

#[test]
fn twenty_vus_writing_distinct_keys_lose_nothing() {
    for backend in BACKENDS {
        let dir = tempdir();
        write(dir.path(), "writer.js", WRITER);
        let env = format!("BACKEND={backend}");
        let (output, summary) = run_with_summary(
            dir.path(),
            "writer.js",
            &["-u", "20", "-i", "20", "-e", &env],
        );
        assert_code(&output, 0);
        assert_no_panic(&output);
        assert_eq!(summary["iterations"], json!(20), "[{backend}] {summary}");
        assert_eq!(
            summary["failed_iterations"],
            json!(0),
            "[{backend}] {summary}"
        );
        assert_eq!(summary["vus_max"], json!(20), "[{backend}] {summary}");
        assert_eq!(
            info_lines(&stderr(&output)),
            ["size=1000"],
            "[{backend}] {}",
            describe(&output)
        );
        if backend == "disk" {
            let size = rk6(dir.path(), &["kv", "--path", ".k6.kv", "size"]);
            assert_code(&size, 0);
            assert_eq!(stdout(&size).trim(), "1000", "{}", describe(&size));
            let listed = rk6(dir.path(), &["kv", "list", "--prefix", "it7-"]);
            assert_code(&listed, 0);
            assert_eq!(stdout(&listed).lines().count(), 50, "{}", describe(&listed));
        }
    }
}

#[test]
fn disk_store_persists_across_runs() {
    let dir = tempdir();
    write(
        dir.path(),
        "counter.js",
        r#"
import { openKv } from "k6/x/kv";

const kv = openKv();

export default async function () {
    const first = !(await kv.exists("counter"));
    const count = first ? 1 : (await kv.get("counter")) + 1;
    if (first) {
        await kv.set("greeting", { hello: "wörld", list: [1, 2, 3] });
    }
    await kv.set("counter", count);
    console.log(`count=${count}`);
    console.log(`greeting=${JSON.stringify(await kv.get("greeting"))}`);
}
"#,
    );
    for run in 1..=3 {
        let output = rk6(dir.path(), &["run", "-q", "--no-summary", "counter.js"]);
        assert_code(&output, 0);
        assert_eq!(
            info_lines(&stderr(&output)),
            [
                format!("count={run}"),
                r#"greeting={"hello":"wörld","list":[1,2,3]}"#.to_owned()
            ],
            "run {run}; {}",
            describe(&output)
        );
    }
    let counter = rk6(dir.path(), &["kv", "get", "counter"]);
    assert_code(&counter, 0);
    assert_eq!(stdout(&counter).trim(), "3");
}

#[test]
fn writes_left_unawaited_by_the_last_iterations_are_stored() {
    // The CLI leaves VUs standing at exit (Runner::leave_vus_for_exit), except while a disk
    // store is open: the store commits what is queued as the VUs drop their handles.
    let dir = tempdir();
    write(
        dir.path(),
        "unawaited.js",
        r#"
import exec from "k6/execution";
import { openKv } from "k6/x/kv";

const kv = openKv();

export default function () {
    kv.set(`iteration-${exec.scenario.iterationInTest}`, __VU);
}
"#,
    );
    let output = rk6(
        dir.path(),
        &[
            "run",
            "-q",
            "--no-summary",
            "-u",
            "20",
            "-i",
            "20",
            "unawaited.js",
        ],
    );
    assert_code(&output, 0);
    let listed = rk6(dir.path(), &["kv", "list"]);
    assert_code(&listed, 0);
    assert_eq!(stdout(&listed).lines().count(), 20, "{}", describe(&listed));
}

#[test]
fn concurrent_processes_share_one_disk_store() {
    let dir = tempdir();
    write(dir.path(), "writer.js", WRITER);
    let args = |prefix: &'static str| {
        [
            "run",
            "-q",
            "--no-summary",
            "-u",
            "4",
            "-i",
            "8",
            "-e",
            "BACKEND=disk",
            "-e",
            prefix,
            "writer.js",
        ]
    };
    let a = spawn(dir.path(), &args("PREFIX=a-"));
    let b = spawn(dir.path(), &args("PREFIX=b-"));
    for output in [wait(a), wait(b)] {
        assert_code(&output, 0);
        assert_no_panic(&output);
        assert!(
            erro_lines(&stderr(&output)).is_empty(),
            "{}",
            describe(&output)
        );
    }
    let size = rk6(dir.path(), &["kv", "size"]);
    assert_code(&size, 0);
    assert_eq!(stdout(&size).trim(), "800", "{}", describe(&size));
    for prefix in ["a-", "b-"] {
        let listed = rk6(dir.path(), &["kv", "list", "--prefix", prefix]);
        assert_code(&listed, 0);
        assert_eq!(stdout(&listed).lines().count(), 400, "{prefix}");
    }
}

/// `incrementBy` on disk runs inside LMDB's write transaction, so two processes counting
/// in one store lose nothing (get-then-set would).
#[test]
fn two_processes_increment_one_disk_counter_exactly() {
    let dir = tempdir();
    write(
        dir.path(),
        "count.js",
        "import { openKv } from \"k6/x/kv\";\n\
         const kv = openKv();\n\
         export const options = { vus: 10, iterations: 10 };\n\
         export default async function () {\n\
           for (let i = 0; i < 1000; i++) await kv.incrementBy(\"n\", 1);\n\
         }\n",
    );
    let args = ["run", "-q", "--no-summary", "count.js"];
    let (a, b) = (spawn(dir.path(), &args), spawn(dir.path(), &args));
    for output in [wait(a), wait(b)] {
        assert_code(&output, 0);
        assert_no_panic(&output);
        assert!(
            erro_lines(&stderr(&output)).is_empty(),
            "{}",
            describe(&output)
        );
    }
    let counter = rk6(dir.path(), &["kv", "get", "n"]);
    assert_code(&counter, 0);
    assert_eq!(stdout(&counter).trim(), "20000", "{}", describe(&counter));
}

/// Two processes popping and claiming from one disk pool: each process's key index goes
/// stale with every commit of the other, and still no entry is handed out twice.
#[test]
fn two_processes_pop_and_claim_each_disk_entry_once() {
    let dir = tempdir();
    write(
        dir.path(),
        "fill.js",
        "import { openKv } from \"k6/x/kv\";\n\
         const kv = openKv();\n\
         export default async function () {\n\
           await kv.clear();\n\
           await Promise.all(Array.from({ length: 300 }, (_, i) => kv.set(`pool:${i}`, i)));\n\
           await Promise.all(Array.from({ length: 300 }, (_, i) => kv.set(`lease:${i}`, i)));\n\
         }\n",
    );
    assert_code(
        &rk6(dir.path(), &["run", "-q", "--no-summary", "fill.js"]),
        0,
    );
    write(
        dir.path(),
        "drain.js",
        "import { openKv } from \"k6/x/kv\";\n\
         const kv = openKv();\n\
         export const options = { vus: 5, iterations: 5 };\n\
         export default async function () {\n\
           let e;\n\
           while ((e = await kv.popRandom({ prefix: \"pool:\" })) !== null) await kv.incrementBy(`popped/${e.key}`, 1);\n\
           while ((e = await kv.claimRandom({ prefix: \"lease:\", ttl: 600000 })) !== null) await kv.incrementBy(`claimed/${e.key}`, 1);\n\
         }\n",
    );
    let args = ["run", "-q", "--no-summary", "drain.js"];
    let (a, b) = (spawn(dir.path(), &args), spawn(dir.path(), &args));
    for output in [wait(a), wait(b)] {
        assert_code(&output, 0);
        assert_no_panic(&output);
    }
    write(
        dir.path(),
        "check.js",
        "import { openKv } from \"k6/x/kv\";\n\
         const kv = openKv();\n\
         export default async function () {\n\
           const popped = await kv.list({ prefix: \"popped/\" });\n\
           const claimed = await kv.list({ prefix: \"claimed/\" });\n\
           const stats = await kv.stats();\n\
           console.log([popped.length, popped.every((e) => e.value === 1), claimed.length,\n\
             claimed.every((e) => e.value === 1), await kv.count({ prefix: \"pool:\" }), stats.claims.live].join(\" \"));\n\
         }\n",
    );
    let check = rk6(dir.path(), &["run", "-q", "--no-summary", "check.js"]);
    assert_code(&check, 0);
    assert_eq!(info_lines(&stderr(&check)), ["300 true 300 true 0 300"]);
}

#[test]
fn setup_default_and_teardown_share_the_store() {
    for backend in BACKENDS {
        let dir = tempdir();
        write(
            dir.path(),
            "lifecycle.js",
            r#"
import { openKv } from "k6/x/kv";
import exec from "k6/execution";

const kv = openKv({ backend: __ENV.BACKEND });

export async function setup() {
    await kv.clear();
    await kv.set("from-setup", "hello");
    return { ready: true };
}

export default async function (data) {
    const seen = await kv.get("from-setup");
    await kv.set(`iter-${exec.scenario.iterationInTest}`, { seen, ready: data.ready });
}

export async function teardown() {
    const entries = await kv.list({ prefix: "iter-" });
    console.log(`iterations=${entries.length}`);
    console.log(`values=${JSON.stringify([...new Set(entries.map((e) => JSON.stringify(e.value)))])}`);
    console.log(`size=${kv.size()}`);
}
"#,
        );
        let env = format!("BACKEND={backend}");
        let output = rk6(
            dir.path(),
            &[
                "run",
                "-q",
                "--no-summary",
                "-u",
                "3",
                "-i",
                "6",
                "-e",
                &env,
                "lifecycle.js",
            ],
        );
        assert_code(&output, 0);
        assert_eq!(
            info_lines(&stderr(&output)),
            [
                "iterations=6",
                r#"values=["{\"seen\":\"hello\",\"ready\":true}"]"#,
                "size=7"
            ],
            "[{backend}] {}",
            describe(&output)
        );
    }
}

#[test]
fn producer_consumer_example_hands_over_ten_tokens() {
    let dir = tempdir();
    let script = example("producer-consumer.js");
    let started = Instant::now();
    let output = rk6(
        dir.path(),
        &[
            "run",
            "-q",
            "--no-summary",
            script.to_str().expect("UTF-8 path"),
        ],
    );
    let took = started.elapsed();
    assert_code(&output, 0);
    assert_no_panic(&output);
    let info = info_lines(&stderr(&output));
    assert_eq!(
        info.iter()
            .filter(|l| l.starts_with("produced token-"))
            .count(),
        10,
        "{}",
        describe(&output)
    );
    assert!(
        info.iter().any(|l| l == "consumer found 10 tokens"),
        "{}",
        describe(&output)
    );
    assert!(
        info.iter()
            .any(|l| l == "consumer deleted them; 0 keys left"),
        "{}",
        describe(&output)
    );
    // The consumer starts at 5 s, so the run cannot be shorter.
    assert!(
        took >= Duration::from_secs(5),
        "the run took {took:?}, less than the consumer's 5 s start time"
    );
}

/// A disk store at `path` with `keys` entries `key:NNNNN`, written through the library.
fn fill_store(path: &Path, keys: usize) {
    let store = rk6::kv::DiskStore::open(path).expect("open");
    for i in 0..keys {
        drop(rk6::kv::Store::set(
            &*store,
            &format!("key:{i:05}"),
            format!("{{\"n\":{i}}}").into_bytes(),
        ));
    }
}

#[test]
fn a_damaged_store_is_refused_instead_of_crashing_and_check_reports_it() {
    let dir = tempdir();
    let good = dir.path().join("good.kv");
    fill_store(&good, 3000);
    let bytes = std::fs::read(&good).expect("read the store");
    // `head -c 8192 good.kv > t.kv`: both header pages, none of the data.
    std::fs::write(dir.path().join("t.kv"), &bytes[..8192]).expect("write t.kv");
    // One zeroed page in the middle of those in use. Which pages hold live data depends on
    // how the writes were grouped into commits (a page on the free list may be zeroed
    // harmlessly), so take the first from the middle that the checker calls damaging.
    let in_use = rk6::kv::check_file(&good).expect("check").pages as usize;
    let z = dir.path().join("z.kv");
    let damaging = (in_use / 2..in_use).chain(2..in_use / 2).find(|&page| {
        let mut zeroed = bytes.clone();
        zeroed[page * 4096..(page + 1) * 4096].fill(0);
        std::fs::write(&z, &zeroed).expect("write z.kv");
        !rk6::kv::check_file(&z).expect("check").is_healthy()
    });
    let damaging = damaging.unwrap_or_else(|| panic!("no page of {in_use} in use is damaging"));

    for name in ["t.kv", "z.kv"] {
        for args in [vec!["list"], vec!["size"], vec!["get", "key:00001"]] {
            let mut full = vec!["kv", "--path", name];
            full.extend(&args);
            let output = rk6(dir.path(), &full);
            assert_code(&output, 255);
            assert_no_panic(&output);
            let first = erro_lines(&stderr(&output))
                .into_iter()
                .next()
                .unwrap_or_default();
            assert!(
                first.starts_with("StoreOpenError: ")
                    && first.contains(name)
                    && first.contains("the file is damaged"),
                "{name} {args:?}: {}",
                describe(&output)
            );
        }
        let output = run_open(dir.path(), &format!("{{ path: {name:?} }}"));
        assert_code(&output, 107);
        let first = erro_lines(&stderr(&output))
            .into_iter()
            .next()
            .unwrap_or_default();
        assert!(
            first.starts_with("StoreOpenError: ") && first.contains("damaged"),
            "{name}: {}",
            describe(&output)
        );
        assert!(!dir.path().join(format!("{name}-lock")).exists(), "{name}");

        let check = rk6(dir.path(), &["kv", "--path", name, "check"]);
        assert_code(&check, 1);
        assert_no_panic(&check);
        let out = stdout(&check);
        assert!(out.contains("damaged: "), "{}", describe(&check));
        assert!(
            // 3000 entries and the store's counter record.
            out.contains("the header records 3001"),
            "{}",
            describe(&check)
        );
    }
    let truncated = stdout(&rk6(dir.path(), &["kv", "--path", "t.kv", "check"]));
    assert!(
        truncated.contains("lies beyond the end of the file (8192 bytes): it was truncated"),
        "{truncated}"
    );
    let zero = stdout(&rk6(dir.path(), &["kv", "--path", "z.kv", "check"]));
    assert!(
        zero.contains(&format!("page {damaging} has the header of page 0")),
        "{zero}"
    );

    let check = rk6(dir.path(), &["kv", "--path", "good.kv", "check"]);
    assert_code(&check, 0);
    let out = stdout(&check);
    assert!(
        out.contains(
            "entries: 3000 found (0 expired), plus 1 of the store's own records; the header records 3001"
        )
            && out.contains("ok: no problems found"),
        "{}",
        describe(&check)
    );
    let missing = rk6(dir.path(), &["kv", "--path", "nope.kv", "check"]);
    assert_code(&missing, 255);
}

/// The script of [`creating_a_store_without_disk_space_fails_cleanly`].
fn assert_refused_for_space(dir: &Path, output: &std::process::Output, before: &[String]) {
    assert_code(output, 107);
    assert_no_panic(output);
    let first = erro_lines(&stderr(output))
        .into_iter()
        .next()
        .unwrap_or_default();
    assert!(
        first.starts_with("StoreOpenError: ")
            && first.contains("store.kv")
            && first.contains("not enough space"),
        "{}",
        describe(output)
    );
    assert_eq!(
        names_in(dir),
        before,
        "a failed open must leave no files behind"
    );
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn creating_a_store_without_disk_space_fails_cleanly() {
    use std::os::unix::process::CommandExt;
    let dir = tempdir();
    let script = write(
        dir.path(),
        "open.js",
        "import { openKv } from \"k6/x/kv\";\nconst kv = openKv({ path: \"store.kv\" });\nexport default function () {}\n",
    );
    let before = names_in(dir.path());
    // A file-size limit makes every write past 16 KiB fail (EFBIG) like a full disk does;
    // SIGXFSZ is ignored so the write fails instead of the signal killing the process.
    let mut cmd = command(
        dir.path(),
        &["run", "-q", "--no-summary", script.to_str().unwrap()],
    );
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 16 * 1024,
                rlim_max: 16 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let output = wait(cmd.spawn().expect("start rk6"));
    assert_refused_for_space(dir.path(), &output, &before);
}

#[test]
fn creating_a_store_on_a_full_tmpfs_fails_cleanly() {
    let dir = tempdir();
    let mount_point = dir.path().join("small");
    std::fs::create_dir(&mount_point).expect("mkdir");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(&mount_point)
        .output();
    match mounted {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            eprintln!(
                "SKIPPED: cannot mount a tmpfs here ({}); the RLIMIT_FSIZE test covers this",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return;
        }
        Err(e) => {
            eprintln!("SKIPPED: cannot run mount ({e}); the RLIMIT_FSIZE test covers this");
            return;
        }
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&mount_point);
    let script = write(
        &mount_point,
        "open.js",
        "import { openKv } from \"k6/x/kv\";\nconst kv = openKv({ path: \"store.kv\" });\nexport default function () {}\n",
    );
    // Fill the file system to the last byte.
    let filler = std::fs::File::create(mount_point.join("filler")).expect("filler");
    let chunk = vec![0u8; 4096];
    let mut writer = std::io::BufWriter::new(filler);
    while std::io::Write::write_all(&mut writer, &chunk).is_ok() {}
    drop(writer);
    let before = names_in(&mount_point);
    let output = rk6(
        &mount_point,
        &["run", "-q", "--no-summary", script.to_str().unwrap()],
    );
    assert_refused_for_space(&mount_point, &output, &before);
}

/// Set by [`a_stopped_process_holding_the_write_lock_delays_shutdown_boundedly`] for the copy
/// of this test binary that holds the store's write lock.
const LOCK_HOLDER_VAR: &str = "RK6_TEST_HOLD_WRITE_LOCK";

/// Takes the store's write lock through LMDB, creates `PATH.holding` and waits to be stopped
/// and killed. Does nothing in a normal test run.
#[test]
fn child_lock_holder() {
    let Some(path) = std::env::var_os(LOCK_HOLDER_VAR) else {
        return;
    };
    let path = std::path::PathBuf::from(path);
    let mut options = heed::EnvOpenOptions::new().read_txn_without_tls();
    options.map_size(1 << 30).max_readers(1024);
    // SAFETY: the flags rk6 uses; the file is only touched through LMDB.
    let env = unsafe {
        options.flags(heed::EnvFlags::NO_SUB_DIR);
        options.open(&path)
    }
    .expect("open the store");
    let _txn = env.write_txn().expect("take the write lock");
    let mut marker = path.into_os_string();
    marker.push(".holding");
    std::fs::write(&marker, b"").expect("marker");
    std::thread::sleep(Duration::from_secs(600));
}

#[test]
fn a_stopped_process_holding_the_write_lock_delays_shutdown_boundedly() {
    let dir = tempdir();
    let path = dir.path().join("s.kv");
    fill_store(&path, 10);
    let mut holder = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "child_lock_holder", "--test-threads=1"])
        .env(LOCK_HOLDER_VAR, &path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the lock holder");
    struct Kill<'a>(&'a mut std::process::Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let pid = holder.id().to_string();
    let _kill = Kill(&mut holder);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.path().join("s.kv.holding").exists() {
        assert!(
            Instant::now() < deadline,
            "the lock holder never took the lock"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let stopped = std::process::Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .expect("kill -STOP");
    assert!(stopped.success());

    // `rk6 kv clear` gives up after its --timeout and says why.
    let started = Instant::now();
    let clear = rk6(
        dir.path(),
        &["kv", "--path", "s.kv", "clear", "--timeout", "1s"],
    );
    assert_code(&clear, 255);
    assert_no_panic(&clear);
    let first = erro_lines(&stderr(&clear))
        .into_iter()
        .next()
        .unwrap_or_default();
    assert!(
        first.starts_with("WriteTimeoutError: The write was not committed within 1s")
            && first.contains("--timeout"),
        "{}",
        describe(&clear)
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let bad_timeout = rk6(
        dir.path(),
        &["kv", "--path", "s.kv", "clear", "--timeout", "soon"],
    );
    assert_code(&bad_timeout, 104);

    // A run whose writes cannot commit ends after gracefulStop plus the store's close
    // timeout, reporting the writes it had to give up.
    write(
        dir.path(),
        "writer.js",
        r#"
import { openKv } from "k6/x/kv";
const kv = openKv({ path: "s.kv" });
export const options = {
    scenarios: { w: { executor: "constant-vus", vus: 1, duration: "2s", gracefulStop: "1s" } },
};
export default async function () {
    kv.set(`unawaited-${__ITER}`, 1);
    await kv.set(`awaited-${__ITER}`, 2);
}
"#,
    );
    let started = Instant::now();
    let run = rk6(dir.path(), &["run", "-q", "--no-summary", "writer.js"]);
    let took = started.elapsed();
    assert_no_panic(&run);
    assert_code(&run, 0);
    assert!(took < Duration::from_secs(60), "the run took {took:?}");
    let err = stderr(&run);
    let line = erro_lines(&err)
        .into_iter()
        .find(|l| l.starts_with("WriteTimeoutError: "))
        .unwrap_or_else(|| panic!("no WriteTimeoutError line; {}", describe(&run)));
    assert!(
        line.contains("2 write(s) to") && line.contains("s.kv") && line.contains("withdrawn"),
        "{line}"
    );
}

#[test]
fn expire_in_hides_entries_from_every_read_at_once() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            r#"import { sleep } from "k6";"#,
            r#"
    report("set", await outcome(() => kv.set("t:soon", { v: 1 }, { expireIn: 1500 })));
    await kv.set("t:kept", 2);
    await kv.set("t:later", 3, { expireIn: 3600000 });
    report("before", [await kv.get("t:soon"), await kv.exists("t:soon"), await kv.count({ prefix: "t:" }), kv.size()]);
    sleep(1.6);
    report("get", await outcome(() => kv.get("t:soon")));
    report("after", [
        await kv.exists("t:soon"),
        (await kv.list()).map((e) => e.key),
        (await kv.scan({ prefix: "t:" })).entries.map((e) => e.key),
        await kv.count({ prefix: "t:" }),
        kv.size(),
        await kv.randomKey({ prefix: "t:s" }),
        await kv.popRandom({ prefix: "t:s" }),
        await kv.getEntry("t:soon"),
    ]);
    report("absentAgain", await outcome(() => kv.setIfAbsent("t:soon", "new")));
    for (const bad of [0, -5, "100", NaN, Infinity, null]) {
        report(`bad${String(bad)}`, await outcome(() => kv.set("t:bad", 1, { expireIn: bad })));
    }
    report("badOptions", await outcome(() => kv.set("t:bad", 1, 5)));
    report("badStored", await kv.exists("t:bad"));
"#,
        );
        r.assert_resolved("set", json!({ "v": 1 }));
        r.assert_eq("before", json!([{ "v": 1 }, true, 3, 3]));
        r.assert_rejected("get", "KeyNotFoundError");
        r.assert_eq(
            "after",
            json!([
                false,
                ["t:kept", "t:later"],
                ["t:kept", "t:later"],
                2,
                2,
                "",
                null,
                { "key": "t:soon", "value": null, "versionstamp": null }
            ]),
        );
        r.assert_resolved("absentAgain", json!(true));
        for bad in ["0", "-5", "100", "NaN", "Infinity"] {
            r.assert_rejected(&format!("bad{bad}"), "InvalidOptionsError");
        }
        // Only leaving expireIn out means "never"; null is not a number of milliseconds.
        r.assert_rejected("badnull", "InvalidOptionsError");
        r.assert_rejected("badOptions", "InvalidOptionsError");
        r.assert_eq("badStored", json!(false));
    }
}

#[test]
fn get_entry_versionstamps_and_atomic_commits() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            "",
            r#"
    report("absent", await kv.getEntry("a"));
    await kv.set("a", 10);
    const a = await kv.getEntry("a");
    report("entry", [a.key, a.value, /^[0-9a-f]{20}$/.test(a.versionstamp)]);
    const first = await kv.atomic()
        .check(a)
        .check("b", null)
        .sum("a", -3)
        .sum("b", 3)
        .set("c", { x: 1 }, { expireIn: 3600000 })
        .set("gone", 1)
        .delete("gone")
        .commit();
    report("first", [first.ok, first.versionstamp > a.versionstamp]);
    report("values", [await kv.get("a"), await kv.get("b"), await kv.get("c"), await kv.exists("gone")]);
    report("stamps", [(await kv.getEntry("a")).versionstamp === first.versionstamp,
                      (await kv.getEntry("c")).versionstamp === first.versionstamp]);
    report("stale", await kv.atomic().check("a", a.versionstamp).set("a", 0).commit());
    report("presentNotAbsent", await kv.atomic().check("b", null).set("b", 0).commit());
    report("unchanged", [await kv.get("a"), await kv.get("b")]);
    await kv.set("text", "abc");
    report("sumText", await outcome(() => kv.atomic().set("x", 1).sum("text", 1).commit()));
    report("xAbsent", await kv.exists("x"));
    report("badStamp", await outcome(() => kv.atomic().check("a", "12").commit()));
    report("badSum", await outcome(() => kv.atomic().sum("a", "1")));
    report("badCheck", await outcome(() => kv.atomic().check(42)));
    report("empty", (await kv.atomic().commit()).ok);
"#,
        );
        r.assert_eq(
            "absent",
            json!({ "key": "a", "value": null, "versionstamp": null }),
        );
        r.assert_eq("entry", json!(["a", 10, true]));
        r.assert_eq("first", json!([true, true]));
        r.assert_eq("values", json!([7, 3, { "x": 1 }, false]));
        r.assert_eq("stamps", json!([true, true]));
        r.assert_eq("stale", json!({ "ok": false }));
        r.assert_eq("presentNotAbsent", json!({ "ok": false }));
        r.assert_eq("unchanged", json!([7, 3]));
        r.assert_rejected("sumText", "NotANumberError");
        r.assert_eq("xAbsent", json!(false));
        r.assert_rejected("badStamp", "InvalidOptionsError");
        r.assert_rejected("badSum", "InvalidOptionsError");
        r.assert_rejected("badCheck", "InvalidOptionsError");
        r.assert_eq("empty", json!(true));
    }
}

/// Runs `script` with `-e BACKEND=…` and returns its console lines.
fn run_lines(backend: &str, script: &str) -> Vec<String> {
    let dir = tempdir();
    write(dir.path(), "test.js", script);
    let env = format!("BACKEND={backend}");
    let out = rk6(
        dir.path(),
        &["run", "-q", "--no-summary", "-e", &env, "test.js"],
    );
    assert_code(&out, 0);
    assert_no_panic(&out);
    info_lines(&stderr(&out))
}

#[test]
fn ten_vus_moving_money_between_twenty_accounts_keep_the_total() {
    let script = r#"
import { openKv } from "k6/x/kv";
const kv = openKv({ backend: __ENV.BACKEND });
export const options = { vus: 10, iterations: 10 };
export async function setup() {
    await kv.clear();
    for (let i = 0; i < 20; i++) await kv.set(`acct:${i}`, 1000);
}
export default async function () {
    let moved = 0, conflicts = 0;
    while (moved < 100) {
        const from = `acct:${Math.floor(Math.random() * 20)}`;
        const to = `acct:${Math.floor(Math.random() * 20)}`;
        if (from === to) continue;
        const [a, b] = [await kv.getEntry(from), await kv.getEntry(to)];
        const amount = Math.min(a.value, 1 + Math.floor(Math.random() * 50));
        const res = await kv.atomic().check(a, b).sum(from, -amount).sum(to, amount).commit();
        if (res.ok) moved++; else conflicts++;
    }
    await kv.incrementBy("transfers", moved);
}
export async function teardown() {
    let total = 0, negative = 0;
    for (const { value } of await kv.list({ prefix: "acct:" })) {
        total += value;
        if (value < 0) negative++;
    }
    console.log(`${total} ${negative} ${await kv.get("transfers")}`);
}
"#;
    for backend in BACKENDS {
        assert_eq!(run_lines(backend, script), ["20000 0 1000"], "[{backend}]");
    }
}

#[test]
fn twenty_vus_popping_and_claiming_get_each_entry_once() {
    let script = r#"
import { openKv } from "k6/x/kv";
const kv = openKv({ backend: __ENV.BACKEND });
export const options = { vus: 20, iterations: 20 };
export async function setup() {
    await kv.clear();
    for (let i = 0; i < 300; i++) await kv.set(`pop:${i}`, i);
    for (let i = 0; i < 300; i++) await kv.set(`claim:${i}`, i);
}
export default async function () {
    let entry;
    while ((entry = await kv.popRandom({ prefix: "pop:" })) !== null) {
        if (entry.key !== `pop:${entry.value}`) throw new Error(`wrong value ${JSON.stringify(entry)}`);
        await kv.incrementBy(`popped/${entry.key}`, 1);
    }
    let claim;
    while ((claim = await kv.claimRandom({ prefix: "claim:", owner: `vu-${__VU}`, ttl: 60000 })) !== null) {
        if (claim.owner !== `vu-${__VU}` || claim.entry.key !== claim.key) throw new Error("bad claim");
        await kv.incrementBy(`claimed/${claim.key}`, 1);
        if (!(await kv.completeClaim(claim))) throw new Error("could not complete");
    }
}
export async function teardown() {
    const popped = await kv.list({ prefix: "popped/" });
    const claimed = await kv.list({ prefix: "claimed/" });
    console.log([
        popped.length, popped.every((e) => e.value === 1),
        claimed.length, claimed.every((e) => e.value === 1),
        await kv.count({ prefix: "pop:" }), await kv.count({ prefix: "claim:" }),
    ].join(" "));
}
"#;
    for backend in BACKENDS {
        assert_eq!(
            run_lines(backend, script),
            ["300 true 300 true 0 0"],
            "[{backend}]"
        );
    }
}

#[test]
fn claims_are_released_completed_or_expire_and_stats_count_them() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            r#"import { sleep } from "k6";"#,
            r#"
    for (const k of ["q:a", "q:b", "q:c"]) await kv.set(k, { job: k });
    await kv.set("other", 1);
    const claims = [];
    for (let i = 0; i < 3; i++) claims.push(await kv.claimRandom({ prefix: "q:", owner: "me" }));
    claims.sort((x, y) => (x.key < y.key ? -1 : 1));
    const c = claims[0];
    report("shape", [Object.keys(c).sort(), c.key, c.owner, c.entry, c.token.length,
                     c.expiresAt - Date.now() > 25000 && c.expiresAt - Date.now() <= 30000]);
    report("none", [await kv.claimRandom({ prefix: "q:" }), await kv.randomKey({ prefix: "q:" }),
                    await kv.popRandom({ prefix: "q:" })]);
    report("stats1", await kv.stats());
    report("wrongToken", await kv.releaseClaim({ ...c, token: "x" }));
    report("release", [await kv.releaseClaim(c), await kv.releaseClaim(c)]);
    const again = await kv.claimRandom({ prefix: "q:", owner: "other", ttl: 100 });
    report("again", [again.key, again.owner]);
    report("keep", [await kv.completeClaim(claims[1], { deleteKey: false }), await kv.exists("q:b")]);
    report("complete", [await kv.completeClaim(claims[2]), await kv.exists("q:c")]);
    sleep(0.2);
    report("stats2", (await kv.stats()).claims);
    report("expired", [await kv.completeClaim(again), await kv.exists("q:a"), await kv.randomKey({ prefix: "q:a" })]);
    report("badClaim", await outcome(() => kv.releaseClaim({ key: "q:a" })));
    report("badTtl", await outcome(() => kv.claimRandom({ ttl: -1 })));
    report("badOwner", await outcome(() => kv.claimRandom({ owner: 5 })));
    report("badDeleteKey", await outcome(() => kv.completeClaim(c, { deleteKey: "yes" })));
    report("badPrefix", await outcome(() => kv.randomKey({ prefix: 1 })));
"#,
        );
        r.assert_eq(
            "shape",
            json!([
                ["entry", "expiresAt", "id", "key", "owner", "token"],
                "q:a",
                "me",
                { "key": "q:a", "value": { "job": "q:a" } },
                32,
                true
            ]),
        );
        r.assert_eq("none", json!([null, "", null]));
        let stats = r.get("stats1").clone();
        assert_eq!(stats["backend"], json!(backend));
        assert_eq!(stats["serialization"], json!("json"));
        assert_eq!(stats["count"], json!(4));
        assert_eq!(stats["claims"], json!({ "live": 3, "expired": 0 }));
        if backend == "disk" {
            assert!(
                stats["disk"]["path"].as_str().unwrap().ends_with(".k6.kv"),
                "{stats}"
            );
            assert!(
                stats["disk"]["sizeBytes"].as_f64().unwrap() > 0.0,
                "{stats}"
            );
        } else {
            assert_eq!(stats.get("disk"), None, "{stats}");
        }
        r.assert_eq("wrongToken", json!(false));
        r.assert_eq("release", json!([true, false]));
        r.assert_eq("again", json!(["q:a", "other"]));
        r.assert_eq("keep", json!([true, true]));
        r.assert_eq("complete", json!([true, false]));
        r.assert_eq("stats2", json!({ "live": 0, "expired": 1 }));
        r.assert_eq("expired", json!([false, true, "q:a"]));
        for name in [
            "badClaim",
            "badTtl",
            "badOwner",
            "badDeleteKey",
            "badPrefix",
        ] {
            r.assert_rejected(name, "InvalidOptionsError");
        }
    }
}

/// The work-queue, account-pool, transaction and expiry examples, run unchanged.
#[test]
fn second_edition_examples_print_what_they_promise() {
    let run = run_example;
    assert_eq!(
        run("job-queue.js"),
        [
            "processed 200 of 200 jobs, 20 retried once",
            "jobs left: 0, live claims: 0"
        ]
    );
    assert_eq!(
        run("unique-users.js"),
        ["100 accounts handed out, each once; 0 left"]
    );
    let transfers = run("bank-transfers.js");
    assert_eq!(transfers.len(), 2, "{transfers:?}");
    assert_eq!(
        transfers[0],
        "total: 20000 (started at 20000); lowest balance >= 0: true"
    );
    assert!(
        transfers[1].ends_with("commits retried after a conflict"),
        "{transfers:?}"
    );
    assert_eq!(
        run("expiring-sessions.js"),
        [
            "first window: 15 of 25 requests allowed (limit 3 per user)",
            "after the window: 5 of 5 allowed",
            "sessions left: 0"
        ]
    );
}

/// `close()` releases the VU's handle: every later call on that object fails with
/// `StoreClosedError` (size() by throwing, the others by rejecting), whatever its
/// arguments; closing again is harmless, and other handles on the same store keep working.
#[test]
fn close_releases_the_handle_and_later_calls_fail_with_store_closed_error() {
    for backend in BACKENDS {
        let r = run_kv(
            backend,
            "import { StoreClosedError } from \"k6/x/kv\";\nconst other = openKv({ backend: BACKEND });",
            r#"
    await kv.set("a", 1);
    const early = kv.atomic().set("c", 1);
    report("closeReturns", kv.close() === undefined);
    report("closeAgain", await outcome(() => kv.close()));
    const calls = {
        get: () => kv.get("a"),
        set: () => kv.set("a", 2),
        setBadKey: () => kv.set(Symbol("s"), 2),
        delete: () => kv.delete("a"),
        exists: () => kv.exists("a"),
        list: () => kv.list(),
        clear: () => kv.clear(),
        incrementBy: () => kv.incrementBy("n", 1),
        getOrSet: () => kv.getOrSet("a", 3),
        swap: () => kv.swap("a", 3),
        compareAndSwap: () => kv.compareAndSwap("a", 1, 3),
        setIfAbsent: () => kv.setIfAbsent("b", 3),
        deleteIfExists: () => kv.deleteIfExists("a"),
        compareAndDelete: () => kv.compareAndDelete("a", 1),
        scan: () => kv.scan({ limit: 1 }),
        count: () => kv.count(),
        setExpiring: () => kv.set("a", 2, { expireIn: 1000 }),
        getEntry: () => kv.getEntry("a"),
        randomKey: () => kv.randomKey(),
        popRandom: () => kv.popRandom(),
        claimRandom: () => kv.claimRandom(),
        releaseClaim: () => kv.releaseClaim({ key: "a", id: "1", token: "t" }),
        completeClaim: () => kv.completeClaim({ key: "a", id: "1", token: "t" }),
        stats: () => kv.stats(),
        backup: () => kv.backup({ fileName: "b.jsonl" }),
        restore: () => kv.restore({ fileName: "b.jsonl" }),
        atomic: () => kv.atomic(),
        commitBuiltBeforeClose: () => early.commit(),
    };
    const names = [];
    for (const [name, call] of Object.entries(calls)) {
        let promise;
        try {
            promise = call();
        } catch (e) {
            names.push(`${name}: threw ${e.name}`);
            continue;
        }
        try {
            await promise;
            names.push(`${name}: resolved`);
        } catch (e) {
            names.push(`${name}: ${e.name}${e instanceof StoreClosedError ? "" : " (not the class)"}`);
        }
    }
    report("calls", names);
    let sizeOutcome;
    try {
        sizeOutcome = `returned ${kv.size()}`;
    } catch (e) {
        sizeOutcome = `threw ${e.name}`;
    }
    report("size", sizeOutcome);
    report("message", await outcome(() => kv.get("a")));
    report("otherGet", await other.get("a"));
    report("otherSize", other.size());
"#,
        );
        r.assert_eq("closeReturns", json!(true));
        r.assert_resolved("closeAgain", Value::Null);
        let expected: Vec<String> = [
            "get",
            "set",
            "setBadKey",
            "delete",
            "exists",
            "list",
            "clear",
            "incrementBy",
            "getOrSet",
            "swap",
            "compareAndSwap",
            "setIfAbsent",
            "deleteIfExists",
            "compareAndDelete",
            "scan",
            "count",
            "setExpiring",
            "getEntry",
            "randomKey",
            "popRandom",
            "claimRandom",
            "releaseClaim",
            "completeClaim",
            "stats",
            "backup",
            "restore",
        ]
        .iter()
        .map(|name| format!("{name}: StoreClosedError"))
        .chain([
            "atomic: threw StoreClosedError".to_owned(),
            "commitBuiltBeforeClose: StoreClosedError".to_owned(),
        ])
        .collect();
        r.assert_eq("calls", json!(expected));
        r.assert_eq("size", json!("threw StoreClosedError"));
        r.assert_rejected("message", "StoreClosedError");
        let message = r.get("message")["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("closed with close()") && message.contains("openKv() in the init"),
            "[{backend}] the message should say what happened and how to fix it: {message}"
        );
        // Nothing the closed handle was asked to do happened.
        r.assert_eq("otherGet", json!(1));
        r.assert_eq("otherSize", json!(1));
    }
}

/// Closing in teardown, as the fork's examples do, with every VU having closed its own
/// handle: the run ends normally, and a write started before close() still completes (on
/// disk: is committed and read back by the next run).
#[test]
fn every_vu_closing_its_handle_ends_the_run_cleanly() {
    for backend in BACKENDS {
        let dir = tempdir();
        write(
            dir.path(),
            "close.js",
            r#"
import { openKv } from "k6/x/kv";
const kv = openKv({ backend: __ENV.BACKEND });
// One iteration per VU: each VU's handle is closed by its iteration.
export const options = {
    scenarios: { once: { executor: "per-vu-iterations", vus: 3, iterations: 1 } },
};
export async function setup() {
    if (__ENV.PHASE === "read") {
        console.log(`late=${JSON.stringify(await kv.get("late"))} n=${await kv.get("n")}`);
    } else {
        await kv.clear();
    }
}
export default async function () {
    if (__ENV.PHASE === "read") return;
    await kv.incrementBy("n", 1);
    kv.close();
    try {
        await kv.incrementBy("n", 1);
    } catch (e) {
        if (e.name !== "StoreClosedError") throw e;
    }
}
export function teardown() {
    if (__ENV.PHASE === "read") return;
    const pending = kv.set("late", { written: "before close" });
    kv.close();
    kv.close();
    return pending;
}
"#,
        );
        let env = format!("BACKEND={backend}");
        let write_run = rk6(
            dir.path(),
            &["run", "-q", "--no-summary", "-e", &env, "close.js"],
        );
        assert_code(&write_run, 0);
        assert_no_panic(&write_run);
        assert!(
            erro_lines(&stderr(&write_run)).is_empty(),
            "[{backend}] {}",
            describe(&write_run)
        );
        if backend == "disk" {
            let read_run = rk6(
                dir.path(),
                &[
                    "run",
                    "-q",
                    "--no-summary",
                    "-e",
                    &env,
                    "-e",
                    "PHASE=read",
                    "close.js",
                ],
            );
            assert_code(&read_run, 0);
            assert_eq!(
                info_lines(&stderr(&read_run)),
                [r#"late={"written":"before close"} n=3"#],
                "{}",
                describe(&read_run)
            );
        }
    }
}

/// The operation metrics of `openKv({ metrics: { operations: true } })`: exact counts per
/// operation in `--summary-export`, in the summary, and in thresholds; a store opened
/// without the option records nothing.
#[test]
fn operation_metrics_count_every_call_and_work_in_thresholds() {
    for backend in BACKENDS {
        let dir = tempdir();
        write(
            dir.path(),
            "metrics.js",
            r#"
import { openKv } from "k6/x/kv";
const kv = openKv({ backend: __ENV.BACKEND, metrics: { operations: true } });
const plain = openKv({ backend: __ENV.BACKEND });
export const options = {
    vus: 2,
    iterations: 4,
    thresholds: {
        "xk6_kv_operation_duration{op:get}": ["p(95)<60000"],
        "xk6_kv_operations_total{op:get,status:ok}": ["count==8"],
        "xk6_kv_operations_total{op:get,status:error}": ["count==4"],
        "xk6_kv_operation_failed{op:increment_by}": ["rate==0.5"],
        "xk6_kv_errors_total{error_type:NotANumberError}": ["count==4"],
        "xk6_kv_operations_total{op:size}": ["count==4"],
        [`xk6_kv_operations_total{backend:${__ENV.BACKEND}}`]: ["count==32"],
        "xk6_kv_operations_total{op:set}": [__ENV.THRESHOLD ?? "count>0"],
    },
};
export async function setup() {
    await plain.clear();
}
export default async function () {
    const key = `k${__VU}-${__ITER}`;
    await kv.set(key, { n: 1 });
    await kv.get(key);
    await kv.get(key);
    try {
        await kv.get("missing");
    } catch (e) {
        if (e.name !== "KeyNotFoundError") throw e;
    }
    await kv.incrementBy(`n${key}`, 1);
    try {
        await kv.incrementBy(key, 1);
    } catch (e) {
        if (e.name !== "NotANumberError") throw e;
    }
    kv.size();
    await kv.compareAndSwap(key, { n: 1 }, { n: 2 });
    // Not counted: this handle has no metrics.
    await plain.get(key);
    await plain.set("other", 1);
}
"#,
        );
        let env = format!("BACKEND={backend}");
        let (output, export) = run_with_export(dir.path(), "metrics.js", &["-e", &env]);
        assert_code(&output, 0);
        assert_no_panic(&output);
        let m = &export["metrics"];
        let field = |name: &str, f: &str| m[name][f].clone();
        // 4 iterations x (set, get, get, get missing, 2 incrementBy, size, compareAndSwap).
        assert_eq!(
            field("xk6_kv_operations_total", "count"),
            json!(32),
            "[{backend}] {m:#}"
        );
        // k6's export has no count for a Trend; rk6's own results do.
        let rk6_metrics = &export["rk6"]["metrics"];
        assert_eq!(
            rk6_metrics["xk6_kv_operation_duration"]["count"],
            json!(32),
            "[{backend}] {rk6_metrics:#}"
        );
        assert_eq!(
            field("xk6_kv_operation_failed", "passes"),
            json!(8),
            "[{backend}] {m:#}"
        );
        assert_eq!(
            field("xk6_kv_operation_failed", "fails"),
            json!(24),
            "[{backend}] {m:#}"
        );
        assert_eq!(
            field("xk6_kv_errors_total", "count"),
            json!(8),
            "[{backend}] {m:#}"
        );
        for (threshold, expr) in [
            ("xk6_kv_operation_duration{op:get}", "p(95)<60000"),
            ("xk6_kv_operations_total{op:get,status:ok}", "count==8"),
            ("xk6_kv_operations_total{op:get,status:error}", "count==4"),
            ("xk6_kv_operation_failed{op:increment_by}", "rate==0.5"),
            (
                "xk6_kv_errors_total{error_type:NotANumberError}",
                "count==4",
            ),
            ("xk6_kv_operations_total{op:size}", "count==4"),
        ] {
            assert_eq!(
                m[threshold]["thresholds"][expr],
                json!(false),
                "[{backend}] {threshold} {expr} should pass (k6 exports a passed threshold as false); {m:#}"
            );
        }
        let get_max = m["xk6_kv_operation_duration{op:get}"]["max"].as_f64();
        let all_max = m["xk6_kv_operation_duration"]["max"].as_f64();
        assert!(
            matches!((get_max, all_max), (Some(get), Some(all)) if get > 0.0 && get <= all),
            "[{backend}] {m:#}"
        );
        // The end-of-test summary lists them, the duration as a time.
        let text = stdout(&output);
        for name in [
            "xk6_kv_operations_total",
            "xk6_kv_operation_duration",
            "xk6_kv_operation_failed",
            "xk6_kv_errors_total",
        ] {
            assert!(
                text.contains(name),
                "[{backend}] the summary should show {name}: {text}"
            );
        }
        // A failing threshold on them fails the run as any threshold does.
        let threshold_env = "THRESHOLD=count<4";
        let (failed, _) =
            run_with_export(dir.path(), "metrics.js", &["-e", &env, "-e", threshold_env]);
        assert_code(&failed, 99);
    }
}

/// Operation metrics count the second edition's methods too; a commit counts as op
/// `atomic` (building the operation does not).
#[test]
fn operation_metrics_count_expiring_sets_picks_claims_and_commits() {
    for backend in BACKENDS {
        let dir = tempdir();
        write(
            dir.path(),
            "metrics2.js",
            r#"
import { openKv } from "k6/x/kv";
const kv = openKv({ backend: __ENV.BACKEND, metrics: { operations: true } });
export const options = {
    thresholds: {
        "xk6_kv_operations_total{op:set}": ["count==3"],
        "xk6_kv_operations_total{op:get_entry}": ["count==1"],
        "xk6_kv_operations_total{op:atomic}": ["count==2"],
        "xk6_kv_operations_total{op:random_key}": ["count==1"],
        "xk6_kv_operations_total{op:pop_random}": ["count==1"],
        "xk6_kv_operations_total{op:claim_random}": ["count==1"],
        "xk6_kv_operations_total{op:complete_claim}": ["count==1"],
        "xk6_kv_operations_total{op:stats}": ["count==1"],
        "xk6_kv_operations_total{op:clear}": ["count==1"],
        "xk6_kv_operations_total": ["count==12"],
    },
};
export default async function () {
    await kv.clear();
    await kv.set("a", 1, { expireIn: 60000 });
    await kv.set("b", 2);
    await kv.set("c", 3);
    const a = await kv.getEntry("a");
    const builder = kv.atomic().check(a).sum("a", 1);
    await builder.commit();
    await kv.atomic().check("a", a.versionstamp).commit();
    await kv.randomKey();
    await kv.popRandom({ prefix: "b" });
    await kv.completeClaim(await kv.claimRandom({ prefix: "c" }));
    await kv.stats();
}
"#,
        );
        let env = format!("BACKEND={backend}");
        let out = rk6(dir.path(), &["run", "-q", "-e", &env, "metrics2.js"]);
        assert_code(&out, 0);
        assert_no_panic(&out);
    }
}
