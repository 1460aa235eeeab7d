//! Deadlines as assignment notices write them: "长期坚持", "2021年上半年见成效，长期坚持",
//! "2022年年底前", "2021年2月底前完成…，3月底前完成…，4月底前完成…", "2023年5月24日前".
//! The text is kept as written; the dates in it become milestones, the last one the due day.

use super::period::last_day_of_month;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Deadline {
    /// As written in the notice.
    pub text: String,
    /// The last milestone; None for a purely ongoing task.
    pub due_on: Option<NaiveDate>,
    /// 长期坚持: the task continues after its milestones (or has none).
    pub ongoing: bool,
    /// Every date the text names, in order, with the words that follow it.
    pub milestones: Vec<Milestone>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Milestone {
    pub on: NaiveDate,
    pub what: String,
}

/// Reads a number of ASCII or full-width digits at `i`; returns it and the index after it.
fn number_at(chars: &[char], i: usize) -> Option<(u32, usize)> {
    let mut j = i;
    let mut value: u32 = 0;
    while let Some(c) = chars.get(j) {
        let digit = match c {
            '0'..='9' => *c as u32 - '0' as u32,
            '０'..='９' => *c as u32 - '０' as u32,
            _ => break,
        };
        value = value.checked_mul(10)?.checked_add(digit)?;
        j += 1;
    }
    (j > i).then_some((value, j))
}

fn starts_with(chars: &[char], i: usize, word: &str) -> bool {
    word.chars()
        .enumerate()
        .all(|(offset, w)| chars.get(i + offset) == Some(&w))
}

/// Parses a deadline. `default_year` is used for dates written without one ("3月底前") until
/// the text names a year.
pub fn parse_deadline(text: &str, default_year: i32) -> Deadline {
    let chars: Vec<char> = text.chars().collect();
    let mut year = default_year;
    let mut found: Vec<(NaiveDate, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let Some((n, after)) = number_at(&chars, i) else {
            // "年底前" after a year already read as "2022年年底前".
            if starts_with(&chars, i, "年底") || starts_with(&chars, i, "年末") {
                if let Some(day) = NaiveDate::from_ymd_opt(year, 12, 31) {
                    found.push((day, i + 2));
                }
                i += 2;
                continue;
            }
            i += 1;
            continue;
        };
        match chars.get(after) {
            Some('年') if (1990..=2200).contains(&n) => {
                year = n as i32;
                let k = after + 1;
                let half = if starts_with(&chars, k, "上半年") {
                    Some((6, k + 3))
                } else if starts_with(&chars, k, "下半年") || starts_with(&chars, k, "底") {
                    Some((12, k + if chars.get(k) == Some(&'底') { 1 } else { 3 }))
                } else {
                    None
                };
                if let Some((month, end)) = half {
                    found.push((last_day_of_month(year, month), end));
                    i = end;
                } else {
                    i = k;
                }
            }
            Some('月') if (1..=12).contains(&n) => {
                let k = after + 1;
                if let Some((day, end)) = number_at(&chars, k)
                    && matches!(chars.get(end), Some('日') | Some('号'))
                {
                    if let Some(date) = NaiveDate::from_ymd_opt(year, n, day) {
                        found.push((date, end + 1));
                    }
                    i = end + 1;
                } else if matches!(chars.get(k), Some('底') | Some('末')) {
                    found.push((last_day_of_month(year, n), k + 1));
                    i = k + 1;
                } else {
                    i = k;
                }
            }
            _ => i = after,
        }
    }
    let milestones: Vec<Milestone> = found
        .iter()
        .enumerate()
        .map(|(idx, (on, end))| {
            let stop = found
                .get(idx + 1)
                .map(|(_, next_end)| *next_end)
                .unwrap_or(chars.len());
            // The words after the date up to the next separator: "前完成专家库成立…".
            let what: String = chars[*end..stop.max(*end)]
                .iter()
                .take_while(|c| !matches!(c, '，' | ',' | '；' | ';' | '。'))
                .collect();
            Milestone {
                on: *on,
                what: what.trim_start_matches('前').trim().to_string(),
            }
        })
        .collect();
    let ongoing = text.contains("长期坚持") || text.contains("长期") || text.contains("持续");
    Deadline {
        text: text.trim().to_string(),
        due_on: milestones.iter().map(|m| m.on).max(),
        ongoing,
        milestones,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_seed_notice_deadlines() {
        let ongoing = parse_deadline("长期坚持", 2021);
        assert!(ongoing.ongoing && ongoing.due_on.is_none());

        let staged = parse_deadline("2021年上半年见成效，长期坚持", 2020);
        assert!(staged.ongoing);
        assert_eq!(staged.due_on, Some(d("2021-06-30")));
        assert_eq!(staged.milestones[0].what, "见成效");

        assert_eq!(
            parse_deadline("2022年年底前", 2021).due_on,
            Some(d("2022-12-31"))
        );
        assert_eq!(
            parse_deadline("2021年2月底前见成效，长期坚持", 2021).due_on,
            Some(d("2021-02-28"))
        );

        let three = parse_deadline(
            "2021年2月底前完成专家库成立和专家驻企工作，3月底前完成企业全面安全检查，4月底前完成专家排查问题隐患整改",
            2000,
        );
        let days: Vec<NaiveDate> = three.milestones.iter().map(|m| m.on).collect();
        assert_eq!(days, [d("2021-02-28"), d("2021-03-31"), d("2021-04-30")]);
        assert_eq!(three.milestones[1].what, "完成企业全面安全检查");
        assert!(!three.ongoing);
        assert_eq!(three.due_on, Some(d("2021-04-30")));
    }

    #[test]
    fn exact_days_and_the_default_year() {
        assert_eq!(
            parse_deadline("5月24日前", 2023).due_on,
            Some(d("2023-05-24"))
        );
        assert_eq!(
            parse_deadline("2023年12月2日前", 2020).due_on,
            Some(d("2023-12-02"))
        );
        assert_eq!(parse_deadline("2月30日前", 2023).due_on, None);
        assert_eq!(parse_deadline("尽快", 2023).due_on, None);
    }
}
