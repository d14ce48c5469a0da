//! `k6/data`'s SharedArray through the real binary: tests/scripts/data/sharedarray.js
//! prints one line per case and sharedarray.expected holds what k6 v1.1 prints for it.
//! The others check what a single script cannot show: the array's function runs once per
//! run however many VUs ask (at the same time, too), and each run has its own arrays.

mod common;

use common::{
    assert_code, assert_no_panic, erro_lines, info_lines, stderr, tempdir, test_script, write,
};

#[test]
fn shared_array_reads_writes_and_errors_as_k6() {
    let dir = tempdir();
    let out = common::rk6(
        dir.path(),
        &["run", "-q", &test_script("data", "sharedarray.js")],
    );
    assert_no_panic(&out);
    assert_code(&out, 0);
    let got = info_lines(&stderr(&out));
    let path = common::repo_root().join("tests/scripts/data/sharedarray.expected");
    let want: Vec<String> = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_owned)
        .collect();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "line {}", i + 1);
    }
    assert_eq!(got.len(), want.len(), "lines:\n{}", got.join("\n"));
}

#[test]
fn the_function_runs_once_for_all_vus_and_every_vu_reads_its_result() {
    let dir = tempdir();
    write(
        dir.path(),
        "rows.json",
        r#"[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}]"#,
    );
    let script = write(
        dir.path(),
        "script.js",
        r#"
import { SharedArray } from "k6/data";
import exec from "k6/execution";
const users = new SharedArray("users", function () {
  console.log("BUILD");
  return JSON.parse(open("rows.json"));
});
export const options = { vus: 8, iterations: 8 };
export default function () {
  const u = users[exec.vu.idInTest % users.length];
  console.log(`read ${users.length} ${u.id === exec.vu.idInTest % 3 + 1} ${users.map((x) => x.name).join("")}`);
}
"#,
    );
    let out = common::rk6(dir.path(), &["run", "-q", script.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_code(&out, 0);
    let lines = info_lines(&stderr(&out));
    assert_eq!(
        lines.iter().filter(|l| *l == "BUILD").count(),
        1,
        "{lines:?}"
    );
    let reads: Vec<_> = lines.iter().filter(|l| l.starts_with("read")).collect();
    assert_eq!(reads.len(), 8, "{lines:?}");
    assert!(reads.iter().all(|l| *l == "read 3 true abc"), "{lines:?}");
}

#[test]
fn vus_initialising_at_once_build_a_name_once_and_share_it() {
    let dir = tempdir();
    // VU 0 leaves the array alone, so the VUs created together race for it; the function
    // stays busy long enough that the others ask while it runs.
    let script = write(
        dir.path(),
        "script.js",
        r#"
import { SharedArray } from "k6/data";
const arr = __VU === 0 ? null : new SharedArray("late", () => {
  console.log("BUILD");
  const end = Date.now() + 300;
  while (Date.now() < end) {}
  return [__VU];
});
export const options = { vus: 6, iterations: 6 };
export default function () {
  console.log(`built by ${arr[0]}`);
}
"#,
    );
    let out = common::rk6(dir.path(), &["run", "-q", script.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_code(&out, 0);
    let lines = info_lines(&stderr(&out));
    assert_eq!(
        lines.iter().filter(|l| *l == "BUILD").count(),
        1,
        "{lines:?}"
    );
    let reads: Vec<_> = lines.iter().filter(|l| l.starts_with("built by")).collect();
    assert_eq!(reads.len(), 6, "{lines:?}");
    assert!(reads.iter().all(|l| *l == reads[0]), "{lines:?}");
}

#[test]
fn a_failed_build_is_retried_by_the_next_vu() {
    let dir = tempdir();
    let script = write(
        dir.path(),
        "script.js",
        r#"
import { SharedArray } from "k6/data";
let arr;
try {
  arr = new SharedArray("flaky", () => {
    if (__VU === 0) throw new Error("not in VU 0");
    console.log("BUILD");
    return ["ok"];
  });
} catch (e) {
  console.log(`VU ${__VU}: ${e.message}`);
}
export const options = { vus: 2, iterations: 2 };
export default function () {
  console.log(`read ${arr[0]}`);
}
"#,
    );
    let out = common::rk6(dir.path(), &["run", "-q", script.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_code(&out, 0);
    let lines = info_lines(&stderr(&out));
    assert_eq!(
        lines,
        ["VU 0: not in VU 0", "BUILD", "read ok", "read ok"],
        "{lines:?}"
    );
}

#[test]
fn an_init_error_fails_the_run_with_k6s_message_and_exit_code() {
    let dir = tempdir();
    let script = write(
        dir.path(),
        "script.js",
        r#"
import { SharedArray } from "k6/data";
const a = new SharedArray("x", () => ({ not: "an array" }));
export default function () {}
"#,
    );
    let out = common::rk6(dir.path(), &["run", "-q", script.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_code(&out, 107);
    assert_eq!(
        erro_lines(&stderr(&out)),
        ["GoError: only arrays can be made into SharedArray"]
    );
}

#[test]
fn a_shared_array_made_in_an_iteration_fails_that_iteration() {
    let dir = tempdir();
    let script = write(
        dir.path(),
        "script.js",
        r#"
import { SharedArray } from "k6/data";
export const options = { iterations: 1 };
export default function () {
  new SharedArray("late", () => [1]);
}
"#,
    );
    let out = common::rk6(dir.path(), &["run", "-q", script.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_code(&out, 0);
    let errors = erro_lines(&stderr(&out));
    assert_eq!(
        errors,
        ["GoError: new SharedArray must be called in the init context"],
        "{errors:?}"
    );
}

/// An embedder running two tests in one process: each run builds its own arrays, even
/// under the same name.
#[test]
fn two_runs_in_one_process_have_their_own_arrays() {
    let dir = tempdir();
    let script = |tag: &str| {
        write(
            dir.path(),
            &format!("{tag}.js"),
            &format!(
                r#"
import {{ SharedArray }} from "k6/data";
const a = new SharedArray("same-name", () => {{
  const end = Date.now() + 200;
  while (Date.now() < end) {{}}
  return ["{tag}"];
}});
export const options = {{ iterations: 1 }};
export function setup() {{ return a[0]; }}
export default function () {{}}
"#
            ),
        )
    };
    let (one, two) = (script("one"), script("two"));
    let runs: Vec<_> = [one, two]
        .into_iter()
        .map(|path| {
            std::thread::spawn(move || {
                rk6::Runner::new(path)
                    .skip_summary(true)
                    .run()
                    .expect("the run")
            })
        })
        .collect();
    let setup: Vec<_> = runs
        .into_iter()
        .map(|r| r.join().expect("no panic").setup_data)
        .collect();
    assert_eq!(
        setup,
        [
            Some(serde_json::json!("one")),
            Some(serde_json::json!("two"))
        ]
    );
    // And a later run in the same process builds again.
    let again = rk6::Runner::new(script("three"))
        .skip_summary(true)
        .run()
        .expect("the run");
    assert_eq!(again.setup_data, Some(serde_json::json!("three")));
}
