//! Chinese element counting: dictionary segmentation plus role rules.
//!
//! Forward maximum matching over the shipped lexicon (verbs, common words, function
//! words, object names) splits the text; characters no entry covers are treated as parts
//! of nouns, which is what they mostly are in instructions (names, domain terms). The
//! roles then follow fixtures/complexity/GUIDE.md as in the English counter.

use super::lexicon::lexicon;
use super::material::MAT;
use super::Elements;

/// Function words: never elements, always chunk boundaries (unless listed as modal).
pub const FUNCTION_WORDS: &[&str] = &[
    "的",
    "地",
    "得",
    "了",
    "着",
    "过",
    "吗",
    "呢",
    "吧",
    "啊",
    "呀",
    "嘛",
    "哦",
    "和",
    "与",
    "及",
    "以及",
    "或",
    "或者",
    "并",
    "并且",
    "而",
    "而且",
    "但",
    "但是",
    "也",
    "都",
    "还",
    "就",
    "再",
    "又",
    "很",
    "非常",
    "太",
    "更",
    "挺",
    "十分",
    "把",
    "被",
    "将",
    "对",
    "对于",
    "向",
    "给",
    "在",
    "从",
    "到",
    "于",
    "为",
    "以",
    "用",
    "关于",
    "根据",
    "按照",
    "通过",
    "作为",
    "之",
    "其",
    "该",
    "此",
    "这",
    "那",
    "这个",
    "这些",
    "那些",
    "这张",
    "这段",
    "这篇",
    "这句",
    "这位",
    "这首",
    "那个",
    "这里",
    "那里",
    "请",
    "能",
    "能够",
    "可以",
    "会",
    "要",
    "应该",
    "必须",
    "让",
    "使",
    "令",
    "中",
    "里",
    "上",
    "下",
    "内",
    "外",
    "前",
    "后",
    "之间",
    "之后",
    "之前",
    "是否",
    "什么",
    "哪里",
    "哪",
    "哪些",
    "哪个",
    "哪座",
    "几",
    "多少",
    "怎么",
    "怎样",
    "如何",
    "为什么",
    "谁",
    "为题",
    "然后",
    "最后",
    "首先",
    "其次",
    "同时",
    "接着",
    "另外",
    "还有",
    "以便",
    "以免",
    "来",
    "去",
    "个",
];
const MODALS: &[&str] = &[
    "能", "能够", "可以", "会", "要", "应该", "必须", "需要", "想", "请", "让",
];
const WH: &[&str] = &[
    "什么",
    "哪里",
    "哪",
    "哪些",
    "哪个",
    "哪座",
    "几",
    "多少",
    "怎么",
    "怎样",
    "如何",
    "为什么",
    "谁",
    "是否",
];
const PRONOUN_ARGS: &[&str] = &["它", "它们", "他", "她", "他们", "她们"];
const DEMONSTRATIVES: &[&str] = &["这", "那", "此"];
const PRONOUN_SKIP: &[&str] = &["我", "你", "您", "我们", "你们", "自己", "大家", "咱们"];
const CONSTRAINT_WORDS: &[&str] = &[
    "简要",
    "简短",
    "简单",
    "简洁",
    "详细",
    "具体",
    "主要",
    "常见",
    "常见的",
    "通俗易懂",
    "简明扼要",
    "正式",
    "有趣",
    "幽默",
    "生动",
    "吸引人",
    "吸引人的",
    "大致",
    "逐一",
    "分别",
    "一起",
    "分点",
    "逐步",
    "一步一步",
    "通顺",
    "自然",
    "流畅",
    "准确",
    "清晰",
    "完整",
    "合理",
    "所有",
    "全部",
    "只",
    "仅",
    "仅仅",
    "如果",
    "假如",
    "若",
    "要是",
    "不要",
    "别",
    "不",
    "没有",
    "不能",
    "今天",
    "明天",
    "昨天",
    "最近",
    "总是",
    "经常",
    "依次",
    "各自",
    "左右",
    "以内",
    "以上",
    "至少",
    "最多",
    "最少",
    "大约",
    "约",
    "不超过",
    "超过",
    "少于",
    "多于",
    "为期",
    "新颖",
    "原创",
    "专业",
    "礼貌",
    "积极向上",
    "有创意",
    "重要",
    "关键",
    "核心",
];
const CLASSIFIERS: &[&str] = &[
    "个", "种", "首", "篇", "段", "句", "本", "部", "张", "只", "位", "名", "条", "件", "次", "份",
    "道", "点", "页", "行", "字", "天", "周", "月", "年", "分钟", "小时", "项", "类", "组", "封",
    "幅", "台", "辆", "架", "家", "所", "棵", "朵", "座", "把", "双", "套", "节", "章", "步", "遍",
    "层", "枚", "颗", "则", "款", "句话", "个字", "岁", "斤", "米", "元", "块", "位数",
];
const AUDIENCE: &[&str] = &[
    "小学生",
    "中学生",
    "大学生",
    "初学者",
    "孩子",
    "儿童",
    "学生",
    "老人",
    "家长",
    "新手",
    "读者",
    "观众",
    "外行",
    "小朋友",
    "全家",
    "专家",
    "程序员",
    "开发者",
];
const LANGUAGES: &[&str] = &[
    "中文",
    "英文",
    "英语",
    "汉语",
    "日语",
    "法语",
    "德语",
    "韩语",
    "俄语",
    "西班牙语",
    "文言文",
    "白话文",
];
const PROGRAMMING: &[&str] = &[
    "python",
    "java",
    "javascript",
    "typescript",
    "c",
    "c++",
    "c#",
    "rust",
    "go",
    "golang",
    "ruby",
    "php",
    "swift",
    "kotlin",
    "sql",
    "bash",
    "shell",
    "html",
    "css",
    "matlab",
    "r",
    "pandas",
];
const NUMERALS: &str = "零〇一二三四五六七八九十百千万两几半";
const FORM_WORDS: &[&str] = &["形式", "格式", "方式", "风格", "语气", "口吻", "身份"];
const POSSESSION_VERBS: &[&str] = &["有", "剩", "剩下", "给", "了", "等于", "买", "卖", "吃"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Han,
    Latin,
    Num,
    Punct,
    Mat,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tag {
    Pred,
    Arg,
    Solo,
    Cons,
    InCons,
    Skip,
    Bound,
}

struct Tok {
    s: String,
    kind: Kind,
}

pub fn count(directive: &str, extra_arguments: u32) -> Elements {
    let toks = segment(directive);
    let tags = tag(&toks);
    let mut e = Elements {
        predicates: 0,
        arguments: extra_arguments,
        constraints: 0,
    };
    let mut in_chunk = false;
    for t in tags {
        match t {
            Tag::Arg => {
                if !in_chunk {
                    e.arguments += 1;
                    in_chunk = true;
                }
            }
            Tag::Skip => {}
            Tag::InCons => in_chunk = false,
            other => {
                in_chunk = false;
                match other {
                    Tag::Pred => e.predicates += 1,
                    Tag::Solo => e.arguments += 1,
                    Tag::Cons => e.constraints += 1,
                    _ => {}
                }
            }
        }
    }
    e
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF)
}

