//! Title (标题) of a letter: `关于…的反映` headings, or the line before the salutation.
//!
//! Why it exists: clerks scan lists of letters by title; the ledger's 标题/留言主题 column holds
//! the same thing for rows.
//!
//! Must never: take the salutation, a cover note line or the first sentence of the narration
//! as the title.
//!
//! Data: the heading conventions of petition letters (`关于…的(反映|请求|申诉|举报|报告)`).

const TITLE_ENDINGS: &[&str] = &[
    "控告信",
    "举报信",
    "求助信",
    "申诉信",
    "反映",
    "请求",
    "申诉",
    "举报",
    "报告",
    "申请",
    "控告",
    "求助",
    "投诉",
    "建议",
    "的信",
    "问题",
    "诉求",
    "情况",
    "呼吁",
    "请愿书",
    "举报信",
    "申诉书",
    "求助信",
    "反映信",
    "控告书",
];

/// The title in `body` (the letter without a cover note), given the addressee line's start if
/// one was found. Returns (title, byte span).
pub(crate) fn find_title(
    body: &str,
    addressee_start: Option<usize>,
) -> Option<(String, usize, usize)> {
    let mut offset = 0;
    for (n, line) in body.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let t = line.trim();
        if let Some(rest) = t
            .strip_prefix("标题")
            .map(|r| r.trim_start_matches(['：', ':', ' ']))
        {
            if !rest.is_empty() {
                let s = start + line.find(rest).unwrap_or(0);
                return Some((rest.to_owned(), s, s + rest.len()));
            }
        }
        if t.is_empty() {
            continue;
        }
        if addressee_start.is_some_and(|a| start >= a) || n > 6 {
            return None;
        }
        let len = t.chars().count();
        // OCR specks around the heading (`-关于…`, `“关于…`).
        let trimmed = t
            .trim_start_matches(['-', '—', '“', '"', '\'', '.', '·', '_', '~', ' '])
            .trim_end_matches(['。', '！', '!', '；', ' ', '”', '"', '-', '.']);
        let headed = trimmed.starts_with("关于")
            || TITLE_ENDINGS.iter().any(|e| trimmed.ends_with(e)) && !trimmed.contains(['，', ',']);
        let before_salutation = addressee_start.is_some_and(|a| offset >= a.saturating_sub(2))
            && !trimmed.contains(['，', '。']);
        if (3..=60).contains(&len) && !trimmed.contains('。') && (headed || before_salutation) {
            let s = start + line.find(trimmed).unwrap_or(0);
            return Some((trimmed.to_owned(), s, s + trimmed.len()));
        }
        // The first non-empty line is not a heading: the letter has no title.
        return None;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings() {
        let b = "关于清溪县城关镇东关村征地补偿款未发放的反映\n尊敬的南川市信访局领导：\n正文。";
        assert_eq!(
            find_title(b, b.find("尊敬")).unwrap().0,
            "关于清溪县城关镇东关村征地补偿款未发放的反映"
        );
        let b = "\n  要求补发拖欠工资\n县信访局：\n我们是…";
        assert_eq!(
            find_title(b, b.find("县信访局")).unwrap().0,
            "要求补发拖欠工资"
        );
        let b = "-关于低保被取消的反映\n尊敬的领导：";
        assert_eq!(
            find_title(b, b.find("尊敬")).unwrap().0,
            "关于低保被取消的反映"
        );
        let b = "标题：反映村干部私分补偿款\n内容：……";
        assert_eq!(find_title(b, None).unwrap().0, "反映村干部私分补偿款");
    }

    #[test]
    fn no_title() {
        let b = "尊敬的领导：\n我叫王建国，反映问题。";
        assert_eq!(find_title(b, Some(0)), None);
        let b = "我叫王建国，是东关村村民，反映征地补偿问题。";
        assert_eq!(find_title(b, None), None);
    }
}
