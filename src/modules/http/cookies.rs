//! Cookie jars, as k6 keeps them: one per VU plus any the script makes with
//! `new http.CookieJar()`. Cookies a response sets (redirect hops included) go with the
//! next requests that match their domain and path (RFC 6265, without the public-suffix
//! list).

use deno_core::url::Url;
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cookie {
    pub name: String,
    pub value: String,
    /// Without a leading dot; for a host-only cookie, the host that set it.
    pub domain: String,
    pub path: String,
    pub host_only: bool,
    pub secure: bool,
    pub http_only: bool,
    /// `None`: a session cookie.
    pub expires: Option<SystemTime>,
    /// The `Max-Age` attribute as sent (0 when absent), for `Response.cookies`.
    pub max_age: i64,
}

#[derive(Debug, Default)]
pub struct Jar {
    cookies: Vec<Cookie>,
}

/// The path a cookie without `Path` gets: the request path up to its last `/`.
fn default_path(url: &Url) -> String {
    let path = url.path();
    match path.rfind('/') {
        Some(0) | None => "/".into(),
        Some(i) => path[..i].into(),
    }
}

fn domain_matches(cookie: &Cookie, host: &str) -> bool {
    if cookie.host_only {
        return host.eq_ignore_ascii_case(&cookie.domain);
    }
    host.eq_ignore_ascii_case(&cookie.domain)
        || (host.len() > cookie.domain.len()
            && host
                .to_ascii_lowercase()
                .ends_with(&cookie.domain.to_ascii_lowercase())
            && host.as_bytes()[host.len() - cookie.domain.len() - 1] == b'.')
}

