//! Trend percentiles through the real binary: k6's numbers in the summary, in
//! `--summary-export` and in thresholds, for custom Trends and `iteration_duration` alike.

mod common;

use common::*;
use serde_json::json;

/// The value of `name`'s row in the printed summary.
fn summary_row(out: &str, name: &str) -> String {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{name}.")))
        .unwrap_or_else(|| panic!("no {name} row in the summary:\n{out}"));
    // Columns are padded to line up with other rows; one space is enough here.
    line.split_once(": ")
        .expect("a summary row")
        .1
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

const ONE_TO_TEN: &str = r#"
import { Trend } from "k6/metrics";
const t = new Trend("my_trend");
export const options = {
  thresholds: {
    my_trend: ["med==5.5", "p(90)==9.1", "p(95)==9.549999999999999", "p(95)<=10", "max==10"],
  },
};
export default function () {
  // Out of order on purpose: percentiles come from the sorted samples.
  for (const v of [7, 1, 10, 3, 2, 9, 4, 8, 6, 5]) t.add(v);
}
"#;

#[test]
fn trend_of_one_to_ten_has_k6s_percentiles_everywhere() {
    let dir = tempdir();
    write(dir.path(), "trend.js", ONE_TO_TEN);
    // k6 1.1.0 on this script: exit 0, `med=5.5 max=10 p(90)=9.1 p(95)=9.55`, and these
    // exported values.
    let (out, export) = run_with_export(dir.path(), "trend.js", &[]);
    assert_code(&out, 0);
    assert_eq!(
        export["metrics"]["my_trend"],
        json!({
            "avg": 5.5, "min": 1, "med": 5.5, "max": 10, "p(90)": 9.1, "p(95)": 9.549999999999999,
            "thresholds": {
                "med==5.5": false, "p(90)==9.1": false, "p(95)==9.549999999999999": false,
                "p(95)<=10": false, "max==10": false,
            },
        })
    );
    let results = &export["rk6"];
    let observed: Vec<(String, f64, bool)> = results["thresholds"]
        .as_array()
        .expect("threshold verdicts")
        .iter()
        .map(|t| {
            (
                t["threshold"].as_str().expect("rule").to_owned(),
                t["value"].as_f64().expect("value"),
                t["passed"].as_bool().expect("passed"),
            )
        })
        .collect();
    assert_eq!(
        observed,
        [
            ("med==5.5".to_owned(), 5.5, true),
            ("p(90)==9.1".to_owned(), 9.1, true),
            (
                "p(95)==9.549999999999999".to_owned(),
                9.549999999999999,
                true
            ),
            ("p(95)<=10".to_owned(), 9.549999999999999, true),
            ("max==10".to_owned(), 10.0, true),
        ]
    );

    // The printed summary, without -q.
    let out = rk6(dir.path(), &["run", "trend.js"]);
    assert_code(&out, 0);
    assert_eq!(
        summary_row(&stdout(&out), "my_trend"),
        "avg=5.5 min=1 med=5.5 max=10 p(90)=9.1 p(95)=9.55"
    );
}

#[test]
fn a_failing_percentile_threshold_exits_99() {
    let dir = tempdir();
    write(
        dir.path(),
        "trend.js",
        &ONE_TO_TEN.replace(r#""max==10"]"#, r#""max==10", "p(95)>9.55"]"#),
    );
    let (out, export) = run_with_export(dir.path(), "trend.js", &[]);
    assert_code(&out, 99);
    assert_eq!(
        export["metrics"]["my_trend"]["thresholds"]["p(95)>9.55"],
        json!(true)
    );
    assert_eq!(
        export["metrics"]["my_trend"]["thresholds"]["med==5.5"],
        json!(false)
    );
}

#[test]
fn iteration_duration_thresholds_see_the_summarys_numbers() {
    let dir = tempdir();
    write(
        dir.path(),
        "durations.js",
        r#"
export const options = {
  iterations: 40,
  thresholds: {
    iteration_duration: ["med>=0", "p(90)>=0", "p(95)>=0", "min>=0", "max>=0", "avg>=0"],
  },
};
export default function () {
  // Uneven amounts of work, so the percentiles differ from one another.
  let x = 0;
  for (let i = 0; i < (__ITER % 7) * 20000; i++) x += i;
  return x;
}
"#,
    );
    let (out, export) = run_with_export(dir.path(), "durations.js", &[]);
    assert_code(&out, 0);
    let metric = &export["metrics"]["iteration_duration"];
    let thresholds = export["rk6"]["thresholds"].as_array().expect("verdicts");
    assert_eq!(thresholds.len(), 6, "{thresholds:?}");
    for t in thresholds {
        let rule = t["threshold"].as_str().expect("rule");
        // The rule's aggregate is also the export's key: med, p(90), ...
        let aggregate = rule.split_once(">=").expect("a >= rule").0;
        assert_eq!(
            t["value"].as_f64(),
            metric[aggregate].as_f64(),
            "{rule}: threshold saw {}, summary export has {metric}",
            t["value"]
        );
    }
    let med = metric["med"].as_f64().expect("med");
    let (min, max) = (
        metric["min"].as_f64().unwrap(),
        metric["max"].as_f64().unwrap(),
    );
    assert!(min <= med && med <= max, "{metric}");
    assert_eq!(export["rk6"]["iteration_duration_ms"]["med"], metric["med"]);
}

#[test]
fn long_trends_switch_to_the_sketch_within_a_tenth_of_a_percent() {
    // 200k samples, past the 100k kept exactly; 1..=200000 shuffled by a fixed stride.
    let dir = tempdir();
    write(
        dir.path(),
        "long.js",
        r#"
import { Trend } from "k6/metrics";
const t = new Trend("long_trend");
export default function () {
  const n = 200000;
  for (let i = 0; i < n; i++) t.add(((i * 7919) % n) + 1);
}
"#,
    );
    let (out, export) = run_with_export(dir.path(), "long.js", &[]);
    assert_code(&out, 0);
    let m = &export["metrics"]["long_trend"];
    assert_eq!(
        (m["min"].clone(), m["max"].clone()),
        (json!(1), json!(200000))
    );
    for (key, exact) in [
        ("med", 100_000.5),
        ("p(90)", 180_000.1),
        ("p(95)", 190_000.05),
    ] {
        let got = m[key].as_f64().unwrap_or_else(|| panic!("{key} in {m}"));
        assert!(
            ((got - exact) / exact).abs() <= 0.001,
            "{key}: {got} is not within 0.1% of {exact}"
        );
    }
}
