//! `kv.backup()`/`kv.restore()` in scripts and the `rk6 kv` commands, through the real
//! binary, each test in its own temporary directory (the processes' working directory).

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Output, Stdio};

/// Runs `body` once inside an async default function, on a store opened with `open`
/// (an `openKv` options literal), and returns what it reported with `report(name, value)`.
fn run_script(dir: &Path, open: &str, body: &str) -> BTreeMap<String, Value> {
    let script = format!(
        r#"
import {{ openKv }} from "k6/x/kv";
const kv = openKv({open});
function report(name, value) {{
    console.log(`${{name}}=${{JSON.stringify(value)}}`);
}}
async function outcome(f) {{
    try {{
        return {{ ok: true, value: await f() }};
    }} catch (e) {{
        return {{ ok: false, name: e.name, isError: e instanceof Error, message: String(e.message) }};
    }}
}}
export default async function () {{
{body}
    report("done", true);
}}
"#
    );
    write(dir, "test.js", &script);
    let output = rk6(dir, &["run", "-q", "--no-summary", "test.js"]);
    assert_no_panic(&output);
    assert_code(&output, 0);
    let err = stderr(&output);
    assert!(erro_lines(&err).is_empty(), "{}", describe(&output));
    let reports: BTreeMap<String, Value> = info_lines(&err)
        .into_iter()
        .filter_map(|line| {
            let (name, json) = line.split_once('=')?;
            Some((name.to_owned(), serde_json::from_str(json).ok()?))
        })
        .collect();
    assert_eq!(
        reports.get("done"),
        Some(&json!(true)),
        "{}",
        describe(&output)
    );
    reports
}

#[track_caller]
fn assert_rejected(reports: &BTreeMap<String, Value>, name: &str, error: &str, needle: &str) {
    let got = &reports[name];
    assert_eq!(got["ok"], json!(false), "{name}: {got}");
    assert_eq!(got["name"], json!(error), "{name}: {got}");
    assert_eq!(got["isError"], json!(true), "{name}: {got}");
    let message = got["message"].as_str().unwrap();
    assert!(
        message.contains(needle),
        "{name}: {message:?} lacks {needle:?}"
    );
}

/// `rk6 kv --path store.kv ARGS...` in `dir`.
fn kv(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["kv", "--path", "store.kv"];
    all.extend_from_slice(args);
    let output = rk6(dir, &all);
    assert_no_panic(&output);
    output
}

/// Runs an `rk6 kv` command that must succeed and returns its standard output.
#[track_caller]
fn kv_ok(dir: &Path, args: &[&str]) -> String {
    let output = kv(dir, args);
    assert_code(&output, 0);
    assert_eq!(stderr(&output), "", "{args:?}");
    stdout(&output)
}

/// Runs an `rk6 kv` command that must fail and returns its one `ERRO` line.
#[track_caller]
fn kv_err(dir: &Path, args: &[&str]) -> String {
    let output = kv(dir, args);
    assert_code(&output, 255);
    assert_eq!(stdout(&output), "", "{args:?}");
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    err.strip_prefix("ERRO ")
        .unwrap_or_else(|| panic!("{err}"))
        .trim_end()
        .to_owned()
}

const BACKENDS: [&str; 2] = ["memory", "disk"];

