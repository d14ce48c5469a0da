//! `k6/http`: k6's HTTP client API (http.js), its ops (ops.rs), the Response objects they
//! return (response.rs) and the HTTP/1.1 and HTTP/2 client underneath (client.rs), with
//! k6's built-in `http_req_*` metrics.

pub mod client;
pub mod compression;
pub mod config;
pub mod cookies;
pub mod digest;
mod local;
pub mod ops;
mod response;
mod spec;
pub mod transport;

/// The module's JavaScript, served as `rk6:http.js` for `import ... from "k6/http"`.
pub const JS: &str = include_str!("http.js");
