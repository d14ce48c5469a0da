//! A virtual user: one JS runtime, created once on its own thread and reused for
//! every iteration it runs.

pub mod admission;
pub mod pool;

use crate::error::RunError;
use crate::events::{Event, Iteration};
use crate::metrics::{IterationOutcome, Tags};
use crate::runtime::loader::{main_module_code, Rk6ModuleLoader, SourceCache, MAIN_SPECIFIER};
use crate::runtime::ops::INTERRUPTED_ERROR;
use crate::runtime::state::{ScenarioState, Stage, TestState, VuState};
use crate::runtime::{self};
use crate::signal::{StopSignal, Watcher};
use deno_core::error::{CoreError, CoreErrorKind};
use deno_core::{v8, JsRuntime, ModuleSpecifier, PollEventLoopOptions, RuntimeOptions};
use parking_lot::Mutex;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// What every VU of a run is built from.
#[derive(Clone)]
pub struct VuSpec {
    pub test: Arc<TestState>,
    pub sources: Arc<SourceCache>,
    /// Source of the synthetic main module (imports the script, registers it).
    pub main_code: Arc<str>,
    /// What runtimes start from, when the run has enough VUs to make a snapshot pay.
    pub snapshot: Option<&'static [u8]>,
    /// Makes the embedder's extensions for each VU (`Runner::extensions`).
    pub extensions: Option<ExtensionFactory>,
}

/// Builds fresh deno_core extensions for one VU: each runtime needs its own.
pub type ExtensionFactory = Arc<dyn Fn() -> Vec<deno_core::Extension> + Send + Sync>;

impl VuSpec {
    pub fn new(test: Arc<TestState>, script_url: &ModuleSpecifier) -> Self {
        Self {
            test,
            sources: Arc::new(SourceCache::default()),
            main_code: main_module_code(script_url).into(),
            snapshot: None,
            extensions: None,
        }
    }
}

/// How one iteration ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    /// The script threw or a promise rejected; the error was printed.
    Failed,
    /// Stopped by the end of a scenario's graceful stop (or the test's hard stop).
    Interrupted,
    /// The script called `exec.test.abort()`.
    Aborted,
}

/// Stops a VU's JavaScript from another thread. A script that spins (`while (true) {}`)
/// never yields to the event loop, where the VU would otherwise notice its stop signal, so
/// the thread that triggers the signal terminates the isolate's execution instead. It does
/// so only while the VU is running code for that very signal: a termination that arrived
/// between iterations would kill the next one.
struct Terminator {
    isolate: v8::IsolateHandle,
    armed: Mutex<Armed>,
}

#[derive(Default)]
struct Armed {
    /// Address of the signal the running code answers to; 0 while the VU is idle.
    signal: usize,
    /// Execution was terminated since the VU was armed.
    fired: bool,
}

impl Terminator {
    fn watch(self: &Arc<Self>, signal: &StopSignal) {
        signal.watch(Arc::downgrade(self) as Weak<dyn Watcher>);
    }

    /// Lets `signal` terminate the code the VU is about to run (at once if it already fired).
    fn arm(&self, signal: &StopSignal) {
        let mut armed = self.armed.lock();
        armed.signal = signal as *const StopSignal as usize;
        armed.fired = signal.is_set();
        if armed.fired {
            self.isolate.terminate_execution();
        }
    }

    /// Ends what [`arm`](Self::arm) began; returns whether execution was terminated, in
    /// which case the isolate is made usable again.
    fn disarm(&self, rt: &mut JsRuntime) -> bool {
        let fired = {
            let mut armed = self.armed.lock();
            armed.signal = 0;
            std::mem::take(&mut armed.fired)
        };
        if fired {
            rt.v8_isolate().cancel_terminate_execution();
        }
        fired
    }
}

impl Watcher for Terminator {
    fn fired(&self, signal: &StopSignal) {
        let mut armed = self.armed.lock();
        if armed.signal == signal as *const StopSignal as usize {
            armed.fired = true;
            self.isolate.terminate_execution();
        }
    }
}

pub struct Vu {
    rt: JsRuntime,
    tokio: tokio::runtime::Runtime,
    id: u32,
    terminator: Arc<Terminator>,
    /// The last signal `terminator` was registered with, so a VU that keeps answering to
    /// the same signal registers once.
    watching: Option<Arc<StopSignal>>,
    /// The harness functions the script registered, kept here so an iteration does not
    /// fetch them from op state each time.
    iterate: v8::Global<v8::Function>,
    lifecycle: v8::Global<v8::Function>,
}

fn describe(err: &CoreError) -> String {
    err.to_string()
}

