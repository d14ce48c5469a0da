//! The dispatcher: one thread that takes the VUs' batches in the order they arrive and
//! hands each event to every consumer in turn.

use super::{Event, ScenarioVus, VuCount};
use crate::log::{LogLine, LogSink};
use crate::metrics::aggregator::{Aggregator, TagNeeds};
use crate::metrics::sample::{Sample, Tags};
use crate::metrics::MetricKind;
use crate::outputs::Output;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// Batches queued for the dispatcher before senders wait. The run's own consumers (the
/// aggregate, the log output) hold VUs back when they fall behind, as synchronous logging
/// did, so that memory does not grow with a run's length; subscribers have queues of their
/// own and never do.
const QUEUE_BATCHES: usize = 256;

/// How often the `vus` and `vus_max` gauges are sampled, as k6 does.
const VUS_INTERVAL: Duration = Duration::from_secs(1);

pub(crate) enum Message {
    Batch(Vec<Event>),
    /// Scenarios started: sample the VU gauges from now on.
    Started(Instant),
    ScenariosEnded,
    /// Answered once every message sent before it is handled.
    Sync(mpsc::Sender<()>),
    Close,
}

/// A scenario's VU counts, kept by its executor and read when the VU gauges are sampled.
#[derive(Debug)]
pub(crate) struct ScenarioCounters {
    name: Arc<str>,
    pub active: AtomicU64,
    pub busy: AtomicU64,
}

type CounterList = Arc<parking_lot::Mutex<Vec<Arc<ScenarioCounters>>>>;

/// Someone outside the run who receives its events.
pub struct Subscription {
    pub(crate) tx: SyncSender<Event>,
    /// Whether checks and metric samples are delivered too (they are most of the stream).
    pub(crate) samples: bool,
    pub(crate) dropped: Arc<AtomicU64>,
}

impl Subscription {
    /// A subscription holding up to `capacity` undelivered events, and its receiving end.
    pub fn new(capacity: usize, samples: bool) -> (Self, Receiver<Event>, Arc<AtomicU64>) {
        let (tx, rx) = mpsc::sync_channel(capacity);
        let dropped = Arc::new(AtomicU64::new(0));
        let sub = Self {
            tx,
            samples,
            dropped: dropped.clone(),
        };
        (sub, rx, dropped)
    }

