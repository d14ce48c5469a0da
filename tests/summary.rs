//! The end-of-test summary through the real binary, in k6 1.x's layout. Expected lines
//! were checked against k6 v1.1 running the same scripts; values that depend on timing
//! (per-second rates, iteration durations) and the padding they cause are left out.

mod common;

use common::{assert_code, code, describe, stderr, stdout};
use std::path::PathBuf;
use std::process::Output;

fn scripts() -> PathBuf {
    common::repo_root().join("tests/scripts/summary")
}

fn run(script: &str, flags: &[&str]) -> Output {
    let mut args = vec!["run", "-q"];
    args.extend_from_slice(flags);
    args.push(script);
    common::rk6(&scripts(), &args)
}

/// The row of `name` (its display name: a metric's, or `{ tags }`), exactly as printed up
/// to the values, and the values with their padding collapsed.
fn row(out: &Output, name: &str) -> (String, String) {
    let text = stdout(out);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{name}.")))
        .unwrap_or_else(|| panic!("no {name} row in the summary:\n{text}"));
    let (head, values) = line.split_once(": ").expect("a summary row");
    let values = values.split_whitespace().collect::<Vec<_>>().join(" ");
    (format!("{head}:"), values)
}

fn dotted(indent: usize, name: &str, width: usize) -> String {
    format!(
        "{}{name}{}:",
        " ".repeat(indent),
        ".".repeat(width - name.len())
    )
}

#[test]
fn thresholds_come_first_then_check_totals_the_checks_and_the_metrics_by_section() {
    let out = run("metrics.js", &[]);
    assert_code(&out, 99);
    let text = stdout(&out);
    let expected_head = "\n\n  █ THRESHOLDS \n\n\
        \x20   hits\n\
        \x20   ✓ 'count>5' count=20\n\n\
        \x20   ok_rate\n\
        \x20   ✗ 'rate>0.9' rate=70.00%\n\n\
        \x20   slow\n\
        \x20   ✗ 'p(95)<2000' p(95)=34m10s\n\
        \x20   ✓ 'med<60000' med=2.12s\n\n\n\
        \x20 █ TOTAL RESULTS \n\n\
        \x20   checks_total.......................: 30     ";
    assert!(text.starts_with(expected_head), "{}", describe(&out));
    let checks = "\n    checks_succeeded...................: 83.33% 25 out of 30\n\
        \x20   checks_failed......................: 16.66% 5 out of 30\n\n\
        \x20   ✗ is even\n\
        \x20     ↳  50% — ✓ 5 / ✗ 5\n\
        \x20   ✓ always\n\
        \x20   ✓ one\n\n\
        \x20   CUSTOM\n";
    assert!(text.contains(checks), "{text}");
    // A Rate's share (truncated, as k6 does) and counts.
    assert!(
        text.contains("\n    ok_rate................................: 70.00% 7 out of 10\n"),
        "{text}"
    );
    // The sections in k6's order; NETWORK also without requests, at 0 (k6 counts each
    // iteration's bytes), as the summary's last section.
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("no {s}:\n{text}"));
    assert!(at("\n    CUSTOM\n") < at("\n    EXECUTION\n"), "{text}");
    assert!(at("\n    EXECUTION\n") < at("\n    NETWORK\n"), "{text}");
    assert!(!text.contains("HTTP"), "{text}");
    assert!(
        text.ends_with(
            "\n\n    NETWORK\n\
             \x20   data_received..........................: 0 B    0 B/s\n\
             \x20   data_sent..............................: 0 B    0 B/s\n\n\n\n"
        ),
        "{text:?}"
    );
}

