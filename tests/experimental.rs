//! `k6/experimental/fs` and `k6/experimental/csv` through the real binary. The scripts in
//! tests/scripts/experimental/ print one line per case; the `.expected` file beside each
//! holds what k6 v1.1 prints for the same script.

mod common;

use common::*;

fn run(name: &str) -> Vec<String> {
    script_lines("experimental", name)
}

fn expected(name: &str) -> Vec<String> {
    expected_lines("experimental", name)
}

#[test]
fn fs_open_read_seek_stat_and_their_errors_as_k6() {
    assert_lines(&run("fs.js"), &expected("fs.expected"));
}

#[test]
fn csv_parse_options_and_errors_as_k6() {
    assert_lines(&run("csv.js"), &expected("csv.expected"));
}

#[test]
fn csv_parser_next_options_and_errors_as_k6() {
    assert_lines(&run("csv_parser.js"), &expected("csv_parser.expected"));
}

#[test]
fn a_missing_file_in_the_init_context_is_a_script_exception() {
    let dir = tempdir();
    let script = write(
        dir.path(),
        "missing.js",
        "import { open } from \"k6/experimental/fs\";\n\
         const f = await open(\"nope.txt\");\n\
         export default function () {}\n",
    );
    let out = common::rk6(dir.path(), &["run", "-q", script.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_code(&out, 107);
    let want = format!(
        "Uncaught (in promise) NotFoundError: no such file or directory \"{}\"",
        dir.path().join("nope.txt").display()
    );
    assert_eq!(erro_lines(&stderr(&out)), vec![want]);
}

/// Paths are relative to the script, not to the working directory, and every VU reads
/// the same bytes (the file is read once per run and shared).
#[test]
fn vus_read_one_shared_copy_of_a_file_next_to_the_script() {
    let dir = tempdir();
    let scripts = dir.path().join("scripts");
    std::fs::create_dir(&scripts).unwrap();
    let data: String = (0..5000).map(|i| format!("{i},")).collect();
    write(&scripts, "data.txt", &data);
    let script = write(
        &scripts,
        "shared.js",
        "import { open, SeekMode } from \"k6/experimental/fs\";\n\
         const f = await open(\"data.txt\");\n\
         const size = (await f.stat()).size;\n\
         const buf = new Uint8Array(size);\n\
         const n = await f.read(buf);\n\
         let sum = 0;\n\
         for (const b of buf) sum += b;\n\
         export const options = { vus: 8, iterations: 8 };\n\
         export default async function () {\n\
           console.log(size, n, sum, await f.seek(0, SeekMode.Current));\n\
         }\n",
    );
    // Run from the temporary directory's root, one level above the script.
    let out = common::rk6(dir.path(), &["run", "-q", script.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_code(&out, 0);
    let sum: u64 = data.bytes().map(u64::from).sum();
    let want = format!("{} {} {sum} {}", data.len(), data.len(), data.len());
    assert_eq!(info_lines(&stderr(&out)), vec![want; 8]);
}

/// k6 v1.1 crashes when `csv.parse` meets a bad record; rk6 rejects as later k6
/// versions do, with a GoError.
#[test]
fn csv_parse_rejects_a_bad_record_with_a_go_error() {
    let dir = tempdir();
    write(dir.path(), "ragged.csv", "a,b\n1,2,3\n");
    let script = write(
        dir.path(),
        "ragged.js",
        "import { open } from \"k6/experimental/fs\";\n\
         import csv from \"k6/experimental/csv\";\n\
         const f = await open(\"ragged.csv\");\n\
         try { await csv.parse(f); } catch (e) { console.log(e.name, e.message); }\n\
         export default function () {}\n",
    );
    let out = common::rk6(
        dir.path(),
        &["run", "-q", "--iterations", "1", script.to_str().unwrap()],
    );
    assert_no_panic(&out);
    assert_code(&out, 0);
    let want = "GoError failed to read record; reason: record on line 2: wrong number of fields";
    assert!(info_lines(&stderr(&out)).iter().all(|l| l == want));
    assert!(!info_lines(&stderr(&out)).is_empty());
}
