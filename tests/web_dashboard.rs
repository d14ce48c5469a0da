//! The web dashboard (`K6_WEB_DASHBOARD=true` + `K6_WEB_DASHBOARD_EXPORT=FILE`, and the
//! library's `Runner::output`): the HTML report's data, and the page rendered by a real
//! headless Chromium, which must run with no JavaScript error and draw data on every chart.
//!
//! Chromium comes from Debian's `chromium` package (.ci/run installs it). Without it the
//! browser checks fail, except outside CI (`CI` unset), where they are skipped with a note.

mod common;

use common::server::Server;
use common::*;
use rk6::events::Event;
use rk6::outputs::web_dashboard;
use rk6::Runner;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A test with HTTP requests (half of them failing), KV operations with their metrics,
/// checks in and out of a group, and thresholds (one crossed): every chart has data.
/// `per-vu-iterations` makes every count exact; 0.4 s sleeps make it last over 2 s, so
/// the VU gauges are sampled.
const FULL_SCRIPT: &str = r#"
import http from "k6/http";
import { check, group, sleep } from "k6";
import { openKv } from "k6/x/kv";
const kv = openKv({ backend: "memory", metrics: { operations: true } });
const B = __ENV.BASE;
export const options = {
  scenarios: { browse: { executor: "per-vu-iterations", vus: 2, iterations: 6 } },
  thresholds: {
    http_req_duration: ["p(95)<5000"],
    http_req_failed: ["rate<0.1"],
    "checks{check:status is 200}": ["rate==1"],
  },
};
export default async function () {
  const ok = http.get(`${B}/echo`);
  const missing = http.get(`${B}/status/404`);
  check(ok, { "status is 200": (r) => r.status === 200 });
  group("store </script>", () => check(missing, { "missing is 404": (r) => r.status === 404 }));
  await kv.set(`vu-${__VU}`, __ITER);
  await kv.get(`vu-${__VU}`);
  sleep(0.4);
}
"#;

/// The data the report embeds (the JSON in `#rk6-data`).
fn report_data(html: &str) -> Value {
    let open = r#"<script type="application/json" id="rk6-data">"#;
    let start = html.find(open).expect("the report embeds its data") + open.len();
    let end = start + html[start..].find("</script>").expect("the data's end");
    serde_json::from_str(&html[start..end]).expect("the embedded data is JSON")
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        let found = Command::new("which").arg(name).output().ok()?;
        let path = String::from_utf8(found.stdout).ok()?.trim().to_owned();
        (found.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
    })
}

/// The page's DOM after Chromium loaded it and ran its scripts; `None` when Chromium is
/// missing outside CI (the caller skips its browser checks).
fn rendered(report: &Path) -> Option<String> {
    let Some(browser) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!(
                "chromium is not installed: the web dashboard is checked in a real browser; \
                 install it with `apt-get install -y chromium` (.ci/run does)"
            );
        }
        eprintln!(
            "note: chromium is not installed, so the web dashboard's browser checks are \
             skipped (CI runs them); install it with `apt-get install -y chromium`"
        );
        return None;
    };
    let profile = tempdir();
    let url = format!("file://{}", report.display());
    let mut child = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let stderr = child.stderr.take().expect("piped stderr");
    let err_reader =
        std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll chromium") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 60 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let dom = reader.join().expect("chromium's output");
    let err = err_reader.join().unwrap_or_default();
    assert!(
        status.success(),
        "chromium failed ({status}) on {url}:\n{err}"
    );
    Some(dom)
}

/// The value of attribute `name` in the first tag that starts with `tag_start`.
fn attribute<'a>(dom: &'a str, tag_start: &str, name: &str) -> &'a str {
    let at = dom
        .find(tag_start)
        .unwrap_or_else(|| panic!("no {tag_start} in the page"));
    let tag = &dom[at..at + dom[at..].find('>').expect("the tag's end")];
    let key = format!(" {name}=\"");
    let start = tag
        .find(&key)
        .unwrap_or_else(|| panic!("{tag} has no {name}"))
        + key.len();
    &tag[start..start + tag[start..].find('"').expect("the value's end")]
}

