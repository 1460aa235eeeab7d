//! Reporting cadences (每月28日, 每月1日前报上月, 每半月, 每季度, 一次性) and the periods they cut
//! time into. A period has a stable key (`2023-05`, `2021-03a`, `2023Q2`, `once`), the days it
//! covers and the day its report is due.

use crate::DomainError;
use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cadence {
    /// One report per calendar month, due on `due_day` of that month, or of the next month
    /// when `next_month` ("每月1日前，将上月工作完成情况…报").
    Monthly { due_day: u32, next_month: bool },
    /// Two periods a month (1st–15th, 16th–end), each due on its last day.
    HalfMonthly,
    /// One report per quarter, due on `due_day` of the month after it.
    Quarterly { due_day: u32 },
    /// A single report due on the day given.
    Once { due_on: NaiveDate },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    pub key: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub due_on: NaiveDate,
}

impl Period {
    /// The period as a Chinese document writes it: 2026年11月, 2026年11月上半月, 2026年第四季度;
    /// a one-off period as its days (2026年5月1日至2026年11月30日).
    pub fn chinese_label(&self) -> String {
        const QUARTERS: [&str; 4] = ["一", "二", "三", "四"];
        let date = |d: NaiveDate| format!("{}年{}月{}日", d.year(), d.month(), d.day());
        let key = self.key.as_str();
        if let Some((year, quarter)) = key.split_once('Q')
            && let (Ok(year), Ok(q)) = (year.parse::<i32>(), quarter.parse::<usize>())
            && let Some(words) = q.checked_sub(1).and_then(|i| QUARTERS.get(i))
        {
            return format!("{year}年第{words}季度");
        }
        let half = match key.chars().last() {
            Some('a') => Some("上半月"),
            Some('b') => Some("下半月"),
            _ => None,
        };
        let month_key = key.trim_end_matches(['a', 'b']);
        if let Some((year, month)) = month_key.split_once('-')
            && let (Ok(year), Ok(month)) = (year.parse::<i32>(), month.parse::<u32>())
            && (1..=12).contains(&month)
            && year > 0
        {
            return format!("{year}年{month}月{}", half.unwrap_or(""));
        }
        format!("{}至{}", date(self.starts_on), date(self.ends_on))
    }
}

pub(super) fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MAX) - Duration::days(1)
}

/// `day` of the given month, or its last day when the month is shorter.
fn day_in_month(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_else(|| last_day_of_month(year, month))
}

fn next_month(year: i32, month: u32) -> (i32, u32) {
    if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    }
}

impl Cadence {
    /// The stored form: `monthly:28`, `monthly-next:1`, `half-monthly`, `quarterly:10`,
    /// `once:2023-05-24`.
    pub fn as_code(&self) -> String {
        match self {
            Cadence::Monthly {
                due_day,
                next_month: false,
            } => format!("monthly:{due_day}"),
            Cadence::Monthly {
                due_day,
                next_month: true,
            } => format!("monthly-next:{due_day}"),
            Cadence::HalfMonthly => "half-monthly".into(),
            Cadence::Quarterly { due_day } => format!("quarterly:{due_day}"),
            Cadence::Once { due_on } => format!("once:{due_on}"),
        }
    }

    pub fn parse(code: &str) -> Result<Cadence, DomainError> {
        let bad = || DomainError::InvalidValue {
            field: "cadence",
            value: code.to_string(),
        };
        let code = code.trim();
        let day = |s: &str| -> Result<u32, DomainError> {
            s.parse::<u32>()
                .ok()
                .filter(|d| (1..=31).contains(d))
                .ok_or_else(bad)
        };
        match code.split_once(':') {
            None if code == "half-monthly" => Ok(Cadence::HalfMonthly),
            Some(("monthly", d)) => Ok(Cadence::Monthly {
                due_day: day(d)?,
                next_month: false,
            }),
            Some(("monthly-next", d)) => Ok(Cadence::Monthly {
                due_day: day(d)?,
                next_month: true,
            }),
            Some(("quarterly", d)) => Ok(Cadence::Quarterly { due_day: day(d)? }),
            Some(("once", d)) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(|due_on| Cadence::Once { due_on })
                .map_err(|_| bad()),
            _ => Err(bad()),
        }
    }

