//! The library API as an embedder uses it: runs in one process, each with its own store.

use std::path::PathBuf;
use std::sync::Arc;

use rk6::kv::value::{decode_json, decode_string, encode_json, encode_string};
use rk6::kv::{MemoryStore, Store};
use rk6::Runner;
use serde_json::{json, Value};

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scripts/embedding")
        .join(name)
}

fn seeded(run: &str) -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new());
    let seed = encode_json(&json!({ "run": run })).expect("encode");
    store.set("seed", seed).wait().expect("seed");
    store
        .set("scratch", encode_string("left by the embedder"))
        .wait()
        .expect("seed");
    store
}

fn result_of(store: &MemoryStore) -> Value {
    let bytes = store
        .get("result")
        .expect("get")
        .expect("the run stored a result");
    decode_json(&bytes).expect("JSON")
}

#[test]
fn concurrent_runs_with_their_own_memory_stores_do_not_see_each_other() {
    let stores: Vec<_> = ["a", "b"].map(seeded).into();
    let runs: Vec<_> = ["a", "b"]
        .iter()
        .zip(&stores)
        .map(|(run, store)| {
            let store: Arc<dyn Store> = store.clone();
            let run = run.to_string();
            std::thread::spawn(move || {
                Runner::new(script("kv_seed.js"))
                    .env_var("RUN", run)
                    .kv_memory_store(store)
                    .skip_summary(true)
                    .run()
                    .expect("the run")
            })
        })
        .collect();
    for run in runs {
        let result = run.join().expect("no panic");
        assert_eq!(result.exit_code, 0);
        assert_eq!((result.checks_passed(), result.checks_failed()), (10, 0));
    }
    for (run, store) in ["a", "b"].iter().zip(&stores) {
        assert_eq!(
            result_of(store),
            json!({ "run": run, "seeded": { "run": run }, "iterations": 10 })
        );
        // setup() deleted the run's own "scratch" key only.
        assert_eq!(store.get("scratch").expect("get"), None);
    }
}

#[test]
fn without_a_store_of_its_own_a_run_uses_the_process_memory_store() {
    let shared = rk6::kv::open_memory_shared();
    shared
        .set("seed", encode_json(&json!({ "run": "shared" })).unwrap())
        .wait()
        .expect("seed");
    let result = Runner::new(script("kv_seed.js"))
        .env_var("RUN", "shared")
        .skip_summary(true)
        .run()
        .expect("the run");
    assert_eq!((result.checks_passed(), result.checks_failed()), (10, 0));
    assert_eq!(result_of(&shared)["iterations"], 10);
}

#[test]
fn value_helpers_read_what_scripts_write_and_name_bad_bytes() {
    assert_eq!(
        encode_json(&json!({ "a": [1, "x"] })).unwrap(),
        br#"{"a":[1,"x"]}"#
    );
    assert_eq!(decode_string(&encode_string("é")).unwrap(), "é");
    let err = decode_json::<Value>(b"not json").unwrap_err();
    assert_eq!(err.name(), "SerializationError");
    assert_eq!(
        decode_string(&[0xff]).unwrap_err().name(),
        "SerializationError"
    );
}

/// Runs an example program that `cargo test` built next to the test binaries
/// (target/debug/examples) and returns its stdout.
fn run_example(name: &str) -> String {
    let deps = std::env::current_exe().expect("test binary");
    let example = deps
        .parent()
        .and_then(|d| d.parent())
        .map(|d| d.join("examples").join(name))
        .expect("target dir");
    assert!(
        example.exists(),
        "{} is missing: run the whole suite (cargo test builds the examples) or \
         `cargo build --example {name}` first",
        example.display()
    );
    let out = std::process::Command::new(&example)
        .output()
        .expect("run the example");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_kv_seed_example_seeds_runs_and_reads_back() {
    let stdout = run_example("kv_seed");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "9 iterations, checks 9 passed / 0 failed");
    let done: Vec<&str> = lines[1..10].to_vec();
    assert!(done.iter().all(|l| l.starts_with("done:")), "{stdout}");
    assert_eq!(lines[10], "users left: 0");
}

#[test]
fn the_live_events_example_prints_progress_from_the_stream_while_the_test_runs() {
    let stdout = run_example("live_events");
    let lines: Vec<&str> = stdout.lines().collect();
    let progress: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("progress "))
        .collect();
    // A line per second of a 3 s test, printed while it runs.
    assert!(progress.len() >= 2, "{stdout}");
    assert!(progress
        .iter()
        .all(|l| l.contains(" VUs, ") && l.contains(" checks passed")));
    let (result, events) = match lines[progress.len()..] {
        [result, events] => (result, events),
        _ => panic!("the result and the event count come last: {stdout}"),
    };
    let iterations: u64 = result
        .strip_prefix("result: ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect(result);
    assert!(iterations > 0, "{stdout}");
    // One check per iteration, all passing; the stream delivered every iteration.
    assert_eq!(
        result,
        format!(
            "result: {iterations} iterations, {iterations} checks passed, 0 failed, exit code 0"
        )
    );
    assert_eq!(events, format!("iteration events: {iterations}"));
    // Progress counts only grow, and never pass the final count.
    let counts: Vec<u64> = progress
        .iter()
        .map(|l| {
            let n = l.split(" VUs, ").nth(1).and_then(|r| r.split(' ').next());
            n.and_then(|n| n.parse().ok()).expect(l)
        })
        .collect();
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{stdout}");
    assert!(counts.iter().all(|&c| c <= iterations), "{stdout}");
}