/// An uncaught exception's text as the script's author should read it: without the
/// engine's "Uncaught " and without rk6's harness frames, which mean nothing to them.
pub(crate) fn for_the_author(text: &str) -> String {
    let text = text.strip_prefix("Uncaught ").unwrap_or(text);
    let lines: Vec<&str> = text.lines().filter(|l| !l.contains("(rk6:")).collect();
    lines.join("\n")
}

/// What `handleSummary` returned: contents by destination.
pub type SummaryOutputs = Vec<(String, Vec<u8>)>;

/// The harness's `iterate` and `lifecycle` functions.
type HarnessFns = (v8::Global<v8::Function>, v8::Global<v8::Function>);

/// Evaluates the script's init context and returns the harness functions it registered,
/// or `None` when `stop` fired first.
fn evaluate_init(
    rt: &mut JsRuntime,
    tokio: &tokio::runtime::Runtime,
    stop: &StopSignal,
) -> Result<Option<HarnessFns>, RunError> {
    let main = ModuleSpecifier::parse(MAIN_SPECIFIER).expect("static URL parses");
    let evaluated = tokio
        .block_on(async {
            let id = rt.load_main_es_module(&main).await?;
            // The module body runs inside this call; a stop that terminated it leaves the
            // evaluation pending for good, so the event loop must not wait for it.
            let eval = rt.mod_evaluate(id);
            if stop.is_set() {
                return Ok(false);
            }
            let run = async {
                rt.run_event_loop(PollEventLoopOptions::default()).await?;
                eval.await
            };
            tokio::select! {
                biased;
                _ = stop.wait() => Ok(false),
                r = run => r.map(|()| true),
            }
        })
        .map_err(|e| RunError::Script(describe(&e)))?;
    if !evaluated {
        return Ok(None);
    }
    let op_state = rt.op_state();
    let mut op_state = op_state.borrow_mut();
    let state = op_state.borrow_mut::<VuState>();
    state.in_init = false;
    match &state.harness {
        Some(h) => Ok(Some((h.iterate.clone(), h.lifecycle.clone()))),
        None => Err(RunError::Internal(
            "the script did not register with the harness".into(),
        )),
    }
}

fn js_error_name(err: &CoreError) -> Option<&str> {
    match err.0.as_ref() {
        CoreErrorKind::Js(js) => js.name.as_deref(),
        _ => None,
    }
}