fn segment(s: &str) -> Vec<Tok> {
    let lex = lexicon();
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == MAT {
            out.push(Tok {
                s: String::new(),
                kind: Kind::Mat,
            });
            i += 1;
        } else if is_han(c) {
            // Longest dictionary entry of two or more characters wins; then a numeral run;
            // then the single character.
            let mut matched = 0;
            let max = lex.zh_max_len.min(chars.len() - i);
            let mut buf = String::new();
            for len in 1..=max {
                if !is_han(chars[i + len - 1]) {
                    break;
                }
                buf.push(chars[i + len - 1]);
                if len >= 2 && lex.zh_dict.contains(buf.as_str()) {
                    matched = len;
                }
            }
            if matched == 0 && NUMERALS.contains(c) {
                let mut j = i;
                while j < chars.len() && NUMERALS.contains(chars[j]) {
                    j += 1;
                }
                out.push(Tok {
                    s: chars[i..j].iter().collect(),
                    kind: Kind::Num,
                });
                i = j;
                continue;
            }
            let len = matched.max(1);
            out.push(Tok {
                s: chars[i..i + len].iter().collect(),
                kind: Kind::Han,
            });
            i += len;
        } else if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            out.push(Tok {
                s: chars[i..j].iter().collect(),
                kind: Kind::Num,
            });
            i = j;
        } else if c.is_alphabetic() {
            let mut j = i;
            while j < chars.len()
                && !is_han(chars[j])
                && (chars[j].is_alphanumeric() || matches!(chars[j], '+' | '#' | '-' | '_'))
            {
                j += 1;
            }
            out.push(Tok {
                s: chars[i..j].iter().collect::<String>().to_lowercase(),
                kind: Kind::Latin,
            });
            i = j;
        } else if c.is_whitespace() && c != '\n' {
            i += 1;
        } else {
            out.push(Tok {
                s: c.to_string(),
                kind: Kind::Punct,
            });
            i += 1;
        }
    }
    out
}

