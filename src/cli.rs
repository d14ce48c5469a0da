//! `rk6 run` and `rk6 kv`: flags as k6 spells them, mapped onto the library.

use clap::{Args, Parser, Subcommand};
use rk6::error::exit_code;
use rk6::options::{parse_duration_str, parse_stage_flag, Stage};
use rk6::signal::StopSignal;
use rk6::{Overrides, Runner};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "rk6",
    version,
    about = "Run k6-style load-test scripts, with a shared key-value store (k6/x/kv)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a test script.
    Run(RunArgs),
    /// Inspect a disk key-value store (the file `openKv({ backend: "disk" })` writes).
    Kv(KvArgs),
}

#[derive(Args)]
struct RunArgs {
    /// The script to run (an ES module).
    script: PathBuf,
    /// Number of VUs to run at once.
    #[arg(short = 'u', long)]
    vus: Option<u64>,
    /// Total iterations, shared among the VUs.
    #[arg(short = 'i', long)]
    iterations: Option<u64>,
    /// How long to run, e.g. 30s, 1m30s.
    #[arg(short = 'd', long, value_parser = parse_duration_str)]
    duration: Option<Duration>,
    /// Ramp stage DURATION:TARGET (repeatable), e.g. -s 30s:10 -s 1m:0.
    #[arg(short = 's', long = "stage", value_parser = parse_stage_flag)]
    stages: Vec<Stage>,
    /// Environment variable for the script's __ENV, KEY=VALUE (repeatable).
    #[arg(short = 'e', long = "env", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// Write the end-of-test summary as JSON to this file.
    #[arg(long)]
    summary_export: Option<PathBuf>,
    /// Do not print the end-of-test summary.
    #[arg(long)]
    no_summary: bool,
    /// Quieter output (no banner).
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Plain output without colors: log lines in logfmt even on a terminal.
    #[arg(long)]
    no_color: bool,
    /// Verbose logging: shows `console.debug` lines.
    #[arg(short = 'v', long)]
    verbose: bool,
    /// Write `console.*` lines to this file instead of stderr.
    #[arg(long)]
    console_output: Option<PathBuf>,
    /// Log format: `text` (default) or `json` (one JSON object per line).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
}

#[derive(Args)]
struct KvArgs {
    /// Path of the store file.
    #[arg(long, default_value = ".k6.kv")]
    path: PathBuf,
    #[command(subcommand)]
    action: KvAction,
}

#[derive(Subcommand)]
enum KvAction {
    /// List keys and values (JSON lines), in key order.
    List {
        #[arg(long, default_value = "")]
        prefix: String,
        #[arg(long, default_value_t = 0)]
        limit: usize,
    },
    /// Print one key's value.
    Get { key: String },
    /// Print the number of keys (as recorded in the store's header).
    Size,
    /// Remove every key.
    Clear {
        /// How long to wait for the write to be committed, e.g. 10s, 1m. Another process
        /// holding the store's write lock (a stopped one, say) would otherwise block forever;
        /// past the timeout the clear is withdrawn, nothing is removed, and rk6 exits 255.
        #[arg(long, default_value = "30s", value_parser = parse_timeout)]
        timeout: Duration,
    },
    /// Read the whole store file and report its entries and any damage it finds.
    ///
    /// Reads every page reachable from the file's newest header, without LMDB, then (when
    /// that found nothing) every entry through LMDB. Finds: a truncated file, damaged header
    /// pages, pages zeroed or overwritten by another page, broken page structure (bounds,
    /// offsets, lengths, tree depth, pages used twice), keys out of order, empty, too long
    /// or not UTF-8, values that are not UTF-8, and an entry count that differs from the
    /// header's. Cannot find: LMDB stores no checksums, so changed bytes inside a key or
    /// value that still leave valid text go unnoticed, as do unused (free) pages.
    /// Exit code 0 when no problem was found, 1 when the store is damaged, 255 when the
    /// file cannot be read.
    Check,
}

/// Exit code of `rk6 kv check` for a damaged store.
const DAMAGED: i32 = 1;

fn parse_timeout(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|_| {
        format!("{s:?} is not a duration; use forms like \"500ms\", \"30s\" or \"2m\"")
    })
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{s:?} must look like KEY=VALUE")),
    }
}

