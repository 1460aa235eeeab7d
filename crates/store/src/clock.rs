//! The store's notion of "now", controllable in tests (session idle timeout, lockouts).

use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
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

/// A China-time (UTC+8) wall-clock moment on `date`, as stored UTC text: when a job is due, where
/// a China day begins.
pub(crate) fn china_moment(date: chrono::NaiveDate, hour: u32) -> String {
    let local = date.and_hms_opt(hour, 0, 0).unwrap_or_default();
    format_time(Utc.from_utc_datetime(&(local - Duration::hours(8))))
}

/// A stored day (YYYY-MM-DD).
pub(crate) fn parse_day(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
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
