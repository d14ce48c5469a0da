//! Ops behind `k6/http`. JS validates the script's arguments and hands each request over
//! as an array of plain values it built itself (spec.rs), plus one buffer holding every
//! binary body, so nothing a script passes reaches serde_v8 directly. Every op takes a
//! batch: a single request is a batch of one. The ops answer with Response objects they
//! make themselves (response.rs).

use super::client::{codes, Client, Outcome, Request, ResponseType, Timings};
use super::compression;
use super::config::HttpConfig;
use super::cookies::{self, Jar};
use super::local::{self, Local};
use super::response;
use super::spec::{Part, Spec};
use super::transport::{io_runtime, Shared, Transport};
use crate::events::{Event, Sample};
use crate::metrics::thresholds::HTTP_METRICS;
use crate::metrics::{MetricKind, Tags};
use crate::runtime::ops::INTERRUPTED_ERROR;
use crate::runtime::state::VuState;
use bytes::Bytes;
use deno_core::url::Url;
use deno_core::{op2, v8, OpState};
use deno_error::JsErrorBox;
use parking_lot::Mutex;
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

fn slice(buffer: &[u8], (at, len): (usize, usize)) -> Result<&[u8], JsErrorBox> {
    at.checked_add(len)
        .and_then(|end| buffer.get(at..end))
        .ok_or_else(|| JsErrorBox::type_error("k6/http: body outside its buffer"))
}

