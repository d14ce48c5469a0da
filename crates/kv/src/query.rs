//! Which keys a `list` or `scan` reads: a prefix, a key range, a cursor and a direction,
//! turned into one pair of bounds that both backends hand to their ordered maps.

use std::cmp::Ordering;
use std::ops::Bound;

use crate::{StoreError, MAX_KEY_BYTES};

/// The entries to read, in UTF-8 byte order of their keys (reversed with `reverse`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<'a> {
    /// Keys start with this (`""`: any key).
    pub prefix: &'a str,
    /// Keys are at least this (inclusive).
    pub start: Option<&'a str>,
    /// Keys are below this (exclusive).
    pub end: Option<&'a str>,
    /// A cursor: keys come after this one in the reading direction.
    pub after: Option<&'a str>,
    /// Highest key first.
    pub reverse: bool,
    /// At most this many entries; `0` means all.
    pub limit: usize,
}

/// The lower and upper bound of the keys a query reads, or `None` when no key can match.
pub(crate) type Bounds = (Bound<String>, Bound<String>);

impl Query<'_> {
    pub(crate) fn limit(&self) -> usize {
        if self.limit == 0 {
            usize::MAX
        } else {
            self.limit
        }
    }

    /// Range ends and cursors longer than any key are refused (LMDB cannot position a
    /// cursor there); an over-long prefix simply matches nothing.
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        for bound in [self.start, self.end, self.after].into_iter().flatten() {
            if bound.len() > MAX_KEY_BYTES {
                return Err(StoreError::KeyTooLarge { len: bound.len() });
            }
        }
        Ok(())
    }

    pub(crate) fn bounds(&self) -> Option<Bounds> {
        if self.prefix.len() > MAX_KEY_BYTES {
            return None;
        }
        let mut lower = Bound::Unbounded;
        let mut upper = Bound::Unbounded;
        if !self.prefix.is_empty() {
            lower = Bound::Included(self.prefix.to_owned());
            // No successor: every key from the prefix on starts with it.
            if let Some(next) = successor(self.prefix) {
                upper = Bound::Excluded(next);
            }
        }
        if let Some(start) = self.start {
            lower = max_lower(lower, Bound::Included(start.to_owned()));
        }
        if let Some(end) = self.end {
            upper = min_upper(upper, Bound::Excluded(end.to_owned()));
        }
        match (self.after, self.reverse) {
            (Some(after), false) => lower = max_lower(lower, Bound::Excluded(after.to_owned())),
            (Some(after), true) => upper = min_upper(upper, Bound::Excluded(after.to_owned())),
            (None, _) => {}
        }
        non_empty(&lower, &upper).then_some((lower, upper))
    }
}

/// The positions `bounds` spans in an ordered collection of `len` keys, given the rank of a
/// key (how many keys sort below it) and whether the collection holds it.
pub(crate) fn rank_range(
    bounds: &Bounds,
    len: usize,
    rank: impl Fn(&str) -> usize,
    holds: impl Fn(&str) -> bool,
) -> (usize, usize) {
    let at = |key: &str, after: bool| rank(key) + usize::from(after && holds(key));
    let lo = match &bounds.0 {
        Bound::Included(k) => at(k, false),
        Bound::Excluded(k) => at(k, true),
        Bound::Unbounded => 0,
    };
    let hi = match &bounds.1 {
        Bound::Included(k) => at(k, true),
        Bound::Excluded(k) => at(k, false),
        Bound::Unbounded => len,
    };
    (lo, hi.max(lo))
}

/// Whether `key` lies within `bounds`.
pub(crate) fn within(bounds: &Bounds, key: &str) -> bool {
    let above = match &bounds.0 {
        Bound::Included(k) => key >= k.as_str(),
        Bound::Excluded(k) => key > k.as_str(),
        Bound::Unbounded => true,
    };
    let below = match &bounds.1 {
        Bound::Included(k) => key <= k.as_str(),
        Bound::Excluded(k) => key < k.as_str(),
        Bound::Unbounded => true,
    };
    above && below
}

/// The smallest string above every string that starts with `prefix`: its last character
/// raised by one (UTF-8 byte order is code point order), dropping trailing U+10FFFF.
fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut code = last as u32 + 1;
        if (0xD800..0xE000).contains(&code) {
            code = 0xE000;
        }
        if let Some(next) = char::from_u32(code) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn max_lower(a: Bound<String>, b: Bound<String>) -> Bound<String> {
    match (&a, &b) {
        (Bound::Unbounded, _) => b,
        (_, Bound::Unbounded) => a,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            match x.cmp(y) {
                Ordering::Less => b,
                Ordering::Greater => a,
                Ordering::Equal if matches!(b, Bound::Excluded(_)) => b,
                Ordering::Equal => a,
            }
        }
    }
}

fn min_upper(a: Bound<String>, b: Bound<String>) -> Bound<String> {
    match (&a, &b) {
        (Bound::Unbounded, _) => b,
        (_, Bound::Unbounded) => a,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            match x.cmp(y) {
                Ordering::Less => a,
                Ordering::Greater => b,
                Ordering::Equal if matches!(b, Bound::Excluded(_)) => b,
                Ordering::Equal => a,
            }
        }
    }
}

/// Whether some key lies between the bounds (ordered maps panic on an inverted range).
fn non_empty(lower: &Bound<String>, upper: &Bound<String>) -> bool {
    match (lower, upper) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => true,
        (Bound::Included(l), Bound::Included(u)) => l <= u,
        (Bound::Included(l) | Bound::Excluded(l), Bound::Included(u) | Bound::Excluded(u)) => l < u,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successors_sort_right_after_the_prefix() {
        assert_eq!(successor("ab").as_deref(), Some("ac"));
        assert_eq!(successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(successor("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(successor("\u{10FFFF}"), None);
    }

    #[test]
    fn empty_ranges_are_detected() {
        let q = Query {
            start: Some("b"),
            end: Some("b"),
            ..Default::default()
        };
        assert!(q.bounds().is_none());
        let q = Query {
            prefix: "a",
            start: Some("b"),
            ..Default::default()
        };
        assert!(q.bounds().is_none());
        let q = Query {
            prefix: "a",
            after: Some("a"),
            reverse: true,
            ..Default::default()
        };
        assert!(q.bounds().is_none());
    }
}
