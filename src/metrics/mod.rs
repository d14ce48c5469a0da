//! Metrics of a run: the samples VUs record, their aggregation, thresholds on them, and
//! the end-of-test summary and exports built from the aggregate.
//!
//! Dependencies run one way: [`metric`] and [`selector`] hold plain data, [`sample`] is one measurement, [`aggregator`]
//! collects samples into them, [`thresholds`] judges what it collected, and [`summary`]
//! and [`export`] render a finished run's result.

pub mod aggregator;
pub mod export;
pub mod metric;
pub mod sample;
pub mod selector;
pub mod summary;
pub mod thresholds;
pub mod trend;

pub use aggregator::{Aggregator, CheckStat, IterationOutcome};
pub use metric::{Metric, MetricKind, TrendSummary};
pub use sample::{Sample, Tags};
pub use selector::Selector;