/// Quotes a name for a Content-Disposition header as browsers (and Go) do.
fn quoted(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The multipart body and its boundary.
fn multipart_body(parts: &[Part], buffer: &[u8]) -> Result<(Vec<u8>, String), JsErrorBox> {
    use std::hash::{BuildHasher, Hasher};
    // Unpredictable enough that no part contains it: two randomly keyed hashes.
    let random = |i: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i);
        h.finish()
    };
    let boundary = format!("{:016x}{:016x}", random(1), random(2));
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!(
            "Content-Disposition: form-data; name=\"{}\"",
            quoted(&p.name)
        );
        if let Some(f) = &p.filename {
            disposition.push_str(&format!("; filename=\"{}\"", quoted(f)));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(ct) = &p.content_type {
            body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        match (&p.text, p.bin) {
            (Some(t), _) => body.extend_from_slice(t.as_bytes()),
            (None, Some(at)) => body.extend_from_slice(slice(buffer, at)?),
            (None, None) => {}
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok((body, boundary))
}

/// A VU's HTTP state: its connection pool, the cookie jars its script made and the
/// answers of `http.asyncRequest`s waiting to become Response objects.
#[derive(Default)]
pub struct HttpState {
    client: Arc<Client>,
    /// Outcomes of async batches, by the id their promise resolved with.
    parked: HashMap<u32, Vec<(Outcome, ResponseType)>>,
    next_parked: u32,
    /// The names of a Response's properties, made at the first response.
    names: Option<Rc<response::Names>>,
    /// `new http.CookieJar()`s, by the id their JS object holds; JS drops an id when its
    /// object is garbage-collected.
    jars: HashMap<u32, Arc<Mutex<Jar>>>,
    next_jar: u32,
    /// Read from the test's options at the first request (they are not known before the
    /// init context has run, and requests cannot happen there).
    config: Option<Arc<HttpConfig>>,
    /// The URL text last requested and its parse: scripts mostly request the same few
    /// URLs, and a copy costs a tenth of a parse.
    last_url: Option<(String, Url)>,
    /// [`HOP_METRICS`]' names as the VU's outbox shares them, looked up once.
    hop_names: std::cell::OnceCell<[Arc<str>; HOP_METRICS.len()]>,
}

impl HttpState {
    fn parse_url(&mut self, text: &str) -> Result<Url, deno_core::url::ParseError> {
        if let Some((known, url)) = &self.last_url {
            if known == text {
                return Ok(url.clone());
            }
        }
        let url = Url::parse(text)?;
        self.last_url = Some((text.to_owned(), url.clone()));
        Ok(url)
    }
}

/// The sub-metric k6 adds whenever HTTP requests are made.
pub const EXPECTED_DURATION: &str = "http_req_duration{expected_response:true}";

/// The jar id of the VU's own jar (`http.cookieJar()`), which lives in its client.
pub(super) const VU_JAR: u32 = 0;

fn http_state(state: &mut OpState) -> &mut HttpState {
    if state.try_borrow::<HttpState>().is_none() {
        state.put(HttpState::default());
    }
    state.borrow_mut::<HttpState>()
}

/// The VU's connection options; the runner has already refused bad ones.
fn http_config(state: &mut OpState) -> Arc<HttpConfig> {
    if let Some(config) = state
        .try_borrow::<HttpState>()
        .and_then(|h| h.config.clone())
    {
        return config;
    }
    let options = state.borrow::<VuState>().test.options_json.get().cloned();
    let config = Arc::new(
        options
            .and_then(|json| serde_json::from_str(&json).ok())
            .and_then(|v| HttpConfig::from_options(&v).ok())
            .unwrap_or_default(),
    );
    http_state(state).config = Some(config.clone());
    config
}

/// Called when one of the VU's iterations ends: with `noVUConnectionReuse`, the next
/// iteration starts without the connections of this one, as in k6.
pub fn end_iteration(state: &mut OpState) {
    if let Some(http) = state.try_borrow::<HttpState>() {
        if http
            .config
            .as_ref()
            .is_some_and(|c| c.no_vu_connection_reuse)
        {
            http.client.close_idle();
        }
    }
}

/// A request that cannot be sent, described as k6 describes it.
struct Refused {
    method: String,
    url: String,
    code: u32,
    message: String,
}

/// A request of a batch: what JS described, and what will be sent (or why not).
type Prepared = (Spec, Result<Request, Refused>);

fn parse_batch(
    state: &mut OpState,
    specs: Vec<Spec>,
    buffer: &[u8],
    config: &Arc<HttpConfig>,
) -> Result<Vec<Prepared>, JsErrorBox> {
    let http = http_state(state);
    specs
        .into_iter()
        .map(|mut spec| {
            let request = prepare(http, &mut spec, buffer, config)?;
            Ok((spec, request))
        })
        .collect()
}

/// One spec's request, in the jar it names.
fn prepare(
    http: &mut HttpState,
    spec: &mut Spec,
    buffer: &[u8],
    config: &Arc<HttpConfig>,
) -> Result<Result<Request, Refused>, JsErrorBox> {
    let jar = match spec.jar {
        VU_JAR => None,
        id => Some(http.jars.get(&id).cloned().ok_or_else(unknown_jar)?),
    };
    let url = http.parse_url(&spec.url);
    to_request(spec, url, buffer, jar, config)
}

/// Calls `f` with the bytes of a batch's binary bodies (http.js's `pack`; none for
/// `null`). Read in place: as a `#[buffer]` argument, every request made and dropped a
/// backing store, registered in two process-wide tables under locks every VU thread
/// shares.
fn with_bodies<R>(
    buffer: v8::Local<'_, v8::Value>,
    f: impl FnOnce(&[u8]) -> Result<R, JsErrorBox>,
) -> Result<R, JsErrorBox> {
    if buffer.is_null_or_undefined() {
        return f(&[]);
    }
    let view = v8::Local::<v8::ArrayBufferView>::try_from(buffer)
        .map_err(|_| JsErrorBox::type_error("k6/http: the bodies must be a Uint8Array"))?;
    let mut storage = [0; v8::TYPED_ARRAY_MAX_SIZE_IN_HEAP];
    f(view.get_contents(&mut storage))
}

fn unknown_jar() -> JsErrorBox {
    JsErrorBox::type_error("k6/http: a cookie jar that no longer exists")
}

/// Takes the spec's headers and cookies, which only the request needs.
fn to_request(
    spec: &mut Spec,
    url: Result<Url, deno_core::url::ParseError>,
    buffer: &[u8],
    jar: Option<Arc<Mutex<Jar>>>,
    config: &Arc<HttpConfig>,
) -> Result<Result<Request, Refused>, JsErrorBox> {
    let response_type = match spec.response_type.as_str() {
        "text" => ResponseType::Text,
        "binary" => ResponseType::Binary,
        "none" => ResponseType::None,
        other => {
            return Err(JsErrorBox::type_error(format!(
                "k6/http: unknown responseType {other:?}"
            )))
        }
    };
    let mut headers = std::mem::take(&mut spec.headers);
    let body = match (&spec.body, spec.bin, &spec.multipart) {
        (Some(text), _, _) => Bytes::copy_from_slice(text.as_bytes()),
        (None, Some(at), _) => Bytes::copy_from_slice(slice(buffer, at)?),
        (None, None, Some(parts)) => {
            let (body, boundary) = multipart_body(parts, buffer)?;
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                headers.push((
                    "Content-Type".into(),
                    format!("multipart/form-data; boundary={boundary}"),
                ));
            }
            Bytes::from(body)
        }
        (None, None, None) => Bytes::new(),
    };
    let refuse = |code, message: String| Refused {
        method: spec.method.clone(),
        url: spec.url.clone(),
        code,
        message,
    };
    let codings = match compression::parse(spec.compression.as_deref().unwrap_or("")) {
        Ok(codings) => codings,
        Err(e) => return Ok(Err(refuse(codes::GENERIC, e))),
    };
    // As k6: an empty body is sent as is, without a Content-Encoding.
    let body = if codings.is_empty() || body.is_empty() {
        body
    } else {
        let packed = compression::compress(&body, &codings)
            .map_err(|e| JsErrorBox::generic(format!("k6/http: cannot compress the body: {e}")))?;
        let names: Vec<&str> = codings.iter().map(|c| c.name()).collect();
        headers.push(("Content-Encoding".into(), names.join(", ")));
        Bytes::from(packed)
    };
    let url = match url {
        Ok(url) => url,
        Err(e) => {
            return Ok(Err(refuse(
                codes::INVALID_URL,
                format!("invalid URL {:?}: {e}", spec.url),
            )))
        }
    };
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Ok(Err(refuse(
                codes::GENERIC,
                format!("unsupported protocol scheme {other:?}"),
            )))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Ok(Err(refuse(
            codes::INVALID_URL,
            format!("invalid URL {:?}: no host", spec.url),
        )));
    }
    let timeout = if spec.timeout.is_finite() && spec.timeout > 0.0 {
        Duration::from_secs_f64((spec.timeout / 1000.0).min(1e9))
    } else {
        Duration::from_secs(60)
    };
    Ok(Ok(Request {
        method: spec.method.clone(),
        url,
        headers,
        body,
        timeout,
        max_redirects: spec.redirects,
        cookies: std::mem::take(&mut spec.cookies),
        insecure: spec.insecure,
        response_type,
        jar,
        digest: spec.auth.as_deref() == Some("digest"),
        config: config.clone(),
    }))
}

