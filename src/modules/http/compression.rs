//! Content codings both ways: `params.compression` compresses request bodies, and
//! response bodies are decoded by their `Content-Encoding`, with the codings k6 knows
//! (gzip, deflate, br, zstd).

use bytes::Bytes;
use std::io::{Read, Write};

/// What `params.compression` accepts, in k6's words.
pub const SUPPORTED: &str = "[gzip deflate zstd br]";

/// One content coding k6 can apply to a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
    Br,
    Zstd,
}

impl Coding {
    pub fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Br => "br",
            Coding::Zstd => "zstd",
        }
    }
}

/// `"gzip"`, `"gzip, br"`…: the codings in the order they apply, or k6's error for an
/// unknown one. Names are case-sensitive, as in k6.
pub fn parse(list: &str) -> Result<Vec<Coding>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| match name {
            "gzip" => Ok(Coding::Gzip),
            "deflate" => Ok(Coding::Deflate),
            "br" => Ok(Coding::Br),
            "zstd" => Ok(Coding::Zstd),
            other => Err(format!(
                "unknown compression algorithm {other}, supported algorithms are {SUPPORTED}"
            )),
        })
        .collect()
}

/// The body with each coding applied in turn; `Content-Encoding` lists them in that order.
///
/// Never inlined: the encoders keep ~200 KB of state on the stack, and inlined into the
/// request builder that frame was reserved, page by page, for every request, compressed
/// or not: 100 VUs' stacks then no longer fitted in the caches.
#[inline(never)]
pub fn compress(body: &[u8], codings: &[Coding]) -> std::io::Result<Vec<u8>> {
    let mut data = body.to_vec();
    for coding in codings {
        data = match coding {
            Coding::Gzip => {
                let mut enc =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(&data)?;
                enc.finish()?
            }
            // HTTP's "deflate" is the zlib format (RFC 9110), which k6 sends too.
            Coding::Deflate => {
                let mut enc =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(&data)?;
                enc.finish()?
            }
            Coding::Br => {
                let mut out = Vec::new();
                // Quality 6 as k6's encoder defaults to; brotli's own 11 is many times slower.
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 6,
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut &data[..], &mut out, &params)?;
                out
            }
            Coding::Zstd => ruzstd::encoding::compress_to_vec(
                &data[..],
                ruzstd::encoding::CompressionLevel::Fastest,
            ),
        };
    }
    Ok(data)
}

/// The body with its `Content-Encoding` undone (`None`: the header was absent).
pub fn decode(encoding: Option<&str>, body: Bytes) -> Result<Bytes, String> {
    match encoding {
        None => Ok(body),
        Some(encoding) => undo(encoding, body),
    }
}

/// Kept out of line for the reason `compress` is: the decoders' stack frames are only
/// paid by the responses that need them.
#[inline(never)]
fn undo(encoding: &str, body: Bytes) -> Result<Bytes, String> {
    let mut data = body;
    // Encodings apply in the order listed, so they are undone from the last.
    for coding in encoding.rsplit(',').map(str::trim) {
        let mut out = Vec::new();
        let read = match coding.to_ascii_lowercase().as_str() {
            "" | "identity" => continue,
            "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(&data[..]).read_to_end(&mut out),
            "deflate" => flate2::read::ZlibDecoder::new(&data[..]).read_to_end(&mut out),
            "br" => brotli::Decompressor::new(&data[..], 8192).read_to_end(&mut out),
            "zstd" => match ruzstd::decoding::StreamingDecoder::new(&data[..]) {
                Ok(mut dec) => dec.read_to_end(&mut out),
                Err(e) => Err(std::io::Error::other(e.to_string())),
            },
            other => return Err(format!("unsupported Content-Encoding {other:?}")),
        };
        read.map_err(|e| format!("cannot decode the {coding} response body: {e}"))?;
        data = out.into();
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_coding_round_trips_in_any_combination() {
        let text = b"hello hello hello hello, compressed".repeat(20);
        for list in [
            "gzip",
            "deflate",
            "br",
            "zstd",
            "gzip, br",
            "zstd,deflate, gzip",
        ] {
            let codings = parse(list).unwrap();
            let packed = compress(&text, &codings).unwrap();
            assert_ne!(packed, text, "{list}");
            let header = codings
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(", ");
            assert_eq!(
                decode(Some(&header), packed.into()).unwrap(),
                text,
                "{list}"
            );
        }
    }

    #[test]
    fn unknown_codings_are_named() {
        assert_eq!(parse("").unwrap(), []);
        assert_eq!(
            parse("gzip, lzma").unwrap_err(),
            "unknown compression algorithm lzma, supported algorithms are [gzip deflate zstd br]"
        );
        assert!(parse("GZIP").is_err());
        assert!(parse("identity").is_err());
    }
}
