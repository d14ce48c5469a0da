//! How the LMDB file is laid out beyond the entries themselves.
//!
//! Every user key is UTF-8, whose bytes are never 0xFF, so keys starting with 0xFF can never
//! collide with one and sort after all of them: that is where the store keeps its own
//! records. Reads of entries stop below [`RESERVED`].
//!
//! * [`META`]: the latest versionstamp and how many index records follow.
//! * [`EXPIRY`] `+ expires_at + versionstamp` → the key: entries with an expiry, soonest
//!   first, for the sweeper (the versionstamp keeps the record short and unique whatever
//!   the key's length; LMDB keys are at most 511 bytes).
//! * [`CLAIMS`] `+ expires_at + claim versionstamp` → the key: the claims, for `stats()`.

use heed::types::Bytes;
use heed::{Database, RoTxn, RwTxn};

use crate::entry::stored::Header;

pub(crate) const RESERVED: &[u8] = &[0xFF];
pub(crate) const META: &[u8] = &[0xFF, b'm'];
pub(crate) const EXPIRY: &[u8] = &[0xFF, b'x'];
pub(crate) const CLAIMS: &[u8] = &[0xFF, b'c'];

/// The store's own counters. Files written before they existed have none: all zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Meta {
    pub version: u64,
    /// Records under [`EXPIRY`].
    pub expiring: u64,
    /// Records under [`CLAIMS`].
    pub claims: u64,
}

impl Meta {
    /// The counters, or `None` in a file that has no record of them yet.
    pub(crate) fn read(db: Database<Bytes, Bytes>, txn: &RoTxn) -> heed::Result<Option<Meta>> {
        let Some(bytes) = db.get(txn, META)? else {
            return Ok(None);
        };
        let field = |i: usize| {
            bytes
                .get(i * 8..i * 8 + 8)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u64::from_be_bytes)
        };
        Ok(Some(Meta {
            version: field(0),
            expiring: field(1),
            claims: field(2),
        }))
    }

    pub(crate) fn write(&self, db: Database<Bytes, Bytes>, txn: &mut RwTxn) -> heed::Result<()> {
        let mut bytes = [0u8; 24];
        bytes[..8].copy_from_slice(&self.version.to_be_bytes());
        bytes[8..16].copy_from_slice(&self.expiring.to_be_bytes());
        bytes[16..].copy_from_slice(&self.claims.to_be_bytes());
        db.put(txn, META, &bytes)
    }

    /// How many records of a file holding this (stored) record are the store's own rather
    /// than entries: this one and the index records.
    pub(crate) fn reserved(&self) -> u64 {
        1 + self.expiring + self.claims
    }
}

/// `tag + at + versionstamp`: an index record's key.
pub(crate) fn index_key(tag: &[u8], at: u64, versionstamp: u64) -> [u8; 18] {
    let mut key = [0u8; 18];
    key[..2].copy_from_slice(tag);
    key[2..10].copy_from_slice(&at.to_be_bytes());
    key[10..].copy_from_slice(&versionstamp.to_be_bytes());
    key
}

/// The time an index record's key holds.
pub(crate) fn index_time(key: &[u8]) -> u64 {
    key.get(2..10)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_be_bytes)
}

/// Keeps the index records and counters in step when an entry with header `old` (if any) is
/// replaced by one with header `new` (if any).
pub(crate) fn reindex(
    db: Database<Bytes, Bytes>,
    txn: &mut RwTxn,
    meta: &mut Meta,
    key: &str,
    old: Option<&Header>,
    new: Option<&Header>,
) -> heed::Result<()> {
    let expiry = |h: &Header| (h.expires_at != 0).then_some((h.expires_at, h.versionstamp));
    let claim = |h: &Header| {
        h.claim
            .as_ref()
            .map(|c| (c.expires_at, claim_version(&c.id)))
    };
    let (old_expiry, new_expiry) = (old.and_then(expiry), new.and_then(expiry));
    if old_expiry != new_expiry {
        if let Some((at, v)) = old_expiry {
            if db.delete(txn, &index_key(EXPIRY, at, v))? {
                meta.expiring = meta.expiring.saturating_sub(1);
            }
        }
        if let Some((at, v)) = new_expiry {
            db.put(txn, &index_key(EXPIRY, at, v), key.as_bytes())?;
            meta.expiring += 1;
        }
    }
    let (old_claim, new_claim) = (old.and_then(claim), new.and_then(claim));
    if old_claim != new_claim {
        if let Some((at, v)) = old_claim {
            if db.delete(txn, &index_key(CLAIMS, at, v))? {
                meta.claims = meta.claims.saturating_sub(1);
            }
        }
        if let Some((at, v)) = new_claim {
            db.put(txn, &index_key(CLAIMS, at, v), key.as_bytes())?;
            meta.claims += 1;
        }
    }
    Ok(())
}

/// Claim ids are the hex versionstamp of the claiming write.
fn claim_version(id: &str) -> u64 {
    u64::from_str_radix(id, 16).unwrap_or(0)
}
