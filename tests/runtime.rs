//! The runtime foundation, through the real binary: lifecycle, errors, globals,
//! modules, options and VUs. Scripts live in tests/scripts/.

mod common;

use common::{code, stderr, stdout};
use std::path::PathBuf;
use std::process::Output;

fn scripts() -> PathBuf {
    common::repo_root().join("tests/scripts")
}

fn rk6(args: &[&str]) -> Output {
    let child = common::command(&scripts(), args)
        .env("FROM_PROCESS", "proc")
        .spawn()
        .expect("rk6 starts");
    common::wait(child)
}

fn run(script: &str, flags: &[&str]) -> Output {
    let mut args = vec!["run", "-q"];
    args.extend_from_slice(flags);
    args.push(script);
    rk6(&args)
}

/// Messages of `console.log/info` lines, in order.
fn info(o: &Output) -> Vec<String> {
    common::info_lines(&stderr(o))
}

fn summary_value(o: &Output, name: &str) -> String {
    let out = stdout(o);
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{name}.")))
        .unwrap_or_else(|| panic!("no {name} in summary:\n{out}"));
    // Columns are padded to line up; one space between values is enough here.
    line.split_once(": ")
        .expect("summary row")
        .1
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn lifecycle_runs_setup_iterations_teardown_in_order_with_copied_data() {
    let o = run("lifecycle.js", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines = info(&o);
    assert_eq!(lines.first().map(String::as_str), Some("setup vu=0"));
    assert_eq!(
        lines.last().map(String::as_str),
        Some(r#"teardown vu=0 data={"token":"abc","list":[1,2]}"#)
    );
    let mut iters: Vec<&str> = lines[1..lines.len() - 1]
        .iter()
        .map(String::as_str)
        .collect();
    iters.sort();
    assert_eq!(
        iters,
        [
            r#"iter vu=1 iter=0 data="abc""#,
            r#"iter vu=1 iter=1 data="abc""#,
            r#"iter vu=2 iter=0 data="abc""#,
            r#"iter vu=2 iter=1 data="abc""#,
        ]
    );
    assert_eq!(summary_value(&o, "iterations").split(' ').next(), Some("4"));
}

#[test]
fn iteration_exceptions_are_printed_counted_and_the_vu_goes_on() {
    let o = run("exceptions.js", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(
        err.matches(r#"level=error msg="Error: sync boom"#).count(),
        2,
        "{err}"
    );
    // As k6 tags them; and only the script's own frames, not rk6's harness.
    assert_eq!(
        err.matches("executor=shared-iterations scenario=default source=stacktrace")
            .count(),
        6,
        "{err}"
    );
    assert!(!err.contains("(rk6:"), "{err}");
    assert_eq!(err.matches("TypeError: async boom").count(), 2, "{err}");
    assert_eq!(err.matches("unhandled boom").count(), 2, "{err}");
    assert!(
        err.contains("exceptions.js:6"),
        "stack names file:line: {err}"
    );
    assert_eq!(summary_value(&o, "iterations").split(' ').next(), Some("6"));
    assert_eq!(
        summary_value(&o, "iterations_failed").split(' ').next(),
        Some("6")
    );
}

#[test]
fn init_exception_and_syntax_error_exit_107_with_location() {
    let o = run("init_error.js", &[]);
    assert_eq!(code(&o), 107);
    let err = stderr(&o);
    assert!(
        err.contains("init exploded") && err.contains("init_error.js:2"),
        "{err}"
    );

    let o = run("syntax_error.js", &[]);
    assert_eq!(code(&o), 107);
    assert!(stderr(&o).contains("syntax_error.js"), "{}", stderr(&o));
}

#[test]
fn setup_exception_exits_107_before_any_iteration() {
    let o = run("setup_error.js", &[]);
    assert_eq!(code(&o), 107);
    assert!(stderr(&o).contains("setup exploded"), "{}", stderr(&o));
    assert!(info(&o).is_empty(), "nothing else ran: {:?}", info(&o));
}

#[test]
fn timers_fire_in_order_and_the_iteration_waits_for_them() {
    let o = run("timers.js", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(info(&o), ["args=p+q", "order=a,b ticks=3"]);
}

#[test]
fn env_merges_process_environment_and_flags() {
    let o = run(
        "env.js",
        &["-e", "FOO=bar=baz", "--env", "FROM_PROCESS=flag"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        info(&o),
        ["FOO=bar=baz FROM_PROCESS=flag MISSING=undefined"]
    );
    let o = run("env.js", &[]);
    assert_eq!(
        info(&o),
        ["FOO=undefined FROM_PROCESS=proc MISSING=undefined"]
    );
    // k6's flag: without the system environment, only -e entries remain.
    let o = run(
        "env.js",
        &["--include-system-env-vars=false", "-e", "FOO=x"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(info(&o), ["FOO=x FROM_PROCESS=undefined MISSING=undefined"]);
    let o = run("env.js", &["--include-system-env-vars"]);
    assert_eq!(
        info(&o),
        ["FOO=undefined FROM_PROCESS=proc MISSING=undefined"]
    );
}

#[test]
fn each_vu_starts_its_scenario_with_a_fresh_env_object_as_k6() {
    // __ENV is built when first read; what init code did to it does not carry over.
    let o = run("env_object.js", &["-e", "FOO=bar", "-u", "2", "-i", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(info(&o), ["same=false added=undefined FOO=bar"; 2]);
}

#[test]
fn import_meta_names_each_module_in_every_vu() {
    let o = run("import_meta.js", &["-u", "2", "-i", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        info(&o),
        ["main=true lib=true resolved=true dynamic=true"; 2]
    );
}

#[test]
fn webassembly_is_made_when_a_script_first_reads_it() {
    let o = run("webassembly.js", &["-u", "2", "-i", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        info(&o),
        ["listed=false writable=true valid=true tag=[object WebAssembly.Module] \
          streaming=function error=CompileError"; 2]
    );
}

#[test]
fn atomics_is_made_when_a_script_first_reads_it() {
    let o = run("atomics.js", &["-u", "2", "-i", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        info(&o),
        ["listed=false writable=true tag=[object Atomics] notEqual=false/not-equal \
          waiting=true woken=1 outcome=ok add=5 load=7"; 2]
    );
}

#[test]
fn a_scripts_prepare_stack_trace_gets_call_sites_in_every_vu() {
    let o = run("prepare_stack_trace.js", &["-u", "2", "-i", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(info(&o), ["x named true 4"; 2]);
}

#[test]
fn non_utf8_environment_variables_are_skipped_with_a_warning() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = common::tempdir();
    let script = common::write(
        dir.path(),
        "env.js",
        r#"export default function () {
  console.log(`FOO=${__ENV.FOO} JUNK=${"JUNK" in __ENV} BAD=${Object.keys(__ENV).filter((k) => k.endsWith("BADNAME")).length}`);
}"#,
    );
    let child = common::command(dir.path(), &["run", "-q", script.to_str().unwrap()])
        .env("FOO", "ok")
        .env("JUNK", OsStr::from_bytes(b"a\xffb"))
        .env(OsStr::from_bytes(b"\xfeBADNAME"), "1")
        .spawn()
        .expect("rk6 starts");
    let o = common::wait(child);
    common::assert_no_panic(&o);
    assert_eq!(code(&o), 0, "{}", common::describe(&o));
    assert_eq!(info(&o), ["FOO=ok JUNK=false BAD=0"]);
    let err = stderr(&o);
    let warnings = common::level_lines(&err, "warning");
    assert_eq!(
        warnings.len(),
        2,
        "one warning per skipped variable; {}",
        common::describe(&o)
    );
    assert!(
        warnings.contains(
            &"environment variable \"JUNK\" is not valid UTF-8; it is left out of __ENV".to_owned()
        ),
        "{warnings:?}"
    );
    assert!(
        warnings.contains(
            &"environment variable \"\u{FFFD}BADNAME\" is not valid UTF-8; it is left out of __ENV"
                .to_owned()
        ),
        "{warnings:?}"
    );
}

#[test]
fn open_reads_text_and_binary_relative_to_the_script_only_in_init() {
    let o = run("open.js", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        info(&o),
        [
            r#"text="hello file\nline two" isAB=true bytes=0,1,254,255"#,
            "late open: open() can only be called in the init context (the top level of the script)"
        ]
    );
}

#[test]
fn relative_imports_resolve_against_the_importing_file() {
    let o = run("imports.js", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(info(&o), ["add=5 twice=42 sleepSame=true"]);
}

#[test]
fn every_vu_evaluates_modules_with_top_level_await_and_imports() {
    // What a module imports and whether it awaits at top level is worked out once per
    // process and reused by every VU that compiles the same source.
    let o = run("tla_imports.js", &["-u", "3", "-i", "3"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(info(&o), ["ready 3", "ready 3", "ready 3"]);
}

#[test]
fn unknown_builtin_and_remote_modules_fail_at_init_naming_the_specifier() {
    let o = run("unknown_module.js", &[]);
    assert_eq!(code(&o), 107);
    assert!(
        common::erro_lines(&stderr(&o))
            .concat()
            .contains("unknown module \"k6/ws\""),
        "{}",
        stderr(&o)
    );
    let o = run("remote_module.js", &[]);
    assert_eq!(code(&o), 107);
    assert!(
        stderr(&o).contains(
            "cannot load the remote module http://127.0.0.1:1/lib.js: dial: connection refused"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn flags_beat_script_options_which_beat_defaults() {
    let o = run("options_precedence.js", &[]);
    assert_eq!(summary_value(&o, "iterations").split(' ').next(), Some("9"));
    assert_eq!(summary_value(&o, "vus_max"), "3 min=3 max=3");
    let o = run("options_precedence.js", &["-u", "2", "-i", "5"]);
    assert_eq!(summary_value(&o, "iterations").split(' ').next(), Some("5"));
    assert_eq!(summary_value(&o, "vus_max"), "2 min=2 max=2");
    let o = run("many_vus.js", &[]);
    assert_eq!(info(&o), ["vu=1"], "default is 1 VU, 1 iteration");
}

#[test]
fn invalid_options_and_flags_exit_104_naming_the_option() {
    let o = run("bad_options.js", &[]);
    assert_eq!(code(&o), 104);
    assert!(stderr(&o).contains("vus"), "{}", stderr(&o));
    let o = run("many_vus.js", &["--vus", "lots"]);
    assert_eq!(code(&o), 104);
    assert!(stderr(&o).contains("--vus"), "{}", stderr(&o));
    let o = run("many_vus.js", &["-d", "soon"]);
    assert_eq!(code(&o), 104);
    assert!(stderr(&o).contains("soon"), "{}", stderr(&o));
    let o = run("no_default.js", &[]);
    assert_eq!(code(&o), 104);
    assert!(stderr(&o).contains("default"), "{}", stderr(&o));
}

#[test]
fn missing_script_is_a_clear_error() {
    let o = run("does_not_exist.js", &[]);
    assert_ne!(code(&o), 0);
    let err = stderr(&o);
    assert!(err.contains("does_not_exist.js not found"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn two_hundred_vus_each_run_once_with_unique_ids() {
    let o = run("many_vus_each_once.js", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut ids: Vec<u32> = info(&o)
        .iter()
        .map(|l| l.strip_prefix("vu=").unwrap().parse().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, (1..=200).collect::<Vec<_>>());
    assert_eq!(summary_value(&o, "vus_max"), "200 min=200 max=200");
}

#[test]
fn sleep_blocks_only_its_own_vu() {
    let o = run("sleep_overlap.js", &["-u", "10", "-i", "10"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let spans: Vec<(u64, u64)> = info(&o)
        .iter()
        .map(|l| {
            let p: Vec<&str> = l.split(' ').collect();
            (p[2].parse().unwrap(), p[3].parse().unwrap())
        })
        .collect();
    assert_eq!(spans.len(), 10);
    // All ten one-second sleeps were in progress at the same moment.
    let latest_start = spans.iter().map(|s| s.0).max().unwrap();
    let earliest_end = spans.iter().map(|s| s.1).min().unwrap();
    assert!(latest_start < earliest_end, "{spans:?}");
}

#[test]
fn checks_and_groups_are_counted_and_fail_throws() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("summary.json");
    let o = run("checks.js", &["--summary-export", export.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(info(&o), ["group returned group result"; 4]);
    assert!(stderr(&o).contains("failing on purpose"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(export).unwrap()).unwrap();
    let rk6 = &json["rk6"];
    assert_eq!(
        rk6["checks"],
        serde_json::json!([
            {"group": "", "name": "is even", "passes": 2, "fails": 2},
            {"group": "", "name": "always", "passes": 4, "fails": 0},
            {"group": "outer::inner", "name": "one", "passes": 4, "fails": 0},
        ])
    );
    assert_eq!(rk6["iterations"], 4);
    assert_eq!(rk6["failed_iterations"], 1);
    assert!(stdout(&o).contains("✗ is even"));

    // The same results in the layout k6 writes for --summary-export: a tree of groups and
    // checks whose ids are the MD5 of their paths, and metrics by name.
    let check = |path: &str, name: &str, passes: u64, fails: u64| {
        serde_json::json!({
            "name": name, "path": path, "id": md5_hex(path), "passes": passes, "fails": fails
        })
    };
    let root = &json["root_group"];
    assert_eq!(root["name"], "");
    assert_eq!(root["id"], "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(
        root["checks"]["is even"],
        check("::is even", "is even", 2, 2)
    );
    assert_eq!(root["checks"]["always"], check("::always", "always", 4, 0));
    let outer = &root["groups"]["outer"];
    assert_eq!(outer["path"], "::outer");
    assert_eq!(outer["id"], md5_hex("::outer"));
    let inner = &outer["groups"]["inner"];
    assert_eq!(inner["path"], "::outer::inner");
    assert_eq!(
        inner["checks"]["one"],
        check("::outer::inner::one", "one", 4, 0)
    );
    let metrics = &json["metrics"];
    assert_eq!(metrics["checks"]["passes"], 10);
    assert_eq!(metrics["checks"]["fails"], 2);
    assert_eq!(metrics["iterations"]["count"], 4);
    for stat in ["avg", "min", "med", "max", "p(90)", "p(95)"] {
        assert!(metrics["iteration_duration"][stat].is_number(), "{stat}");
    }
}

/// Hex MD5 digests of the few paths the export test needs, computed independently
/// (`printf %s PATH | md5sum`).
fn md5_hex(path: &str) -> &'static str {
    match path {
        "::is even" => "489b32463064adc228ae9afc2911250f",
        "::always" => "c7a689de5e72a0785ecca1a3974f3a5e",
        "::outer" => "c34b428ee7255085dfe7fef53d3394d5",
        "::outer::inner::one" => "1cf6a9948fde61c4faf705c4beb04d13",
        other => panic!("no digest for {other:?}"),
    }
}

#[test]
fn duration_loops_every_vu_until_time_is_up() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("s.json");
    let o = run(
        "duration.js",
        &[
            "-u",
            "2",
            "-d",
            "1s",
            "--summary-export",
            export.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(export).unwrap()).unwrap();
    let iterations = json["rk6"]["iterations"].as_u64().unwrap();
    // 2 VUs × ~10 iterations of 100 ms in one second; wide bounds, the machine is shared.
    assert!((10..=22).contains(&iterations), "{iterations}");
    assert_eq!(json["rk6"]["failed_iterations"], 0);
}

#[test]
fn console_formats_values_one_line_per_call_on_stderr() {
    let o = run("console.js", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    // k6's logfmt without a terminal: time, level, the message quoted as Go quotes, source.
    let lines: Vec<&str> = err
        .lines()
        .map(|l| l.split_once("\" ").expect("a time field").1)
        .collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert_eq!(
        lines[0],
        r#"level=info msg="plain 1 true null undefined {\"a\":[1,\"x\"]} quote\"d" source=console"#
    );
    assert_eq!(lines[1], "level=warning msg=careful source=console");
    assert!(
        lines[2].starts_with(r#"level=error msg="Error: shown\n    at "#)
            && lines[2].ends_with("\" source=console"),
        "{err}"
    );
    assert_eq!(
        lines[3],
        r#"level=info msg="[object Object]" source=console"#
    );
    assert!(err.lines().all(|l| l.starts_with("time=\"")), "{err}");
    assert!(!err.contains("dbg"), "console.debug needs --verbose: {err}");
    assert!(
        stdout(&o).lines().all(|l| !l.contains("plain")),
        "console goes to stderr"
    );
    let verbose = run("console.js", &["-v"]);
    assert!(
        stderr(&verbose).contains("level=debug msg=dbg source=console\n"),
        "{}",
        stderr(&verbose)
    );
}

#[test]
fn first_ctrl_c_stops_gracefully_runs_teardown_and_exits_105() {
    let child = common::spawn(
        &scripts(),
        &["run", "-q", "-u", "2", "-d", "60s", "sigint.js"],
    );
    // Let the VUs get into their iterations before interrupting.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let o = common::wait(child);
    assert_eq!(code(&o), 105, "{}", stderr(&o));
    assert!(
        info(&o).iter().any(|l| l == "teardown ran"),
        "{}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("iterations"),
        "summary printed: {}",
        stdout(&o)
    );
}

#[test]
fn vus_started_from_the_snapshot_behave_like_fresh_ones() {
    // On V8, 200 VUs start from the startup snapshot (SNAPSHOT_MIN_VUS), 1 VU does not; on
    // QuickJS both start fresh (engine::STARTUP_SNAPSHOT_PAYS; tests/density.rs restores
    // it there): every VU must print the same facts either way.
    let many = run("snapshot_features.js", &["-u", "200", "-i", "200"]);
    let one = run("snapshot_features.js", &["-u", "1", "-i", "1"]);
    for o in [&many, &one] {
        assert_eq!(code(o), 0, "{}", stderr(o));
    }
    let expected = "timer | [1,\"two\"] | KeyNotFoundError true | true | SyntaxError | object | \
                    string | default | 123 | --x";
    assert_eq!(info(&one), [expected]);
    let lines = info(&many);
    assert_eq!(lines.len(), 200, "{lines:?}");
    assert!(lines.iter().all(|l| l == expected), "{lines:?}");
    assert_eq!(
        summary_value(&many, "checks_succeeded"),
        "100.00% 200 out of 200"
    );
}

#[test]
fn temporal_is_complete_whichever_global_a_vu_reads_first() {
    // 1 VU starts from scratch, 200 (on V8) from the startup snapshot; Temporal is
    // evaluated lazily, on the first read of any global it provides.
    let one = run("temporal_lazy.js", &["-u", "1", "-i", "1"]);
    let many = run("temporal_lazy.js", &["-u", "200", "-i", "200"]);
    for o in [&one, &many] {
        assert_eq!(code(o), 0, "{}", stderr(o));
    }
    let facts = |door: u32, first: &str| {
        format!(
            "{door} | {first} | object | [object Temporal] | true | number | 5 | \
             1970-01-01T00:00:00Z | true false true true | false | 6/26/2020 AD, 12:00:00"
        )
    };
    assert_eq!(info(&one), [facts(1, "1970-01-01T00:00:00Z")]);
    let mut lines = info(&many);
    lines.sort();
    lines.dedup();
    assert_eq!(
        lines,
        [
            facts(0, "object"),
            facts(1, "1970-01-01T00:00:00Z"),
            facts(2, "function"),
            facts(3, "object"),
        ]
    );
}

#[test]
fn internal_functions_print_as_native_code_and_user_functions_keep_their_source() {
    // QuickJS keeps no source text for rk6's and deno_core's own code (it would cost
    // every VU ~100 KB; patched/v8x change 13), in one VU or in many; V8 shares source
    // text and prints it.
    let one = run("function_source.js", &["-u", "1", "-i", "1"]);
    let many = run("function_source.js", &["-u", "100", "-i", "100"]);
    for o in [&one, &many] {
        assert_eq!(code(o), 0, "{}", stderr(o));
    }
    let mine = "function mine(a) { return a + 1; }";
    let expected = if rk6::engine::ENGINE == "QuickJS-ng" {
        format!(
            "{mine} | function check() {{ [native code] }} | \
             function setTimeout() {{ [native code] }}"
        )
    } else {
        let lines = info(&one);
        assert!(
            lines[0].starts_with(&format!("{mine} | function check(")),
            "{lines:?}"
        );
        lines[0].clone()
    };
    assert_eq!(info(&one), std::slice::from_ref(&expected));
    let mut lines = info(&many);
    lines.dedup();
    assert_eq!(lines, [expected]);
}

#[test]
fn a_script_that_replaces_temporal_before_reading_it_keeps_its_value() {
    let o = run("temporal_replaced.js", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(info(&o), ["mine | 1970-01-01T00:00:00Z | Instant"]);
}

#[test]
fn json_stringify_gives_the_spec_text_for_primitives_objects_replacers_and_errors() {
    // The engine's JSON.stringify skips its holder object and cycle stack when nothing can
    // observe them (patched/v8x change 11); every line here is what k6 prints.
    let o = run("json_stringify.js", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        info(&o),
        [
            r#""plain""#,
            r#""q\"b\\n\n\t\b\f\r\u0001\u001f\ud800x\udc00é😀""#,
            r#""aaabb""#,
            r#""boxed""#,
            "[0,1e+21,0.1,null,null,42,true,false,null]",
            "5",
            "undefined",
            "undefined",
            "undefined",
            r#"{"a":[1,{"b":"c"}]}"#,
            r#"[{"x":1},{"x":1},[{"x":1}]]"#,
            r#""key=[]""#,
            r#"{"inner":"key=[inner]"}"#,
            r#""object|[\"\"]|7|7""#,
            r#"{"wrapped":"str"}"#,
            r#"{"c":3,"a":1}"#,
            r#"{~  "a": [~    1,~    {~      "b": 2~    }~  ]~}"#,
            r#""s""#,
            "7",
            "TypeError",
            "TypeError",
            "TypeError",
        ]
    );
}

#[test]
fn lone_surrogates_reach_rust_as_replacement_characters() {
    // Expected lines are what k6 v1.1 prints for the same script.
    let o = run("lone_surrogates.js", &["-i", "1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        info(&o),
        vec![
            "ab\u{FFFD}cd".to_owned(),
            format!("héllo\u{FFFD}!{}", "x".repeat(40)),
            format!("{}\u{FFFD}", "x".repeat(100)),
            "\u{FFFD}tail".to_owned(),
            "pair 😀 ok".to_owned(),
            "plain ascii text".to_owned(),
        ]
    );
}