/// Each chart's id and the points the page says it drew, in page order.
fn charts(dom: &str) -> Vec<(String, u64)> {
    dom.match_indices(r#"<div class="chart" "#)
        .map(|(at, _)| {
            let tag = &dom[at..];
            let id = attribute(tag, "<div", "data-chart").to_owned();
            let points = attribute(tag, "<div", "data-points")
                .parse()
                .expect("data-points is a number");
            (id, points)
        })
        .collect()
}

/// The browser ran the page with no error, to its end.
fn assert_page_ran(dom: &str) {
    let errors = attribute(dom, "<html", "data-errors");
    let shown: Vec<&str> = dom
        .match_indices("<li>")
        .map(|(at, _)| &dom[at + 4..at + dom[at..].find("</li>").unwrap_or(4)])
        .collect();
    assert_eq!(errors, "0", "the page had errors: {shown:?}");
    assert_eq!(attribute(dom, "<body", "data-status"), "ready");
}

#[test]
fn the_report_charts_http_kv_checks_and_thresholds_and_renders_in_chromium() {
    let server = Server::start();
    let dir = tempdir();
    write(dir.path(), "shop.js", FULL_SCRIPT);
    let report = dir.path().join("report.html");
    let base = format!("http://127.0.0.1:{}", server.port);
    let mut cmd = command(
        dir.path(),
        &["run", "-q", "-e", &format!("BASE={base}"), "shop.js"],
    );
    cmd.env("K6_WEB_DASHBOARD", "true")
        .env("K6_WEB_DASHBOARD_EXPORT", "report.html");
    let out = wait(cmd.spawn().expect("start rk6"));
    assert_no_panic(&out);
    // http_req_failed is 50%: its threshold is crossed.
    assert_code(&out, 99);

    let html = std::fs::read_to_string(&report).expect("the report was written");
    assert!(html.starts_with("<!doctype html>"), "{}", &html[..100]);
    // Self-contained: no script, style or image comes from elsewhere.
    for outside in ["src=\"http", "href=\"http", "src=\"//", "@import"] {
        assert!(!html.contains(outside), "the page loads {outside}…");
    }
    // A check's group name cannot end the page's script early.
    assert!(!html.contains("store </script>"));

    let data = report_data(&html);
    assert_eq!(data["script"], "shop.js");
    assert_eq!(data["exitCode"], 99);
    assert_eq!(data["bucketSeconds"], 1);
    let totals = &data["totals"];
    assert_eq!(totals["iterations"], 12);
    assert_eq!(totals["failedIterations"], 0);
    assert_eq!(totals["httpReqs"], 24);
    assert_eq!(totals["httpFailed"], 12);
    assert_eq!(totals["kvOps"], 24);
    assert_eq!(totals["vusMax"], 2);
    assert_eq!(data["kv"]["ops"], serde_json::json!(["set", "get"]));
    assert_eq!(
        data["checks"],
        serde_json::json!([
            { "group": "", "name": "status is 200", "passes": 12, "fails": 0 },
            { "group": "store </script>", "name": "missing is 404", "passes": 12, "fails": 0 },
        ])
    );
    let rules: Vec<(&str, &str, bool)> = data["thresholds"]
        .as_array()
        .expect("the thresholds' verdicts")
        .iter()
        .map(|r| {
            (
                r["metric"].as_str().unwrap(),
                r["rule"].as_str().unwrap(),
                r["passed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            ("http_req_duration", "p(95)<5000", true),
            ("http_req_failed", "rate<0.1", false),
            ("checks{check:status is 200}", "rate==1", true),
        ]
    );
    let failed = data["thresholds"][1]["value"].as_f64().unwrap();
    assert_eq!(failed, 0.5);
    // Every series has one value per point in time.
    let points = data["t"].as_array().unwrap().len();
    assert!(points >= 2, "{points} points for a run of over 2 s");
    for series in [
        &data["vus"],
        &data["iterations"]["p95"],
        &data["http"]["rate"],
    ] {
        assert_eq!(series.as_array().unwrap().len(), points);
    }
    let iterations: f64 = data["iterations"]["rate"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_f64)
        .sum();
    assert!(iterations > 0.0);

    let Some(dom) = rendered(&report) else {
        return;
    };
    assert_page_ran(&dom);
    let drawn = charts(&dom);
    let ids: Vec<&str> = drawn.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "vus",
            "iteration-rate",
            "iteration-duration",
            "http-duration",
            "http-rate",
            "kv-latency",
            "checks"
        ]
    );
    for (id, points) in &drawn {
        assert!(*points > 0, "chart {id} drew no point");
    }
    assert!(dom.contains("http_req_failed"), "the thresholds table");
    assert!(dom.contains("missing is 404"), "the checks table");
}

#[test]
fn a_script_without_http_or_kv_gets_the_charts_it_has_data_for_through_the_library() {
    let dir = tempdir();
    let report = dir.path().join("plain.html");
    let (tx, rx) = std::sync::mpsc::channel();
    let make = web_dashboard::maker(report.clone());
    let result = Runner::from_source(
        "plain.js",
        r#"
        import { sleep } from "k6";
        export const options = { vus: 1, iterations: 3 };
        export default function () { sleep(0.5); }
        "#,
    )
    .skip_summary(true)
    .output(move |info| make(info))
    .output(move |_| Ok(Box::new(Recorder(tx.clone())) as Box<dyn rk6::outputs::Output>))
    .run()
    .expect("the run");
    assert_eq!(result.exit_code, 0);
    // Outputs see the thresholds' final verdicts (none here) before the run's end.
    let events: Vec<Event> = rx.try_iter().collect();
    let tail: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::Thresholds(_) | Event::Ended { .. }))
        .collect();
    assert_eq!(
        tail,
        [
            &Event::Thresholds(Vec::new()),
            &Event::Ended { exit_code: 0 }
        ]
    );

    let html = std::fs::read_to_string(&report).expect("the report was written");
    let data = report_data(&html);
    assert_eq!(data["script"], "plain.js");
    assert_eq!(data["totals"]["iterations"], 3);
    assert_eq!(data["http"], Value::Null);
    assert_eq!(data["kv"], Value::Null);
    assert_eq!(data["checksOverTime"], Value::Null);
    assert_eq!(data["thresholds"], serde_json::json!([]));

    let Some(dom) = rendered(&report) else {
        return;
    };
    assert_page_ran(&dom);
    let drawn = charts(&dom);
    let ids: Vec<&str> = drawn.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["vus", "iteration-rate", "iteration-duration"]);
    for (id, points) in &drawn {
        assert!(*points > 0, "chart {id} drew no point");
    }
    assert!(dom.contains("The script defines no thresholds."));
    assert!(dom.contains("The script ran no checks."));
}

