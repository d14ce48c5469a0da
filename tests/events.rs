//! The run's live event stream through the library: `Runner::start` and its `RunHandle`.

use std::collections::BTreeMap;
use std::time::Duration;

use rk6::events::{Event, IterationOutcome};
use rk6::Runner;

/// Every event of a started run until the stream ends, with the run's result.
fn drain(handle: rk6::RunHandle) -> (Vec<Event>, rk6::RunResult) {
    let events: Vec<Event> = handle.events().iter().collect();
    let result = handle.wait().expect("the run");
    (events, result)
}

fn iterations(events: &[Event]) -> Vec<&rk6::events::Iteration> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Iteration(it) => Some(it),
            _ => None,
        })
        .collect()
}

#[test]
fn events_arrive_while_the_test_runs_and_stop_ends_it() {
    // An hour-long test: only events delivered while it runs let the loop below see an
    // iteration and stop it.
    let handle = Runner::from_source(
        "endless.js",
        r#"
        import { check, sleep } from "k6";
        export const options = { vus: 2, duration: "1h" };
        export default function () { check(1, { one: (v) => v === 1 }); sleep(0.01); }
        "#,
    )
    .skip_summary(true)
    .start()
    .expect("started");
    let first = loop {
        match handle.events().recv().expect("the stream is open") {
            Event::Iteration(it) => break it,
            Event::Ended { .. } => panic!("the run ended before any iteration"),
            _ => {}
        }
    };
    assert_eq!(first.outcome, IterationOutcome::Completed);
    assert_eq!(&*first.scenario, "default");
    assert!((1..=2).contains(&first.vu), "{first:?}");
    // The aggregate takes an event in before subscribers get it.
    let mid = handle.snapshot();
    assert!(mid.iterations >= 1, "{mid:?}");
    assert!(mid.checks_passed() >= 1, "{mid:?}");
    handle.stop();
    let (rest, result) = drain(handle);
    assert_eq!(result.exit_code, 105);
    assert!(result.iterations >= mid.iterations, "{result:?} {mid:?}");
    assert!(result.checks_passed() >= mid.checks_passed());
    // One event per iteration, the first included.
    let counted = 1 + iterations(&rest)
        .iter()
        .filter(|it| it.outcome != IterationOutcome::Interrupted)
        .count() as u64;
    assert_eq!(counted, result.iterations);
    assert!(
        matches!(rest.last(), Some(Event::Ended { exit_code: 105 })),
        "{:?}",
        rest.last()
    );
}

#[test]
fn iteration_events_match_the_result_and_carry_failures() {
    let handle = Runner::from_source(
        "failing.js",
        r#"
        export const options = {
            scenarios: { odd: { executor: "per-vu-iterations", vus: 2, iterations: 3 } },
        };
        export default function () {
            if (__ITER === 1) throw new Error(`boom in VU ${__VU}`);
        }
        "#,
    )
    .skip_summary(true)
    .log_sink(|_| {})
    .start()
    .expect("started");
    let (events, result) = drain(handle);
    assert_eq!(result.iterations, 6);
    assert_eq!(result.failed_iterations, 2);
    let its = iterations(&events);
    assert_eq!(its.len(), 6);
    assert!(its.iter().all(|it| &*it.scenario == "odd"));
    let mut failed: Vec<(u32, String)> = its
        .iter()
        .filter(|it| it.outcome == IterationOutcome::Failed)
        .map(|it| {
            let error = it
                .error
                .as_deref()
                .expect("a failed iteration has its error");
            (it.vu, error.lines().next().unwrap_or("").to_owned())
        })
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [
            (1, "Error: boom in VU 1".to_owned()),
            (2, "Error: boom in VU 2".to_owned())
        ]
    );
    assert!(its
        .iter()
        .filter(|it| it.outcome == IterationOutcome::Completed)
        .all(|it| it.error.is_none()));
    // The stream's order: started, the iterations, scenarios' end, the run's end.
    let phases: Vec<&Event> = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::Started | Event::ScenariosEnded | Event::Ended { .. }
            )
        })
        .collect();
    assert_eq!(
        phases,
        [
            &Event::Started,
            &Event::ScenariosEnded,
            &Event::Ended { exit_code: 0 }
        ]
    );
    let started_at = events.iter().position(|e| *e == Event::Started).unwrap();
    let ended_at = events
        .iter()
        .position(|e| *e == Event::ScenariosEnded)
        .unwrap();
    let first_it = events
        .iter()
        .position(|e| matches!(e, Event::Iteration(_)))
        .unwrap();
    let last_it = events
        .iter()
        .rposition(|e| matches!(e, Event::Iteration(_)))
        .unwrap();
    assert!(started_at < first_it && last_it < ended_at);
    // The scenario's own end comes after its iterations, before the scenarios' end.
    let odd_ended = events
        .iter()
        .position(|e| matches!(e, Event::ScenarioEnded(name) if &**name == "odd"))
        .expect("the scenario's end");
    assert!(last_it < odd_ended && odd_ended < ended_at);
}

