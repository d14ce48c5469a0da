//! The store behind `k6/data`: each `SharedArray` is built once per run and held here as
//! the JSON text of its elements, in one buffer, so 200 VUs reading a 100 MB array cost
//! 100 MB once. A VU holds only a handle; data.js decodes an element when it is read.
//!
//! Other built-in modules can make shared arrays without going through JavaScript
//! values: [`SharedArrays::get_or_build`] with a [`SharedArrayBuilder`], then
//! [`bind`] to give the VU a handle that `view(handle)` in data.js turns into the
//! script's read-only array.

use crate::runtime::state::VuState;
use deno_core::{op2, OpState};
use deno_error::JsErrorBox;
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::sync::Arc;
use std::thread::ThreadId;
use std::time::Duration;

/// A built shared array: element `i` is `text[ends[i-1]..ends[i]]`, the JSON of that
/// element (or `undefined`, for the elements `JSON.stringify` gives nothing for, as k6
/// stores them).
pub struct SharedArray {
    text: Box<str>,
    ends: Box<[u32]>,
}

impl SharedArray {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = match index {
            0 => 0,
            i => self.ends[i - 1] as usize,
        };
        Some(&self.text[start..end])
    }

    /// Bytes held: the JSON text and the element offsets.
    pub fn size(&self) -> usize {
        self.text.len() + self.ends.len() * std::mem::size_of::<u32>()
    }
}

/// Collects elements' JSON one after another; offsets are 32-bit, so an array holds at
/// most 4 GiB of JSON.
#[derive(Default)]
pub struct SharedArrayBuilder {
    text: String,
    ends: Vec<u32>,
}

const TOO_BIG: &str = "a SharedArray can hold at most 4 GiB of JSON";

impl SharedArrayBuilder {
    /// Appends one element given as its JSON text (not checked: it is decoded with
    /// `JSON.parse` when read).
    pub fn push(&mut self, json: &str) -> Result<(), String> {
        self.text.push_str(json);
        let end = u32::try_from(self.text.len()).map_err(|_| TOO_BIG.to_owned())?;
        self.ends.push(end);
        Ok(())
    }

    /// Appends the elements of `chunk`, one JSON text per line (JSON text never holds a
    /// raw newline).
    pub fn push_lines(&mut self, chunk: &str) -> Result<(), String> {
        for line in chunk.split('\n') {
            self.push(line)?;
        }
        Ok(())
    }

    pub fn finish(self) -> SharedArray {
        SharedArray {
            text: self.text.into_boxed_str(),
            ends: self.ends.into_boxed_slice(),
        }
    }
}

enum Slot {
    /// A VU is running the array's function; others wanting the same name wait.
    Building(ThreadId),
    Ready(Arc<SharedArray>),
}

/// The run's shared arrays by name. One per run (in `TestState`), so two runs in one
/// process never see each other's arrays.
#[derive(Default)]
pub struct SharedArrays {
    slots: Mutex<HashMap<String, Slot>>,
    changed: Condvar,
}

/// The right, and duty, to build the array of one name: until [`finish`](Self::finish)
/// is called, every other VU asking for that name waits; dropped unfinished (the function
/// threw), the next VU that asks builds it instead, as k6 does after a failed build.
pub struct BuildTicket {
    arrays: Arc<SharedArrays>,
    name: String,
    done: bool,
}

impl BuildTicket {
    pub fn finish(mut self, array: SharedArray) -> Arc<SharedArray> {
        let array = Arc::new(array);
        self.arrays
            .slots
            .lock()
            .insert(self.name.clone(), Slot::Ready(array.clone()));
        self.done = true;
        self.arrays.changed.notify_all();
        array
    }
}

impl Drop for BuildTicket {
    fn drop(&mut self) {
        if !self.done {
            self.arrays.slots.lock().remove(&self.name);
            self.arrays.changed.notify_all();
        }
    }
}

pub enum Claim {
    Ready(Arc<SharedArray>),
    Build(BuildTicket),
}

