//! Reading the task list out of the plain text of an assignment notice (任务分工通知): items
//! numbered 一、二、… each ending in "（责任单位：…；完成时限：…）". The result is a draft for
//! the clerk to confirm; an item the reader cannot complete carries its problem instead of
//! being dropped or guessed.

use super::deadline::{Deadline, parse_deadline};
use super::period::Cadence;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TaskDraft {
    /// The item's number in the notice (一 = 1).
    pub number: u32,
    pub text: String,
    pub lead_units: Vec<String>,
    pub co_units: Vec<String>,
    pub deadline: Deadline,
    /// The cadence the item itself names ("每半月一次…报告"), else the notice's.
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "cadence_code")]
    pub cadence: Option<Cadence>,
    /// Machine codes of what is missing: `no_units`, `no_deadline`.
    pub problems: Vec<String>,
}

fn cadence_code<S: serde::Serializer>(c: &Option<Cadence>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_some(&c.as_code()),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NoticeDraft {
    /// The document number (发文字号) if the text has one, e.g. 枣高安发〔2021〕9号.
    pub doc_number: Option<String>,
    /// The notice's own reporting rule ("每月1日前…报上月"), the default for its tasks.
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "cadence_code")]
    pub cadence: Option<Cadence>,
    pub tasks: Vec<TaskDraft>,
}

const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// Parses a Chinese numeral from 一 to 九十九 (十, 十一, 二十, 二十五 …).
pub fn chinese_number(s: &str) -> Option<u32> {
    let digit = |c: char| DIGITS.iter().position(|d| *d == c).map(|p| p as u32);
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c).filter(|d| *d > 0),
        ['十', u] => digit(*u).filter(|d| *d > 0).map(|d| 10 + d),
        [t, '十'] => digit(*t).filter(|d| *d > 1).map(|d| d * 10),
        [t, '十', u] => Some(digit(*t).filter(|d| *d > 1)? * 10 + digit(*u).filter(|d| *d > 0)?),
        _ => None,
    }
}

/// If `line` starts an item ("十二、消防领域：…"), its number and the text after "、".
fn item_start(line: &str) -> Option<(u32, &str)> {
    let (head, rest) = line.split_once('、')?;
    if head.chars().count() > 3 {
        return None;
    }
    chinese_number(head.trim()).map(|n| (n, rest))
}

/// The "（责任单位：…；完成时限：…）" tail at the end of an item: the text before it, and its
/// inside.
fn split_tail(text: &str) -> Option<(&str, &str)> {
    let trimmed = text.trim_end().trim_end_matches(['。', '.']);
    let close = trimmed
        .strip_suffix('）')
        .or_else(|| trimmed.strip_suffix(')'))?;
    let open = close
        .rfind("（责任")
        .or_else(|| close.rfind("(责任"))
        .or_else(|| close.rfind("（牵头"))
        .or_else(|| close.rfind("(牵头"))?;
    let paren_len = if close[open..].starts_with('（') {
        '（'.len_utf8()
    } else {
        1
    };
    Some((&close[..open], &close[open + paren_len..]))
}

/// The text of an item as its lines are joined, with what `split_tail` would say of it kept up
/// to date as lines arrive: asking again after every line would search the whole text each
/// time, quadratic in a pasted notice whose lines all end in a bracket.
struct Body {
    text: String,
    /// Whether the text holds an opening of a tail ("（责任", "(牵头"…) anywhere; without one
    /// there is no tail, whatever the text ends with.
    has_opening: bool,
    /// Once a tail is found the item is complete and its text no longer changes.
    tail_found: bool,
}

const TAIL_OPENINGS: [&str; 4] = ["（责任", "(责任", "（牵头", "(牵头"];

impl Body {
    fn new(text: &str) -> Body {
        let mut body = Body {
            text: String::new(),
            has_opening: false,
            tail_found: false,
        };
        body.push(text);
        body
    }

    fn push(&mut self, line: &str) {
        // An opening may straddle the join: look again from a few characters back.
        let mut from = self.text.len().saturating_sub("（责任".len());
        while !self.text.is_char_boundary(from) {
            from -= 1;
        }
        self.text.push_str(line);
        self.has_opening = self.has_opening
            || TAIL_OPENINGS
                .iter()
                .any(|opening| self.text[from..].contains(opening));
        // A line of only full stops cannot complete a tail the text before it did not have
        // (and would make `split_tail` trim back over every one of them again).
        let stops_only = line.trim_end().trim_end_matches(['。', '.']).is_empty();
        self.tail_found = self.has_opening && !stops_only && split_tail(&self.text).is_some();
    }

