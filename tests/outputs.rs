//! `--out json` and `--out csv` through the real binary. Expected lines were checked
//! against k6 v1.1 (`k6 run --out json=… --out csv=…`) on the same scripts; times and
//! iteration durations vary, so their format is asserted and their value replaced. k6's
//! `data_sent`/`data_received`/`group_duration` points (rk6 has no such samples without
//! HTTP) are not expected; the `vus`/`vus_max` gauges, sampled once a second, are left out
//! of the exact comparisons since a slow machine may take one.

mod common;

use common::{assert_code, code, stderr, stdout};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;

fn scripts() -> PathBuf {
    common::repo_root().join("tests/scripts/outputs")
}

fn run(dir: &Path, flags: &[&str], script: &str) -> Output {
    let script = scripts().join(script);
    let mut args = vec!["run", "-q", "--no-summary"];
    args.extend_from_slice(flags);
    args.push(script.to_str().unwrap());
    common::rk6(dir, &args)
}

/// Whether `s` is Go's RFC3339Nano in UTC: a fraction of 1 to 9 digits without a
/// trailing zero, or none.
fn is_rfc3339_nano(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() < 20 || !s.ends_with('Z') {
        return false;
    }
    let date_time = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    let fraction = &s[19..s.len() - 1];
    let fraction_ok = fraction.is_empty()
        || (fraction.starts_with('.')
            && (2..=10).contains(&fraction.len())
            && fraction[1..].bytes().all(|c| c.is_ascii_digit())
            && !fraction.ends_with('0'));
    date_time && fraction_ok
}