#[test]
fn scripts_back_up_and_restore_on_both_backends() {
    for backend in BACKENDS {
        let dir = tempdir();
        let r = run_script(
            dir.path(),
            &format!("{{ backend: \"{backend}\" }}"),
            r#"
    await kv.clear();
    await kv.set("user:1", { name: "ann", tags: ["a"] });
    await kv.set("n", 42);
    await kv.set("s", "text");
    report("backup", await outcome(() => kv.backup({ fileName: "snap.jsonl" })));
    await kv.set("n", 0);
    await kv.set("extra", true);
    await kv.delete("s");
    report("restore", await outcome(() => kv.restore({ fileName: "snap.jsonl" })));
    report("after", await kv.list());
    report("cas", await kv.compareAndSwap("user:1", { name: "ann", tags: ["a"] }, 1));
"#,
        );
        let bytes = std::fs::metadata(dir.path().join("snap.jsonl"))
            .unwrap()
            .len();
        assert_eq!(
            r["backup"],
            json!({ "ok": true, "value": { "totalEntries": 3, "bytesWritten": bytes, "bestEffort": false, "fileName": "snap.jsonl" } }),
            "[{backend}]"
        );
        assert_eq!(
            r["restore"],
            json!({ "ok": true, "value": { "totalEntries": 3, "bytesRead": bytes, "fileName": "snap.jsonl", "sourceBackend": backend } }),
            "[{backend}]"
        );
        assert_eq!(
            r["after"],
            json!([
                { "key": "n", "value": 42 },
                { "key": "s", "value": "text" },
                { "key": "user:1", "value": { "name": "ann", "tags": ["a"] } },
            ]),
            "[{backend}]"
        );
        // The restored text is the stored text, so compare-and-swap still matches.
        assert_eq!(r["cas"], json!(true), "[{backend}]");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("snap.jsonl")).unwrap(),
            format!(
                "{{\"format\":\"rk6-kv-snapshot\",\"version\":1,\"backend\":\"{backend}\",\"entries\":3}}\n\
                 {{\"key\":\"n\",\"value\":\"42\"}}\n\
                 {{\"key\":\"s\",\"value\":\"\\\"text\\\"\"}}\n\
                 {{\"key\":\"user:1\",\"value\":\"{{\\\"name\\\":\\\"ann\\\",\\\"tags\\\":[\\\"a\\\"]}}\"}}\n"
            ),
            "[{backend}]"
        );
    }
}

#[test]
fn a_memory_snapshot_restores_into_a_disk_store_and_back() {
    let dir = tempdir();
    run_script(
        dir.path(),
        "{ backend: \"memory\" }",
        r#"
    for (let i = 0; i < 1500; i++) await kv.set(`k${String(i).padStart(4, "0")}`, { i });
    await kv.backup({ fileName: "from-memory.jsonl" });
"#,
    );
    let r = run_script(
        dir.path(),
        "{ backend: \"disk\", path: \"d.kv\" }",
        r#"
    await kv.set("stale", 1);
    report("restore", (await kv.restore({ fileName: "from-memory.jsonl" })).totalEntries);
    report("size", kv.size());
    report("last", await kv.get("k1499"));
    report("stale", await kv.exists("stale"));
    await kv.set("k0000", "changed on disk");
    await kv.backup({ fileName: "from-disk.jsonl" });
"#,
    );
    assert_eq!(r["restore"], json!(1500));
    assert_eq!(r["size"], json!(1500));
    assert_eq!(r["last"], json!({ "i": 1499 }));
    assert_eq!(r["stale"], json!(false));
    let r = run_script(
        dir.path(),
        "{ backend: \"memory\" }",
        r#"
    report("restore", await kv.restore({ fileName: "from-disk.jsonl" }));
    report("first", await kv.get("k0000"));
"#,
    );
    assert_eq!(r["restore"]["totalEntries"], json!(1500));
    assert_eq!(r["restore"]["sourceBackend"], json!("disk"));
    assert_eq!(r["first"], json!("changed on disk"));
}