    fn has_tail(&self) -> bool {
        self.tail_found
    }
}

/// Splits a unit list into lead and co-responsible units. "A、B牵头，C全力配合，D负责" leads with
/// A and B, co-operates C and D; without 牵头 every unit leads.
pub fn split_units(list: &str) -> (Vec<String>, Vec<String>) {
    let mut lead = Vec::new();
    let mut co = Vec::new();
    // Units already listed, so that a list of thousands is not compared pairwise.
    let mut seen: [std::collections::HashSet<String>; 2] = Default::default();
    let has_lead_marker = list.contains("牵头，")
        || list.contains("牵头,")
        || list.contains("牵头；")
        || list.trim_end().ends_with("牵头");
    for clause in list.split(['，', ',', '；', ';']) {
        let clause = clause.trim();
        if clause.is_empty() {
            continue;
        }
        let (body, is_lead) = if let Some(body) = clause.strip_suffix("牵头") {
            (body, true)
        } else if let Some(body) = ["全力配合", "配合", "协助", "参与"]
            .iter()
            .find_map(|w| clause.strip_suffix(w))
        {
            (body, false)
        } else if let Some(body) = clause.strip_suffix("负责") {
            (body, !has_lead_marker)
        } else {
            (clause, !has_lead_marker)
        };
        for unit in body.split(['、', '/']) {
            let unit = unit
                .trim()
                .trim_start_matches("以及")
                .trim_start_matches('及');
            let unit = unit.trim_start_matches("其他").trim();
            if unit.is_empty() {
                continue;
            }
            let (target, seen) = if is_lead {
                (&mut lead, &mut seen[0])
            } else {
                (&mut co, &mut seen[1])
            };
            if seen.insert(unit.to_string()) {
                target.push(unit.to_string());
            }
        }
    }
    (lead, co)
}

/// The reporting rule a passage names, if any: 每月N日(前), 每半月, 每季度.
pub fn cadence_in(text: &str) -> Option<Cadence> {
    if text.contains("每半月") || text.contains("半月一次") {
        return Some(Cadence::HalfMonthly);
    }
    if let Some(at) = text.find("每月") {
        let rest: String = text[at + "每月".len()..].chars().take(4).collect();
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(day) = digits.parse::<u32>()
            && (1..=31).contains(&day)
        {
            let next_month = text.contains("上月");
            return Some(Cadence::Monthly {
                due_day: day,
                next_month,
            });
        }
    }
    if text.contains("每季度") && (text.contains("报") || text.contains("通报")) {
        return Some(Cadence::Quarterly { due_day: 5 });
    }
    None
}

/// The document number: a line part like "枣高安发〔2021〕9号".
fn doc_number(text: &str) -> Option<String> {
    for line in text.lines().take(12) {
        if let Some(open) = line.find('〔') {
            let start = line[..open]
                .char_indices()
                .rev()
                .take_while(|(_, c)| !c.is_whitespace())
                .last()
                .map(|(i, _)| i)
                .unwrap_or(open);
            if let Some(end) = line[open..].find('号') {
                return Some(line[start..open + end + '号'.len_utf8()].trim().to_string());
            }
        }
    }
    None
}

/// The year the notice speaks of by default: the one in its document number, else the first
/// "20xx年" of its text, else `fallback`.
fn notice_year(text: &str, fallback: i32) -> i32 {
    let year_after = |s: &str| -> Option<i32> {
        let digits: String = s.chars().take(4).collect();
        digits.parse().ok().filter(|y| (1990..=2200).contains(y))
    };
    if let Some(at) = text.find('〔')
        && let Some(y) = year_after(&text[at + '〔'.len_utf8()..])
    {
        return y;
    }
    text.match_indices('年')
        .find_map(|(at, _)| {
            let before: String = text[..at]
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            before
                .parse()
                .ok()
                .filter(|y: &i32| (1990..=2200).contains(y))
        })
        .unwrap_or(fallback)
}

