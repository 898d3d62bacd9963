//! Petitioner names (信访人姓名): the signer of a letter and the co-signers of a joint letter.
//!
//! Why it exists: names, with ID numbers and phones, identify repeat petitioners and tell
//! a collective petition (联名信) from a single one. Letters also name officials (书记、主任、
//! 镇长…), lawyers (律师), the person who wrote the letter for the petitioner (代笔人/代书人) and
//! people in the narration; none of those is a petitioner.
//!
//! Must never: take a name from an exclusion cue (代笔人：刘文 is not a petitioner); accept a
//! string as a name unless it is 2–4 Han characters starting with a known surname — except a
//! line of a signature block (one signer per line under its cue), where OCR damages surnames
//! like any character: there the line's first 2–4 Han characters, followed only by specks or by
//! the signer's ID number/phone, are a signer (`旭满仓（4115…）`), so the ID is not lost.
//!
//! Data: the ~300 most common Chinese surnames (百家姓 as used today, covering well over 95 % of
//! the population), including two-character surnames (欧阳、司马、诸葛…), embedded below.

use crate::ingest::text::is_han;
use regex::Regex;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::LazyLock;

/// Single-character surnames, most common first.
const SURNAMES_1: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由傅赖阎洪";

/// Two-character surnames.
const SURNAMES_2: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "司徒", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙",
    "宇文", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "万俟", "闻人", "澹台", "呼延", "申屠",
    "太史", "拓跋", "百里", "东郭", "公羊", "赫连", "钟离", "宗政", "濮阳", "淳于", "单于", "第五",
];

/// Surname lookup.
pub(crate) struct Surnames {
    single: HashSet<char>,
    double: HashSet<&'static str>,
}

impl Surnames {
    pub(crate) fn new() -> Self {
        Surnames {
            single: SURNAMES_1.chars().collect(),
            double: SURNAMES_2.iter().copied().collect(),
        }
    }

    /// Length in chars of the surname that `name` starts with (0 = none).
    fn surname_len(&self, name: &[char]) -> usize {
        if name.len() >= 3 {
            let two: String = name[..2].iter().collect();
            if self.double.contains(two.as_str()) {
                return 2;
            }
        }
        match name.first() {
            Some(c) if self.single.contains(c) => 1,
            _ => 0,
        }
    }

    /// 2–4 Han characters starting with a known surname (two-character surnames need 3–4).
    pub(crate) fn is_name(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        (2..=4).contains(&chars.len())
            && chars.iter().all(|c| is_han(*c))
            && self.surname_len(&chars) > 0
            && !NOT_GIVEN_NAMES.iter().any(|w| s.ends_with(w))
    }
}

/// Endings that make a surname-initial word a title or a common word, not a person (王某, 李书记,
/// 高速, 全村…).
const NOT_GIVEN_NAMES: &[&str] = &[
    "某", "某某", "书记", "主任", "镇长", "乡长", "县长", "村长", "局长", "所长", "科长", "组长",
    "会计", "律师", "老板", "经理", "师傅", "同志", "领导", "干部", "村民", "家", "们", "姓", "氏",
    "先生", "女士", "老师", "医生", "警官",
];