#[test]
fn bad_snapshot_calls_get_named_errors_and_change_nothing() {
    for backend in BACKENDS {
        let dir = tempdir();
        write(dir.path(), "damaged.jsonl", "{\"format\":\"rk6-kv-snapshot\",\"version\":1,\"backend\":\"disk\",\"entries\":2}\n{\"key\":\"a\",\"value\":\"1\"}\n");
        let r = run_script(
            dir.path(),
            &format!("{{ backend: \"{backend}\" }}"),
            r#"
    await kv.clear();
    await kv.set("keep", 1);
    await kv.set("other", 2);
    report("noOptions", await outcome(() => kv.backup()));
    report("noFileName", await outcome(() => kv.restore({})));
    report("emptyFileName", await outcome(() => kv.backup({ fileName: "" })));
    report("numberFileName", await outcome(() => kv.restore({ fileName: 7 })));
    report("unknownOption", await outcome(() => kv.backup({ fileName: "x", bogus: 1 })));
    report("badAllow", await outcome(() => kv.backup({ fileName: "x", allowConcurrentWrites: "yes" })));
    report("badLimit", await outcome(() => kv.restore({ fileName: "x", maxEntries: 1.5 })));
    report("missing", await outcome(() => kv.restore({ fileName: "missing.jsonl" })));
    report("damaged", await outcome(() => kv.restore({ fileName: "damaged.jsonl" })));
    report("script", await outcome(() => kv.restore({ fileName: "test.js" })));
    report("overScript", await outcome(() => kv.backup({ fileName: "test.js" })));
    report("noDir", await outcome(() => kv.backup({ fileName: "no/such/dir.jsonl" })));
    await kv.backup({ fileName: "ok.jsonl" });
    report("budget", await outcome(() => kv.restore({ fileName: "ok.jsonl", maxEntries: 1 })));
    report("bytes", await outcome(() => kv.restore({ fileName: "ok.jsonl", maxBytes: 5 })));
    report("within", await outcome(() => kv.restore({ fileName: "ok.jsonl", maxEntries: 2, maxBytes: 0 })));
    report("after", await kv.list());
"#,
        );
        for name in ["noOptions", "noFileName", "emptyFileName", "numberFileName"] {
            assert_rejected(&r, name, "InvalidOptionsError", "option");
        }
        assert_rejected(&r, "unknownOption", "InvalidOptionsError", "\"bogus\"");
        assert_rejected(
            &r,
            "badAllow",
            "InvalidOptionsError",
            "allowConcurrentWrites",
        );
        assert_rejected(&r, "badLimit", "InvalidOptionsError", "maxEntries");
        assert_rejected(&r, "missing", "SnapshotNotFoundError", "missing.jsonl");
        assert_rejected(
            &r,
            "damaged",
            "SnapshotError",
            "The snapshot damaged.jsonl is damaged or not an rk6 snapshot: line 3: the header announces 2 entries but the file ends after 1 (is it truncated?); nothing was restored.",
        );
        assert_rejected(&r, "script", "SnapshotError", "line 1: expected the header");
        assert_rejected(
            &r,
            "overScript",
            "SnapshotError",
            "Refusing to overwrite test.js",
        );
        assert_rejected(&r, "noDir", "SnapshotNotFoundError", "no/such/dir.jsonl");
        assert_rejected(
            &r,
            "budget",
            "SnapshotBudgetExceededError",
            "maxEntries limit of 1",
        );
        assert_rejected(
            &r,
            "bytes",
            "SnapshotBudgetExceededError",
            "maxBytes limit of 5",
        );
        assert_eq!(r["within"]["value"]["totalEntries"], json!(2));
        assert_eq!(
            r["after"],
            json!([{ "key": "keep", "value": 1 }, { "key": "other", "value": 2 }]),
            "[{backend}]"
        );
        assert!(std::fs::read_to_string(dir.path().join("test.js"))
            .unwrap()
            .contains("export default"));
    }
}