fn path_matches(cookie_path: &str, path: &str) -> bool {
    path == cookie_path
        || (path.starts_with(cookie_path)
            && (cookie_path.ends_with('/')
                || path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// An `Expires` date such as `Wed, 21 Oct 2015 07:28:00 GMT` (also with dashes between
/// day, month and year, as older servers write it).
pub fn parse_date(s: &str) -> Option<SystemTime> {
    let mut day = None;
    let mut month = None;
    let mut year = None;
    let mut time = None;
    for token in s.split([' ', ',', '-']).filter(|t| !t.is_empty()) {
        if time.is_none() && token.contains(':') {
            let hms: Vec<u64> = token.split(':').filter_map(|p| p.parse().ok()).collect();
            if hms.len() == 3 {
                time = Some(hms[0] * 3600 + hms[1] * 60 + hms[2]);
            }
        } else if let Some(m) = MONTHS
            .iter()
            .position(|m| token.len() >= 3 && token[..3].eq_ignore_ascii_case(m))
        {
            month.get_or_insert(m as u64 + 1);
        } else if let Ok(n) = token.parse::<u64>() {
            if day.is_none() && token.len() <= 2 {
                day = Some(n);
            } else if year.is_none() {
                year = Some(match n {
                    0..=69 => n + 2000,
                    70..=99 => n + 1900,
                    _ => n,
                });
            }
        }
    }
    let (d, m, y, t) = (day?, month?, year?, time?);
    if !(1..=31).contains(&d) || y < 1970 {
        return Some(SystemTime::UNIX_EPOCH);
    }
    // Days from 1970-01-01 to the date (civil calendar, proleptic Gregorian).
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy / 400;
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(days * 86400 + t))
}

#[cfg(test)]
impl Jar {
    /// Stores what a `Set-Cookie` header sent in answer to `url` says, as a response does.
    fn store(&mut self, url: &Url, header: &str) {
        if let Some(cookie) = parse(url, header) {
            self.put(cookie);
        }
    }
}

/// A cookie's attributes, from a `Set-Cookie` header or from `jar.set()`'s options.
#[derive(Debug, Default, Clone)]
pub struct Attributes {
    pub domain: Option<String>,
    pub path: Option<String>,
    pub expires: Option<SystemTime>,
    /// Seconds; zero or less means the cookie is already gone.
    pub max_age: Option<i64>,
    pub secure: bool,
    pub http_only: bool,
}

/// The cookie a `Set-Cookie` header sent in answer to `url` describes, if it is valid.
pub fn parse(url: &Url, header: &str) -> Option<Cookie> {
    let mut parts = header.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let (name, value) = (name.trim(), value.trim().trim_matches('"'));
    if name.is_empty() {
        return None;
    }
    let mut attrs = Attributes::default();
    for attr in parts {
        let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        match k.as_str() {
            "domain" if !v.is_empty() => attrs.domain = Some(v.into()),
            "path" => attrs.path = Some(v.into()),
            "secure" => attrs.secure = true,
            "httponly" => attrs.http_only = true,
            "max-age" => attrs.max_age = v.parse::<i64>().ok(),
            "expires" => attrs.expires = parse_date(v).or(attrs.expires),
            _ => {}
        }
    }
    build(url, name, value, attrs)
}

/// The cookie `name=value` with `attrs`, as set in answer to `url`; `None` when its
/// domain is one `url`'s host may not set cookies for.
pub fn build(url: &Url, name: &str, value: &str, attrs: Attributes) -> Option<Cookie> {
    let host = url.host_str().unwrap_or_default().to_owned();
    let mut cookie = Cookie {
        name: name.into(),
        value: value.into(),
        domain: host.clone(),
        path: default_path(url),
        host_only: true,
        secure: attrs.secure,
        http_only: attrs.http_only,
        expires: attrs.expires,
        max_age: 0,
    };
    if let Some(d) = attrs.domain.filter(|d| !d.is_empty()) {
        let d = d.trim_start_matches('.').to_ascii_lowercase();
        let probe = Cookie {
            domain: d.clone(),
            host_only: false,
            ..cookie.clone()
        };
        // A server may only set cookies for its own domain or a parent of it.
        if !domain_matches(&probe, &host) {
            return None;
        }
        cookie.domain = d;
        cookie.host_only = false;
    }
    if let Some(p) = attrs.path.filter(|p| p.starts_with('/')) {
        cookie.path = p;
    }
    // Max-Age wins over Expires.
    if let Some(secs) = attrs.max_age {
        cookie.max_age = secs;
        cookie.expires = Some(if secs <= 0 {
            SystemTime::UNIX_EPOCH
        } else {
            SystemTime::now() + Duration::from_secs(secs as u64)
        });
    }
    Some(cookie)
}

impl Jar {
    /// Adds or replaces a cookie (same name, domain and path; a replacement keeps the old
    /// one's place, which is its creation order in RFC 6265); an expired one is removed.
    pub fn put(&mut self, cookie: Cookie) {
        let same = self.cookies.iter().position(|c| {
            c.name == cookie.name && c.domain == cookie.domain && c.path == cookie.path
        });
        let live = cookie.expires.is_none_or(|t| t > SystemTime::now());
        match (same, live) {
            (Some(i), true) => self.cookies[i] = cookie,
            (Some(i), false) => {
                self.cookies.remove(i);
            }
            (None, true) => self.cookies.push(cookie),
            (None, false) => {}
        }
    }

    /// The cookies to send to `url`, longest path first (RFC 6265 §5.4).
    pub fn for_url(&mut self, url: &Url) -> Vec<&Cookie> {
        let now = SystemTime::now();
        self.cookies.retain(|c| c.expires.is_none_or(|t| t > now));
        let host = url.host_str().unwrap_or_default();
        let secure = url.scheme() == "https";
        let mut out: Vec<&Cookie> = self
            .cookies
            .iter()
            .filter(|c| domain_matches(c, host) && path_matches(&c.path, url.path()))
            .filter(|c| secure || !c.secure)
            .collect();
        out.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        out
    }

    /// `jar.delete(url, name)` as k6 does it: k6 expires a cookie named `name` *as if
    /// `url` had set it*, so only the one stored for `url`'s host and default path (its
    /// path up to the last `/`) goes; one set with another `Path`, or for a parent
    /// domain, stays (k6 calls this expected: grafana/k6#3026).
    pub fn delete(&mut self, url: &Url, name: &str) {
        let host = url.host_str().unwrap_or_default();
        let path = default_path(url);
        self.cookies
            .retain(|c| !(c.name == name && c.domain.eq_ignore_ascii_case(host) && c.path == path));
    }

    /// `jar.clear(url)` as k6 does it: [`Jar::delete`] for the name of every cookie
    /// `url` would be sent.
    pub fn clear(&mut self, url: &Url) {
        let names: Vec<String> = self.for_url(url).iter().map(|c| c.name.clone()).collect();
        for name in names {
            self.delete(url, &name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn names(jar: &mut Jar, u: &str) -> Vec<String> {
        jar.for_url(&url(u))
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect()
    }

    #[test]
    fn domain_path_and_expiry_rules() {
        let mut jar = Jar::default();
        let origin = url("http://a.example.com/shop/cart");
        jar.store(&origin, "sid=1; Path=/");
        jar.store(&origin, "local=2");
        jar.store(&origin, "wide=3; Domain=.example.com; Path=/");
        jar.store(&origin, "foreign=4; Domain=other.com");
        jar.store(&origin, "gone=5; Max-Age=0");
        jar.store(&origin, "old=6; Expires=Wed, 21 Oct 2015 07:28:00 GMT");
        jar.store(
            &origin,
            "future=7; Expires=Wed, 21 Oct 2099 07:28:00 GMT; Path=/",
        );
        jar.store(&origin, "sec=8; Secure; Path=/");
        assert_eq!(
            names(&mut jar, "http://a.example.com/shop/x"),
            ["local=2", "sid=1", "wide=3", "future=7"]
        );
        assert_eq!(names(&mut jar, "http://b.example.com/"), ["wide=3"]);
        assert_eq!(
            names(&mut jar, "http://a.example.com/shopping"),
            ["sid=1", "wide=3", "future=7"]
        );
        assert_eq!(names(&mut jar, "https://a.example.com/").len(), 4);
        // A later Set-Cookie replaces the value; Max-Age=0 deletes.
        jar.store(&origin, "sid=9; Path=/");
        assert_eq!(names(&mut jar, "http://a.example.com/")[0], "sid=9");
        jar.store(&origin, "sid=; Path=/; Max-Age=-1");
        assert!(!names(&mut jar, "http://a.example.com/")
            .iter()
            .any(|n| n.starts_with("sid=")));
    }

    #[test]
    fn delete_and_clear_reach_only_the_urls_default_path_as_in_k6() {
        let mut jar = Jar::default();
        let set = |jar: &mut Jar, u: &str, h: &str| jar.store(&url(u), h);
        set(&mut jar, "http://h.test/", "root=1; Path=/");
        set(&mut jar, "http://h.test/a/b", "deep=2");
        set(&mut jar, "http://h.test/", "x=3; Path=/a");
        set(&mut jar, "http://a.ex.test/", "w=4; Domain=ex.test");
        jar.delete(&url("http://h.test/a/b"), "root");
        jar.delete(&url("http://h.test/a/b"), "x");
        assert_eq!(names(&mut jar, "http://h.test/a/b"), ["deep=2", "root=1"]);
        jar.clear(&url("http://h.test/a/b"));
        assert_eq!(names(&mut jar, "http://h.test/a/b"), ["root=1"]);
        jar.clear(&url("http://h.test/"));
        assert!(names(&mut jar, "http://h.test/a/b").is_empty());
        // A domain cookie goes only through a URL on that very domain.
        jar.delete(&url("http://b.ex.test/"), "w");
        assert_eq!(names(&mut jar, "http://a.ex.test/"), ["w=4"]);
        jar.delete(&url("http://ex.test/"), "w");
        assert!(names(&mut jar, "http://a.ex.test/").is_empty());
    }

    #[test]
    fn parses_cookie_dates() {
        let t = parse_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            1_445_412_480
        );
        assert_eq!(
            parse_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            parse_date("Sun, 06 Nov 1994 08:49:37 GMT")
        );
        assert_eq!(parse_date("nonsense"), None);
    }
}