impl SharedArrays {
    /// The array called `name`, or the ticket to build it when no VU has. Waits while
    /// another VU builds it; gives up when `stopped` says the run is stopping.
    pub fn claim(
        self: &Arc<Self>,
        name: &str,
        stopped: impl Fn() -> bool,
    ) -> Result<Claim, String> {
        let me = std::thread::current().id();
        let mut slots = self.slots.lock();
        loop {
            match slots.get(name) {
                Some(Slot::Ready(array)) => return Ok(Claim::Ready(array.clone())),
                Some(Slot::Building(builder)) if *builder == me => {
                    return Err(format!(
                        "SharedArray {name:?} is used by the function that builds it"
                    ));
                }
                Some(Slot::Building(_)) => {
                    if stopped() {
                        return Err("the test is stopping".to_owned());
                    }
                    self.changed
                        .wait_for(&mut slots, Duration::from_millis(100));
                }
                None => {
                    slots.insert(name.to_owned(), Slot::Building(me));
                    return Ok(Claim::Build(BuildTicket {
                        arrays: self.clone(),
                        name: name.to_owned(),
                        done: false,
                    }));
                }
            }
        }
    }

    /// The array called `name`, built by `build` if no VU has built it yet (for modules
    /// whose rows come from Rust, as k6's `NewSharedArrayFrom`). `build` runs at most
    /// once per name unless it fails.
    pub fn get_or_build(
        self: &Arc<Self>,
        name: &str,
        stopped: impl Fn() -> bool,
        build: impl FnOnce() -> Result<SharedArray, String>,
    ) -> Result<Arc<SharedArray>, String> {
        match self.claim(name, stopped)? {
            Claim::Ready(array) => Ok(array),
            Claim::Build(ticket) => Ok(ticket.finish(build()?)),
        }
    }
}

/// A VU's view of the run's arrays: the arrays it has handles to, and the arrays its
/// init code is building right now (by name; a build can start another).
#[derive(Default)]
pub struct VuArrays {
    bound: Vec<Arc<SharedArray>>,
    building: HashMap<String, (BuildTicket, SharedArrayBuilder)>,
}

/// Gives this VU a handle to `array` for `view(handle)` in data.js.
pub fn bind(state: &mut OpState, array: Arc<SharedArray>) -> u32 {
    if !state.has::<VuArrays>() {
        state.put(VuArrays::default());
    }
    let bound = &mut state.borrow_mut::<VuArrays>().bound;
    // A script that makes the same array again gets the same handle, not a new entry.
    let index = match bound.iter().position(|a| Arc::ptr_eq(a, &array)) {
        Some(i) => i,
        None => {
            bound.push(array);
            bound.len() - 1
        }
    };
    index as u32
}

fn vu_arrays(state: &mut OpState) -> &mut VuArrays {
    if !state.has::<VuArrays>() {
        state.put(VuArrays::default());
    }
    state.borrow_mut::<VuArrays>()
}

fn bound(state: &OpState, handle: u32) -> Result<&Arc<SharedArray>, JsErrorBox> {
    state
        .try_borrow::<VuArrays>()
        .and_then(|a| a.bound.get(handle as usize))
        .ok_or_else(|| JsErrorBox::generic(format!("no SharedArray with handle {handle}")))
}

pub const NOT_IN_INIT: &str = "new SharedArray must be called in the init context";

/// The handle of the array called `name` (waiting if another VU is building it), or -1
/// when this VU must build it: then data.js runs the function, sends its elements with
/// [`op_data_push`] and ends with [`op_data_finish`] or [`op_data_abandon`]. Scripts make
/// arrays in the init context only; `anywhere` is for built-in modules that, as in k6,
/// may make one later (`csv.parse` in an iteration).
#[op2(fast)]
pub fn op_data_claim(
    state: &mut OpState,
    #[string] name: String,
    anywhere: bool,
) -> Result<i32, JsErrorBox> {
    let vu = state.borrow::<VuState>();
    if !vu.in_init && !anywhere {
        return Err(JsErrorBox::generic(NOT_IN_INIT));
    }
    let test = vu.test.clone();
    let claim = test
        .shared_arrays
        .claim(&name, || test.hard_stop.is_set())
        .map_err(JsErrorBox::generic)?;
    match claim {
        Claim::Ready(array) => Ok(bind(state, array) as i32),
        Claim::Build(ticket) => {
            vu_arrays(state)
                .building
                .insert(name, (ticket, SharedArrayBuilder::default()));
            Ok(-1)
        }
    }
}

fn builder<'a>(
    state: &'a mut OpState,
    name: &str,
) -> Result<&'a mut SharedArrayBuilder, JsErrorBox> {
    vu_arrays(state)
        .building
        .get_mut(name)
        .map(|(_, b)| b)
        .ok_or_else(|| JsErrorBox::generic(format!("SharedArray {name:?} is not being built")))
}

