//! Tags and thresholds through the real binary: test-wide, scenario and VU tags selecting
//! samples of built-in and custom metrics, exit code 99 for failed thresholds, abortOnFail,
//! and option errors. Scripts live in tests/scripts/thresholds/.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Output;
use std::time::{Duration, Instant};

fn run(name: &str) -> (Output, Value) {
    let dir = tempdir();
    run_with_summary(dir.path(), &test_script("thresholds", name), &[])
}

/// `"metric: rule"` → (observed value, passed) from the exported summary.
fn verdicts(summary: &Value) -> BTreeMap<String, (f64, bool)> {
    summary["thresholds"]
        .as_array()
        .unwrap_or_else(|| panic!("summary has no thresholds: {summary}"))
        .iter()
        .map(|t| {
            (
                format!(
                    "{}: {}",
                    t["metric"].as_str().expect("metric"),
                    t["threshold"].as_str().expect("threshold")
                ),
                (
                    t["value"].as_f64().expect("value"),
                    t["passed"].as_bool().expect("passed"),
                ),
            )
        })
        .collect()
}

#[test]
fn tags_select_samples_for_thresholds() {
    let (out, summary) = run("tagged.js");
    assert_code(&out, 0);
    let v = verdicts(&summary);
    let exact = [
        ("iterations: count==9", 9.0),
        ("iterations{scenario:blue}: count==6", 6.0),
        ("iterations{team:red}: count==3", 3.0),
        // The red scenario's own env tag overrides the test-wide one.
        ("iterations{env:ci}: count==6", 6.0),
        ("hits{kind:read}: count==6", 6.0),
        ("hits{phase:late}: count==6", 6.0),
        ("hits: count==9", 9.0),
        ("latency{scenario:red}: avg==30", 30.0),
        ("latency: max==30", 30.0),
        ("latency: min==10", 10.0),
        ("ok{team:blue}: rate==1", 1.0),
        ("checks{check:positive}: rate==1", 1.0),
        ("checks{group:::g}: rate==0", 0.0),
    ];
    for (rule, value) in exact {
        assert_eq!(v.get(rule), Some(&(value, true)), "{rule}: {v:?}");
    }
    let (ok_rate, passed) = v["ok: rate<0.7"];
    assert!(passed && (ok_rate - 6.0 / 9.0).abs() < 1e-9, "{ok_rate}");
    assert_eq!(v.len(), 19, "{v:?}");
    assert!(v.values().all(|(_, passed)| *passed), "{v:?}");

    // exec.vu.tags shows the scenario's tags and what the script added.
    let lines = info_lines(&stderr(&out));
    assert_eq!(lines.len(), 6, "{lines:?}");
    let first = r#"tags={"env":"ci","scenario":"blue","team":"blue"} keys=env,scenario,team has=true missing=true"#;
    let later = r#"tags={"env":"ci","phase":"late","scenario":"blue","team":"blue"} keys=env,phase,scenario,team has=true missing=true"#;
    assert!(lines.iter().any(|l| l == first), "{lines:?}");
    assert!(lines.iter().any(|l| l == later), "{lines:?}");
    assert!(lines.iter().all(|l| l == first || l == later), "{lines:?}");
    // The summary lists each rule with a mark, sub-metrics under their metric as k6 does.
    assert!(
        stdout(&out).contains("\n      {scenario:blue}\n      ✓ 'count==6' count=6\n"),
        "{}",
        describe(&out)
    );
}

#[test]
fn custom_metric_samples_carry_the_group_tag() {
    let (out, summary) = run("group_tag.js");
    assert_code(&out, 0);
    let v = verdicts(&summary);
    for (rule, count) in [
        ("hits{group:::g1}: count==1", 1.0),
        ("hits{group:::g1::g2}: count==2", 2.0),
        ("hits{group:custom}: count==1", 1.0),
        ("hits: count==5", 5.0),
    ] {
        assert_eq!(v.get(rule), Some(&(count, true)), "{rule}: {v:?}");
    }
}

#[test]
fn a_failed_threshold_exits_99_after_the_whole_test() {
    let (out, summary) = run("failing.js");
    assert_code(&out, 99);
    let v = verdicts(&summary);
    assert_eq!(v["errors: count<2"], (4.0, false));
    assert_eq!(v["iterations: count==4"], (4.0, true));
    assert_eq!(summary["iterations"], 4);
    assert!(info_lines(&stderr(&out)).contains(&"teardown ran".to_owned()));
    // k6 1.x's block, first: each metric with its rules, marks and the values judged.
    assert!(
        stdout(&out).starts_with(
            "\n\n  █ THRESHOLDS \n\n    errors\n    ✗ 'count<2' count=4\n\n    \
             iterations\n    ✓ 'count==4' count=4\n\n\n  █ TOTAL RESULTS \n"
        ),
        "{}",
        describe(&out)
    );
}

#[test]
fn abort_on_fail_stops_the_test_early_with_99() {
    let started = Instant::now();
    let (out, summary) = run("abort_on_fail.js");
    let took = started.elapsed();
    assert_code(&out, 99);
    // The scenario would run 20 s; three 100 ms iterations trip the threshold.
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let (errors, passed) = verdicts(&summary)["errors: count<3"];
    assert!(!passed && (3.0..10.0).contains(&errors), "{errors}");
    assert!(
        summary["aborted"]
            .as_str()
            .is_some_and(|r| r.contains("count<3") && r.contains("errors")),
        "{summary}"
    );
    assert!(info_lines(&stderr(&out)).contains(&"teardown ran".to_owned()));
}

