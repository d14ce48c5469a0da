// k6/http: k6's HTTP client API. Arguments are checked and normalized here; the ops
// (ops.rs) receive each request as an array (spec.rs) plus one buffer holding the binary
// bodies, and answer with the Response objects (response.rs).
const {
  op_http_request,
  op_http_request_one,
  op_http_request_async,
  op_http_responses,
  op_http_user_agent,
  op_http_jar_drop,
  op_http_jar_get,
  op_http_jar_new,
  op_http_jar_remove,
  op_http_jar_set,
  op_http_json_select,
  op_http_json_select_bytes,
  op_rk6_in_init,
  op_rk6_log,
  op_rk6_options,
} = Deno.core.ops;
import { currentGroup } from "rk6:k6.js";
import { tagValue } from "rk6:tags.js";

// params.compression's codings, in k6's order for its error message.
const COMPRESSIONS = ["gzip", "deflate", "zstd", "br"];
const WARN = 2;

// Thrown while reading a request's arguments; k6 turns it into a failed Response (or
// throws it with the `throw` option).
class ParamError extends Error {
  constructor(message) {
    super(message);
    this.name = "ParamError";
  }
}

let cachedOptions;
// The test's options, read once after the init context (when they are known).
function testOptions() {
  if (cachedOptions === undefined) {
    try {
      cachedOptions = JSON.parse(op_rk6_options()) ?? {};
    } catch {
      cachedOptions = {};
    }
  }
  return cachedOptions;
}

let userAgent;
function defaultUserAgent() {
  if (userAgent === undefined) {
    const ua = testOptions().userAgent;
    userAgent = typeof ua === "string" ? ua : op_http_user_agent();
  }
  return userAgent;
}

class ExpectedStatuses {
  constructor(ranges) {
    this.ranges = ranges;
    // What the ops read: "200-399,404-404".
    this.text = ranges.map(([lo, hi]) => `${lo}-${hi}`).join(",");
    Object.freeze(this);
  }
}

export function expectedStatuses(...statuses) {
  const ranges = [];
  statuses.forEach((s, i) => {
    if (Number.isInteger(s)) {
      ranges.push([s, s]);
    } else if (s !== null && typeof s === "object" && Number.isInteger(s.min) && Number.isInteger(s.max)) {
      ranges.push([s.min, s.max]);
    } else {
      throw new TypeError(
        `expectedStatuses(): argument ${i + 1} must be a status (an integer) or an object like {min: 200, max: 299}`,
      );
    }
  });
  for (const [lo, hi] of ranges) {
    if (lo < 0 || hi > 65535) throw new TypeError(`expectedStatuses(): status ${lo < 0 ? lo : hi} is out of range`);
  }
  return new ExpectedStatuses(ranges);
}

let responseCallback = expectedStatuses({ min: 200, max: 399 });

export function setResponseCallback(callback) {
  if (callback !== null && !(callback instanceof ExpectedStatuses)) {
    throw new TypeError("setResponseCallback() takes the result of http.expectedStatuses(...) or null");
  }
  responseCallback = callback;
}

// A URL built with the http.url tagged template: requests to it are tagged with the
// template (`${}` for each value) as `name` and `url`, grouping them in the metrics.
class TemplateURL {
  constructor(url, name) {
    this.url = url;
    this.name = name;
  }
  toString() {
    return this.url;
  }
}

export function url(strings, ...values) {
  if (!Array.isArray(strings)) throw new TypeError("http.url is a tagged template: http.url`https://x/${id}`");
  let real = strings[0];
  let name = strings[0];
  values.forEach((v, i) => {
    real += String(v) + strings[i + 1];
    name += "${}" + strings[i + 1];
  });
  return new TemplateURL(real, name);
}

// Durations as k6 takes them: a number of milliseconds, or a string like "1m30s".
const UNITS = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
function durationMs(value, what) {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === "string") {
    const s = value.trim();
    if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
    const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
    let total = 0;
    let m;
    let at = 0;
    while (at < s.length && (re.lastIndex = at, (m = re.exec(s)))) {
      total += Number(m[1]) * UNITS[m[2]];
      at = re.lastIndex;
    }
    if (at === s.length && s.length > 0) return total;
  }
  throw new ParamError(`invalid ${what} value ${JSON.stringify(String(value))}: use milliseconds or a duration like "30s"`);
}

