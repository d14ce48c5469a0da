//! The live progress display through the binary: plain status blocks when stderr is not a
//! terminal, none with `-q`, bars redrawn in place on a terminal (through `script`, which
//! gives rk6 a pseudo-terminal, when it is installed).

mod common;

use common::{assert_code, assert_no_panic, rk6, stderr, stdout, tempdir, write};
use regex::Regex;

/// Ten iterations of 250 ms on one VU: a run of 2.5 s at least, so the once-a-second
/// blocks come before the last one.
const SHARED: &str = r#"
import { sleep } from 'k6';
export const options = { iterations: 10 };
export default function () { sleep(0.25); }
"#;

/// The blocks of status lines: each begins with a `running (` line, after a blank line.
fn blocks(err: &str) -> Vec<Vec<&str>> {
    let lines: Vec<&str> = err.lines().collect();
    let mut blocks = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("running (") {
            assert_eq!(lines[i - 1], "", "a blank line before each block:\n{err}");
            let rest = lines[i + 1..]
                .iter()
                .take_while(|l| !l.is_empty() && !l.starts_with("running ("))
                .copied();
            blocks.push(std::iter::once(*line).chain(rest).collect());
        }
    }
    blocks
}

#[test]
fn without_a_terminal_status_blocks_are_printed_every_second_then_the_final_one() {
    let dir = tempdir();
    write(dir.path(), "shared.js", SHARED);
    let out = rk6(dir.path(), &["run", "shared.js"]);
    assert_no_panic(&out);
    assert_code(&out, 0);
    let err = stderr(&out);
    let blocks = blocks(&err);
    assert!(blocks.len() >= 2, "{err}");
    // k6 v1.1's plain lines, as it prints them to a pipe.
    let running = Regex::new(
        r"^running \(00m0\d\.\ds\), [01]/1 VUs, (\d+) complete and 0 interrupted iterations$",
    )
    .unwrap();
    let bar =
        Regex::new(r"^default   \[ +(\d+)% \] 1 VUs  00m0\d\.\ds/10m0s  (\d\d)/10 shared iters$")
            .unwrap();
    for block in &blocks[..blocks.len() - 1] {
        assert_eq!(block.len(), 2, "{block:?}");
        let complete = &running.captures(block[0]).expect(block[0])[1];
        let caps = bar.captures(block[1]).expect(block[1]);
        assert_eq!(
            caps[2].parse::<u64>().unwrap(),
            complete.parse::<u64>().unwrap()
        );
        assert_eq!(
            caps[1].parse::<u64>().unwrap(),
            complete.parse::<u64>().unwrap() * 10
        );
    }
    let last = blocks.last().unwrap();
    assert_eq!(last.len(), 2, "{last:?}");
    assert!(
        Regex::new(
            r"^running \(00m0[2-9]\.\ds\), 0/1 VUs, 10 complete and 0 interrupted iterations$"
        )
        .unwrap()
        .is_match(last[0]),
        "{}",
        last[0]
    );
    assert!(
        Regex::new(r"^default ✓ \[ 100% \] 1 VUs  00m0[2-9]\.\ds/10m0s  10/10 shared iters$")
            .unwrap()
            .is_match(last[1]),
        "{}",
        last[1]
    );
    // Nothing of it on stdout, where the summary goes.
    assert!(!stdout(&out).contains("running ("), "{}", stdout(&out));
}