fn refused_outcome(r: Refused) -> Outcome {
    Outcome {
        url: r.url.clone(),
        error: r.message,
        error_code: r.code,
        hops: vec![super::client::Hop {
            method: r.method.into(),
            url: r.url,
            status: 0,
            proto: "",
            tls_version: "",
            timings: Timings::default(),
            sent: 0,
            received: 0,
            error_code: r.code,
            digest_challenge: false,
        }],
        ..Default::default()
    }
}

/// One request's outcome: its round trips, or the reason it was refused.
async fn run_one<T: Transport>(client: Arc<Client>, request: Result<Request, Refused>) -> Outcome {
    match request {
        Ok(req) => client.execute::<T>(req).await,
        Err(refused) => refused_outcome(refused),
    }
}

/// Runs a batch's requests, at most `limit` at once and at most `per_host` (`None`: no
/// limit) at once to one host and port; the outcomes come in the batch's order. They
/// share one task: a request spends its time waiting on its socket, and tasks of their
/// own would only add wake-ups.
async fn run_batch<T: Transport>(
    client: Arc<Client>,
    requests: Vec<Result<Request, Refused>>,
    limit: usize,
    per_host: Option<usize>,
) -> Vec<Outcome> {
    use tokio::sync::Semaphore;
    if requests.len() == 1 {
        let request = requests.into_iter().next().expect("one request");
        return vec![run_one::<T>(client, request).await];
    }
    let permits = Arc::new(Semaphore::new(limit.max(1)));
    let mut hosts: HashMap<(String, Option<u16>), Arc<Semaphore>> = HashMap::new();
    let requests: Vec<_> = requests
        .into_iter()
        .map(|r| {
            let (client, permits) = (client.clone(), permits.clone());
            let host_permits = match (&r, per_host) {
                (Ok(req), Some(n)) => {
                    let host = req.url.host_str().unwrap_or_default().to_ascii_lowercase();
                    let key = (host, req.url.port_or_known_default());
                    let sem = hosts
                        .entry(key)
                        .or_insert_with(|| Arc::new(Semaphore::new(n)));
                    Some(sem.clone())
                }
                _ => None,
            };
            async move {
                match r {
                    Ok(req) => {
                        // The host's turn first, so that a request waiting for its host
                        // holds no global slot another host could use.
                        let _host = match host_permits {
                            Some(sem) => Some(sem.acquire_owned().await),
                            None => None,
                        };
                        let _permit = permits.acquire_owned().await;
                        client.execute::<T>(req).await
                    }
                    Err(refused) => refused_outcome(refused),
                }
            }
        })
        .collect();
    deno_core::futures::future::join_all(requests).await
}

