//! Which of a run's looping VUs run iterations at a time.
//!
//! When there are many more VUs than cores and all of them want the CPU (a fast server,
//! often on the same machine), each VU gets the CPU once per round, and by its next turn
//! the caches hold the other VUs' memory: an iteration touches ~80 KB of its VU's own
//! heap and stack, and at 100 VUs on 2 cores a request cost about three times the CPU it
//! cost at 10. So VUs are *admitted* to run iterations, and at most [`PER_CORE`] admitted
//! VUs per core may be awake (running, or ready to run) at a time. The others wait
//! between iterations, where nothing is measured, and an admitted VU gives its place to
//! the longest-waiting one every [`QUANTUM`], so every VU makes progress.
//!
//! An admitted VU that blocks (in `sleep()`, for a response, for a timer) is not awake,
//! and another VU is admitted meanwhile: the places where a VU thread blocks say so
//! ([`parks`], [`unparks`], [`parked`]). So only VUs that compete for the CPU are
//! limited; a script that mostly waits ends up with every VU admitted, as it would be
//! without any of this.

use crate::signal::StopSignal;
use parking_lot::Mutex;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::Thread;
use std::time::{Duration, Instant};

/// Awake admitted VUs per core. Measured on 2 cores against a loopback server in its own
/// process: without admission 10 VUs ran a request in a third of the CPU time that 100
/// did. With 100 VUs, the client's CPU per request against the server's (which does the
/// same work whatever the client does, so it stands for how fast the shared host is at
/// that moment), alternating: 3 a core 2.70, 5 a core 2.46–2.72, 8 a core 2.78–3.08.
pub const PER_CORE: usize = 5;
/// How long an admitted VU keeps its place while others wait for one.
pub const QUANTUM: Duration = Duration::from_millis(5);
/// How often the first waiting VU looks whether it may be admitted. Admitted VUs that
/// block or leave admit the waiting ones themselves; this only catches a race with them.
const FIRST_CHECK: Duration = Duration::from_millis(1);
/// How often the other waiting VUs look at their stop signal.
const STOP_CHECK: Duration = Duration::from_millis(20);

/// A run's admission of looping VUs (see the module's documentation).
pub struct Admission {
    limit: usize,
    /// VUs waiting to be admitted, read without the lock.
    waiting: AtomicUsize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    admitted: Vec<Arc<Place>>,
    queue: VecDeque<Arc<Waiter>>,
}

/// An admitted VU's place.
#[derive(Default)]
struct Place {
    /// Its VU is blocked: it does not count against the limit.
    parked: AtomicBool,
}

struct Waiter {
    thread: Thread,
    /// The place it was given, set under the state lock.
    given: Mutex<Option<Arc<Place>>>,
}

/// A VU's admission: it may run iterations while it holds this. Dropping it leaves, and
/// admits waiting VUs if fewer than the limit are awake.
pub struct Pass {
    admission: Arc<Admission>,
    place: Arc<Place>,
    since: Instant,
}

thread_local! {
    /// The admission and place of the VU of this thread, while it holds a pass.
    static HELD: RefCell<Option<(Arc<Admission>, Arc<Place>)>> = const { RefCell::new(None) };
}

