//! The `Response` objects k6/http's requests return, made here from an [`Outcome`]
//! rather than in JS from a serialized copy: the fields a script nearly always reads are
//! set directly, and `headers`, `timings` and `request` are lazy data properties, made
//! the first time something reads them (k6 builds them lazily too). To scripts they are
//! ordinary own properties: `Object.keys`, spreading and `JSON.stringify` see them.

use super::client::{Outcome, ResponseType};
use super::cookies::Cookie;
use bytes::Bytes;
use deno_core::v8;
use serde::Serialize;
use std::collections::BTreeMap;

/// The properties set when a Response is made, in order; `headers`, `timings` and
/// `request` follow.
const EAGER: [&str; 11] = [
    "status",
    "status_text",
    "proto",
    "url",
    "body",
    "error",
    "error_code",
    "remote_ip",
    "remote_port",
    "cookies",
    "tls_version",
];

/// `Response.timings`' fields, in the order the lazy data holds them.
const TIMINGS: [&str; 7] = [
    "blocked",
    "connecting",
    "tls_handshaking",
    "sending",
    "waiting",
    "receiving",
    "duration",
];

/// The property names of a Response, made once per VU: an internalized name is its
/// engine's property key already, where a new string would be looked up every time.
pub struct Names {
    eager: Vec<v8::Global<v8::String>>,
    headers: v8::Global<v8::String>,
    timings: v8::Global<v8::String>,
    request: v8::Global<v8::String>,
}

fn internalized<'s>(scope: &v8::PinScope<'s, '_>, name: &str) -> v8::Local<'s, v8::String> {
    v8::String::new_from_utf8(scope, name.as_bytes(), v8::NewStringType::Internalized)
        .expect("short names fit in a string")
}

impl Names {
    pub fn new(scope: &v8::PinScope<'_, '_>) -> Self {
        let global = |name: &str| v8::Global::new(scope, internalized(scope, name));
        Self {
            eager: EAGER.iter().map(|n| global(n)).collect(),
            headers: global("headers"),
            timings: global("timings"),
            request: global("request"),
        }
    }
}

/// A cookie the response set, as k6's `Response.cookies` lists it.
#[derive(Debug, Serialize)]
struct ResponseCookie {
    name: String,
    value: String,
    domain: String,
    path: String,
    http_only: bool,
    secure: bool,
    max_age: i64,
    /// Milliseconds since the Unix epoch, 0 for a session cookie.
    expires: f64,
}

fn response_cookies(cookies: Vec<Cookie>) -> BTreeMap<String, Vec<ResponseCookie>> {
    let mut out: BTreeMap<String, Vec<ResponseCookie>> = BTreeMap::new();
    for c in cookies {
        let expires = c
            .expires
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0.0, |d| d.as_millis() as f64);
        out.entry(c.name.clone()).or_default().push(ResponseCookie {
            name: c.name,
            value: c.value,
            domain: c.domain,
            path: c.path,
            http_only: c.http_only,
            secure: c.secure,
            max_age: c.max_age,
            expires,
        });
    }
    out
}

fn string<'s>(scope: &v8::PinScope<'s, '_>, text: &str) -> v8::Local<'s, v8::Value> {
    v8::String::new(scope, text).map_or_else(|| v8::undefined(scope).into(), Into::into)
}

/// The body as `responseType` asks: a string, an ArrayBuffer, or `null` (also when no
/// response came, as in k6).
fn body<'s>(
    scope: &v8::PinScope<'s, '_>,
    status: u16,
    ty: ResponseType,
    bytes: Bytes,
) -> v8::Local<'s, v8::Value> {
    match (status, ty) {
        (0, _) | (_, ResponseType::None) => v8::null(scope).into(),
        (_, ResponseType::Text) => {
            let text = String::from_utf8_lossy(&bytes);
            v8::String::new_from_utf8(scope, text.as_bytes(), v8::NewStringType::Normal)
                .map_or_else(|| v8::null(scope).into(), Into::into)
        }
        (_, ResponseType::Binary) => {
            let store = v8::ArrayBuffer::new_backing_store_from_vec(bytes.into()).make_shared();
            v8::ArrayBuffer::with_backing_store(scope, &store).into()
        }
    }
}

/// A Response's `request`: made by http.js already, or to be made by its `requestOf`
/// from the request's spec when first read.
pub enum Request<'s> {
    Made(v8::Local<'s, v8::Value>),
    Later {
        make: v8::Local<'s, v8::Function>,
        spec: v8::Local<'s, v8::Value>,
    },
}

