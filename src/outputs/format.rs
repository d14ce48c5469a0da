//! Numbers, times and strings written the way k6 (Go) writes them in its file outputs.

use crate::metrics::Tags;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// What a file output wrote for the last shared tag set it met ([`Tags::shared`]):
/// consecutive samples mostly carry the same one, and writing a dozen escaped tags took
/// about as long as the rest of the line, once per sample.
#[derive(Default)]
pub(crate) struct TagsText {
    /// Held, so that no other map can take its address while the text is kept.
    of: Option<Arc<BTreeMap<String, String>>>,
    text: Vec<u8>,
}

impl TagsText {
    /// Appends to `out` what `write` makes of `tags`, reusing it for the same shared map.
    pub fn write(
        &mut self,
        tags: &Tags,
        out: &mut Vec<u8>,
        write: impl FnOnce(&Tags, &mut Vec<u8>),
    ) {
        let Some(map) = tags.shared() else {
            return write(tags, out);
        };
        if !self.of.as_ref().is_some_and(|of| Arc::ptr_eq(of, map)) {
            self.text.clear();
            write(tags, &mut self.text);
            self.of = Some(map.clone());
        }
        out.extend_from_slice(&self.text);
    }
}

/// Seconds and nanoseconds since the Unix epoch (times before it count as the epoch).
pub(crate) fn unix(time: SystemTime) -> (u64, u32) {
    let d = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    (d.as_secs(), d.subsec_nanos())
}

/// `YYYY-MM-DDTHH:MM:SS` (UTC) of `secs` since the epoch.
pub(crate) fn write_date_time(out: &mut Vec<u8>, secs: u64) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
}

/// Go's `time.RFC3339Nano` in UTC: the fraction without its trailing zeros, none at all
/// on a whole second (`2026-01-02T03:04:05.1234Z`). The outputs inline it with the date
/// of the current second kept.
#[cfg(test)]
fn write_rfc3339_nano(out: &mut Vec<u8>, time: SystemTime) {
    let (secs, nanos) = unix(time);
    write_date_time(out, secs);
    write_fraction(out, nanos);
    out.push(b'Z');
}

/// `.nnn` without trailing zeros, nothing for 0.
pub(crate) fn write_fraction(out: &mut Vec<u8>, nanos: u32) {
    if nanos == 0 {
        return;
    }
    let mut digits = [0u8; 9];
    let mut n = nanos;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let len = 9 - digits.iter().rev().take_while(|&&d| d == b'0').count();
    out.push(b'.');
    out.extend_from_slice(&digits[..len]);
}

/// A number as Go's `strconv.FormatFloat(v, 'g', -1, 64)` writes it, as k6's JSON output
/// does: the shortest digits that read back as `v`, in exponent form (`1e-07`,
/// `1.234567e+06`, two exponent digits at least) when the exponent is below -4 or 6 and
/// above, else plainly (`0.049183`, `123456`).
pub(crate) fn write_go_float(out: &mut Vec<u8>, v: f64) {
    if !v.is_finite() {
        // Go would write NaN/+Inf, which no JSON reader takes; null keeps the line valid.
        out.extend_from_slice(b"null");
        return;
    }
    if (1e-4..1e6).contains(&v.abs()) {
        // Exponents -4 to 5: the plain form, without finding the exponent first. ryu
        // writes plain digits in this range, and a whole number with a ".0" Go leaves out.
        match v.fract() == 0.0 {
            true => out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes()),
            false => out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes()),
        }
        return;
    }
    if v == 0.0 {
        let _ = write!(out, "{v}");
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `d[.ddd]e[-]x`.
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("{:e} has an integer exponent");
    if !(-4..6).contains(&exp) {
        out.extend_from_slice(mantissa.as_bytes());
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let _ = write!(out, "{:02}", exp.unsigned_abs());
    } else {
        let _ = write!(out, "{v}");
    }
}