impl Admission {
    /// At most `limit` (at least one) admitted VUs awake at a time.
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            waiting: AtomicUsize::new(0),
            state: Mutex::new(State::default()),
        }
    }

    /// [`PER_CORE`] awake VUs for each of the cores this process may use.
    pub fn for_this_machine() -> Self {
        Self::new(super::pool::cores() * PER_CORE)
    }

    fn awake(state: &State) -> usize {
        state
            .admitted
            .iter()
            .filter(|p| !p.parked.load(Ordering::Relaxed))
            .count()
    }

    fn pass(self: &Arc<Self>, place: Arc<Place>) -> Pass {
        HELD.with(|h| *h.borrow_mut() = Some((self.clone(), place.clone())));
        Pass {
            admission: self.clone(),
            place,
            since: Instant::now(),
        }
    }

    fn new_place(state: &mut State) -> Arc<Place> {
        let place = Arc::new(Place::default());
        state.admitted.push(place.clone());
        place
    }

    /// Gives places to as many waiting VUs, first come first, as the limit has room for.
    fn admit_waiting(&self, state: &mut State) {
        let room = self.limit.saturating_sub(Self::awake(state));
        for _ in 0..room {
            let Some(next) = state.queue.pop_front() else {
                break;
            };
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            *next.given.lock() = Some(Self::new_place(state));
            next.thread.unpark();
        }
    }

    /// Waits until the VU of this thread is admitted; `None` if `stop` fires first.
    pub fn enter(self: &Arc<Self>, stop: &StopSignal) -> Option<Pass> {
        let me = Arc::new(Waiter {
            thread: std::thread::current(),
            given: Mutex::new(None),
        });
        {
            let mut state = self.state.lock();
            if state.queue.is_empty() && Self::awake(&state) < self.limit {
                let place = Self::new_place(&mut state);
                return Some(self.pass(place));
            }
            state.queue.push_back(me.clone());
            self.waiting.fetch_add(1, Ordering::Relaxed);
        }
        loop {
            let mut state = self.state.lock();
            let first = state.queue.front().is_some_and(|w| Arc::ptr_eq(w, &me));
            if first && !stop.is_set() {
                self.admit_waiting(&mut state);
            }
            let given = me.given.lock().take();
            if let Some(place) = given {
                drop(state);
                let pass = self.pass(place);
                // Stopped meanwhile: dropping the pass hands the place on.
                return (!stop.is_set()).then_some(pass);
            }
            if stop.is_set() {
                state.queue.retain(|w| !Arc::ptr_eq(w, &me));
                self.waiting.fetch_sub(1, Ordering::Relaxed);
                return None;
            }
            drop(state);
            std::thread::park_timeout(if first { FIRST_CHECK } else { STOP_CHECK });
        }
    }
}

impl Pass {
    /// Whether the VU should give its place up after an iteration: others wait, and
    /// more VUs than the limit are awake, or as many and it has had its quantum.
    pub fn should_leave(&self) -> bool {
        let a = &self.admission;
        if a.waiting.load(Ordering::Relaxed) == 0 {
            return false;
        }
        let awake = Admission::awake(&a.state.lock());
        awake > a.limit || (awake == a.limit && self.since.elapsed() >= QUANTUM)
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        HELD.with(|h| h.borrow_mut().take());
        let a = &self.admission;
        let mut state = a.state.lock();
        state.admitted.retain(|p| !Arc::ptr_eq(p, &self.place));
        a.admit_waiting(&mut state);
    }
}

/// Whether VUs wait to be admitted to the run of the VU of this thread; `false` when
/// that VU holds no pass.
pub fn others_wait() -> bool {
    HELD.with(|h| {
        h.borrow()
            .as_ref()
            .is_some_and(|(a, _)| a.waiting.load(Ordering::Relaxed) > 0)
    })
}

/// The VU of this thread is about to block: until [`unparks`], it does not count against
/// the limit, and a waiting VU may be admitted in its place.
pub fn parks() {
    HELD.with(|h| {
        if let Some((admission, place)) = &*h.borrow() {
            place.parked.store(true, Ordering::Relaxed);
            if admission.waiting.load(Ordering::Relaxed) > 0 {
                admission.admit_waiting(&mut admission.state.lock());
            }
        }
    });
}

/// The VU of this thread is back from the wait [`parks`] announced.
pub fn unparks() {
    HELD.with(|h| {
        if let Some((_, place)) = &*h.borrow() {
            place.parked.store(false, Ordering::Relaxed);
        }
    });
}

