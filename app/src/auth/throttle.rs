//! Failed sign-ins are throttled per address and per user name (governor's GCRA: a burst of
//! failures, then one more per period). Only failures count, so a user signing in often is never
//! locked out; once a key has used its burst, every attempt for it — right password or not — is
//! refused until the wait is over.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    User(String),
}

/// Failures allowed per user name before the lock, and how often one more is allowed.
pub const USER_BURST: u32 = 5;
pub const USER_PERIOD: Duration = Duration::from_secs(180);
/// Per address: more, since one office may share an address.
pub const ADDRESS_BURST: u32 = 20;
pub const ADDRESS_PERIOD: Duration = Duration::from_secs(30);
const MAX_TRACKED: usize = 10_000;

#[derive(Clone)]
pub struct SignInThrottle {
    inner: Arc<Inner>,
}

struct Inner {
    users: DefaultKeyedRateLimiter<Key>,
    addresses: DefaultKeyedRateLimiter<Key>,
    locked: Mutex<HashMap<Key, Instant>>,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self::new(USER_BURST, USER_PERIOD, ADDRESS_BURST, ADDRESS_PERIOD)
    }
}

/// `failures` allowed before the lock: the one that finds the burst used up locks, so the burst
/// is one less.
fn quota(failures: u32, period: Duration) -> Quota {
    let burst = NonZeroU32::new(failures.saturating_sub(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period).unwrap_or(Quota::per_minute(NonZeroU32::MIN)).allow_burst(burst)
}

impl SignInThrottle {
    pub fn new(user_burst: u32, user_period: Duration, address_burst: u32, address_period: Duration) -> Self {
        SignInThrottle {
            inner: Arc::new(Inner {
                users: RateLimiter::keyed(quota(user_burst, user_period)),
                addresses: RateLimiter::keyed(quota(address_burst, address_period)),
                locked: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn keys(address: Option<IpAddr>, username: &str) -> Vec<Key> {
        let mut keys = vec![Key::User(username.trim().to_lowercase())];
        keys.extend(address.map(Key::Address));
        keys
    }

    /// The wait left when this address or user name is locked.
    pub fn locked_for(&self, address: Option<IpAddr>, username: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut locked = self.inner.locked.lock().unwrap_or_else(|p| p.into_inner());
        locked.retain(|_, until| *until > now);
        Self::keys(address, username).iter().filter_map(|k| locked.get(k)).map(|until| *until - now).max()
    }

    /// Counts a failure; returns the wait when this one used up a burst.
    pub fn failed(&self, address: Option<IpAddr>, username: &str) -> Option<Duration> {
        let mut wait = None;
        for key in Self::keys(address, username) {
            let limiter = match key {
                Key::User(_) => &self.inner.users,
                Key::Address(_) => &self.inner.addresses,
            };
            if limiter.len() > MAX_TRACKED {
                limiter.retain_recent();
            }
            if let Err(not_until) = limiter.check_key(&key) {
                let w = not_until.wait_time_from(limiter.clock().now());
                let mut locked = self.inner.locked.lock().unwrap_or_else(|p| p.into_inner());
                locked.insert(key, Instant::now() + w);
                wait = wait.max(Some(w));
            }
        }
        wait
    }
}

/// Whole seconds, rounded up, for the user's message.
pub fn seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nth_failure_locks_the_user_name_whatever_the_address() {
        let t = SignInThrottle::new(3, Duration::from_secs(600), 100, Duration::from_secs(1));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(t.failed(Some(a), "alice"), None);
        assert_eq!(t.failed(Some(b), "Alice"), None);
        assert!(t.locked_for(Some(a), "alice").is_none());
        let wait = t.failed(Some(a), "alice ").expect("third failure locks");
        assert!(wait > Duration::from_secs(500), "{wait:?}");
        assert!(t.locked_for(Some(b), "ALICE").is_some(), "locked from any address");
        assert!(t.locked_for(Some(b), "bob").is_none(), "other users unaffected");
    }

    #[test]
    fn an_address_is_locked_across_user_names() {
        let t = SignInThrottle::new(100, Duration::from_secs(1), 2, Duration::from_secs(600));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(t.failed(Some(a), "u1"), None);
        assert!(t.failed(Some(a), "u2").is_some());
        assert!(t.locked_for(Some(a), "u3").is_some());
        assert!(t.locked_for(Some("10.0.0.9".parse().unwrap()), "u3").is_none());
    }
}
