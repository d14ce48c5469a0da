//! The samples of one Trend and their percentiles.
//!
//! k6 keeps every sample of a Trend and interpolates linearly between the two closest ranks,
//! so its memory grows without bound on long runs. rk6 gives the same numbers as k6 up to
//! [`EXACT_LIMIT`] samples and then folds them into a DDSketch, whose answers are within
//! [`RELATIVE_ACCURACY`] of a true sample value, in memory bounded by [`MAX_BINS`].

use sketches_ddsketch::{Config, DDSketch};

/// Samples kept one by one (8 bytes each) before switching to the sketch. At 100k a run's
/// percentiles are exact for the common case of short tests and small custom Trends, while a
/// Trend never holds more than 800 KB of raw samples.
pub const EXACT_LIMIT: usize = 100_000;

/// The sketch's guaranteed relative error: a percentile it reports lies within 0.1% of the
/// sample at the lower of the two closest ranks.
pub const RELATIVE_ACCURACY: f64 = 0.001;

/// Bins per sign in the sketch (8 bytes each; only the span between the smallest and largest
/// magnitude seen is allocated, so latencies spanning 4-5 orders of magnitude take ~50 KB). With
/// a relative accuracy of 0.1% one bin covers a factor of ~1.002, so 32768 bins span 28 orders
/// of magnitude; a wider spread merges the smallest magnitudes into one bin, losing accuracy
/// only at the low end.
pub const MAX_BINS: u32 = 32_768;

/// Magnitudes at or below this count as zero in the sketch (not in the exact samples).
const SKETCH_MIN_VALUE: f64 = 1e-9;

/// A Trend's samples: exact while they are few, a relative-error sketch beyond that.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    /// Every sample so far; `sorted` says whether `values` is in ascending order.
    Exact {
        values: Vec<f64>,
        sorted: bool,
    },
    Sketch(Box<DDSketch>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Exact {
            values: Vec::new(),
            sorted: true,
        }
    }
}

impl std::fmt::Debug for Repr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Repr::Exact { values, .. } => write!(f, "Exact({} samples)", values.len()),
            Repr::Sketch(s) => write!(f, "Sketch({} samples)", s.count()),
        }
    }
}

fn new_sketch() -> DDSketch {
    DDSketch::new(Config::new(RELATIVE_ACCURACY, MAX_BINS, SKETCH_MIN_VALUE))
}

/// The sketch maps a value to a bin through its logarithm; an infinite one would ask for a
/// bin index beyond `i32`.
fn finite(v: f64) -> f64 {
    v.clamp(f64::MIN, f64::MAX)
}

impl Samples {
    /// No samples.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one sample.
    pub fn add(&mut self, v: f64) {
        match &mut self.repr {
            Repr::Exact { values, sorted } => {
                if values.len() < EXACT_LIMIT {
                    // Samples often arrive in ascending order (a Trend of elapsed times, a
                    // test's loop counter); keeping track spares a sort per percentile.
                    if *sorted && values.last().is_some_and(|last| v.total_cmp(last).is_lt()) {
                        *sorted = false;
                    }
                    values.push(v);
                    return;
                }
                let mut sketch = new_sketch();
                for &old in values.iter() {
                    sketch.add(finite(old));
                }
                sketch.add(finite(v));
                self.repr = Repr::Sketch(Box::new(sketch));
            }
            Repr::Sketch(sketch) => sketch.add(finite(v)),
        }
    }

    /// How many samples were added.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Exact { values, .. } => values.len(),
            Repr::Sketch(s) => s.count(),
        }
    }

    /// Whether none was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether percentiles are still computed from every sample (k6's exact numbers).
    pub fn is_exact(&self) -> bool {
        matches!(self.repr, Repr::Exact { .. })
    }

    /// Puts the exact samples in order, so that later percentiles need no sorted copy.
    pub fn sort(&mut self) {
        if let Repr::Exact { values, sorted } = &mut self.repr {
            if !*sorted {
                values.sort_unstable_by(f64::total_cmp);
                *sorted = true;
            }
        }
    }

    /// The `p`th percentile (0–100); 0 with no samples, as in k6.
    pub fn percentile(&self, p: f64) -> f64 {
        self.percentiles(&[p])[0]
    }

    /// Several percentiles (each 0–100) at the cost of at most one sort.
    pub fn percentiles<const N: usize>(&self, ps: &[f64; N]) -> [f64; N] {
        match &self.repr {
            Repr::Exact { values, sorted } => {
                if *sorted {
                    ps.map(|p| interpolate(values, p))
                } else {
                    let mut copy = values.clone();
                    copy.sort_unstable_by(f64::total_cmp);
                    ps.map(|p| interpolate(&copy, p))
                }
            }
            Repr::Sketch(sketch) => {
                let (Some(min), Some(max)) = (sketch.min(), sketch.max()) else {
                    return [0.0; N];
                };
                ps.map(|p| {
                    let value = sketch
                        .quantile((p / 100.0).clamp(0.0, 1.0))
                        .ok()
                        .flatten()
                        .unwrap_or(0.0);
                    // A bin's representative value may lie just outside the samples (a
                    // p(95) above max is what made the old histogram's numbers look wrong).
                    value.clamp(min, max)
                })
            }
        }
    }
}