/// The options k6 also takes from `K6_VUS`, `K6_ITERATIONS`, `K6_DURATION` and `K6_STAGES`
/// (`DURATION:TARGET` stages separated by commas); a value that does not parse is an error
/// naming the variable.
fn env_overrides(var: impl Fn(&str) -> Option<String>) -> Result<Overrides, String> {
    let bad = |name: &str, value: &str, why: String| format!("{name}={value:?}: {why}");
    let number = |name: &str| -> Result<Option<u64>, String> {
        var(name)
            .map(|v| {
                v.trim()
                    .parse()
                    .map_err(|_| bad(name, &v, "must be a whole number ≥ 0".into()))
            })
            .transpose()
    };
    let duration = var("K6_DURATION")
        .map(|v| parse_duration_str(&v).map_err(|e| bad("K6_DURATION", &v, e)))
        .transpose()?;
    let stages = var("K6_STAGES")
        .map(|v| {
            v.split(',')
                .map(|s| parse_stage_flag(s.trim()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad("K6_STAGES", &v, e))
        })
        .transpose()?;
    Ok(Overrides {
        vus: number("K6_VUS")?,
        iterations: number("K6_ITERATIONS")?,
        duration,
        stages,
    })
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit_code::INVALID_CONFIG
            } else {
                exit_code::OK
            };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Run(args) => run(args),
        Command::Kv(args) => kv(args),
    }
}

fn run(args: RunArgs) -> i32 {
    let console_file = match &args.console_output {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => Some(file),
            Err(e) => {
                eprintln!("ERRO cannot create {}: {e}", path.display());
                return exit_code::INVALID_CONFIG;
            }
        },
        None => None,
    };
    rk6::log::configure(rk6::log::Config {
        format: if args.log_format == "json" {
            rk6::log::Format::Json
        } else {
            rk6::log::Format::Text {
                no_color: args.no_color,
            }
        },
        verbose: args.verbose,
        console_file,
    });
    let env = match env_overrides(|name| std::env::var(name).ok()) {
        Ok(env) => env,
        Err(e) => {
            rk6::log::error(&e, &[]);
            return exit_code::INVALID_CONFIG;
        }
    };
    // As in k6: flags over `K6_*` environment variables over the script's options.
    let overrides = Overrides {
        vus: args.vus.or(env.vus),
        iterations: args.iterations.or(env.iterations),
        duration: args.duration.or(env.duration),
        stages: (!args.stages.is_empty())
            .then_some(args.stages)
            .or(env.stages),
    };
    let stop = Arc::new(StopSignal::new());
    let presses = AtomicU32::new(0);
    let on_signal = stop.clone();
    let installed = ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            rk6::log::warn(
                "stopping the test gracefully; press Ctrl-C again to exit now",
                &[],
            );
            on_signal.trigger();
        } else {
            std::process::exit(exit_code::EXTERNAL_ABORT);
        }
    });
    if let Err(e) = installed {
        rk6::log::warn(
            &format!("cannot handle Ctrl-C ({e}); it will end the run without teardown"),
            &[],
        );
    }
    let mut runner = Runner::new(&args.script)
        .overrides(overrides)
        .stop_on(stop)
        .skip_summary(args.no_summary)
        .no_color(args.no_color);
    for (k, v) in args.env {
        runner = runner.env_var(k, v);
    }
    if !args.quiet {
        eprintln!(
            "rk6 {} ({}) running {}",
            env!("CARGO_PKG_VERSION"),
            rk6::engine::ENGINE,
            args.script.display()
        );
    }
    let outcome = runner.run();
    // Stores close when the run ends; one that had to give up on queued writes says so.
    for failure in rk6::kv::take_close_failures() {
        let error = failure.error();
        rk6::log::error(
            &format!(
                "{}: {} write(s) to {} were still queued when the run ended and were withdrawn: {error}",
                error.name(),
                failure.withdrawn,
                failure.path.display()
            ),
            &[],
        );
    }
    match outcome {
        Ok(result) => {
            match &result.summary_outputs {
                Some(outputs) => write_summary_outputs(outputs),
                None if !args.no_summary => print!("{}", rk6::summary::render(&result)),
                None => {}
            }
            if let Some(path) = args.summary_export {
                let json = rk6::export::to_text(&rk6::export::summary_export(&result));
                if let Err(e) = std::fs::write(&path, json) {
                    rk6::log::error(
                        &format!("cannot write summary to {}: {e}", path.display()),
                        &[],
                    );
                    return exit_code::GENERIC;
                }
            }
            result.exit_code
        }
        Err(e) => {
            rk6::log::error(&e.to_string(), &[]);
            e.exit_code()
        }
    }
}

