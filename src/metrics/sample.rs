//! One measurement (a metric sample) and the tags it carries.

use super::metric::MetricKind;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

/// The tags of one sample: those its VU carries for every sample (the test's, the
/// scenario's, `exec.vu.tags`), shared rather than copied, under the sample's own (the
/// call's tags, a check's `check`/`group`, a request's `method`/`url`/`status`/...).
///
/// VUs only fill them in when something reads them (a threshold with a tag filter on the
/// metric, or a subscriber that asked for samples); otherwise a sample's tags are empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags {
    common: Option<Arc<BTreeMap<String, String>>>,
    own: Vec<(String, String)>,
}

impl Tags {
    /// Tags that start as `common` (shared with the VU's other samples).
    pub fn new(common: Arc<BTreeMap<String, String>>) -> Self {
        Self {
            common: Some(common),
            own: Vec::new(),
        }
    }

    /// Adds (or overrides) one tag of this sample alone.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.own.iter_mut().find(|(k, _)| *k == name) {
            Some(entry) => entry.1 = value,
            None => self.own.push((name, value)),
        }
    }

    /// The value of tag `name`, the sample's own before its VU's.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.own
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .or_else(|| self.common.as_ref()?.get(name).map(String::as_str))
    }

    /// The map these tags share with other samples, when the sample has no tag of its
    /// own: the same map (by pointer) means the same tags, so a writer can reuse what it
    /// made of them (a request's dozen samples share one).
    pub fn shared(&self) -> Option<&Arc<BTreeMap<String, String>>> {
        match self.own.is_empty() {
            true => self.common.as_ref(),
            false => None,
        }
    }

    /// Whether the sample carries no tag at all (also when tags were not filled in).
    pub fn is_empty(&self) -> bool {
        self.own.is_empty() && self.common.as_ref().is_none_or(|c| c.is_empty())
    }

    /// Calls `f` with every tag in name order (a sample's own value over its VU's),
    /// without building a map: file outputs call it for each sample they write.
    pub fn for_each_sorted<'a>(&'a self, mut f: impl FnMut(&'a str, &'a str)) {
        let common = self.common.as_deref().into_iter().flatten();
        let n = self.own.len();
        if n == 0 {
            common.for_each(|(k, v)| f(k, v));
            return;
        }
        // A sample has a few tags of its own: sorting their indices on the stack spares
        // an allocation per sample.
        const INLINE: usize = 16;
        if n <= INLINE {
            let mut order = [0u8; INLINE];
            for (i, slot) in order[..n].iter_mut().enumerate() {
                *slot = i as u8;
            }
            order[..n]
                .sort_unstable_by(|&a, &b| self.own[a as usize].0.cmp(&self.own[b as usize].0));
            merge_sorted(common, order[..n].iter().map(|&i| &self.own[i as usize]), f);
        } else {
            let mut own: Vec<&(String, String)> = self.own.iter().collect();
            own.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            merge_sorted(common, own.into_iter(), f);
        }
    }

    /// Every tag by name.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        let mut map = self.common.as_deref().cloned().unwrap_or_default();
        map.extend(self.own.iter().cloned());
        map
    }
}

/// Visits two name-sorted tag lists as one, `own` winning over `common` on equal names.
fn merge_sorted<'a>(
    common: impl Iterator<Item = (&'a String, &'a String)>,
    own: impl Iterator<Item = &'a (String, String)>,
    mut f: impl FnMut(&'a str, &'a str),
) {
    let mut own = own.peekable();
    for (k, v) in common {
        while let Some((ok, ov)) = own.next_if(|(ok, _)| ok < k) {
            f(ok, ov);
        }
        match own.next_if(|(ok, _)| ok == k) {
            Some((ok, ov)) => f(ok, ov),
            None => f(k, v),
        }
    }
    own.for_each(|(k, v)| f(k, v));
}

/// One sample of a metric, as k6 emits them: `http_req_duration` of one request, one
/// `add()` to a custom metric, `dropped_iterations`, the `vus` gauge...
///
/// Checks and iterations have events of their own ([`crate::events::Check`],
/// [`crate::events::Iteration`]) that stand for their `checks`, `iterations` and
/// `iteration_duration` samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The metric's name (`http_req_duration`, a custom metric's...).
    pub metric: Arc<str>,
    /// The metric's kind, which decides how the aggregate sums its samples up.
    pub kind: MetricKind,
    /// Milliseconds for time Trends, bytes for data Counters, as k6 records them.
    pub value: f64,
    /// When it was taken.
    pub time: SystemTime,
    /// Its tags, when something reads them (see [`Tags`]).
    pub tags: Tags,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_visited_in_name_order_own_over_common() {
        let common: BTreeMap<String, String> = [("b", "1"), ("d", "2"), ("f", "3")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let mut tags = Tags::new(Arc::new(common));
        for (k, v) in [("g", "x"), ("d", "own"), ("a", "y"), ("c", "z")] {
            tags.set(k, v);
        }
        let mut seen = Vec::new();
        tags.for_each_sorted(|k, v| seen.push(format!("{k}={v}")));
        assert_eq!(seen, ["a=y", "b=1", "c=z", "d=own", "f=3", "g=x"]);
        let many: Vec<(String, String)> = (0..20)
            .rev()
            .map(|i| (format!("k{i:02}"), i.to_string()))
            .collect();
        let mut tags = Tags::default();
        for (k, v) in &many {
            tags.set(k.clone(), v.clone());
        }
        let mut seen = Vec::new();
        tags.for_each_sorted(|k, _| seen.push(k.to_owned()));
        let mut want: Vec<String> = many.into_iter().map(|(k, _)| k).collect();
        want.sort();
        assert_eq!(seen, want);
    }
}
