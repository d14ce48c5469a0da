//! Tests that need a second process re-run their own test binary as it: the child is one
//! `#[test]` that does nothing unless an environment variable (which names the store's
//! file) is set.

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Starts this test binary running only `test`, with `var` set to `path`; its stdout is
/// piped, and its stderr too unless `quiet`.
pub fn spawn_child(test: &str, var: &str, path: &Path, quiet: bool) -> Child {
    let exe = std::env::current_exe().expect("test binary path");
    Command::new(exe)
        .args(["--exact", test, "--test-threads=1"])
        .env(var, path)
        .stdout(Stdio::piped())
        .stderr(if quiet { Stdio::null() } else { Stdio::piped() })
        .spawn()
        .unwrap_or_else(|e| panic!("start the child {test}: {e}"))
}

/// Waits for `child` and fails the test, with what it printed, unless it succeeded.
pub fn assert_child_succeeded(child: Child) {
    let output = child.wait_with_output().expect("child exit");
    assert!(
        output.status.success(),
        "child failed: {}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