/// The JSON lines with each point's time replaced by `T` (after checking its format) and
/// iteration and group durations by `V` (after checking they are numbers); `vus` lines
/// left out.
fn normalized_json(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.contains(r#""metric":"vus"#))
        .map(|line| {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            let mut line = line.to_owned();
            if value["type"] == "Point" {
                let time = value["data"]["time"].as_str().expect("a time");
                assert!(is_rfc3339_nano(time), "time {time:?} in {line}");
                line = line.replace(time, "T");
                if value["metric"] == "iteration_duration" || value["metric"] == "group_duration" {
                    let v = value["data"]["value"].as_f64().expect("a number");
                    assert!(v > 0.0, "{line}");
                    let at = line.find(r#""value":"#).unwrap() + 8;
                    let end = at + line[at..].find(',').unwrap();
                    line.replace_range(at..end, "V");
                }
            }
            line
        })
        .collect()
}

const JSON_POINTS: [&str; 12] = [
    r#"{"metric":"checks","type":"Point","data":{"time":"T","value":1,"tags":{"check":"is one","group":"::g1","run":"t1","scenario":"default"}}}"#,
    r#"{"metric":"waits","type":"Point","data":{"time":"T","value":12.5,"tags":{"group":"::g1","kind":"a","run":"t1","scenario":"default"}}}"#,
    r#"{"metric":"group_duration","type":"Point","data":{"time":"T","value":V,"tags":{"group":"::g1","run":"t1","scenario":"default"}}}"#,
    r#"{"metric":"checks","type":"Point","data":{"time":"T","value":0,"tags":{"check":"is three","group":"","run":"t1","scenario":"default"}}}"#,
    r#"{"metric":"sizes","type":"Point","data":{"time":"T","value":1.234567e+06,"tags":{"group":"","run":"t1","scenario":"default"}}}"#,
    r#"{"metric":"items","type":"Point","data":{"time":"T","value":2,"tags":{"group":"","kind":"a","note":"x\u003cy \u0026 \"z\", w","run":"t1","scenario":"default"}}}"#,
    r#"{"metric":"ok","type":"Point","data":{"time":"T","value":1,"tags":{"group":"","run":"t1","scenario":"default"}}}"#,
    r#"{"metric":"level","type":"Point","data":{"time":"T","value":1e-06,"tags":{"group":"","run":"t1","scenario":"default"}}}"#,
    r#"{"metric":"iteration_duration","type":"Point","data":{"time":"T","value":V,"tags":{"group":"","run":"t1","scenario":"default"}}}"#,
    r#"{"metric":"iterations","type":"Point","data":{"time":"T","value":1,"tags":{"group":"","run":"t1","scenario":"default"}}}"#,
    // Placeholders for the Metric lines, which only the first iteration has.
    "",
    "",
];

const JSON_METRICS: [&str; 10] = [
    r#"{"type":"Metric","data":{"name":"checks","type":"rate","contains":"default","thresholds":["rate>0.4"],"submetrics":null},"metric":"checks"}"#,
    r#"{"type":"Metric","data":{"name":"waits","type":"trend","contains":"time","thresholds":["p(95)<200","avg<100"],"submetrics":null},"metric":"waits"}"#,
    r#"{"type":"Metric","data":{"name":"group_duration","type":"trend","contains":"time","thresholds":[],"submetrics":null},"metric":"group_duration"}"#,
    "",
    r#"{"type":"Metric","data":{"name":"sizes","type":"trend","contains":"default","thresholds":[],"submetrics":null},"metric":"sizes"}"#,
    r#"{"type":"Metric","data":{"name":"items","type":"counter","contains":"default","thresholds":[],"submetrics":[{"name":"items{kind:a}","suffix":"kind:a","tags":{"kind":"a"}}]},"metric":"items"}"#,
    r#"{"type":"Metric","data":{"name":"ok","type":"rate","contains":"default","thresholds":[],"submetrics":null},"metric":"ok"}"#,
    r#"{"type":"Metric","data":{"name":"level","type":"gauge","contains":"default","thresholds":[],"submetrics":null},"metric":"level"}"#,
    r#"{"type":"Metric","data":{"name":"iteration_duration","type":"trend","contains":"time","thresholds":[],"submetrics":null},"metric":"iteration_duration"}"#,
    r#"{"type":"Metric","data":{"name":"iterations","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"iterations"}"#,
];

/// k6's lines for tests/scripts/outputs/basic.js: each metric's `Metric` line before its
/// first point, then the second iteration's points alone.
fn expected_json() -> Vec<String> {
    let mut lines = Vec::new();
    for (i, point) in JSON_POINTS[..10].iter().enumerate() {
        if !JSON_METRICS[i].is_empty() {
            lines.push(JSON_METRICS[i].to_owned());
        }
        lines.push(point.to_string());
    }
    lines.extend(JSON_POINTS[..10].iter().map(|p| p.to_string()));
    lines
}

#[test]
fn json_lines_as_k6_writes_them() {
    let dir = common::tempdir();
    let out = run(dir.path(), &["--out", "json=out.json"], "basic.js");
    assert_code(&out, 0);
    let text = std::fs::read_to_string(dir.path().join("out.json")).unwrap();
    assert_eq!(normalized_json(&text), expected_json());
}

#[test]
fn json_without_a_file_goes_to_standard_output() {
    let dir = common::tempdir();
    for value in ["json", "json=-"] {
        let out = run(dir.path(), &["-o", value], "basic.js");
        assert_code(&out, 0);
        assert_eq!(normalized_json(&stdout(&out)), expected_json(), "{value}");
    }
}

const CSV_HEADER: &str = "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata";

/// k6's rows for basic.js (one iteration), with the timestamp replaced by `T`. k6 writes
/// `extra_tags` in Go's random map order; rk6 sorts them by name.
const CSV_ROWS: [&str; 10] = [
    "checks,T,1.000000,is one,,,,::g1,,,,default,,,,,,run=t1,",
    "waits,T,12.500000,,,,,::g1,,,,default,,,,,,kind=a&run=t1,",
    "group_duration,T,V,,,,,::g1,,,,default,,,,,,run=t1,",
    "checks,T,0.000000,is three,,,,,,,,default,,,,,,run=t1,",
    "sizes,T,1234567.000000,,,,,,,,,default,,,,,,run=t1,",
    r#"items,T,2.000000,,,,,,,,,default,,,,,,"kind=a&note=x<y & ""z"", w&run=t1","#,
    "ok,T,1.000000,,,,,,,,,default,,,,,,run=t1,",
    "level,T,0.000001,,,,,,,,,default,,,,,,run=t1,",
    "iteration_duration,T,V,,,,,,,,,default,,,,,,run=t1,",
    "iterations,T,1.000000,,,,,,,,,default,,,,,,run=t1,",
];

/// The rows with the timestamp (checked by `is_time`) replaced by `T` and iteration and
/// group durations by `V`; `vus` rows left out.
fn normalized_csv(text: &str, is_time: impl Fn(&str) -> bool) -> Vec<String> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(CSV_HEADER));
    lines
        .filter(|l| !l.starts_with("vus"))
        .map(|line| {
            let mut fields: Vec<&str> = line.splitn(4, ',').collect();
            assert!(is_time(fields[1]), "timestamp {:?} in {line}", fields[1]);
            fields[1] = "T";
            if fields[0] == "iteration_duration" || fields[0] == "group_duration" {
                let (int, frac) = fields[2].split_once('.').expect("a decimal");
                assert!(int.parse::<u64>().is_ok() && frac.len() == 6, "{line}");
                fields[2] = "V";
            }
            fields.join(",")
        })
        .collect()
}