/// Sends every event it gets to the test.
struct Recorder(std::sync::mpsc::Sender<Event>);

impl rk6::outputs::Output for Recorder {
    fn name(&self) -> &str {
        "recorder"
    }

    fn events(&mut self, batch: &[Event]) {
        for event in batch {
            let _ = self.0.send(event.clone());
        }
    }
}

#[test]
fn a_report_that_cannot_be_written_or_a_bad_switch_stops_the_run_before_it_starts() {
    let dir = tempdir();
    write(
        dir.path(),
        "t.js",
        "export default function () { console.log('ran'); }",
    );
    let run = |env: &[(&str, &str)]| {
        let mut cmd = command(dir.path(), &["run", "-q", "t.js"]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        wait(cmd.spawn().expect("start rk6"))
    };
    let out = run(&[
        ("K6_WEB_DASHBOARD", "true"),
        ("K6_WEB_DASHBOARD_EXPORT", "missing/dir/r.html"),
    ]);
    assert_code(&out, 104);
    let err = stderr(&out);
    assert!(
        err.contains(
            "web-dashboard: cannot write missing/dir/r.html: directory missing/dir does not exist"
        ),
        "{err}"
    );
    assert!(!err.contains("ran"), "{err}");

    let out = run(&[("K6_WEB_DASHBOARD", "yes")]);
    assert_code(&out, 104);
    assert!(
        stderr(&out).contains(r#"K6_WEB_DASHBOARD=\"yes\" is not a boolean"#),
        "{}",
        stderr(&out)
    );

    // rk6 has no live dashboard to serve: it says how to get the report instead.
    let out = run(&[("K6_WEB_DASHBOARD", "true")]);
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains("rk6 serves no live dashboard; set K6_WEB_DASHBOARD_EXPORT=FILE"),
        "{}",
        stderr(&out)
    );

    // As k6, the report is only written when the dashboard is on.
    let out = run(&[("K6_WEB_DASHBOARD_EXPORT", "r.html")]);
    assert_code(&out, 0);
    assert!(!dir.path().join("r.html").exists());
}

#[test]
fn out_web_dashboard_writes_the_report_in_either_form() {
    let dir = tempdir();
    write(
        dir.path(),
        "t.js",
        r#"
        import { check } from "k6";
        export const options = { vus: 2, iterations: 6, thresholds: { checks: ["rate==1"] } };
        export default function () { check(1, { "is one": (v) => v === 1 }); }
        "#,
    );
    let run = |args: &[&str]| wait(command(dir.path(), args).spawn().expect("start rk6"));
    for (value, file) in [
        ("web-dashboard=plain.html", "plain.html"),
        ("web-dashboard=export=k6.html&period=2s", "k6.html"),
    ] {
        let out = run(&["run", "-q", "--out", value, "t.js"]);
        assert_no_panic(&out);
        assert_code(&out, 0);
        let report = dir.path().join(file);
        let html = std::fs::read_to_string(&report).expect("the report was written");
        let data = report_data(&html);
        assert_eq!(data["totals"]["iterations"], 6, "{value}");
        assert_eq!(
            data["thresholds"][0]["passed"], true,
            "{value}: {}",
            data["thresholds"]
        );
        if let Some(dom) = rendered(&report) {
            assert_page_ran(&dom);
            assert!(dom.contains("is one"), "the checks table");
        }
    }
    // Without a file there is nothing rk6 can do (k6 would serve a live dashboard).
    let out = run(&["run", "-q", "--out", "web-dashboard", "t.js"]);
    assert_code(&out, 104);
    assert!(
        stderr(&out).contains("the web-dashboard output needs its report's file"),
        "{}",
        stderr(&out)
    );
}
