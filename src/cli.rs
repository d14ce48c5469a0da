//! `rk6 run` and `rk6 kv`: flags as k6 spells them, mapped onto the library.

use clap::{Args, Parser, Subcommand};
use rk6::error::exit_code;
use rk6::options::{parse_duration_str, parse_stage_flag, Stage};
use rk6::signal::StopSignal;
use rk6::{Overrides, Runner};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
    /// Plain output without colors (rk6 prints none; accepted for k6 compatibility).
    #[arg(long)]
    no_color: bool,
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
    /// Print the number of keys.
    Size,
    /// Remove every key.
    Clear,
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{s:?} must look like KEY=VALUE")),
    }
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
    let _ = args.no_color;
    let overrides = Overrides {
        vus: args.vus,
        iterations: args.iterations,
        duration: args.duration,
        stages: (!args.stages.is_empty()).then_some(args.stages),
    };
    let stop = Arc::new(StopSignal::new());
    let presses = AtomicU32::new(0);
    let on_signal = stop.clone();
    let installed = ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!("WARN stopping the test gracefully; press Ctrl-C again to exit now");
            on_signal.trigger();
        } else {
            std::process::exit(exit_code::EXTERNAL_ABORT);
        }
    });
    if let Err(e) = installed {
        eprintln!("WARN cannot handle Ctrl-C ({e}); it will end the run without teardown");
    }
    let mut runner = Runner::new(&args.script).overrides(overrides).stop_on(stop);
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
    match runner.run() {
        Ok(result) => {
            if !args.no_summary {
                print!("{}", rk6::summary::render(&result));
            }
            if let Some(path) = args.summary_export {
                let json = rk6::export::to_text(&rk6::export::summary_export(&result));
                if let Err(e) = std::fs::write(&path, json) {
                    eprintln!("ERRO cannot write summary to {}: {e}", path.display());
                    return exit_code::GENERIC;
                }
            }
            result.exit_code
        }
        Err(e) => {
            eprintln!("ERRO {e}");
            e.exit_code()
        }
    }
}

fn kv(args: KvArgs) -> i32 {
    use rk6::kv::{DiskStore, Store};
    if !args.path.exists() {
        eprintln!("ERRO no store at {}", args.path.display());
        return exit_code::GENERIC;
    }
    let store = match DiskStore::open(&args.path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ERRO {e}");
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
            None => Err(rk6::kv::StoreError::NotFound { key }),
        }),
        KvAction::Size => store.size().map(|n| println!("{n}")),
        KvAction::Clear => store.clear().wait(),
    };
    match outcome {
        Ok(()) => exit_code::OK,
        Err(e) => {
            eprintln!("ERRO {e}");
            exit_code::GENERIC
        }
    }
}
