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
    /// Read, change, export and back up a disk key-value store (the file
    /// `openKv({ backend: "disk" })` writes).
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
    /// Pass the real system environment variables to the script's __ENV (default true).
    #[arg(long, action = clap::ArgAction::Set, num_args = 0..=1, default_value_t = true,
          default_missing_value = "true", require_equals = true)]
    include_system_env_vars: bool,
    /// Trend statistics the summary shows, e.g. "avg,min,med,max,p(90),p(95),p(99.9),count".
    #[arg(long, value_parser = rk6::metrics::summary::parse_trend_stats)]
    summary_trend_stats: Option<TrendStats>,
    /// Summary layout: `compact` (default), `full` (adds HTTP timing details and a block
    /// per group) or `legacy` (rk6's earlier flat list).
    #[arg(long, default_value = "compact", value_parser = clap::value_parser!(rk6::metrics::summary::SummaryMode))]
    summary_mode: rk6::metrics::summary::SummaryMode,
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
    /// Stream metric samples to an output, TYPE[=ARG] (repeatable): `json[=FILE]`,
    /// `csv[=FILE]` (`.gz` names are compressed), `web-dashboard[=FILE.html]`.
    #[arg(short = 'o', long = "out", value_name = "TYPE[=ARG]")]
    out: Vec<rk6::outputs::spec::OutputSpec>,
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
    /// Print one key's value (the stored text).
    Get { key: String },
    /// Store VALUE under KEY.
    ///
    /// VALUE is JSON text (quote strings: '"text"') unless --string. Creates the store
    /// file if there is none.
    Set {
        key: String,
        value: String,
        /// Store VALUE as it is, as `serialization: "string"` does.
        #[arg(long)]
        string: bool,
    },
    /// Remove a key (a missing key is not an error).
    Delete { key: String },
    /// Print the number of keys starting with --prefix (all keys without it).
    Count {
        #[arg(long, default_value = "")]
        prefix: String,
    },
    /// Print the number of keys (as recorded in the store's header).
    Size,
    /// Write the entries as JSON lines {"key":...,"value":...}.
    ///
    /// To FILE, or standard output without one or with "-". The value is JSON where the
    /// stored text is JSON, else a string.
    Export {
        #[arg(long, default_value = "")]
        prefix: String,
        file: Option<String>,
    },
    /// Set the keys of JSON lines as `export` writes them.
    ///
    /// From FILE, or standard input without one or with "-". Adds to or overwrites the
    /// store. Every line is checked first; a bad one changes nothing. Creates the store
    /// file if there is none.
    Import {
        file: Option<String>,
        /// Store string values as their text, as `serialization: "string"` does.
        #[arg(long)]
        string: bool,
    },
    /// Save every entry to a snapshot FILE (JSON lines), as `kv.backup()` does.
    Backup { file: PathBuf },
    /// Replace the store's contents with a snapshot FILE.
    ///
    /// The snapshot comes from `backup` here or `kv.backup()` in a script, of either
    /// backend. A damaged snapshot changes nothing. Creates the store file if there is
    /// none.
    Restore { file: PathBuf },
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

