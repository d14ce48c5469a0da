//! A request as http.js's `prepare` hands it to the ops: an array of plain values it
//! built itself, read by index ([`read`]; the layout is there).

use super::ops::VU_JAR;
use deno_core::v8;
use deno_error::JsErrorBox;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One request as http.js's `prepare` hands it over.
#[derive(Debug)]
pub(super) struct Spec {
    pub(super) method: String,
    pub(super) url: String,
    pub(super) headers: Vec<(String, String)>,
    /// A text body, sent as UTF-8.
    pub(super) body: Option<String>,
    /// A binary body: offset and length in the op's buffer.
    pub(super) bin: Option<(usize, usize)>,
    /// Milliseconds.
    pub(super) timeout: f64,
    pub(super) redirects: u32,
    pub(super) response_type: String,
    /// The params' tags (they win over the ones rk6 sets).
    pub(super) tags: BTreeMap<String, String>,
    /// Status ranges counted as expected; `None` when the response callback is off.
    pub(super) expected: Option<Vec<(u16, u16)>>,
    pub(super) group: String,
    /// `params.cookies`: name, value, replace.
    pub(super) cookies: Vec<(String, String, bool)>,
    /// The `insecureSkipTLSVerify` option.
    pub(super) insecure: bool,
    /// A multipart/form-data body (an object body holding `http.file()`s).
    pub(super) multipart: Option<Vec<Part>>,
    /// `params.jar`: a jar of `HttpState::jars` (ops.rs), or [`VU_JAR`].
    pub(super) jar: u32,
    /// `params.auth`: `"basic"` or `"digest"` (JS refuses the rest).
    pub(super) auth: Option<String>,
    /// `params.compression`: codings for the body, like `"gzip, br"`.
    pub(super) compression: Option<String>,
}

/// How many fields a spec has (see [`read`]).
const SPEC_LEN: u32 = 8;

/// What most requests leave at its default, in this order: a spec's last field, `null`
/// when all of it has these defaults; read by serde_v8, as it is seldom there.
#[derive(Deserialize)]
struct WireRare(
    Option<(usize, usize)>,              // bin
    f64,                                 // timeout
    u32,                                 // redirects
    String,                              // responseType
    Option<Vec<(String, String, bool)>>, // cookies
    bool,                                // insecure
    Option<Vec<Part>>,                   // multipart
    u32,                                 // jar
    Option<String>,                      // auth
    Option<String>,                      // compression
);

impl Default for WireRare {
    fn default() -> Self {
        // As http.js's defaults: it sends `null` only when every field has these.
        WireRare(
            None,
            60000.0,
            10,
            "text".into(),
            None,
            false,
            None,
            VU_JAR,
            None,
            None,
        )
    }
}

/// Ranges as `ExpectedStatuses` writes them; one that does not read is skipped.
fn expected_ranges(text: &str) -> Vec<(u16, u16)> {
    text.split(',')
        .filter_map(|r| {
            let (lo, hi) = r.split_once('-')?;
            Some((lo.parse().ok()?, hi.parse().ok()?))
        })
        .collect()
}

/// One field of a multipart body; `text` or `bin` (in the op's buffer) holds its data.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Part {
    pub(super) name: String,
    pub(super) filename: Option<String>,
    pub(super) content_type: Option<String>,
    pub(super) text: Option<String>,
    pub(super) bin: Option<(usize, usize)>,
}

fn malformed(what: &str) -> JsErrorBox {
    JsErrorBox::type_error(format!("k6/http: malformed request: {what}"))
}

fn element<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    array: v8::Local<'s, v8::Array>,
    i: u32,
) -> v8::Local<'s, v8::Value> {
    array
        .get_index(scope, i)
        .unwrap_or_else(|| v8::undefined(scope).into())
}

fn string(
    scope: &mut v8::PinScope<'_, '_>,
    value: v8::Local<v8::Value>,
    what: &str,
) -> Result<String, JsErrorBox> {
    let text = v8::Local::<v8::String>::try_from(value).map_err(|_| malformed(what))?;
    Ok(text.to_rust_string_lossy(scope))
}

fn optional_string(
    scope: &mut v8::PinScope<'_, '_>,
    value: v8::Local<v8::Value>,
    what: &str,
) -> Result<Option<String>, JsErrorBox> {
    if value.is_null_or_undefined() {
        return Ok(None);
    }
    string(scope, value, what).map(Some)
}

/// `[name, value, name, value…]` as pairs.
fn string_pairs<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: v8::Local<'s, v8::Value>,
    what: &str,
) -> Result<Vec<(String, String)>, JsErrorBox> {
    crate::runtime::strings::string_pairs(scope, value).ok_or_else(|| malformed(what))
}

/// The specs of a batch, from the array http.js passed. Each spec is an array: method,
/// URL, headers (`[name, value, …]`), text body or `null`, tags (`[name, value, …]` or
/// `null`), group, expected statuses (`"200-399,404-404"` or `null`), [`WireRare`] or
/// `null`. Each field is read straight from the engine, without serde_v8's visitor per
/// field (a few thousand instructions a request).
pub(super) fn read<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    specs: v8::Local<'s, v8::Array>,
) -> Result<Vec<Spec>, JsErrorBox> {
    let mut out = Vec::with_capacity(specs.length() as usize);
    for i in 0..specs.length() {
        let spec = element(scope, specs, i);
        out.push(read_one(scope, spec)?);
    }
    Ok(out)
}

/// One spec, as [`read`] reads each.
pub(super) fn read_one<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    spec: v8::Local<'s, v8::Value>,
) -> Result<Spec, JsErrorBox> {
    let spec = v8::Local::<v8::Array>::try_from(spec).map_err(|_| malformed("a spec"))?;
    if spec.length() != SPEC_LEN {
        return Err(malformed("a spec of another length"));
    }
    let field = |scope: &mut v8::PinScope<'s, '_>, i| element(scope, spec, i);
    let method = field(scope, 0);
    let method = string(scope, method, "method")?;
    let url = field(scope, 1);
    let url = string(scope, url, "url")?;
    let headers = field(scope, 2);
    let headers = string_pairs(scope, headers, "headers")?;
    let body = field(scope, 3);
    let body = optional_string(scope, body, "body")?;
    let tags = field(scope, 4);
    let tags = if tags.is_null_or_undefined() {
        BTreeMap::new()
    } else {
        string_pairs(scope, tags, "tags")?.into_iter().collect()
    };
    let group = field(scope, 5);
    let group = string(scope, group, "group")?;
    let expected = field(scope, 6);
    let expected = optional_string(scope, expected, "expected")?;
    let rare = field(scope, 7);
    let rare: WireRare = if rare.is_null_or_undefined() {
        WireRare::default()
    } else {
        deno_core::serde_v8::from_v8(scope, rare).map_err(|e| malformed(&e.to_string()))?
    };
    Ok(Spec {
        method,
        url,
        headers,
        body,
        tags,
        group,
        expected: expected.as_deref().map(expected_ranges),
        bin: rare.0,
        timeout: rare.1,
        redirects: rare.2,
        response_type: rare.3,
        cookies: rare.4.unwrap_or_default(),
        insecure: rare.5,
        multipart: rare.6,
        jar: rare.7,
        auth: rare.8,
        compression: rare.9,
    })
}