#[test]
fn kv_commands_get_set_delete_list_and_count() {
    let dir = tempdir();
    let d = dir.path();
    assert_eq!(kv_err(d, &["get", "a"]), "no store at store.kv");
    assert_eq!(
        kv_ok(d, &["set", "user:1", "{\"name\": \"ann\", \"n\": [1, 2]}"]),
        ""
    );
    assert_eq!(kv_ok(d, &["set", "user:2", "\"bob\""]), "");
    assert_eq!(kv_ok(d, &["set", "raw", "not json", "--string"]), "");
    assert_eq!(kv_ok(d, &["set", "n", "7"]), "");
    assert_eq!(
        kv_ok(d, &["get", "user:1"]),
        "{\"name\":\"ann\",\"n\":[1,2]}\n"
    );
    assert_eq!(kv_ok(d, &["get", "raw"]), "not json\n");
    assert_eq!(
        kv_err(d, &["set", "x", "not json"]),
        "SerializationError: VALUE is not JSON text (expected ident at line 1 column 2); \
         quote a string as '\"text\"' or pass --string to store the text as it is."
    );
    assert_eq!(
        kv_err(d, &["set", "", "1"]),
        "KeyRequiredError: A key is required: pass a non-empty string as the key."
    );
    assert_eq!(
        kv_err(d, &["get", "nope"]),
        "KeyNotFoundError: Key \"nope\" was not found; set it first or check the key's spelling."
    );
    assert_eq!(
        kv_ok(d, &["list"]),
        "\"n\"\t7\n\"raw\"\tnot json\n\"user:1\"\t{\"name\":\"ann\",\"n\":[1,2]}\n\"user:2\"\t\"bob\"\n"
    );
    assert_eq!(
        kv_ok(d, &["list", "--prefix", "user:", "--limit", "1"]),
        "\"user:1\"\t{\"name\":\"ann\",\"n\":[1,2]}\n"
    );
    assert_eq!(kv_ok(d, &["count"]), "4\n");
    assert_eq!(kv_ok(d, &["count", "--prefix", "user:"]), "2\n");
    assert_eq!(kv_ok(d, &["count", "--prefix", "zzz"]), "0\n");
    assert_eq!(kv_ok(d, &["delete", "user:2"]), "");
    assert_eq!(
        kv_ok(d, &["delete", "user:2"]),
        "",
        "deleting a missing key"
    );
    assert_eq!(kv_ok(d, &["size"]), "3\n");
    // A value set here reads back in a script as what it says.
    let r = run_script(
        d,
        "{ backend: \"disk\", path: \"store.kv\" }",
        r#"
    report("user", await kv.get("user:1"));
    report("n", await kv.incrementBy("n", 1));
"#,
    );
    assert_eq!(r["user"], json!({ "name": "ann", "n": [1, 2] }));
    assert_eq!(r["n"], json!(8));
}

#[test]
fn a_script_written_store_exports_and_imports_through_the_cli() {
    let dir = tempdir();
    let d = dir.path();
    run_script(
        d,
        "{ backend: \"disk\", path: \"store.kv\" }",
        r#"
    await kv.set("cfg", { retries: 3, hosts: ["a", "b"] });
    await kv.set("greeting", "héllo\nworld");
    await kv.set("count", 10);
    await kv.set("flag", null);
"#,
    );
    let exported = "{\"key\":\"cfg\",\"value\":{\"retries\":3,\"hosts\":[\"a\",\"b\"]}}\n\
                    {\"key\":\"count\",\"value\":10}\n\
                    {\"key\":\"flag\",\"value\":null}\n\
                    {\"key\":\"greeting\",\"value\":\"héllo\\nworld\"}\n";
    assert_eq!(kv_ok(d, &["export"]), exported);
    assert_eq!(kv_ok(d, &["export", "-"]), exported);
    assert_eq!(
        kv_ok(d, &["export", "--prefix", "c"]),
        "{\"key\":\"cfg\",\"value\":{\"retries\":3,\"hosts\":[\"a\",\"b\"]}}\n\
         {\"key\":\"count\",\"value\":10}\n"
    );
    assert_eq!(
        kv_ok(d, &["export", "out.jsonl"]),
        "exported 4 entries to out.jsonl\n"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("out.jsonl")).unwrap(),
        exported
    );

    // Import into a new store: from a file, and from standard input.
    let imported = rk6(d, &["kv", "--path", "copy.kv", "import", "out.jsonl"]);
    assert_code(&imported, 0);
    assert_eq!(stdout(&imported), "imported 4 entries from out.jsonl\n");
    let mut child = command(d, &["kv", "--path", "copy.kv", "import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"key\":\"added\",\"value\":[1, 2]}\n\n{\"key\":\"count\",\"value\":11}\n")
        .unwrap();
    let piped = wait(child);
    assert_code(&piped, 0);
    assert_eq!(stdout(&piped), "imported 2 entries from standard input\n");

    let r = run_script(
        d,
        "{ backend: \"disk\", path: \"copy.kv\" }",
        r#"
    report("all", await kv.list());
"#,
    );
    assert_eq!(
        r["all"],
        json!([
            { "key": "added", "value": [1, 2] },
            { "key": "cfg", "value": { "retries": 3, "hosts": ["a", "b"] } },
            { "key": "count", "value": 11 },
            { "key": "flag", "value": null },
            { "key": "greeting", "value": "héllo\nworld" },
        ])
    );

    // A bad line names itself and imports nothing.
    write(
        d,
        "bad.jsonl",
        "{\"key\":\"z\",\"value\":1}\n{\"key\":\"y\",\"value\":}\n",
    );
    let before = kv_ok(d, &["export"]);
    assert_eq!(
        kv_err(d, &["import", "bad.jsonl"]),
        "SnapshotError: Line 2 of the import: expected {\"key\":\"...\",\"value\":<JSON>} \
         (expected value at line 1 column 20); nothing was imported."
    );
    assert_eq!(kv_ok(d, &["export"]), before);
    assert_eq!(
        kv_err(d, &["import", "nope.jsonl"]),
        "SnapshotNotFoundError: Cannot open nope.jsonl: No such file or directory (os error 2); check the file name."
    );

    // --string stores string values as their text, as serialization "string" does.
    write(
        d,
        "strings.jsonl",
        "{\"key\":\"s\",\"value\":\"plain\"}\n{\"key\":\"o\",\"value\":{\"a\":1}}\n",
    );
    let s = rk6(
        d,
        &[
            "kv",
            "--path",
            "strings.kv",
            "import",
            "--string",
            "strings.jsonl",
        ],
    );
    assert_code(&s, 0);
    let r = run_script(
        d,
        "{ backend: \"disk\", path: \"strings.kv\", serialization: \"string\" }",
        r#"
    report("s", await kv.get("s"));
    report("o", await kv.get("o"));
"#,
    );
    assert_eq!(r["s"], json!("plain"));
    assert_eq!(r["o"], json!("{\"a\":1}"));
}

