use crate::StoreError;

/// LMDB's compile-time key limit (`MDB_MAXKEYSIZE`). The memory backend applies it too, so a
/// script behaves the same whichever backend it runs on.
pub const MAX_KEY_BYTES: usize = 511;

/// Checks that `key` can be stored: non-empty and at most [`MAX_KEY_BYTES`] bytes of UTF-8.
///
/// Both backends call this before touching storage; LMDB would otherwise reject such keys only
/// on writes (and silently miss on reads) with a cryptic `MDB_BAD_VALSIZE`.
pub fn validate_key(key: &str) -> Result<(), StoreError> {
    if key.is_empty() {
        return Err(StoreError::KeyRequired);
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(StoreError::KeyTooLarge { len: key.len() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_and_long_keys() {
        assert!(matches!(validate_key(""), Err(StoreError::KeyRequired)));
        assert!(validate_key("a").is_ok());
        assert!(validate_key(&"k".repeat(511)).is_ok());
        assert!(matches!(
            validate_key(&"k".repeat(512)),
            Err(StoreError::KeyTooLarge { len: 512 })
        ));
    }

    #[test]
    fn counts_utf8_bytes_not_chars() {
        // 'é' is two bytes: 255 of them are 510 bytes, 256 are 512.
        assert!(validate_key(&"é".repeat(255)).is_ok());
        assert!(matches!(
            validate_key(&"é".repeat(256)),
            Err(StoreError::KeyTooLarge { len: 512 })
        ));
    }
}
