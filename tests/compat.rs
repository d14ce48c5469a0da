//! Behaviour that real k6 scripts and jslib libraries rely on, through the real binary:
//! no `Deno` global, CommonJS modules, `handleSummary`, k6's log lines, and how an
//! iteration that aborts the test is counted. Expected values come from k6 v1.1.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn scripts_see_no_deno_global_and_builtins_still_work() {
    let dir = tempdir();
    // As jslib's k6-testing probes for Deno before reading its environment.
    write(
        dir.path(),
        "probe.js",
        "export const env = typeof Deno !== \"undefined\" ? Deno.env.toObject() : {};\n\
         export const seen = typeof Deno;\n",
    );
    write(
        dir.path(),
        "deno.js",
        "import { env, seen } from \"./probe.js\";\n\
         import { openKv } from \"k6/x/kv\";\n\
         import { check, sleep } from \"k6\";\n\
         const kv = openKv();\n\
         export const options = { iterations: 1 };\n\
         export default async function () {\n\
           await kv.set(\"k\", 1);\n\
           await new Promise((resolve) => setTimeout(resolve, 1));\n\
           sleep(0.001);\n\
           check(await kv.get(\"k\"), { \"kv works\": (v) => v === 1 });\n\
           console.log(`init=${seen} iter=${typeof Deno} global=${\"Deno\" in globalThis} env=${Object.keys(env).length}`);\n\
         }\n",
    );
    let out = rk6(dir.path(), &["run", "-q", "--no-summary", "deno.js"]);
    assert_code(&out, 0);
    assert_eq!(
        info_lines(&stderr(&out)),
        ["init=undefined iter=undefined global=false env=0"]
    );
}

/// A CommonJS library in the style of a bundled jslib helper: its exports are copied in a
/// loop (so only the importer's `import { ... }` names them), it requires a built-in
/// module and another CommonJS file.
const SUMMARY_LIB: &str = r#"var helpers = {};
(function (target) {
  target.describe = function (data, opts) {
    var indent = (opts && opts.indent) || "";
    return Object.keys(data.metrics).sort().map(function (name) {
      var m = data.metrics[name];
      return indent + name + " " + m.type + "/" + m.contains;
    }).join("\n") + "\n";
  };
  target.version = "1.0";
  target.extra = "more";
})(helpers);
var execution = require("k6/execution");
var words = require("./words.js");
for (var k in helpers) exports[k] = helpers[k];
exports.hasExec = typeof execution.test.abort === "function";
exports.word = words.word;
exports.self = typeof this === "object" && this === exports;
"#;

#[test]
fn commonjs_modules_export_to_es_modules() {
    let dir = tempdir();
    write(dir.path(), "summarylib.js", SUMMARY_LIB);
    write(
        dir.path(),
        "words.js",
        "module.exports = { word: \"hello\", shout: function (s) { return s.toUpperCase(); } };\n",
    );
    // A name only a module further down the graph asks for still gets exported.
    write(
        dir.path(),
        "helper.js",
        "export { extra } from \"./summarylib.js\";\n",
    );
    write(
        dir.path(),
        "main.js",
        "import { describe, version, hasExec, word, self } from \"./summarylib.js\";\n\
         import words, { shout } from \"./words.js\";\n\
         import { extra } from \"./helper.js\";\n\
         export const options = { scenarios: { each: { executor: \"per-vu-iterations\", vus: 3, iterations: 1 } } };\n\
         export default function () {\n\
           console.log(`${typeof describe} ${version} ${hasExec} ${word} ${self} ${words.word} ${shout(\"x\")} ${extra}`);\n\
         }\n",
    );
    let out = rk6(dir.path(), &["run", "-q", "--no-summary", "main.js"]);
    assert_code(&out, 0);
    // Every VU gets the same exports, though only the first works the graph out (the
    // others reuse what it found: runtime/loader.rs `ModuleGraph`).
    assert_eq!(
        info_lines(&stderr(&out)),
        ["function 1.0 true hello true hello X more"; 3]
    );
}