    /// The period containing `day` (for `Once`, the single period, starting at `day` at the
    /// latest).
    pub fn period_containing(&self, day: NaiveDate) -> Period {
        let (y, m) = (day.year(), day.month());
        match *self {
            Cadence::Monthly {
                due_day,
                next_month: after,
            } => {
                let (dy, dm) = if after { next_month(y, m) } else { (y, m) };
                Period {
                    key: format!("{y:04}-{m:02}"),
                    starts_on: day_in_month(y, m, 1),
                    ends_on: last_day_of_month(y, m),
                    due_on: day_in_month(dy, dm, due_day),
                }
            }
            Cadence::HalfMonthly => {
                let first_half = day.day() <= 15;
                let (starts_on, ends_on, half) = if first_half {
                    (day_in_month(y, m, 1), day_in_month(y, m, 15), 'a')
                } else {
                    (day_in_month(y, m, 16), last_day_of_month(y, m), 'b')
                };
                Period {
                    key: format!("{y:04}-{m:02}{half}"),
                    starts_on,
                    ends_on,
                    due_on: ends_on,
                }
            }
            Cadence::Quarterly { due_day } => {
                let q = (m - 1) / 3 + 1;
                let first = (q - 1) * 3 + 1;
                let (dy, dm) = next_month(y, first + 2);
                Period {
                    key: format!("{y:04}Q{q}"),
                    starts_on: day_in_month(y, first, 1),
                    ends_on: last_day_of_month(y, first + 2),
                    due_on: day_in_month(dy, dm, due_day),
                }
            }
            Cadence::Once { due_on } => Period {
                key: "once".into(),
                starts_on: day.min(due_on),
                ends_on: due_on,
                due_on,
            },
        }
    }

    /// The periods from the one containing `from` to the one containing `until`, in order.
    /// `Once` yields its single period. At most `limit` periods.
    pub fn periods(&self, from: NaiveDate, until: NaiveDate, limit: usize) -> Vec<Period> {
        let mut out = Vec::new();
        if let Cadence::Once { .. } = self {
            out.push(self.period_containing(from));
            return out;
        }
        let mut day = from;
        while day <= until && out.len() < limit {
            let period = self.period_containing(day);
            day = period.ends_on + Duration::days(1);
            out.push(period);
        }
        out
    }

