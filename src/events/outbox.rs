//! A VU's buffer of events, handed to the dispatcher in batches so that recording a
//! sample costs a push, not a lock or a channel send.

use super::bus::Bus;
use super::Event;
use rustc_hash::FxHashSet;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// A full buffer is sent at once, so memory stays bounded in long iterations. 256 events
/// (~32 KB) stay under the allocator's mmap threshold: a batch costs no page faults.
const MAX_BATCH: usize = 256;

/// At an iteration's end the buffer is sent if it is this old, so short iterations share
/// one send and subscribers still see events within this delay.
const MAX_AGE: Duration = Duration::from_millis(50);

/// Names interned per VU; past this many distinct names (a script naming checks after
/// each URL, say), new ones are allocated per sample instead of kept forever.
const MAX_NAMES: usize = 10_000;

pub(crate) struct Outbox {
    bus: Arc<Bus>,
    buffer: Vec<Event>,
    since: Instant,
    /// Metric, check and group names as shared strings: a sample then clones a pointer.
    /// Each VU has its own so that VU threads do not contend on one reference count.
    names: FxHashSet<Arc<str>>,
    /// One reading of both clocks, so that an `Instant` the VU already took converts to
    /// wall-clock time without reading the clock again.
    anchor: (Instant, SystemTime),
}

impl Outbox {
    pub fn new(bus: Arc<Bus>) -> Self {
        Self {
            bus,
            buffer: Vec::new(),
            since: Instant::now(),
            names: FxHashSet::default(),
            anchor: (Instant::now(), SystemTime::now()),
        }
    }

    /// The wall-clock time of `at`.
    pub fn time_of(&self, at: Instant) -> SystemTime {
        self.anchor.1 + at.saturating_duration_since(self.anchor.0)
    }

    /// `name` as a shared string.
    pub fn name(&mut self, name: &str) -> Arc<str> {
        if let Some(known) = self.names.get(name) {
            return known.clone();
        }
        let shared: Arc<str> = name.into();
        if self.names.len() < MAX_NAMES {
            self.names.insert(shared.clone());
        }
        shared
    }

    pub fn push(&mut self, event: Event) {
        self.buffer.push(event);
        if self.buffer.len() >= MAX_BATCH {
            self.flush();
        }
    }

    /// Sends the buffer if a batch is due (called as an iteration ends).
    pub fn maybe_flush(&mut self, now: Instant) {
        if now.duration_since(self.since) >= MAX_AGE {
            self.flush();
        }
    }

    /// Sends whatever is buffered.
    pub fn flush(&mut self) {
        self.since = Instant::now();
        if self.buffer.is_empty() {
            return;
        }
        let capacity = self.buffer.len().next_power_of_two().min(MAX_BATCH);
        let batch = std::mem::replace(&mut self.buffer, Vec::with_capacity(capacity));
        self.bus.send_batch(batch);
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.flush();
    }
}