/// Words that are never a name even though they start with a surname character.
const COMMON_WORDS: &[&str] = &[
    "高速",
    "高速公路",
    "全村",
    "全体",
    "全部",
    "全家",
    "方面",
    "时间",
    "时候",
    "安全",
    "安置",
    "成立",
    "成为",
    "明确",
    "明白",
    "平时",
    "平安",
    "和谐",
    "国家",
    "国土",
    "文件",
    "文化",
    "公司",
    "公安",
    "公路",
    "公开",
    "公平",
    "公正",
    "公民",
    "信访",
    "信访人",
    "于是",
    "向上",
    "常年",
    "关于",
    "关系",
    "石桥",
    "马上",
    "强拆",
    "强行",
    "强制",
    "解决",
    "严重",
    "连续",
    "任何",
    "原因",
    "原来",
    "原告",
    "曾经",
    "金额",
    "应该",
    "应当",
    "华人",
    "万元",
    "包括",
    "包工头",
    "车辆",
    "路费",
    "党员",
    "党委",
    "宁可",
    "余额",
    "程序",
    "毛病",
    "黄金",
    "苏醒",
    "计划",
    "相关",
    "相关部门",
    "初步",
    "简单",
    "简直",
    "左右",
    "伍佰",
    "秦朝",
    "周围",
    "周边",
    "周年",
    "周末",
    "都是",
    "都有",
    "上级",
    "管理",
    "管辖",
    "宣传",
    "代表",
    "代笔",
    "代书",
    "孙子",
    "兰花",
    "钱款",
    "钱财",
    "田地",
    "史上",
    "许多",
    "许可",
    "于此",
    "段时间",
    "花费",
    "费用",
    "满意",
    "时至今日",
    "路上",
    "蒙受",
    "乐意",
    "和解",
    "申请",
    "申诉",
    "申请人",
    "卫生",
    "林地",
    "房屋",
    "房子",
    "甘心",
    "章程",
    "施工",
    "温暖",
    "项目",
    "柴油",
    "沙子",
    "沙场",
    "桑树",
    "邢台",
    "齐心",
    "景区",
    "冷漠",
    "席位",
    "宫殿",
    "元月",
    "元旦",
    "元钱",
    "水利",
    "居民",
    "居住",
    "居委会",
    "权益",
    "权利",
    "洪水",
    "洪涝",
    "赖账",
];

/// What follows 本人/我是 as grammar, not as a name, though it starts with a surname character
/// (`本人居住在…`, `本人和朋友在…`, `我是来自…`, `本人曾到…`), as real online messages write it.
const INTRO_GRAMMAR: &[&str] = &[
    "居住",
    "来自",
    "曾在",
    "曾到",
    "曾经",
    "于今",
    "于去",
    "相关",
    "和朋友",
    "和伙伴",
    "和家人",
    "和爱人",
    "和妻子",
    "和丈夫",
    "强烈",
];

/// Characters that never stand in a given name: grammar words, calendar and address words. In a
/// name candidate they are OCR damage (Tesseract turns a stroke cluster into `人`, `第`…).
const NON_NAME_CHARS: &str =
    "的了是们这那就也都被把从对所不没第年月日号址话人村镇乡县市省区组局委会我你您他她去";

/// Whether a name's given part (after its first character) holds a character no given name holds.
fn odd_given_name(name: &str) -> bool {
    name.chars().skip(1).any(|c| NON_NAME_CHARS.contains(c))
}

/// Words that make a line of a signature block a field, not a signer with an unusual surname
/// (`联系电话 139…`, `地址：…`).
const NOT_SIGNER_WORDS: &[&str] = &[
    "电话", "手机", "身份", "联系", "地址", "住址", "号码", "证号", "日期", "签名", "签字", "盖章",
    "手印", "此致", "敬礼", "附件", "单位", "代表", "代笔", "代书", "代写", "律师", "见证", "执笔",
];

/// Leading OCR specks before a signature line (`” 印红梅`, `. 孔春花`, `| 王建国`) and list
/// numbering (`1.`, `2、`).
fn is_line_lead_junk(c: char) -> bool {
    c.is_ascii_digit() || c.is_whitespace() || !(c.is_alphanumeric() || is_han(c))
}

/// Cue words that introduce the petitioner(s) at the end of a letter or in its first sentence.
pub(crate) const SIGNATURE_CUES: &[&str] = &[
    "信访人",
    "来信人",
    "反映人",
    "举报人",
    "申诉人",
    "控告人",
    "上访人",
    "求助人",
    "联名人",
    "具名人",
    "具名",
    "签名",
    "署名",
    "签字",
    "联名",
    "来访人",
    "当事人",
    "投诉人",
    "写信人",
    "落款",
    "请愿人",
    "申请人",
];

/// Cue words before a name that make it someone else's.
const EXCLUDING_CUES: &[&str] = &["代笔", "代书", "代写", "律师", "见证人", "联系人", "执笔"];

static SIGNATURE_RE: LazyLock<Regex> = LazyLock::new(|| {
    let cues = SIGNATURE_CUES.join("|");
    Regex::new(&format!(
        r"(?P<cue>{cues})\s*(?:[（(]?(?:签名|签字|盖章|手印|按手印|姓名)[）)]?)?\s*(?:[：:；;]|为|是)?[ \t\u{{3000}}]*(?P<list>[^\n]*)"
    ))
    .expect("signature regex")
});