/// A JSON string as k6's JSON output writes it: `"`, `\` and control characters escaped
/// (`\n`, `\r`, `\t`, else `\u00XX`), U+2028 and U+2029 as `\u` escapes, and with `html`
/// (its `Point` lines; not its `Metric` lines) `<`, `>` and `&` too; other characters as
/// they are.
pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str, html: bool) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            b'<' if html => Some(b"\\u003c"),
            b'>' if html => Some(b"\\u003e"),
            b'&' if html => Some(b"\\u0026"),
            0..=0x1f => Some(b""),
            // U+2028 and U+2029 are E2 80 A8 / E2 80 A9.
            0xe2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9)) =>
            {
                Some(b"")
            }
            _ => None,
        };
        match escape {
            None => i += 1,
            Some(text) => {
                out.extend_from_slice(&bytes[start..i]);
                if !text.is_empty() {
                    out.extend_from_slice(text);
                    i += 1;
                } else if b == 0xe2 {
                    let _ = write!(
                        out,
                        "\\u202{}",
                        if bytes[i + 2] == 0xa8 { '8' } else { '9' }
                    );
                    i += 3;
                } else {
                    let _ = write!(out, "\\u{:04x}", b);
                    i += 1;
                }
                start = i;
            }
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// One CSV field as Go's `encoding/csv` writes it: quoted (with `"` doubled) when it
/// holds a comma, a quote, a CR or LF, or starts with a space or tab.
pub(crate) fn write_csv_field(out: &mut Vec<u8>, s: &str) {
    let quote = s.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
        || s.starts_with([' ', '\t'])
        || s == r"\.";
    if !quote {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    out.push(b'"');
    for part in s.split_inclusive('"') {
        out.extend_from_slice(part.as_bytes());
        if part.ends_with('"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn tags_text_is_reused_only_for_the_same_shared_map() {
        let map = |pairs: &[(&str, &str)]| {
            Arc::new(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        let write = |tags: &Tags, out: &mut Vec<u8>| {
            tags.for_each_sorted(|k, v| {
                out.extend_from_slice(format!("{k}={v};").as_bytes());
            })
        };
        let mut cache = TagsText::default();
        let mut line = |tags: &Tags| {
            let mut out = Vec::new();
            cache.write(tags, &mut out, write);
            String::from_utf8(out).unwrap()
        };
        let a = Tags::new(map(&[("method", "GET"), ("status", "200")]));
        let same_map = a.clone();
        // Equal contents, another map: written anew, with its own contents.
        let b = Tags::new(map(&[("method", "POST"), ("status", "200")]));
        let mut own = a.clone();
        own.set("check", "ok");
        assert_eq!(line(&a), "method=GET;status=200;");
        assert_eq!(line(&same_map), "method=GET;status=200;");
        assert_eq!(line(&b), "method=POST;status=200;");
        assert_eq!(line(&own), "check=ok;method=GET;status=200;");
        assert_eq!(line(&b), "method=POST;status=200;");
        assert_eq!(line(&Tags::default()), "");
    }

    fn go(v: f64) -> String {
        let mut out = Vec::new();
        write_go_float(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_as_k6_writes_them() {
        // Observed in k6 v1.1's `--out json`.
        assert_eq!(go(1.0), "1");
        assert_eq!(go(0.049183), "0.049183");
        assert_eq!(go(12.5), "12.5");
        assert_eq!(go(1e-7), "1e-07");
        assert_eq!(go(1e21), "1e+21");
        assert_eq!(go(123456789.123), "1.23456789123e+08");
        assert_eq!(go(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(go(-0.0), "-0");
        assert_eq!(go(5e-324), "5e-324");
        assert_eq!(go(0.0001), "0.0001");
        assert_eq!(go(0.00001), "1e-05");
        assert_eq!(go(123456.0), "123456");
        assert_eq!(go(1234567.0), "1.234567e+06");
    }

    #[test]
    fn plain_floats_have_the_shortest_digits() {
        // The plain range's fast path against Rust's own shortest round-trip formatting,
        // over values spread across it (timings, sizes, rates).
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let exp = (x >> 60) as i32 % 10 - 4;
            let v = (x >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi(exp);
            if !(1e-4..1e6).contains(&v) {
                continue;
            }
            for v in [v, -v, v.trunc()] {
                if v.abs() >= 1e-4 {
                    assert_eq!(go(v), format!("{v}"), "{v:e}");
                }
            }
        }
    }

    #[test]
    fn times_as_rfc3339_nano() {
        let t = UNIX_EPOCH + Duration::new(1_795_792_572, 904_921_380);
        let mut out = Vec::new();
        write_rfc3339_nano(&mut out, t);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "2026-11-27T15:16:12.90492138Z"
        );
        let mut out = Vec::new();
        write_rfc3339_nano(&mut out, UNIX_EPOCH + Duration::from_secs(951_782_400));
        assert_eq!(String::from_utf8(out).unwrap(), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn strings_escaped_as_k6_does() {
        let mut out = Vec::new();
        write_json_str(&mut out, "a<b>&\"\\\n\tü€\u{1}\u{2028}", true);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#""a\u003cb\u003e\u0026\"\\\n\tü€\u0001\u2028""#
        );
        let mut out = Vec::new();
        write_json_str(&mut out, "p(95)<200", false);
        assert_eq!(String::from_utf8(out).unwrap(), r#""p(95)<200""#);
        let mut out = Vec::new();
        write_csv_field(&mut out, "k=a\"b,c");
        assert_eq!(String::from_utf8(out).unwrap(), r#""k=a""b,c""#);
    }
}