/// Records the samples of every hop.
fn record_all(state: &mut OpState, specs: &[Spec], outcomes: &[Outcome]) {
    http_state(state); // made if it was not, so that it can be borrowed beside VuState
    let (vu, http) = (state.borrow::<VuState>(), state.borrow::<HttpState>());
    let names = http.hop_names.get_or_init(|| {
        let mut outbox = vu.outbox.borrow_mut();
        HOP_METRICS.map(|(metric, _)| outbox.name(metric))
    });
    for (spec, outcome) in specs.iter().zip(outcomes) {
        record(vu, names, spec, outcome);
    }
}

/// What http.js hands over to make a batch's Response objects: their prototype, the
/// function that makes a `request` from a spec, the specs, and the `request` objects it
/// made ahead (an object at a request's index, or nothing).
struct Makers<'s> {
    proto: v8::Local<'s, v8::Object>,
    request_of: v8::Local<'s, v8::Function>,
    specs: v8::Local<'s, v8::Array>,
    requests: v8::Local<'s, v8::Array>,
}

/// The names of a Response's properties, made at the VU's first response.
fn response_names(scope: &v8::PinScope<'_, '_>, state: &mut OpState) -> Rc<response::Names> {
    http_state(state)
        .names
        .get_or_insert_with(|| Rc::new(response::Names::new(scope)))
        .clone()
}

/// The Response objects for a batch's outcomes, in its order.
fn responses<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &mut OpState,
    outcomes: Vec<(Outcome, ResponseType)>,
    makers: &Makers<'s>,
) -> v8::Local<'s, v8::Array> {
    let names = response_names(scope, state);
    let made: Vec<v8::Local<v8::Value>> = outcomes
        .into_iter()
        .enumerate()
        .map(|(i, (outcome, ty))| {
            let i = i as u32;
            let undefined = v8::undefined(scope).into();
            let made = makers.requests.get_index(scope, i).unwrap_or(undefined);
            let spec = makers.specs.get_index(scope, i).unwrap_or(undefined);
            let request = response::Request::of(made, makers.request_of, spec);
            response::make(scope, &names, outcome, ty, makers.proto, request).into()
        })
        .collect();
    v8::Array::new_with_elements(scope, &made)
}

/// The metrics k6 samples for each round trip, in the order they are sent: k6/http's
/// metrics, then the sub-metric k6 always keeps (so its summary and export show it),
/// kept as a metric of its own, named by its key.
const HOP_METRICS: [(&str, MetricKind); HTTP_METRICS.len() + 1] =
    crate::metrics::metric::joined(HTTP_METRICS, [(EXPECTED_DURATION, MetricKind::Trend)]);

