//! Values as scripts store them, for programs that seed or read a store from Rust.
//!
//! A store holds bytes; `k6/x/kv` writes JSON text (`serialization: "json"`, the default) or
//! a string's UTF-8 (`serialization: "string"`). Encoding with these gives what a script's
//! `get()` reads back, and decoding reads what its `set()` wrote.
//!
//! Atomic operations (`compareAndSwap`, `compareAndDelete`, `atomic().check`) compare stored
//! bytes: a value seeded from Rust matches a script's value when both serialize to the same
//! text. serde_json and `JSON.stringify` agree on strings, booleans, null, integers and
//! object key order as given, but not on every float (`1.0` vs `1`, `1e21` vs `1e+21`).

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::StoreError;

/// A value's bytes as `serialization: "json"` stores it.
pub fn encode_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value)
        .map_err(|e| serialization(format!("value cannot be stored as JSON ({e})")))
}

/// Reads bytes that `serialization: "json"` stored.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| {
        serialization(format!(
            "stored value is not the JSON text of this type ({e}); was it written with serialization: \"string\"?"
        ))
    })
}

/// A text's bytes as `serialization: "string"` stores it.
pub fn encode_string(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

/// Reads bytes that `serialization: "string"` stored.
pub fn decode_string(bytes: &[u8]) -> Result<String, StoreError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|e| serialization(format!("stored value is not UTF-8 text ({e})")))
}

/// The error a script sees as `SerializationError`.
fn serialization(message: String) -> StoreError {
    StoreError::Rejected {
        name: "SerializationError",
        message,
    }
}
