//! VU start-up (issue 12) and empty-iteration throughput.
//!
//!     cargo bench --no-default-features --features quickjs --bench vus
//!
//! For 1 / 100 / 1000 / 5000 VUs, one empty iteration each (`rk6 run -q -u N -i N` with
//! `export default function () {}`), prints the wall time of the whole run, the time to
//! initialise the VUs, the time from the last iteration to the end of the run (VU
//! teardown), and the peak RSS per VU; then the same run on k6 when `k6` is on PATH,
//! and the ratio. Then empty iterations per second with 1 and 2 VUs.
//!
//! Each rk6 size runs in a child process (this bench re-executed with `--vus-child`),
//! since a process's peak RSS only grows. The child runs the script through the
//! library; its script also has a `setup()` that prints the clock, which runs once all
//! VUs are initialised, so start-up and teardown can be told apart. "wall" is the child
//! process from spawn to exit, measured by the parent, for rk6 and k6 alike.
//! `RK6_VUS=1,100` picks the sizes.

#[path = "support/peak_rss.rs"]
#[allow(dead_code)] // the other benches' helper is not used here
mod peak_rss;

use rk6::{Overrides, Runner};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const EMPTY: &str = "export default function () {}\n";
// The child's script: what `EMPTY` does, plus a clock reading when initialisation ends.
const TIMED: &str = "export function setup() { console.log(`rk6-bench-setup ${Date.now()}`); }\n\
                     export default function () {}\n";
const CHILD_FLAG: &str = "--vus-child";

fn script(name: &str, body: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rk6-bench-vus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, body).expect("write script");
    path
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Child mode: one run, then `rk6-bench-times START_MS END_MS RUN_MS` on stdout.
fn child(vus: u64, path: &str) {
    let start = epoch_ms();
    let r = Runner::new(path)
        .overrides(Overrides {
            vus: Some(vus),
            iterations: Some(vus),
            ..Default::default()
        })
        .skip_summary(true)
        // The child exits right after, as the CLI does.
        .leave_vus_for_exit(true)
        .run()
        .expect("run");
    let end = epoch_ms();
    assert_eq!(r.iterations, vus, "every VU runs one iteration");
    println!(
        "rk6-bench-times {start} {end} {}",
        r.run_time.as_secs_f64() * 1000.0
    );
}

struct Figures {
    wall: Duration,
    peak_kib: u64,
    /// Start of the run to the end of `setup()`, and the end of the iterations to the end
    /// of the run; rk6 only.
    init_teardown: Option<(Duration, Duration)>,
}

fn parse_times(out: &str) -> Option<(Duration, Duration)> {
    let field = |prefix: &str| -> Option<Vec<f64>> {
        let line = out.lines().find_map(|l| l.split(prefix).nth(1))?;
        // rk6 logs console output k6's way (`msg="rk6-bench-setup 123" source=console`).
        let numbers: Vec<f64> = line
            .split_whitespace()
            .map_while(|x| {
                x.trim_end_matches(|c: char| !c.is_ascii_digit())
                    .parse()
                    .ok()
            })
            .collect();
        (!numbers.is_empty()).then_some(numbers)
    };
    let setup_ms = *field("rk6-bench-setup ")?.first()?;
    let t = field("rk6-bench-times ")?;
    let (start, end, run) = (*t.first()?, *t.get(1)?, *t.get(2)?);
    let ms = |x: f64| Duration::from_secs_f64(x.max(0.0) / 1000.0);
    Some((ms(setup_ms - start), ms(end - setup_ms - run)))
}

fn run_rk6(vus: u64, timed: &std::path::Path) -> Result<Figures, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(me);
    cmd.arg(CHILD_FLAG).arg(vus.to_string()).arg(timed);
    let (peak_kib, wall, out) = measured(cmd, "the child")?;
    Ok(Figures {
        wall,
        peak_kib,
        init_teardown: parse_times(&out),
    })
}

