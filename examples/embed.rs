//! Runs a k6 script through rk6's library API, the way an embedding runner would.
//!
//!     cargo run --no-default-features --features quickjs --example embed -- examples/quickstart.js

use rk6::{Overrides, Runner};

fn main() {
    let script = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/quickstart.js".into());
    let result = Runner::new(&script)
        .env_var("EMBEDDED", "yes")
        .overrides(Overrides {
            vus: Some(2),
            iterations: Some(4),
            ..Default::default()
        })
        .run();
    match result {
        Ok(r) => {
            println!(
                "{} iterations ({} failed) in {:.2}s, checks {} passed / {} failed",
                r.iterations,
                r.failed_iterations,
                r.run_time.as_secs_f64(),
                r.checks_passed(),
                r.checks_failed()
            );
            std::process::exit(r.exit_code);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(e.exit_code());
        }
    }
}