#[test]
fn commonjs_errors_keep_their_line_numbers_and_require_needs_a_literal() {
    let dir = tempdir();
    write(
        dir.path(),
        "lib.js",
        "exports.fail = function () {\n\
           // the throw is on line 3\n\
           throw new Error(\"from lib\");\n\
         };\n\
         exports.dynamic = function (name) { return require(name); };\n",
    );
    write(
        dir.path(),
        "main.js",
        "import { fail, dynamic } from \"./lib.js\";\n\
         export const options = { iterations: 1 };\n\
         export default function () {\n\
           try { dynamic(\"k6/\" + \"http\"); } catch (e) { console.log(e.message); }\n\
           fail();\n\
         }\n",
    );
    let out = rk6(dir.path(), &["run", "-q", "--no-summary", "main.js"]);
    assert_code(&out, 0);
    let lib = dir.path().canonicalize().unwrap().join("lib.js");
    assert_eq!(
        info_lines(&stderr(&out)),
        [format!(
            "require(\"k6/http\") in {}: rk6 can only require modules named by a string \
             literal in the requiring file",
            lib.display()
        )]
    );
    let errors = level_lines(&stderr(&out), "error");
    assert_eq!(errors.len(), 1, "{}", describe(&out));
    assert!(errors[0].starts_with("Error: from lib\n"), "{errors:?}");
    assert!(errors[0].contains("lib.js:3:"), "{errors:?}");
}

/// As in k6, ES modules have a `require` too: built-in modules, CommonJS files and ES
/// modules can be required by a string literal, and line numbers hold.
#[test]
fn es_modules_can_require_like_k6() {
    let dir = tempdir();
    write(
        dir.path(),
        "lib.js",
        "exports.twice = function (n) { return n * 2; };\n",
    );
    write(dir.path(), "esm.js", "export const three = 3;\n");
    write(
        dir.path(),
        "main.js",
        "import { check } from \"k6\";\n\
         const lib = require(\"./lib.js\");\n\
         const exec = require(\"k6/execution\");\n\
         const encoding = require(\"k6/encoding\");\n\
         const { three } = require(\"./esm.js\");\n\
         export const options = { iterations: 1 };\n\
         export default function () {\n\
           console.log(`${lib.twice(21)} ${typeof exec.vu.idInTest} ${encoding.b64encode(\"hi\")} ${three}`);\n\
           check(1, { ok: () => true });\n\
           throw new Error(\"line10\");\n\
         }\n",
    );
    let out = rk6(dir.path(), &["run", "-q", "--no-summary", "main.js"]);
    assert_code(&out, 0);
    assert_eq!(info_lines(&stderr(&out)), ["42 number aGk= 3"]);
    let errors = level_lines(&stderr(&out), "error");
    assert_eq!(errors.len(), 1, "{}", describe(&out));
    assert!(errors[0].contains("main.js:10:"), "{errors:?}");

    // A module with its own `require` keeps it.
    write(
        dir.path(),
        "own.js",
        "function require(name) { return `own ${name}`; }\n\
         export const options = { iterations: 1 };\n\
         export default function () { console.log(require(\"k6/http\")); }\n",
    );
    let out = rk6(dir.path(), &["run", "-q", "--no-summary", "own.js"]);
    assert_code(&out, 0);
    assert_eq!(info_lines(&stderr(&out)), ["own k6/http"]);
}

const HANDLE_SUMMARY: &str = r#"import { check, group } from "k6";
import { Counter, Trend } from "k6/metrics";
import { describe } from "./summarylib.js";
const c = new Counter("my_counter");
const t = new Trend("my_trend", true);
const plain = new Trend("plain_trend");
export const options = {
  iterations: 2,
  thresholds: { my_counter: ["count>1"], my_trend: ["p(95)<1"] },
};
export function setup() { return { x: 1 }; }
export default function () {
  group("g1", () => { check(1, { "is one": (v) => v === 1 }); });
  check(1, { "top": (v) => v === 2 });
  c.add(1); t.add(5); plain.add(3);
}
export function teardown() { console.log("teardown"); }
export function handleSummary(data) {
  console.log("handleSummary");
  return {
    stdout: describe(data, { indent: "> " }),
    stderr: "to stderr\n",
    "data.json": JSON.stringify(data),
    "bytes.bin": new Uint8Array([0, 255, 10]).buffer,
  };
}
"#;