/// Appends elements to the array this VU builds: their JSON, one per line.
#[op2(fast)]
pub fn op_data_push(
    state: &mut OpState,
    #[string] name: &str,
    #[string] chunk: &str,
) -> Result<(), JsErrorBox> {
    builder(state, name)?
        .push_lines(chunk)
        .map_err(JsErrorBox::generic)
}

/// Publishes the array this VU built to every VU; its handle.
#[op2(fast)]
pub fn op_data_finish(state: &mut OpState, #[string] name: &str) -> Result<u32, JsErrorBox> {
    let (ticket, builder) = vu_arrays(state)
        .building
        .remove(name)
        .ok_or_else(|| JsErrorBox::generic(format!("SharedArray {name:?} is not being built")))?;
    let array = ticket.finish(builder.finish());
    release_freed_memory();
    Ok(bind(state, array))
}

/// Hands the memory the build freed back to the OS. Building an array from a big
/// `JSON.parse` frees hundreds of MB of JS objects on this VU's thread; glibc keeps
/// those pages in the thread's arena, where other VUs' threads never reuse them, so
/// without this they would stay in the process's resident set for the whole run.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::os::raw::c_int;
        }
        // SAFETY: malloc_trim only returns free pages of glibc's own heaps to the OS.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Gives up building (the function threw or returned no array): the next VU builds it.
#[op2(fast)]
pub fn op_data_abandon(state: &mut OpState, #[string] name: &str) {
    vu_arrays(state).building.remove(name);
}

#[op2(fast)]
pub fn op_data_len(state: &mut OpState, handle: u32) -> Result<u32, JsErrorBox> {
    Ok(bound(state, handle)?.len() as u32)
}

/// The JSON of element `index`; data.js checks the index against the length first.
#[op2]
#[string]
pub fn op_data_get(state: &mut OpState, handle: u32, index: u32) -> Result<String, JsErrorBox> {
    let array = bound(state, handle)?;
    array
        .get(index as usize)
        .map(str::to_owned)
        .ok_or_else(|| JsErrorBox::range_error(format!("index {index} out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn array(rows: &[&str]) -> SharedArray {
        let mut b = SharedArrayBuilder::default();
        for r in rows {
            b.push(r).unwrap();
        }
        b.finish()
    }

    #[test]
    fn elements_come_back_as_pushed() {
        let mut b = SharedArrayBuilder::default();
        b.push_lines("{\"a\":1}\n\"x\"\n\"\"").unwrap();
        b.push("[1,2]").unwrap();
        let a = b.finish();
        assert_eq!(a.len(), 4);
        let got: Vec<_> = (0..4).map(|i| a.get(i).unwrap()).collect();
        assert_eq!(got, ["{\"a\":1}", "\"x\"", "\"\"", "[1,2]"]);
        assert_eq!(a.get(4), None);
        assert!(array(&[]).is_empty());
    }

    #[test]
    fn racing_builders_of_a_name_build_it_once() {
        let arrays = Arc::new(SharedArrays::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (arrays, calls) = (arrays.clone(), calls.clone());
                std::thread::spawn(move || {
                    arrays
                        .get_or_build(
                            "rows",
                            || false,
                            || {
                                calls.fetch_add(1, Ordering::SeqCst);
                                std::thread::sleep(Duration::from_millis(50));
                                Ok(array(&["1", "2"]))
                            },
                        )
                        .unwrap()
                })
            })
            .collect();
        let got: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(got.iter().all(|a| Arc::ptr_eq(a, &got[0])));
    }

    #[test]
    fn a_failed_build_leaves_the_name_to_the_next_builder() {
        let arrays = Arc::new(SharedArrays::default());
        let err = arrays.get_or_build("n", || false, || Err("bad rows".to_owned()));
        assert_eq!(err.err().as_deref(), Some("bad rows"));
        let a = arrays
            .get_or_build("n", || false, || Ok(array(&["7"])))
            .unwrap();
        assert_eq!(a.get(0), Some("7"));
    }

    #[test]
    fn a_builder_asking_for_its_own_name_gets_an_error_not_a_deadlock() {
        let arrays = Arc::new(SharedArrays::default());
        let inner = arrays.clone();
        let err = arrays.get_or_build(
            "self",
            || false,
            move || {
                inner.get_or_build("self", || false, || Ok(array(&[])))?;
                Ok(array(&[]))
            },
        );
        assert_eq!(
            err.err().as_deref(),
            Some("SharedArray \"self\" is used by the function that builds it")
        );
    }
}
