//! TypeScript scripts and modules run with their types removed, and their errors point at
//! the TypeScript lines. Expected values come from k6 v1.1 running the same scripts.

mod common;

use common::*;

#[test]
fn a_typescript_script_with_typescript_imports_runs_as_on_k6() {
    let dir = tempdir();
    write(
        dir.path(),
        "lib.ts",
        "export interface User { name: string; age?: number }\n\
         export type Id = string | number;\n\
         export enum Color { Red = 1, Green }\n\
         export function label<T extends User>(u: T, id: Id): string {\n\
           return `${u.name as string}#${id}:${Color[2]}`;\n\
         }\n",
    );
    write(
        dir.path(),
        "script.ts",
        "import { check } from \"k6\";\n\
         import type { Options } from \"k6/options\";\n\
         import { label, type User } from \"./lib.ts\";\n\
         export const options: Options = { iterations: 2 };\n\
         abstract class Base { protected abstract n(): number; twice(): number { return this.n() * 2; } }\n\
         class Seven extends Base { private readonly v: number = 7; protected n(): number { return this.v!; } }\n\
         export default function (): void {\n\
           const u: User = { name: \"ann\" };\n\
           const got = label<User>(u, __ITER);\n\
           check(got, { \"typed code runs\": (s: string) => s === `ann#${__ITER}:Green` });\n\
           console.log(`${got} ${new Seven().twice()}`);\n\
         }\n",
    );
    let out = rk6(dir.path(), &["run", "-q", "--no-summary", "script.ts"]);
    assert_code(&out, 0);
    let mut lines = info_lines(&stderr(&out));
    lines.sort();
    assert_eq!(lines, ["ann#0:Green 14", "ann#1:Green 14"]);
}

/// Errors thrown by TypeScript code name the line and column of the `.ts` file, both when
/// types are only erased and when the module had to be transformed (parameter properties).
#[test]
fn error_locations_point_at_the_typescript_lines() {
    let dir = tempdir();
    write(
        dir.path(),
        "erased.ts",
        "type N = number;\n\
         interface Shape {\n  area(): N;\n}\n\
         export default function (): void {\n\
           const s: Shape = { area: (): N => 1 };\n\
           if (s.area() > 0) throw new Error(\"erased\");\n\
         }\n",
    );
    write(
        dir.path(),
        "transformed.ts",
        "class Point {\n\
           constructor(public x: number, private y: number) {}\n\
           sum(): number { return this.x + this.y; }\n\
         }\n\
         namespace Geo { export const origin = new Point(0, 0); }\n\
         export default function (): void {\n\
           const p = new Point(1, 2);\n\
           console.log(`${p.sum()} ${Geo.origin.x}`);\n\
           throw new Error(\"transformed\");\n\
         }\n",
    );
    let out = rk6(dir.path(), &["run", "-q", "--no-summary", "erased.ts"]);
    assert_code(&out, 0);
    let err = level_lines(&stderr(&out), "error").join("\n");
    assert!(err.contains("Error: erased"), "{err}");
    assert!(err.contains("erased.ts:7:"), "{err}");

    let out = rk6(dir.path(), &["run", "-q", "--no-summary", "transformed.ts"]);
    assert_code(&out, 0);
    assert_eq!(info_lines(&stderr(&out)), ["3 0"]);
    let err = level_lines(&stderr(&out), "error").join("\n");
    assert!(err.contains("Error: transformed"), "{err}");
    assert!(err.contains("transformed.ts:9:"), "{err}");
}

#[test]
fn invalid_typescript_stops_at_init_with_exit_107_naming_the_place() {
    let dir = tempdir();
    write(
        dir.path(),
        "bad.ts",
        "export default function (): void {\n  const x: number = ;\n}\n",
    );
    let out = rk6(dir.path(), &["run", "-q", "bad.ts"]);
    assert_code(&out, 107);
    let err = stderr(&out);
    assert!(err.contains("bad.ts:2:21"), "{err}");
    assert!(err.contains("Expression expected"), "{err}");
}

/// A `.js` file is never compiled as TypeScript: type syntax in it is a JavaScript error.
#[test]
fn javascript_files_are_not_compiled_as_typescript() {
    let dir = tempdir();
    write(
        dir.path(),
        "typed.js",
        "export default function () { const x: number = 1; }\n",
    );
    let out = rk6(dir.path(), &["run", "-q", "typed.js"]);
    assert_code(&out, 107);
}
