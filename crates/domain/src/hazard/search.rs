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

/// Characters a clerk's input method may type for ASCII ones: full-width forms (Ｙ Ｈ ４ －),
/// and the dashes and spaces pasted from documents.
fn halfwidth(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' => '-',
        '\u{3000}' => ' ',
        other => other,
    }
}

/// The hazard number a query names, if it is one: `YH`, the township's nine digits, the year
/// and a serial (`YH450202002-2026-00001`), as pasted — full-width characters, other dashes,
/// spaces and lower case are read as the number's own. Only a whole number is a number query.
pub fn number_query(query: &str) -> Option<String> {
    let number: String = query
        .chars()
        .map(halfwidth)
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let rest = number.strip_prefix("YH")?;
    let mut parts = rest.splitn(3, '-');
    let (township, year, serial) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let serial_ok = !serial.is_empty()
        && serial.len() <= 20
        && serial.bytes().all(|b| b.is_ascii_alphanumeric());
    (digits(township, 9) && digits(year, 4) && serial_ok).then_some(number)
}

/// The longest query text looked for in enterprise names.
pub const MAX_NAME_QUERY_CHARS: usize = 60;

/// The text a query looks for inside enterprise names (佰迪乐 in 佰迪乐KTV): trimmed, with
/// ASCII letters lower-cased (names are compared lower-cased the same way, as both engines'
/// `LOWER` do for ASCII); other characters stay as typed, since names hold full-width
/// brackets of their own. None when the query is blank, a single character (it names no
/// enterprise in particular) or longer than any name looked for.
pub fn name_query(query: &str) -> Option<String> {
    let text = query
        .trim_matches(|c: char| c.is_whitespace())
        .to_ascii_lowercase();
    (2..=MAX_NAME_QUERY_CHARS)
        .contains(&text.chars().count())
        .then_some(text)
}
