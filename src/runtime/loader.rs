//! Module resolution and loading for scripts: local files (cached once per run and
//! shared by every VU) and rk6's built-in `k6/...` modules.

use deno_core::error::ModuleLoaderError;
use deno_core::{
    ModuleLoadOptions, ModuleLoadReferrer, ModuleLoadResponse, ModuleLoader, ModuleSource,
    ModuleSourceCode, ModuleSpecifier, ModuleType, ResolutionKind,
};
use deno_error::JsErrorBox;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;

/// Specifier of the synthetic main module that imports the script and hands its
/// namespace to the harness.
pub const MAIN_SPECIFIER: &str = "rk6:main";

/// Built-in modules scripts can import, and the internal module behind each.
pub const BUILTIN_MODULES: &[(&str, &str)] = &[
    ("k6", "rk6:k6.js"),
    ("k6/x/kv", "rk6:kv.js"),
    ("k6/execution", "rk6:execution.js"),
    ("k6/timers", "rk6:k6-timers.js"),
    ("k6/metrics", "rk6:metrics.js"),
    ("k6/http", "rk6:http.js"),
];

macro_rules! internal {
    ($($name:literal),* $(,)?) => {
        &[$((concat!("rk6:", $name), include_str!(concat!("../../runtime-js/", $name)))),*]
    };
}

/// rk6's own modules (runtime-js/), embedded in the binary; modules that keep their JS
/// beside their ops add theirs through [`crate::modules::SOURCES`].
const INTERNAL_MODULES: &[(&str, &str)] = internal!(
    "bootstrap.js",
    "console.js",
    "timers.js",
    "harness.js",
    "k6.js",
    "k6-timers.js",
    "kv.js",
    "execution.js",
    "metrics.js",
    "tags.js",
);

/// Source of the synthetic main module for the script at `script_url`: globals first,
/// then the script (its init context), then registration with the harness.
pub fn main_module_code(script_url: &ModuleSpecifier) -> String {
    let url = serde_json::to_string(script_url.as_str()).expect("a URL serializes");
    format!(
        "import \"rk6:bootstrap.js\";\nimport * as ns from {url};\n\
         import {{ register }} from \"rk6:harness.js\";\nregister(ns);\n"
    )
}

/// Sources read from disk, shared by all VUs so a 1000-VU run reads each file once.
#[derive(Default)]
pub struct SourceCache {
    files: Mutex<HashMap<ModuleSpecifier, Arc<str>>>,
}

impl SourceCache {
    pub fn get(&self, specifier: &ModuleSpecifier) -> Result<Arc<str>, JsErrorBox> {
        if let Some(src) = self.files.lock().get(specifier) {
            return Ok(src.clone());
        }
        let path = specifier
            .to_file_path()
            .map_err(|_| JsErrorBox::generic(format!("cannot load module {specifier}")))?;
        let text = std::fs::read_to_string(&path).map_err(|e| {
            JsErrorBox::generic(format!("cannot read module {}: {e}", path.display()))
        })?;
        let src: Arc<str> = text.into();
        self.files.lock().insert(specifier.clone(), src.clone());
        Ok(src)
    }
}

pub struct Rk6ModuleLoader {
    cache: Arc<SourceCache>,
    main_code: Arc<str>,
}

impl Rk6ModuleLoader {
    pub fn new(cache: Arc<SourceCache>, main_code: Arc<str>) -> Self {
        Self { cache, main_code }
    }
}

fn builtin(specifier: &str) -> Option<&'static str> {
    BUILTIN_MODULES
        .iter()
        .find(|(name, _)| *name == specifier)
        .map(|(_, internal)| *internal)
}

fn parse(url: &str) -> Result<ModuleSpecifier, ModuleLoaderError> {
    ModuleSpecifier::parse(url)
        .map_err(|e| JsErrorBox::generic(format!("bad module URL {url}: {e}")))
}

impl ModuleLoader for Rk6ModuleLoader {
    fn resolve(
        &self,
        specifier: &str,
        referrer: &str,
        _kind: ResolutionKind,
    ) -> Result<ModuleSpecifier, ModuleLoaderError> {
        if let Some(internal) = builtin(specifier) {
            return parse(internal);
        }
        if specifier == "k6" || specifier.starts_with("k6/") {
            let known: Vec<&str> = BUILTIN_MODULES.iter().map(|(n, _)| *n).collect();
            return Err(JsErrorBox::generic(format!(
                "unknown module {specifier:?}: rk6 provides {}",
                known.join(", ")
            )));
        }
        if specifier == MAIN_SPECIFIER {
            return parse(specifier);
        }
        if specifier.starts_with("rk6:") {
            // Internal modules may import each other; scripts may not reach them directly.
            if referrer.starts_with("rk6:") {
                return parse(specifier);
            }
            return Err(JsErrorBox::generic(format!("unknown module {specifier:?}")));
        }
        if specifier.starts_with("http://") || specifier.starts_with("https://") {
            return Err(JsErrorBox::generic(format!(
                "cannot import {specifier:?}: remote modules are not supported; download the file \
                 and import it by a relative path"
            )));
        }
        let resolved = deno_core::resolve_import(specifier, referrer).map_err(|_| {
            JsErrorBox::generic(format!(
                "cannot resolve module {specifier:?} imported from {referrer}: use a relative \
                 path like \"./lib.js\" or one of the built-in k6 modules"
            ))
        })?;
        if resolved.scheme() != "file" {
            return Err(JsErrorBox::generic(format!(
                "cannot import {specifier:?}: only local files and built-in k6 modules can be imported"
            )));
        }
        Ok(resolved)
    }

    fn load(
        &self,
        specifier: &ModuleSpecifier,
        _referrer: Option<&ModuleLoadReferrer>,
        _options: ModuleLoadOptions,
    ) -> ModuleLoadResponse {
        let code = if specifier.as_str() == MAIN_SPECIFIER {
            Ok(self.main_code.clone())
        } else if let Some((_, src)) = INTERNAL_MODULES
            .iter()
            .chain(crate::modules::SOURCES)
            .find(|(n, _)| *n == specifier.as_str())
        {
            Ok(Arc::from(*src))
        } else {
            self.cache.get(specifier)
        };
        ModuleLoadResponse::Sync(code.map(|code| {
            ModuleSource::new(
                ModuleType::JavaScript,
                ModuleSourceCode::String(code.into()),
                specifier,
                None,
            )
        }))
    }
}
