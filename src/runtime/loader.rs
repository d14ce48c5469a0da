//! Module resolution and loading for scripts: local files and remote `http(s)://`
//! modules (each read or fetched once per run and shared by every VU) and rk6's built-in
//! `k6/...` modules.

use deno_core::error::ModuleLoaderError;
use deno_core::{
    ModuleCodeString, ModuleLoadOptions, ModuleLoadReferrer, ModuleLoadResponse, ModuleLoader,
    ModuleSource, ModuleSourceCode, ModuleSpecifier, ModuleType, ResolutionKind,
};
use deno_error::JsErrorBox;
use parking_lot::Mutex;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

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
    ("k6/encoding", "rk6:encoding.js"),
    ("k6/crypto", "rk6:crypto.js"),
    ("k6/data", "rk6:data.js"),
    ("k6/experimental/fs", "rk6:fs.js"),
    ("k6/experimental/csv", "rk6:csv.js"),
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

/// A built-in module's text with its prelude, made once per process. The engine
/// prepares static text once per process (patched/v8x change 36), where text made for
/// each VU was copied out, rewritten and scanned again in every runtime.
fn builtin_source(specifier: &str) -> Option<&'static str> {
    static SOURCES: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    SOURCES
        .get_or_init(|| {
            INTERNAL_MODULES
                .iter()
                .chain(crate::modules::SOURCES)
                .map(|(name, src)| {
                    let text: &'static str = format!("{CORE_PRELUDE}{src}").leak();
                    (*name, text)
                })
                .collect()
        })
        .get(specifier)
        .copied()
}

/// Where internal modules get `Deno.core` once the global is gone (see runtime-js/core.js).
const CORE_SPECIFIER: &str = "rk6:core.js";
const CORE_SOURCE: &str = include_str!("../../runtime-js/core.js");

/// Put on the first line of every internal module (so its line numbers hold): a
/// module-scoped `Deno` that shadows the deleted global, so modules keep writing
/// `Deno.core.ops` as deno_core's own code does.
const CORE_PRELUDE: &str =
    "import { core as __rk6_core } from \"rk6:core.js\"; const Deno = { core: __rk6_core };";

/// Source of the synthetic main module for the script at `script_url`: globals first,
/// then the script (its init context), then registration with the harness.
pub fn main_module_code(script_url: &ModuleSpecifier) -> String {
    let url = serde_json::to_string(script_url.as_str()).expect("a URL serializes");
    format!(
        "import \"rk6:bootstrap.js\";\nimport * as ns from {url};\n\
         import {{ register }} from \"rk6:harness.js\";\nregister(ns);\n"
    )
}

/// How long fetching one remote module may take, unless `RK6_MODULE_TIMEOUT` (a duration
/// such as `10s`) says otherwise.
pub const MODULE_TIMEOUT: Duration = Duration::from_secs(60);

/// A remote module's source, or why it could not be fetched.
type Fetched = Result<Arc<str>, String>;

/// Sources read from disk or fetched over HTTP, shared by all VUs so a 1000-VU run reads
/// or downloads each module once.
#[derive(Default)]
pub struct SourceCache {
    files: Mutex<HashMap<ModuleSpecifier, Arc<str>>>,
    /// One cell per URL: VUs that load a module while it is being fetched wait for that
    /// fetch instead of starting their own. Failures are kept too: every VU sees the same.
    remote: Mutex<HashMap<ModuleSpecifier, Arc<OnceLock<Fetched>>>>,
    /// Source maps of TypeScript modules whose lines moved when their types were removed.
    source_maps: Mutex<HashMap<String, Arc<[u8]>>>,
    /// Modules an embedder added by name (`Runner::module`), imported like `k6/...`.
    added: Mutex<HashMap<String, Arc<str>>>,
    /// What the loaders of a run work out from the sources, once for every VU: each VU
    /// loads the same graph, and tokenizing and resolving it again cost every VU
    /// ~0.15 M instructions a module.
    graph: Mutex<ModuleGraph>,
}

/// See [`SourceCache::graph`].
#[derive(Default)]
struct ModuleGraph {
    /// `(specifier, referrer)` → the module it resolved to.
    resolved: HashMap<(String, String), ModuleSpecifier>,
    /// A script module's text as deno_core gets it when it is an ES module, or `None`
    /// when it is CommonJS (wrapped with the names in `requested` when loaded).
    es_text: HashMap<ModuleSpecifier, Option<Arc<str>>>,
    /// Names ES modules import from each module, for CommonJS modules to export (see
    /// [`super::cjs`]). A module is always loaded after the modules that import it.
    requested: HashMap<ModuleSpecifier, BTreeSet<String>>,
    /// ES modules whose imports are noted in `requested`.
    scanned: std::collections::HashSet<ModuleSpecifier>,
}

