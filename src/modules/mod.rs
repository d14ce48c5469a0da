//! Built-in modules that keep their JavaScript and their Rust ops side by side, one folder
//! each. The loader serves their JS under the specifiers listed in [`SOURCES`].

pub mod crypto;
pub mod csv;
pub mod data;
pub mod encoding;
pub mod fs;
pub mod http;

/// Internal specifier and embedded source of each module's JS.
pub const SOURCES: &[(&str, &str)] = &[
    ("rk6:http.js", http::JS),
    ("rk6:encoding.js", encoding::JS),
    ("rk6:crypto.js", crypto::JS),
    ("rk6:data.js", data::JS),
    ("rk6:fs.js", fs::JS),
    ("rk6:fs-files.js", fs::FILES_JS),
    ("rk6:csv.js", csv::JS),
];
