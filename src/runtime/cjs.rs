//! CommonJS modules, as k6 runs them: a file with no `import`/`export` statement is not an
//! ES module but a CommonJS one, wrapped in a function that receives `exports`, `require`
//! and `module` (jslib's k6-summary and k6chaijs are built so).
//!
//! deno_core only links ES modules, whose export names are fixed before any code runs,
//! while a CommonJS module's exports are whatever it assigns at run time. So the wrapper
//! exports `module.exports` as `default` plus, by name, every export it can see in the
//! source (`exports.x =`, `module.exports = { x }`) and every name its importers ask for
//! (`import { x } from "./lib.js"`), which covers bundles that copy their exports in a loop.
//! `require()` is synchronous, so the specifiers it is called with must be string literals:
//! the wrapper imports each of them up front. As in k6, requiring a built-in module gives
//! its default export (`require("k6/http").get`), a CommonJS file its `module.exports`.

use std::collections::BTreeSet;

/// Internal module holding the set of `module.exports` objects, so `require()` of a
/// CommonJS module returns its exports rather than its ES namespace.
pub const CJS_SPECIFIER: &str = "rk6:cjs.js";
pub const CJS_SOURCE: &str = "export const cjsExports = new WeakSet();\n";

/// A scanned token: an identifier, a string literal's contents, or one punctuation char.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
}

/// Splits JavaScript into tokens, skipping comments and the insides of template literals.
/// Regular-expression literals are not recognised; a quote inside one can derail the
/// scan of the rest of its line, which only costs a name that importers can still ask for.
fn tokens(src: &str) -> Vec<Tok> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '"' || c == '\'' || c == '`' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = chars.get(i) {
                    s.push(ch);
                }
                i += 1;
            }
            i += 1;
            out.push(if c == '`' {
                Tok::Punct('`')
            } else {
                Tok::Str(s)
            });
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            if !c.is_whitespace() {
                out.push(Tok::Punct(c));
            }
            i += 1;
        }
    }
    out
}

fn is_ident(t: Option<&Tok>, name: &str) -> bool {
    matches!(t, Some(Tok::Ident(n)) if n == name)
}

fn is_punct(t: Option<&Tok>, c: char) -> bool {
    matches!(t, Some(Tok::Punct(p)) if *p == c)
}

/// Whether `src` is an ES module: it has an `import` or `export` declaration, which is
/// how k6 tells the two apart (`import(...)` and `import.meta` do not count).
pub fn is_es_module(src: &str) -> bool {
    let toks = tokens(src);
    toks.iter().enumerate().any(|(i, t)| {
        let after_member = i > 0 && is_punct(toks.get(i - 1), '.');
        match t {
            Tok::Ident(n) if n == "export" && !after_member => {
                matches!(
                    toks.get(i + 1),
                    Some(Tok::Ident(_)) | Some(Tok::Punct('{' | '*'))
                )
            }
            Tok::Ident(n) if n == "import" && !after_member => matches!(
                toks.get(i + 1),
                Some(Tok::Ident(_)) | Some(Tok::Str(_)) | Some(Tok::Punct('{' | '*'))
            ),
            _ => false,
        }
    })
}

#[rustfmt::skip]
const RESERVED: &[&str] = &[
    "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
    "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function",
    "if", "implements", "import", "in", "instanceof", "interface", "let", "new", "null",
    "package", "private", "protected", "public", "return", "static", "super", "switch", "this",
    "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield", "arguments",
    "eval",
];

fn exportable(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        && !RESERVED.contains(&name)
        && !name.starts_with("__rk6_")
}

/// The specifiers `require` is called with, and the export names visible in the source.
fn scan(src: &str) -> (Vec<String>, BTreeSet<String>) {
    scan_tokens(&tokens(src))
}