/// The URL scheme of modules an embedder added by name.
const ADDED_SCHEME: &str = "rk6-module";

impl SourceCache {
    /// The source text of `specifier`, read (or fetched) once and kept for every VU.
    pub fn get(&self, specifier: &ModuleSpecifier) -> Result<Arc<str>, JsErrorBox> {
        if is_remote(specifier) {
            return self.get_remote(specifier);
        }
        if let Some(src) = self.files.lock().get(specifier) {
            return Ok(src.clone());
        }
        let path = specifier
            .to_file_path()
            .map_err(|_| JsErrorBox::generic(format!("cannot load module {specifier}")))?;
        let text = std::fs::read_to_string(&path).map_err(|e| {
            JsErrorBox::generic(format!("cannot read module {}: {e}", path.display()))
        })?;
        let src = self
            .compile(specifier, text.into())
            .map_err(JsErrorBox::generic)?;
        self.files.lock().insert(specifier.clone(), src.clone());
        Ok(src)
    }

    /// Adds an ES module that scripts import as `name` (e.g. `k6/x/greet`). Like rk6's own
    /// modules it sees `Deno.core` (its ops: `Deno.core.ops.op_name`).
    pub fn add_module(&self, name: &str, source: &str) -> Result<(), String> {
        if builtin(name).is_some() {
            return Err(format!(
                "module {name:?} is one of rk6's built-in modules; give yours another name"
            ));
        }
        if name.is_empty() || name.starts_with('.') || name.starts_with('/') || name.contains(':') {
            return Err(format!(
                "module name {name:?} must be a bare name like \"k6/x/mine\" (no ./, / or scheme)"
            ));
        }
        self.added.lock().insert(name.to_owned(), source.into());
        Ok(())
    }

    fn added_url(&self, name: &str) -> Option<String> {
        self.added
            .lock()
            .contains_key(name)
            .then(|| format!("{ADDED_SCHEME}:{name}"))
    }

    fn added_source(&self, url: &ModuleSpecifier) -> Option<Arc<str>> {
        let name = url.as_str().strip_prefix(ADDED_SCHEME)?.strip_prefix(':')?;
        self.added.lock().get(name).cloned()
    }

    /// Makes `text` the source of `specifier`, as if read from that file: a script given
    /// as text, which then need not exist on disk.
    pub fn provide(&self, specifier: &ModuleSpecifier, text: &str) -> Result<(), String> {
        let src = self.compile(specifier, text.into())?;
        self.files.lock().insert(specifier.clone(), src);
        Ok(())
    }

    fn get_remote(&self, url: &ModuleSpecifier) -> Result<Arc<str>, JsErrorBox> {
        let cell = self.remote.lock().entry(url.clone()).or_default().clone();
        cell.get_or_init(|| fetch(url).and_then(|text| self.compile(url, text)))
            .clone()
            .map_err(|why| {
                JsErrorBox::generic(format!("cannot load the remote module {url}: {why}"))
            })
    }

    /// The JavaScript deno_core runs for the module at `specifier`: its source, with the
    /// types removed when it is TypeScript.
    fn compile(&self, specifier: &ModuleSpecifier, text: Arc<str>) -> Result<Arc<str>, String> {
        if !super::typescript::is_typescript(specifier) {
            return Ok(text);
        }
        let out = super::typescript::strip(specifier, &text)?;
        if let Some(map) = out.source_map {
            self.source_maps
                .lock()
                .insert(specifier.to_string(), map.into());
        }
        Ok(out.code.into())
    }

    /// The source map of a TypeScript module that needed one (see `runtime/typescript.rs`).
    pub fn source_map(&self, specifier: &str) -> Option<Arc<[u8]>> {
        self.source_maps.lock().get(specifier).cloned()
    }
}

fn is_remote(url: &ModuleSpecifier) -> bool {
    matches!(url.scheme(), "http" | "https")
}

fn module_timeout() -> Result<Duration, String> {
    match std::env::var("RK6_MODULE_TIMEOUT") {
        Ok(text) => crate::options::parse_duration_str(&text)
            .map_err(|e| format!("RK6_MODULE_TIMEOUT={text:?}: {e}")),
        Err(_) => Ok(MODULE_TIMEOUT),
    }
}