static SELF_INTRO_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:我叫|本人叫|本人名叫|我名叫|本人|我是)(?P<rest>\p{Han}{2,24})")
        .expect("self intro regex")
});

/// A table row of a joint letter: an optional number, a name, then an ID number or phone.
static TABLE_ROW_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t\u{3000}]*(?:[0-9]{1,3}[.、．)）]?[ \t]*)?(?P<name>\p{Han}{2,4})(?:[ \t\u{3000}]+[男女])?(?:[ \t\u{3000}]+[0-9]{1,3}岁?)?[ \t\u{3000}（(，,]*(?:电话|手机|身份证号?|联系电话)?[：:]?[ \t]*(?P<num>[0-9Xx][0-9Xx \-]{9,})")
        .expect("table row regex")
});

/// The next entry of a run-together table row, right after the previous entry's numbers.
static ROW_ENTRY_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\A(?:[ \t\u{3000}]*(?:电话|手机|联系电话)[：:]?[ \t]*[0-9][0-9 \-]{6,})*[ \t\u{3000}，,、；;]*(?P<name>\p{Han}{2,4})(?:[ \t\u{3000}]+[男女])?[ \t\u{3000}（(，,]*(?:电话|手机|身份证号?|联系电话)?[：:]?[ \t]*(?P<num>[0-9Xx][0-9Xx \-]{9,})")
        .expect("row entry regex")
});

/// A name found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NameHit {
    pub name: String,
    pub start: usize,
    pub end: usize,
    /// For a signature table row: the rest of the row (ID number / phone next to the name).
    pub row_tail: Option<(usize, usize)>,
}

/// Words that follow a name in a self-introduction (`我叫王建国是…`, `王建国，男`).
const AFTER_NAME: &[&str] = &[
    "（", "(", "是", "男", "女", "系", "现", "家", "住", "今年", "电话", "身份", "联系", "村民",
    "年", "的", "和", "等", "向", "因", "在", "于", "出生", "汉族", "共", "代表", "一家", "同志",
    "请求", "反映", "要求", "特", "我",
];

fn chars_of(s: &str) -> Vec<char> {
    s.chars().collect()
}

fn before_text(text: &str, at: usize, n: usize) -> &str {
    let start = text[..at]
        .char_indices()
        .rev()
        .take(n)
        .last()
        .map_or(at, |(i, _)| i);
    &text[start..at]
}

static SURNAMES: LazyLock<Surnames> = LazyLock::new(Surnames::new);

/// 2–4 Han characters starting with a common surname, and not a title or common word.
pub fn is_person_name(s: &str) -> bool {
    SURNAMES.is_name(s) && !COMMON_WORDS.contains(&s)
}

pub(crate) struct NameFinder {
    surnames: Surnames,
    common: HashSet<&'static str>,
}

impl NameFinder {
    pub(crate) fn new() -> Self {
        NameFinder {
            surnames: Surnames::new(),
            common: COMMON_WORDS.iter().copied().collect(),
        }
    }

    fn is_name(&self, s: &str) -> bool {
        self.surnames.is_name(s) && !self.common.contains(s)
    }

    /// Split a run of Han characters that has lost its separators (OCR removed the gaps
    /// between `张三丰 李四海 王小二`) into names of 2–4 characters each, preferring 3-character
    /// names. `None` when the run cannot be split completely.
    fn split_run(&self, run: &[char]) -> Option<Vec<String>> {
        let n = run.len();
        // best[i]: (score, previous cut) for the prefix of length i.
        let mut best: Vec<Option<(i32, usize)>> = vec![None; n + 1];
        best[0] = Some((0, 0));
        for i in 0..n {
            let Some((score, _)) = best[i] else { continue };
            for len in 2..=4 {
                if i + len > n {
                    break;
                }
                let piece: String = run[i..i + len].iter().collect();
                if !self.is_name(&piece) {
                    continue;
                }
                let gain = match len {
                    3 => 10,
                    2 => 7,
                    _ => 5,
                };
                let cand = score + gain;
                if best[i + len].is_none_or(|(s, _)| cand > s) {
                    best[i + len] = Some((cand, i));
                }
            }
        }
        best[n]?;
        let mut cuts = Vec::new();
        let mut at = n;
        while at > 0 {
            let (_, prev) = best[at]?;
            cuts.push((prev, at));
            at = prev;
        }
        cuts.reverse();
        Some(
            cuts.into_iter()
                .map(|(a, b)| run[a..b].iter().collect())
                .collect(),
        )
    }