/// Makes the Response for `o`, with `proto` (http.js's `Response.prototype`).
pub fn make<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    names: &Names,
    o: Outcome,
    ty: ResponseType,
    proto: v8::Local<'s, v8::Object>,
    request: Request<'s>,
) -> v8::Local<'s, v8::Object> {
    let cookies: v8::Local<v8::Value> = if o.cookies.is_empty() {
        v8::Object::new(scope).into()
    } else {
        deno_core::serde_v8::to_v8(scope, response_cookies(o.cookies))
            .unwrap_or_else(|_| v8::Object::new(scope).into())
    };
    let values: [v8::Local<v8::Value>; 11] = [
        v8::Integer::new(scope, i32::from(o.status)).into(),
        string(scope, &o.status_text),
        string(scope, o.proto),
        string(scope, &o.url),
        body(scope, o.status, ty, o.body),
        string(scope, &o.error),
        v8::Number::new(scope, f64::from(o.error_code)).into(),
        string(scope, &o.remote_ip),
        v8::Integer::new(scope, i32::from(o.remote_port)).into(),
        cookies,
        string(scope, o.tls_version),
    ];
    let keys: [v8::Local<v8::Name>; EAGER.len()] =
        std::array::from_fn(|i| v8::Local::new(scope, &names.eager[i]).into());
    let response = v8::Object::with_prototype_and_properties(scope, proto.into(), &keys, &values);

    // What the lazy properties are made from: the seven timings, then the headers' names
    // and values in one string as the client joined them: one string per response
    // instead of two per header, of which servers send ten and more.
    let t = o.timings;
    let data: [v8::Local<v8::Value>; 8] = [
        v8::Number::new(scope, t.blocked).into(),
        v8::Number::new(scope, t.connecting).into(),
        v8::Number::new(scope, t.tls_handshaking).into(),
        v8::Number::new(scope, t.sending).into(),
        v8::Number::new(scope, t.waiting).into(),
        v8::Number::new(scope, t.receiving).into(),
        v8::Number::new(scope, t.duration).into(),
        string(scope, &o.headers),
    ];
    let data: v8::Local<v8::Value> = v8::Array::new_with_elements(scope, &data).into();
    lazy(scope, response, &names.headers, make_headers, data);
    lazy(scope, response, &names.timings, make_timings, data);
    match request {
        Request::Made(made) => {
            let name = v8::Local::new(scope, &names.request);
            response.create_data_property(scope, name.into(), made);
        }
        Request::Later { make, spec } => {
            let data = v8::Array::new_with_elements(scope, &[make.into(), spec]);
            lazy(scope, response, &names.request, make_request, data.into());
        }
    }
    response
}

/// Defines `name` on `response` as a data property `make` fills in from `data` when it is
/// first read.
fn lazy(
    scope: &mut v8::PinScope<'_, '_>,
    response: v8::Local<v8::Object>,
    name: &v8::Global<v8::String>,
    make: impl v8::MapFnTo<v8::AccessorNameGetterCallback>,
    data: v8::Local<v8::Value>,
) {
    let name = v8::Local::new(scope, name);
    response.set_lazy_data_property_with_data(
        scope,
        name.into(),
        make,
        data,
        v8::PropertyAttribute::NONE,
        v8::SideEffectType::HasSideEffect,
        v8::SideEffectType::HasSideEffect,
    );
}

/// `Response.request`, on first read: http.js's `requestOf(spec)`.
fn make_request<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    _name: v8::Local<'s, v8::Name>,
    args: v8::PropertyCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let data = lazy_data(scope, &args);
    let [make, spec] = data.as_slice() else {
        return;
    };
    let Ok(make) = v8::Local::<v8::Function>::try_from(*make) else {
        return;
    };
    let this = v8::undefined(scope).into();
    if let Some(request) = make.call(scope, this, &[*spec]) {
        rv.set(request);
    }
}

/// A plain object (Object.prototype) with these properties.
fn plain_object<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    keys: &[v8::Local<'s, v8::Name>],
    values: &[v8::Local<'s, v8::Value>],
) -> v8::Local<'s, v8::Object> {
    let object_proto = v8::Object::new(scope)
        .get_prototype(scope)
        .unwrap_or_else(|| v8::null(scope).into());
    v8::Object::with_prototype_and_properties(scope, object_proto, keys, values)
}

fn lazy_data<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: &v8::PropertyCallbackArguments<'s>,
) -> Vec<v8::Local<'s, v8::Value>> {
    let Ok(data) = v8::Local::<v8::Array>::try_from(args.data()) else {
        return Vec::new();
    };
    (0..data.length())
        .map(|i| {
            data.get_index(scope, i)
                .unwrap_or_else(|| v8::undefined(scope).into())
        })
        .collect()
}

/// `Response.timings`, on first read.
fn make_timings<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    _name: v8::Local<'s, v8::Name>,
    args: v8::PropertyCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let data = lazy_data(scope, &args);
    let Some(values) = data.get(..TIMINGS.len()) else {
        return;
    };
    let keys: Vec<v8::Local<v8::Name>> = TIMINGS
        .iter()
        .map(|n| internalized(scope, n).into())
        .collect();
    rv.set(plain_object(scope, &keys, values).into());
}

/// `Response.headers`, on first read: canonical names, repeated values joined.
fn make_headers<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    _name: v8::Local<'s, v8::Name>,
    args: v8::PropertyCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let data = lazy_data(scope, &args);
    let joined = match data.get(TIMINGS.len()) {
        Some(&joined) if joined.is_string() => joined.to_rust_string_lossy(scope),
        _ => String::new(),
    };
    let mut keys = Vec::new();
    let mut values = Vec::new();
    let mut parts = joined.split('\0');
    while let (Some(name), Some(value)) = (parts.next(), parts.next()) {
        keys.push(internalized(scope, name).into());
        values.push(string(scope, value));
    }
    rv.set(plain_object(scope, &keys, &values).into());
}