fn scan_tokens(toks: &[Tok]) -> (Vec<String>, BTreeSet<String>) {
    let mut requires = Vec::new();
    let mut names = BTreeSet::new();
    for i in 0..toks.len() {
        if is_ident(toks.get(i), "require")
            && !(i > 0 && is_punct(toks.get(i - 1), '.'))
            && is_punct(toks.get(i + 1), '(')
            && is_punct(toks.get(i + 3), ')')
        {
            if let Some(Tok::Str(s)) = toks.get(i + 2) {
                if !requires.contains(s) {
                    requires.push(s.clone());
                }
            }
        }
        // `exports.x =` and `module.exports.x =` (not `==`).
        if is_ident(toks.get(i), "exports")
            && is_punct(toks.get(i + 1), '.')
            && is_punct(toks.get(i + 3), '=')
            && !is_punct(toks.get(i + 4), '=')
        {
            if let Some(Tok::Ident(n)) = toks.get(i + 2) {
                names.insert(n.clone());
            }
        }
        // `module.exports = { a, b: 1, c() {} }`: the object's top-level keys.
        if is_ident(toks.get(i), "module")
            && is_punct(toks.get(i + 1), '.')
            && is_ident(toks.get(i + 2), "exports")
            && is_punct(toks.get(i + 3), '=')
            && is_punct(toks.get(i + 4), '{')
        {
            let mut depth = 0usize;
            let mut key_next = true;
            for j in i + 4..toks.len() {
                match &toks[j] {
                    Tok::Punct('{' | '(' | '[') => {
                        depth += 1;
                        if depth == 1 {
                            continue;
                        }
                    }
                    Tok::Punct('}' | ')' | ']') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::Punct(',') if depth == 1 => {
                        key_next = true;
                        continue;
                    }
                    Tok::Ident(n) | Tok::Str(n) if depth == 1 && key_next => {
                        if matches!(toks.get(j + 1), Some(Tok::Punct(',' | ':' | '(' | '}'))) {
                            names.insert(n.clone());
                        }
                    }
                    _ => {}
                }
                key_next = false;
            }
        }
    }
    (requires, names)
}

/// The names an ES module imports by name from each specifier (as written):
/// `import { a, b as c } from "x"`, `import d, { a } from "x"` and `export { a } from "x"`.
pub fn named_imports(src: &str) -> Vec<(String, Vec<String>)> {
    let toks = tokens(src);
    let mut out = Vec::new();
    for i in 0..toks.len() {
        let (Some(Tok::Ident(kw)), false) = (toks.get(i), i > 0 && is_punct(toks.get(i - 1), '.'))
        else {
            continue;
        };
        if kw != "import" && kw != "export" {
            continue;
        }
        let mut j = i + 1;
        if kw == "import" && matches!(toks.get(j), Some(Tok::Ident(_))) {
            j += 1;
            if !is_punct(toks.get(j), ',') {
                continue;
            }
            j += 1;
        }
        if !is_punct(toks.get(j), '{') {
            continue;
        }
        let mut names = Vec::new();
        let mut expect_name = true;
        j += 1;
        while let Some(t) = toks.get(j) {
            match t {
                Tok::Punct('}') => break,
                Tok::Punct(',') => expect_name = true,
                Tok::Ident(n) | Tok::Str(n) if expect_name => {
                    names.push(n.clone());
                    expect_name = false;
                }
                _ => {}
            }
            j += 1;
        }
        if is_ident(toks.get(j + 1), "from") {
            if let Some(Tok::Str(spec)) = toks.get(j + 2) {
                out.push((spec.clone(), names));
            }
        }
    }
    out
}

/// Every specifier an ES module imports statically: `import … from "x"`, `import "x"`,
/// `export … from "x"`.
pub fn imported_specifiers(src: &str) -> Vec<String> {
    let toks = tokens(src);
    let mut out = Vec::new();
    for i in 0..toks.len() {
        let spec = match (toks.get(i), toks.get(i + 1)) {
            (Some(Tok::Ident(kw)), Some(Tok::Str(s))) if kw == "import" => Some(s),
            (Some(Tok::Ident(kw)), Some(Tok::Str(s))) if kw == "from" => Some(s),
            _ => None,
        };
        if let Some(s) = spec {
            let after_member = i > 0 && is_punct(toks.get(i - 1), '.');
            if !after_member && !out.contains(s) {
                out.push(s.clone());
            }
        }
    }
    out
}

/// The ES module that runs CommonJS `src` (from `url`). Everything before the source sits
/// on its first line, so error locations keep the file's own line numbers.
pub fn wrap(src: &str, url: &str, requested: &BTreeSet<String>) -> String {
    let (requires, mut names) = scan(src);
    names.extend(requested.iter().cloned());
    let mut head = require_function(&requires, url);
    head.push_str(
        "const __rk6_module = { exports: {} };\
         (function (exports, require, module) {",
    );
    let mut tail = String::from(
        "\n}).call(__rk6_module.exports, __rk6_module.exports, __rk6_require, __rk6_module);\n\
         const __rk6_exports = __rk6_module.exports;\n\
         if (__rk6_exports !== null && (typeof __rk6_exports === \"object\" || typeof __rk6_exports === \"function\")) __rk6_marks.add(__rk6_exports);\n",
    );
    // Babel-style `exports.default = ...` is the default export; otherwise the whole object is.
    if names.remove("default") {
        tail.push_str(
            "export default (__rk6_exports != null && \"default\" in Object(__rk6_exports)) ? \
             __rk6_exports.default : __rk6_exports;\n",
        );
    } else {
        tail.push_str("export default __rk6_exports;\n");
    }
    for name in names.iter().filter(|n| exportable(n)) {
        tail.push_str(&format!(
            "export const {name} = __rk6_exports == null ? undefined : __rk6_exports.{name};\n"
        ));
    }
    format!("{head}{src}{tail}")
}

