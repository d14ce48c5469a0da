//! Ops behind `k6/encoding`. Decoding accepts and rejects exactly what Go's
//! `encoding/base64` does (k6's reference), and reports the same byte offset, because
//! scripts and their logs see that message.

use base64::alphabet::{Alphabet, STANDARD, URL_SAFE};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use deno_core::op2;
use deno_error::JsErrorBox;

/// One of k6's variants: its alphabet and whether it writes and requires `=` padding.
/// Unknown names mean `std`, as in k6.
#[derive(Clone, Copy)]
pub struct Variant {
    url: bool,
    padded: bool,
}

impl Variant {
    pub fn named(name: &str) -> Self {
        match name {
            "rawstd" => Self {
                url: false,
                padded: false,
            },
            "url" => Self {
                url: true,
                padded: true,
            },
            "rawurl" => Self {
                url: true,
                padded: false,
            },
            _ => Self {
                url: false,
                padded: true,
            },
        }
    }

    fn alphabet(self) -> &'static Alphabet {
        if self.url {
            &URL_SAFE
        } else {
            &STANDARD
        }
    }

    fn engine(self) -> GeneralPurpose {
        // Decoding runs only on input `go_error_offset` accepted, and Go ignores the
        // unused low bits of the last symbol.
        let config = GeneralPurposeConfig::new()
            .with_encode_padding(self.padded)
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent);
        GeneralPurpose::new(self.alphabet(), config)
    }

    fn is_symbol(self, b: u8) -> bool {
        b.is_ascii_alphanumeric()
            || if self.url {
                b == b'-' || b == b'_'
            } else {
                b == b'+' || b == b'/'
            }
    }

    pub fn encode(self, data: &[u8]) -> String {
        self.engine().encode(data)
    }

    /// Decodes as Go does: `\r` and `\n` anywhere are skipped; errors name the offset
    /// Go names, in the input as given.
    pub fn decode(self, input: &str) -> Result<Vec<u8>, String> {
        let bytes = input.as_bytes();
        if let Some(at) = self.go_error_offset(bytes) {
            return Err(format!("illegal base64 data at input byte {at}"));
        }
        let clean: Vec<u8> = bytes
            .iter()
            .copied()
            .filter(|b| *b != b'\r' && *b != b'\n')
            .collect();
        self.engine()
            .decode(clean)
            .map_err(|e| format!("illegal base64 data: {e}"))
    }

    /// Where Go's decoder would stop with `CorruptInputError`, if it would.
    fn go_error_offset(self, src: &[u8]) -> Option<usize> {
        let newline = |b: u8| b == b'\r' || b == b'\n';
        let mut i = 0;
        // Symbols read in the current group of four.
        let mut in_group = 0usize;
        loop {
            while i < src.len() && newline(src[i]) {
                i += 1;
            }
            if i == src.len() {
                return match in_group {
                    0 => None,
                    1 => Some(i - 1),
                    n if self.padded => Some(i - n),
                    _ => None,
                };
            }
            let b = src[i];
            i += 1;
            if self.is_symbol(b) {
                in_group = (in_group + 1) % 4;
                continue;
            }
            if b != b'=' || !self.padded || in_group < 2 {
                return Some(i - 1);
            }
            if in_group == 2 {
                // A group of two symbols needs "==".
                while i < src.len() && newline(src[i]) {
                    i += 1;
                }
                if i == src.len() {
                    return Some(i);
                }
                if src[i] != b'=' {
                    return Some(i - 1);
                }
                i += 1;
            }
            while i < src.len() && newline(src[i]) {
                i += 1;
            }
            // Nothing may follow the padding.
            return (i < src.len()).then_some(i);
        }
    }
}

#[op2]
#[string]
pub fn op_encoding_b64encode(#[buffer] data: &[u8], #[string] variant: &str) -> String {
    Variant::named(variant).encode(data)
}

#[op2]
#[arraybuffer]
pub fn op_encoding_b64decode(
    #[string] input: &str,
    #[string] variant: &str,
) -> Result<Vec<u8>, JsErrorBox> {
    Variant::named(variant)
        .decode(input)
        .map_err(JsErrorBox::generic)
}

/// The `"s"` format: Go's `string(bytes)` as JS sees it, invalid UTF-8 replaced.
#[op2]
#[string]
pub fn op_encoding_b64decode_text(
    #[string] input: &str,
    #[string] variant: &str,
) -> Result<String, JsErrorBox> {
    let bytes = Variant::named(variant)
        .decode(input)
        .map_err(JsErrorBox::generic)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::Variant;

    #[test]
    fn offsets_match_go() {
        let std = Variant::named("std");
        let raw = Variant::named("rawstd");
        assert_eq!(std.go_error_offset(b"aGVsbG8gd29ybGQ/Pg"), Some(16));
        assert_eq!(raw.go_error_offset(b"aGVsbG8gd29ybGQ/Pg=="), Some(18));
        assert_eq!(std.go_error_offset(b"aGVs!G8="), Some(4));
        assert_eq!(std.go_error_offset(b"aGVsbG8"), Some(4));
        assert_eq!(std.go_error_offset(b"123"), Some(0));
        assert_eq!(std.go_error_offset(b"aGVs\nbG8="), None);
        assert_eq!(std.go_error_offset(b"/w=="), None);
        assert_eq!(std.go_error_offset(b"/w="), Some(3));
        assert_eq!(std.go_error_offset(b"/w==x"), Some(4));
        assert_eq!(raw.go_error_offset(b"a"), Some(0));
        assert_eq!(std.decode("aGVsbG9=").unwrap(), b"hello");
    }
}