#[test]
fn values_are_formatted_per_kind_with_units_chosen_per_value() {
    let out = run("metrics.js", &[]);
    assert_code(&out, 99);
    let width = 39; // k6's name column for these metrics
    let cases = [
        ("hits", None),
        ("level", Some("28 min=1 max=28")),
        ("ok_rate", Some("70.00% 7 out of 10")),
        // µs and ns for sub-millisecond durations ...
        (
            "fast",
            Some("avg=450.4µs min=400ns med=450.4µs max=900.4µs p(90)=810.4µs p(95)=855.4µs"),
        ),
        // ... s, m and h forms for long ones.
        (
            "slow",
            Some("avg=6m14s min=1s med=2.12s max=1h2m5s p(90)=6m15s p(95)=34m10s"),
        ),
        // A Trend without `isTime` has no unit.
        (
            "plain",
            Some("avg=6.75 min=0 med=6.75 max=13.5 p(90)=12.15 p(95)=12.825"),
        ),
        ("iterations", None),
        ("iterations_failed", None),
        ("vus_max", Some("1 min=1 max=1")),
    ];
    for (name, values) in cases {
        let (head, got) = row(&out, name);
        assert_eq!(head, dotted(4, name, width), "{}", describe(&out));
        if let Some(values) = values {
            assert_eq!(got, values, "{name}");
        }
    }
    // A Counter: its sum, then a rate per second.
    let (_, hits) = row(&out, "hits");
    assert!(hits.starts_with("20 ") && hits.ends_with("/s"), "{hits}");
    let (_, failed) = row(&out, "iterations_failed");
    assert!(failed.starts_with("0 "), "{failed}");
}

#[test]
fn summary_trend_stats_choose_the_trend_columns() {
    let out = run(
        "metrics.js",
        &[
            "--summary-trend-stats",
            "avg,min,med,max,p(90),p(95),p(99.9),count",
        ],
    );
    assert_code(&out, 99);
    assert_eq!(
        row(&out, "slow").1,
        "avg=6m14s min=1s med=2.12s max=1h2m5s p(90)=6m15s p(95)=34m10s p(99.9)=1h1m31s count=10"
    );
    assert_eq!(
        row(&out, "plain").1,
        "avg=6.75 min=0 med=6.75 max=13.5 p(90)=12.15 p(95)=12.825 p(99.9)=13.4865 count=10"
    );
    let (_, iteration) = row(&out, "iteration_duration");
    assert!(iteration.ends_with(" count=10"), "{iteration}");

    let out = run("metrics.js", &["--summary-trend-stats", "p(50),count"]);
    assert_eq!(row(&out, "plain").1, "p(50)=6.75 count=10");
}

#[test]
fn full_mode_adds_a_block_per_group() {
    let out = run("metrics.js", &["--summary-mode", "full"]);
    assert_code(&out, 99);
    let text = stdout(&out);
    let group = text
        .split_once("  █ GROUP: outer \n")
        .unwrap_or_else(|| panic!("no group block:\n{text}"))
        .1;
    let lines: Vec<&str> = group.lines().collect();
    assert_eq!(lines[..3], ["", "    ↳ GROUP: inner ", ""], "{group:?}");
    assert!(
        lines[3].starts_with("      checks_total.......................: 10      "),
        "{group:?}"
    );
    assert_eq!(
        lines[4..],
        [
            "      checks_succeeded...................: 100.00% 10 out of 10",
            "      checks_failed......................: 0.00%   0 out of 10",
            "",
            "      ✓ one",
            "",
            "",
            "",
        ],
        "{group:?}"
    );
    // The compact default has no group blocks.
    assert!(!stdout(&run("metrics.js", &[])).contains("GROUP"));
}

#[test]
fn legacy_mode_keeps_the_flat_list() {
    let out = run("metrics.js", &["--summary-mode=legacy"]);
    assert_code(&out, 99);
    let text = stdout(&out);
    assert!(
        text.contains("\n     ok_rate.........................: 70.00% ✓ 7 ✗ 3\n"),
        "{text}"
    );
    assert!(
        text.contains("\n     ✗ ok_rate: rate>0.9 (observed 0.7)\n"),
        "{text}"
    );
}

#[test]
fn bad_summary_flags_exit_104_naming_the_value() {
    let cases: [(&[&str], &str); 3] = [
        (
            &["--summary-trend-stats", "avg,bogus"],
            "invalid trend stat 'bogus', unknown format",
        ),
        (
            &["--summary-trend-stats", "p(101)"],
            "invalid percentile trend stat value 'p(101)', provide a number between 0 and 100",
        ),
        (
            &["--summary-mode", "nope"],
            "invalid summary mode \"nope\"; use \"compact\", \"full\" or \"legacy\"",
        ),
    ];
    for (flags, message) in cases {
        let out = run("metrics.js", flags);
        assert_eq!(code(&out), 104, "{flags:?}: {}", describe(&out));
        assert!(
            stderr(&out).contains(message),
            "{flags:?}: {}",
            stderr(&out)
        );
        assert_eq!(stdout(&out), "", "{flags:?}");
    }
}

