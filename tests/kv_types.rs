//! `types/k6/x/kv.d.ts` cannot drift from `runtime-js/kv.js`: everything the module exports
//! and every method of a store handle must be declared. (No TypeScript checker is available
//! offline to the tests, so the declarations are compared by name.) A TypeScript script
//! written against them must run.

mod common;

use common::*;
use std::path::Path;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The names `kv.js` exports (`export class X`, `export function X`), plus `default`.
fn js_exports(js: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in js.lines() {
        let Some(rest) = line.strip_prefix("export ") else {
            continue;
        };
        if rest.starts_with("default ") {
            names.push("default".to_owned());
            continue;
        }
        let mut words = rest.split_whitespace();
        let kind = words.next().unwrap_or_default();
        assert!(
            matches!(kind, "class" | "function" | "const" | "let"),
            "unexpected export form in kv.js: {line}"
        );
        let name: String = words
            .next()
            .unwrap_or_default()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        names.push(name);
    }
    names
}

/// The public methods of `class KV` in `kv.js`: members at two spaces of indentation
/// followed by `(`, without the constructor and `#private` ones.
fn js_methods(js: &str) -> Vec<String> {
    let body = js
        .split_once("\nclass KV {\n")
        .expect("kv.js defines class KV")
        .1;
    let body = body.split_once("\n}\n").expect("class KV ends").0;
    body.lines()
        .filter_map(|line| {
            let member = line.strip_prefix("  ")?;
            if member.starts_with(' ') {
                return None;
            }
            let member = member.strip_prefix("async ").unwrap_or(member);
            let name: String = member
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let after = &member[name.len()..];
            (!name.is_empty() && after.starts_with('(') && name != "constructor").then_some(name)
        })
        .collect()
}

/// The `KV` interface's body in the declarations.
fn dts_kv_interface(dts: &str) -> &str {
    let body = dts
        .split_once("export interface KV<V = any> {\n")
        .expect("kv.d.ts declares interface KV")
        .1;
    body.split_once("\n  }\n").expect("interface KV ends").0
}

fn declares_member(interface: &str, name: &str) -> bool {
    interface.lines().any(|line| {
        let line = line.trim_start();
        line.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('(') || rest.starts_with('<'))
    })
}

fn declares_export(dts: &str, name: &str) -> bool {
    if name == "default" {
        return dts.contains("\n  export default ");
    }
    ["class", "function", "const", "interface", "type"]
        .iter()
        .any(|kind| {
            dts.lines().any(|line| {
                line.trim_start()
                    .strip_prefix(&format!("export {kind} {name}"))
                    .is_some_and(|rest| rest.starts_with([' ', '(', '<', ';', ':']))
            })
        })
}

#[test]
fn every_export_and_method_of_kv_js_is_declared() {
    let js = read("runtime-js/kv.js");
    let dts = read("types/k6/x/kv.d.ts");
    assert!(
        dts.contains("declare module \"k6/x/kv\" {"),
        "the declarations are for the module k6/x/kv"
    );
    let exports = js_exports(&js);
    // The parse itself must find what is known to be there, or the checks below prove
    // nothing.
    for known in ["openKv", "default", "KeyNotFoundError", "SnapshotError"] {
        assert!(exports.iter().any(|e| e == known), "{known} in {exports:?}");
    }
    let missing: Vec<_> = exports
        .iter()
        .filter(|name| !declares_export(&dts, name))
        .collect();
    assert!(missing.is_empty(), "kv.d.ts lacks exports {missing:?}");

    let methods = js_methods(&js);
    for known in [
        "set",
        "get",
        "size",
        "backup",
        "restore",
        "incrementBy",
        "scan",
    ] {
        assert!(methods.iter().any(|m| m == known), "{known} in {methods:?}");
    }
    let interface = dts_kv_interface(&dts);
    let missing: Vec<_> = methods
        .iter()
        .filter(|name| !declares_member(interface, name))
        .collect();
    assert!(
        missing.is_empty(),
        "interface KV in kv.d.ts lacks {missing:?}"
    );
}

/// The whole API of issue 11 is declared, including what kv.js does not offer yet.
#[test]
fn the_declarations_cover_the_planned_api() {
    let dts = read("types/k6/x/kv.d.ts");
    let interface = dts_kv_interface(&dts);
    for method in [
        "set",
        "get",
        "getEntry",
        "delete",
        "exists",
        "list",
        "scan",
        "count",
        "size",
        "clear",
        "incrementBy",
        "getOrSet",
        "swap",
        "compareAndSwap",
        "setIfAbsent",
        "deleteIfExists",
        "compareAndDelete",
        "randomKey",
        "popRandom",
        "claimRandom",
        "releaseClaim",
        "completeClaim",
        "stats",
        "backup",
        "restore",
        "atomic",
        "close",
    ] {
        assert!(declares_member(interface, method), "KV.{method}");
    }
    assert!(declares_member(interface, "size"));
    assert!(
        !declares_member(interface, "sizeOf"),
        "the matcher is exact"
    );
    assert!(
        interface.contains("size(): number;"),
        "size() is synchronous"
    );
    assert!(
        interface.contains("close(): void;"),
        "close() is synchronous"
    );
}

/// A TypeScript script written against the declarations (a reference to them, type-only
/// imports, generics) runs: the stripper drops all of it.
#[test]
fn a_typescript_script_using_the_declarations_runs() {
    let dir = tempdir();
    let types = Path::new(env!("CARGO_MANIFEST_DIR")).join("types/k6/x/kv.d.ts");
    let script = format!(
        r#"/// <reference path="{}" />
import {{ openKv, KeyNotFoundError, type KV, type BackupSummary }} from "k6/x/kv";

interface User {{ name: string }}
const kv: KV<User> = openKv<User>({{ backend: "memory" }});

export default async function (): Promise<void> {{
  await kv.set("u", {{ name: "ann" }});
  const summary: BackupSummary = await kv.backup({{ fileName: "s.jsonl" }});
  const user: User = await kv.get("u");
  let missing = "";
  try {{
    await kv.get("nope");
  }} catch (err) {{
    missing = err instanceof KeyNotFoundError ? (err as Error).name : "other";
  }}
  console.log(`${{user.name}} ${{summary.totalEntries}} ${{kv.size()}} ${{missing}}`);
}}
"#,
        types.display()
    );
    write(dir.path(), "typed.ts", &script);
    let output = rk6(dir.path(), &["run", "-q", "--no-summary", "typed.ts"]);
    assert_no_panic(&output);
    assert_code(&output, 0);
    assert_eq!(
        info_lines(&stderr(&output)),
        ["ann 1 1 KeyNotFoundError"],
        "{}",
        describe(&output)
    );
}