#[test]
fn bad_tag_values_and_late_metrics_are_script_errors() {
    let (out, _) = run("bad_tags.js");
    assert_code(&out, 0);
    let lines = info_lines(&stderr(&out));
    let expected = [
        "vuTagObject TypeError: exec.vu.tags[\"x\"] must be a string, number or boolean, got object",
        "addTagNull TypeError: cc.add(): tag \"a\" must be a string, number or boolean, got null",
        "addTagsArray TypeError: cc.add(): tags must be an object like { type: \"read\" }",
        "checkTagFn TypeError: check(): tag \"f\" must be a string, number or boolean, got function",
        "lateMetric Error: metric \"late\" must be created in the init context (the top level of \
         the script), not inside setup(), teardown() or an iteration",
        "bool true string",
        "deleted undefined",
    ];
    assert_eq!(lines, expected);
}

#[test]
fn invalid_thresholds_exit_104_naming_the_threshold() {
    let cases = [
        (r#"{ nope: ["count>1"] }"#, "no metric named \"nope\""),
        (r#"{ iterations: ["count>>1"] }"#, "count>>1"),
        (r#"{ iterations: ["p95<1"] }"#, "p95"),
        (
            r#"{ iteration_duration: ["count>1"] }"#,
            "does not apply to a trend",
        ),
        (
            r#"{ "iterations{scenario:a": ["count>1"] }"#,
            "must end with '}'",
        ),
        (
            r#"{ iterations: [{ threshold: "count>1", abortOnFail: "yes" }] }"#,
            "abortOnFail",
        ),
        (
            r#"{ iterations: [{ threshold: "count>1", later: true }] }"#,
            "later",
        ),
        (
            r#"{ iterations: [{ abortOnFail: true }] }"#,
            "threshold string",
        ),
        (r#"["count>1"]"#, "thresholds must be an object"),
    ];
    for (thresholds, needle) in cases {
        let dir = tempdir();
        let body = format!(
            "export const options = {{ thresholds: {thresholds} }};\n\
             export default function () {{}}\n"
        );
        write(dir.path(), "bad.js", &body);
        let out = rk6(dir.path(), &["run", "-q", "bad.js"]);
        assert_code(&out, 104);
        assert_no_panic(&out);
        let err = erro_lines(&stderr(&out)).concat();
        assert!(err.contains(needle), "{thresholds}: {err}");
    }
}

#[test]
fn one_metric_name_cannot_change_kind() {
    let dir = tempdir();
    write(
        dir.path(),
        "kinds.js",
        "import { Counter, Trend } from \"k6/metrics\";\n\
         new Counter(\"xx\");\nnew Trend(\"xx\");\nexport default function () {}\n",
    );
    let out = rk6(dir.path(), &["run", "-q", "kinds.js"]);
    assert_code(&out, 107);
    assert!(
        erro_lines(&stderr(&out))
            .concat()
            .contains("metric \"xx\" is already a Counter"),
        "{}",
        describe(&out)
    );
}

#[test]
fn invalid_test_wide_tags_exit_104() {
    for (tags, needle) in [
        (r#""x""#, "tags must be an object of string values"),
        (r#"{ team: ["a"] }"#, "tags.team must be a string"),
    ] {
        let dir = tempdir();
        let body = format!(
            "export const options = {{ tags: {tags} }};\nexport default function () {{}}\n"
        );
        write(dir.path(), "bad.js", &body);
        let out = rk6(dir.path(), &["run", "-q", "bad.js"]);
        assert_code(&out, 104);
        assert!(stderr(&out).contains(needle), "{tags}: {}", describe(&out));
    }
}

#[test]
fn the_export_lists_sub_metrics_and_thresholds_in_k6_layout() {
    let dir = tempdir();
    let (out, export) = run_with_export(dir.path(), &test_script("thresholds", "tagged.js"), &[]);
    assert_code(&out, 0);
    let m = &export["metrics"];
    // Sub-metrics appear under the threshold's key; `thresholds` maps each rule to whether
    // it failed, as k6 writes it.
    assert_eq!(m["iterations{scenario:blue}"]["count"], 6);
    assert_eq!(
        m["iterations{scenario:blue}"]["thresholds"],
        serde_json::json!({ "count==6": false })
    );
    assert_eq!(m["hits{kind:read}"]["count"], 6);
    assert_eq!(m["hits"]["count"], 9);
    assert_eq!(m["ok"]["passes"], 6);
    assert_eq!(m["ok"]["fails"], 3);
    assert_eq!(m["ok{team:blue}"]["value"], 1);
    assert_eq!(m["latency"]["min"], 10);
    assert_eq!(m["latency"]["max"], 30);
    assert_eq!(m["latency{scenario:red}"]["avg"], 30);
    // A gauge reports its last value and the extremes (VU ids here, which VU ran which
    // iteration varies).
    let level = &m["level"];
    let (value, min, max) = (
        level["value"].as_u64().expect("value"),
        level["min"].as_u64().expect("min"),
        level["max"].as_u64().expect("max"),
    );
    assert!(
        1 <= min && min <= value && value <= max && max <= 3,
        "{level}"
    );
    assert_eq!(m["checks{group:::g}"]["fails"], 3);

    let (out, export) = run_with_export(dir.path(), &test_script("thresholds", "failing.js"), &[]);
    assert_code(&out, 99);
    assert_eq!(
        export["metrics"]["errors"]["thresholds"],
        serde_json::json!({ "count<2": true })
    );
    assert_eq!(
        export["metrics"]["iterations"]["thresholds"],
        serde_json::json!({ "count==4": false })
    );
}
