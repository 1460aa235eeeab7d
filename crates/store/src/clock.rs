//! The store's notion of "now", controllable in tests (session idle timeout, lockouts).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Clock(Option<Arc<Mutex<DateTime<Utc>>>>);

impl Clock {
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stands still at `at` until advanced.
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock(Some(Arc::new(Mutex::new(at))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            None => Utc::now(),
            Some(at) => *at.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    pub fn advance(&self, by: Duration) {
        if let Some(at) = &self.0 {
            let mut guard = at.lock().unwrap_or_else(|p| p.into_inner());
            *guard += by;
        }
    }
}

/// The one text form of a time in the database: RFC 3339, UTC, whole seconds.
pub fn format_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
