//! Model-based test: random sequences of operations run against the memory store, the disk
//! store and a plain `BTreeMap`, which must all give the same answers. Keys come from a small
//! alphabet (with multi-byte characters and shared prefixes) so sequences keep hitting the
//! same keys, and include keys both backends must refuse.

use std::collections::BTreeMap;
use std::ops::Bound;

use proptest::prelude::*;
use rk6_kv::{DiskStore, MemoryStore, Store, StoreError};

#[derive(Debug, Clone)]
enum Action {
    Set(String, Vec<u8>),
    Get(String),
    Delete(String),
    Exists(String),
    List(String, usize),
    Size,
    Clear,
}

/// What an operation answered, in a form all three can produce.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Done,
    Value(Option<Vec<u8>>),
    Bool(bool),
    Entries(Vec<(String, Vec<u8>)>),
    Size(u64),
    Error(&'static str),
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec!["a", "ab", "abc", "b", "ba", "é", "éa", "k1", "k10", "k2", "z"])
            .prop_map(str::to_owned),
        1 => Just(String::new()),
        1 => Just("x".repeat(512)),
        1 => Just("é".repeat(255)),
    ]
}

fn prefix() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "a", "ab", "b", "é", "k1", "z", "zz"]).prop_map(str::to_owned)
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        6 => (key(), prop::collection::vec(any::<u8>(), 0..40)).prop_map(|(k, v)| Action::Set(k, v)),
        3 => key().prop_map(Action::Get),
        2 => key().prop_map(Action::Delete),
        2 => key().prop_map(Action::Exists),
        2 => (prefix(), 0usize..4).prop_map(|(p, l)| Action::List(p, l)),
        1 => Just(Action::Size),
        1 => Just(Action::Clear),
    ]
}

fn model_key_error(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        Some("KeyRequiredError")
    } else if key.len() > 511 {
        Some("KeyTooLargeError")
    } else {
        None
    }
}

fn on_model(model: &mut BTreeMap<String, Vec<u8>>, action: &Action) -> Answer {
    let checked = |key: &str, answer: Answer| match model_key_error(key) {
        Some(name) => Answer::Error(name),
        None => answer,
    };
    match action {
        Action::Set(k, v) => {
            if let Some(name) = model_key_error(k) {
                return Answer::Error(name);
            }
            model.insert(k.clone(), v.clone());
            Answer::Done
        }
        Action::Delete(k) => {
            if let Some(name) = model_key_error(k) {
                return Answer::Error(name);
            }
            model.remove(k);
            Answer::Done
        }
        Action::Get(k) => checked(k, Answer::Value(model.get(k).cloned())),
        Action::Exists(k) => checked(k, Answer::Bool(model.contains_key(k))),
        Action::List(p, limit) => {
            let limit = if *limit == 0 { usize::MAX } else { *limit };
            Answer::Entries(
                model
                    .range::<str, _>((Bound::Included(p.as_str()), Bound::Unbounded))
                    .take_while(|(k, _)| k.starts_with(p.as_str()))
                    .take(limit)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        }
        Action::Size => Answer::Size(model.len() as u64),
        Action::Clear => {
            model.clear();
            Answer::Done
        }
    }
}

fn on_store(store: &dyn Store, action: &Action) -> Answer {
    fn answer<T>(result: Result<T, StoreError>, f: impl FnOnce(T) -> Answer) -> Answer {
        match result {
            Ok(value) => f(value),
            Err(e) => Answer::Error(e.name()),
        }
    }
    match action {
        Action::Set(k, v) => answer(store.set(k, v.clone()).wait(), |()| Answer::Done),
        Action::Delete(k) => answer(store.delete(k).wait(), |()| Answer::Done),
        Action::Clear => answer(store.clear().wait(), |()| Answer::Done),
        Action::Get(k) => answer(store.get(k), Answer::Value),
        Action::Exists(k) => answer(store.exists(k), Answer::Bool),
        Action::List(p, limit) => answer(store.list(p, *limit), Answer::Entries),
        Action::Size => answer(store.size(), Answer::Size),
    }
}

proptest! {
    // Each case opens a fresh disk store and commits durably, so keep the count modest.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn both_backends_behave_like_a_btreemap(actions in prop::collection::vec(action(), 1..40)) {
        let dir = tempfile::tempdir().expect("temp dir");
        let disk = DiskStore::open(&dir.path().join("model.kv")).expect("open disk store");
        let memory = MemoryStore::new();
        let mut model = BTreeMap::new();
        for (step, action) in actions.iter().enumerate() {
            let expected = on_model(&mut model, action);
            let from_memory = on_store(&memory, action);
            let from_disk = on_store(&*disk, action);
            prop_assert_eq!(&from_memory, &expected, "memory, step {}: {:?}", step, action);
            prop_assert_eq!(&from_disk, &expected, "disk, step {}: {:?}", step, action);
        }
    }
}
