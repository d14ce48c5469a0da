//! The `Response` objects k6/http's requests return, made here from an [`Outcome`]
//! rather than in JS from a serialized copy: the fields a script nearly always reads are
//! set directly, and `headers`, `timings` and `request` are lazy data properties, made
//! the first time something reads them (k6 builds them lazily too). To scripts they are
//! ordinary own properties: `Object.keys`, spreading and `JSON.stringify` see them.

use super::client::{Outcome, ResponseType};
use super::cookies::Cookie;
use bytes::Bytes;
use deno_core::v8;

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

/// Where `cookies` is among [`EAGER`].
const COOKIES_AT: usize = 9;

/// `Response.cookies`' fields of each cookie, in order.
const COOKIE_FIELDS: [&str; 8] = [
    "name",
    "value",
    "domain",
    "path",
    "http_only",
    "secure",
    "max_age",
    "expires",
];

/// What `Response.cookies` is made from when first read: each cookie's fields as text,
/// NUL-separated (headers cannot hold NUL), the cookies sorted by name (in the order they
/// came within a name). `expires` is in milliseconds since the Unix epoch, 0 for a
/// session cookie.
fn joined_cookies(mut cookies: Vec<Cookie>) -> String {
    cookies.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::new();
    for c in cookies {
        let expires = c
            .expires
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis());
        let flag = |on: bool| if on { "1" } else { "0" };
        for field in [
            c.name.as_str(),
            &c.value,
            &c.domain,
            &c.path,
            flag(c.http_only),
            flag(c.secure),
            &c.max_age.to_string(),
            &expires.to_string(),
        ] {
            out.push_str(field);
            out.push('\0');
        }
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

impl<'s> Request<'s> {
    /// `made` if http.js made it (an object), else `make(spec)` when first read.
    pub fn of(
        made: v8::Local<'s, v8::Value>,
        make: v8::Local<'s, v8::Function>,
        spec: v8::Local<'s, v8::Value>,
    ) -> Self {
        if made.is_object() {
            Request::Made(made)
        } else {
            Request::Later { make, spec }
        }
    }
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
    // Most responses set no cookie: an empty object costs less than a lazy property.
    let cookies = (!o.cookies.is_empty()).then(|| joined_cookies(o.cookies));
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
        match cookies {
            None => v8::Object::new(scope).into(),
            Some(_) => v8::undefined(scope).into(), // a lazy property takes its place
        },
        string(scope, o.tls_version),
    ];
    let keys: [v8::Local<v8::Name>; EAGER.len()] =
        std::array::from_fn(|i| v8::Local::new(scope, &names.eager[i]).into());
    let response = match cookies {
        None => v8::Object::with_prototype_and_properties(scope, proto.into(), &keys, &values),
        Some(joined) => {
            // `cookies` made when read (serde_v8 took ~11k instructions for one cookie),
            // in its place among the fields.
            let (before, after) = (COOKIES_AT, COOKIES_AT + 1);
            let response = v8::Object::with_prototype_and_properties(
                scope,
                proto.into(),
                &keys[..before],
                &values[..before],
            );
            let data = string(scope, &joined);
            lazy_at(scope, response, keys[before], make_cookies, data);
            for i in after..EAGER.len() {
                response.create_data_property(scope, keys[i], values[i]);
            }
            response
        }
    };

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
fn lazy_at<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    response: v8::Local<'s, v8::Object>,
    name: v8::Local<'s, v8::Name>,
    make: impl v8::MapFnTo<v8::AccessorNameGetterCallback>,
    data: v8::Local<'s, v8::Value>,
) {
    response.set_lazy_data_property_with_data(
        scope,
        name,
        make,
        data,
        v8::PropertyAttribute::NONE,
        v8::SideEffectType::HasSideEffect,
        v8::SideEffectType::HasSideEffect,
    );
}

/// [`lazy_at`] for one of [`Names`]' own names.
fn lazy<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    response: v8::Local<'s, v8::Object>,
    name: &v8::Global<v8::String>,
    make: impl v8::MapFnTo<v8::AccessorNameGetterCallback>,
    data: v8::Local<'s, v8::Value>,
) {
    let name = v8::Local::new(scope, name);
    lazy_at(scope, response, name.into(), make, data);
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

/// `Response.cookies`, on first read: `{ name: [cookie, …], … }`, as k6 lists them.
fn make_cookies<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    _name: v8::Local<'s, v8::Name>,
    args: v8::PropertyCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let joined = args.data().to_rust_string_lossy(scope);
    let fields: Vec<&str> = joined.split('\0').collect();
    let keys: Vec<v8::Local<v8::Name>> = COOKIE_FIELDS
        .iter()
        .map(|n| internalized(scope, n).into())
        .collect();
    let mut names: Vec<v8::Local<v8::Name>> = Vec::new();
    let mut lists: Vec<Vec<v8::Local<v8::Value>>> = Vec::new();
    let mut last: Option<&str> = None;
    for c in fields.chunks_exact(COOKIE_FIELDS.len()) {
        let number = |text: &str| text.parse::<f64>().unwrap_or(0.0);
        let values: [v8::Local<v8::Value>; COOKIE_FIELDS.len()] = [
            string(scope, c[0]),
            string(scope, c[1]),
            string(scope, c[2]),
            string(scope, c[3]),
            v8::Boolean::new(scope, c[4] == "1").into(),
            v8::Boolean::new(scope, c[5] == "1").into(),
            v8::Number::new(scope, number(c[6])).into(),
            v8::Number::new(scope, number(c[7])).into(),
        ];
        let cookie = plain_object(scope, &keys, &values).into();
        // Sorted by name: a cookie joins the list before it or starts one.
        match lists.last_mut() {
            Some(list) if last == Some(c[0]) => list.push(cookie),
            _ => {
                names.push(internalized(scope, c[0]).into());
                lists.push(vec![cookie]);
            }
        }
        last = Some(c[0]);
    }
    let arrays: Vec<v8::Local<v8::Value>> = lists
        .iter()
        .map(|list| v8::Array::new_with_elements(scope, list).into())
        .collect();
    rv.set(plain_object(scope, &names, &arrays).into());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_keep_their_place_among_the_fields() {
        assert_eq!(EAGER[COOKIES_AT], "cookies");
    }

    #[test]
    fn cookies_are_joined_sorted_by_name_in_arrival_order() {
        let cookie = |name: &str, value: &str, max_age| Cookie {
            name: name.into(),
            value: value.into(),
            domain: "example.com".into(),
            path: "/".into(),
            host_only: true,
            secure: max_age > 0,
            http_only: false,
            expires: None,
            max_age,
        };
        let joined = joined_cookies(vec![
            cookie("b", "1", 0),
            cookie("a", "2", 60),
            cookie("b", "3", 0),
        ]);
        let expected: String = [
            ["a", "2", "example.com", "/", "0", "1", "60", "0"],
            ["b", "1", "example.com", "/", "0", "0", "0", "0"],
            ["b", "3", "example.com", "/", "0", "0", "0", "0"],
        ]
        .iter()
        .flatten()
        .map(|field| format!("{field}\0"))
        .collect();
        assert_eq!(joined, expected);
    }
}
