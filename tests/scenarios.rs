//! Scenarios and executors through the real binary: iteration counts per executor,
//! per-scenario `exec`/`env`/`startTime`, k6/execution values, abort, gracefulStop,
//! option validation and the CLI shortcuts. Scripts live in tests/scripts/scenarios/.
//!
//! Bounds on counts and times are deliberately coarse: the tests share a small, noisy
//! machine with other work.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;
use std::time::{Duration, Instant};

/// Runs a script from tests/scripts/scenarios/ and returns its output and summary.
fn run(name: &str, extra_args: &[&str]) -> (Output, Value) {
    let dir = tempdir();
    run_with_summary(dir.path(), &test_script("scenarios", name), extra_args)
}

/// A whole-number field of the exported summary.
#[track_caller]
fn num(summary: &Value, field: &str) -> u64 {
    summary[field]
        .as_u64()
        .unwrap_or_else(|| panic!("summary has no whole-number {field:?}: {summary}"))
}

/// Runs `name`, expects exit code 0, and returns the output, summary and `console.log` lines.
#[track_caller]
fn run_ok(name: &str, extra_args: &[&str]) -> (Output, Value, Vec<String>) {
    let (out, summary) = run(name, extra_args);
    assert_code(&out, 0);
    assert_no_panic(&out);
    let lines = info_lines(&stderr(&out));
    (out, summary, lines)
}

#[test]
fn shared_iterations_runs_exactly_the_shared_count() {
    let (out, summary, lines) = run_ok("shared_iterations.js", &[]);
    assert_eq!(num(&summary, "iterations"), 30, "{}", describe(&out));
    assert_eq!(num(&summary, "vus_max"), 3);
    assert_eq!(lines.len(), 30, "{lines:?}");
    // Every shared iteration number is handed out exactly once.
    let ids: BTreeSet<u64> = lines
        .iter()
        .map(|l| {
            l.split("test_iter=").nth(1).expect("test_iter")[..]
                .parse()
                .expect("number")
        })
        .collect();
    assert_eq!(ids, (0..30).collect());
}

#[test]
fn per_vu_iterations_runs_the_count_on_every_vu() {
    let (out, summary, lines) = run_ok("per_vu_iterations.js", &[]);
    assert_eq!(num(&summary, "iterations"), 12, "{}", describe(&out));
    let mut per_vu: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in &lines {
        let (vu, iter) = line.split_once(' ').expect("vu and iter");
        per_vu
            .entry(vu.to_owned())
            .or_default()
            .insert(iter.to_owned());
    }
    let iters: BTreeSet<String> = (0..4).map(|i| format!("iter={i}")).collect();
    assert_eq!(
        per_vu.keys().cloned().collect::<Vec<_>>(),
        ["vu=1", "vu=2", "vu=3"]
    );
    for (vu, seen) in &per_vu {
        assert_eq!(seen, &iters, "{vu} ran other iterations: {lines:?}");
    }
}

#[test]
fn constant_vus_loops_for_the_duration() {
    let (out, summary, _) = run_ok("constant_vus.js", &[]);
    let iterations = num(&summary, "iterations");
    // 2 VUs × 2 s / 0.1 s = 40 at best; a noisy machine loses a few.
    assert!(
        (30..=42).contains(&iterations),
        "{iterations} iterations; {}",
        describe(&out)
    );
    assert_eq!(num(&summary, "vus_max"), 2);
    assert_eq!(num(&summary, "interrupted_iterations"), 0);
}

#[test]
fn every_vu_gets_turns_when_more_want_the_cpu_than_are_admitted() {
    let (out, summary, lines) = run_ok("busy_vus.js", &[]);
    let firsts: BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("first="))
        .collect();
    assert_eq!(
        firsts.len(),
        64,
        "VUs that ran: {firsts:?}; {}",
        describe(&out)
    );
    assert_eq!(num(&summary, "vus_max"), 64);
}

#[test]
fn sleeping_vus_leave_their_place_to_others() {
    let (out, summary, _) = run_ok("sleeping_vus.js", &[]);
    let iterations = num(&summary, "iterations");
    // 64 VUs × 3; had sleepers kept their places, 10 at a time would have made ~30.
    assert!(
        (180..=192).contains(&iterations),
        "{iterations} iterations; {}",
        describe(&out)
    );
}

