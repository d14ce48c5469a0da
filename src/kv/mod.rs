//! `k6/x/kv`: the store shared by every VU. The JS API lives in runtime-js/kv.js,
//! the ops here, and the storage (the `Store` trait and its backends) in the
//! `rk6-kv` crate, which embedders can use without any JavaScript.

pub(crate) mod entry_ops;
pub(crate) mod ops;
pub(crate) mod queue_ops;
pub(crate) mod snapshot_ops;

pub use rk6_kv::*;