#[test]
fn handle_summary_gets_k6s_data_and_writes_what_it_returns() {
    let dir = tempdir();
    write(dir.path(), "summarylib.js", SUMMARY_LIB);
    write(dir.path(), "words.js", "exports.word = \"w\";\n");
    write(dir.path(), "hs.js", HANDLE_SUMMARY);
    let out = rk6(dir.path(), &["run", "-q", "hs.js"]);
    // A failed threshold still sets the exit code.
    assert_code(&out, 99);
    // Instead of the default summary, exactly what handleSummary returned.
    assert_eq!(
        stdout(&out),
        "> checks rate/default\n> data_received counter/data\n> data_sent counter/data\n\
         > group_duration trend/time\n> iteration_duration trend/time\n> iterations counter/default\n\
         > my_counter counter/default\n> my_trend trend/time\n> plain_trend trend/default\n\
         > vus_max gauge/default\n"
    );
    let err = stderr(&out);
    assert_eq!(info_lines(&err), ["teardown", "handleSummary"]);
    assert!(err.ends_with("to stderr\n"), "{err}");
    assert_eq!(
        std::fs::read(dir.path().join("bytes.bin")).unwrap(),
        [0, 255, 10]
    );
    let data: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("data.json")).unwrap()).unwrap();
    let metrics = &data["metrics"];
    assert_eq!(
        metrics["checks"],
        serde_json::json!({"type": "rate", "contains": "default",
            "values": {"rate": 0.5, "passes": 2, "fails": 2}})
    );
    assert_eq!(
        metrics["my_counter"]["values"]["count"], 2,
        "{}",
        metrics["my_counter"]
    );
    assert_eq!(
        metrics["my_counter"]["thresholds"],
        serde_json::json!({"count>1": {"ok": true}})
    );
    assert_eq!(
        metrics["my_trend"],
        serde_json::json!({"type": "trend", "contains": "time",
            "values": {"avg": 5, "min": 5, "med": 5, "max": 5, "p(90)": 5, "p(95)": 5},
            "thresholds": {"p(95)<1": {"ok": false}}})
    );
    assert_eq!(metrics["iterations"]["values"]["count"], 2);
    assert_eq!(
        metrics["vus_max"],
        serde_json::json!({"type": "gauge", "contains": "default",
            "values": {"value": 1, "min": 1, "max": 1}})
    );
    assert_eq!(
        data["root_group"],
        serde_json::json!({
            "name": "", "path": "", "id": "d41d8cd98f00b204e9800998ecf8427e",
            "groups": [{
                "name": "g1", "path": "::g1", "id": "9ccb03cc5acd728a2fe595bbd1f14da3",
                "groups": [],
                "checks": [{"name": "is one", "path": "::g1::is one",
                    "id": "02605501ec9e026bb31eb1c8afd4903e", "passes": 2, "fails": 0}],
            }],
            "checks": [{"name": "top", "path": "::top",
                "id": "0384334781effa9218e13817f86f11a3", "passes": 0, "fails": 2}],
        })
    );
    assert_eq!(
        data["options"],
        serde_json::json!({"summaryTrendStats": ["avg", "min", "med", "max", "p(90)", "p(95)"],
            "summaryTimeUnit": "", "noColor": false})
    );
    assert_eq!(data["state"]["isStdOutTTY"], false);
    assert_eq!(data["state"]["isStdErrTTY"], false);
    assert!(data["state"]["testRunDurationMs"].as_f64().unwrap() > 0.0);
    assert_eq!(data["setup_data"], serde_json::json!({"x": 1}));
}

fn summary_script(dir: &std::path::Path, body: &str) {
    write(
        dir,
        "s.js",
        &format!(
            "export const options = {{ iterations: 1 }};\n\
             export default function () {{}}\n\
             export function handleSummary(data) {{\n{body}\n}}\n"
        ),
    );
}