#[test]
fn ramping_vus_ramps_up_and_down() {
    let (out, summary, lines) = run_ok("ramping_vus.js", &[]);
    assert!(num(&summary, "vus_max") >= 4, "{summary}");
    let iterations = num(&summary, "iterations");
    // The area under the ramp is 4 VU-seconds, 10 iterations per VU-second: about 40.
    assert!(
        (15..=60).contains(&iterations),
        "{iterations} iterations; {}",
        describe(&out)
    );
    let active: Vec<u64> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("active="))
        .map(|n| n.parse().expect("vusActive is a number"))
        .collect();
    assert_eq!(active.len() as u64, iterations);
    let max = active.iter().copied().max().unwrap_or(0);
    assert!(
        (1..=4).contains(&max),
        "vusActive peaked at {max}: {active:?}"
    );
}

#[test]
fn constant_arrival_rate_starts_iterations_at_the_rate() {
    let (out, summary, _) = run_ok("constant_arrival_rate.js", &[]);
    let iterations = num(&summary, "iterations");
    assert!(
        (190..=210).contains(&iterations),
        "{iterations} iterations; {}",
        describe(&out)
    );
    assert_eq!(num(&summary, "dropped_iterations"), 0, "{summary}");
}

#[test]
fn constant_arrival_rate_drops_iterations_without_free_vus() {
    let (out, summary, _) = run_ok("arrival_rate_dropped.js", &[]);
    // 20 iterations are due in 2 s, but 2 VUs busy for 1 s each can take at most ~4.
    let dropped = num(&summary, "dropped_iterations");
    let iterations = num(&summary, "iterations");
    assert!(dropped > 0, "nothing dropped; {}", describe(&out));
    assert!(iterations <= 6, "{iterations} iterations; {summary}");
    assert!(
        dropped + iterations >= 15,
        "{dropped} dropped + {iterations} run is far from the 20 due; {summary}"
    );
}

#[test]
fn ramping_arrival_rate_follows_the_ramp() {
    let (out, summary, _) = run_ok("ramping_arrival_rate.js", &[]);
    let iterations = num(&summary, "iterations");
    // 0→20/s over 2 s is 20 iterations, then 20/s for 1 s is 20 more.
    assert!(
        (32..=48).contains(&iterations),
        "{iterations} iterations; {}",
        describe(&out)
    );
    assert_eq!(num(&summary, "dropped_iterations"), 0, "{summary}");
}

#[test]
fn each_scenario_runs_its_own_exec_function_with_its_own_env() {
    let (out, summary, lines) = run_ok("exec_env.js", &[]);
    assert_eq!(num(&summary, "iterations"), 5, "{}", describe(&out));
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "one first a",
            "one first a",
            "two second b",
            "two second b",
            "two second b"
        ],
        "{}",
        describe(&out)
    );
    let names: Vec<&str> = summary["scenarios"]
        .as_array()
        .expect("scenarios list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(names, ["first", "second"]);
}

#[test]
fn start_time_delays_the_scenario() {
    let (out, _, lines) = run_ok("start_time.js", &[]);
    let delays: Vec<u64> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("delay="))
        .map(|n| n.parse().expect("delay in ms"))
        .collect();
    assert_eq!(delays.len(), 1, "{}", describe(&out));
    assert!(
        delays[0] >= 900,
        "started {}ms after setup; {}",
        delays[0],
        describe(&out)
    );
}

