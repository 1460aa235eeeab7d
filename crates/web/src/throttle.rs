//! Login throttling by client address, on top of the per-account lockout in the store: an
//! address that fails too often is refused for a while, whichever accounts it tries, so that
//! one source cannot spray passwords across many accounts.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(10 * 60);
pub const MAX_FAILURES_PER_WINDOW: usize = 50;
/// Bound on remembered addresses; beyond it, addresses without recent failures are forgotten.
const MAX_ADDRESSES: usize = 100_000;

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl LoginThrottle {
    /// Whether `ip` may try to sign in now.
    pub fn allows(&self, ip: Option<IpAddr>) -> bool {
        let Some(ip) = ip else { return true };
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match map.get_mut(&ip) {
            Some(times) => {
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) > WINDOW)
                {
                    times.pop_front();
                }
                times.len() < MAX_FAILURES_PER_WINDOW
            }
            None => true,
        }
    }

    pub fn record_failure(&self, ip: Option<IpAddr>) {
        let Some(ip) = ip else { return };
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ADDRESSES {
            map.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) <= WINDOW)
            });
        }
        let times = map.entry(ip).or_default();
        times.push_back(now);
        if times.len() > MAX_FAILURES_PER_WINDOW {
            times.pop_front();
        }
    }
}

/// The client's address when the server was started with connect info (it is in `serve`;
/// tests that build the router alone have none, and are then not throttled by address).
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_too_many_failures_and_others_are_not() {
        let throttle = LoginThrottle::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..MAX_FAILURES_PER_WINDOW {
            assert!(throttle.allows(Some(a)));
            throttle.record_failure(Some(a));
        }
        assert!(!throttle.allows(Some(a)));
        assert!(throttle.allows(Some(b)));
        assert!(throttle.allows(None));
    }
}
