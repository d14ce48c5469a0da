//! The test options that shape k6/http's connections (`hosts`, `tlsVersion`,
//! `noConnectionReuse`, `noVUConnectionReuse`, `batchPerHost`), read once per VU from the
//! consolidated options, and the checks that turn a bad value of any k6/http option into
//! an invalid-options error before the test starts.

use serde_json::Value;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

/// k6's default for `batchPerHost`.
pub const DEFAULT_BATCH_PER_HOST: usize = 6;

/// The TLS versions rustls speaks; k6's `tls1.0` and `tls1.1` have no counterpart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

/// Where the `hosts` option sends a name: an address, or another name to resolve; the port
/// is the URL's unless the override gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Ip(IpAddr, Option<u16>),
    Name(String, Option<u16>),
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Lowercase `name`, `name:port`, `*.suffix` or `*.suffix:port` → target.
    pub hosts: HashMap<String, Target>,
    pub tls_min: TlsVersion,
    pub tls_max: TlsVersion,
    pub no_connection_reuse: bool,
    pub no_vu_connection_reuse: bool,
    /// `None`: no limit per host (`batchPerHost` 0 or less, as in k6).
    pub batch_per_host: Option<usize>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            hosts: HashMap::new(),
            tls_min: TlsVersion::Tls12,
            tls_max: TlsVersion::Tls13,
            no_connection_reuse: false,
            no_vu_connection_reuse: false,
            batch_per_host: Some(DEFAULT_BATCH_PER_HOST),
        }
    }
}

impl HttpConfig {
    /// Reads (and checks) the options k6/http uses from the script's consolidated options.
    pub fn from_options(options: &Value) -> Result<Self, String> {
        let mut config = Self::default();
        for name in [
            "noConnectionReuse",
            "noVUConnectionReuse",
            "discardResponseBodies",
            "insecureSkipTLSVerify",
            "throw",
        ] {
            match options.get(name) {
                None | Some(Value::Null | Value::Bool(_)) => {}
                Some(other) => return Err(format!("{name} must be true or false, got {other}")),
            }
        }
        let flag = |name: &str| options.get(name).and_then(Value::as_bool) == Some(true);
        config.no_connection_reuse = flag("noConnectionReuse");
        config.no_vu_connection_reuse = flag("noVUConnectionReuse");
        match options.get("userAgent") {
            None | Some(Value::Null | Value::String(_)) => {}
            Some(other) => {
                return Err(format!(
                    "userAgent must be a string (\"\" sends none), got {other}"
                ))
            }
        }
        for name in ["batch", "batchPerHost", "maxRedirects"] {
            match options.get(name) {
                None | Some(Value::Null) => {}
                Some(Value::Number(n)) if n.as_i64().is_some() => {}
                Some(other) => return Err(format!("{name} must be a whole number, got {other}")),
            }
        }
        if let Some(n) = options.get("batchPerHost").and_then(Value::as_i64) {
            config.batch_per_host = (n > 0).then_some(n as usize);
        }
        if let Some(v) = options.get("tlsVersion").filter(|v| !v.is_null()) {
            (config.tls_min, config.tls_max) = tls_versions(v)?;
        }
        if let Some(v) = options.get("hosts").filter(|v| !v.is_null()) {
            config.hosts = hosts(v)?;
        }
        Ok(config)
    }

    /// Where a connection to `host:port` goes, if `hosts` overrides it: `host:port` before
    /// `host`, an exact name before a wildcard.
    pub fn host_override(&self, host: &str, port: u16) -> Option<&Target> {
        if self.hosts.is_empty() {
            return None;
        }
        let host = host.to_ascii_lowercase();
        let exact = |name: &str| {
            self.hosts
                .get(&format!("{name}:{port}"))
                .or_else(|| self.hosts.get(name))
        };
        if let Some(t) = exact(&host) {
            return Some(t);
        }
        // `*.example.com` matches any name under example.com, but not example.com itself.
        let mut rest = host.as_str();
        while let Some((_, parent)) = rest.split_once('.') {
            if let Some(t) = exact(&format!("*.{parent}")) {
                return Some(t);
            }
            rest = parent;
        }
        None
    }
}

fn tls_version(v: &Value, what: &str) -> Result<TlsVersion, String> {
    match v.as_str() {
        Some("tls1.2") => Ok(TlsVersion::Tls12),
        Some("tls1.3") => Ok(TlsVersion::Tls13),
        Some("tls1.0" | "tls1.1") => Err(format!(
            "{what} {v}: rk6 (rustls) speaks only \"tls1.2\" and \"tls1.3\""
        )),
        _ => Err(format!("{what} must be \"tls1.2\" or \"tls1.3\", got {v}")),
    }
}