#[test]
fn execution_module_reports_scenario_vu_and_instance_state() {
    let (out, summary, lines) = run_ok("exec_values.js", &[]);
    let states: Vec<Value> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("state "))
        .map(|j| serde_json::from_str(j).expect("state JSON"))
        .collect();
    assert_eq!(states.len(), 10, "{}", describe(&out));
    let vus_max = num(&summary, "vus_max");
    assert_eq!(vus_max, 2);

    let mut in_test = BTreeSet::new();
    let mut per_vu: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for s in &states {
        assert_eq!(s["name"], "pair", "{s}");
        assert_eq!(s["executor"], "shared-iterations", "{s}");
        assert_eq!(s["hasScenarios"], true, "{s}");
        assert_eq!(s["vusInitialized"].as_u64(), Some(vus_max), "{s}");
        let id = s["idInTest"].as_u64().expect("idInTest");
        assert!((1..=vus_max).contains(&id), "{s}");
        per_vu.entry(id).or_default().push(
            s["iterationInScenario"]
                .as_u64()
                .expect("iterationInScenario"),
        );
        assert!(
            in_test.insert(s["iterationInTest"].as_u64().expect("iterationInTest")),
            "iterationInTest repeated: {s}"
        );
        let completed = s["completed"].as_u64().expect("iterationsCompleted");
        assert!(completed < 10, "{s}");
        let progress = s["progress"].as_f64().expect("progress");
        assert!((0.0..=1.0).contains(&progress), "{s}");
    }
    assert_eq!(in_test, (0..10).collect(), "{lines:?}");
    for (vu, iters) in &per_vu {
        // Each VU logs its own iterations in order, numbered from 0.
        let expected: Vec<u64> = (0..iters.len() as u64).collect();
        assert_eq!(iters, &expected, "VU {vu}: {lines:?}");
    }
    // Per VU, iterationsCompleted never goes down.
    for id in per_vu.keys() {
        let seen: Vec<u64> = states
            .iter()
            .filter(|s| s["idInTest"].as_u64() == Some(*id))
            .map(|s| s["completed"].as_u64().unwrap_or(0))
            .collect();
        assert!(
            seen.windows(2).all(|w| w[0] <= w[1]),
            "VU {id} saw iterationsCompleted go down: {seen:?}"
        );
    }
}

#[test]
fn test_abort_stops_the_run_with_exit_code_108() {
    let started = Instant::now();
    let (out, summary) = run("abort.js", &[]);
    let took = started.elapsed();
    assert_code(&out, 108);
    assert_no_panic(&out);
    assert!(took < Duration::from_secs(15), "took {took:?}");
    let err = stderr(&out);
    assert!(
        info_lines(&err).iter().any(|l| l == "teardown ran"),
        "teardown did not run; {}",
        describe(&out)
    );
    // As k6 1.x, the reason is logged.
    assert!(
        erro_lines(&err).iter().any(|l| l == "test aborted: why"),
        "the output lacks the reason; {}",
        describe(&out)
    );
    assert_eq!(summary["aborted"], "why", "{summary}");
    assert_eq!(num(&summary, "exit_code"), 108, "{summary}");
}