/// The samples k6 emits for each round trip, tagged as k6 tags them.
fn record(vu: &VuState, names: &[Arc<str>; HOP_METRICS.len()], spec: &Spec, outcome: &Outcome) {
    let time = std::time::SystemTime::now();
    let mut outbox = vu.outbox.borrow_mut();
    for (i, hop) in outcome.hops.iter().enumerate() {
        let expected = spec.expected.as_ref().map(|ranges| {
            if hop.digest_challenge {
                return hop.status == 401;
            }
            hop.status != 0
                && ranges
                    .iter()
                    .any(|(lo, hi)| (*lo..=*hi).contains(&hop.status))
        });
        let t = &hop.timings;
        // Values by HOP_METRICS' index; the failure rate needs a verdict, and the
        // sub-metric an expected response.
        let values: [Option<f64>; HOP_METRICS.len()] = [
            Some(1.0),
            Some(t.duration),
            Some(t.blocked),
            Some(t.connecting),
            Some(t.tls_handshaking),
            Some(t.sending),
            Some(t.waiting),
            Some(t.receiving),
            expected.map(|ok| if ok { 0.0 } else { 1.0 }),
            Some(hop.sent as f64),
            Some(hop.received as f64),
            (expected == Some(true)).then_some(t.duration),
        ];
        let tagged = HOP_METRICS
            .iter()
            .zip(&values)
            .any(|((m, _), v)| v.is_some() && vu.test.events.wants_tags(m));
        let tags = if tagged {
            hop_tags(vu, spec, outcome, i, expected)
        } else {
            Tags::default()
        };
        for (((_, kind), value), name) in HOP_METRICS.iter().zip(values).zip(names) {
            let Some(value) = value else { continue };
            let sample = Sample {
                metric: name.clone(),
                kind: *kind,
                value,
                time,
                tags: tags.clone(),
            };
            outbox.push(Event::Sample(sample));
        }
    }
}

/// The tags k6 gives the samples of one round trip (hop `i` of `outcome`).
fn hop_tags(
    vu: &VuState,
    spec: &Spec,
    outcome: &Outcome,
    i: usize,
    expected: Option<bool>,
) -> Tags {
    let hop = &outcome.hops[i];
    // The VU's tags with the hop's over them, in one map the hop's dozen samples share
    // (made directly: a Tags with its own list, then merged, copied every string twice).
    let mut tags = BTreeMap::clone(&vu.tags);
    let mut set = |name: &str, value: String| {
        tags.insert(name.to_owned(), value);
    };
    // The first hop carries the params' name (http.url templates set it), and so
    // does the answer to a digest challenge, the same request again; redirects are
    // named after their own URL, as in k6.
    let retried = i == 1 && outcome.hops[0].digest_challenge && hop.url == outcome.hops[0].url;
    let name = if i == 0 || retried {
        spec.tags.get("name")
    } else {
        None
    };
    set("method", hop.method.to_string());
    set("url", hop.url.clone());
    set("status", hop.status.to_string());
    set("group", spec.group.clone());
    if !hop.proto.is_empty() {
        set("proto", hop.proto.to_owned());
    }
    if !hop.tls_version.is_empty() {
        set("tls_version", hop.tls_version.to_owned());
    }
    if hop.error_code != 0 {
        set("error_code", hop.error_code.to_string());
    }
    if let Some(e) = expected {
        set("expected_response", e.to_string());
    }
    // The request's own tags beat the computed ones, except `name`.
    for (k, v) in spec.tags.iter().filter(|(k, _)| *k != "name") {
        set(k, v.clone());
    }
    set("name", name.cloned().unwrap_or_else(|| hop.url.clone()));
    Tags::new(Arc::new(tags))
}

fn interrupted() -> JsErrorBox {
    JsErrorBox::new(
        INTERRUPTED_ERROR,
        "iteration interrupted: the test or scenario is stopping",
    )
}

/// Sends a batch and blocks this VU until every response is in (k6's `http.request`,
/// `http.get`… and `http.batch` are synchronous); returns its Response objects. A stop
/// interrupts the wait.
#[op2]
pub fn op_http_request<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &mut OpState,
    specs_js: v8::Local<'s, v8::Array>,
    buffer: v8::Local<'s, v8::Value>,
    #[smi] limit: u32,
    proto: v8::Local<'s, v8::Object>,
    request_of: v8::Local<'s, v8::Function>,
    requests: v8::Local<'s, v8::Array>,
) -> Result<v8::Local<'s, v8::Array>, JsErrorBox> {
    let specs = super::spec::read(scope, specs_js)?;
    let outcomes = run_here(state, specs, buffer, limit as usize)?;
    let makers = Makers {
        proto,
        request_of,
        specs: specs_js,
        requests,
    };
    Ok(responses(scope, state, outcomes, &makers))
}