#[test]
fn summary_trend_stats_also_shape_the_export_and_handle_summary_data() {
    let dir = common::tempdir();
    let script = scripts().join("metrics.js");
    let script = script.to_str().expect("UTF-8 path");
    let flags = ["--summary-trend-stats", "avg,p(99.9),count"];
    let (out, export) = common::run_with_export(dir.path(), script, &flags);
    assert_code(&out, 99);
    assert_eq!(
        export["metrics"]["plain"],
        // k6 v1.1 exports the same p(99.9), to the last digit.
        serde_json::json!({ "avg": 6.75, "p(99.9)": 13.486500000000003, "count": 10 })
    );
    let iteration = export["metrics"]["iteration_duration"]
        .as_object()
        .expect("iteration_duration");
    let keys: Vec<&str> = iteration.keys().map(String::as_str).collect();
    assert_eq!(keys, ["avg", "count", "p(99.9)"]);

    common::write(
        dir.path(),
        "hs.js",
        "import { Trend } from \"k6/metrics\";\n\
         const plain = new Trend(\"plain\");\n\
         export default function () { plain.add(3); }\n\
         export function handleSummary(d) {\n\
           return { stdout: JSON.stringify([d.options.summaryTrendStats, d.metrics.plain.values]) };\n\
         }\n",
    );
    let out = common::rk6(dir.path(), &["run", "-q", flags[0], flags[1], "hs.js"]);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out),
        r#"[["avg","p(99.9)","count"],{"avg":3,"count":1,"p(99.9)":3}]"#
    );
}

/// The lines of a summary block from its title to the next block's, with per-second rates
/// (timing) cut off.
fn block(text: &str, title: &str) -> Vec<String> {
    let start = text
        .find(&format!("█ {title} \n"))
        .unwrap_or_else(|| panic!("no {title} block:\n{text}"));
    let rest = &text[start..];
    let skip = "█".len();
    let end = rest[skip..].find("█ ").map_or(rest.len(), |i| i + skip);
    rest[..end]
        .lines()
        .map(|l| match l.find(".: ") {
            Some(at) if l.ends_with("/s") => {
                let count = l[at + 3..].split_whitespace().next().unwrap_or_default();
                format!("{}{count} N/s", &l[..at + 3])
            }
            _ => l.to_owned(),
        })
        .collect()
}

