//! Seeds a run's own memory store from Rust, runs a script against it, reads it back.
//!
//!     cargo run --no-default-features --features quickjs --example kv_seed

use std::sync::Arc;

use rk6::kv::value::{decode_json, encode_json};
use rk6::kv::{MemoryStore, Store};
use rk6::Runner;
use serde_json::{json, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A store of the run's own: other runs in this process do not see it.
    let store = Arc::new(MemoryStore::new());
    for (id, name) in [
        "ada", "grace", "edsger", "barbara", "alan", "donald", "frances", "john", "leslie",
    ]
    .iter()
    .enumerate()
    {
        store
            .set(
                &format!("user:{id}"),
                encode_json(&json!({ "name": name }))?,
            )
            .wait()?;
    }

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/kv-seed.js");
    let result = Runner::new(script)
        .kv_memory_store(store.clone())
        .skip_summary(true)
        .run()?;
    println!(
        "{} iterations, checks {} passed / {} failed",
        result.iterations,
        result.checks_passed(),
        result.checks_failed()
    );

    for (key, bytes) in store.list("done:", 100)? {
        let record: Value = decode_json(&bytes)?;
        println!("{key} by {}", record["by"]);
    }
    println!("users left: {}", store.count("user:")?);
    std::process::exit(result.exit_code);
}
