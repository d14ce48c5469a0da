//! The one place that knows which JavaScript engine deno_core was built with.
//!
//! Everything else in rk6 is engine-agnostic; keep every `#[cfg(feature = "v8" / "quickjs")]`
//! in this file.

#[cfg(all(feature = "v8", feature = "quickjs"))]
compile_error!(
    "features `v8` and `quickjs` are mutually exclusive: build QuickJS with \
     `--no-default-features --features quickjs`"
);

#[cfg(not(any(feature = "v8", feature = "quickjs")))]
compile_error!("enable exactly one engine feature: `v8` (default) or `quickjs`");

/// Human-readable name of the engine this binary runs scripts on.
#[cfg(feature = "v8")]
pub const ENGINE: &str = "V8";
/// Human-readable name of the engine this binary runs scripts on.
#[cfg(feature = "quickjs")]
pub const ENGINE: &str = "QuickJS-ng";

/// Stack size for each VU thread. Both engines run script code on the native stack of
/// the thread that drives the isolate, so this bounds how deep a script may recurse;
/// the memory is only reserved, not committed, so 1000 VUs do not cost 1000 × this.
/// V8 also needs room for its own frames during compilation.
#[cfg(feature = "v8")]
pub const VU_STACK_SIZE: usize = 8 * 1024 * 1024;
/// Stack size for each VU thread (QuickJS: see the V8 definition).
#[cfg(feature = "quickjs")]
pub const VU_STACK_SIZE: usize = 4 * 1024 * 1024;

/// Whether runs with many VUs start them from rk6's startup snapshot
/// ([`crate::runtime::snapshot`]). V8 restores a snapshot as a heap image, which is what
/// it is made for. QuickJS replays it object by object: since the facade stopped
/// compiling deno_core's bootstrap twice, a VU restored from it was ~5% quicker to make
/// but held ~0.27 MiB more (1000 empty VUs: 3.6 s and 1.59 MiB per VU with it, 3.8 s and
/// 1.32 MiB without), and memory is what limits how many VUs fit.
#[cfg(feature = "v8")]
pub const STARTUP_SNAPSHOT_PAYS: bool = true;
/// Whether runs with many VUs start them from rk6's startup snapshot (QuickJS: see the V8
/// definition).
#[cfg(feature = "quickjs")]
pub const STARTUP_SNAPSHOT_PAYS: bool = false;

/// Readies the engine for rk6's runtimes: call before creating one (more calls do nothing).
///
/// On QuickJS, rk6's own modules (`rk6:` specifiers) join deno_core's (`ext:`) in being
/// cached and snapshotted without their functions' source text, which QuickJS would
/// otherwise copy into every runtime (patched/v8x, change 13); V8 shares it already.
pub fn prepare() {
    #[cfg(feature = "quickjs")]
    {
        static PREPARED: std::sync::Once = std::sync::Once::new();
        // Through V8's flag API (patched/v8x change 23): a facade without the patch ignores
        // the flag, so rk6 still builds and links against the published crate.
        PREPARED
            .call_once(|| deno_core::v8::V8::set_flags_from_string("--v8x-sourceless-prefix=rk6:"));
    }
}
