//! Helpers shared by the integration tests: write scripts into a temporary directory, run the
//! real `rk6` binary there, and pick its output apart.
//!
//! Every test file that says `mod common;` compiles this module on its own and uses only part
//! of it, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod server;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The binary under test, built by cargo for this test run.
pub const RK6: &str = env!("CARGO_BIN_EXE_rk6");

/// No single `rk6` process in the tests should come close to this; it only turns a hang into
/// a failure instead of a stuck test run.
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(120);

/// The repository root (where `examples/` lives).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `examples/` in the repository.
pub fn example(name: &str) -> PathBuf {
    repo_root().join("examples").join(name)
}

/// The absolute path of `tests/scripts/<group>/<name>`, as the argument to `rk6 run`.
pub fn test_script(group: &str, name: &str) -> String {
    repo_root()
        .join("tests/scripts")
        .join(group)
        .join(name)
        .to_str()
        .expect("UTF-8 path")
        .to_owned()
}

/// Runs `tests/scripts/<group>/<name>` for one iteration, which must end with exit code 0
/// and no panic, and returns what it logged with `console.log`, in order.
pub fn script_lines(group: &str, name: &str) -> Vec<String> {
    let dir = tempdir();
    let out = rk6(
        dir.path(),
        &["run", "-q", "--iterations", "1", &test_script(group, name)],
    );
    assert_no_panic(&out);
    assert_code(&out, 0);
    info_lines(&stderr(&out))
}

/// The lines of `tests/scripts/<group>/<name>` (an `.expected` file: what k6 printed for
/// the script beside it), without the `#` comment lines.
pub fn expected_lines(group: &str, name: &str) -> Vec<String> {
    let path = repo_root().join("tests/scripts").join(group).join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Compares `got` with `want` line by line, so a failure names the case.
#[track_caller]
pub fn assert_lines(got: &[String], want: &[String]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "line {}", i + 1);
    }
    assert_eq!(
        got.len(),
        want.len(),
        "number of lines; got:\n{}",
        got.join("\n")
    );
}

/// A fresh temporary directory, removed when the returned guard drops.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create a temporary directory")
}

/// Writes `contents` to `dir/name` and returns the file's path.
pub fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}

/// The `rk6` command with `args`, run in `dir` (so relative paths, such as the default
/// `.k6.kv` store, resolve there), with no stdin and captured stdout and stderr.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(RK6);
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Starts `rk6 args` in `dir` without waiting; finish it with [`wait`].
pub fn spawn(dir: &Path, args: &[&str]) -> Child {
    command(dir, args)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {RK6}: {e}"))
}

/// Waits for a process started by [`spawn`] (killing it after [`PROCESS_TIMEOUT`]) and
/// returns its exit status and output.
pub fn wait(mut child: Child) -> Output {
    fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    }
    // Read both pipes while waiting, or a chatty process blocks on a full pipe.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    let status: ExitStatus = loop {
        match child.try_wait().expect("poll the rk6 process") {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                let err = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
                panic!("rk6 did not finish within {PROCESS_TIMEOUT:?}; stderr so far:\n{err}");
            }
            None => thread::sleep(Duration::from_millis(5)),
        }
    };
    Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// Runs `rk6 args` in `dir` to completion.
pub fn rk6(dir: &Path, args: &[&str]) -> Output {
    wait(spawn(dir, args))
}

/// The process's exit code (`-1` if a signal ended it).
pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What `console.log` printed: the message of every `level=info` stderr line, in order.
pub fn info_lines(stderr: &str) -> Vec<String> {
    level_lines(stderr, "info")
}

/// The first line of every `level=error` message (uncaught errors, fatal run errors), and
/// of `rk6 kv`'s plain `ERRO` lines.
pub fn erro_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|line| match log_fields(line) {
            Some(fields) if fields.iter().any(|(k, v)| k == "level" && v == "error") => fields
                .into_iter()
                .find(|(k, _)| k == "msg")
                .map(|(_, m)| m.lines().next().unwrap_or_default().to_owned()),
            Some(_) => None,
            None => line.strip_prefix("ERRO ").map(str::to_owned),
        })
        .collect()
}