/// `op_http_request` for one request (`http.get` & co.): its Response, without the
/// arrays around the spec and the answer (~8k instructions a request on QuickJS).
#[op2]
pub fn op_http_request_one<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &mut OpState,
    spec_js: v8::Local<'s, v8::Value>,
    buffer: v8::Local<'s, v8::Value>,
    proto: v8::Local<'s, v8::Object>,
    request_of: v8::Local<'s, v8::Function>,
    request: v8::Local<'s, v8::Value>,
) -> Result<v8::Local<'s, v8::Object>, JsErrorBox> {
    let mut spec = super::spec::read_one(scope, spec_js)?;
    let config = http_config(state);
    let prepared = with_bodies(buffer, |bytes| {
        prepare(http_state(state), &mut spec, bytes, &config)
    })?;
    let ty = response_type(&prepared);
    let client = http_state(state).client.clone();
    // The request's future pinned where it is made (not inside `run_one`'s, which would
    // copy its ~3 KB once more).
    let outcome = match prepared {
        Ok(req) => wait_here(state, std::pin::pin!(client.execute::<Local>(req)))?,
        Err(refused) => refused_outcome(refused),
    };
    record_all(
        state,
        std::slice::from_ref(&spec),
        std::slice::from_ref(&outcome),
    );
    let names = response_names(scope, state);
    let request = response::Request::of(request, request_of, spec_js);
    Ok(response::make(scope, &names, outcome, ty, proto, request))
}

/// Runs a batch's requests on the VU's thread (at most `limit` at once), records their
/// samples, and gives their outcomes in order.
fn run_here(
    state: &mut OpState,
    specs: Vec<Spec>,
    buffer: v8::Local<'_, v8::Value>,
    limit: usize,
) -> Result<Vec<(Outcome, ResponseType)>, JsErrorBox> {
    let config = http_config(state);
    let parsed = with_bodies(buffer, |bytes| parse_batch(state, specs, bytes, &config))?;
    let (specs, requests): (Vec<Spec>, Vec<_>) = parsed.into_iter().unzip();
    let types = response_types(&requests);
    let client = http_state(state).client.clone();
    let batch = std::pin::pin!(run_batch::<Local>(
        client,
        requests,
        limit,
        config.batch_per_host
    ));
    let outcomes = wait_here(state, batch)?;
    record_all(state, &specs, &outcomes);
    Ok(outcomes.into_iter().zip(types).collect())
}

/// Runs `requests` on the VU's thread until done; a stop interrupts the wait. The future
/// comes pinned where its caller made it (see local::block_on).
fn wait_here<F: Future>(
    state: &OpState,
    requests: std::pin::Pin<&mut F>,
) -> Result<F::Output, JsErrorBox> {
    let vu = state.borrow::<VuState>();
    let interrupt = vu.interrupt.clone();
    let crowded = crate::vu::pool::crowded(vu.test.vus_active.load(Ordering::Relaxed));
    local::block_on(requests, &interrupt, crowded)
        .map_err(|e| JsErrorBox::generic(format!("k6/http: cannot wait for the network: {e}")))?
        .ok_or_else(interrupted)
}

/// `op_http_request` for `http.asyncRequest`: the VU goes on while it runs. Resolves with
/// an id for `op_http_responses`, which makes the Response objects (the future cannot: a
/// JS value may not be made while it waits).
#[op2]
pub fn op_http_request_async<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: Rc<RefCell<OpState>>,
    specs: v8::Local<'s, v8::Array>,
    buffer: v8::Local<'s, v8::Value>,
    #[smi] limit: u32,
) -> Result<impl Future<Output = Result<u32, JsErrorBox>>, JsErrorBox> {
    let specs = super::spec::read(scope, specs)?;
    let config = http_config(&mut state.borrow_mut());
    let parsed = with_bodies(buffer, |bytes| {
        parse_batch(&mut state.borrow_mut(), specs, bytes, &config)
    })?;
    let (specs, requests): (Vec<Spec>, Vec<_>) = parsed.into_iter().unzip();
    let types = response_types(&requests);
    let client = http_state(&mut state.borrow_mut()).client.clone();
    Ok(async move {
        let outcomes = io_runtime()
            .spawn(run_batch::<Shared>(
                client,
                requests,
                limit as usize,
                config.batch_per_host,
            ))
            .await
            .map_err(|e| JsErrorBox::generic(format!("k6/http: the request task failed: {e}")))?;
        let mut state = state.borrow_mut();
        record_all(&mut state, &specs, &outcomes);
        let http = http_state(&mut state);
        http.next_parked = http.next_parked.wrapping_add(1);
        let id = http.next_parked;
        http.parked
            .insert(id, outcomes.into_iter().zip(types).collect());
        Ok(id)
    })
}

