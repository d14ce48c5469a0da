//! TypeScript modules (`.ts`, `.mts`, `.cts`): their types are removed before deno_core
//! sees them, once per run (the result is cached with the source, see
//! [`super::loader::SourceCache`]).
//!
//! Most TypeScript only adds types, and those are erased in place — replaced by blanks — so
//! every line and column of the JavaScript that runs is where it was in the `.ts` file and
//! error locations need no mapping. Syntax that produces code (`enum`, `namespace`,
//! constructor parameter properties) cannot be erased; such a module is transformed
//! instead, and a source map carries its error locations back to the TypeScript lines.

use deno_core::ModuleSpecifier;
use std::io::Write;
use std::sync::{Arc, Mutex};
use swc_common::errors::Handler;
use swc_common::sync::Lrc;
use swc_common::{Globals, SourceMap, GLOBALS};
use swc_ts_fast_strip::{operate, ErrorCode, Mode, Options};

/// JavaScript made from a TypeScript module, with a source map when its lines moved.
pub struct Stripped {
    pub code: String,
    pub source_map: Option<Vec<u8>>,
}

/// Whether `specifier` names a TypeScript module, by its extension as k6 decides.
pub fn is_typescript(specifier: &ModuleSpecifier) -> bool {
    let path = specifier.path();
    [".ts", ".mts", ".cts"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// The JavaScript of the TypeScript module `source`, or the compiler's diagnostics (with
/// the line, column and a code frame) when it is not valid TypeScript.
pub fn strip(specifier: &ModuleSpecifier, source: &str) -> Result<Stripped, String> {
    match run(specifier, source, Mode::StripOnly) {
        Ok(out) => Ok(out),
        Err((ErrorCode::UnsupportedSyntax, _)) => {
            run(specifier, source, Mode::Transform).map_err(|(_, why)| why)
        }
        Err((_, why)) => Err(why),
    }
}

fn run(
    specifier: &ModuleSpecifier,
    source: &str,
    mode: Mode,
) -> Result<Stripped, (ErrorCode, String)> {
    let transform = matches!(mode, Mode::Transform);
    let options = Options {
        module: Some(true),
        filename: Some(specifier.to_string()),
        mode,
        source_map: transform,
        ..Default::default()
    };
    let cm: Lrc<SourceMap> = Default::default();
    let diagnostics = Diagnostics::default();
    let handler = Handler::with_emitter_writer(Box::new(diagnostics.clone()), Some(cm.clone()));
    let result = GLOBALS.set(&Globals::new(), || {
        operate(&cm, &handler, source.to_owned(), options)
    });
    match result {
        Ok(out) => Ok(Stripped {
            code: out.code,
            source_map: out.map.map(String::into_bytes),
        }),
        Err(err) => {
            let text = diagnostics.text();
            let why = if text.trim().is_empty() {
                err.message
            } else {
                text.trim_end().to_owned()
            };
            Err((err.code, why))
        }
    }
}

/// Collects what the compiler reports, to be shown in the module's load error.
#[derive(Clone, Default)]
struct Diagnostics(Arc<Mutex<Vec<u8>>>);

impl Diagnostics {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Diagnostics {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> ModuleSpecifier {
        ModuleSpecifier::parse("file:///t/script.ts").unwrap()
    }

    #[test]
    fn erased_types_keep_every_position() {
        let src =
            "const n: number = 1;\ninterface A { x: string }\nexport default (a: A): void => {};\n";
        let out = strip(&url(), src).unwrap();
        assert!(out.source_map.is_none());
        assert_eq!(out.code.len(), src.len());
        assert_eq!(out.code.lines().count(), src.lines().count());
        assert!(out.code.starts_with("const n         = 1;\n"));
    }

    #[test]
    fn enums_are_transformed_with_a_source_map() {
        let out = strip(&url(), "enum E { A, B }\nexport default () => E.B;\n").unwrap();
        assert!(out.code.contains("E[\"B\"]") || out.code.contains("E[E[\"B\"]"));
        assert!(out.source_map.is_some());
    }

    #[test]
    fn syntax_errors_name_the_place() {
        let why = strip(&url(), "let x: = 1;\n").err().unwrap();
        assert!(why.contains("script.ts:1:"), "{why}");
    }
}