/// Parsed `--summary-trend-stats` (a named type, so that clap takes the list as one value).
type TrendStats = Vec<String>;

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
    let mut env_outputs =
        match rk6::outputs::spec::from_env(|name| std::env::var(name).ok(), !args.out.is_empty()) {
            Ok(specs) => specs,
            Err(e) => {
                rk6::log::error(&e, &[]);
                return exit_code::INVALID_CONFIG;
            }
        };
    // K6_WEB_DASHBOARD=true alone starts k6's live dashboard, which rk6 does not have.
    env_outputs.retain(|spec| match spec {
        rk6::outputs::spec::OutputSpec::WebDashboard(config) if config.export.is_none() => {
            rk6::log::warn(
                "K6_WEB_DASHBOARD=true: rk6 serves no live dashboard; set K6_WEB_DASHBOARD_EXPORT=FILE to write its HTML report",
                &[],
            );
            false
        }
        _ => true,
    });
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
        .no_color(args.no_color)
        .include_host_env(args.include_system_env_vars)
        .leave_vus_for_exit(true);
    let summary_config = rk6::metrics::summary::SummaryConfig {
        mode: args.summary_mode,
        trend_stats: args
            .summary_trend_stats
            .clone()
            .unwrap_or_else(rk6::metrics::summary::default_trend_stats),
    };
    runner = runner
        .summary_trend_stats(summary_config.trend_stats.clone())
        .summary_breakdown(summary_config.mode == rk6::metrics::summary::SummaryMode::Full);
    for spec in args.out.iter().chain(&env_outputs) {
        let maker = spec.maker();
        runner = runner.output(move |info| maker(info));
    }
    for (k, v) in args.env {
        runner = runner.env_var(k, v);
    }
    if !args.quiet {
        // As k6: no progress with -q.
        let color = !args.no_color;
        runner = runner.output(move |_| {
            let display = rk6::outputs::progress::Display::detect();
            Ok(Box::new(rk6::outputs::progress::Progress::new(
                display, color,
            )))
        });
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
            // k6 1.x logs the reason rather than printing it in the summary.
            if let Some(reason) = &result.aborted {
                rk6::log::error(&format!("test aborted: {reason}"), &[]);
            }
            match &result.summary_outputs {
                Some(outputs) => write_summary_outputs(outputs),
                None if !args.no_summary => {
                    print!(
                        "{}",
                        rk6::metrics::summary::render_with(&result, &summary_config)
                    )
                }
                None => {}
            }
            if let Some(path) = args.summary_export {
                let json =
                    rk6::metrics::export::to_text(&rk6::metrics::export::summary_export(&result));
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
    use rk6::kv::{DiskStore, StoreError};
    // Commands that write may create the store; the others must not turn a mistyped path
    // into a new empty store.
    let creates = matches!(
        args.action,
        KvAction::Set { .. } | KvAction::Import { .. } | KvAction::Restore { .. }
    );
    if !creates && !args.path.exists() {
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
    let outcome = kv_action(&store, args.action);
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

/// One `rk6 kv` command on an open store; the work itself is in `rk6_kv` (`snapshot` for
/// files), so scripts and this command behave alike.
fn kv_action(store: &Arc<rk6::kv::DiskStore>, action: KvAction) -> Result<(), rk6::kv::StoreError> {
    use rk6::kv::snapshot::{self, ImportAs};
    use rk6::kv::{Store, StoreError};
    use std::io::Write;
    let text = |v: Vec<u8>| String::from_utf8_lossy(&v).into_owned();
    let stdout_failed =
        |e: std::io::Error| StoreError::Backend(format!("writing to standard output failed: {e}"));
    match action {
        KvAction::List { prefix, limit } => {
            let mut out = std::io::stdout().lock();
            for (k, v) in store.list(&prefix, limit)? {
                writeln!(
                    out,
                    "{}\t{}",
                    serde_json::to_string(&k).expect("strings serialize"),
                    text(v)
                )
                .map_err(stdout_failed)?;
            }
            Ok(())
        }
        KvAction::Get { key } => match store.get(&key)? {
            Some(v) => {
                println!("{}", text(v));
                Ok(())
            }
            None => Err(StoreError::NotFound { key }),
        },
        KvAction::Set { key, value, string } => {
            let stored = if string {
                value
            } else {
                if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&value) {
                    return Err(StoreError::Rejected {
                        name: "SerializationError",
                        message: format!(
                            "VALUE is not JSON text ({e}); quote a string as '\"text\"' or pass \
                             --string to store the text as it is."
                        ),
                    });
                }
                snapshot::minify_json(&value)
            };
            store.set(&key, stored.into_bytes()).wait()
        }
        KvAction::Delete { key } => store.delete(&key).wait(),
        KvAction::Count { prefix } => store.count(&prefix).map(|n| println!("{n}")),
        KvAction::Size => store.size().map(|n| println!("{n}")),
        KvAction::Export { prefix, file } => match stdio_path(file) {
            None => snapshot::export(&**store, &prefix, std::io::stdout().lock()).map(drop),
            Some(path) => {
                let out = std::fs::File::create(&path)
                    .map_err(|e| snapshot::io_error(&path, "create", &e))?;
                let summary = snapshot::export(&**store, &prefix, std::io::BufWriter::new(out))?;
                println!("exported {} entries to {}", summary.entries, path.display());
                Ok(())
            }
        },
        KvAction::Import { file, string } => {
            let mode = if string {
                ImportAs::String
            } else {
                ImportAs::Json
            };
            let (summary, from) = match stdio_path(file) {
                None => (
                    snapshot::import(&**store, std::io::stdin().lock(), mode)?,
                    "standard input".to_owned(),
                ),
                Some(path) => {
                    let input = std::fs::File::open(&path)
                        .map_err(|e| snapshot::io_error(&path, "open", &e))?;
                    let input = std::io::BufReader::new(input);
                    (
                        snapshot::import(&**store, input, mode)?,
                        path.display().to_string(),
                    )
                }
            };
            println!("imported {} entries from {from}", summary.entries);
            Ok(())
        }
        KvAction::Backup { file } => {
            let summary = snapshot::backup_to_file(&**store, &file)?;
            println!(
                "backed up {} entries to {} ({} bytes)",
                summary.entries,
                file.display(),
                summary.bytes
            );
            Ok(())
        }
        KvAction::Restore { file } => {
            let summary = snapshot::restore_from_file(&**store, &file, Default::default())?;
            println!(
                "restored {} entries from {} (a snapshot of a {} store)",
                summary.entries,
                file.display(),
                summary.backend
            );
            Ok(())
        }
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
        KvAction::Check => unreachable!("handled by kv()"),
    }
}

/// `None` for standard input/output (no FILE, or `-`).
fn stdio_path(file: Option<String>) -> Option<PathBuf> {
    file.filter(|f| f != "-").map(PathBuf::from)
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
