//! What the store keeps beside each value: the versionstamp of the write that stored it and
//! when it expires; and the claims (leases) work queues take on keys.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::Value;

/// Milliseconds since the Unix epoch: the clock expiries and claims are measured on. A wall
/// clock, because a disk store's expiries are shared with other processes and outlive ours.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A stored entry as reads see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The stored bytes.
    pub value: Value,
    /// Identifies the write that stored the value: every write gets a larger one than all
    /// before it in the same store. `0` for values written before versionstamps existed.
    pub versionstamp: u64,
    /// When the entry stops being visible (ms since the Unix epoch), if ever.
    pub expires_at: Option<u64>,
}

/// `true` when an entry expiring at `expires_at` (`0`: never) is gone at `now`.
pub(crate) fn expired(expires_at: u64, now: u64) -> bool {
    expires_at != 0 && expires_at <= now
}

/// A lease on a key, taken by `claimRandom`: while live, no other pick returns the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Unique within the store (the versionstamp of the claiming write, in hex).
    pub id: String,
    /// What the holder proves itself with when releasing or completing the claim.
    pub token: String,
    /// Who took the claim, as the claimer named itself (free text, for people).
    pub owner: String,
    /// When the claim runs out (ms since the Unix epoch).
    pub expires_at: u64,
}

impl Claim {
    /// Whether the claim still holds its key at `now` (ms since the Unix epoch).
    pub fn live(&self, now: u64) -> bool {
        self.expires_at > now
    }

    /// A compact encoding for the disk backend: `expires_at` (8 bytes) then three
    /// length-prefixed strings.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(8 + 12 + self.id.len() + self.token.len() + self.owner.len());
        out.extend_from_slice(&self.expires_at.to_be_bytes());
        for part in [&self.id, &self.token, &self.owner] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Claim> {
        let expires_at = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
        let mut rest = &bytes[8..];
        let mut part = || {
            let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
            let text = std::str::from_utf8(rest.get(4..4 + len)?).ok()?.to_owned();
            rest = &rest[4 + len..];
            Some(text)
        };
        let (id, token, owner) = (part()?, part()?, part()?);
        Some(Claim {
            id,
            token,
            owner,
            expires_at,
        })
    }
}

/// A fresh claim token: 128 random bits in hex. Tokens only guard against a worker
/// releasing another's claim by mistake, so a fast non-cryptographic generator will do.
pub(crate) fn new_token() -> String {
    format!("{:032x}", fastrand::u128(..))
}

/// The hex form scripts see of a versionstamp: 20 digits, so that comparing two as strings
/// orders them as numbers.
pub fn versionstamp_hex(versionstamp: u64) -> String {
    format!("{versionstamp:020x}")
}

/// Parses [`versionstamp_hex`]'s output.
pub fn parse_versionstamp(text: &str) -> Option<u64> {
    if text.len() != 20 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

/// How the disk backend stores an entry: a header, then the value's bytes. The header holds
/// the versionstamp, the expiry and the claim on the key, so one lookup tells whether a key
/// is live and free to pick.
///
/// Values written by earlier versions of rk6 have no header; they are UTF-8 text (JSON or a
/// plain string), which never starts with the byte 0xFF, so the first byte tells the two
/// apart.
pub(crate) mod stored {
    use super::Claim;

    const MARK: u8 = 0xFF;
    const FORMAT: u8 = 1;
    const HAS_EXPIRY: u8 = 1;
    const HAS_CLAIM: u8 = 2;
    const BASE: usize = 3 + 8;

    /// The header of a stored entry, and where its value starts.
    #[derive(Debug, Clone)]
    pub(crate) struct Header {
        pub versionstamp: u64,
        /// `0`: never expires.
        pub expires_at: u64,
        pub claim: Option<Claim>,
        pub len: usize,
    }

    pub(crate) fn encode(
        versionstamp: u64,
        expires_at: u64,
        claim: Option<&Claim>,
        value: &[u8],
    ) -> Vec<u8> {
        let claim = claim.map(Claim::encode);
        let extra = claim.as_ref().map_or(0, |c| 4 + c.len());
        let mut out = Vec::with_capacity(BASE + 8 + extra + value.len());
        out.push(MARK);
        out.push(FORMAT);
        let mut flags = 0;
        if expires_at != 0 {
            flags |= HAS_EXPIRY;
        }
        if claim.is_some() {
            flags |= HAS_CLAIM;
        }
        out.push(flags);
        out.extend_from_slice(&versionstamp.to_be_bytes());
        if expires_at != 0 {
            out.extend_from_slice(&expires_at.to_be_bytes());
        }
        if let Some(claim) = claim {
            out.extend_from_slice(&(claim.len() as u32).to_be_bytes());
            out.extend_from_slice(&claim);
        }
        out.extend_from_slice(value);
        out
    }

    /// `None` when the bytes carry a header this version cannot read (a damaged entry).
    pub(crate) fn header(bytes: &[u8]) -> Option<Header> {
        if bytes.first() != Some(&MARK) {
            return Some(Header {
                versionstamp: 0,
                expires_at: 0,
                claim: None,
                len: 0,
            });
        }
        if bytes.len() < BASE || bytes[1] != FORMAT || bytes[2] & !(HAS_EXPIRY | HAS_CLAIM) != 0 {
            return None;
        }
        let flags = bytes[2];
        let versionstamp = u64::from_be_bytes(bytes[3..BASE].try_into().ok()?);
        let mut at = BASE;
        let mut expires_at = 0;
        if flags & HAS_EXPIRY != 0 {
            expires_at = u64::from_be_bytes(bytes.get(at..at + 8)?.try_into().ok()?);
            at += 8;
        }
        let mut claim = None;
        if flags & HAS_CLAIM != 0 {
            let len = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
            claim = Some(Claim::decode(bytes.get(at + 4..at + 4 + len)?)?);
            at += 4 + len;
        }
        Some(Header {
            versionstamp,
            expires_at,
            claim,
            len: at,
        })
    }
}
