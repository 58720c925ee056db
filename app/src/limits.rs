//! How often one client may start model calls (AI insights) and image generations: each is paid
//! for, and a page left to loop, or a script, must not run up the bill. Server only.
//!
//! Keyed by the [`Caller`]: the peer address now; once sign-in exists, a `User` variant takes its
//! place in [`Caller::current`] and nothing else changes.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{AppError, LimitedAction};

/// Who is calling, as far as limits go.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Caller {
    /// An IPv4 address, or an IPv6 /64 (one host owns a whole /64 and can change addresses in it).
    Peer(IpAddr),
    /// No peer address (served without connect info): such calls share one budget.
    Unknown,
}

impl Caller {
    pub fn from_peer(addr: SocketAddr) -> Self {
        match addr.ip() {
            IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                Caller::Peer(IpAddr::V6(bits.into()))
            }
            IpAddr::V6(v6) => Caller::Peer(v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6))),
            v4 => Caller::Peer(v4),
        }
    }

    /// The caller of the server function being run (the request's connect info).
    pub fn current() -> Self {
        leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|info| info.0))
            .map(Caller::from_peer)
            .unwrap_or(Caller::Unknown)
    }
}

/// `per_hour` calls an hour, of which `burst` may come at once; `per_hour` 0 means no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub per_hour: u32,
    pub burst: u32,
}

/// Beyond this many remembered callers, the ones whose budget is full again are forgotten.
const MAX_TRACKED: usize = 10_000;

struct Limiter {
    limiter: DefaultKeyedRateLimiter<Caller>,
}

/// One limiter per action, shared by every clone of the state.
#[derive(Clone)]
pub struct CallLimits {
    insight: Option<Arc<Limiter>>,
    image: Option<Arc<Limiter>>,
}

impl std::fmt::Debug for CallLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallLimits").field("insight", &self.insight.is_some()).field("image", &self.image.is_some()).finish()
    }
}

impl CallLimits {
    pub fn new(insight: RateLimit, image: RateLimit) -> Self {
        CallLimits { insight: limiter(insight), image: limiter(image) }
    }

    /// Counts one call of `action` by `caller`, or says how long until one is allowed.
    pub fn check(&self, action: LimitedAction, caller: &Caller) -> Result<(), AppError> {
        let slot = match action {
            LimitedAction::Insight => &self.insight,
            LimitedAction::Image => &self.image,
        };
        let Some(l) = slot else { return Ok(()) };
        if l.limiter.len() > MAX_TRACKED {
            l.limiter.retain_recent();
        }
        l.limiter.check_key(caller).map_err(|not_until| {
            let wait = not_until.wait_time_from(l.limiter.clock().now());
            tracing::info!(?caller, ?action, wait_s = wait.as_secs(), "call refused by the per-client limit");
            AppError::RateLimited { action, retry_after_s: wait.as_secs() + u64::from(wait.subsec_nanos() > 0) }
        })
    }
}

fn limiter(limit: RateLimit) -> Option<Arc<Limiter>> {
    let per_hour = NonZeroU32::new(limit.per_hour)?;
    let period = Duration::from_secs(3600) / per_hour.get();
    let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(period)?.allow_burst(burst);
    Some(Arc::new(Limiter { limiter: RateLimiter::keyed(quota) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusals_per_caller_and_action() {
        let limits = CallLimits::new(RateLimit { per_hour: 1, burst: 2 }, RateLimit { per_hour: 0, burst: 0 });
        let a = Caller::from_peer("10.0.0.1:5000".parse().unwrap());
        let b = Caller::from_peer("10.0.0.2:5000".parse().unwrap());
        assert!(limits.check(LimitedAction::Insight, &a).is_ok());
        assert!(limits.check(LimitedAction::Insight, &a).is_ok());
        match limits.check(LimitedAction::Insight, &a) {
            Err(AppError::RateLimited { action: LimitedAction::Insight, retry_after_s }) => {
                assert!((1700..=3600).contains(&retry_after_s), "{retry_after_s}")
            }
            other => panic!("{other:?}"),
        }
        // Another caller has its own budget; images are unlimited here.
        assert!(limits.check(LimitedAction::Insight, &b).is_ok());
        for _ in 0..100 {
            assert!(limits.check(LimitedAction::Image, &a).is_ok());
        }
    }

    #[test]
    fn an_ipv6_host_is_one_caller_across_its_64() {
        let one = Caller::from_peer("[2001:db8:1:2::1]:1".parse().unwrap());
        let other = Caller::from_peer("[2001:db8:1:2:ffff::9]:2".parse().unwrap());
        assert_eq!(one, other);
        assert_ne!(one, Caller::from_peer("[2001:db8:1:3::1]:1".parse().unwrap()));
        let mapped = Caller::from_peer("[::ffff:10.0.0.1]:1".parse().unwrap());
        assert_eq!(mapped, Caller::from_peer("10.0.0.1:1".parse().unwrap()));
    }
}
