//! Translations. User-facing text lives in `locales/zh-CN.toml` and `locales/en.toml` (flat
//! `key = "text"` tables, embedded at build time); handlers and templates only name keys.
//! Chinese is the default; English is chosen by the `lang` cookie or `Accept-Language: en`.

use axum::http::HeaderMap;
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The `lang` cookie wins; otherwise English only when the client asks for it first.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let cookie_lang = headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().strip_prefix("lang="))
            .next()
            .map(|v| v.to_string());
        if let Some(v) = cookie_lang {
            return if v.starts_with("en") {
                Lang::En
            } else {
                Lang::Zh
            };
        }
        let accept = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if accept.trim_start().to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

fn load(text: &str) -> HashMap<String, String> {
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    table
        .into_iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
        .collect()
}

static ZH: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| load(include_str!("../locales/zh-CN.toml")));
static EN: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| load(include_str!("../locales/en.toml")));

/// The text for `key`; the key itself when it is missing (a test keeps both files complete).
pub fn t(lang: Lang, key: &str) -> String {
    let table = match lang {
        Lang::Zh => &*ZH,
        Lang::En => &*EN,
    };
    table
        .get(key)
        .or_else(|| ZH.get(key))
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

/// `t` with `{name}` placeholders filled; a `field` argument is itself translated.
pub fn t_args(lang: Lang, key: &str, args: &[(impl AsRef<str>, impl AsRef<str>)]) -> String {
    let mut text = t(lang, key);
    for (name, value) in args {
        let (name, value) = (name.as_ref(), value.as_ref());
        let shown = match name {
            "field" => t(lang, &format!("field.{value}")),
            "state" => t(lang, &format!("hazard_state.{value}")),
            "action" => t(lang, &format!("hazard_action.{value}")),
            _ => value.to_string(),
        };
        text = text.replace(&format!("{{{name}}}"), &shown);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let mut zh: Vec<_> = ZH.keys().collect();
        let mut en: Vec<_> = EN.keys().collect();
        zh.sort();
        en.sort();
        assert!(zh.len() > 50, "translations did not load");
        assert_eq!(zh, en);
    }

    #[test]
    fn placeholders_are_filled_and_fields_translated() {
        let text = t_args(Lang::Zh, "error.required", &[("field", "name")]);
        assert!(text.contains("名称"), "{text}");
        let text = t_args(
            Lang::En,
            "error.too_long",
            &[("field", "name"), ("max", "100")],
        );
        assert!(text.contains("100") && text.contains("Name"), "{text}");
    }
}