/// Reads the tasks of an assignment notice. Items are the paragraphs that start with the next
/// Chinese numeral and "、"; an item runs until its tail or the next item.
pub fn parse_assignment_notice(text: &str, fallback_year: i32) -> NoticeDraft {
    let year = notice_year(text, fallback_year);
    let notice_cadence =
        cadence_in(text.rsplit("（责任单位").next().unwrap_or(text)).or_else(|| cadence_in(text));
    let mut tasks: Vec<TaskDraft> = Vec::new();
    let mut current: Option<(u32, Body)> = None;
    let finish = |tasks: &mut Vec<TaskDraft>, number: u32, body: &str| {
        let body = body.trim();
        let (text, tail) = match split_tail(body) {
            Some((text, tail)) => (text.trim().to_string(), Some(tail)),
            None => (body.to_string(), None),
        };
        let mut units = String::new();
        let mut deadline_text = String::new();
        for part in tail.unwrap_or("").split(['；', ';']) {
            let part = part.trim();
            if let Some((label, value)) = part.split_once(['：', ':']) {
                if label.contains("时限") || label.contains("时间") {
                    deadline_text = value.trim().to_string();
                } else if label.contains("单位") || label.contains("部门") {
                    if !units.is_empty() {
                        units.push('，');
                    }
                    units.push_str(value.trim());
                }
            } else if !part.is_empty() && !units.is_empty() {
                // A unit list that itself holds "；".
                units.push('；');
                units.push_str(part);
            }
        }
        let (lead_units, co_units) = split_units(&units);
        let deadline = parse_deadline(&deadline_text, year);
        let mut problems = Vec::new();
        if lead_units.is_empty() && co_units.is_empty() {
            problems.push("no_units".to_string());
        }
        if deadline.due_on.is_none() && !deadline.ongoing {
            problems.push("no_deadline".to_string());
        }
        tasks.push(TaskDraft {
            number,
            cadence: cadence_in(&text).or(notice_cadence),
            text,
            lead_units,
            co_units,
            deadline,
            problems,
        });
    };
    for line in text.lines() {
        let line = line.trim();
        let expected = tasks.len() as u32 + 1 + u32::from(current.is_some());
        match item_start(line) {
            Some((n, rest)) if n == expected => {
                if let Some((number, body)) = current.take() {
                    finish(&mut tasks, number, &body.text);
                }
                current = Some((n, Body::new(rest)));
            }
            _ => {
                if let Some((_, body)) = current.as_mut()
                    && !line.is_empty()
                    && !body.has_tail()
                {
                    body.push(line);
                }
            }
        }
    }
    if let Some((number, body)) = current.take() {
        finish(&mut tasks, number, &body.text);
    }
    NoticeDraft {
        doc_number: doc_number(text),
        cadence: notice_cadence,
        tasks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers() {
        let cases = [
            ("一", 1),
            ("九", 9),
            ("十", 10),
            ("十一", 11),
            ("二十", 20),
            ("二十五", 25),
            ("九十九", 99),
        ];
        for (s, n) in cases {
            assert_eq!(chinese_number(s), Some(n), "{s}");
        }
        for s in ["", "〇", "一十", "十〇", "百", "二十〇", "abc"] {
            assert_eq!(chinese_number(s), None, "{s}");
        }
    }

    #[test]
    fn lead_and_cooperating_units() {
        let (lead, co) = split_units(
            "区经济发展局、区党政综合办公室牵头，区大数据产业园区全力配合，区负有安全生产监督管理职责的部门负责",
        );
        assert_eq!(lead, ["区经济发展局", "区党政综合办公室"]);
        assert_eq!(co, ["区大数据产业园区", "区负有安全生产监督管理职责的部门"]);
        let (lead, co) = split_units(
            "各街道办事处，区经济发展局、区国土住建局，以及其他区负有安全生产监督管理职责的部门",
        );
        assert_eq!(lead.len(), 4);
        assert_eq!(lead[3], "区负有安全生产监督管理职责的部门");
        assert!(co.is_empty());
    }

    #[test]
    fn an_item_without_its_tail_says_so() {
        let draft = parse_assignment_notice(
            "一、做好工作。\n二、继续做好。（责任单位：区应急管理局；完成时限：长期坚持）\n",
            2024,
        );
        assert_eq!(draft.tasks.len(), 2);
        assert_eq!(draft.tasks[0].problems, ["no_units", "no_deadline"]);
        assert!(draft.tasks[1].problems.is_empty());
        assert_eq!(draft.tasks[1].lead_units, ["区应急管理局"]);
    }

    #[test]
    fn a_tail_may_span_lines_and_ends_its_item() {
        let draft = parse_assignment_notice(
            "一、排查隐患。（责\n任单位：区应急管理局、\n区消防救援大队；完成时限：2021年3月底前）。\n\
             这一行在尾注之后，不属于任务。\n二、整改到位\n。\n。\n（牵头单位：区住建局）\n",
            2021,
        );
        assert_eq!(draft.tasks.len(), 2);
        assert_eq!(draft.tasks[0].text, "排查隐患。");
        assert_eq!(
            draft.tasks[0].lead_units,
            ["区应急管理局", "区消防救援大队"]
        );
        assert_eq!(draft.tasks[0].deadline.text, "2021年3月底前");
        assert_eq!(draft.tasks[1].text, "整改到位。。");
        assert_eq!(draft.tasks[1].lead_units, ["区住建局"]);
    }

    #[test]
    fn reporting_rules() {
        assert_eq!(
            cadence_in("请于每月1日前，将上月工作完成情况书面报区安委会办公室"),
            Some(Cadence::Monthly {
                due_day: 1,
                next_month: true
            })
        );
        assert_eq!(
            cadence_in("自5月份开始，每月28日将调度表报至街道"),
            Some(Cadence::Monthly {
                due_day: 28,
                next_month: false
            })
        );
        assert_eq!(
            cadence_in("要每半月一次向区安委会办公室报告整改进度"),
            Some(Cadence::HalfMonthly)
        );
        assert_eq!(cadence_in("认真做好"), None);
    }
}

#[cfg(test)]
mod seed_tests {
    use super::*;
    use chrono::NaiveDate;

    const SEED: &str =
        include_str!("../../../../data/samples/zaozhuang-gaoxin-2021-9-task-assignment.txt");

    #[test]
    fn the_zaozhuang_notice_yields_its_25_tasks() {
        let draft = parse_assignment_notice(SEED, 2000);
        assert_eq!(draft.doc_number.as_deref(), Some("枣高安发〔2021〕9号"));
        assert_eq!(
            draft.cadence,
            Some(Cadence::Monthly {
                due_day: 1,
                next_month: true
            })
        );
        assert_eq!(draft.tasks.len(), 25);
        for (i, task) in draft.tasks.iter().enumerate() {
            assert_eq!(task.number, i as u32 + 1);
            assert!(
                task.problems.is_empty(),
                "{}: {:?}",
                task.number,
                task.problems
            );
            assert!(!task.text.contains("责任单位"), "{}", task.number);
            assert!(!task.lead_units.is_empty(), "{}", task.number);
        }
        let t = |n: usize| &draft.tasks[n - 1];
        assert!(t(1).text.starts_with("各级党政领导同志要切实扛起责任"));
        assert!(t(1).deadline.ongoing && t(1).deadline.due_on.is_none());
        assert_eq!(
            t(3).lead_units,
            ["各街道办事处", "区各负有安全生产监督管理职责的部门"]
        );
        // 五: reports every half month, and is due in the first half of 2021, then ongoing.
        assert_eq!(t(5).cadence, Some(Cadence::HalfMonthly));
        assert_eq!(t(5).deadline.due_on, NaiveDate::from_ymd_opt(2021, 6, 30));
        assert!(t(5).deadline.ongoing);
        assert_eq!(t(7).deadline.milestones.len(), 3);
        assert_eq!(t(7).deadline.due_on, NaiveDate::from_ymd_opt(2021, 4, 30));
        assert_eq!(t(8).deadline.due_on, NaiveDate::from_ymd_opt(2022, 12, 31));
        assert_eq!(t(9).lead_units, ["区经济发展局", "区党政综合办公室"]);
        assert_eq!(
            t(9).co_units,
            ["区大数据产业园区", "区负有安全生产监督管理职责的部门"]
        );
        assert_eq!(t(10).lead_units, ["区交警大队"]);
        assert_eq!(t(15).lead_units.len(), 6);
        assert_eq!(t(25).deadline.due_on, NaiveDate::from_ymd_opt(2021, 6, 30));
        assert!(t(25).text.ends_with("切实提高安全监管的能力和水平。"));
    }
}
