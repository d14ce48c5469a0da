//! A Rust op exposed to scripts as a module of their own, next to rk6's modules.
//!
//!     cargo run --no-default-features --features quickjs --example custom_module
//!
//! An embedder's own crate needs `deno_core` at exactly rk6's version for the `op2` and
//! `extension!` macros: `deno_core = { version = "=0.413.0", default-features = false }`.

use deno_core::{extension, op2};
use rk6::Runner;

/// Greets in Rust; the module below makes it `greet()` for scripts. Op names share one
/// namespace with deno_core's and rk6's ops (deno_core has an `op_add`): prefix yours.
#[op2]
#[string]
fn op_greet(#[string] name: String) -> String {
    format!("hello, {name}")
}

#[op2(fast)]
fn op_greeter_add(a: f64, b: f64) -> f64 {
    a + b
}

extension!(greeter, ops = [op_greet, op_greeter_add]);

/// What scripts import as `k6/x/greet`: the ops, behind a JavaScript API.
const MODULE: &str = r#"
export function greet(name) {
  return Deno.core.ops.op_greet(String(name));
}
export function add(a, b) {
  return Deno.core.ops.op_greeter_add(a, b);
}
"#;

const SCRIPT: &str = r#"
import { check } from "k6";
import { Counter } from "k6/metrics";
import { greet, add } from "k6/x/greet";

const sums = new Counter("sums");

export const options = { vus: 2, iterations: 6, thresholds: { checks: ["rate==1"] } };

export default function () {
  check(greet("rk6"), { "greeted from Rust": (g) => g === "hello, rk6" });
  sums.add(add(1, 0.5));
}
"#;

fn main() {
    let result = Runner::from_source("custom-module.js", SCRIPT)
        .module("k6/x/greet", MODULE)
        .extensions(|| vec![greeter::init()])
        .skip_summary(true)
        .run();
    match result {
        Ok(r) => {
            let sums = r.metrics.get("sums").map_or(0.0, |m| m.sum);
            println!(
                "{} iterations, checks {} passed / {} failed, sums {sums}",
                r.iterations,
                r.checks_passed(),
                r.checks_failed(),
            );
            std::process::exit(r.exit_code);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(e.exit_code());
        }
    }
}
