//! Piecewise-linear targets over time, shared by the ramping executors.

use crate::options::Stage;
use std::time::Duration;

/// The value ramped to by `stages` at time `t`, starting from `start`.
pub fn target_at(start: u64, stages: &[Stage], t: Duration) -> f64 {
    let mut from = start as f64;
    let mut elapsed = Duration::ZERO;
    for stage in stages {
        let to = stage.target as f64;
        if t < elapsed + stage.duration {
            let x = (t - elapsed).as_secs_f64() / stage.duration.as_secs_f64();
            return from + (to - from) * x;
        }
        elapsed += stage.duration;
        from = to;
    }
    from
}

/// The highest value the ramp takes between `from` and `to`. The ramp is piecewise linear,
/// so the maximum is at one of the two ends or at a stage boundary between them.
pub fn max_between(start: u64, stages: &[Stage], from: Duration, to: Duration) -> f64 {
    let mut max = target_at(start, stages, from).max(target_at(start, stages, to));
    let mut boundary = Duration::ZERO;
    for stage in stages {
        boundary += stage.duration;
        if boundary > from && boundary < to {
            max = max.max(stage.target as f64);
        }
    }
    max
}

/// Area under the ramp from 0 to `t` (in target-units × seconds): how many
/// iterations a rate ramp (per second) has asked for by time `t`.
pub fn integral(start: u64, stages: &[Stage], t: Duration) -> f64 {
    let mut from = start as f64;
    let mut elapsed = Duration::ZERO;
    let mut area = 0.0;
    for stage in stages {
        let to = stage.target as f64;
        let d = stage.duration.as_secs_f64();
        if t < elapsed + stage.duration {
            let x = (t - elapsed).as_secs_f64();
            return area + from * x + (to - from) * x * x / (2.0 * d);
        }
        area += (from + to) / 2.0 * d;
        elapsed += stage.duration;
        from = to;
    }
    area
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(secs: u64, target: u64) -> Stage {
        Stage {
            duration: Duration::from_secs(secs),
            target,
        }
    }

    #[test]
    fn ramps_linearly_between_stages() {
        let stages = [st(10, 10), st(10, 0)];
        assert_eq!(target_at(0, &stages, Duration::from_secs(5)), 5.0);
        assert_eq!(target_at(0, &stages, Duration::from_secs(15)), 5.0);
        assert_eq!(target_at(0, &stages, Duration::from_secs(30)), 0.0);
    }

    #[test]
    fn max_between_sees_peaks_inside_the_window() {
        let stages = [st(10, 10), st(10, 0)];
        let s = Duration::from_secs;
        // The peak at 10 s lies between 5 s and 15 s, where the ends are only 5.
        assert_eq!(max_between(0, &stages, s(5), s(15)), 10.0);
        assert_eq!(max_between(0, &stages, s(12), s(16)), 8.0);
        assert_eq!(max_between(0, &stages, s(0), s(0)), 0.0);
    }

    #[test]
    fn integral_is_the_area_under_the_ramp() {
        let stages = [st(10, 10), st(10, 10)];
        assert_eq!(integral(0, &stages, Duration::from_secs(10)), 50.0);
        assert_eq!(integral(0, &stages, Duration::from_secs(20)), 150.0);
    }
}
