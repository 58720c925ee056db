//! The retry schedule the provider clients share: exponential with jitter between two delays,
//! `attempts` counting the first try (backon counts only the retries).

use std::time::Duration;

use backon::ExponentialBuilder;

pub fn exponential(attempts: usize, min_delay: Duration, max_delay: Duration) -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_jitter()
        .with_min_delay(min_delay)
        .with_max_delay(max_delay)
        .with_max_times(attempts.saturating_sub(1))
}