#[test]
fn full_mode_shows_named_scenarios_with_their_groups() {
    let out = run("scenarios.js", &["--summary-mode", "full"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    let scenario_a: Vec<String> = block(&text, "SCENARIO: a")
        .into_iter()
        .map(|l| match l.split_once(".: ") {
            // Timing.
            Some((head, _)) if head.contains("iteration_duration") => format!("{head}.: …"),
            _ => l,
        })
        .collect();
    assert_eq!(
        scenario_a,
        [
            "█ SCENARIO: a ",
            "",
            "    checks_total.......................: 4 N/s",
            "    checks_succeeded...................: 50.00% 2 out of 4",
            "    checks_failed......................: 50.00% 2 out of 4",
            "",
            "    ✓ logged in",
            "    ✗ page ok",
            "      ↳  0% — ✓ 0 / ✗ 2",
            "",
            "    EXECUTION",
            "    iteration_duration.....................: …",
            "    iterations.............................: 2 N/s",
            "",
            "    NETWORK",
            "    data_received..........................: 0 N/s",
            "    data_sent..............................: 0 N/s",
            "",
            "    ↳ GROUP: login ",
            "",
            "      checks_total.......................: 2 N/s",
            "      checks_succeeded...................: 100.00% 2 out of 2",
            "      checks_failed......................: 0.00%   0 out of 2",
            "",
            "      ✓ logged in",
            "",
            "    ↳ GROUP: browse ",
            "",
            "      ↳ GROUP: page ",
            "",
            "        checks_total.......................: 2 N/s",
            "        checks_succeeded...................: 0.00%   0 out of 2",
            "        checks_failed......................: 100.00% 2 out of 2",
            "",
            "        ✗ page ok",
            "              ↳  0% — ✓ 0 / ✗ 2",
            "",
            "",
            "  ",
        ]
    );
    assert!(text.contains("█ SCENARIO: b \n"), "{text}");
    // Groups of named scenarios have no blocks of their own.
    assert!(!text.contains("█ GROUP:"), "{text}");
}

#[test]
fn selections_of_builtin_metrics_show_under_their_metric() {
    let out = run("builtin_subs.js", &[]);
    assert_code(&out, 0);
    let text = stdout(&out);
    let execution = block(&text, "TOTAL RESULTS");
    let heads: Vec<String> = execution
        .iter()
        .filter_map(|l| l.split_once(".: "))
        .map(|(head, v)| {
            let name = head.trim_end_matches('.');
            let first = v.split_whitespace().next().unwrap_or_default();
            // A Trend's first column's name, else the count.
            format!("{name} {}", first.split('=').next().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        heads,
        [
            "    iteration_duration avg",
            "      { scenario:b } avg",
            "    iterations 5",
            "      { scenario:a } 3",
            "    iterations_failed 0",
            "    vus_max 2",
            "    data_received 0",
            "    data_sent 0",
        ],
        "{text}"
    );
}

/// The summary from its TOTAL RESULTS block on, line by line as printed, except each
/// row's values: their padding collapsed, per-second rates as `N/s` and iteration
/// durations as `…` (timing).
fn shape(text: &str) -> Vec<String> {
    shape_from(text, "█ TOTAL RESULTS")
}

/// [`shape`] from the block titled `title` on.
fn shape_from(text: &str, title: &str) -> Vec<String> {
    let start = text
        .find(title)
        .unwrap_or_else(|| panic!("no {title}:\n{text}"));
    text[start..]
        .split('\n')
        .map(|line| match line.split_once(".: ") {
            Some((head, values)) => {
                let values: Vec<&str> = if head.trim_start().starts_with("iteration_duration") {
                    vec!["…"]
                } else {
                    values
                        .split_whitespace()
                        .map(|v| {
                            match v.ends_with("/s") && v.starts_with(|c: char| c.is_ascii_digit()) {
                                true => "N/s",
                                false => v,
                            }
                        })
                        .collect()
                };
                format!("{head}.: {}", values.join(" "))
            }
            None => line.to_owned(),
        })
        .collect()
}

#[test]
fn full_mode_shows_each_group_and_scenario_with_its_own_metrics() {
    let out = run("full.js", &["--summary-mode", "full"]);
    assert_code(&out, 0);
    // k6 v1.1 prints these lines for the same script, but for rk6's own
    // `iterations_failed` and `vus_max` rows.
    let expected = [
        "█ TOTAL RESULTS ",
        "",
        "    checks_total.......................: 5 N/s",
        "    checks_succeeded...................: 80.00% 4 out of 5",
        "    checks_failed......................: 20.00% 1 out of 5",
        "",
        "    ✗ ok",
        "      ↳  80% — ✓ 4 / ✗ 1",
        "",
        "    CUSTOM",
        "    hits...................................: 28 N/s",
        "    level..................................: 3 min=1 max=3",
        "    ok_rate................................: 66.66% 2 out of 3",
        "    wait...................................: avg=1s min=250ms med=1.5s max=1.5s p(90)=1.5s p(95)=1.5s",
        "",
        "    EXECUTION",
        "    iteration_duration.....................: …",
        "    iterations.............................: 5 N/s",
        "    iterations_failed......................: 0 N/s",
        "    vus_max................................: 2 min=2 max=2",
        "",
        "    NETWORK",
        "    data_received..........................: 0 B 0 B/s",
        "    data_sent..............................: 0 B 0 B/s",
        "",
        "",
        // The `default` scenario's groups: blocks of their own, each with the samples
        // recorded in it (not in its subgroups).
        "  █ GROUP: outer ",
        "",
        "    CUSTOM",
        "    wait.......: avg=250ms min=250ms med=250ms max=250ms p(90)=250ms p(95)=250ms",
        "",
        "    ↳ GROUP: inner ",
        "",
        "      checks_total.......................: 2 N/s",
        "      checks_succeeded...................: 100.00% 2 out of 2",
        "      checks_failed......................: 0.00% 0 out of 2",
        "",
        "      ✓ ok",
        "",
        "      CUSTOM",
        "      hits.......: 20 N/s",
        "",
        "",
        // A named scenario: everything recorded in it, then its groups.
        "  █ SCENARIO: web ",
        "",
        "    checks_total.......................: 3 N/s",
        "    checks_succeeded...................: 66.66% 2 out of 3",
        "    checks_failed......................: 33.33% 1 out of 3",
        "",
        "    ✗ ok",
        "      ↳  66% — ✓ 2 / ✗ 1",
        "",
        "    CUSTOM",
        "    hits...................................: 6 N/s",
        "    level..................................: 3 min=1 max=3",
        "    ok_rate................................: 66.66% 2 out of 3",
        "    wait...................................: avg=1.5s min=1.5s med=1.5s max=1.5s p(90)=1.5s p(95)=1.5s",
        "",
        "    EXECUTION",
        "    iteration_duration.....................: …",
        "    iterations.............................: 3 N/s",
        "",
        "    NETWORK",
        "    data_received..........................: 0 B 0 B/s",
        "    data_sent..............................: 0 B 0 B/s",
        "",
        "    ↳ GROUP: page ",
        "",
        "      CUSTOM",
        "      wait.......: avg=1.5s min=1.5s med=1.5s max=1.5s p(90)=1.5s p(95)=1.5s",
        "",
        "      ↳ GROUP: img ",
        "",
        "        CUSTOM",
        "        hits.......: 6 N/s",
        "",
        "",
        "",
        "",
    ];
    assert_eq!(shape(&stdout(&out)), expected, "{}", describe(&out));

    // Compact mode, the default, has the TOTAL RESULTS block alone.
    let compact = stdout(&run("full.js", &[]));
    assert!(
        !compact.contains("█ GROUP") && !compact.contains("█ SCENARIO"),
        "{compact}"
    );
}

#[test]
fn full_mode_lists_http_metrics_per_scenario_and_group() {
    let server = common::server::Server::start();
    let base = format!("BASE={}", server.base());
    let out = run("full_http.js", &["--summary-mode", "full", "-e", &base]);
    assert_code(&out, 0);
    let text = stdout(&out);
    let heads = |title: &str| -> Vec<String> {
        block(&text, title)
            .iter()
            .map(|l| match l.split_once(".: ") {
                Some((head, values)) if head.trim_start().starts_with("http_req_failed") => {
                    format!(
                        "{head}.: {}",
                        values.split_whitespace().collect::<Vec<_>>().join(" ")
                    )
                }
                Some((head, _)) => format!("{head}."),
                None => l.to_owned(),
            })
            .collect()
    };
    let http = |indent: &str, failed: &str| -> Vec<String> {
        [
            "http_req_blocked...................................".to_owned(),
            "http_req_connecting................................".to_owned(),
            "http_req_duration..................................".to_owned(),
            format!("http_req_failed....................................: {failed}"),
            "http_req_receiving.................................".to_owned(),
            "http_req_sending...................................".to_owned(),
            "http_req_tls_handshaking...........................".to_owned(),
            "http_req_waiting...................................".to_owned(),
            "http_reqs..........................................".to_owned(),
        ]
        .iter()
        .map(|l| format!("{indent}{l}"))
        .collect()
    };
    let mut expected: Vec<String> = ["█ SCENARIO: api ", "", "    HTTP"]
        .map(String::from)
        .to_vec();
    expected.extend(http("    ", "50.00% 2 out of 4"));
    expected.extend(
        [
            "",
            "    EXECUTION",
            "    iteration_duration.................................",
            "    iterations.........................................",
            "",
            "    NETWORK",
            "    data_received......................................",
            "    data_sent..........................................",
            "",
            "    ↳ GROUP: calls ",
            "",
            "      HTTP",
        ]
        .map(String::from),
    );
    expected.extend(http("      ", "50.00% 2 out of 4"));
    expected.extend(["", "", ""].map(String::from));
    // As k6's: no `{ expected_response:true }` row in the blocks, and the bytes counted
    // in the scenario, not in the group.
    assert_eq!(heads("SCENARIO: api"), expected, "{text}");
    assert!(text.contains("      { expected_response:true }"), "{text}");
}

#[test]
fn data_counters_are_in_the_export_and_handle_summary_data_without_requests() {
    let dir = common::tempdir();
    let script = scripts().join("full.js");
    let script = script.to_str().expect("UTF-8 path");
    let (out, export) = common::run_with_export(dir.path(), script, &[]);
    assert_code(&out, 0);
    // k6 v1.1's export of the same script.
    for name in ["data_sent", "data_received"] {
        assert_eq!(
            export["metrics"][name],
            serde_json::json!({ "count": 0, "rate": 0 }),
            "{name}"
        );
    }
    // One `group_duration` sample per `group()` call, in the export as k6 has it (the
    // summary leaves it out, as k6's does).
    let groups = export["metrics"]["group_duration"]
        .as_object()
        .unwrap_or_else(|| panic!("no group_duration: {export}"));
    let stats: Vec<&str> = groups.keys().map(String::as_str).collect();
    assert_eq!(stats, ["avg", "max", "med", "min", "p(90)", "p(95)"]);
    assert!(!stdout(&out).contains("group_duration"));

    common::write(
        dir.path(),
        "hs.js",
        "export const options = { iterations: 1 };\n\
         export default function () {}\n\
         export function handleSummary(d) {\n\
           return { stdout: JSON.stringify([d.metrics.data_sent, d.metrics.data_received]) };\n\
         }\n",
    );
    let out = common::rk6(dir.path(), &["run", "-q", "hs.js"]);
    assert_code(&out, 0);
    let counter = r#"{"type":"counter","contains":"data","values":{"count":0,"rate":0}}"#;
    assert_eq!(stdout(&out), format!("[{counter},{counter}]"));

    // The data's keys in k6's order, `setup_data` among them also without setup().
    common::write(
        dir.path(),
        "keys.js",
        "export const options = { iterations: 1 };\n\
         export default function () {}\n\
         export function handleSummary(d) {\n\
           return { stdout: JSON.stringify([Object.keys(d), d.setup_data === undefined]) };\n\
         }\n",
    );
    let out = common::rk6(dir.path(), &["run", "-q", "keys.js"]);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out),
        r#"[["root_group","options","state","metrics","setup_data"],true]"#
    );
}

#[test]
fn full_mode_shows_groups_of_setup_and_teardown_under_blocks_of_their_names() {
    let out = run("lifecycle.js", &["--summary-mode", "full"]);
    assert_code(&out, 0);
    // As k6 v1.1 prints them: setup and teardown run in groups of those names; their own
    // samples (outside any group of the script's) are in no block.
    let expected = [
        "█ GROUP: setup ",
        "",
        "    ↳ GROUP: sg ",
        "",
        "      checks_total.......................: 1 N/s",
        "      checks_succeeded...................: 100.00% 1 out of 1",
        "      checks_failed......................: 0.00% 0 out of 1",
        "",
        "      ✓ in setup",
        "",
        "      CUSTOM",
        "      cnt......: 5 N/s",
        "",
        "",
        "  █ GROUP: main ",
        "",
        "    CUSTOM",
        "    cnt......: 2 N/s",
        "",
        "",
        "  █ GROUP: teardown ",
        "",
        "    ↳ GROUP: tg ",
        "",
        "      checks_total.......................: 1 N/s",
        "      checks_succeeded...................: 100.00% 1 out of 1",
        "      checks_failed......................: 0.00% 0 out of 1",
        "",
        "      ✓ in teardown",
        "",
        "",
        "",
        "",
    ];
    assert_eq!(
        shape_from(&stdout(&out), "█ GROUP: setup"),
        expected,
        "{}",
        describe(&out)
    );

    // The export's root_group nests them the same way, with k6's paths and ids.
    let dir = common::tempdir();
    let script = scripts().join("lifecycle.js");
    let (out, export) =
        common::run_with_export(dir.path(), script.to_str().expect("UTF-8 path"), &[]);
    assert_code(&out, 0);
    let groups = &export["root_group"]["groups"];
    assert_eq!(
        groups["setup"]["groups"]["sg"]["checks"]["in setup"],
        serde_json::json!({
            "name": "in setup",
            "path": "::setup::sg::in setup",
            "id": "159914f88ee4f3c5047d52fb5aeb37a3",
            "passes": 1,
            "fails": 0,
        })
    );
    assert_eq!(
        groups["teardown"]["groups"]["tg"]["id"],
        "809d52dca77749ab8d55a5007f0c2c1c"
    );
}