/// The text as the segmenter splits it: Han runs by dictionary, other runs whole.
pub fn segment_words(text: &str) -> Vec<String> {
    segment(text).into_iter().map(|t| t.s).collect()
}

fn is(list: &[&str], s: &str) -> bool {
    list.contains(&s)
}

fn tag(toks: &[Tok]) -> Vec<Tag> {
    let lex = lexicon();
    let n = toks.len();
    let mut tags = vec![Tag::Bound; n];
    let s = |i: usize| toks.get(i).map_or("", |t| t.s.as_str());
    let kind = |i: usize| toks.get(i).map(|t| t.kind);
    let is_verb = |i: usize| kind(i) == Some(Kind::Han) && lex.zh_verbs.contains(s(i));
    let is_content = |i: usize| match kind(i) {
        Some(Kind::Han) => {
            let w = s(i);
            !is(FUNCTION_WORDS, w)
                && !lex.zh_verbs.contains(w)
                && !is(CONSTRAINT_WORDS, w)
                && !is(PRONOUN_SKIP, w)
                && !is(PRONOUN_ARGS, w)
        }
        Some(Kind::Latin) | Some(Kind::Mat) | Some(Kind::Num) => true,
        _ => false,
    };
    let mut i = 0;
    while i < n {
        let w = s(i);
        let k = kind(i);
        // Spans first.
        if w == "用" && !is_verb(i + 1) {
            let end = span_until_verb(toks, i + 1, &is_verb);
            mark_span(&mut tags, i, end);
            i = end;
            continue;
        }
        if w == "以" {
            if let Some(end) = (i + 1..(i + 8).min(n)).find(|&j| is(FORM_WORDS, s(j))) {
                mark_span(&mut tags, i, end + 1);
                i = end + 1;
                continue;
            }
        }
        if (w == "向" || w == "适合" || w == "给" || w == "为")
            && (i + 1..(i + 4).min(n)).any(|j| is(AUDIENCE, s(j)))
        {
            let end = (i + 1..(i + 4).min(n))
                .find(|&j| is(AUDIENCE, s(j)))
                .unwrap_or(i)
                + 1;
            mark_span(&mut tags, i, end);
            i = end;
            continue;
        }
        if w == "为期" || w.starts_with('每') || (w.starts_with('最') && w.chars().count() >= 2)
        {
            let mut end = i + 1;
            if w == "为期" || w == "每" || w == "最" {
                while end < n
                    && matches!(kind(end), Some(Kind::Num) | Some(Kind::Han))
                    && (kind(end) == Some(Kind::Num) || is(CLASSIFIERS, s(end)))
                {
                    end += 1;
                }
                if end == i + 1 && end < n && w != "为期" {
                    end += 1;
                }
            }
            mark_span(&mut tags, i, end);
            i = end;
            continue;
        }
        if k == Some(Kind::Num) {
            let classifier = is(CLASSIFIERS, s(i + 1));
            let prev = i.checked_sub(1).map_or("", s);
            if w == "几" || (w == "一" && classifier) {
                tags[i] = Tag::Bound;
                if classifier {
                    tags[i + 1] = Tag::Bound;
                    i += 2;
                } else {
                    i += 1;
                }
                continue;
            }
            if classifier && !is(POSSESSION_VERBS, prev) {
                mark_span(&mut tags, i, i + 2);
                i += 2;
                continue;
            }
            tags[i] = Tag::Arg;
            if classifier {
                tags[i + 1] = Tag::Arg;
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        if k == Some(Kind::Latin) && is(PROGRAMMING, w) && (is_content(i + 1) || s(i + 1) == "语言")
        {
            let end = if s(i + 1) == "语言" { i + 2 } else { i + 1 };
            mark_span(&mut tags, i, end);
            i = end;
            continue;
        }
        if is(LANGUAGES, w) && is_content(i + 1) && kind(i + 1) == Some(Kind::Han) {
            tags[i] = Tag::Cons;
            i += 1;
            continue;
        }
        tags[i] = match k {
            Some(Kind::Punct) => Tag::Bound,
            Some(Kind::Mat) | Some(Kind::Latin) => Tag::Arg,
            _ if is(CONSTRAINT_WORDS, w) => Tag::Cons,
            _ if is(WH, w) => Tag::Bound,
            _ if is(PRONOUN_SKIP, w) => Tag::Bound,
            _ if is(PRONOUN_ARGS, w) => Tag::Solo,
            _ if is(DEMONSTRATIVES, w) => {
                if is_content(i + 1) {
                    Tag::Bound
                } else {
                    Tag::Solo
                }
            }
            _ if is(MODALS, w) && (is_verb(i + 1) || is(CONSTRAINT_WORDS, s(i + 1))) => Tag::Skip,
            _ if w == "是" => {
                if s(i + 1) == "在" {
                    Tag::Bound
                } else {
                    Tag::Pred
                }
            }
            _ if w == "为" => {
                let prev = i.checked_sub(1).map_or("", s);
                if prev == "是否" || prev == "成" {
                    Tag::Pred
                } else {
                    Tag::Bound
                }
            }
            _ if is_verb(i) => {
                let prev = i.checked_sub(1).map_or("", s);
                let nominal = prev == "的" || is(CLASSIFIERS, prev) || is(DEMONSTRATIVES, prev);
                if nominal {
                    Tag::Arg
                } else {
                    Tag::Pred
                }
            }
            _ if is(FUNCTION_WORDS, w) => Tag::Bound,
            _ => Tag::Arg,
        };
        i += 1;
    }
    label_sets(toks, &mut tags);
    merge_adjacent(toks, &mut tags);
    tags
}

/// Words that continue the constraint before them: `800字左右`, `通顺自然`.
const POSTFIX: &[&str] = &["左右", "以内", "以上", "以下"];
const STYLE: &[&str] = &[
    "通顺", "自然", "流畅", "准确", "清晰", "简洁", "生动", "幽默", "正式", "简明", "简要", "简短",
    "详细", "具体",
];

fn merge_adjacent(toks: &[Tok], tags: &mut [Tag]) {
    for i in 1..toks.len() {
        if tags[i] != Tag::Cons {
            continue;
        }
        let (w, prev) = (toks[i].s.as_str(), toks[i - 1].s.as_str());
        let after_constraint = matches!(tags[i - 1], Tag::Cons | Tag::InCons);
        if after_constraint && (is(POSTFIX, w) || (is(STYLE, w) && is(STYLE, prev))) {
            tags[i] = Tag::InCons;
        }
    }
}

fn span_until_verb(toks: &[Tok], from: usize, is_verb: &dyn Fn(usize) -> bool) -> usize {
    let mut j = from;
    while j < toks.len() {
        let t = &toks[j];
        if t.kind == Kind::Punct
            || t.kind == Kind::Mat
            || is_verb(j)
            || matches!(t.s.as_str(), "向" | "对" | "给" | "把" | "来")
        {
            break;
        }
        j += 1;
    }
    j.max(from)
}

fn mark_span(tags: &mut [Tag], from: usize, to: usize) {
    for (k, t) in tags.iter_mut().enumerate().take(to).skip(from) {
        *t = if k == from { Tag::Cons } else { Tag::InCons };
    }
}

/// `积极还是消极`, `正面/负面/中性`: a closed set of answers is one format constraint.
fn label_sets(toks: &[Tok], tags: &mut [Tag]) {
    let joiner = |i: usize| {
        toks.get(i)
            .is_some_and(|t| t.s == "还是" || (t.s == "/" && t.kind == Kind::Punct))
    };
    let mut i = 0;
    while i + 2 < toks.len() {
        if tags[i] == Tag::Arg && joiner(i + 1) && tags[i + 2] == Tag::Arg {
            let mut end = i + 3;
            while joiner(end) && tags.get(end + 1) == Some(&Tag::Arg) {
                end += 2;
            }
            mark_span(tags, i, end);
            i = end;
            continue;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::count_elements;

    fn e(s: &str) -> (u32, u32, u32) {
        let x = count_elements(s);
        (x.predicates, x.arguments, x.constraints)
    }

    #[test]
    fn basic_chinese_instructions() {
        assert_eq!(e("请写一首关于春天的诗。"), (1, 2, 0));
        assert_eq!(e("中国的首都是哪里？"), (1, 2, 0));
        assert_eq!(e("用三句话介绍一下人工智能。"), (1, 1, 1));
        assert_eq!(e("列出五种常见的水果。"), (1, 1, 2));
    }

    #[test]
    fn label_sets_are_one_constraint() {
        let (_, _, c) = e("判断情感是积极还是消极。");
        assert_eq!(c, 1);
    }
}
