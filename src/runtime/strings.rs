//! Reading JS strings in ops without the generic `#[string]` conversion.
//!
//! On the QuickJS engine `#[string]` arguments go through a UTF-16 view of the string
//! (several copies and a full re-encoding); for a short KV key that was a third of a whole
//! `kv.get`. Writing UTF-8 straight into a stack buffer is one copy on both engines.

use deno_core::v8;
use std::borrow::Cow;

/// Bytes kept on the stack; longer strings fall back to a heap copy. Sized so that every
/// valid KV key (at most 511 bytes) fits with room for one more 4-byte character.
pub const INLINE: usize = 516;

/// The UTF-8 text of `s`, with lone surrogates replaced by U+FFFD (as `#[string]` does).
pub fn utf8<'b>(
    isolate: &v8::Isolate,
    s: v8::Local<v8::String>,
    buf: &'b mut [u8; INLINE],
) -> Cow<'b, str> {
    let flags = v8::WriteFlags::kReplaceInvalidUtf8;
    let written = s.write_utf8_v2(isolate, buf, flags, None);
    // The writer stops only at the end of the string or when the next character (at most
    // 4 bytes) does not fit, so this much room left over means we saw the whole string.
    if written + 4 < INLINE {
        return match std::str::from_utf8(&buf[..written]) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(&buf[..written]),
        };
    }
    let mut heap = vec![0u8; s.utf8_length(isolate)];
    let written = s.write_utf8_v2(isolate, &mut heap, flags, None);
    heap.truncate(written);
    match String::from_utf8(heap) {
        Ok(text) => Cow::Owned(text),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// A flat `[name, value, name, value…]` list of strings (how rk6's JS hands over tags and
/// headers) as pairs; `None` when `value` is not an array of strings.
pub fn string_pairs<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: v8::Local<'s, v8::Value>,
) -> Option<Vec<(String, String)>> {
    let list = v8::Local::<v8::Array>::try_from(value).ok()?;
    let text = |i: u32| -> Option<String> {
        let item = list.get_index(scope, i)?;
        let s = v8::Local::<v8::String>::try_from(item).ok()?;
        Some(s.to_rust_string_lossy(scope))
    };
    let n = list.length();
    let mut out = Vec::with_capacity(n as usize / 2);
    for i in (0..n.saturating_sub(1)).step_by(2) {
        out.push((text(i)?, text(i + 1)?));
    }
    Some(out)
}