/// The messages of the log lines at `level` (`info`, `warning`, `error`, `debug`).
pub fn level_lines(stderr: &str, level: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(log_fields)
        .filter(|fields| fields.iter().any(|(k, v)| k == "level" && v == level))
        .filter_map(|fields| fields.into_iter().find(|(k, _)| k == "msg").map(|(_, v)| v))
        .collect()
}

/// The `key=value` fields of one logfmt line as rk6 (like k6) writes it without a
/// terminal, quoted values unescaped; `None` for any other line.
pub fn log_fields(line: &str) -> Option<Vec<(String, String)>> {
    if !line.starts_with("time=\"") {
        return None;
    }
    let mut fields = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let mut value = String::new();
        if let Some(quoted) = after.strip_prefix('"') {
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    '\\' => match chars.next().map(|(_, c)| c) {
                        Some('n') => value.push('\n'),
                        Some('t') => value.push('\t'),
                        Some('r') => value.push('\r'),
                        Some(c) => value.push(c),
                        None => {}
                    },
                    c => value.push(c),
                }
            }
            rest = quoted[end..].trim_start();
        } else {
            let end = after.find(' ').unwrap_or(after.len());
            value.push_str(&after[..end]);
            rest = after[end..].trim_start();
        }
        fields.push((key.trim().to_owned(), value));
    }
    Some(fields)
}

/// A description of a finished process for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit code {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        code(output),
        stdout(output),
        stderr(output)
    )
}

/// Panics with the process's output unless it exited with `expected`.
#[track_caller]
pub fn assert_code(output: &Output, expected: i32) {
    assert_eq!(
        code(output),
        expected,
        "unexpected exit code; {}",
        describe(output)
    );
}

/// Panics unless stderr shows no sign of a Rust panic.
#[track_caller]
pub fn assert_no_panic(output: &Output) {
    let err = stderr(output);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "rk6 panicked; {}",
        describe(output)
    );
}

/// Runs the script at `script` (relative to `dir` or absolute) with `--summary-export` and
/// returns the process output and rk6's own results from the export (`RunResult` as JSON,
/// under the `rk6` key; `Null` if the run ended before writing one).
pub fn run_with_summary(
    dir: &Path,
    script: &str,
    extra_args: &[&str],
) -> (Output, serde_json::Value) {
    let (output, export) = run_with_export(dir, script, extra_args);
    (output, export["rk6"].clone())
}

/// Like [`run_with_summary`], but returns the whole export file (k6's layout).
pub fn run_with_export(
    dir: &Path,
    script: &str,
    extra_args: &[&str],
) -> (Output, serde_json::Value) {
    run_with_export_env(dir, script, extra_args, &[])
}

/// [`run_with_export`] with process environment changes: `(name, Some(value))` sets a
/// variable, `(name, None)` removes it.
pub fn run_with_export_env(
    dir: &Path,
    script: &str,
    extra_args: &[&str],
    env: &[(&str, Option<&str>)],
) -> (Output, serde_json::Value) {
    let summary = dir.join(format!(
        "summary-{}.json",
        SUMMARY_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let summary_arg = summary.to_str().expect("UTF-8 temp path").to_owned();
    let mut args = vec!["run", "-q", "--summary-export", summary_arg.as_str()];
    args.extend_from_slice(extra_args);
    args.push(script);
    let mut cmd = command(dir, &args);
    for (name, value) in env {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
    let output = wait(
        cmd.spawn()
            .unwrap_or_else(|e| panic!("cannot start {RK6}: {e}")),
    );
    let json = match std::fs::read_to_string(&summary) {
        Ok(text) => serde_json::from_str(&text).expect("the summary export is JSON"),
        Err(_) => serde_json::Value::Null,
    };
    (output, json)
}

/// Runs `script` (written into a fresh directory) with these arguments and environment
/// changes; returns the output, the whole summary export and what `console.log` printed.
pub fn run_script_env(
    script: &str,
    args: &[&str],
    env: &[(&str, Option<&str>)],
) -> (Output, serde_json::Value, Vec<String>) {
    let dir = tempdir();
    write(dir.path(), "script.js", script);
    let (out, export) = run_with_export_env(dir.path(), "script.js", args, env);
    assert_no_panic(&out);
    let lines = info_lines(&stderr(&out));
    (out, export, lines)
}

/// The JSON a script printed with `console.log(JSON.stringify(..))`, line by line.
pub fn json_lines(lines: &[String]) -> Vec<serde_json::Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

static SUMMARY_COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