// Go's url.QueryEscape: everything but letters, digits and -_.~ is escaped, spaces as "+".
// (Each replacement only when needed: a replace with a function costs ~15k instructions.)
function formEscape(s) {
  let e = encodeURIComponent(s);
  if (/[!'()*]/.test(e)) e = e.replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  return e.includes("%20") ? e.replaceAll("%20", "+") : e;
}

// Go's canonical header name: "content-type" → "Content-Type". (A regular expression
// with a replacer function cost ~30k instructions a header.)
function canonicalName(name) {
  const words = name.toLowerCase().split("-");
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w !== "") words[i] = w[0].toUpperCase() + w.slice(1);
  }
  return words.join("-");
}

function bytesOf(body) {
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  return null;
}

// A byte string as k6 shows a binary request body.
function latin1(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

// The spec the ops take (ops.rs, `Wire`) is an array, not an object, so the op reads it
// by index instead of JSON text being written and parsed; what most requests leave at
// its default sits in a nested array (`WireRare`), null when all of it is. A binary
// body's place in the op's buffer is its first element.
const BIN = 0;
const DEFAULT_TIMEOUT = 60000;
const DEFAULT_REDIRECTS = 10;
// The methods http.get & co. pass, already upper case: toUpperCase makes a new string.
const UPPER = { __proto__: null, GET: "GET", POST: "POST", PUT: "PUT", PATCH: "PATCH", DELETE: "DELETE", HEAD: "HEAD", OPTIONS: "OPTIONS" };

// The test options requests read, worked out once: they are fixed after the init context.
let defaults;
function requestDefaults() {
  if (defaults === undefined) {
    const opts = testOptions();
    const redirects = opts.maxRedirects ?? DEFAULT_REDIRECTS;
    const responseType = opts.discardResponseBodies ? "none" : "text";
    const insecure = opts.insecureSkipTLSVerify === true;
    const ua = defaultUserAgent();
    defaults = {
      redirects,
      responseType,
      insecure,
      doThrow: !!(opts.throw ?? false),
      // What a request without params sends: shared, as nothing changes them.
      headers: Object.freeze(ua === "" ? [] : ["User-Agent", ua]),
      rare: rareOf(false, DEFAULT_TIMEOUT, redirects, responseType, null, insecure, null, VU_JAR, null, null),
    };
    if (defaults.rare !== null) Object.freeze(defaults.rare);
  }
  return defaults;
}

// A spec's fields most requests leave at their defaults (spec.rs's WireRare; its first
// element, the binary body's place, is filled in by `pack`), or null when all are.
function rareOf(binary, timeout, redirects, responseType, cookies, insecure, multipart, jar, auth, compression) {
  const set =
    binary || timeout !== DEFAULT_TIMEOUT || redirects !== DEFAULT_REDIRECTS || responseType !== "text" ||
    cookies !== null || insecure || multipart !== null || jar !== VU_JAR || auth !== null || compression !== null;
  return set ? [null, timeout, redirects, responseType, cookies, insecure, multipart, jar, auth, compression] : null;
}

// The array the ops read a request from (spec.rs).
function specOf(method, url, headers, text, tags, callback, rare) {
  const group = currentGroup();
  return [
    UPPER[method] ?? method.toUpperCase(),
    url,
    headers,
    text,
    tags,
    group === "" ? "" : `::${group}`,
    callback === null ? null : callback.text,
    rare,
  ];
}

function urlOf(target) {
  if (typeof target === "string") return target;
  if (target instanceof TemplateURL) return target.url;
  if (target !== null && target !== undefined && typeof target !== "object") return String(target);
  if (target !== null && typeof target === "object" && typeof target.toString === "function" && target.toString !== Object.prototype.toString) {
    return String(target);
  }
  throw new ParamError(`the URL must be a string, got ${target === null ? "null" : typeof target}`);
}

// Reads one request's arguments into the spec the op takes, or throws a ParamError.
function prepare(method, target, body, params) {
  if (typeof method !== "string" || method.length === 0) {
    throw new ParamError(`the method must be a non-empty string, got ${JSON.stringify(method)}`);
  }
  const d = requestDefaults();
  if (params === null) params = undefined;
  if (params !== undefined && (typeof params !== "object" || Array.isArray(params))) {
    throw new ParamError("params must be an object like { headers: {...}, tags: {...} }");
  }
  const urlText = urlOf(target);
  // Flat [name, value, ...] lists: the op reads them without a key per entry.
  let tags = null;
  if (typeof target !== "string" && target instanceof TemplateURL) tags = ["name", target.name, "url", target.name];
  const headers = [];
  let userAgentSet = false;
  let contentTypeSet = false;
  let text = null;
  let bin = null;
  let multipart = null;
  // [object whose `bin` gets the bytes' place in the op's buffer, bytes]
  const bins = [];
  let timeout = DEFAULT_TIMEOUT;
  let redirects = d.redirects;
  let responseType = d.responseType;
  let callback = responseCallback;
  let cookies = null;
  let jar = VU_JAR;
  let auth = null;
  let compression = null;
  let doThrow = d.doThrow;

  if (params !== undefined) {
    if (params.tags !== undefined && params.tags !== null) {
      if (typeof params.tags !== "object" || Array.isArray(params.tags)) {
        throw new ParamError("params.tags must be an object like { name: \"login\" }");
      }
      tags ??= [];
      // Object.keys and an index, not for-in: QuickJS builds an iterator object for each
      // for-in (~2k instructions); its own enumerable keys are the same, in the same order.
      const given = params.tags;
      const names = Object.keys(given);
      for (let i = 0; i < names.length; i++) {
        const k = names[i];
        const v = given[k];
        tags.push(k, typeof v === "string" ? v : tagValue(v, `params.tags.${k}`));
      }
    }
    if (params.headers !== undefined && params.headers !== null) {
      if (typeof params.headers !== "object" || Array.isArray(params.headers)) {
        throw new ParamError("params.headers must be an object like { \"Content-Type\": \"application/json\" }");
      }
      const given = params.headers;
      const names = Object.keys(given);
      for (let i = 0; i < names.length; i++) {
        const k = names[i];
        const v = given[k];
        if (v === undefined || v === null) continue;
        const value = typeof v === "string" ? v : String(v);
        // Only names of these lengths can be the two headers looked for here: the others
        // are not lowercased (a new string each).
        if (k.length === 10 && k.toLowerCase() === "user-agent") {
          userAgentSet = true;
          // An empty User-Agent means "send none", as in k6.
          if (value === "") continue;
        } else if (k.length === 12 && k.toLowerCase() === "content-type") {
          contentTypeSet = true;
        }
        headers.push(k, value);
      }
    }
    if (params.timeout !== undefined && params.timeout !== null) timeout = durationMs(params.timeout, "params.timeout");
    if (params.redirects !== undefined && params.redirects !== null) redirects = params.redirects;
    if (params.responseType !== undefined && params.responseType !== null) responseType = params.responseType;
    if (params.responseCallback !== undefined) {
      if (params.responseCallback !== null && !(params.responseCallback instanceof ExpectedStatuses)) {
        throw new ParamError("params.responseCallback must be the result of http.expectedStatuses(...) or null");
      }
      callback = params.responseCallback;
    }
    if (params.cookies !== undefined && params.cookies !== null) {
      if (typeof params.cookies !== "object" || Array.isArray(params.cookies)) {
        throw new ParamError("params.cookies must be an object like { session: \"abc\" } or { session: { value: \"abc\", replace: true } }");
      }
      cookies = [];
      for (const [name, c] of Object.entries(params.cookies)) {
        const isObj = c !== null && typeof c === "object";
        const value = isObj ? c.value : c;
        if (value === undefined || value === null || typeof value === "object") {
          throw new ParamError(`params.cookies.${name} must be a string or { value, replace }`);
        }
        const replace = isObj && c.replace === true;
        cookies.push([name, String(value), replace]);
      }
    }
    // As in k6, anything but a CookieJar (null, a plain object…) means the VU's jar.
    jar = jarIdOf(params.jar) ?? VU_JAR;
    if (params.auth !== undefined && params.auth !== null && params.auth !== "") {
      if (params.auth === "ntlm") {
        throw new ParamError(`params.auth "ntlm" is not supported by rk6 (basic and digest auth via user:pass@ URLs are)`);
      }
      if (params.auth !== "basic" && params.auth !== "digest") {
        throw new ParamError(`params.auth must be "basic" or "digest", got ${JSON.stringify(params.auth)}`);
      }
      auth = params.auth;
    }
    if (params.throw !== undefined && params.throw !== null) doThrow = !!params.throw;
  }
  if (redirects !== DEFAULT_REDIRECTS && (!Number.isInteger(redirects) || redirects < 0)) {
    throw new ParamError(`params.redirects must be a whole number of redirects to follow, got ${JSON.stringify(redirects)}`);
  }
  if (responseType !== "text" && responseType !== "binary" && responseType !== "none") {
    throw new ParamError(`params.responseType must be "text", "binary" or "none", got ${JSON.stringify(responseType)}`);
  }
  const ua = defaultUserAgent();
  if (!userAgentSet && ua !== "") {
    headers.push("User-Agent", ua);
  }

  if (body === undefined || body === null) {
    // no body
  } else if (typeof body === "string") {
    text = body;
  } else if (bytesOf(body) !== null) {
    bin = bytesOf(body);
  } else if (typeof body === "object" && Object.values(body).some((v) => v instanceof FileData)) {
    // multipart/form-data; rk6 writes the parts and the boundary.
    multipart = Object.keys(body).map((name) => {
      const v = body[name];
      if (!(v instanceof FileData)) return { name, filename: null, content_type: null, text: String(v), bin: null };
      const part = { name, filename: v.filename, content_type: v.content_type, text: null, bin: null };
      if (typeof v.data === "string") part.text = v.data;
      else bins.push([part, bytesOf(v.data)]);
      return part;
    });
  } else if (typeof body === "object") {
    const keys = Object.keys(body).sort();
    text = keys.map((k) => `${formEscape(k)}=${formEscape(String(body[k]))}`).join("&");
    if (!contentTypeSet) {
      headers.push("Content-Type", "application/x-www-form-urlencoded");
    }
  } else {
    text = String(body);
  }

  if (params !== undefined && params.compression !== undefined && params.compression !== null) {
    if (typeof params.compression !== "string") {
      throw new ParamError(`params.compression must be a string like "gzip" or "gzip, br", got ${JSON.stringify(params.compression)}`);
    }
    const codings = params.compression.split(",").map((c) => c.trim()).filter((c) => c !== "");
    for (const c of codings) {
      if (!COMPRESSIONS.includes(c)) {
        throw new ParamError(`unknown compression algorithm ${c}, supported algorithms are [${COMPRESSIONS.join(" ")}]`);
      }
    }
    // The body is compressed in Rust; what the script sees of the request says so.
    const hasBody = text !== null ? text !== "" : bin !== null ? bin.length > 0 : multipart !== null;
    if (codings.length > 0 && hasBody) {
      compression = codings.join(", ");
    }
  }
  const rare = rareOf(bin !== null, timeout, redirects, responseType, cookies, d.insecure, multipart, jar, auth, compression);
  if (bin !== null) bins.push([rare, bin]);
  const spec = specOf(method, urlText, headers, text, tags, callback, rare);
  // A Response's `request` is made from the spec when first read (response.rs calls
  // requestOf); only a binary body, which the spec does not hold, needs it now.
  return { spec, bins, doThrow, request: bin === null ? null : requestOf(spec, latin1(bin)) };
}

// `Response.request` as k6 shows it: the method, URL, headers (canonical names, each
// with its values), body and params.cookies of the request as sent.
function requestOf(spec, body) {
  const headers = spec[2];
  const rare = spec[7];
  const shown = {};
  for (let i = 0; i < headers.length; i += 2) (shown[canonicalName(headers[i])] ??= []).push(headers[i + 1]);
  // Rust compresses the body and adds this header (see prepare's `compression`).
  if (rare !== null && rare[9] !== null) shown["Content-Encoding"] = [rare[9]];
  const cookies = {};
  if (rare !== null && rare[4] !== null) {
    for (const [name, value, replace] of rare[4]) (cookies[name] ??= []).push({ name, value, replace });
  }
  return { method: spec[0], url: spec[1], headers: shown, body: body ?? spec[3] ?? "", cookies };
}

const NULL_BODY =
  "the body is null so we can't transform it to JSON - this likely was because of a request error getting the response";

class Response {
  // The body parsed as JSON or, given a selector, the value a gjson path picks from it
  // (`items.#.name`, `friends.#(age>40)#.first`…; see github.com/tidwall/gjson), as k6
  // does: `undefined` when the path picks nothing or the body is not JSON. As in k6,
  // passing any argument, even `undefined`, makes it a selector.
  json(...selector) {
    if (this.body === null || this.body === undefined) throw new Error(NULL_BODY);
    if (selector.length > 0) {
      const path = String(selector[0]);
      const raw = typeof this.body === "string"
        ? op_http_json_select(this.body, path)
        : op_http_json_select_bytes(new Uint8Array(this.body), path);
      return raw === null ? undefined : JSON.parse(raw);
    }
    if (this.body === "") throw new Error("cannot parse json due to an empty body");
    const text = typeof this.body === "string" ? this.body : latin1(new Uint8Array(this.body));
    return JSON.parse(text);
  }

  html() {
    throw new Error("Response.html() is not supported by rk6 yet");
  }
}

// The ops make Response objects themselves (response.rs) with this prototype.
const RESPONSE = Response.prototype;
// No `request` made ahead for any response: all come from requestOf.
const NONE = Object.freeze([]);

// A Response for a request whose arguments were wrong (k6 sends nothing and records nothing).
function paramFailure(err, target) {
  op_rk6_log(WARN, `Request Failed: ${err.message}`);
  const r = new Response();
  Object.assign(r, {
    status: 0,
    status_text: "",
    proto: "",
    url: target instanceof TemplateURL ? target.url : String(target),
    headers: {},
    body: null,
    timings: { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0 },
    error: err.message,
    error_code: 0,
    remote_ip: "",
    remote_port: 0,
    request: {},
    cookies: {},
    tls_version: "",
  });
  return r;
}

function deliver(res, spec, doThrow) {
  if (res.status === 0 && res.error !== "") {
    const [method, url] = spec;
    if (doThrow) throw new Error(`${method} ${url}: ${res.error}`);
    op_rk6_log(WARN, `Request Failed: ${method} ${url}: ${res.error}`);
  }
  return res;
}

// A VU never goes back to its init context, so once out of it the op is not asked again.
let initOver = false;
function noInit(what) {
  if (initOver) return;
  if (op_rk6_in_init()) {
    throw new Error(`${what}: making HTTP requests in the init context is not supported; do it in default() or setup()`);
  }
  initOver = true;
}

// The specs and the buffer of binary bodies for a batch of prepared requests, null when
// there are none. (A single request without a binary body skips this: see `request`.)
function pack(prepared) {
  const specs = prepared.map((p) => p.spec);
  if (!prepared.some((p) => p.bins.length > 0)) return [specs, null];
  const bins = prepared.flatMap((p) => p.bins);
  const buffer = new Uint8Array(bins.reduce((n, [, bytes]) => n + bytes.length, 0));
  let at = 0;
  for (const [holder, bytes] of bins) {
    buffer.set(bytes, at);
    // A request's own body goes in its spec's `rare` array, a multipart file in its part.
    if (Array.isArray(holder)) holder[BIN] = [at, bytes.length];
    else holder.bin = [at, bytes.length];
    at += bytes.length;
  }
  return [specs, buffer];
}

function batchLimit() {
  const n = testOptions().batch;
  return Number.isInteger(n) && n > 0 ? n : 20;
}

function argsOf(what, method, target, body, params) {
  try {
    return prepare(method, target, body, params);
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    const doThrow = (params && typeof params === "object" && params.throw) ?? testOptions().throw;
    if (doThrow) throw new TypeError(`${what}: ${e.message}`);
    return paramFailure(new ParamError(`${what}: ${e.message}`), target);
  }
}

export function request(method, target, body, params) {
  noInit("http.request");
  if (
    (params === undefined || params === null) && (body === undefined || body === null) &&
    typeof target === "string" && typeof method === "string" && method !== ""
  ) {
    const d = requestDefaults();
    // http.get(url) and the like, with neither params nor a body: the defaults.
    const spec = specOf(method, target, d.headers, null, null, responseCallback, d.rare);
    return deliver(op_http_request_one(spec, null, RESPONSE, requestOf, null), spec, d.doThrow);
  }
  const p = argsOf(`http.request`, method, target, body, params);
  if (p instanceof Response) return p;
  // Most requests have no binary body: packing one spec costs ~4k instructions more
  // (QuickJS's map, some and the arrays made) for no buffer.
  const buffer = p.bins.length === 0 ? null : pack([p])[1];
  return deliver(op_http_request_one(p.spec, buffer, RESPONSE, requestOf, p.request), p.spec, p.doThrow);
}

export function asyncRequest(method, target, body, params) {
  try {
    noInit("http.asyncRequest");
  } catch (e) {
    return Promise.reject(e);
  }
  let p;
  try {
    p = argsOf("http.asyncRequest", method, target, body, params);
  } catch (e) {
    return Promise.reject(e);
  }
  if (p instanceof Response) return Promise.resolve(p);
  const [specs, buffer] = pack([p]);
  return op_http_request_async(specs, buffer, 1).then((id) =>
    deliver(op_http_responses(id, RESPONSE, requestOf, specs, p.request === null ? NONE : [p.request])[0], p.spec, p.doThrow)
  );
}

export function get(target, params) {
  return request("GET", target, null, params);
}
export function head(target, params) {
  return request("HEAD", target, null, params);
}
export function post(target, body, params) {
  return request("POST", target, body, params);
}
export function put(target, body, params) {
  return request("PUT", target, body, params);
}
export function patch(target, body, params) {
  return request("PATCH", target, body, params);
}
export function del(target, body, params) {
  return request("DELETE", target, body, params);
}
export function options(target, body, params) {
  return request("OPTIONS", target, body, params);
}

// One element of http.batch: a URL, [method, url, body, params] or {method, url, body, params}.
function batchItem(item, where) {
  if (typeof item === "string" || item instanceof TemplateURL) return ["GET", item, null, undefined];
  if (Array.isArray(item)) return [item[0], item[1], item[2], item[3]];
  if (item !== null && typeof item === "object") return [item.method ?? "GET", item.url, item.body, item.params];
  throw new TypeError(`http.batch(): request ${where} must be a URL, an array [method, url, body, params] or an object {method, url, ...}`);
}

export function batch(requests) {
  noInit("http.batch");
  if (requests === null || typeof requests !== "object") {
    throw new TypeError("http.batch() takes an array or an object of requests");
  }
  const keys = Array.isArray(requests) ? requests.map((_, i) => i) : Object.keys(requests);
  const prepared = keys.map((k) => argsOf(`http.batch()[${JSON.stringify(k)}]`, ...batchItem(requests[k], JSON.stringify(k))));
  const live = prepared.filter((p) => !(p instanceof Response));
  const raws = live.length > 0
    ? op_http_request(...pack(live), batchLimit(), RESPONSE, requestOf, live.map((p) => p.request))
    : [];
  const out = Array.isArray(requests) ? [] : {};
  let next = 0;
  keys.forEach((k, i) => {
    const p = prepared[i];
    out[k] = p instanceof Response ? p : deliver(raws[next++], p.spec, p.doThrow);
  });
  return out;
}

// A file for a multipart/form-data body: http.post(url, { upload: http.file(data, "a.txt") }).
class FileData {
  constructor(data, filename, contentType) {
    this.data = data;
    this.filename = filename;
    this.content_type = contentType;
  }
}

export function file(data, filename, contentType) {
  if (typeof data !== "string" && bytesOf(data) === null) {
    throw new TypeError("http.file(): data must be a string, an ArrayBuffer or a typed array");
  }
  if (filename !== undefined && filename !== null && typeof filename !== "string") {
    throw new TypeError("http.file(): filename must be a string");
  }
  if (contentType !== undefined && contentType !== null && typeof contentType !== "string") {
    throw new TypeError("http.file(): contentType must be a string");
  }
  // k6 names an unnamed file after the current time, in nanoseconds.
  const name = filename ?? `${Date.now()}000000`;
  return new FileData(data, name, contentType ?? "application/octet-stream");
}

// What k6 reads from jar.set()'s options (keys in any case), each converted as k6 does.
const SET_OPTIONS = {
  domain: String,
  path: String,
  expires: String,
  max_age: (v) => {
    const n = Math.trunc(Number(v));
    return Number.isFinite(n) ? n : 0;
  },
  secure: Boolean,
  http_only: Boolean,
};
const warnedOptions = new Set();

const VU_JAR = 0;
let makingVuJar = false;
let jarIdOf;
// Jars the script made live in Rust, by id; an id is dropped when its object is
// collected, so a jar per iteration does not pile up for the whole test.
const jarRegistry = typeof FinalizationRegistry === "function" ? new FinalizationRegistry((id) => op_http_jar_drop(id)) : null;

// A cookie jar: `http.cookieJar()` is the VU's (every request uses it unless
// `params.jar` names another), `new http.CookieJar()` an empty one of the script's.
export class CookieJar {
  #id;

  constructor() {
    this.#id = makingVuJar ? VU_JAR : op_http_jar_new();
    if (this.#id !== VU_JAR) jarRegistry?.register(this, this.#id);
  }

  static {
    jarIdOf = (value) => (value !== null && typeof value === "object" && #id in value ? value.#id : undefined);
  }

  cookiesForURL(url) {
    return op_http_jar_get(this.#id, jarURL(url));
  }

  // As k6: the options' values are converted, not checked, and a cookie for a domain
  // the URL is not in is dropped silently.
  set(url, name, value, opts) {
    const out = {};
    if (opts !== undefined && opts !== null) {
      if (typeof opts !== "object") throw new TypeError("set(): options must be an object like { path: \"/\" }");
      for (const [k, v] of Object.entries(opts)) {
        const key = k.toLowerCase();
        if (!(key in SET_OPTIONS)) {
          // k6 ignores them too; a warning catches typos such as `maxAge`.
          if (!warnedOptions.has(k)) {
            warnedOptions.add(k);
            op_rk6_log(WARN, `CookieJar.set(): unknown option ${JSON.stringify(k)} ignored; the options are ${Object.keys(SET_OPTIONS).join(", ")}`);
          }
          continue;
        }
        if (v === undefined || v === null) continue;
        out[key] = SET_OPTIONS[key](v);
      }
    }
    op_http_jar_set(this.#id, jarURL(url), String(name), value === undefined || value === null ? "" : String(value), JSON.stringify(out));
    return true;
  }

  clear(url) {
    op_http_jar_remove(this.#id, jarURL(url), null);
  }

  delete(url, name) {
    op_http_jar_remove(this.#id, jarURL(url), String(name));
  }
}

function jarURL(url) {
  return url instanceof TemplateURL ? url.url : String(url);
}

let vuJar;

export function cookieJar() {
  if (op_rk6_in_init()) throw new Error("http.cookieJar(): making cookie jars in the init context is not supported; call it in default() or setup()");
  if (vuJar === undefined) {
    makingVuJar = true;
    try {
      vuJar = new CookieJar();
    } finally {
      makingVuJar = false;
    }
  }
  return vuJar;
}

export default {
  request,
  asyncRequest,
  get,
  head,
  post,
  put,
  patch,
  del,
  options,
  batch,
  url,
  expectedStatuses,
  setResponseCallback,
  file,
  cookieJar,
  CookieJar,
};
