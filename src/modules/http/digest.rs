//! HTTP Digest authentication (`params.auth: "digest"`, RFC 7616 with MD5): the answer to
//! a server's `WWW-Authenticate: Digest …` challenge, for the one retry k6 makes.

use md5::{Digest as _, Md5};

/// What a Digest challenge asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    /// As the server wrote it, so that the answer names it the same way.
    algorithm: Option<String>,
    sess: bool,
    /// Whether the server offered `qop=auth`; without any qop, RFC 2069's older form applies.
    qop_auth: bool,
}

/// The Digest challenge among a response's `WWW-Authenticate` values, if there is one
/// rk6 can answer (MD5 or MD5-sess; qop `auth` or none).
pub fn challenge<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Challenge> {
    values.into_iter().find_map(|value| {
        let at = value.to_ascii_lowercase().find("digest ")?;
        let params = parse_params(&value[at + "digest ".len()..]);
        let get = |k: &str| {
            params
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
        };
        let algorithm = get("algorithm");
        let sess = match algorithm.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None | Some("MD5") => false,
            Some("MD5-SESS") => true,
            Some(_) => return None,
        };
        let qop = get("qop");
        let qop_auth = match &qop {
            None => false,
            Some(q) if q.split(',').any(|o| o.trim().eq_ignore_ascii_case("auth")) => true,
            // Only auth-int (a digest of the body) was offered.
            Some(_) => return None,
        };
        Some(Challenge {
            realm: get("realm").unwrap_or_default(),
            nonce: get("nonce")?,
            opaque: get("opaque"),
            algorithm,
            sess,
            qop_auth,
        })
    })
}

/// `name=value, name="quoted \" value"` pairs; a quoted value may hold commas.
fn parse_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let name: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ','))
            .collect::<String>()
            .trim()
            .to_owned();
        if name.is_empty() {
            return out;
        }
        if chars.next_if_eq(&'=').is_none() {
            continue;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = std::iter::from_fn(|| chars.next_if(|c| *c != ','))
                .collect::<String>()
                .trim()
                .to_owned();
        }
        out.push((name, value));
    }
}

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fresh client nonce: 16 random bytes in hex, as k6 sends.
pub fn cnonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let random = |i: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i);
        h.finish()
    };
    format!("{:016x}{:016x}", random(1), random(2))
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The `Authorization` value that answers `c` for `method` on `uri` (the request target,
/// path and query), as the first request (`nc=00000001`) after the challenge.
pub fn authorization(
    c: &Challenge,
    user: &str,
    pass: &str,
    method: &str,
    uri: &str,
    cnonce: &str,
) -> String {
    const NC: &str = "00000001";
    let mut ha1 = md5_hex(&format!("{user}:{}:{pass}", c.realm));
    if c.sess {
        ha1 = md5_hex(&format!("{ha1}:{}:{cnonce}", c.nonce));
    }
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    let response = if c.qop_auth {
        md5_hex(&format!("{ha1}:{}:{NC}:{cnonce}:auth:{ha2}", c.nonce))
    } else {
        md5_hex(&format!("{ha1}:{}:{ha2}", c.nonce))
    };
    let mut out = format!(
        "Digest username={}, realm={}, nonce={}, uri={}",
        quoted(user),
        quoted(&c.realm),
        quoted(&c.nonce),
        quoted(uri)
    );
    if let Some(a) = &c.algorithm {
        out.push_str(&format!(", algorithm={}", quoted(a)));
    }
    if c.qop_auth {
        out.push_str(&format!(", qop=auth, nc={NC}, cnonce={}", quoted(cnonce)));
    }
    out.push_str(&format!(", response={}", quoted(&response)));
    if let Some(o) = &c.opaque {
        out.push_str(&format!(", opaque={}", quoted(o)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_rfc_2617s_example() {
        // RFC 2617, section 3.5.
        let c = challenge([r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#]).unwrap();
        let a = authorization(
            &c,
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            "0a4f113b",
        );
        assert!(
            a.contains(r#"response="6629fae49393a05397450978507c4ef1""#),
            "{a}"
        );
        assert!(
            a.contains(r#"opaque="5ccc069c403ebaf9f0171e9517f40e41""#),
            "{a}"
        );
        assert!(a.contains("qop=auth, nc=00000001"), "{a}");
    }

    #[test]
    fn md5_sess_legacy_and_unanswerable_challenges() {
        let c = challenge([
            "Basic realm=x",
            r#"Digest realm="r", nonce="n", algorithm=MD5-sess, qop=auth"#,
        ])
        .unwrap();
        assert!(c.sess);
        let a = authorization(&c, "u", "p", "GET", "/", "c");
        let ha1 = md5_hex(&format!("{}:n:c", md5_hex("u:r:p")));
        let expected = md5_hex(&format!("{ha1}:n:00000001:c:auth:{}", md5_hex("GET:/")));
        assert!(a.contains(&format!("response=\"{expected}\"")), "{a}");
        assert!(a.contains("algorithm=\"MD5-sess\""), "{a}");

        let legacy = challenge([r#"Digest realm="r", nonce="n""#]).unwrap();
        let a = authorization(&legacy, "u", "p", "GET", "/", "c");
        let expected = md5_hex(&format!("{}:n:{}", md5_hex("u:r:p"), md5_hex("GET:/")));
        assert!(a.ends_with(&format!("response=\"{expected}\"")), "{a}");
        assert!(!a.contains("qop"), "{a}");

        assert_eq!(
            challenge([r#"Digest realm="r", nonce="n", algorithm=SHA-256"#]),
            None
        );
        assert_eq!(
            challenge([r#"Digest realm="r", nonce="n", qop="auth-int""#]),
            None
        );
        assert_eq!(challenge(["Basic realm=x"]), None);
    }
}