    fn offer(&self, event: Event) {
        // A full queue loses the event rather than stall the run; the embedder can read
        // how many were lost.
        if let Err(TrySendError::Full(_)) = self.tx.try_send(event) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The run's end of the stream: what VUs and the runner send events to, and the
/// aggregate the dispatcher keeps.
pub struct Bus {
    tx: SyncSender<Message>,
    pub(crate) aggregator: Arc<Aggregator>,
    tag_needs: OnceLock<TagNeeds>,
    samples_subscribed: bool,
    /// VUs running iterations now; executors count them.
    pub(crate) vus_active: Arc<AtomicU64>,
    /// VUs created for the run; the runner sets it once they are.
    pub(crate) vus_max: Arc<AtomicU64>,
    /// When scenarios started.
    started: OnceLock<Instant>,
    scenario_counters: CounterList,
    dispatcher: parking_lot::Mutex<Option<JoinHandle<()>>>,
}

impl Bus {
    /// Starts the dispatcher, feeding the aggregate, then the log output (`log_sink`,
    /// else stderr), then `outputs`, then `subscribers`.
    pub fn start(
        log_sink: Option<LogSink>,
        subscribers: Vec<Subscription>,
        outputs: Vec<Box<dyn Output>>,
    ) -> Arc<Self> {
        let (tx, rx) = mpsc::sync_channel(QUEUE_BATCHES);
        let aggregator = Arc::new(Aggregator::default());
        let vus_active = Arc::new(AtomicU64::new(0));
        let vus_max = Arc::new(AtomicU64::new(0));
        let scenario_counters = CounterList::default();
        let samples_subscribed =
            subscribers.iter().any(|s| s.samples) || outputs.iter().any(|o| o.wants_samples());
        let dispatcher = Dispatcher {
            aggregator: aggregator.clone(),
            log_sink,
            outputs,
            subscribers,
            vus_active: vus_active.clone(),
            vus_max: vus_max.clone(),
            scenario_counters: scenario_counters.clone(),
        };
        let handle = std::thread::Builder::new()
            .name("rk6-events".into())
            .spawn(move || dispatcher.run(rx))
            .expect("cannot start the event dispatcher thread");
        Arc::new(Self {
            tx,
            aggregator,
            tag_needs: OnceLock::new(),
            samples_subscribed,
            vus_active,
            vus_max,
            started: OnceLock::new(),
            scenario_counters,
            dispatcher: parking_lot::Mutex::new(Some(handle)),
        })
    }

    pub(crate) fn set_tag_needs(&self, mut needs: TagNeeds) {
        needs.all |= self.samples_subscribed;
        let _ = self.tag_needs.set(needs);
    }

    /// Whether samples of `metric` must carry their tags.
    pub(crate) fn wants_tags(&self, metric: &str) -> bool {
        match self.tag_needs.get() {
            Some(needs) => needs.wants(metric),
            None => self.samples_subscribed,
        }
    }

    pub(crate) fn send_batch(&self, batch: Vec<Event>) {
        // Fails only once the dispatcher is gone, after the run: nothing reads it then.
        let _ = self.tx.send(Message::Batch(batch));
    }

    /// Sends one event now, outside any VU's batch (the run's own, the executors').
    pub fn emit(&self, event: Event) {
        self.send_batch(vec![event]);
    }

    pub(crate) fn started(&self, at: Instant) {
        let _ = self.started.set(at);
        let _ = self.tx.send(Message::Started(at));
    }

    /// When scenarios started, once they did.
    pub fn started_at(&self) -> Option<Instant> {
        self.started.get().copied()
    }

    /// The VU counters of a scenario that starts now; its counts are sent from now on.
    pub(crate) fn scenario_counters(&self, name: &str) -> Arc<ScenarioCounters> {
        let counters = Arc::new(ScenarioCounters {
            name: name.into(),
            active: AtomicU64::new(0),
            busy: AtomicU64::new(0),
        });
        self.scenario_counters.lock().push(counters.clone());
        counters
    }

    pub(crate) fn scenarios_ended(&self) {
        let _ = self.tx.send(Message::ScenariosEnded);
    }

    /// Waits until the dispatcher has handled everything sent before this call.
    pub fn sync(&self) {
        let (ack, done) = mpsc::channel();
        if self.tx.send(Message::Sync(ack)).is_ok() {
            let _ = done.recv();
        }
    }

    /// Ends the stream: the dispatcher handles what is queued, sends `Ended`, then ends,
    /// which disconnects the subscribers. Later events are dropped.
    pub(crate) fn close(&self, exit_code: i32) {
        self.emit(Event::Ended { exit_code });
        // The VUs' outboxes hold senders too, so the channel alone would not end it.
        let _ = self.tx.send(Message::Close);
        let handle = self.dispatcher.lock().take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

/// The first time after `now` that is `at` plus a whole number of `every`s: a late tick
/// is not repeated to catch up.
fn next_after(at: Instant, now: Instant, every: Duration) -> Instant {
    at + every * (1 + ((now - at).as_nanos() / every.as_nanos()) as u32)
}

struct Dispatcher {
    aggregator: Arc<Aggregator>,
    log_sink: Option<LogSink>,
    outputs: Vec<Box<dyn Output>>,
    subscribers: Vec<Subscription>,
    vus_active: Arc<AtomicU64>,
    vus_max: Arc<AtomicU64>,
    scenario_counters: CounterList,
}

impl Dispatcher {
    fn run(mut self, rx: Receiver<Message>) {
        self.outputs.retain_mut(|output| match output.start() {
            Ok(()) => true,
            Err(e) => {
                crate::log::error(&format!("the {} output: {e}", output.name()), &[]);
                false
            }
        });
        let tick_every = self.outputs.iter().filter_map(|o| o.tick_interval()).min();
        let mut next_output_tick = tick_every.map(|every| Instant::now() + every);
        let mut started: Option<Instant> = None;
        let mut next_tick: Option<Instant> = None;
        loop {
            let deadline = match (next_tick, next_output_tick) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let message = match deadline {
                Some(at) => match rx.recv_timeout(at.saturating_duration_since(Instant::now())) {
                    Ok(m) => Some(m),
                    Err(mpsc::RecvTimeoutError::Timeout) => None,
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                },
                None => match rx.recv() {
                    Ok(m) => Some(m),
                    Err(_) => break,
                },
            };
            match message {
                Some(Message::Close) => break,
                Some(Message::Batch(batch)) => self.dispatch(batch),
                Some(Message::Started(at)) => {
                    started = Some(at);
                    next_tick = Some(at + VUS_INTERVAL);
                    self.dispatch(vec![Event::Started]);
                }
                Some(Message::ScenariosEnded) => {
                    next_tick = None;
                    self.dispatch(vec![Event::ScenariosEnded]);
                }
                Some(Message::Sync(ack)) => {
                    let _ = ack.send(());
                }
                None => {}
            }
            // A busy stream never times out: the gauges are due whenever their time passed.
            let now = Instant::now();
            if let (Some(at), Some(t0)) = (next_tick, started) {
                if now >= at {
                    self.sample_vus(now - t0);
                    next_tick = Some(next_after(at, now, VUS_INTERVAL));
                }
            }
            if let (Some(at), Some(every)) = (next_output_tick, tick_every) {
                if now >= at {
                    for output in &mut self.outputs {
                        output.tick();
                    }
                    next_output_tick = Some(next_after(at, now, every));
                }
            }
        }
        for output in &mut self.outputs {
            if let Err(e) = output.stop() {
                crate::log::error(&format!("the {} output: {e}", output.name()), &[]);
            }
        }
    }

    fn sample_vus(&mut self, elapsed: Duration) {
        let count = VuCount {
            active: self.vus_active.load(Ordering::Relaxed),
            max: self.vus_max.load(Ordering::Relaxed),
            elapsed,
        };
        let time = SystemTime::now();
        let gauge = |name: &str, value: u64| {
            Event::Sample(Sample {
                metric: name.into(),
                kind: MetricKind::Gauge,
                value: value as f64,
                time,
                tags: Tags::default(),
            })
        };
        let mut batch = vec![
            Event::Vus(count),
            gauge("vus", count.active),
            gauge("vus_max", count.max),
        ];
        let scenarios: Vec<ScenarioVus> = self
            .scenario_counters
            .lock()
            .iter()
            .map(|c| ScenarioVus {
                scenario: c.name.clone(),
                active: c.active.load(Ordering::Relaxed),
                busy: c.busy.load(Ordering::Relaxed),
            })
            .collect();
        if !scenarios.is_empty() {
            batch.push(Event::ScenarioVus(scenarios));
        }
        self.dispatch(batch);
    }

    fn dispatch(&mut self, batch: Vec<Event>) {
        {
            let mut tally = self.aggregator.lock();
            for event in &batch {
                match event {
                    Event::Sample(s) => tally.sample(s),
                    Event::Check(c) => tally.check(c),
                    Event::Iteration(i) => {
                        let ms = i.duration.as_secs_f64() * 1000.0;
                        tally.iteration(i.outcome, ms, i.error.as_deref(), &i.scenario, &i.tags)
                    }
                    _ => {}
                }
            }
        }
        for event in &batch {
            if let Event::Log(line) = event {
                self.log(line);
            }
        }
        for output in &mut self.outputs {
            output.events(&batch);
        }
        if self.subscribers.is_empty() {
            return;
        }
        for event in batch {
            let sample = matches!(
                event,
                Event::Sample(_) | Event::Check(_) | Event::Metrics(_)
            );
            let wanted = |s: &&Subscription| !sample || s.samples;
            let mut subs = self.subscribers.iter().filter(wanted).peekable();
            while let Some(sub) = subs.next() {
                if subs.peek().is_some() {
                    sub.offer(event.clone());
                } else {
                    sub.offer(event);
                    break;
                }
            }
        }
    }

    /// The log output consumer: the embedder's sink, else the process's log (stderr).
    fn log(&self, line: &LogLine) {
        match &self.log_sink {
            Some(sink) => sink(line),
            None => {
                let console = line
                    .fields
                    .iter()
                    .any(|(k, v)| k == "source" && v == "console")
                    && line.vu.is_some();
                if console {
                    crate::log::console(line.level, &line.message);
                } else {
                    let fields: Vec<(&str, &str)> = line
                        .fields
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    crate::log::emit(line.level, &line.message, &fields);
                }
            }
        }
    }
}