/// `"tls1.2"` (that version only) or `{min, max}` (either may be left out).
fn tls_versions(v: &Value) -> Result<(TlsVersion, TlsVersion), String> {
    if v.is_string() {
        let only = tls_version(v, "tlsVersion")?;
        return Ok((only, only));
    }
    let Value::Object(m) = v else {
        return Err(format!(
            "tlsVersion must be \"tls1.2\", \"tls1.3\" or {{ min: \"tls1.2\", max: \"tls1.3\" }}, got {v}"
        ));
    };
    if let Some(k) = m.keys().find(|k| *k != "min" && *k != "max") {
        return Err(format!("tlsVersion: unknown field {k:?}; use min and max"));
    }
    // k6 lets a range start below TLS 1.2; rustls has nothing below it, so such a range
    // starts at 1.2.
    let min = match m.get("min").filter(|v| !v.is_null()) {
        Some(v) if matches!(v.as_str(), Some("tls1.0" | "tls1.1")) => TlsVersion::Tls12,
        Some(v) => tls_version(v, "tlsVersion.min")?,
        None => TlsVersion::Tls12,
    };
    let max = match m.get("max").filter(|v| !v.is_null()) {
        Some(v) => tls_version(v, "tlsVersion.max")?,
        None => TlsVersion::Tls13,
    };
    if min > max {
        return Err(format!(
            "tlsVersion: min {} is above max {}",
            m["min"], m["max"]
        ));
    }
    Ok((min, max))
}

fn port_of(text: &str, what: &str) -> Result<u16, String> {
    text.parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| format!("{what}: {text:?} is not a port"))
}

/// `"1.2.3.4"`, `"1.2.3.4:8080"`, `"[::1]:8080"`, `"::1"`, `"other.host"`, `"other.host:8080"`.
fn target(text: &str, what: &str) -> Result<Target, String> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(Target::Ip(ip, None));
    }
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(Target::Ip(addr.ip(), Some(addr.port())));
    }
    let (name, port) = match text.rsplit_once(':') {
        Some((name, port)) => (name, Some(port_of(port, what)?)),
        None => (text, None),
    };
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
    if !valid {
        return Err(format!(
            "{what} must be an IP address or a host name, with an optional :port, got {text:?}"
        ));
    }
    Ok(Target::Name(name.to_ascii_lowercase(), port))
}

fn hosts(v: &Value) -> Result<HashMap<String, Target>, String> {
    let Value::Object(m) = v else {
        return Err(format!(
            "hosts must be an object like {{ \"test.k6.io\": \"127.0.0.1\" }}, got {v}"
        ));
    };
    let mut out = HashMap::new();
    for (key, value) in m {
        let what = format!("hosts[{key:?}]");
        let Some(text) = value.as_str() else {
            return Err(format!("{what} must be a string, got {value}"));
        };
        let name = match key.rsplit_once(':') {
            Some((name, port)) if !name.contains(':') => {
                port_of(port, &what)?;
                name
            }
            _ => key.as_str(),
        };
        let bare = name.strip_prefix("*.").unwrap_or(name);
        if bare.is_empty() || bare.contains('*') {
            return Err(format!(
                "{what}: the name must be a host name, optionally with a leading \"*.\" wildcard"
            ));
        }
        out.insert(key.to_ascii_lowercase(), target(text, &what)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn host_overrides_match_like_k6() {
        let c = HttpConfig::from_options(&json!({"hosts": {
            "a.test": "127.0.0.1", "*.w.test": "10.0.0.1", "b.test:80": "127.0.0.1:8080",
            "C.Test": "localhost:9", "v6.test": "[::1]:81"
        }}))
        .unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            c.host_override("A.test", 1),
            Some(&Target::Ip(ip("127.0.0.1"), None))
        );
        assert_eq!(
            c.host_override("x.w.test", 1),
            Some(&Target::Ip(ip("10.0.0.1"), None))
        );
        assert_eq!(c.host_override("w.test", 1), None);
        assert_eq!(
            c.host_override("b.test", 80),
            Some(&Target::Ip(ip("127.0.0.1"), Some(8080)))
        );
        assert_eq!(c.host_override("b.test", 81), None);
        assert_eq!(
            c.host_override("c.test", 1),
            Some(&Target::Name("localhost".into(), Some(9)))
        );
        assert_eq!(
            c.host_override("v6.test", 1),
            Some(&Target::Ip(ip("::1"), Some(81)))
        );
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            json!({"hosts": []}),
            json!({"hosts": {"a": 5}}),
            json!({"hosts": {"a": "b c"}}),
            json!({"hosts": {"a:x": "1.2.3.4"}}),
            json!({"tlsVersion": "tls9"}),
            json!({"tlsVersion": "tls1.1"}),
            json!({"tlsVersion": {"min": "tls1.3", "max": "tls1.2"}}),
            json!({"tlsVersion": {"mn": "tls1.3"}}),
            json!({"tlsVersion": 5}),
            json!({"userAgent": 5}),
            json!({"batchPerHost": "x"}),
            json!({"noConnectionReuse": "yes"}),
            json!({"discardResponseBodies": 1}),
        ] {
            assert!(HttpConfig::from_options(&bad).is_err(), "{bad}");
        }
        let c =
            HttpConfig::from_options(&json!({"tlsVersion": {"min": "tls1.0"}, "batchPerHost": 0}))
                .unwrap();
        assert_eq!(
            (c.tls_min, c.tls_max),
            (TlsVersion::Tls12, TlsVersion::Tls13)
        );
        assert_eq!(c.batch_per_host, None);
        let c = HttpConfig::from_options(&json!({"tlsVersion": "tls1.3"})).unwrap();
        assert_eq!(
            (c.tls_min, c.tls_max),
            (TlsVersion::Tls13, TlsVersion::Tls13)
        );
    }
}
