//! Flood control for requests from guards. Posting a request needs no credential (a
//! guard has none to give: its config is readable by the agent it guards), so anyone
//! who can reach the service could fill its page. Two bounds keep the page usable: a
//! rate per source address (a token bucket) and a cap on requests waiting at once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Requests a minute from one address, when the config does not say.
pub const DEFAULT_PER_MINUTE: u32 = 60;
/// Requests waiting at once, when the config does not say.
pub const DEFAULT_MAX_PENDING: u32 = 500;
/// Addresses remembered at most; past it, those with a full bucket are forgotten.
const MAX_ADDRESSES: usize = 10_000;

/// A token bucket per source address: `per_minute` tokens a minute, as many at most.
pub struct Limiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(per_minute: u32) -> Limiter {
        Limiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one token for `addr`: `Err(seconds)` to wait when there is none.
    pub fn take(&self, addr: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Err(60);
        }
        let cap = f64::from(self.per_minute);
        let per_sec = cap / 60.0;
        let Ok(mut b) = self.buckets.lock() else {
            return Err(1);
        };
        if b.len() >= MAX_ADDRESSES {
            b.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * per_sec < cap
            });
        }
        let (tokens, at) = b.entry(addr).or_insert((cap, now));
        *tokens = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * per_sec).min(cap);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / per_sec).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_is_allowed_then_refused_then_refilled() {
        let l = Limiter::new(3);
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        let t = Instant::now();
        assert!(l.take(a, t).is_ok());
        assert!(l.take(a, t).is_ok());
        assert!(l.take(a, t).is_ok());
        assert_eq!(l.take(a, t), Err(20));
        // Another address has its own bucket.
        assert!(l.take(b, t).is_ok());
        // 20 s later one token is back (3 a minute).
        assert!(l.take(a, t + Duration::from_secs(20)).is_ok());
        assert!(l.take(a, t + Duration::from_secs(20)).is_err());
    }

    #[test]
    fn zero_refuses_everything() {
        let l = Limiter::new(0);
        assert!(l.take("::1".parse().expect("ip"), Instant::now()).is_err());
    }
}
