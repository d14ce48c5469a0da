//! A virtual user: one JS runtime, created once on its own thread and reused for
//! every iteration it runs.

pub mod pool;

use crate::error::RunError;
use crate::runtime::loader::{main_module_code, Rk6ModuleLoader, SourceCache, MAIN_SPECIFIER};
use crate::runtime::ops::INTERRUPTED_ERROR;
use crate::runtime::state::{ScenarioState, Stage, TestState, VuState};
use crate::runtime::{self};
use crate::signal::StopSignal;
use crate::stats::Stats;
use deno_core::error::{CoreError, CoreErrorKind};
use deno_core::{v8, JsRuntime, ModuleSpecifier, PollEventLoopOptions, RuntimeOptions};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

/// What every VU of a run is built from.
#[derive(Clone)]
pub struct VuSpec {
    pub test: Arc<TestState>,
    pub sources: Arc<SourceCache>,
    /// Source of the synthetic main module (imports the script, registers it).
    pub main_code: Arc<str>,
    /// What runtimes start from, when the run has enough VUs to make a snapshot pay.
    pub snapshot: Option<&'static [u8]>,
}

impl VuSpec {
    pub fn new(test: Arc<TestState>, script_url: &ModuleSpecifier) -> Self {
        Self {
            test,
            sources: Arc::new(SourceCache::default()),
            main_code: main_module_code(script_url).into(),
            snapshot: None,
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

pub struct Vu {
    rt: JsRuntime,
    tokio: tokio::runtime::Runtime,
    id: u32,
    /// The harness functions the script registered, kept here so an iteration does not
    /// fetch them from op state each time.
    iterate: v8::Global<v8::Function>,
    lifecycle: v8::Global<v8::Function>,
}

fn describe(err: &CoreError) -> String {
    err.to_string()
}

/// Evaluates the script's init context and returns the harness functions it registered.
fn evaluate_init(
    rt: &mut JsRuntime,
    tokio: &tokio::runtime::Runtime,
) -> Result<(v8::Global<v8::Function>, v8::Global<v8::Function>), RunError> {
    let main = ModuleSpecifier::parse(MAIN_SPECIFIER).expect("static URL parses");
    tokio
        .block_on(async {
            let id = rt.load_main_es_module(&main).await?;
            let eval = rt.mod_evaluate(id);
            rt.run_event_loop(PollEventLoopOptions::default()).await?;
            eval.await
        })
        .map_err(|e| RunError::Script(describe(&e)))?;
    let op_state = rt.op_state();
    let mut op_state = op_state.borrow_mut();
    let state = op_state.borrow_mut::<VuState>();
    state.in_init = false;
    match &state.harness {
        Some(h) => Ok((h.iterate.clone(), h.lifecycle.clone())),
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
            .build()
            .map_err(|e| RunError::Internal(format!("cannot start VU {id}'s event loop: {e}")))?;
        let loader = Rk6ModuleLoader::new(spec.sources.clone(), spec.main_code.clone());
        let mut rt = {
            let _guard = tokio.enter();
            JsRuntime::try_new(RuntimeOptions {
                module_loader: Some(Rc::new(loader)),
                startup_snapshot: spec.snapshot,
                extensions: vec![runtime::extension(VuState::new(spec.test.clone(), id))],
                ..Default::default()
            })
            .map_err(|e| RunError::Internal(format!("cannot create VU {id}'s JS runtime: {e}")))?
        };
        let (iterate, lifecycle) = evaluate_init(&mut rt, &tokio)?;
        Ok(Self {
            rt,
            tokio,
            id,
            iterate,
            lifecycle,
        })
    }

    pub fn id(&self) -> u32 {
        self.id
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
    /// (timers, pending ops) drains. `None` when interrupted first.
    fn drive(&mut self, lifecycle: bool) -> Option<Result<(), CoreError>> {
        let interrupt = self.with_state(|s| s.interrupt.clone());
        let f = if lifecycle {
            &self.lifecycle
        } else {
            &self.iterate
        };
        let rt = &mut self.rt;
        self.tokio.block_on(async {
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
        })
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
            s.tags = scenario.tags.clone();
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
        let outcome = match result {
            Some(Ok(())) => Outcome::Completed,
            None => Outcome::Interrupted,
            Some(Err(err)) => match js_error_name(&err) {
                Some("TestAbortedError") if test.aborted().is_some() => Outcome::Aborted,
                Some(INTERRUPTED_ERROR) => Outcome::Interrupted,
                _ if test.hard_stop.is_set() && test.aborted().is_some() => Outcome::Aborted,
                _ => {
                    eprintln!("ERRO {}", describe(&err));
                    Outcome::Failed
                }
            },
        };
        let stats = &test.stats;
        match outcome {
            Outcome::Completed | Outcome::Failed => {
                let took = started.elapsed().as_secs_f64() * 1000.0;
                Stats::bump(&stats.iterations);
                stats.record_iteration_duration(took);
                if stats.watching() {
                    let tags = self.with_state(|s| s.tags.clone());
                    let tags = |k: &str| tags.get(k).cloned();
                    stats.sample("iterations", 1.0, &tags);
                    stats.sample("iteration_duration", took, &tags);
                }
                if outcome == Outcome::Failed {
                    Stats::bump(&stats.failed_iterations);
                }
            }
            Outcome::Interrupted | Outcome::Aborted => {
                Stats::bump(&stats.interrupted_iterations);
            }
        }
        self.with_state(|s| {
            s.iteration_in_scenario += 1;
            s.iteration_in_instance += 1;
        });
        outcome
    }

    /// Runs `setup()` (if exported) and returns its result as JSON.
    pub fn run_setup(&mut self) -> Result<Option<String>, RunError> {
        self.run_lifecycle(Stage::Setup, "setup")?;
        Ok(self.with_state(|s| s.setup_result.take().flatten()))
    }

    /// Runs `teardown(data)` (if exported).
    pub fn run_teardown(&mut self) -> Result<(), RunError> {
        self.run_lifecycle(Stage::Teardown, "teardown")
    }

    fn run_lifecycle(&mut self, stage: Stage, what: &str) -> Result<(), RunError> {
        self.with_state(|s| {
            s.stage = stage;
            // Setup and teardown are never interrupted by a scenario's end, only by the test's.
            s.interrupt = s.test.hard_stop.clone();
            s.tags = s.test.test_tags();
        });
        match self.drive(true) {
            Some(Ok(())) => Ok(()),
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
