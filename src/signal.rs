//! A one-way "stop now" flag that can be waited on from blocking code (sleep in a VU
//! thread), from async code (the VU's event loop) and polled cheaply.

use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// A one-way stop flag that threads can wait on (blocking or async), for cancelling a run
/// from outside ([`crate::Runner::stop_on`]).
#[derive(Default)]
pub struct StopSignal {
    set: AtomicBool,
    lock: Mutex<()>,
    cv: Condvar,
    notify: Notify,
    /// Signals that fire together with this one (see [`StopSignal::link`]).
    children: Mutex<Vec<Arc<StopSignal>>>,
    /// Told when this signal fires (see [`StopSignal::watch`]).
    watchers: Mutex<Vec<Weak<dyn Watcher>>>,
}

/// Something that must act on the triggering thread when a signal fires, because the
/// thread it stops cannot look: a VU whose JavaScript spins never returns to its event
/// loop, so only terminating its isolate from outside stops it.
pub trait Watcher: Send + Sync {
    /// `signal` (one this watcher watches) has fired.
    fn fired(&self, signal: &StopSignal);
}

impl std::fmt::Debug for StopSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopSignal")
            .field("set", &self.is_set())
            .finish()
    }
}

impl StopSignal {
    /// A signal that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the signal and wakes everything waiting on it (and on linked signals).
    pub fn trigger(&self) {
        if self.set.swap(true, Ordering::SeqCst) {
            return;
        }
        // Taking the lock orders this with a sleeper that checked the flag and is about to wait.
        {
            let _guard = self.lock.lock();
            self.cv.notify_all();
            self.notify.notify_waiters();
        }
        let watchers = std::mem::take(&mut *self.watchers.lock());
        for watcher in watchers.iter().filter_map(Weak::upgrade) {
            watcher.fired(self);
        }
        for child in std::mem::take(&mut *self.children.lock()) {
            child.trigger();
        }
    }

    /// Makes `watcher` hear when this signal fires (at once if it already has). It is
    /// held weakly: a watcher that is dropped is simply not told.
    pub fn watch(&self, watcher: Weak<dyn Watcher>) {
        let mut watchers = self.watchers.lock();
        // Checked under the lock, as in `link`.
        if self.is_set() {
            drop(watchers);
            if let Some(w) = watcher.upgrade() {
                w.fired(self);
            }
        } else {
            watchers.push(watcher);
        }
    }

    /// Makes `child` fire when this signal fires (at once if it already has). A VU that
    /// can be stopped on its own (ramp-down) listens to a child of its scenario's signal.
    pub fn link(&self, child: Arc<StopSignal>) {
        let mut children = self.children.lock();
        // Checked under the lock: `trigger` sets the flag before it takes the children.
        if self.is_set() {
            drop(children);
            child.trigger();
        } else {
            children.push(child);
        }
    }

    /// Whether it was set.
    pub fn is_set(&self) -> bool {
        self.set.load(Ordering::Acquire)
    }

    /// Sleeps up to `duration`; returns `true` when woken early because the signal fired.
    pub fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let mut guard = self.lock.lock();
        loop {
            if self.is_set() {
                return true;
            }
            if self.cv.wait_until(&mut guard, deadline).timed_out() {
                return self.is_set();
            }
        }
    }

    /// Resolves once the signal has fired.
    pub async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_set() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linked_child_fires_with_its_parent_and_not_the_other_way() {
        let parent = StopSignal::new();
        let (early, late) = (Arc::new(StopSignal::new()), Arc::new(StopSignal::new()));
        parent.link(early.clone());
        early.trigger();
        assert!(!parent.is_set());
        let sibling = Arc::new(StopSignal::new());
        parent.link(sibling.clone());
        parent.trigger();
        assert!(sibling.is_set());
        // Linking to a parent that already fired fires the child at once.
        parent.link(late.clone());
        assert!(late.is_set());
    }
}
