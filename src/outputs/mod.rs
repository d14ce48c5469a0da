//! Outputs: consumers of the run's event stream that write what happened somewhere
//! (files, a report, the terminal), as k6's `--out` does.
//!
//! Every output is fed by the stream's dispatcher (see [`crate::events`]), after the
//! aggregate and the log output, with the same batches in the same order. Unlike an
//! embedder's subscription an output never loses an event: when it falls behind, the
//! dispatcher waits for it, and VUs wait once the stream's queue is full. So an output
//! that does slow work (compression, a network) should hand it to a thread of its own.
//!
//! [`progress`] is one: the live display `rk6 run` adds unless `-q` is given.

pub mod web_dashboard;

pub mod csv;
mod file;
mod format;
pub mod json;
mod points;
pub mod spec;

use crate::events::Event;
use std::sync::Arc;
use std::time::Duration;

/// Makes an output when a run starts (a `Runner` can run more than once, so it holds
/// makers rather than outputs). An error fails the run before any VU starts, with exit
/// code 104, naming the output.
pub type OutputMaker = Arc<dyn Fn(&RunInfo) -> Result<Box<dyn Output>, String> + Send + Sync>;

/// What an output is told when the run's stream starts.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RunInfo {
    /// The script's path as it was given.
    pub script: String,
}

/// A consumer of the run's events, fed on the stream's dispatcher thread.
///
/// The calls come in this order: [`start`](Self::start) once, then
/// [`events`](Self::events) for each batch and [`tick`](Self::tick) at the pace
/// [`tick_interval`](Self::tick_interval) asks for, then [`stop`](Self::stop) once, after
/// the [`Event::Ended`] batch.
pub trait Output: Send {
    /// The name the run's messages use for it (`json`, `csv`, `web-dashboard`, ...).
    fn name(&self) -> &str;

    /// Whether it needs every metric sample and check, with their tags (true for file
    /// outputs). When no consumer does, VUs skip building tags nobody reads.
    fn wants_samples(&self) -> bool {
        true
    }

    /// Called on the dispatcher thread before any event. An error here is logged and the
    /// output gets no further calls.
    fn start(&mut self) -> Result<(), String> {
        Ok(())
    }

    /// One batch of events, in the order VUs produced them.
    fn events(&mut self, batch: &[Event]);

    /// How often [`tick`](Self::tick) should be called while scenarios run; `None` for
    /// never.
    fn tick_interval(&self) -> Option<Duration> {
        None
    }

    /// Called about every [`tick_interval`](Self::tick_interval), even when no event came.
    fn tick(&mut self) {}

    /// Called once, after the last event: flush, close, write the report. An error is
    /// logged at the end of the run (it does not change the exit code, as in k6).
    fn stop(&mut self) -> Result<(), String> {
        Ok(())
    }
}

pub mod progress;