/// The Response objects of the async batch `id` (see `op_http_request_async`), once.
#[op2]
pub fn op_http_responses<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &mut OpState,
    #[smi] id: u32,
    proto: v8::Local<'s, v8::Object>,
    request_of: v8::Local<'s, v8::Function>,
    specs: v8::Local<'s, v8::Array>,
    requests: v8::Local<'s, v8::Array>,
) -> v8::Local<'s, v8::Array> {
    let outcomes = http_state(state).parked.remove(&id).unwrap_or_default();
    let makers = Makers {
        proto,
        request_of,
        specs,
        requests,
    };
    responses(scope, state, outcomes, &makers)
}

fn response_types(requests: &[Result<Request, Refused>]) -> Vec<ResponseType> {
    requests.iter().map(response_type).collect()
}

/// How a request's Response holds its body (a refused one has none: text).
fn response_type(request: &Result<Request, Refused>) -> ResponseType {
    request
        .as_ref()
        .map_or(ResponseType::Text, |r| r.response_type)
}

/// The `User-Agent` requests carry unless the script sets one (option `userAgent`).
#[op2]
#[string]
pub fn op_http_user_agent() -> String {
    concat!("rk6/", env!("CARGO_PKG_VERSION")).to_owned()
}

/// A jar's URL argument: `None` for one no cookie can belong to (not http(s), no
/// host), which k6's jars quietly ignore.
fn jar_url(url: &str) -> Result<Option<Url>, JsErrorBox> {
    match Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(Some(u)),
        // Relative references are no error in Go's URL parser (k6's), only URLs without
        // a host.
        Ok(_) | Err(deno_core::url::ParseError::RelativeUrlWithoutBase) => Ok(None),
        Err(e) => Err(JsErrorBox::type_error(format!(
            "cookie jar: invalid URL {url:?}: {e}"
        ))),
    }
}

/// Runs `f` on jar `id` of this VU.
fn with_jar<T>(
    state: &mut OpState,
    id: u32,
    f: impl FnOnce(&mut Jar) -> T,
) -> Result<T, JsErrorBox> {
    let http = http_state(state);
    if id == VU_JAR {
        return Ok(f(&mut http.client.jar.lock()));
    }
    let jar = http.jars.get(&id).ok_or_else(unknown_jar)?;
    let out = f(&mut jar.lock());
    Ok(out)
}

/// `new http.CookieJar()`: an empty jar, by id.
#[op2(fast)]
pub fn op_http_jar_new(state: &mut OpState) -> u32 {
    let http = http_state(state);
    loop {
        http.next_jar = http.next_jar.wrapping_add(1);
        let id = http.next_jar;
        if id != VU_JAR && !http.jars.contains_key(&id) {
            http.jars.insert(id, Arc::default());
            return id;
        }
    }
}

/// Forgets a jar whose JS object was garbage-collected.
#[op2(fast)]
pub fn op_http_jar_drop(state: &mut OpState, #[smi] id: u32) {
    http_state(state).jars.remove(&id);
}

/// How many jars the script made are alive, for tests of their clean-up.
#[op2(fast)]
pub fn op_http_jar_count(state: &mut OpState) -> u32 {
    http_state(state).jars.len() as u32
}

/// `jar.cookiesForURL(url)`: the cookies a request to `url` would carry, as `{name: [values]}`.
#[op2]
#[serde]
pub fn op_http_jar_get(
    state: &mut OpState,
    #[smi] jar: u32,
    #[string] url: &str,
) -> Result<BTreeMap<String, Vec<String>>, JsErrorBox> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Some(url) = jar_url(url)? else {
        return Ok(out);
    };
    with_jar(state, jar, |jar| {
        for c in jar.for_url(&url) {
            out.entry(c.name.clone()).or_default().push(c.value.clone());
        }
    })?;
    Ok(out)
}