/// JavaScript for one line that imports every module `requires` names and defines
/// `__rk6_require`, which hands back the one asked for: a built-in module's default
/// export, a CommonJS module's `module.exports`, an ES module's namespace.
fn require_function(requires: &[String], url: &str) -> String {
    let js = |s: &str| serde_json::to_string(s).expect("strings serialize");
    let mut head = format!(
        "import {{ cjsExports as __rk6_marks }} from {};",
        js(CJS_SPECIFIER)
    );
    let mut deps = String::new();
    for (n, spec) in requires.iter().enumerate() {
        head.push_str(&format!("import * as __rk6_dep{n} from {};", js(spec)));
        deps.push_str(&format!("{}: __rk6_dep{n},", js(spec)));
    }
    let path = deno_core::ModuleSpecifier::parse(url)
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| url.to_owned());
    head.push_str(&format!(
        "const __rk6_file = {file};const __rk6_deps = {{{deps}}};\
         function __rk6_require(s) {{\
           if (!Object.prototype.hasOwnProperty.call(__rk6_deps, s)) throw new Error(\
             `require(${{JSON.stringify(s)}}) in ${{__rk6_file}}: rk6 can only require modules named by a \
             string literal in the requiring file`);\
           const ns = __rk6_deps[s];\
           if (/^k6(\\/|$)/.test(s) && ns.default !== undefined) return ns.default;\
           return ns.default !== null && (typeof ns.default === \"object\" || typeof ns.default \
             === \"function\") && __rk6_marks.has(ns.default) ? ns.default : ns;\
         }}",
        file = js(&path),
    ));
    head
}

/// k6 gives ES modules a global `require` too. For an ES module that calls `require("…")`
/// and declares no `require` of its own, the text to put in front of its first line (so
/// its line numbers hold) that makes those calls work; `None` when it needs none.
pub fn es_require_prelude(src: &str, url: &str) -> Option<String> {
    // Every VU loads every module: most never mention `require`, and need no tokenizing.
    if !src.contains("require") {
        return None;
    }
    let toks = tokens(src);
    let (requires, _) = scan_tokens(&toks);
    if requires.is_empty() || declares_require(&toks) {
        return None;
    }
    let mut head = require_function(&requires, url);
    head.push_str("const require = __rk6_require;");
    Some(head)
}

/// Whether the module binds `require` itself (a declaration, a parameter list is not
/// looked at: a function taking `require` shadows the module-level one anyway).
fn declares_require(toks: &[Tok]) -> bool {
    toks.iter().enumerate().any(|(i, t)| {
        matches!(t, Tok::Ident(n) if n == "require")
            && i > 0
            && matches!(&toks[i - 1], Tok::Ident(k) if ["function", "const", "let", "var", "class", "import", "as"].contains(&k.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_es_modules_from_commonjs() {
        assert!(is_es_module("import http from 'k6/http';"));
        assert!(is_es_module("export default function () {}"));
        assert!(is_es_module("const a = 1;\nexport { a };"));
        assert!(!is_es_module("exports.a = 1; // import x from 'y'"));
        assert!(!is_es_module(
            "const m = import('x'); const u = import.meta;"
        ));
        assert!(!is_es_module("const s = 'export default 1';"));
    }

    #[test]
    fn finds_requires_and_export_names() {
        let (req, names) = scan(
            "const http = require(\"k6/http\");\nexports.a = 1; module.exports.b = 2;\n\
             if (exports.c == 3) {}\nmodule.exports = { d, e: 1, f() {}, 'g': 2 };",
        );
        assert_eq!(req, vec!["k6/http"]);
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            vec!["a", "b", "d", "e", "f", "g"]
        );
    }

    #[test]
    fn finds_named_imports() {
        let got = named_imports(
            "import { a, b as c } from './x.js';\nimport d, { e } from \"./y.js\";\n\
             import * as f from './z.js';\nexport { g } from './w.js';",
        );
        assert_eq!(
            got,
            vec![
                ("./x.js".to_owned(), vec!["a".to_owned(), "b".to_owned()]),
                ("./y.js".to_owned(), vec!["e".to_owned()]),
                ("./w.js".to_owned(), vec!["g".to_owned()]),
            ]
        );
    }
}
