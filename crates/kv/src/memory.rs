use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use parking_lot::RwLock;

use crate::txn::Staging;
use crate::{validate_key, AtomicStep, Query, Store, StoreError, Value, WriteHandle};

/// A process-local store in a `BTreeMap`, whose `String` order is the UTF-8 byte order that
/// `list` promises. Writes complete immediately.
#[derive(Debug, Default)]
pub struct MemoryStore {
    map: RwLock<BTreeMap<String, Value>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}

/// The one memory store of this process, so that every VU of a run sees the same data.
pub fn open_memory_shared() -> Arc<MemoryStore> {
    static SHARED: OnceLock<Arc<MemoryStore>> = OnceLock::new();
    SHARED.get_or_init(|| Arc::new(MemoryStore::new())).clone()
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Value>, StoreError> {
        validate_key(key)?;
        Ok(self.map.read().get(key).cloned())
    }

    fn get_with(&self, key: &str, f: &mut dyn FnMut(Option<&[u8]>)) -> Result<(), StoreError> {
        validate_key(key)?;
        f(self.map.read().get(key).map(Vec::as_slice));
        Ok(())
    }

    fn exists(&self, key: &str) -> Result<bool, StoreError> {
        validate_key(key)?;
        Ok(self.map.read().contains_key(key))
    }

    fn query(&self, query: &Query<'_>) -> Result<Vec<(String, Value)>, StoreError> {
        query.check()?;
        let Some(bounds) = query.bounds() else {
            return Ok(Vec::new());
        };
        let map = self.map.read();
        let range = map.range::<String, _>(bounds);
        let entry = |(key, value): (&String, &Value)| (key.clone(), value.clone());
        Ok(if query.reverse {
            range.rev().take(query.limit()).map(entry).collect()
        } else {
            range.take(query.limit()).map(entry).collect()
        })
    }

    fn count(&self, prefix: &str) -> Result<u64, StoreError> {
        let map = self.map.read();
        if prefix.is_empty() {
            return Ok(map.len() as u64);
        }
        let Some(bounds) = (Query {
            prefix,
            ..Default::default()
        })
        .bounds() else {
            return Ok(0);
        };
        Ok(map.range::<String, _>(bounds).count() as u64)
    }

    fn size(&self) -> Result<u64, StoreError> {
        Ok(self.map.read().len() as u64)
    }

    fn set(&self, key: &str, value: Value) -> WriteHandle {
        WriteHandle::ready(validate_key(key).map(|()| {
            self.map.write().insert(key.to_owned(), value);
        }))
    }

    fn delete(&self, key: &str) -> WriteHandle {
        WriteHandle::ready(validate_key(key).map(|()| {
            self.map.write().remove(key);
        }))
    }

    fn clear(&self) -> WriteHandle {
        // Swap under the lock, free outside it: dropping a large map can take a while.
        let old = std::mem::take(&mut *self.map.write());
        drop(old);
        WriteHandle::ready(Ok(()))
    }

    fn atomic(&self, mut step: AtomicStep) -> WriteHandle {
        let mut map = self.map.write();
        let mut staging = Staging::new(|key: &str| Ok(map.get(key).cloned()));
        let result = step(&mut staging);
        let writes = staging.into_writes();
        if result.is_ok() {
            for (key, value) in writes {
                match value {
                    Some(value) => map.insert(key, value),
                    None => map.remove(&key),
                };
            }
        }
        WriteHandle::ready(result)
    }

    fn backend_name(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_store_is_one_instance() {
        assert!(Arc::ptr_eq(&open_memory_shared(), &open_memory_shared()));
    }
}