fn run_k6(vus: u64, empty: &std::path::Path) -> Result<Figures, String> {
    let mut cmd = Command::new("k6");
    cmd.args(["run", "-q", "--no-summary", "-u"])
        .arg(vus.to_string())
        .arg("-i")
        .arg(vus.to_string())
        .arg(empty);
    let (peak_kib, wall, _) = measured(cmd, "k6")?;
    Ok(Figures {
        wall,
        peak_kib,
        init_teardown: None,
    })
}

/// Runs `cmd` for its peak RSS (KiB), wall time and output; a failure names its last lines.
fn measured(cmd: Command, what: &str) -> Result<(u64, Duration, String), String> {
    let (peak_kib, wall, out, ok) =
        peak_rss::run_sampled_output(cmd).ok_or(format!("could not start {what}"))?;
    if !ok {
        let tail: Vec<&str> = out.lines().rev().take(3).collect();
        return Err(format!("failed: {}", tail.join(" | ")));
    }
    Ok((peak_kib, wall, out))
}

fn k6_on_path() -> bool {
    Command::new("k6")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn startup_table(sizes: &[u64]) {
    let empty = script("empty.js", EMPTY);
    let timed = script("timed.js", TIMED);
    let k6 = k6_on_path();
    println!(
        "{:<10} {:>6} {:>9} {:>9} {:>9} {:>10} {:>9}",
        "VU start-up", "VUs", "wall s", "init s", "stop s", "peak MiB", "MiB/VU"
    );
    let row = |tool: &str, vus: u64, f: &Figures| {
        let (init, stop) = f.init_teardown.map_or(("-".into(), "-".into()), |(i, t)| {
            (
                format!("{:.2}", i.as_secs_f64()),
                format!("{:.2}", t.as_secs_f64()),
            )
        });
        let mib = f.peak_kib as f64 / 1024.0;
        println!(
            "{:<10} {:>6} {:>9.2} {:>9} {:>9} {:>10.0} {:>9.3}",
            tool,
            vus,
            f.wall.as_secs_f64(),
            init,
            stop,
            mib,
            mib / vus as f64
        );
    };
    for &vus in sizes {
        let rk6 = match run_rk6(vus, &timed) {
            Ok(f) => {
                row("rk6", vus, &f);
                Some(f)
            }
            Err(why) => {
                println!("{:<10} {:>6} cannot run: {why}", "rk6", vus);
                None
            }
        };
        if !k6 {
            continue;
        }
        match run_k6(vus, &empty) {
            Ok(f) => {
                row("k6", vus, &f);
                if let Some(r) = rk6 {
                    println!(
                        "{:<10} {:>6} {:>8.1}x {:>9} {:>9} {:>9.1}x",
                        "rk6/k6",
                        vus,
                        r.wall.as_secs_f64() / f.wall.as_secs_f64(),
                        "",
                        "",
                        r.peak_kib as f64 / f.peak_kib as f64
                    );
                }
            }
            Err(why) => println!("{:<10} {:>6} cannot run: {why}", "k6", vus),
        }
    }
    if !k6 {
        println!("(k6 is not on PATH: no comparison)");
    }
}

fn iteration_rates() {
    let empty = script("empty.js", EMPTY);
    println!(
        "{:<28} {:>12} {:>14}",
        "empty iterations (3 s)", "iter/s", "per VU"
    );
    for vus in [1u64, 2] {
        let r = Runner::new(&empty)
            .overrides(Overrides {
                vus: Some(vus),
                duration: Some(Duration::from_secs(3)),
                ..Default::default()
            })
            .skip_summary(true)
            .run()
            .expect("run");
        println!(
            "{:<28} {:>12.0} {:>14.0}",
            format!("{vus} VU(s)"),
            r.iteration_rate,
            r.iteration_rate / vus as f64
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == CHILD_FLAG) {
        let vus = args[at + 1].parse().expect("VU count");
        child(vus, &args[at + 2]);
        return;
    }
    let sizes: Vec<u64> = std::env::var("RK6_VUS")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 100, 1000, 5000]);
    let started = Instant::now();
    startup_table(&sizes);
    println!();
    iteration_rates();
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("rk6-bench-vus-{}", std::process::id())),
    );
    eprintln!("(bench took {:.0} s)", started.elapsed().as_secs_f64());
}