/// Options of `jar.set(url, name, value, options)`, normalized in JS.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SetOptions {
    domain: Option<String>,
    path: Option<String>,
    expires: Option<String>,
    max_age: Option<i64>,
    #[serde(default)]
    secure: bool,
    #[serde(default)]
    http_only: bool,
}

/// `jar.set(url, name, value, options)`: as if a response from `url` had set the cookie;
/// like k6, a cookie for a domain `url` is not in is dropped without an error.
#[op2(fast)]
pub fn op_http_jar_set(
    state: &mut OpState,
    #[smi] jar: u32,
    #[string] url: &str,
    #[string] name: &str,
    #[string] value: &str,
    #[string] options_json: &str,
) -> Result<(), JsErrorBox> {
    let o: SetOptions = if options_json.is_empty() {
        SetOptions::default()
    } else {
        serde_json::from_str(options_json)
            .map_err(|e| JsErrorBox::type_error(format!("cookie jar: set(): bad options: {e}")))?
    };
    let expires = match o.expires.as_deref() {
        None | Some("") => None,
        Some(text) => Some(cookies::parse_date(text).ok_or_else(|| {
            JsErrorBox::type_error(format!(
                "cookie jar: set(): unable to parse the \"expires\" date {text:?}: use a date \
                 like \"Mon, 02 Jan 2006 15:04:05 GMT\""
            ))
        })?),
    };
    let Some(url) = jar_url(url)? else {
        return Ok(());
    };
    let attrs = cookies::Attributes {
        domain: o.domain,
        path: o.path,
        expires,
        // k6 (Go's http.Cookie) reads a max_age of 0 as "none".
        max_age: o.max_age.filter(|&m| m != 0),
        secure: o.secure,
        http_only: o.http_only,
    };
    if let Some(cookie) = cookies::build(&url, name, value, attrs) {
        with_jar(state, jar, |jar| jar.put(cookie))?;
    }
    Ok(())
}

/// `jar.clear(url)` (no `name`) and `jar.delete(url, name)`, with k6's reach (see
/// [`Jar::delete`]).
#[op2]
pub fn op_http_jar_remove(
    state: &mut OpState,
    #[smi] jar: u32,
    #[string] url: &str,
    #[string] name: Option<String>,
) -> Result<(), JsErrorBox> {
    let Some(url) = jar_url(url)? else {
        return Ok(());
    };
    with_jar(state, jar, |jar| match name {
        Some(name) => jar.delete(&url, &name),
        None => jar.clear(&url),
    })
}

/// `response.json(selector)` on a text body: the JSON text of what the gjson `selector`
/// picks, or `None` when it picks nothing or the body is not JSON (k6 gives `undefined`).
#[op2]
#[string]
pub fn op_http_json_select(#[string] body: &str, #[string] selector: &str) -> Option<String> {
    json_select(body, selector)
}

/// [`op_http_json_select`] on a binary body (`responseType: "binary"`).
#[op2]
#[string]
pub fn op_http_json_select_bytes(
    #[buffer] body: &[u8],
    #[string] selector: &str,
) -> Option<String> {
    json_select(std::str::from_utf8(body).ok()?, selector)
}

/// k6 reads selectors with tidwall's gjson (Go); the `gjson` crate is the same author's
/// port, so paths, `#`, wildcards, queries and modifiers select what they do in k6.
fn json_select(body: &str, selector: &str) -> Option<String> {
    if !gjson::valid(body) {
        return None;
    }
    let found = gjson::get(body, selector);
    if !found.exists() {
        return None;
    }
    // As k6 converts a result (gjson's `Value()`): strings by their value, the rest from
    // their JSON text.
    Some(match found.kind() {
        gjson::Kind::String => serde_json::to_string(found.str()).expect("strings serialize"),
        gjson::Kind::Null => "null".into(),
        gjson::Kind::True => "true".into(),
        gjson::Kind::False => "false".into(),
        gjson::Kind::Number | gjson::Kind::Object | gjson::Kind::Array => found.json().to_owned(),
    })
}