    /// Read a list of names from the start of `list` (the rest of a signature line). Names are
    /// separated by spaces, 、，, or lost separators (then the run is split on surnames).
    fn names_in_list(&self, list: &str, base: usize, out: &mut Vec<NameHit>) {
        let mut pos = 0;
        let bytes = list.len();
        while pos < bytes {
            let rest = &list[pos..];
            let skip = rest
                .char_indices()
                .find(|(_, c)| {
                    !matches!(
                        c,
                        // separators, and OCR specks after the colon (`反映人: :吴淑芬`)
                        ' ' | '\t'
                            | '\u{3000}'
                            | '、'
                            | '，'
                            | ','
                            | '；'
                            | ';'
                            | '/'
                            | ':'
                            | '：'
                            | '.'
                            | '·'
                    )
                })
                .map_or(rest.len(), |(i, _)| i);
            pos += skip;
            let rest = &list[pos..];
            let run_len = rest
                .char_indices()
                .find(|(_, c)| !is_han(*c))
                .map_or(rest.len(), |(i, _)| i);
            if run_len == 0 {
                break;
            }
            let run = &rest[..run_len];
            let chars = chars_of(run);
            if self.is_name(run) {
                out.push(NameHit {
                    name: run.to_owned(),
                    start: base + pos,
                    end: base + pos + run_len,
                    row_tail: None,
                });
            } else if chars.len() >= 4 {
                match self.split_run(&chars) {
                    Some(names) if names.len() >= 2 => {
                        let mut at = base + pos;
                        for n in names {
                            out.push(NameHit {
                                start: at,
                                end: at + n.len(),
                                name: n.clone(),
                                row_tail: None,
                            });
                            at += n.len();
                        }
                    }
                    _ => {
                        // `王建国男56岁`, `王建国电话…`: a name followed by other words.
                        if let Some(n) = self.name_prefix(&chars) {
                            out.push(NameHit {
                                start: base + pos,
                                end: base + pos + n.len(),
                                name: n,
                                row_tail: None,
                            });
                        }
                        break;
                    }
                }
            } else {
                break;
            }
            pos += run_len;
        }
    }

    /// The name at the start of a longer Han run: cut before a word that follows names.
    fn name_prefix(&self, chars: &[char]) -> Option<String> {
        for len in [3, 2, 4] {
            if chars.len() <= len {
                continue;
            }
            let tail: String = chars[len..].iter().take(4).collect();
            let name: String = chars[..len].iter().collect();
            if AFTER_NAME.iter().any(|w| tail.starts_with(w))
                && self.is_name(&name)
                && !odd_given_name(&name)
            {
                return Some(name);
            }
        }
        None
    }

    /// A signer whose surname is not in the list, inside a signature block: the line's first
    /// Han run (2–4 characters, after OCR specks) followed by nothing but specks, or by the
    /// signer's ID number or phone (`蔷改英`, `旭满仓（4115…）`). OCR damages surnames as often
    /// as any character; the ID number next to the name must not be lost with it.
    fn unusual_signer(&self, run: &str, rest: &str) -> Option<String> {
        let n = run.chars().count();
        if !(2..=4).contains(&n)
            || self.common.contains(run)
            || run.chars().any(|c| NON_NAME_CHARS.contains(c))
            || NOT_SIGNER_WORDS.iter().any(|w| run.contains(w))
            || NOT_GIVEN_NAMES.iter().any(|w| run.ends_with(w))
        {
            return None;
        }
        let rest = rest.trim_start();
        let contact = rest.starts_with(['（', '(', '〈', '<'])
            || rest.starts_with(|c: char| c.is_ascii_digit())
            || ["电话", "手机", "身份证"]
                .iter()
                .any(|w| rest.starts_with(w));
        // Specks only: no word of two Han characters after the name (`石国强  四，`).
        let specks_only = {
            let chars: Vec<char> = rest.chars().collect();
            !chars.iter().any(|c| c.is_ascii_alphanumeric())
                && !chars.windows(2).any(|w| is_han(w[0]) && is_han(w[1]))
        };
        (contact || specks_only).then(|| run.to_owned())
    }