fn expected_csv() -> Vec<String> {
    CSV_ROWS
        .iter()
        .chain(&CSV_ROWS)
        .map(|r| r.to_string())
        .collect()
}

fn unix_secs(s: &str) -> bool {
    s.len() == 10 && s.parse::<u64>().is_ok()
}

#[test]
fn csv_rows_as_k6_writes_them() {
    let dir = common::tempdir();
    let out = run(dir.path(), &["--out", "csv=out.csv"], "basic.js");
    assert_code(&out, 0);
    let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert_eq!(normalized_csv(&text, unix_secs), expected_csv());
}

#[test]
fn csv_takes_k6s_arguments() {
    let dir = common::tempdir();
    // Without a file name k6 writes file.csv.
    let out = run(dir.path(), &["--out", "csv"], "basic.js");
    assert_code(&out, 0);
    let text = std::fs::read_to_string(dir.path().join("file.csv")).unwrap();
    assert_eq!(normalized_csv(&text, unix_secs), expected_csv());
    type IsTime = fn(&str) -> bool;
    let formats: [(&str, IsTime); 5] = [
        ("rfc3339", |s| is_rfc3339_nano(s) && s.len() == 20),
        ("rfc3339_nano", is_rfc3339_nano),
        ("unix_milli", |s| s.len() == 13 && s.parse::<u64>().is_ok()),
        ("unix_micro", |s| s.len() == 16 && s.parse::<u64>().is_ok()),
        ("unix_nano", |s| s.len() == 19 && s.parse::<u64>().is_ok()),
    ];
    for (format, is_time) in formats {
        let value = format!("csv=fileName=t.csv,timeFormat={format},saveInterval=2s");
        let out = run(dir.path(), &["--out", &value], "basic.js");
        assert_code(&out, 0);
        let text = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
        assert_eq!(normalized_csv(&text, is_time), expected_csv(), "{format}");
    }
}

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{} is not gzip text: {e}", path.display()));
    text
}