/// Downloads a module with k6/http's client (TLS roots, `SSL_CERT_FILE`, redirects) on
/// its I/O runtime. The VU thread waits: nothing else can happen before its init code
/// has its imports.
fn fetch(url: &ModuleSpecifier) -> Fetched {
    use crate::modules::http::client::{Client, Request, ResponseType};
    use crate::modules::http::transport::{io_runtime, Shared};
    let request = Request {
        method: "GET".into(),
        url: url.clone(),
        headers: vec![(
            "User-Agent".into(),
            concat!("rk6/", env!("CARGO_PKG_VERSION")).into(),
        )],
        body: Default::default(),
        timeout: module_timeout()?,
        max_redirects: 10,
        response_type: ResponseType::Text,
        cookies: Vec::new(),
        insecure: false,
        jar: None,
        digest: false,
        // The script's options (`hosts`, `tlsVersion`…) are not known while its imports load.
        config: Default::default(),
    };
    let client = Arc::new(Client::new());
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    io_runtime().spawn(async move {
        let _ = tx.send(client.execute::<Shared>(request).await);
    });
    let outcome = rx
        .recv()
        .map_err(|_| "the download task failed".to_owned())?;
    if outcome.status == 0 {
        return Err(outcome.error);
    }
    if !(200..300).contains(&outcome.status) {
        return Err(format!("the server answered {}", outcome.status_text));
    }
    if !outcome.error.is_empty() {
        return Err(outcome.error);
    }
    String::from_utf8(outcome.body.into())
        .map(Arc::from)
        .map_err(|_| "the module is not UTF-8 text".to_owned())
}

/// deno_core's module loader for rk6: resolves `k6/...` built-ins, added modules, files
/// and remote URLs, and wraps CommonJS modules for `import`.
pub struct Rk6ModuleLoader {
    cache: Arc<SourceCache>,
    main_code: Arc<str>,
}

impl Rk6ModuleLoader {
    /// A loader over `cache`, whose main module's text is `main_code`.
    pub fn new(cache: Arc<SourceCache>, main_code: Arc<str>) -> Self {
        Self { cache, main_code }
    }

    /// A script's module as deno_core gets it: ES modules as written, anything else
    /// wrapped as CommonJS.
    fn user_module(&self, specifier: &ModuleSpecifier, src: Arc<str>) -> Arc<str> {
        if let Some(text) = self.es_text(specifier, &src) {
            self.note_imports(specifier, &src);
            return text;
        }
        let requested = self
            .cache
            .graph
            .lock()
            .requested
            .get(specifier)
            .cloned()
            .unwrap_or_default();
        super::cjs::wrap(&src, specifier.as_str(), &requested).into()
    }

    /// The text of `specifier` (whose source is `src`) when it is an ES module: as
    /// written, after the `require` prelude it may need.
    fn es_text(&self, specifier: &ModuleSpecifier, src: &Arc<str>) -> Option<Arc<str>> {
        if let Some(known) = self.cache.graph.lock().es_text.get(specifier) {
            return known.clone();
        }
        let text = super::cjs::is_es_module(src).then(|| {
            match super::cjs::es_require_prelude(src, specifier.as_str()) {
                Some(prelude) => format!("{prelude}{src}").into(),
                None => src.clone(),
            }
        });
        self.cache
            .graph
            .lock()
            .es_text
            .insert(specifier.clone(), text.clone());
        text
    }

