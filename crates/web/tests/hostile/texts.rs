//! Hostile text for the parsers that read what users type or paste: assignment notices (at
//! most 2,000,000 bytes reach the reader) and search queries.

use crate::measure::{serial, within_limits};
use hazardnet_domain::campaign::parse_assignment_notice;
use hazardnet_domain::hazard::{query_tokens, search_tokens};

/// The largest notice the API hands to the reader.
const NOTICE_BYTES: usize = 2_000_000;

fn fill(head: &str, unit: &str, tail: &str) -> String {
    let n = (NOTICE_BYTES - head.len() - tail.len()) / unit.len();
    format!("{head}{}{tail}", unit.repeat(n))
}

#[test]
fn notices_built_to_be_slow_are_read_in_time() {
    let _serial = serial();
    // Every line ends in a bracket, so each would send the reader looking for a tail again.
    let brackets = fill("一、任务\n", "）\n", "");
    within_limits("500,000 lines ending in a bracket", || {
        parse_assignment_notice(&brackets, 2026)
    });
    let stops = fill("一、任务（责任单位：甲\n", "。\n", "");
    within_limits("500,000 lines of full stops after an opened tail", || {
        parse_assignment_notice(&stops, 2026)
    });
    let items = fill("", "一、（责任单位：甲）\n", "");
    within_limits("items numbered one again and again", || {
        parse_assignment_notice(&items, 2026)
    });
    // One tail naming a hundred thousand units, each to be compared with those before it.
    let mut units = String::from("一、任务（责任单位：");
    let mut i = 0u32;
    while units.len() < NOTICE_BYTES - 32 {
        units.push_str(&format!("单位{i}、"));
        i += 1;
    }
    units.push('）');
    let draft = within_limits("a tail of 100,000 units", || {
        parse_assignment_notice(&units, 2026)
    });
    assert_eq!(draft.tasks[0].lead_units.len(), i as usize);
    let numbers = fill("一、", "二、三、", "");
    within_limits("numerals without end", || {
        parse_assignment_notice(&numbers, 2026)
    });
    let years = fill("", "2021年", "");
    within_limits("a year on every line", || {
        parse_assignment_notice(&years, 2026)
    });
}

#[test]
fn long_search_text_is_tokenised_in_time() {
    let _serial = serial();
    let cjk = "安全隐患排查治理".repeat(NOTICE_BYTES / 24);
    let tokens = within_limits("2 MB of Chinese", || search_tokens(&cjk));
    assert!(tokens.contains("隐患"));
    let query = within_limits("a 2 MB query", || query_tokens(&cjk));
    assert_eq!(query.len(), 8);
    let words = "a ".repeat(NOTICE_BYTES / 2);
    assert_eq!(
        within_limits("a million one-letter words", || query_tokens(&words)),
        ["a"]
    );
}
