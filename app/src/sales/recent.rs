//! The analyses shown most recently, kept for a few minutes so the AI insight describes exactly
//! the data on the user's screen and does not query the warehouse a second time.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::model::AnalysisResult;
use super::params::AnalysisParams;

const CAPACITY: usize = 32;

#[derive(Clone, Default)]
pub struct RecentResults {
    entries: Arc<Mutex<VecDeque<(Instant, AnalysisResult)>>>,
}

impl RecentResults {
    pub fn put(&self, result: &AnalysisResult) {
        // A poisoned lock only means another request panicked mid-update; the cache is optional.
        let Ok(mut e) = self.entries.lock() else { return };
        e.retain(|(_, r)| r.params != result.params);
        if e.len() == CAPACITY {
            e.pop_front();
        }
        e.push_back((Instant::now(), result.clone()));
    }

    pub fn get(&self, params: &AnalysisParams, max_age: Duration) -> Option<AnalysisResult> {
        let e = self.entries.lock().ok()?;
        e.iter().rev().find(|(at, r)| &r.params == params && at.elapsed() <= max_age).map(|(_, r)| r.clone())
    }
}