#[test]
fn handle_summary_failures_and_opt_outs_behave_as_in_k6() {
    let dir = tempdir();
    // An exception: logged, then the default summary.
    summary_script(dir.path(), "throw new Error(\"boom\");");
    let out = rk6(dir.path(), &["run", "-q", "s.js"]);
    assert_code(&out, 0);
    let line = stderr(&out)
        .lines()
        .find_map(log_fields)
        .expect("an error line");
    assert!(line.contains(&("level".into(), "error".into())), "{line:?}");
    assert!(
        line.contains(&("hint".into(), "script exception".into())),
        "{line:?}"
    );
    let msg = &line.iter().find(|(k, _)| k == "msg").unwrap().1;
    assert!(msg.starts_with("Error: boom\n    at "), "{msg}");
    assert!(msg.contains("s.js:4:"), "{msg}");
    assert!(stdout(&out).contains("iterations."), "{}", stdout(&out));

    // A value that is neither a string nor an ArrayBuffer: reported, nothing written.
    summary_script(dir.path(), "return { \"f.txt\": \"x\", stdout: 5 };");
    let out = rk6(dir.path(), &["run", "-q", "s.js"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");
    assert!(!dir.path().join("f.txt").exists());
    let err = stderr(&out);
    assert!(
        err.contains(
            r#"level=error msg="failed to handle the end-of-test summary" error="error handling summary object stdout: invalid type number, it needs to be a string or ArrayBuffer""#
        ),
        "{err}"
    );

    // Nothing returned: the default summary.
    summary_script(dir.path(), "console.log(\"called\");");
    let out = rk6(dir.path(), &["run", "-q", "s.js"]);
    assert_code(&out, 0);
    assert_eq!(info_lines(&stderr(&out)), ["called"]);
    assert!(stdout(&out).contains("iterations."), "{}", stdout(&out));

    // An empty object: no summary at all.
    summary_script(dir.path(), "return {};");
    let out = rk6(dir.path(), &["run", "-q", "s.js"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");

    // --no-summary: handleSummary is not called.
    summary_script(
        dir.path(),
        "console.log(\"called\"); return { stdout: \"x\" };",
    );
    let out = rk6(dir.path(), &["run", "-q", "--no-summary", "s.js"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");
    assert!(info_lines(&stderr(&out)).is_empty(), "{}", stderr(&out));
}

const LOGS: &str = "export const options = { iterations: 1 };\n\
    export default function () {\n\
      console.log(\"hello <b>\", 1);\n\
      console.debug(\"dbg\");\n\
      console.warn(\"multi\\nline\");\n\
    }\n";

#[test]
fn log_format_json_writes_k6s_objects() {
    let dir = tempdir();
    write(dir.path(), "logs.js", LOGS);
    let out = rk6(
        dir.path(),
        &[
            "run",
            "-q",
            "--no-summary",
            "--log-format",
            "json",
            "logs.js",
        ],
    );
    assert_code(&out, 0);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    // Keys sorted and <, > and & escaped, as Go's encoder writes them.
    let (head, time) = lines[0].split_once(",\"time\":\"").unwrap();
    assert_eq!(
        head,
        r#"{"level":"info","msg":"hello \u003cb\u003e 1","source":"console""#
    );
    assert!(time.ends_with("Z\"}") && time.len() == "2026-01-01T00:00:00Z\"}".len());
    let warn: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(warn["level"], "warning");
    assert_eq!(warn["msg"], "multi\nline");
}

#[test]
fn console_output_goes_to_its_file_and_debug_needs_verbose() {
    let dir = tempdir();
    write(dir.path(), "logs.js", LOGS);
    let out = rk6(
        dir.path(),
        &[
            "run",
            "-q",
            "--no-summary",
            "-v",
            "--console-output",
            "console.log",
            "logs.js",
        ],
    );
    assert_code(&out, 0);
    assert!(!stderr(&out).contains("source=console"), "{}", stderr(&out));
    let file = std::fs::read_to_string(dir.path().join("console.log")).unwrap();
    let lines: Vec<&str> = file
        .lines()
        .map(|l| l.split_once("\" ").expect("a time field").1)
        .collect();
    assert_eq!(
        lines,
        [
            r#"level=info msg="hello <b> 1""#,
            "level=debug msg=dbg",
            r#"level=warning msg="multi\nline""#,
        ]
    );
}

#[test]
fn the_iteration_that_aborts_the_test_counts_as_an_iteration() {
    let dir = tempdir();
    write(
        dir.path(),
        "abort.js",
        "import exec from \"k6/execution\";\n\
         export const options = { iterations: 5 };\n\
         export default function () { if (__ITER === 2) exec.test.abort(\"enough\"); }\n",
    );
    let out = rk6(
        dir.path(),
        &["run", "-q", "--summary-export", "e.json", "abort.js"],
    );
    assert_code(&out, 108);
    let export: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("e.json")).unwrap()).unwrap();
    assert_eq!(export["metrics"]["iterations"]["count"], 3);
    assert_eq!(export["rk6"]["interrupted_iterations"], 0);
    assert_eq!(export["rk6"]["failed_iterations"], 0);
}

#[test]
fn the_aborting_iteration_counts_even_when_the_stop_it_triggers_lands_first() {
    // After a request, the stop that `abort()` triggers used to terminate the calling
    // iteration before its error was thrown, counting it as interrupted (0 iterations).
    let server = common::server::Server::start();
    let dir = tempdir();
    write(
        dir.path(),
        "abort.js",
        "import exec from \"k6/execution\";\n\
         import http from \"k6/http\";\n\
         export const options = { iterations: 1 };\n\
         export default function () {\n\
           const res = http.get(`${__ENV.BASE}/status/503`);\n\
           if (res.status !== 200) exec.test.abort(`service answered ${res.status}`);\n\
         }\n",
    );
    let base = format!("BASE={}", server.base());
    for _ in 0..5 {
        let out = rk6(
            dir.path(),
            &[
                "run",
                "-q",
                "--summary-export",
                "e.json",
                "-e",
                &base,
                "abort.js",
            ],
        );
        assert_code(&out, 108);
        let export: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("e.json")).unwrap()).unwrap();
        assert_eq!(export["metrics"]["iterations"]["count"], 1);
        assert_eq!(export["rk6"]["interrupted_iterations"], 0);
        // The stop terminates isolates mid-error; deno_core must not call that its bug
        // (patched/README.md, deno_core change 1).
        assert!(!stderr(&out).contains("bug in deno"), "{}", describe(&out));
    }
    // Without a request first, the stop lands while the error is read in about one run
    // in four.
    write(
        dir.path(),
        "abort_at_once.js",
        "import exec from \"k6/execution\";\n\
         export const options = { vus: 1, duration: \"10s\" };\n\
         export default function () { exec.test.abort(\"stop\"); }\n",
    );
    for _ in 0..12 {
        let out = rk6(dir.path(), &["run", "-q", "abort_at_once.js"]);
        assert_code(&out, 108);
        assert!(!stderr(&out).contains("bug in deno"), "{}", describe(&out));
    }
}

#[test]
fn k6_environment_variables_set_options_under_the_flags() {
    let dir = tempdir();
    write(
        dir.path(),
        "env.js",
        "export const options = { iterations: 1 };\n\
         export default function () {}\n",
    );
    let run = |env: &[(&str, &str)], flags: &[&str]| {
        let mut args = vec!["run", "-q", "--summary-export", "e.json"];
        args.extend_from_slice(flags);
        args.push("env.js");
        let _ = std::fs::remove_file(dir.path().join("e.json"));
        let mut cmd = command(dir.path(), &args);
        cmd.envs(env.iter().copied());
        let out = wait(cmd.spawn().unwrap());
        let iterations = std::fs::read(dir.path().join("e.json"))
            .ok()
            .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
            .map(|e| e["metrics"]["iterations"]["count"].clone());
        (out, iterations)
    };
    // Counts from k6 v1.1 with the same variables.
    let (out, n) = run(&[("K6_ITERATIONS", "4")], &[]);
    assert_code(&out, 0);
    assert_eq!(n, Some(Value::from(4)));
    let (_, n) = run(&[("K6_VUS", "2"), ("K6_ITERATIONS", "6")], &[]);
    assert_eq!(n, Some(Value::from(6)));
    let (_, n) = run(&[("K6_ITERATIONS", "4")], &["--iterations", "2"]);
    assert_eq!(n, Some(Value::from(2)), "a flag wins over the variable");
    let (out, n) = run(&[("K6_STAGES", "200ms:1,100ms:0")], &[]);
    assert_code(&out, 0);
    assert!(
        n.unwrap().as_u64().unwrap() > 1,
        "stages replace the script's iterations"
    );
    for (name, value) in [
        ("K6_ITERATIONS", "abc"),
        ("K6_VUS", "-1"),
        ("K6_DURATION", "soon"),
        ("K6_STAGES", "1s"),
    ] {
        let (out, _) = run(&[(name, value)], &[]);
        assert_code(&out, 104);
        assert!(
            erro_lines(&stderr(&out))[0].starts_with(&format!("{name}=\"{value}\": ")),
            "{}",
            describe(&out)
        );
    }
}

#[test]
fn metric_names_follow_k6s_rule() {
    // Lengths and verdicts from k6 v1.1 running the same script.
    let script = r#"
import { Counter } from "k6/metrics";
const names = ["c", "ok_name", "_x", "has space", "dot.ted", "1abc", "a".repeat(129), "a".repeat(130), "émoji"];
for (const n of names) {
  try { new Counter(n); console.log(`${n.length} ok`); } catch (e) { console.log(`${n.length} ${e.message}`); }
}
export default function () {}
"#;
    let (out, _, lines) = run_script_env(script, &[], &[]);
    assert_code(&out, 0);
    let rule = "Metric names must only include up to 128 ASCII letters, numbers, or underscores and start with a letter or an underscore.";
    let bad = |n: usize, name: &str| format!("{n} Invalid metric name: '{name}'. {rule}");
    let expected = vec![
        bad(1, "c"),
        "7 ok".to_owned(),
        "2 ok".to_owned(),
        bad(9, "has space"),
        bad(7, "dot.ted"),
        bad(4, "1abc"),
        "129 ok".to_owned(),
        bad(130, &"a".repeat(130)),
        bad(5, "émoji"),
    ];
    // The init context runs more than once (k6 runs it three times here); each run logs the
    // same lines.
    assert!(
        !lines.is_empty() && lines.len() % expected.len() == 0,
        "{lines:?}"
    );
    for run in lines.chunks(expected.len()) {
        assert_eq!(run, expected);
    }
}