#[test]
fn a_script_backup_restores_with_the_cli_and_back() {
    let dir = tempdir();
    let d = dir.path();
    run_script(
        d,
        "{ backend: \"memory\" }",
        r#"
    await kv.set("a", { x: 1 });
    await kv.set("b", [true]);
    await kv.backup({ fileName: "snap.jsonl" });
"#,
    );
    // Into a new store file, which restore creates.
    assert_eq!(
        kv_ok(d, &["restore", "snap.jsonl"]),
        "restored 2 entries from snap.jsonl (a snapshot of a memory store)\n"
    );
    assert_eq!(kv_ok(d, &["list"]), "\"a\"\t{\"x\":1}\n\"b\"\t[true]\n");
    assert_eq!(kv_ok(d, &["set", "c", "3"]), "");
    let snap = d.join("cli.jsonl");
    let bytes = kv_ok(d, &["backup", "cli.jsonl"]);
    assert_eq!(
        bytes,
        format!(
            "backed up 3 entries to cli.jsonl ({} bytes)\n",
            std::fs::metadata(&snap).unwrap().len()
        )
    );
    let r = run_script(
        d,
        "{ backend: \"memory\" }",
        r#"
    await kv.restore({ fileName: "cli.jsonl" });
    report("all", await kv.list());
"#,
    );
    assert_eq!(
        r["all"],
        json!([
            { "key": "a", "value": { "x": 1 } },
            { "key": "b", "value": [true] },
            { "key": "c", "value": 3 },
        ])
    );

    // A damaged snapshot changes nothing; a backup never overwrites a non-snapshot file.
    let cut = std::fs::read_to_string(&snap).unwrap();
    let cut = &cut[..cut.len() - 10];
    write(d, "cut.jsonl", cut);
    let before = kv_ok(d, &["list"]);
    assert_eq!(
        kv_err(d, &["restore", "cut.jsonl"]),
        "SnapshotError: The snapshot cut.jsonl is damaged or not an rk6 snapshot: line 4: \
         expected {\"key\":...,\"value\":...} (EOF while parsing a string at line 1 column 14); \
         nothing was restored."
    );
    assert_eq!(kv_ok(d, &["list"]), before);
    assert_eq!(
        kv_err(d, &["backup", "store.kv"]),
        "SnapshotError: Refusing to overwrite store.kv: it exists and is not an rk6 snapshot; \
         choose another file name (a backup only replaces an earlier snapshot)."
    );
    assert_eq!(kv_ok(d, &["list"]), before);
    assert_eq!(
        kv_err(d, &["restore", "nope.jsonl"]),
        "SnapshotNotFoundError: Cannot open nope.jsonl: No such file or directory (os error 2); check the file name."
    );
}
