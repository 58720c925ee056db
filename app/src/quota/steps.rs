//! Which alert a check raises: the usage of a sub-account's allocation against its steps.
//!
//! Exact (Decimal, never a float percentage): a step of `p` % is crossed when
//! `consumed × 100 ≥ p × allocated`. Only the highest step crossed and not yet fired in this
//! allocation cycle is raised (crossing 50 and 80 at once raises 80 only; 50 is then marked fired
//! too, so it never arrives late). 100 % is always a step: "额度用尽". A new allocation that brings
//! usage back under a step re-arms that step and every one above it.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The exhausted step: always present, whatever the configured steps.
pub const EXHAUSTED: u8 = 100;

/// Alert thresholds in whole percent, ascending, each in 1..=99, then 100.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Steps(Vec<u8>);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StepsError {
    #[error("每个预警阈值须在 1 到 99 之间（100% 为额度用尽，总是提醒）：{0}")]
    OutOfRange(u16),
    #[error("预警阈值不能重复：{0}")]
    Repeated(u8),
}

impl Steps {
    /// The global default: 50 / 80 / 90 %, then 100 %.
    pub fn default_steps() -> Self {
        Steps(vec![50, 80, 90, EXHAUSTED])
    }

    /// From the configured thresholds (any order); 100 is added.
    pub fn new(thresholds: &[u16]) -> Result<Self, StepsError> {
        let mut out = Vec::with_capacity(thresholds.len() + 1);
        for &t in thresholds {
            let t8 = u8::try_from(t).ok().filter(|v| (1..=99).contains(v)).ok_or(StepsError::OutOfRange(t))?;
            if out.contains(&t8) {
                return Err(StepsError::Repeated(t8));
            }
            out.push(t8);
        }
        out.sort_unstable();
        out.push(EXHAUSTED);
        Ok(Steps(out))
    }

    pub fn all(&self) -> &[u8] {
        &self.0
    }

    /// The configured steps, without the 100 % that is always there.
    pub fn configured(&self) -> &[u8] {
        &self.0[..self.0.len().saturating_sub(1)]
    }

    /// The steps `consumed` of `allocated` has reached. Nothing allocated: usage is unbounded, so
    /// any spend has reached every step and none has without spend.
    pub fn reached(&self, consumed: Decimal, allocated: Decimal) -> Vec<u8> {
        self.0.iter().copied().filter(|&p| reached(consumed, allocated, p)).collect()
    }
}

fn reached(consumed: Decimal, allocated: Decimal, percent: u8) -> bool {
    if allocated <= Decimal::ZERO {
        return consumed > Decimal::ZERO;
    }
    consumed * Decimal::ONE_HUNDRED >= Decimal::from(percent) * allocated
}

/// What a check decides for one sub-account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The one alert to record (and send), if a step not fired yet was crossed.
    pub alert: Option<u8>,
    /// Steps to record as fired without an alert of their own (crossed together with `alert`).
    pub silenced: Vec<u8>,
    /// Steps fired before that usage is now under again (a new allocation): armed again.
    pub rearmed: Vec<u8>,
}

impl Decision {
    pub fn exhausted(&self) -> bool {
        self.alert == Some(EXHAUSTED)
    }
}

/// The rule: given usage and the steps already fired in this cycle.
pub fn decide(steps: &Steps, consumed: Decimal, allocated: Decimal, fired: &[u8]) -> Decision {
    let reached = steps.reached(consumed, allocated);
    let rearmed: Vec<u8> = fired.iter().copied().filter(|s| !reached.contains(s)).collect();
    let new: Vec<u8> = reached.iter().copied().filter(|s| !fired.contains(s)).collect();
    let alert = new.last().copied();
    let silenced = new.iter().copied().filter(|&s| Some(s) != alert).collect();
    Decision { alert, silenced, rearmed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Decimal {
        s.parse().expect("a decimal")
    }

    fn d() -> Steps {
        Steps::default_steps()
    }

    #[test]
    fn crossing_several_steps_at_once_raises_only_the_highest() {
        let x = decide(&d(), n("85"), n("100"), &[]);
        assert_eq!(x, Decision { alert: Some(80), silenced: vec![50], rearmed: vec![] });
    }

    #[test]
    fn one_step_at_a_time_and_nothing_twice() {
        assert_eq!(decide(&d(), n("49.99"), n("100"), &[]).alert, None);
        assert_eq!(decide(&d(), n("50"), n("100"), &[]).alert, Some(50), "exactly at the step counts");
        assert_eq!(decide(&d(), n("60"), n("100"), &[50]).alert, None);
        assert_eq!(decide(&d(), n("90"), n("100"), &[50]), Decision { alert: Some(90), silenced: vec![80], rearmed: vec![] });
        let done = decide(&d(), n("100.00"), n("100"), &[50, 80, 90]);
        assert!(done.exhausted());
    }

    #[test]
    fn exact_decimal_no_float_rounding() {
        // 0.1 + 0.2 of 0.6: exactly 50 %, which a float would put just above or below.
        assert_eq!(decide(&d(), n("0.1") + n("0.2"), n("0.6"), &[]).alert, Some(50));
        assert_eq!(decide(&d(), n("0.2999999999"), n("0.6"), &[]).alert, None);
    }

    #[test]
    fn a_new_allocation_rearms_the_steps_above_the_new_usage() {
        // 95 of 100 fired 50/80/90; 100 more allocated: 47.5 % — all three are armed again.
        let x = decide(&d(), n("95"), n("200"), &[50, 80, 90]);
        assert_eq!(x, Decision { alert: None, silenced: vec![], rearmed: vec![50, 80, 90] });
        // 95 of 150 (63 %): 50 stays fired, 80 and 90 re-armed.
        assert_eq!(decide(&d(), n("95"), n("150"), &[50, 80, 90]).rearmed, vec![80, 90]);
    }

    #[test]
    fn nothing_allocated_and_spending_is_exhausted() {
        assert!(decide(&d(), n("0.01"), Decimal::ZERO, &[]).exhausted());
        assert_eq!(decide(&d(), Decimal::ZERO, Decimal::ZERO, &[]).alert, None);
    }

    #[test]
    fn configured_steps_are_checked_and_sorted_with_100_added() {
        assert_eq!(Steps::new(&[80, 30]).unwrap().all(), &[30, 80, 100]);
        assert_eq!(Steps::new(&[0]), Err(StepsError::OutOfRange(0)));
        assert_eq!(Steps::new(&[100]), Err(StepsError::OutOfRange(100)));
        assert_eq!(Steps::new(&[70, 70]), Err(StepsError::Repeated(70)));
        assert_eq!(Steps::new(&[]).unwrap().all(), &[100]);
    }
}