#[test]
fn graceful_stop_zero_interrupts_running_iterations() {
    let started = Instant::now();
    let (out, summary, _) = run_ok("graceful_stop.js", &[]);
    let took = started.elapsed();
    assert!(
        num(&summary, "interrupted_iterations") >= 1,
        "{}",
        describe(&out)
    );
    // An interrupted iteration is neither completed nor failed (and logs no error).
    assert_eq!(num(&summary, "failed_iterations"), 0, "{}", describe(&out));
    assert!(erro_lines(&stderr(&out)).is_empty(), "{}", describe(&out));
    // The iterations sleep 30 s: ending well before that means they were cut, with room
    // for a slow, busy machine.
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

/// (completed, interrupted) iterations of ramp_down.js with `gracefulRampDown` = `grace`,
/// and the VU id of every iteration start.
fn ramp_down(grace: &str) -> (u64, u64, Vec<String>) {
    let (out, summary, lines) = run_ok("ramp_down.js", &["-e", &format!("GRACE={grace}")]);
    assert_eq!(num(&summary, "failed_iterations"), 0, "{}", describe(&out));
    let mut starts: Vec<String> = lines
        .iter()
        .map(|l| l.split_whitespace().nth(1).expect("vu=N").to_owned())
        .collect();
    starts.sort();
    (
        num(&summary, "iterations"),
        num(&summary, "interrupted_iterations"),
        starts,
    )
}

#[test]
fn ramping_vus_interrupts_a_ramped_down_vu_after_graceful_ramp_down() {
    // Two 2.5 s iterations start at 0 s. The target drops to one VU at 1 s: with 500 ms of
    // grace the second VU is interrupted at 1.5 s; it starts again when the target is back
    // to two at 2.5 s, and both VUs' second iterations are cut at the 4 s end.
    let (completed, interrupted, starts) = ramp_down("500ms");
    assert_eq!((completed, interrupted), (1, 3), "starts: {starts:?}");
    assert_eq!(starts, ["vu=1", "vu=1", "vu=2", "vu=2"]);
    // With 5 s of grace the ramped-down VU finishes its first iteration instead.
    let (completed, interrupted, starts) = ramp_down("5s");
    assert_eq!((completed, interrupted), (2, 2), "starts: {starts:?}");
    assert_eq!(starts, ["vu=1", "vu=1", "vu=2", "vu=2"]);
}

/// Writes a script whose only scenario is `scenario` (a JS object literal) and runs it.
fn run_bad(scenario: &str) -> Output {
    let dir = tempdir();
    let body = format!(
        "export const options = {{ scenarios: {{ broken: {scenario} }} }};\n\
         export default function () {{}}\n"
    );
    write(dir.path(), "bad.js", &body);
    rk6(dir.path(), &["run", "-q", "bad.js"])
}

#[test]
fn invalid_scenarios_fail_with_104_naming_scenario_and_field() {
    let cases = [
        (r#"{ executor: "bogus" }"#, "executor"),
        (r#"{ executor: "per-vu-iterations", exec: "nope" }"#, "nope"),
        (
            r#"{ executor: "constant-vus", vus: 1, duration: "soon" }"#,
            "duration",
        ),
        (
            r#"{ executor: "constant-vus", vus: -1, duration: "1s" }"#,
            "vus",
        ),
        (r#"{ executor: "constant-vus", vus: 1 }"#, "duration"),
        (
            r#"{ executor: "constant-arrival-rate", rate: 1, duration: "1s" }"#,
            "preAllocatedVUs",
        ),
    ];
    for (scenario, field) in cases {
        let out = run_bad(scenario);
        assert_code(&out, 104);
        assert_no_panic(&out);
        let err = stderr(&out);
        assert!(
            err.contains("broken") && err.contains(field),
            "{scenario}: the error should name scenario \"broken\" and {field:?}; {}",
            describe(&out)
        );
    }
}

#[test]
fn stage_flags_make_a_ramping_vus_scenario() {
    let (out, summary, lines) = run_ok("shortcuts.js", &["-s", "1s:2", "-s", "1s:0"]);
    assert_eq!(num(&summary, "vus_max"), 2, "{}", describe(&out));
    assert!(num(&summary, "iterations") >= 1);
    assert!(
        lines.iter().all(|l| l == "executor=ramping-vus"),
        "{lines:?}"
    );
}

#[test]
fn duration_and_vus_flags_make_a_constant_vus_scenario() {
    let (out, summary, lines) = run_ok("shortcuts.js", &["-d", "1s", "-u", "2"]);
    assert_eq!(num(&summary, "vus_max"), 2, "{}", describe(&out));
    let iterations = num(&summary, "iterations");
    assert!(
        (10..=22).contains(&iterations),
        "{iterations} iterations; {}",
        describe(&out)
    );
    assert!(
        lines.iter().all(|l| l == "executor=constant-vus"),
        "{lines:?}"
    );
}

#[test]
fn executor_examples_run_quickly() {
    let executors = [
        "shared-iterations",
        "per-vu-iterations",
        "constant-vus",
        "ramping-vus",
        "constant-arrival-rate",
        "ramping-arrival-rate",
    ];
    let dir = tempdir();
    let started = Instant::now();
    let runs: Vec<_> = executors
        .iter()
        .map(|name| {
            let path = example(&format!("executors/{name}.js"));
            let path = path.to_str().expect("UTF-8 path").to_owned();
            (*name, spawn(dir.path(), &["run", "-q", &path]))
        })
        .collect();
    for (name, child) in runs {
        let out = wait(child);
        assert_eq!(code(&out), 0, "{name}: {}", describe(&out));
        assert_no_panic(&out);
        assert!(
            erro_lines(&stderr(&out)).is_empty(),
            "{name}: {}",
            describe(&out)
        );
    }
    // Each example runs for at most ~3 s; all of them together, in parallel, well within 15.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(15), "took {took:?}");
}