    /// A signature list written one name per line under its cue (`联名群众签名（按手印）：`),
    /// each line a name optionally followed by an ID number or phone. Stops at the first line
    /// that does not start with a name.
    fn names_on_following_lines(&self, body: &str, from: usize, out: &mut Vec<NameHit>) {
        let mut offset = from;
        let mut blank_run = 0;
        for line in body[from..].split_inclusive('\n') {
            let line_start = offset;
            offset += line.len();
            if line_start == from {
                // remainder of the cue line itself
                continue;
            }
            let lead = line.len() - line.trim_start().len();
            let t = line.trim();
            if t.is_empty() {
                blank_run += 1;
                if blank_run > 1 {
                    break;
                }
                continue;
            }
            blank_run = 0;
            let t = t.trim_start_matches(is_line_lead_junk);
            let skipped = line.trim().len() - t.len();
            let run_len = t
                .char_indices()
                .find(|(_, c)| !is_han(*c))
                .map_or(t.len(), |(i, _)| i);
            let run = &t[..run_len];
            let name = if self.is_name(run) {
                Some(run.to_owned())
            } else {
                self.name_prefix(&chars_of(run))
                    .or_else(|| self.unusual_signer(run, &t[run_len..]))
            };
            let Some(name) = name else { break };
            let start = line_start + lead + skipped;
            let end = start + name.len();
            let line_end = line_start + line.trim_end().len();
            out.push(NameHit {
                name,
                start,
                end,
                row_tail: (end < line_end).then_some((end, line_end)),
            });
        }
    }

    /// A signature without a cue word: near the end of the letter, a line holding only a name
    /// (and OCR specks), directly followed by an ID number or phone line.
    fn unlabelled_signature(&self, body: &str, out: &mut Vec<NameHit>) {
        let lines: Vec<(usize, &str)> = {
            let mut offset = 0;
            body.split_inclusive('\n')
                .map(|l| {
                    let s = offset;
                    offset += l.len();
                    (s, l)
                })
                .filter(|(_, l)| !l.trim().is_empty())
                .collect()
        };
        let tail = lines.len().saturating_sub(8);
        for w in lines[tail..].windows(2) {
            let ((start, line), (_, next)) = (w[0], w[1]);
            let lead = line.len() - line.trim_start().len();
            let t = line.trim();
            let run_len = t
                .char_indices()
                .find(|(_, c)| !is_han(*c))
                .map_or(t.len(), |(i, _)| i);
            let (run, rest) = t.split_at(run_len);
            let specks_only = rest.chars().all(|c| !c.is_alphanumeric() && !is_han(c));
            let next = next
                .trim_start()
                .trim_start_matches("本人")
                .trim_start_matches("我的");
            let contact = ["身份证", "公民身份", "联系电话", "电话", "手机", "联系方式"]
                .iter()
                .any(|c| next.starts_with(c));
            if specks_only && contact && self.is_name(run) {
                out.push(NameHit {
                    name: run.to_owned(),
                    start: start + lead,
                    end: start + lead + run.len(),
                    row_tail: None,
                });
                return;
            }
        }
    }

    /// Names introduced in the letter's own words (`我叫王建国`, `本人王建国，男`), in order.
    fn self_introductions(&self, body: &str) -> Vec<NameHit> {
        let mut out = Vec::new();
        for caps in SELF_INTRO_RE.captures_iter(body) {
            let rest = caps.name("rest").expect("rest group");
            let chars = chars_of(rest.as_str());
            // `我是东关村村民王建国`: the name follows 村民/居民.
            let text = rest.as_str();
            let (offset, cand_chars) = match text.find("村民").or_else(|| text.find("居民")) {
                Some(i) => {
                    let after = &text[i + "村民".len()..];
                    (i + "村民".len(), chars_of(after))
                }
                _ => (0, chars),
            };
            if cand_chars.len() < 2 {
                continue;
            }
            let cand: String = cand_chars.iter().collect();
            let name = if self.is_name(&cand) {
                Some(cand)
            } else {
                self.name_prefix(&cand_chars)
            };
            // Not a name: a word with a character no given name holds (`我是安徽人`), or one
            // followed by 的 (`我是楚熙水郡的业主`, `我是来投诉的`: a description; and in
            // `我是王建国的儿子` the writer is not 王建国).
            let name = name.filter(|n| {
                !odd_given_name(n)
                    && !text[offset + n.len()..].starts_with('的')
                    && !INTRO_GRAMMAR.iter().any(|w| n.starts_with(w))
            });
            if let Some(n) = name {
                let start = rest.start() + offset;
                out.push(NameHit {
                    end: start + n.len(),
                    name: n,
                    start,
                    row_tail: None,
                });
            }
        }
        out
    }