#[test]
fn gz_names_are_compressed_and_every_point_is_written() {
    let dir = common::tempdir();
    let out = run(
        dir.path(),
        &["--out", "json=out.json.gz", "-o", "csv=out.csv.gz"],
        "many.js",
    );
    assert_code(&out, 0);
    let json = gunzip(&dir.path().join("out.json.gz"));
    let count = |metric: &str| {
        json.lines()
            .filter(|l| l.starts_with(&format!(r#"{{"metric":"{metric}","type":"Point""#)))
            .count()
    };
    assert_eq!(count("iterations"), 500);
    assert_eq!(count("iteration_duration"), 500);
    assert_eq!(count("checks"), 500);
    let csv = gunzip(&dir.path().join("out.csv.gz"));
    let rows = |metric: &str| {
        csv.lines()
            .filter(|l| l.starts_with(&format!("{metric},")))
            .count()
    };
    assert_eq!(rows("iterations"), 500);
    assert_eq!(rows("iteration_duration"), 500);
    assert_eq!(rows("checks"), 500);
}

#[test]
fn iteration_points_carry_the_vu_tags_of_their_own_iteration() {
    // The script changes exec.vu.tags in every iteration; the output may not reuse the
    // text of the previous iteration's tags (as k6 v1.1 writes them for this script).
    let dir = common::tempdir();
    let out = run(dir.path(), &["--out", "json=out.json"], "vu_tags.js");
    assert_code(&out, 0);
    let json = std::fs::read_to_string(dir.path().join("out.json")).unwrap();
    let steps: Vec<(String, String)> = json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "Point" && v["metric"].as_str().unwrap().starts_with("iteration"))
        .map(|v| {
            let tags = &v["data"]["tags"];
            assert_eq!(tags["group"], "", "{v}");
            (
                v["metric"].as_str().unwrap().to_owned(),
                tags["step"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = ["s0", "s1", "s2"]
        .iter()
        .flat_map(|s| [("iteration_duration", *s), ("iterations", *s)])
        .map(|(m, s)| (m.to_owned(), s.to_owned()))
        .collect();
    assert_eq!(steps, expected);
}

#[test]
fn k6_out_environment_variable_applies_without_out_flags() {
    let dir = common::tempdir();
    let script = scripts().join("many.js");
    let script = script.to_str().unwrap();
    let run_env = |flags: &[&str]| {
        let mut args = vec!["run", "-q", "--no-summary"];
        args.extend_from_slice(flags);
        args.push(script);
        let mut cmd = common::command(dir.path(), &args);
        cmd.env(
            "K6_OUT",
            "json=env.json,csv=fileName=env.csv,timeFormat=unix_milli",
        );
        common::wait(cmd.spawn().unwrap())
    };
    assert_code(&run_env(&[]), 0);
    let json = std::fs::read_to_string(dir.path().join("env.json")).unwrap();
    assert_eq!(
        json.matches(r#"{"metric":"iterations","type":"Point""#)
            .count(),
        500
    );
    let csv = std::fs::read_to_string(dir.path().join("env.csv")).unwrap();
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("iterations,")).count(),
        500
    );
    // As in k6, --out replaces K6_OUT.
    std::fs::remove_file(dir.path().join("env.json")).unwrap();
    assert_code(&run_env(&["--out", "csv=flag.csv"]), 0);
    assert!(dir.path().join("flag.csv").exists());
    assert!(!dir.path().join("env.json").exists());
}

const TYPES: &str = "available types are: csv, json, web-dashboard";

#[test]
fn bad_out_values_exit_104_naming_them() {
    let dir = common::tempdir();
    let cases = [
        ("foo", r#"invalid output "foo": unknown output type "foo""#),
        ("", r#"invalid output "": no output type"#),
        ("=x.json", r#"invalid output "=x.json": no output type"#),
        (
            "csv=file=x.csv",
            r#"invalid output "csv=file=x.csv": unknown key "file" for the csv output (its keys: fileName, timeFormat, saveInterval)"#,
        ),
        (
            "csv=fileName=x.csv,timeFormat=bogus",
            r#"timeFormat "bogus" is not one of unix, unix_milli, unix_micro, unix_nano, rfc3339, rfc3339_nano"#,
        ),
        (
            "csv=fileName=x.csv,saveInterval=soon",
            r#"saveInterval "soon" is not a duration above 0 such as "1s""#,
        ),
        (
            "csv=fileName=",
            r#"invalid output "csv=fileName=": fileName is empty"#,
        ),
        (
            "web-dashboard=export=r.html&colour=red",
            r#"unknown key "colour" for the web-dashboard output"#,
        ),
        (
            "web-dashboard=period=fast",
            r#"period "fast" is not a duration above 0 such as "10s""#,
        ),
    ];
    for (value, message) in cases {
        let out = run(dir.path(), &["--out", value], "basic.js");
        assert_eq!(code(&out), 104, "--out {value:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(message), "--out {value:?}: {err}");
        assert!(err.contains(TYPES), "--out {value:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let mut cmd = common::command(
        dir.path(),
        &["run", "-q", scripts().join("basic.js").to_str().unwrap()],
    );
    cmd.env("K6_OUT", "json=a.json,nope");
    let out = common::wait(cmd.spawn().unwrap());
    assert_eq!(code(&out), 104);
    assert!(
        stderr(&out).contains(
            r#"K6_OUT: invalid output \"nope\": unknown output type \"nope\"; available types are"#
        ),
        "{}",
        stderr(&out)
    );
    let mut cmd = common::command(
        dir.path(),
        &["run", "-q", scripts().join("basic.js").to_str().unwrap()],
    );
    cmd.env("K6_WEB_DASHBOARD", "yes");
    let out = common::wait(cmd.spawn().unwrap());
    assert_eq!(code(&out), 104);
    assert!(
        stderr(&out).contains(r#"K6_WEB_DASHBOARD=\"yes\" is not a boolean"#),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_file_that_cannot_be_created_exits_104_naming_it() {
    let dir = common::tempdir();
    for value in ["json=missing/out.json", "csv=missing/out.csv.gz"] {
        let out = run(dir.path(), &["--out", value], "basic.js");
        assert_eq!(code(&out), 104, "{value}: {}", stderr(&out));
        let file = value.split_once('=').unwrap().1;
        assert!(
            stderr(&out).contains(&format!("cannot create {file}: No such file or directory")),
            "{value}: {}",
            stderr(&out)
        );
    }
}