#[test]
fn the_custom_module_example_calls_its_rust_ops_from_a_script() {
    assert_eq!(
        run_example("custom_module"),
        "6 iterations, checks 6 passed / 0 failed, sums 9\n"
    );
}

#[test]
fn env_holds_only_what_the_embedder_gives_unless_it_asks_for_the_host_s() {
    let host_path = std::env::var("PATH").expect("PATH is set");
    let setup = |runner: Runner| {
        runner
            .env_var("OWN", "mine")
            .skip_summary(true)
            .run()
            .expect("the run")
            .setup_data
    };
    assert_eq!(
        setup(Runner::new(script("env.js"))),
        Some(json!({ "path": null, "own": "mine" }))
    );
    assert_eq!(
        setup(Runner::new(script("env.js")).include_host_env(true)),
        Some(json!({ "path": host_path, "own": "mine" }))
    );
    // Entries given by the embedder win over the host's.
    assert_eq!(
        setup(
            Runner::new(script("env.js"))
                .include_host_env(true)
                .env_var("PATH", "given")
        ),
        Some(json!({ "path": "given", "own": "mine" }))
    );
}

#[test]
fn run_async_leaves_the_callers_runtime_free_while_the_test_runs() {
    // One thread runs both: had the run blocked it, the ticker would never have ticked
    // before the run's result came back.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let ticks = std::cell::Cell::new(0u32);
    let result = rt.block_on(async {
        let run = Runner::new(script("sleepy.js"))
            .skip_summary(true)
            .run_async();
        let ticker = async {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                ticks.set(ticks.get() + 1);
            }
        };
        tokio::select! {
            result = run => result,
            _ = ticker => unreachable!("the ticker never ends"),
        }
    });
    assert_eq!(result.expect("the run").iterations, 2);
    assert!(ticks.get() > 0, "the caller's runtime was blocked");
}

#[test]
fn the_result_keeps_each_distinct_iteration_error_with_its_count() {
    let result = Runner::new(script("failing.js"))
        .skip_summary(true)
        .run()
        .expect("the run");
    assert_eq!((result.iterations, result.failed_iterations), (9, 6));
    let kept: Vec<(String, u64)> = result
        .iteration_errors
        .iter()
        .map(|e| (e.message.lines().next().unwrap_or("").to_owned(), e.count))
        .collect();
    assert_eq!(
        kept,
        [("Error: a".to_owned(), 3), ("TypeError: b".to_owned(), 3)]
    );
    // With the stack, as the log line shows it.
    assert!(
        result.iteration_errors[0].message.contains("failing.js:7:"),
        "{:?}",
        result.iteration_errors[0]
    );
}

#[test]
fn a_script_given_as_text_runs_under_its_name_with_imports_beside_it() {
    let dir = script("");
    let name = dir.join("from-text.js");
    assert!(!name.exists());
    let source = r#"
        import { check } from "k6";
        import { greeting } from "./helper.js";
        export const options = { vus: 2, iterations: 4 };
        export default function () {
            check(greeting, { "imported beside the name": (g) => g.startsWith("hello") });
        }
    "#;
    let result = Runner::from_source(&name, source)
        .skip_summary(true)
        .run()
        .expect("the run");
    assert_eq!((result.iterations, result.checks_passed()), (4, 4));

    let err = Runner::from_source(
        &name,
        "export default function () { throw new Error(\"boom\") }",
    )
    .skip_summary(true)
    .run()
    .expect("the run");
    assert!(
        err.iteration_errors[0].message.contains("from-text.js:1:"),
        "{:?}",
        err.iteration_errors
    );
}

#[test]
fn options_given_to_the_runner_replace_the_scripts_key_by_key() {
    let source = r#"
        import { check } from "k6";
        import exec from "k6/execution";
        export const options = { vus: 1, iterations: 1, tags: { who: "script" }, setupTimeout: "7s" };
        export default function () {
            const o = exec.test.options;
            check(o, {
                "tags from the runner": (o) => o.tags.who === "runner",
                "the script's other options stay": (o) => o.setupTimeout === "7s",
            });
        }
    "#;
    let result = Runner::from_source(script("options.js"), source)
        .options(json!({
            "iterations": 3,
            "tags": { "who": "runner" },
            "thresholds": { "checks": ["rate==1"] },
        }))
        .skip_summary(true)
        .run()
        .expect("the run");
    assert_eq!(result.iterations, 3);
    assert_eq!((result.checks_passed(), result.checks_failed()), (6, 0));
    let rules: Vec<_> = result
        .thresholds
        .iter()
        .map(|t| (t.metric.as_str(), t.threshold.as_str(), t.passed))
        .collect();
    assert_eq!(rules, [("checks", "rate==1", true)]);

    // Overrides (the CLI's flags) still win.
    let result = Runner::from_source(script("options.js"), source)
        .options(json!({ "iterations": 3, "tags": { "who": "runner" } }))
        .overrides(rk6::Overrides {
            iterations: Some(2),
            ..Default::default()
        })
        .skip_summary(true)
        .run()
        .expect("the run");
    assert_eq!(result.iterations, 2);

    let err = Runner::from_source(script("options.js"), source)
        .options(json!([1]))
        .skip_summary(true)
        .run()
        .expect_err("not an object");
    assert_eq!(
        err.to_string(),
        "invalid options: the options given to the runner must be an object like { \"vus\": 2 }, got [1]"
    );
}