#[test]
fn the_scenarios_plans_come_before_the_start() {
    let handle = Runner::from_source(
        "plans.js",
        r#"
        export const options = { scenarios: {
            b: { executor: "per-vu-iterations", vus: 2, iterations: 3, startTime: "100ms" },
            a: { executor: "ramping-arrival-rate", startRate: 2, timeUnit: "2s", preAllocatedVUs: 1,
                 maxVUs: 3, stages: [{ duration: "200ms", target: 4 }] },
        } };
        export default function () {}
        "#,
    )
    .skip_summary(true)
    .start()
    .expect("started");
    let (events, _) = drain(handle);
    let Event::Scenarios { plans, vus_max } = &events[0] else {
        panic!("{:?}", events[0]);
    };
    assert_eq!(events[1], Event::Started);
    assert_eq!(*vus_max, 5);
    let plan = |name: &str| plans.iter().find(|p| &*p.name == name).unwrap();
    let b = plan("b");
    assert_eq!(b.executor, "per-vu-iterations");
    assert_eq!(b.start_time, Duration::from_millis(100));
    assert_eq!(b.duration, Duration::from_secs(600));
    assert_eq!((b.vus, b.max_vus), (2, 2));
    assert_eq!((b.iterations, b.iterations_per_vu), (Some(6), Some(3)));
    let a = plan("a");
    assert_eq!(a.executor, "ramping-arrival-rate");
    assert_eq!((a.vus, a.max_vus), (1, 3));
    assert_eq!(a.rate, Some(2));
    assert_eq!(a.time_unit, Some(Duration::from_secs(2)));
    assert_eq!(a.duration, Duration::from_millis(200));
    assert_eq!(a.stages.len(), 1);
    assert_eq!(a.stages[0].target, 4);
    assert_eq!(a.graceful_stop, Duration::from_secs(30));
    assert_eq!(a.max_end, Duration::from_millis(30_200));
    let ended: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::ScenarioEnded(name) => Some(&**name),
            _ => None,
        })
        .collect();
    assert_eq!(ended.len(), 2);
    assert!(ended.contains(&"a") && ended.contains(&"b"));
}