#[test]
fn quiet_shows_no_progress() {
    let dir = tempdir();
    write(dir.path(), "shared.js", SHARED);
    let out = rk6(dir.path(), &["run", "-q", "shared.js"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(!err.contains("running ("), "{err}");
    assert!(!err.contains("shared iters"), "{err}");
    assert!(
        stdout(&out).contains("iterations"),
        "the summary still prints"
    );
}

#[test]
fn every_executor_ends_with_its_final_line() {
    let dir = tempdir();
    write(
        dir.path(),
        "mixed.js",
        r#"
        import { sleep } from 'k6';
        export const options = { scenarios: {
          shared: { executor: 'shared-iterations', vus: 2, iterations: 6 },
          pervu: { executor: 'per-vu-iterations', vus: 2, iterations: 2 },
          cvus: { executor: 'constant-vus', vus: 2, duration: '1s' },
          rvus: { executor: 'ramping-vus', startVUs: 1, stages: [{ duration: '1s', target: 2 }] },
          car: { executor: 'constant-arrival-rate', rate: 4, timeUnit: '1s', duration: '1s',
                 preAllocatedVUs: 2, maxVUs: 2 },
          rar: { executor: 'ramping-arrival-rate', startRate: 2, timeUnit: '1s',
                 preAllocatedVUs: 2, maxVUs: 2, stages: [{ duration: '1s', target: 4 }] },
        }};
        export default function () { sleep(0.1); }
        "#,
    );
    let out = rk6(dir.path(), &["run", "--no-summary", "mixed.js"]);
    assert_no_panic(&out);
    assert_code(&out, 0);
    let err = stderr(&out);
    let blocks = blocks(&err);
    let last = blocks.last().expect("a final block");
    let time = Regex::new(r"\d\dm\d\d\.\ds/10m0s").unwrap();
    let last: Vec<String> = last
        .iter()
        .map(|l| time.replace(l, "TIME/10m0s").into_owned())
        .collect();
    assert!(
        Regex::new(
            r"^running \(00m0\d\.\ds\), 00/12 VUs, \d+ complete and 0 interrupted iterations$"
        )
        .unwrap()
        .is_match(&last[0]),
        "{}",
        last[0]
    );
    assert_eq!(
        last[1..],
        [
            "car    ✓ [ 100% ] 0/2 VUs  1s              4.00 iters/s",
            "cvus   ✓ [ 100% ] 2 VUs    1s             ",
            "pervu  ✓ [ 100% ] 2 VUs    TIME/10m0s  4/4 iters, 2 per VU",
            "rar    ✓ [ 100% ] 0/2 VUs  1s              4.00 iters/s",
            "rvus   ✓ [ 100% ] 0/2 VUs  1s             ",
            "shared ✓ [ 100% ] 2 VUs    TIME/10m0s  6/6 shared iters",
        ]
    );
}

/// `script` (util-linux) runs rk6 on a pseudo-terminal of 100 columns.
fn on_a_terminal(dir: &std::path::Path, args: &str) -> Option<String> {
    let found = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("no `script` here: the terminal display is not tested");
        return None;
    }
    let command = format!("stty cols 100 rows 40; {} {args}", common::RK6);
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script runs");
    assert!(out.status.success(), "{out:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn on_a_terminal_bars_are_redrawn_and_log_lines_stay_whole() {
    let dir = tempdir();
    write(
        dir.path(),
        "logs.js",
        r#"
        import { sleep } from 'k6';
        export const options = { iterations: 6 };
        export default function () { console.log(`line ${__ITER}`); sleep(0.2); }
        "#,
    );
    let Some(screen) = on_a_terminal(dir.path(), "run logs.js") else {
        return;
    };
    let escapes = Regex::new(r"\x1b\[[0-9;]*[A-Za-z]").unwrap();
    let text = escapes.replace_all(&screen, "");
    // The final state, with a full-width bar at 100 columns and k6's green mark.
    assert!(
        Regex::new(
            r"running \(00m0\d\.\ds\), 0/1 VUs, 6 complete and 0 interrupted iterations *default ✓ \[={38}\] 1 VUs  00m0\d\.\ds/10m0s  6/6 shared iters"
        )
        .unwrap()
        .is_match(&text),
        "{text}"
    );
    assert!(screen.contains("default \x1b[32m✓\x1b[0m ["), "{screen:?}");
    // Each log line is written whole (between the bars' clearing and their redraw), in
    // one piece with no bar text inside it.
    for i in 0..6 {
        let pieces: Vec<&str> = text
            .split(['\n', '\r'])
            .filter(|l| l.contains(&format!("line {i} ")))
            .collect();
        assert_eq!(pieces.len(), 1, "{pieces:?}");
        assert!(
            Regex::new(&format!(r"^INFO\[000\d\] line {i} +source=console$"))
                .unwrap()
                .is_match(pieces[0]),
            "{:?}",
            pieces[0]
        );
    }
    // The summary comes after the bars' last state.
    let last_bar = text.rfind("6/6 shared iters").unwrap();
    assert!(text[last_bar..].contains("TOTAL RESULTS"), "{text}");
}
