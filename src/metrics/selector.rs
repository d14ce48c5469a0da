//! A threshold's selection of samples (a metric, narrowed by tags), in a module of its own
//! so that aggregation can match samples against it without depending on how thresholds
//! are parsed or evaluated.

/// Which samples a threshold looks at: one metric's, narrowed by tags.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Selector {
    pub metric: String,
    /// Tags a sample must carry, with these exact values.
    pub tags: Vec<(String, String)>,
}

impl Selector {
    pub fn matches(&self, metric: &str, tags: &dyn Fn(&str) -> Option<String>) -> bool {
        self.metric == metric
            && self
                .tags
                .iter()
                .all(|(k, v)| tags(k).is_some_and(|t| t == *v))
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