impl Vu {
    /// Creates the runtime and evaluates the script's init context.
    pub fn new(id: u32, spec: &VuSpec) -> Result<Self, RunError> {
        let tokio = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            // An iteration waiting on its event loop is not awake (vu::admission).
            .on_thread_park(self::admission::parks)
            .on_thread_unpark(self::admission::unparks)
            .build()
            .map_err(|e| RunError::Internal(format!("cannot start VU {id}'s event loop: {e}")))?;
        let loader = Rk6ModuleLoader::new(spec.sources.clone(), spec.main_code.clone());
        crate::engine::prepare();
        let mut rt = {
            let _guard = tokio.enter();
            JsRuntime::try_new(RuntimeOptions {
                module_loader: Some(Rc::new(loader)),
                startup_snapshot: spec.snapshot,
                extensions: std::iter::once(runtime::extension(VuState::new(
                    spec.test.clone(),
                    id,
                )))
                .chain(
                    spec.extensions
                        .as_ref()
                        .map(|make| make())
                        .unwrap_or_default(),
                )
                .collect(),
                ..Default::default()
            })
            .map_err(|e| RunError::Internal(format!("cannot create VU {id}'s JS runtime: {e}")))?
        };
        let terminator = Arc::new(Terminator {
            isolate: rt.v8_isolate().thread_safe_handle(),
            armed: Mutex::new(Armed::default()),
        });
        // The init context answers to the test's stop (Ctrl-C): a script that spins while
        // it is evaluated must not hold the run hostage.
        let stop = spec.test.hard_stop.clone();
        terminator.watch(&stop);
        terminator.arm(&stop);
        let init = evaluate_init(&mut rt, &tokio, &stop);
        let terminated = terminator.disarm(&mut rt);
        let stopped = || RunError::Stopped(format!("while VU {id} was running the init context"));
        if terminated {
            return Err(stopped());
        }
        let (iterate, lifecycle) = init?.ok_or_else(stopped)?;
        Ok(Self {
            rt,
            tokio,
            id,
            terminator,
            watching: Some(stop),
            iterate,
            lifecycle,
        })
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut VuState) -> T) -> T {
        let op_state = self.rt.op_state();
        let mut op_state = op_state.borrow_mut();
        f(op_state.borrow_mut::<VuState>())
    }

    /// The script's exported function names and its `options` as JSON.
    pub fn exports(&self) -> (Vec<String>, String) {
        self.with_state(|s| {
            let h = s.harness.as_ref().expect("registered during init");
            (h.functions.clone(), h.options_json.clone())
        })
    }

    /// Runs a harness function to completion: its promise settles and the event loop
    /// (timers, pending ops) drains. `None` when interrupted first, whether the VU was
    /// waiting (the event loop sees the signal) or running JavaScript (the signal's
    /// trigger terminates it).
    fn drive(&mut self, lifecycle: bool) -> Option<Result<(), CoreError>> {
        let interrupt = self.with_state(|s| s.interrupt.clone());
        if !self
            .watching
            .as_ref()
            .is_some_and(|w| Arc::ptr_eq(w, &interrupt))
        {
            self.terminator.watch(&interrupt);
            self.watching = Some(interrupt.clone());
        }
        self.terminator.arm(&interrupt);
        let f = if lifecycle {
            &self.lifecycle
        } else {
            &self.iterate
        };
        let rt = &mut self.rt;
        let result = self.tokio.block_on(async {
            let run = async {
                let call = rt.call(f);
                rt.with_event_loop_promise(call, PollEventLoopOptions::default())
                    .await?;
                rt.run_event_loop(PollEventLoopOptions::default()).await
            };
            tokio::select! {
                biased;
                r = run => Some(r),
                _ = interrupt.wait() => None,
            }
        });
        if self.terminator.disarm(&mut self.rt) {
            return None;
        }
        result
    }

    /// Points this VU at a scenario: subsequent iterations run its exec function.
    pub fn enter_scenario(&mut self, scenario: &Arc<ScenarioState>) {
        self.with_state(|s| {
            let changed = s
                .scenario
                .as_ref()
                .is_none_or(|cur| !Arc::ptr_eq(cur, scenario));
            if changed {
                s.env_stale = true;
                s.iteration_in_scenario = 0;
            }
            s.interrupt = scenario.interrupt.clone();
            s.tags = Arc::new(scenario.tags.clone());
            s.scenario_name = Arc::from(scenario.name.as_str());
            s.scenario = Some(scenario.clone());
        });
    }

    /// Makes `signal` (a child of the scenario's interrupt) what interrupts this VU's
    /// iterations, so it can be stopped without stopping the scenario's other VUs.
    pub fn set_interrupt(&mut self, signal: Arc<StopSignal>) {
        self.with_state(|s| s.interrupt = signal);
    }

    /// Runs one iteration of the current scenario and records its outcome.
    pub fn run_iteration(&mut self) -> Outcome {
        let test = self.with_state(|s| {
            let sc = s
                .scenario
                .as_ref()
                .expect("enter_scenario before run_iteration");
            s.iteration_in_test = sc.next_iteration();
            s.test.clone()
        });
        let started = Instant::now();
        let result = self.drive(false);
        // The iteration that calls `exec.test.abort()` counts as an iteration, as in k6;
        // others the abort cuts short are interrupted.
        let mut counted = false;
        let mut error = None;
        let called_abort = self.with_state(|s| std::mem::take(&mut s.called_abort));
        let outcome = match result {
            _ if called_abort => {
                counted = true;
                Outcome::Aborted
            }
            Some(Ok(())) => Outcome::Completed,
            None => Outcome::Interrupted,
            Some(Err(err)) => match js_error_name(&err) {
                Some("TestAbortedError") if test.aborted().is_some() => {
                    counted = true;
                    Outcome::Aborted
                }
                Some(INTERRUPTED_ERROR) => Outcome::Interrupted,
                _ if test.hard_stop.is_set() && test.aborted().is_some() => Outcome::Aborted,
                _ => {
                    let why = for_the_author(&describe(&err));
                    let (scenario, executor) = self.with_state(|s| {
                        let sc = s.scenario.as_ref().expect("in a scenario");
                        (sc.name.clone(), sc.executor)
                    });
                    self.with_state(|s| {
                        s.log(
                            crate::log::Level::Error,
                            &why,
                            &[
                                ("executor", executor),
                                ("scenario", &scenario),
                                ("source", "stacktrace"),
                            ],
                        )
                    });
                    error = Some(why);
                    Outcome::Failed
                }
            },
        };
        if matches!(outcome, Outcome::Completed | Outcome::Failed) {
            counted = true;
        }
        let ended = Instant::now();
        let outcome_seen = if !counted {
            test.iterations_interrupted.fetch_add(1, Ordering::Relaxed);
            IterationOutcome::Interrupted
        } else {
            test.iterations_completed.fetch_add(1, Ordering::Relaxed);
            if outcome == Outcome::Failed {
                IterationOutcome::Failed
            } else {
                IterationOutcome::Completed
            }
        };
        let id = self.id;
        self.with_state(|s| {
            s.iteration_in_scenario += 1;
            s.iteration_in_instance += 1;
            let tags = match s.test.events.wants_tags("iterations")
                || s.test.events.wants_tags("iteration_duration")
            {
                true => Tags::new(s.iteration_tags()),
                false => Tags::default(),
            };
            let mut outbox = s.outbox.borrow_mut();
            let event = Event::Iteration(Iteration {
                vu: id,
                scenario: s.scenario_name.clone(),
                duration: ended - started,
                outcome: outcome_seen,
                error,
                time: outbox.time_of(ended),
                tags,
            });
            outbox.push(event);
            outbox.maybe_flush(ended);
        });
        crate::modules::http::ops::end_iteration(&mut self.rt.op_state().borrow_mut());
        outcome
    }

    /// Hands this VU's buffered events to the stream (when its scenario job ends, so that
    /// the run's result counts everything).
    pub fn flush_events(&mut self) {
        self.with_state(|s| s.outbox.borrow_mut().flush());
    }

    /// Runs `setup()` (if exported) for at most `timeout` and returns its result as JSON.
    pub fn run_setup(&mut self, timeout: Duration) -> Result<Option<String>, RunError> {
        self.run_lifecycle(Stage::Setup, "setup", timeout)?;
        Ok(self.with_state(|s| s.setup_result.take().flatten()))
    }

    /// Runs `handleSummary(data)` with `data` (JSON) for at most `timeout`, and returns
    /// what it asked to write where (`None`: it returned nothing).
    pub fn run_summary(
        &mut self,
        data: String,
        timeout: Duration,
    ) -> Result<Option<SummaryOutputs>, RunError> {
        self.with_state(|s| {
            s.summary_data = Some(data);
            s.summary_outputs = None;
        });
        self.run_lifecycle(Stage::Summary, "handleSummary", timeout)?;
        Ok(self.with_state(|s| s.summary_outputs.take()))
    }

    /// Runs `teardown(data)` (if exported) for at most `timeout`.
    pub fn run_teardown(&mut self, timeout: Duration) -> Result<(), RunError> {
        self.run_lifecycle(Stage::Teardown, "teardown", timeout)
    }

    fn run_lifecycle(
        &mut self,
        stage: Stage,
        what: &str,
        timeout: Duration,
    ) -> Result<(), RunError> {
        let test = self.with_state(|s| s.test.clone());
        // Setup and teardown are never interrupted by a scenario's end, only by their own
        // time limit and by the test's stop. Teardown still runs after an abort or a stop
        // during the iterations, as in k6: only a stop that comes while it runs ends it.
        let interrupt = Arc::new(StopSignal::new());
        match stage {
            Stage::Setup => test.hard_stop.link(interrupt.clone()),
            Stage::Teardown | Stage::Summary if !test.stopped_externally() => {
                test.external_stop.link(interrupt.clone())
            }
            Stage::Teardown | Stage::Summary => {}
        }
        let deadline = LifecycleDeadline::start(interrupt.clone(), timeout);
        self.with_state(|s| {
            s.stage = stage;
            s.interrupt = interrupt;
            s.tags = Arc::new(s.test.test_tags());
        });
        let outcome = self.drive(true);
        let timed_out = deadline.finish();
        self.flush_events();
        match outcome {
            Some(Ok(())) => Ok(()),
            None if timed_out => Err(match stage {
                Stage::Setup => RunError::SetupTimeout(timeout),
                Stage::Teardown | Stage::Summary => RunError::TeardownTimeout(timeout),
            }),
            None if test.stopped_externally() => Err(RunError::Stopped(format!("during {what}()"))),
            None => Err(RunError::Script(format!("{what}() was interrupted"))),
            Some(Err(err)) => {
                let test = self.with_state(|s| s.test.clone());
                if js_error_name(&err) == Some("TestAbortedError") && test.aborted().is_some() {
                    return Ok(());
                }
                Err(RunError::Script(format!(
                    "{what}() failed: {}",
                    describe(&err)
                )))
            }
        }
    }
}

/// Fires a lifecycle function's stop signal when its time limit passes.
struct LifecycleDeadline {
    done: Arc<StopSignal>,
    timer: std::thread::JoinHandle<bool>,
}

impl LifecycleDeadline {
    fn start(signal: Arc<StopSignal>, timeout: Duration) -> Self {
        let done = Arc::new(StopSignal::new());
        let finished = done.clone();
        let timer = std::thread::spawn(move || {
            let expired = !finished.sleep(timeout);
            if expired {
                signal.trigger();
            }
            expired
        });
        Self { done, timer }
    }

    /// Stops the timer; returns whether the time limit had passed.
    fn finish(self) -> bool {
        self.done.trigger();
        self.timer.join().unwrap_or(false)
    }
}