#[test]
fn samples_carry_their_tags_when_asked_for() {
    let handle = Runner::from_source(
        "tagged.js",
        r#"
        import { check, group } from "k6";
        import { Trend } from "k6/metrics";
        const waiting = new Trend("waiting");
        export const options = {
            tags: { team: "blue" },
            scenarios: { shop: { executor: "shared-iterations", vus: 1, iterations: 2 } },
        };
        export default function () {
            group("cart", () => {
                check(2, { "is two": (v) => v === 2 }, { custom: "yes" });
                waiting.add(7, { step: "pay" });
            });
        }
        "#,
    )
    .skip_summary(true)
    .event_samples(true)
    .start()
    .expect("started");
    let (events, result) = drain(handle);
    assert_eq!(result.iterations, 2);
    let checks: Vec<&rk6::events::Check> = events
        .iter()
        .filter_map(|e| match e {
            Event::Check(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(checks.len(), 2);
    let expected: BTreeMap<String, String> = [
        ("check", "is two"),
        ("custom", "yes"),
        ("group", "::cart"),
        ("scenario", "shop"),
        ("team", "blue"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for c in &checks {
        assert_eq!((&*c.group, &*c.name, c.passed), ("cart", "is two", true));
        assert_eq!(c.tags.to_map(), expected);
    }
    let waits: Vec<&rk6::events::Sample> = events
        .iter()
        .filter_map(|e| match e {
            Event::Sample(s) if &*s.metric == "waiting" => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(waits.len(), 2);
    for s in &waits {
        assert_eq!(s.value, 7.0);
        assert_eq!(s.kind, rk6::metrics::MetricKind::Trend);
        assert_eq!(s.tags.get("step"), Some("pay"));
        assert_eq!(s.tags.get("scenario"), Some("shop"));
        assert_eq!(s.tags.get("team"), Some("blue"));
    }
    // Iteration events carry the scenario's tags too.
    let its = iterations(&events);
    assert!(its.iter().all(|it| it.tags.get("scenario") == Some("shop")));
}

#[test]
fn without_asking_a_subscriber_gets_no_samples() {
    let handle = Runner::from_source(
        "quiet.js",
        r#"
        import { check } from "k6";
        export const options = { iterations: 3 };
        export default function () { check(1, { one: () => true }); console.log("hi"); }
        "#,
    )
    .skip_summary(true)
    .log_sink(|_| {})
    .start()
    .expect("started");
    let (events, result) = drain(handle);
    assert_eq!(result.checks_passed(), 3);
    assert!(!events
        .iter()
        .any(|e| matches!(e, Event::Check(_) | Event::Sample(_))));
    // Log lines are events too, besides going to the sink.
    let logs = events
        .iter()
        .filter(|e| matches!(e, Event::Log(l) if l.message == "hi"))
        .count();
    assert_eq!(logs, 3);
}

#[test]
fn thresholds_on_vus_and_vus_max_see_the_sampled_gauges() {
    // k6 v1.1 reports vus 3 (min 3, max 3) and vus_max 3 for this script, and passes
    // both thresholds.
    let result = Runner::from_source(
        "vus.js",
        r#"
        import { sleep } from "k6";
        export const options = {
            vus: 3,
            duration: "2500ms",
            thresholds: { vus: ["value>=3"], vus_max: ["value==3", "value<3"] },
        };
        export default function () { sleep(0.1); }
        "#,
    )
    .skip_summary(true)
    .run()
    .expect("the run");
    let rules: Vec<(&str, &str, f64, bool)> = result
        .thresholds
        .iter()
        .map(|t| (t.metric.as_str(), t.threshold.as_str(), t.value, t.passed))
        .collect();
    assert_eq!(
        rules,
        [
            ("vus", "value>=3", 3.0, true),
            ("vus_max", "value==3", 3.0, true),
            ("vus_max", "value<3", 3.0, false)
        ]
    );
    assert_eq!(result.exit_code, 99);
    let vus = &result.metrics["vus"];
    assert_eq!((vus.last, vus.min, vus.max), (3.0, 3.0, 3.0));
    let vus_max = &result.metrics["vus_max"];
    assert_eq!((vus_max.last, vus_max.min, vus_max.max), (3.0, 3.0, 3.0));
}

#[test]
fn a_subscriber_that_does_not_read_loses_events_but_never_stalls_the_run() {
    let handle = Runner::from_source(
        "unread.js",
        r#"
        export const options = { iterations: 50 };
        export default function () {}
        "#,
    )
    .skip_summary(true)
    .event_capacity(3)
    .start()
    .expect("started");
    // Nothing reads the stream while the run goes on, yet it ends.
    let result = handle.wait().expect("the run");
    assert_eq!(result.iterations, 50);
    let kept: Vec<Event> = handle.events().try_iter().collect();
    assert_eq!(kept.len(), 3);
    assert!(
        matches!(&kept[0], Event::Scenarios { plans, vus_max: 1 } if plans.len() == 1),
        "{kept:?}"
    );
    assert_eq!(kept[1], Event::Started);
    assert!(matches!(kept[2], Event::Iteration(_)), "{kept:?}");
    // 49 more iterations, the scenarios' end and the run's end at least.
    assert!(handle.dropped_events() >= 51, "{}", handle.dropped_events());
    assert!(handle.wait().is_err());
}
