//! Masking of personal data (个人信息) for human-facing output.
//!
//! ID numbers and phone numbers are personal data under PIPL: `search` and `show` print them
//! masked unless the clerk passes `--reveal`; `export` is the full data by design. Masking is a
//! printing concern: the library keeps full values and the CLI calls these functions. Free text
//! (snippets, letter bodies) is masked too, since a letter repeats its writer's numbers.

use regex::Regex;
use std::sync::LazyLock;

/// `410222198003128217` → `410222********8217` (region code and last four kept).
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let keep_head = 6.min(chars.len() - 4);
    let mut out: String = chars[..keep_head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - keep_head - 4));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// `13935512345` → `139****2345`; `0377-6123456` → `0377-***3456`.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if digits < 7 {
        return phone.to_string();
    }
    // Keep the first three digits of a mobile number, or the area code of a landline, and the
    // last four digits; star the rest, leaving separators in place.
    let keep_head = match phone.find(['-', ' ']) {
        Some(i) if phone.starts_with('0') => i,
        _ => 3,
    };
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen > keep_head && seen <= digits - 4 {
                    return '*';
                }
            }
            c
        })
        .collect()
}

static ID_LIKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{6}(?:\d{2})?\d{6,7}\d{2}[\dXx]|\d{15}").unwrap());
static PHONE_LIKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}").unwrap());

/// Mask every ID-number-like and phone-like digit run inside free text.
pub fn mask_text(text: &str) -> String {
    let masked = ID_LIKE.replace_all(text, |c: &regex::Captures| mask_id(&c[0]));
    PHONE_LIKE
        .replace_all(&masked, |c: &regex::Captures| mask_phone(&c[0]))
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_ids_as_the_issue_shows() {
        assert_eq!(mask_id("410222198003128217"), "410222********8217");
        assert_eq!(mask_id("41022280031282"), "410222****1282");
    }

    #[test]
    fn masks_phones() {
        assert_eq!(mask_phone("13935512345"), "139****2345");
        assert_eq!(mask_phone("0377-6123456"), "0377-***3456");
    }

    #[test]
    fn masks_numbers_inside_text() {
        let t = "身份证号码410222198003128217，电话13935512345，座机0377-6123456。";
        let m = mask_text(t);
        assert!(!m.contains("198003128217") && !m.contains("35512345") && !m.contains("6123456"));
        assert!(m.contains("410222********8217") && m.contains("139****2345"));
    }
}