/// Writes what `handleSummary` returned, as k6 does: `stdout` and `stderr` to those
/// streams, any other key to the file of that path (relative to the working directory).
fn write_summary_outputs(outputs: &[(String, Vec<u8>)]) {
    use std::io::Write;
    for (key, bytes) in outputs {
        let written = match key.as_str() {
            "stdout" => std::io::stdout().lock().write_all(bytes),
            "stderr" => std::io::stderr().lock().write_all(bytes),
            path => std::fs::write(path, bytes),
        };
        if let Err(e) = written {
            rk6::log::error(
                "failed to handle the end-of-test summary",
                &[("error", &format!("error writing summary to {key}: {e}"))],
            );
        }
    }
    let _ = std::io::stdout().flush();
}

fn kv(args: KvArgs) -> i32 {
    use rk6::kv::{DiskStore, Store, StoreError};
    if !args.path.exists() {
        eprintln!("ERRO no store at {}", args.path.display());
        return exit_code::GENERIC;
    }
    if let KvAction::Check = args.action {
        return kv_check(&args.path);
    }
    let store = match DiskStore::open(&args.path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ERRO {}: {e}", e.name());
            return exit_code::GENERIC;
        }
    };
    let text = |v: Vec<u8>| String::from_utf8_lossy(&v).into_owned();
    let outcome = match args.action {
        KvAction::List { prefix, limit } => store.list(&prefix, limit).map(|entries| {
            for (k, v) in entries {
                println!(
                    "{}\t{}",
                    serde_json::to_string(&k).expect("strings serialize"),
                    text(v)
                );
            }
        }),
        KvAction::Get { key } => store.get(&key).and_then(|v| match v {
            Some(v) => {
                println!("{}", text(v));
                Ok(())
            }
            None => Err(StoreError::NotFound { key }),
        }),
        KvAction::Size => store.size().map(|n| println!("{n}")),
        KvAction::Clear { timeout } => {
            let started = Instant::now();
            let result = store.clear().wait_timeout(timeout);
            // The deadline covers closing too: once the write lock proved unavailable there
            // is nothing left worth waiting for.
            store.set_close_timeout(match result {
                Ok(()) => timeout.saturating_sub(started.elapsed()),
                Err(_) => Duration::ZERO,
            });
            result
        }
        KvAction::Check => unreachable!("handled above"),
    };
    drop(store);
    match outcome {
        Ok(()) => exit_code::OK,
        Err(e @ StoreError::WriteTimeout { .. }) => {
            eprintln!(
                "ERRO {}: {e} Waited the --timeout of {}; raise it if the other process is only slow.",
                e.name(),
                humantime::format_duration(match e {
                    StoreError::WriteTimeout { waited } => waited,
                    _ => Duration::ZERO,
                })
            );
            exit_code::GENERIC
        }
        Err(e) => {
            eprintln!("ERRO {}: {e}", e.name());
            exit_code::GENERIC
        }
    }
}

/// `rk6 kv check`: the file's structure first (safe on any bytes), then, only if that is
/// sound, every entry through LMDB itself.
fn kv_check(path: &std::path::Path) -> i32 {
    use rk6::kv::{check_file, DiskStore, Store};
    let mut report = match check_file(path) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("ERRO cannot read {}: {e}", path.display());
            return exit_code::GENERIC;
        }
    };
    let mut extra = Vec::new();
    if report.is_healthy() {
        match DiskStore::open(path) {
            Ok(store) => match (store.list("", 0), store.size()) {
                (Ok(entries), Ok(size)) => {
                    let listed = entries.len() as u64;
                    let live = report.entries - report.store_records - report.expired;
                    // An entry may expire between the walk and the listing.
                    if listed > live || size > live || listed != size {
                        extra.push(format!(
                            "LMDB lists {listed} entries and reports a size of {size}, but the \
                             file holds {live}"
                        ));
                    }
                }
                (Err(e), _) | (_, Err(e)) => {
                    extra.push(format!("reading through LMDB failed: {e}"))
                }
            },
            Err(e) => extra.push(format!("LMDB cannot open it: {e}")),
        }
    }
    report.problem_count += extra.len();
    report.problems.extend(extra);
    println!("store: {}", path.display());
    println!(
        "file: {} bytes, {} pages of {} bytes in use, {} read",
        report.file_bytes, report.pages, report.page_size, report.pages_visited
    );
    println!(
        "entries: {} found ({} expired), plus {} of the store's own records; the header records {}",
        report.entries - report.store_records,
        report.expired,
        report.store_records,
        report.recorded_entries
    );
    if report.is_healthy() {
        println!("ok: no problems found");
        return exit_code::OK;
    }
    println!("damaged: {} problem(s)", report.problem_count);
    for problem in &report.problems {
        println!("- {problem}");
    }
    let unlisted = report.problem_count - report.problems.len();
    if unlisted > 0 {
        println!("- ... and {unlisted} more");
    }
    DAMAGED
}