    /// The period with `key` among those starting on or after `from`, or None when the key is
    /// not one of this cadence's.
    pub fn period_by_key(&self, key: &str, from: NaiveDate) -> Option<Period> {
        let day = match self {
            Cadence::Once { .. } => return (key == "once").then(|| self.period_containing(from)),
            Cadence::Monthly { .. } => {
                NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d").ok()?
            }
            Cadence::HalfMonthly => {
                let (month, half) = key.split_at(key.len().checked_sub(1)?);
                let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
                match half {
                    "a" => first,
                    "b" => first + Duration::days(15),
                    _ => return None,
                }
            }
            Cadence::Quarterly { .. } => {
                let (year, q) = key.split_once('Q')?;
                let year: i32 = year.parse().ok()?;
                let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
                NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1)?
            }
        };
        let period = self.period_containing(day);
        (period.key == key && period.ends_on >= from).then_some(period)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn periods_read_in_chinese() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let monthly = Cadence::parse("monthly:28").unwrap();
        assert_eq!(
            monthly.period_containing(d("2026-11-05")).chinese_label(),
            "2026年11月"
        );
        let half = Cadence::parse("half-monthly").unwrap();
        assert_eq!(
            half.period_containing(d("2026-03-02")).chinese_label(),
            "2026年3月上半月"
        );
        assert_eq!(
            half.period_containing(d("2026-03-20")).chinese_label(),
            "2026年3月下半月"
        );
        let quarterly = Cadence::parse("quarterly:5").unwrap();
        assert_eq!(
            quarterly.period_containing(d("2026-11-05")).chinese_label(),
            "2026年第四季度"
        );
        let once = Cadence::parse("once:2026-11-30").unwrap();
        assert_eq!(
            once.period_containing(d("2026-05-01")).chinese_label(),
            "2026年5月1日至2026年11月30日"
        );
    }

    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn monthly_by_the_28th_is_due_in_the_same_month() {
        let c = Cadence::parse("monthly:28").unwrap();
        let p = c.period_containing(d("2023-05-23"));
        assert_eq!(p.key, "2023-05");
        assert_eq!(p.due_on, d("2023-05-28"));
        assert_eq!(p.ends_on, d("2023-05-31"));
    }

    #[test]
    fn monthly_before_the_first_reports_on_the_month_before() {
        let c = Cadence::parse("monthly-next:1").unwrap();
        let p = c.period_containing(d("2021-12-10"));
        assert_eq!(p.key, "2021-12");
        assert_eq!(p.due_on, d("2022-01-01"));
        // February has no 31st: the due day falls back to the month's last.
        let c = Cadence::parse("monthly:31").unwrap();
        assert_eq!(c.period_containing(d("2023-02-03")).due_on, d("2023-02-28"));
    }

    #[test]
    fn half_months_and_quarters() {
        let p = Cadence::HalfMonthly.period_containing(d("2021-02-20"));
        assert_eq!(
            (p.key.as_str(), p.starts_on, p.due_on),
            ("2021-02b", d("2021-02-16"), d("2021-02-28"))
        );
        let q = Cadence::parse("quarterly:10").unwrap();
        let p = q.period_containing(d("2023-11-30"));
        assert_eq!((p.key.as_str(), p.due_on), ("2023Q4", d("2024-01-10")));
    }

    #[test]
    fn codes_round_trip_and_bad_codes_are_refused() {
        for code in [
            "monthly:28",
            "monthly-next:1",
            "half-monthly",
            "quarterly:5",
            "once:2023-05-24",
        ] {
            assert_eq!(Cadence::parse(code).unwrap().as_code(), code);
        }
        for code in ["monthly:0", "monthly:32", "weekly", "once:2023-02-30", ""] {
            assert!(Cadence::parse(code).is_err(), "{code}");
        }
    }

    #[test]
    fn keys_find_their_periods_and_foreign_keys_do_not() {
        let c = Cadence::parse("monthly:28").unwrap();
        assert_eq!(
            c.period_by_key("2023-06", d("2023-05-01")).unwrap().due_on,
            d("2023-06-28")
        );
        assert!(c.period_by_key("2023-04", d("2023-05-01")).is_none());
        assert!(c.period_by_key("2023Q2", d("2023-05-01")).is_none());
        assert!(
            Cadence::HalfMonthly
                .period_by_key("2023-05c", d("2023-05-01"))
                .is_none()
        );
    }

    proptest! {
        /// Periods tile time: each starts the day after the one before ends, contains the day
        /// it was found from, is due no earlier than it starts, and its key finds it again.
        #[test]
        fn periods_tile_time(start in 0i64..3000, len in 1i64..800, kind in 0usize..4, day in 1u32..29) {
            let cadence = [
                Cadence::Monthly { due_day: day, next_month: false },
                Cadence::Monthly { due_day: day, next_month: true },
                Cadence::HalfMonthly,
                Cadence::Quarterly { due_day: day },
            ][kind];
            let from = d("2020-01-01") + Duration::days(start);
            let until = from + Duration::days(len);
            let periods = cadence.periods(from, until, 10_000);
            prop_assert!(periods[0].starts_on <= from && from <= periods[0].ends_on);
            prop_assert!(periods.last().unwrap().ends_on >= until);
            for pair in periods.windows(2) {
                prop_assert_eq!(pair[0].ends_on + Duration::days(1), pair[1].starts_on);
            }
            for p in &periods {
                prop_assert!(p.starts_on <= p.ends_on && p.due_on >= p.starts_on);
                let found = cadence.period_by_key(&p.key, p.starts_on);
                prop_assert_eq!(found.as_ref(), Some(p));
            }
        }
    }
}