    /// A four-character name with a one-character surname holding one character that never
    /// stands in a given name (`谭慧人敏`): Tesseract inserted it; the name is the other three.
    fn drop_inserted_speck(&self, name: &str) -> String {
        let chars = chars_of(name);
        if chars.len() != 4 || self.surnames.surname_len(&chars) != 1 {
            return name.to_owned();
        }
        let specks: Vec<usize> = (1..4)
            .filter(|&i| NON_NAME_CHARS.contains(chars[i]))
            .collect();
        match specks.as_slice() {
            [i] => chars
                .iter()
                .enumerate()
                .filter(|(k, _)| k != i)
                .map(|(_, c)| c)
                .collect(),
            _ => name.to_owned(),
        }
    }

    /// The signers of one table row, which holds several `name ID-number phone` entries when the
    /// line breaks between rows were lost (a PDF text layer, OCR): each entry's ID number and
    /// phone are the numbers up to the next entry's name, not the rest of the line.
    fn row_entries(
        &self,
        body: &str,
        name: regex::Match,
        num: regex::Match,
        line_end: usize,
        out: &mut Vec<NameHit>,
    ) {
        let mut current = (name.as_str(), name.start(), name.end());
        let mut from = num.end();
        while let Some(next) = ROW_ENTRY_RE
            .captures(&body[from..line_end])
            .filter(|c| self.is_name(&c["name"]))
        {
            let n = next.name("name").expect("name group");
            let num = next.name("num").expect("num group");
            let (name, start, tail) = current;
            out.push(NameHit {
                name: name.to_owned(),
                start,
                end: start + name.len(),
                row_tail: Some((tail, from + n.start())),
            });
            current = (n.as_str(), from + n.start(), from + n.end());
            from += num.end();
        }
        let (name, start, tail) = current;
        out.push(NameHit {
            name: name.to_owned(),
            start,
            end: start + name.len(),
            row_tail: Some((tail, line_end)),
        });
    }