    /// What `specifier`, imported by `referrer`, names (see [`ModuleLoader::resolve`]).
    fn resolve_uncached(
        &self,
        specifier: &str,
        referrer: &str,
    ) -> Result<ModuleSpecifier, ModuleLoaderError> {
        if let Some(internal) = builtin(specifier) {
            return parse(internal);
        }
        if let Some(url) = self.cache.added_url(specifier) {
            return parse(&url);
        }
        if specifier == "k6" || specifier.starts_with("k6/") {
            let known: Vec<&str> = BUILTIN_MODULES.iter().map(|(n, _)| *n).collect();
            return Err(JsErrorBox::generic(format!(
                "unknown module {specifier:?}: rk6 provides {}",
                known.join(", ")
            )));
        }
        // The CommonJS wrapper's registry of exports objects holds nothing a script could misuse.
        if specifier == MAIN_SPECIFIER || specifier == super::cjs::CJS_SPECIFIER {
            return parse(specifier);
        }
        if specifier.starts_with("rk6:") {
            // Internal modules (and an embedder's, which get the same prelude) may import
            // them; scripts may not reach them directly.
            if referrer.starts_with("rk6:") || referrer.starts_with(ADDED_SCHEME) {
                return parse(specifier);
            }
            return Err(JsErrorBox::generic(format!("unknown module {specifier:?}")));
        }
        // Relative imports in a remote module resolve against its URL, as in browsers.
        let resolved = deno_core::resolve_import(specifier, referrer).map_err(|_| {
            JsErrorBox::generic(format!(
                "cannot resolve module {specifier:?} imported from {referrer}: use a relative \
                 path like \"./lib.js\", an https:// URL or one of the built-in k6 modules"
            ))
        })?;
        match resolved.scheme() {
            "http" | "https" => Ok(resolved),
            // A module from the network must not read the machine's files.
            "file" if referrer.starts_with("http://") || referrer.starts_with("https://") => {
                Err(JsErrorBox::generic(format!(
                    "cannot import {specifier:?} from the remote module {referrer}: remote \
                     modules may only import remote and built-in modules"
                )))
            }
            "file" => Ok(resolved),
            _ => Err(JsErrorBox::generic(format!(
                "cannot import {specifier:?}: only local files, http(s):// URLs and built-in k6 \
                 modules can be imported"
            ))),
        }
    }

    /// Notes the names `src` imports from each module, and those of the ES modules it
    /// imports in turn: deno_core may load a CommonJS module before every module that
    /// imports it has been loaded, so the whole graph below an ES module is read here
    /// (from the shared cache, where the loads will find it).
    fn note_imports(&self, specifier: &ModuleSpecifier, src: &Arc<str>) {
        let mut pending = vec![(specifier.clone(), src.clone())];
        while let Some((url, src)) = pending.pop() {
            if !self.cache.graph.lock().scanned.insert(url.clone()) {
                continue;
            }
            for (spec, names) in super::cjs::named_imports(&src) {
                let Ok(dep) = self.resolve(&spec, url.as_str(), ResolutionKind::Import) else {
                    continue;
                };
                self.cache
                    .graph
                    .lock()
                    .requested
                    .entry(dep)
                    .or_default()
                    .extend(names);
            }
            for dep in super::cjs::imported_specifiers(&src) {
                let Ok(dep) = self.resolve(&dep, url.as_str(), ResolutionKind::Import) else {
                    continue;
                };
                if !matches!(dep.scheme(), "file" | "http" | "https")
                    || self.cache.graph.lock().scanned.contains(&dep)
                {
                    continue;
                }
                if let Ok(dep_src) = self.cache.get(&dep) {
                    if self.es_text(&dep, &dep_src).is_some() {
                        pending.push((dep, dep_src));
                    }
                }
            }
        }
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
        let key = (specifier.to_owned(), referrer.to_owned());
        if let Some(known) = self.cache.graph.lock().resolved.get(&key) {
            return Ok(known.clone());
        }
        let resolved = self.resolve_uncached(specifier, referrer)?;
        self.cache
            .graph
            .lock()
            .resolved
            .insert(key, resolved.clone());
        Ok(resolved)
    }

    fn get_source_map(&self, file_name: &str) -> Option<std::borrow::Cow<'_, [u8]>> {
        self.cache
            .source_map(file_name)
            .map(|map| std::borrow::Cow::Owned(map.to_vec()))
    }

    fn load(
        &self,
        specifier: &ModuleSpecifier,
        _referrer: Option<&ModuleLoadReferrer>,
        _options: ModuleLoadOptions,
    ) -> ModuleLoadResponse {
        let code: Result<ModuleCodeString, _> = if specifier.as_str() == MAIN_SPECIFIER {
            Ok(self.main_code.clone().into())
        } else if specifier.as_str() == CORE_SPECIFIER {
            Ok(ModuleCodeString::from_static(CORE_SOURCE))
        } else if specifier.as_str() == super::cjs::CJS_SPECIFIER {
            Ok(ModuleCodeString::from_static(super::cjs::CJS_SOURCE))
        } else if let Some(src) = builtin_source(specifier.as_str()) {
            Ok(ModuleCodeString::from_static(src))
        } else if let Some(src) = self.cache.added_source(specifier) {
            Ok(Arc::<str>::from(format!("{CORE_PRELUDE}{src}")).into())
        } else {
            self.cache
                .get(specifier)
                .map(|src| self.user_module(specifier, src).into())
        };
        ModuleLoadResponse::Sync(code.map(|code| {
            ModuleSource::new(
                ModuleType::JavaScript,
                ModuleSourceCode::String(code),
                specifier,
                None,
            )
        }))
    }
}
