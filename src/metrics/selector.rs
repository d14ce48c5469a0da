//! A threshold's selection of samples (a metric, narrowed by tags), in a module of its own
//! so that aggregation can match samples against it without depending on how thresholds
//! are parsed or evaluated.

use super::sample::Tags;

/// Which samples a threshold looks at: one metric's, narrowed by tags.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Selector {
    /// The metric's name.
    pub metric: String,
    /// Tags a sample must carry, with these exact values.
    pub tags: Vec<(String, String)>,
}

impl Selector {
    /// Whether a sample of `metric` tagged `tags` belongs to the selection.
    pub fn matches(&self, metric: &str, tags: &Tags) -> bool {
        self.metric == metric
            && self
                .tags
                .iter()
                .all(|(k, v)| tags.get(k) == Some(v.as_str()))
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.metric)?;
        if !self.tags.is_empty() {
            let tags: Vec<String> = self.tags.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            write!(f, "{{{}}}", tags.join(","))?;
        }
        Ok(())
    }
}