    /// Petitioner names in `body`, in order of appearance, each once (twice only for two table rows
    /// with their own numbers: two co-signers of one name): signature lines
    /// (`信访人：王建国`, `签名：张三 李四`), signature tables (name + ID/phone per row), and
    /// self-introductions (`我叫王建国`, `本人王建国`) when no signature names exist.
    pub(crate) fn find(&self, body: &str) -> Vec<NameHit> {
        let mut sig: Vec<NameHit> = Vec::new();
        for caps in SIGNATURE_RE.captures_iter(body) {
            let cue = caps.name("cue").expect("cue group");
            let before = before_text(body, cue.start(), 4);
            // `申请人、利害关系人有权…`: roles enumerated in prose, not a signature.
            if EXCLUDING_CUES.iter().any(|c| before.contains(c))
                || body[cue.end()..].starts_with('、')
            {
                continue;
            }
            let list = caps.name("list").expect("list group");
            // `联名` and `签名` also occur in prose (`我们联名反映`): the list must start with a
            // name right away.
            let before_list = sig.len();
            self.names_in_list(list.as_str(), list.start(), &mut sig);
            let header = list.as_str().trim();
            if sig.len() == before_list && (header.is_empty() || header.ends_with(['：', ':'])) {
                self.names_on_following_lines(body, list.end(), &mut sig);
            }
        }
        // A signature list may continue on the following lines (one name per line).
        for caps in TABLE_ROW_RE.captures_iter(body) {
            let name = caps.name("name").expect("name group");
            let num = caps.name("num").expect("num group");
            if self.is_name(name.as_str()) {
                let line_end = body[num.start()..]
                    .find('\n')
                    .map_or(body.len(), |i| num.start() + i);
                self.row_entries(body, name, num, line_end, &mut sig);
            }
        }
        if sig.is_empty() {
            self.unlabelled_signature(body, &mut sig);
        }
        if sig.is_empty() {
            sig = self.self_introductions(body);
            sig.truncate(1);
        } else if let [only] = sig.as_mut_slice() {
            // One signer whose name OCR damaged (`写信人：梁第` under `本人梁磊，男`): the
            // self-introduction with the same surname and length names the same person.
            if odd_given_name(&only.name) {
                let first = only.name.chars().next();
                let len = only.name.chars().count();
                if let Some(intro) = self.self_introductions(body).into_iter().find(|h| {
                    h.name.chars().next() == first
                        && h.name.chars().count() == len
                        && !odd_given_name(&h.name)
                }) {
                    only.name = intro.name;
                }
            }
        }
        for h in &mut sig {
            h.name = self.drop_inserted_speck(&h.name);
        }
        // A name found twice at one place (a signature line that is also a table row) keeps the
        // narrowest row: the one that ends where the next signer's entry begins.
        sig.sort_by_key(|h| (h.start, h.row_tail.map_or(usize::MAX, |(s, e)| e - s)));
        sig.dedup_by(|b, a| a.start == b.start);
        // A name seen again is the same signer (a self-introduction and a signature), except on
        // two rows of a signature table, each with its own numbers: two co-signers named 李秀英.
        let mut seen: HashMap<String, bool> = HashMap::default();
        sig.retain(|h| {
            let row = h
                .row_tail
                .is_some_and(|(s, e)| body[s..e].bytes().any(|b| b.is_ascii_digit()));
            match seen.get_mut(&h.name) {
                None => {
                    seen.insert(h.name.clone(), row);
                    true
                }
                Some(all_rows) => {
                    *all_rows &= row;
                    *all_rows
                }
            }
        });
        sig
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &str) -> Vec<String> {
        NameFinder::new()
            .find(t)
            .into_iter()
            .map(|h| h.name)
            .collect()
    }

    #[test]
    fn surnames() {
        let s = Surnames::new();
        assert!(s.is_name("王建国"));
        assert!(s.is_name("欧阳娜娜"));
        assert!(s.is_name("诸葛亮"));
        assert!(!s.is_name("王"));
        assert!(!s.is_name("王某"));
        assert!(!s.is_name("李书记"));
        assert!(!s.is_name("我们大家"));
        assert!(SURNAMES_1.chars().count() >= 280);
        // Top-100 surnames once missing from the list.
        for name in ["傅正华", "赖小平", "阎勇", "洪秀英"] {
            assert!(s.is_name(name), "{name}");
        }
    }

    #[test]
    fn field_labels_are_not_co_signers() {
        let letter =
            "反映人：江建国\n居民身份证：411528198511098036\n电话15335329965\n2020年8月10日";
        assert_eq!(names(letter), ["江建国"]);
        assert_eq!(
            names("我是阎勇，家住清溪县朱砂镇铁炉村。今年洪水冲毁了房屋。"),
            ["阎勇"]
        );
        // A signature run into the next line: the pronoun is not part of the name.
        assert_eq!(names("写信人：孙丽我的手机号183 0926 8331"), ["孙丽"]);
    }

    #[test]
    fn cues_with_their_own_label() {
        assert_eq!(
            names("此致\n敬礼！\n\n信访人签名：潘桂珍\n二〇二二年四月十四日"),
            ["潘桂珍"]
        );
        assert_eq!(names("反映人（签字）：刘茂林\n"), ["刘茂林"]);
        assert_eq!(names("信访人姓名：张秀兰 电话：15907432447"), ["张秀兰"]);
    }

    #[test]
    fn run_together_table_rows_keep_each_signers_numbers() {
        let run = "全体签名人：\n王春生  身份证411528196407306879手机130 4027 5909郑芳  身份证411528198410024740王建军  身份证411528193412062617\n2022年3月20日";
        let hits = NameFinder::new().find(run);
        let found: Vec<(&str, &str)> = hits
            .iter()
            .map(|h| (h.name.as_str(), h.row_tail.map_or("", |(s, e)| &run[s..e])))
            .collect();
        assert_eq!(
            found,
            [
                ("王春生", "  身份证411528196407306879手机130 4027 5909"),
                ("郑芳", "  身份证411528198410024740"),
                ("王建军", "  身份证411528193412062617"),
            ]
        );
    }

