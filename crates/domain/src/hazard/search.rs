//! Chinese full-text search without a Chinese tokenizer: text is cut into runs of CJK and
//! other characters, and CJK runs become single characters and their neighbouring pairs, so
//! both engines can index with a plain whitespace tokenizer.

/// Text prepared for Chinese full-text search: every CJK character and every pair of
/// neighbouring CJK characters become tokens, other words are lower-cased, all separated by
/// spaces. Both engines index these tokens with a plain whitespace tokenizer, so a search for
/// 消防 (two characters) or 灭火器 (its pairs 灭火 + 火器) finds what contains it.
pub fn search_tokens(text: &str) -> String {
    let mut tokens: Vec<String> = Vec::new();
    for run in split_runs(text) {
        match run {
            Run::Cjk(chars) => {
                for c in &chars {
                    tokens.push(c.to_string());
                }
                for pair in chars.windows(2) {
                    tokens.push(pair.iter().collect());
                }
            }
            Run::Word(word) => tokens.push(word.to_lowercase()),
        }
    }
    tokens.join(" ")
}

/// The tokens a query must all match: pairs for CJK runs (a lone character as itself).
pub fn query_tokens(query: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for run in split_runs(query) {
        match run {
            Run::Cjk(chars) if chars.len() == 1 => tokens.push(chars[0].to_string()),
            Run::Cjk(chars) => {
                tokens.extend(chars.windows(2).map(|p| p.iter().collect::<String>()))
            }
            Run::Word(word) => tokens.push(word.to_lowercase()),
        }
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

enum Run {
    Cjk(Vec<char>),
    Word(String),
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn split_runs(text: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut cjk: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush = |cjk: &mut Vec<char>, word: &mut String, runs: &mut Vec<Run>| {
        if !cjk.is_empty() {
            runs.push(Run::Cjk(std::mem::take(cjk)));
        }
        if !word.is_empty() {
            runs.push(Run::Word(std::mem::take(word)));
        }
    };
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                flush(&mut Vec::new(), &mut word, &mut runs);
            }
            cjk.push(c);
        } else if c.is_alphanumeric() {
            if !cjk.is_empty() {
                flush(&mut cjk, &mut String::new(), &mut runs);
            }
            word.push(c);
        } else {
            flush(&mut cjk, &mut word, &mut runs);
        }
    }
    flush(&mut cjk, &mut word, &mut runs);
    runs
}
