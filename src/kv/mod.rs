//! `k6/x/kv`: the store shared by every VU. The JS API lives in runtime-js/kv.js,
//! the ops here, and the storage (the `Store` trait and its backends) in the
//! `rk6-kv` crate, which embedders can use without any JavaScript.

pub mod entry_ops;
pub mod ops;
pub mod queue_ops;
pub mod snapshot_ops;

pub use rk6_kv::*;