    #[test]
    fn two_co_signers_may_share_a_name() {
        // Each on a row with their own ID number.
        let two = "联名群众签名：\n戴双喜\n李秀英（410222194001124640）\n王兰芳\n李秀英（411528199101301868）\n2024年6月16日";
        assert_eq!(names(two), ["戴双喜", "李秀英", "王兰芳", "李秀英"]);
        // The same person introduced and signing is one petitioner.
        assert_eq!(
            names("我叫李秀英，家住东关村。\n反映人：李秀英（410222194001124640）"),
            ["李秀英"]
        );
    }

    #[test]
    fn signer_of_a_letter() {
        assert_eq!(
            names("恳请领导做主。\n信访人：王建国\n2024年3月5日"),
            ["王建国"]
        );
        assert_eq!(names("反映人:李秀英 电话：13935512345"), ["李秀英"]);
        assert_eq!(names("信访人王建国，男，56岁"), ["王建国"]);
        assert_eq!(names("具名：欧阳明月"), ["欧阳明月"]);
        assert_eq!(
            names("反映人: :吴淑芬\n证件号: 41152819580803278X"),
            ["吴淑芬"]
        );
        assert_eq!(names("写信人; 潘明亮\n.联系方式: 13820888546"), ["潘明亮"]);
        assert_eq!(names("落款: 周振军\n二O〇二一年七月二十九日"), ["周振军"]);
        assert_eq!(
            names("望领导明察。\n李国强                ，        .\n身份证号: 411528500715867"),
            ["李国强"]
        );
    }

    #[test]
    fn co_signers_and_tables() {
        assert_eq!(
            names("签名：张三丰 李四海 王小二"),
            ["张三丰", "李四海", "王小二"]
        );
        assert_eq!(
            names("联名人：张三丰、李四海、王小二"),
            ["张三丰", "李四海", "王小二"]
        );
        // OCR removed the gaps.
        assert_eq!(
            names("签名：张三丰李四海王小二"),
            ["张三丰", "李四海", "王小二"]
        );
        let table = "联名人名单：\n1. 张三丰 411528196803124571 13935512345\n2. 李四海 411528197001015678\n3、王小二 13811112222\n";
        assert_eq!(names(table), ["张三丰", "李四海", "王小二"]);
        let list = "此致\n敬礼！\n\n联名群众签名（按手印）：\n黄玉成（411528196702126619） 电话131-4772-6339\n丁志刚（411528194506054292）\n董金花\n2022.6.13";
        let hits = NameFinder::new().find(list);
        let got: Vec<&str> = hits.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(got, ["黄玉成", "丁志刚", "董金花"]);
        assert!(hits[0].row_tail.is_some() && hits[2].row_tail.is_none());
    }

    #[test]
    fn self_introductions() {
        assert_eq!(names("我叫王建国，是东关村村民。"), ["王建国"]);
        assert_eq!(names("我是东关村村民王建国，现反映如下"), ["王建国"]);
        assert_eq!(names("本人刘桂兰，女，62岁"), ["刘桂兰"]);
        // Real online messages: descriptions after 我是/本人, roles in prose.
        for t in [
            "尊敬的胡书记：我是安徽人，全日制本科学历。",
            "尊敬的领导，我是楚熙水郡的业主。",
            "我说我是来投诉的，不是来请求你们调解的。",
            "我是王建国的儿子，替父亲反映。",
            "申请人、利害关系人有权进行陈述和申辩。",
            "我是居住在曲塘路的居民。",
            "本人和朋友在A市报的驾校。",
            "本人曾到B9市人社部门了解过。",
        ] {
            assert!(names(t).is_empty(), "{t}: {:?}", names(t));
        }
    }

    #[test]
    fn excludes_scribes_lawyers_and_officials() {
        assert_eq!(names("代笔人：刘文\n信访人：王建国"), ["王建国"]);
        assert!(names("代书人：刘文").is_empty());
        assert!(names("村委会主任李明说钱用完了。镇长张强也不管。").is_empty());
        assert_eq!(
            names("我们联名反映如下问题。\n签名：张三丰 李四海"),
            ["张三丰", "李四海"]
        );
    }
}