/// k6's rule: the value at fractional rank `p/100 * (n-1)` of the sorted samples, linearly
/// interpolated between its two neighbours. The arithmetic is k6's, step for step, so the
/// results are the same floating-point numbers (p(95) of 1..10 is 9.549999999999999).
fn interpolate(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let i = (p / 100.0).clamp(0.0, 1.0) * (n as f64 - 1.0);
            let j = sorted[i.floor() as usize];
            let k = sorted[i.ceil() as usize];
            j + (k - j) * (i - i.floor())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(values: impl IntoIterator<Item = f64>) -> Samples {
        let mut s = Samples::new();
        for v in values {
            s.add(v);
        }
        s
    }

    #[test]
    fn exact_percentiles_match_k6_bit_for_bit() {
        let s = filled((1..=10).map(f64::from));
        assert_eq!(
            s.percentiles(&[50.0, 90.0, 95.0]),
            [5.5, 9.1, 9.549999999999999]
        );
        assert_eq!(s.percentile(0.0), 1.0);
        assert_eq!(s.percentile(100.0), 10.0);
    }

    #[test]
    fn order_of_arrival_does_not_matter() {
        let mut s = filled([7.0, 1.0, 10.0, 3.0, 2.0, 9.0, 4.0, 8.0, 6.0, 5.0]);
        assert_eq!(s.percentile(90.0), 9.1);
        s.sort();
        assert_eq!(s.percentile(90.0), 9.1);
        s.add(0.0);
        assert_eq!(s.percentile(0.0), 0.0);
        assert_eq!(s.percentile(50.0), 5.0);
    }

    #[test]
    fn empty_and_single_sample() {
        assert_eq!(Samples::new().percentile(50.0), 0.0);
        assert_eq!(filled([-3.25]).percentiles(&[0.0, 50.0, 99.0]), [-3.25; 3]);
    }

    #[test]
    fn exact_up_to_the_limit_then_a_sketch() {
        let mut s = filled((1..=EXACT_LIMIT).map(|v| v as f64));
        assert!(s.is_exact());
        // The 1..n median of k6's rule: (n+1)/2.
        assert_eq!(s.percentile(50.0), (EXACT_LIMIT as f64 + 1.0) / 2.0);
        s.add(EXACT_LIMIT as f64 + 1.0);
        assert!(!s.is_exact());
        assert_eq!(s.len(), EXACT_LIMIT + 1);
    }

    #[test]
    fn past_the_limit_percentiles_stay_within_the_relative_accuracy() {
        // Shuffled so the samples before and after the switch cover the whole range.
        let n = 1_000_000u64;
        let values = (0..n).map(|i| (i * 7_919 % n + 1) as f64);
        let s = filled(values);
        assert!(!s.is_exact());
        assert_eq!(s.len(), n as usize);
        for (p, exact) in [
            (50.0, 500_000.5),
            (90.0, 900_000.1),
            (95.0, 950_000.05),
            (99.9, 999_000.001),
            (1.0, 10_000.99),
        ] {
            let got = s.percentile(p);
            let error = (got - exact).abs() / exact;
            assert!(
                error <= RELATIVE_ACCURACY,
                "p({p}) = {got}, exact {exact}: relative error {error}"
            );
        }
    }

    #[test]
    fn sketch_percentiles_stay_within_the_samples() {
        // 3.0 sits inside a bin whose representative value is not 3.0 itself.
        let s = filled((0..=EXACT_LIMIT).map(|_| 3.0));
        assert!(!s.is_exact());
        assert_eq!(s.percentiles(&[0.0, 50.0, 95.0, 100.0]), [3.0; 4]);
    }

    #[test]
    fn sketch_handles_negative_and_zero_samples() {
        let mut s = filled((0..EXACT_LIMIT).map(|_| -5.0));
        for _ in 0..EXACT_LIMIT {
            s.add(0.0);
        }
        s.add(2.0);
        assert!(!s.is_exact());
        let [low, high, top] = s.percentiles(&[10.0, 90.0, 100.0]);
        assert!((low + 5.0).abs() <= 5.0 * RELATIVE_ACCURACY, "{low}");
        assert_eq!(high, 0.0);
        assert_eq!(top, 2.0);
    }

    #[test]
    fn infinite_samples_in_the_sketch_give_numbers_not_a_panic() {
        let mut s = filled((1..=EXACT_LIMIT).map(|v| v as f64));
        s.add(f64::INFINITY);
        s.add(f64::NEG_INFINITY);
        let [low, mid, high] = s.percentiles(&[0.0, 50.0, 100.0]);
        assert_eq!((low, high), (f64::MIN, f64::MAX));
        assert!(!mid.is_nan());
    }
}