/// Runs `f`, a blocking wait of the VU of this thread, between [`parks`] and [`unparks`].
pub fn parked<T>(f: impl FnOnce() -> T) -> T {
    parks();
    let out = f();
    unparks();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// What a test tells a VU thread holding a pass to do.
    enum Do {
        Park,
        Unpark,
        /// Answers whether it should leave, after waiting this long.
        AskAfter(Duration),
        Leave,
    }

    /// A VU thread: enters `admission` (reporting `true` once admitted, `false` if stopped
    /// first), then does what it is told until told to leave.
    fn vu(
        admission: &Arc<Admission>,
        stop: Arc<StopSignal>,
    ) -> (mpsc::Sender<Do>, mpsc::Receiver<bool>) {
        let (do_tx, do_rx) = mpsc::channel();
        let (said_tx, said_rx) = mpsc::channel();
        let admission = admission.clone();
        std::thread::spawn(move || {
            let Some(pass) = admission.enter(&stop) else {
                let _ = said_tx.send(false);
                return;
            };
            let _ = said_tx.send(true);
            for order in do_rx {
                match order {
                    Do::Park => parks(),
                    Do::Unpark => unparks(),
                    Do::AskAfter(wait) => {
                        std::thread::sleep(wait);
                        let _ = said_tx.send(pass.should_leave());
                    }
                    Do::Leave => break,
                }
            }
            drop(pass);
            let _ = said_tx.send(true);
        });
        (do_tx, said_rx)
    }

    /// Waits until `n` VUs wait to be admitted.
    #[track_caller]
    fn until_waiting(admission: &Admission, n: usize) {
        let deadline = Instant::now() + SOON;
        while admission.waiting.load(Ordering::Relaxed) != n {
            assert!(Instant::now() < deadline, "{n} VUs never waited");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    const SOON: Duration = Duration::from_secs(10);
    /// How long a VU that must not be admitted yet is given to show it is not.
    const A_WHILE: Duration = Duration::from_millis(100);

    #[test]
    fn only_the_limit_is_admitted_and_a_leaving_vu_admits_the_next() {
        let admission = Arc::new(Admission::new(2));
        let stop = Arc::new(StopSignal::new());
        let (a, a_said) = vu(&admission, stop.clone());
        let (_b, b_said) = vu(&admission, stop.clone());
        assert_eq!(a_said.recv_timeout(SOON), Ok(true));
        assert_eq!(b_said.recv_timeout(SOON), Ok(true));
        let (_c, c_said) = vu(&admission, stop.clone());
        assert!(c_said.recv_timeout(A_WHILE).is_err(), "a third VU got in");
        a.send(Do::Leave).unwrap();
        assert_eq!(c_said.recv_timeout(SOON), Ok(true));
        stop.trigger();
    }

    #[test]
    fn a_parked_vu_lets_a_waiting_one_in_and_must_leave_once_back() {
        let admission = Arc::new(Admission::new(1));
        let stop = Arc::new(StopSignal::new());
        let (a, a_said) = vu(&admission, stop.clone());
        assert_eq!(a_said.recv_timeout(SOON), Ok(true));
        let (_b, b_said) = vu(&admission, stop.clone());
        assert!(b_said.recv_timeout(A_WHILE).is_err(), "a second VU got in");
        a.send(Do::Park).unwrap();
        assert_eq!(b_said.recv_timeout(SOON), Ok(true));
        // A third waits; `a` is awake again, so two are awake for a limit of one.
        let (_c, c_said) = vu(&admission, stop.clone());
        until_waiting(&admission, 1);
        a.send(Do::Unpark).unwrap();
        a.send(Do::AskAfter(Duration::ZERO)).unwrap();
        assert_eq!(a_said.recv_timeout(SOON), Ok(true), "a should leave");
        assert!(c_said.recv_timeout(A_WHILE).is_err(), "a third VU got in");
        stop.trigger();
    }

    #[test]
    fn the_quantum_hands_the_place_to_the_first_waiting_vu() {
        let admission = Arc::new(Admission::new(1));
        let stop = Arc::new(StopSignal::new());
        let (a, a_said) = vu(&admission, stop.clone());
        assert_eq!(a_said.recv_timeout(SOON), Ok(true));
        // Nobody waits: no reason to leave, however long it has been in.
        a.send(Do::AskAfter(QUANTUM)).unwrap();
        assert_eq!(a_said.recv_timeout(SOON), Ok(false));
        let (_b, b_said) = vu(&admission, stop.clone());
        until_waiting(&admission, 1);
        a.send(Do::AskAfter(Duration::ZERO)).unwrap();
        assert_eq!(a_said.recv_timeout(SOON), Ok(true));
        a.send(Do::Leave).unwrap();
        assert_eq!(b_said.recv_timeout(SOON), Ok(true));
        stop.trigger();
    }

    #[test]
    fn a_stop_ends_the_wait_of_every_waiting_vu() {
        let admission = Arc::new(Admission::new(1));
        let stop = Arc::new(StopSignal::new());
        let (_a, a_said) = vu(&admission, Arc::new(StopSignal::new()));
        assert_eq!(a_said.recv_timeout(SOON), Ok(true));
        let waiting: Vec<_> = (0..3).map(|_| vu(&admission, stop.clone())).collect();
        until_waiting(&admission, 3);
        stop.trigger();
        for (_, said) in &waiting {
            assert_eq!(said.recv_timeout(SOON), Ok(false));
        }
        assert_eq!(admission.waiting.load(Ordering::Relaxed), 0);
        assert!(admission.state.lock().queue.is_empty());
    }
}