mod added {
    use super::*;
    use deno_core::{extension, op2, OpState};

    #[op2(fast)]
    fn op_embedding_test_vu_count(state: &mut OpState) -> u32 {
        state.borrow::<VuCount>().0
    }

    struct VuCount(u32);

    extension!(
        counted,
        ops = [op_embedding_test_vu_count],
        state = |state| {
            state.put(VuCount(7));
        }
    );

    const MODULE: &str = "export const seven = () => Deno.core.ops.op_embedding_test_vu_count();";

    #[test]
    fn added_modules_and_extensions_reach_every_vu_even_in_large_runs() {
        // 200 VUs, where runs on V8 start from rk6's snapshot (runtime::snapshot::SNAPSHOT_MIN_VUS,
        // engine::STARTUP_SNAPSHOT_PAYS): skipped here, since it does not hold these ops.
        let result = Runner::from_source(
            "ext.js",
            r#"
            import { check } from "k6";
            import { seven } from "k6/x/seven";
            export const options = { vus: 200, iterations: 200 };
            export default function () { check(seven(), { "op state per VU": (n) => n === 7 }); }
            "#,
        )
        .module("k6/x/seven", MODULE)
        .extensions(|| vec![counted::init()])
        .skip_summary(true)
        .run()
        .expect("the run");
        assert_eq!((result.checks_passed(), result.checks_failed()), (200, 0));
    }

    #[test]
    fn a_module_named_like_a_builtin_or_a_path_is_refused() {
        for (name, why) in [
            ("k6/http", "module \"k6/http\" is one of rk6's built-in modules; give yours another name"),
            ("./mine.js", "module name \"./mine.js\" must be a bare name like \"k6/x/mine\" (no ./, / or scheme)"),
        ] {
            let err = Runner::from_source("x.js", "export default function () {}")
                .module(name, MODULE)
                .skip_summary(true)
                .run()
                .expect_err("refused");
            assert_eq!(err.to_string(), format!("invalid options: {why}"));
            assert_eq!(err.exit_code(), 104);
        }
    }
}

#[test]
fn a_log_sink_gets_the_runs_lines_tagged_with_run_and_vu() {
    use rk6::{Level, LogLine};
    let lines: Arc<std::sync::Mutex<Vec<LogLine>>> = Default::default();
    let collected = lines.clone();
    let result = Runner::from_source(
        "logging.js",
        r#"
        export const options = {
            scenarios: { default: { executor: "per-vu-iterations", vus: 2, iterations: 1 } },
        };
        console.log("init");
        export function setup() { console.warn("setting up"); }
        export default function () {
            console.info(`iteration of ${__VU}`);
            throw new Error("failed on purpose");
        }
        "#,
    )
    .label("run-1")
    .log_sink(move |line| collected.lock().unwrap().push(line.clone()))
    .skip_summary(true)
    .run()
    .expect("the run");
    assert_eq!(result.failed_iterations, 2);
    let lines = lines.lock().unwrap();
    assert!(lines.iter().all(|l| &*l.run == "run-1"), "{lines:?}");
    type Seen = (Option<u32>, Level, String, Vec<(String, String)>);
    let mut seen: Vec<Seen> = lines
        .iter()
        .map(|l| {
            let first = l.message.lines().next().unwrap_or("").to_owned();
            (l.vu, l.level, first, l.fields.clone())
        })
        .collect();
    seen.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    let console = || vec![("source".to_owned(), "console".to_owned())];
    let stack = || {
        vec![
            ("executor".to_owned(), "per-vu-iterations".to_owned()),
            ("scenario".to_owned(), "default".to_owned()),
            ("source".to_owned(), "stacktrace".to_owned()),
        ]
    };
    let mut expected = vec![
        (Some(0), Level::Info, "init".to_owned(), console()),
        (Some(0), Level::Warn, "setting up".to_owned(), console()),
        (Some(1), Level::Info, "init".to_owned(), console()),
        (Some(2), Level::Info, "init".to_owned(), console()),
        (Some(1), Level::Info, "iteration of 1".to_owned(), console()),
        (Some(2), Level::Info, "iteration of 2".to_owned(), console()),
        (
            Some(1),
            Level::Error,
            "Error: failed on purpose".to_owned(),
            stack(),
        ),
        (
            Some(2),
            Level::Error,
            "Error: failed on purpose".to_owned(),
            stack(),
        ),
    ];
    expected.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    assert_eq!(seen, expected);
}
