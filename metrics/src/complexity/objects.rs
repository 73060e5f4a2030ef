//! Object/granularity facts of one sample, from its text and its media references.
//!
//! The paper's O/G index is the number of objects a sample involves. Text tells us about
//! four granularities: concrete objects named (the shipped lexicon of COCO categories and
//! common scene objects, English and Chinese), regions referred to by coordinates or
//! grounding tags, images, and video frames.

use super::chinese;
use super::lexicon::lexicon;
use super::material::is_box;
use crate::record::{Record, Role};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ObjectFacts {
    /// Distinct concrete objects named (one per lexicon entry, across languages).
    pub objects: u32,
    /// Bounding boxes, region/point references and grounding tags.
    pub regions: u32,
    pub images: u32,
    /// Referenced videos (each counts one frame unless frames are referenced).
    pub videos: u32,
    /// Distinct frames referred to in the text (`<frame_3>`, `frame 12`, `第3帧`).
    pub frames: u32,
}

impl ObjectFacts {
    /// The O/G count: every granularity added up; a video without frame references
    /// counts as one unit.
    pub fn total(&self) -> u32 {
        self.objects + self.regions + self.images + self.frames.max(self.videos)
    }
}

struct Patterns {
    box_tag: Regex,
    ref_tag: Regex,
    loc_tokens: Regex,
    patch_tokens: Regex,
    point_tag: Regex,
    bracket: Regex,
    frame: Regex,
    image_token: Regex,
    video_token: Regex,
    word: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        // ASCII word boundaries (?-u:\b): a Unicode \b makes the regex engine fall back to
        // its slowest matcher on any text with a non-ASCII character.
        let r = |s: &str| Regex::new(s).expect("object pattern compiles");
        Patterns {
            // Qwen-VL `<box>`, Qwen2-VL `<|box_start|>`, `<bbox>`, `<region>`, `<quad>`.
            box_tag: r(r"<box>|<\|box_start\|>|<bbox>|<region>|<quad>|<\|quad_start\|>"),
            ref_tag: r(r"<ref>|<\|object_ref_start\|>"),
            // PaliGemma: four `<locNNNN>` tokens make one box.
            loc_tokens: r(r"<loc\d{4}>"),
            // Kosmos-2: two `<patch_index_NNNN>` tokens make one box.
            patch_tokens: r(r"<patch_index_\d{4}>"),
            point_tag: r(r"<point[ >]|<points[ >]"),
            bracket: r(r"[\[(]\s*-?\d+(?:\.\d+)?\s*,\s*-?\d+(?:\.\d+)?\s*,\s*-?\d+(?:\.\d+)?\s*,\s*-?\d+(?:\.\d+)?\s*[\])]"),
            frame: r(r"(?i)<frame_?(\d+)>|(?-u:\b)frames? #?(\d+)(?-u:\b)|第\s*(\d+)\s*帧"),
            image_token: r(r"<image>|<img>|<\|image_pad\|>|<image_\d+>"),
            video_token: r(r"<video>|<\|video_pad\|>"),
            word: r(r"[A-Za-z]+(?:-[A-Za-z]+)?"),
        }
    })
}

const DETERMINER_LIKE: &[&str] = &[
    "a", "an", "the", "this", "that", "these", "those", "my", "your", "his", "her", "its", "our",
    "their", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "some",
    "many", "several", "each", "every", "another", "other", "red", "blue", "green", "white",
    "black", "yellow", "small", "large", "big", "little", "old", "new", "wooden", "brown", "gray",
    "grey",
];
/// Characters after which a single-character Chinese object is a word of its own.
const ZH_SINGLE_OK_BEFORE: &str =
    "的个只条头匹辆架艘张把本台件双顶棵朵座和与或及这那些有是在看画两一二三四五六七八九十";

/// A sample's object facts on each side of the exchange.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SampleObjects {
    /// What the model is given: the system prompt, user (and tool) turns, and the media.
    /// The paper's O/G index counts this side (see `complexity::object`).
    pub request: ObjectFacts,
    /// What the model is taught to say: the assistant turns (the chosen side of preference
    /// data). Media are inputs, so `images` and `videos` are always 0 here.
    pub response: ObjectFacts,
    /// Whether the sample has an assistant turn at all.
    pub has_response: bool,
}

/// Object facts of both sides of `r`. Objects and frames are distinct within a side: a
/// dog named in the question and again in the answer counts once on each side.
pub fn analyze(r: &Record) -> SampleObjects {
    let p = patterns();
    // Four numbers in brackets are a box only in a sample with visual content; in text
    // data they are arrays (`let arr = [4, 5, 6, 7]`). Decided for the whole sample, so an
    // answer's box about the question's image counts.
    let visual = !r.images.is_empty()
        || !r.videos.is_empty()
        || r.conversation()
            .any(|t| p.image_token.is_match(&t.text) || p.video_token.is_match(&t.text));
    let request = r.system.iter().map(String::as_str).chain(
        r.conversation()
            .filter(|t| t.role != Role::Assistant)
            .map(|t| t.text.as_str()),
    );
    let mut request = side(request, p, visual);
    // Media are counted by distinct reference when the record lists them: LLaVA-style
    // multi-turn data repeats one picture's reference for each `<image>` token, and the
    // same picture asked about twice is one visual object. Placeholder tokens count only
    // when the record lists no references.
    if !r.images.is_empty() {
        request.images = distinct(&r.images);
    }
    if !r.videos.is_empty() {
        request.videos = distinct(&r.videos);
    }
    let mut has_response = false;
    let response = r
        .conversation()
        .filter(|t| t.role == Role::Assistant)
        .inspect(|_| has_response = true)
        .map(|t| t.text.as_str());
    let mut response = side(response, p, visual);
    response.images = 0;
    response.videos = 0;
    SampleObjects {
        request,
        response,
        has_response,
    }
}

fn distinct(references: &[String]) -> u32 {
    references.iter().collect::<BTreeSet<_>>().len() as u32
}

/// Facts of one side's texts; `images`/`videos` count media tokens in them.
fn side<'a>(texts: impl Iterator<Item = &'a str>, p: &Patterns, visual: bool) -> ObjectFacts {
    let mut f = ObjectFacts::default();
    let mut objects: BTreeSet<u16> = BTreeSet::new();
    let mut frames: BTreeSet<u64> = BTreeSet::new();
    for text in texts {
        f.regions += regions(text, p, visual);
        f.images += p.image_token.find_iter(text).count() as u32;
        f.videos += p.video_token.find_iter(text).count() as u32;
        for c in p.frame.captures_iter(text) {
            if let Some(n) = (1..=3)
                .find_map(|k| c.get(k))
                .and_then(|m| m.as_str().parse::<u64>().ok())
            {
                frames.insert(n);
            }
        }
        english_objects(text, p, &mut objects);
        if text.chars().any(crate::text::is_cjk_char) {
            chinese_objects(text, &mut objects);
        }
    }
    f.objects = objects.len() as u32;
    f.frames = frames.len() as u32;
    f
}

fn regions(text: &str, p: &Patterns, visual: bool) -> u32 {
    if !text.contains(['<', '[', '(']) {
        return 0;
    }
    let boxes = p.box_tag.find_iter(text).count();
    let refs = p.ref_tag.find_iter(text).count();
    // A `<ref>` followed by its `<box>` is one region; count refs only beyond the boxes.
    let mut n = boxes + refs.saturating_sub(boxes);
    n += p.loc_tokens.find_iter(text).count() / 4;
    n += p.patch_tokens.find_iter(text).count() / 2;
    n += p.point_tag.find_iter(text).count();
    if boxes == 0 && visual {
        // Plain coordinate boxes (x1 <= x2, y1 <= y2), unless inside box tags already counted.
        n += p
            .bracket
            .find_iter(text)
            .filter(|m| ordered_box(m.as_str()))
            .count();
    }
    n as u32
}

/// `[x1, y1, x2, y2]` with the corners in order.
fn ordered_box(s: &str) -> bool {
    let inner = &s[1..s.len() - 1];
    let v: Vec<f64> = inner
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    is_box(inner) && v.len() == 4 && v[0] <= v[2] && v[1] <= v[3]
}

fn english_objects(text: &str, p: &Patterns, out: &mut BTreeSet<u16>) {
    let o = &lexicon().objects;
    // Lower-case copies only for words that need one; most text is already lower case.
    let words: Vec<std::borrow::Cow<str>> = p
        .word
        .find_iter(text)
        .map(|m| {
            let w = m.as_str();
            if w.bytes().any(|b| b.is_ascii_uppercase()) {
                std::borrow::Cow::Owned(w.to_ascii_lowercase())
            } else {
                std::borrow::Cow::Borrowed(w)
            }
        })
        .collect();
    let mut i = 0;
    while i < words.len() {
        let w: &str = &words[i];
        if let Some(multi) = o.en_multi.get(w) {
            let hit = multi.iter().find(|(rest, _)| {
                rest.iter()
                    .enumerate()
                    .all(|(k, r)| words.get(i + 1 + k).is_some_and(|x| x == r))
            });
            if let Some((rest, id)) = hit {
                out.insert(*id);
                i += 1 + rest.len();
                continue;
            }
        }
        if let Some(&(id, needs_det)) = o.en_single.get(w) {
            let det = i > 0 && DETERMINER_LIKE.contains(&&*words[i - 1]);
            if !needs_det || det {
                out.insert(id);
            }
        }
        i += 1;
    }
}

fn chinese_objects(text: &str, out: &mut BTreeSet<u16>) {
    let o = &lexicon().objects;
    let words = chinese::segment_words(text);
    for (i, w) in words.iter().enumerate() {
        let Some(&id) = o.zh.get(w.as_str()) else {
            continue;
        };
        if w.chars().count() >= 2 {
            out.insert(id);
            continue;
        }
        // A single character (人, 车, 花) is often part of an unknown longer word; take it
        // only after a classifier, numeral, demonstrative or conjunction.
        let before = i.checked_sub(1).and_then(|k| words[k].chars().last());
        let after = words.get(i + 1).and_then(|n| n.chars().next());
        let ok_before =
            before.is_none_or(|c| ZH_SINGLE_OK_BEFORE.contains(c) || !crate::text::is_cjk_char(c));
        let ok_after = after.is_none_or(|c| {
            !crate::text::is_cjk_char(c) || "的和与或在是吗呢了，。？！、".contains(c)
        });
        if ok_before && ok_after {
            out.insert(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Role, Turn};

    fn rec(texts: &[&str], images: usize) -> Record {
        let mut r = Record::new(
            "r",
            Origin {
                file: "f".into(),
                line: Some(1),
                index: 0,
                within: None,
            },
        );
        for (k, t) in texts.iter().enumerate() {
            r.turns.push(Turn::new(
                if k % 2 == 0 {
                    Role::User
                } else {
                    Role::Assistant
                },
                *t,
            ));
        }
        r.images = (0..images).map(|k| format!("{k}.jpg")).collect();
        r
    }

    #[test]
    fn counts_distinct_objects_across_languages_on_each_side() {
        let r = rec(
            &[
                "<image>\nHow many dogs and cats are there? Is the dog near the fire hydrant?",
                "Two dogs, one cat, 一只狗 and a red car.",
            ],
            1,
        );
        let s = analyze(&r);
        assert_eq!(s.request.objects, 3, "dog, cat, fire hydrant: {s:?}");
        assert_eq!(s.request.images, 1);
        assert_eq!(s.request.total(), 4);
        assert_eq!(s.response.objects, 3, "dog (and 狗), cat, car: {s:?}");
        assert_eq!((s.response.images, s.response.total()), (0, 3));
        assert!(s.has_response);
    }

    #[test]
    fn a_long_answer_does_not_move_the_request_side() {
        let short = analyze(&rec(&["<image>\nDescribe the image.", "A dog."], 1));
        let long = analyze(&rec(
            &[
                "<image>\nDescribe the image.",
                "A dog sits on a bench beside a bicycle; a car, a bus and a traffic light are behind a tree, and a cat sleeps on the chair.",
            ],
            1,
        ));
        assert_eq!(short.request, long.request);
        assert_eq!(long.request.total(), 1, "the image only: {long:?}");
        assert_eq!(short.response.objects, 1);
        assert!(long.response.objects >= 8, "{long:?}");
    }

    #[test]
    fn system_and_tool_turns_are_request_side() {
        let mut r = rec(&["Is there a cat?", "No, only a dog."], 0);
        r.system = Some("You see a photo of a kitchen with a refrigerator.".into());
        r.turns.insert(1, Turn::new(Role::Tool, "detector: oven"));
        let s = analyze(&r);
        assert_eq!(s.request.objects, 3, "refrigerator, cat, oven: {s:?}");
        assert_eq!(s.response.objects, 1, "dog: {s:?}");
        let prompt_only = analyze(&rec(&["Is there a cat?"], 0));
        assert!(!prompt_only.has_response);
        assert_eq!(prompt_only.response, ObjectFacts::default());
    }

    #[test]
    fn a_picture_referenced_twice_is_one_image() {
        // LLaMA-Factory's demo: two `<image>` tokens, the same file listed for each.
        let mut r = rec(
            &[
                "<image>Who are they?",
                "Kane and Gretzka.",
                "What are they doing?<image>",
                "Celebrating.",
            ],
            0,
        );
        r.images = vec!["1.jpg".into(), "1.jpg".into()];
        assert_eq!(analyze(&r).request.images, 1);
        r.images = vec!["1.jpg".into(), "2.jpg".into()];
        assert_eq!(analyze(&r).request.images, 2);
        // Without references the placeholders are all there is to count.
        r.images.clear();
        assert_eq!(analyze(&r).request.images, 2);
    }

    #[test]
    fn ambiguous_words_need_a_determiner() {
        let f = analyze(&rec(
            &["Train a model to classify the train schedule; watch out for the watch."],
            0,
        ))
        .request;
        assert_eq!(f.objects, 2, "'the train' and 'the watch' only: {f:?}");
    }

    #[test]
    fn region_styles() {
        let s = analyze(&rec(&["Where is it? [0.12, 0.30, 0.45, 0.88] and (10, 20, 110, 220)", "<ref>the man</ref><box>(12,30),(450,880)</box> <ref>a cup</ref><box>(1,2),(3,4)</box>"], 1));
        assert_eq!((s.request.regions, s.response.regions), (2, 2), "{s:?}");
        let f = analyze(&rec(&["let arr = [4, 5, 6, 7]; sort [5, 1, 9, 6]"], 0)).request;
        assert_eq!(f.regions, 0, "arrays in text-only data are not boxes");
        let f = analyze(&rec(&["<image>\nIs [50, 60, 10, 20] a box?"], 1)).request;
        assert_eq!(f.regions, 0, "x2 < x1 is not a box");
        let s = analyze(&rec(
            &[
                "detect cat",
                "<loc0012><loc0030><loc0450><loc0880> cat <patch_index_0001><patch_index_0044>",
            ],
            0,
        ));
        assert_eq!((s.request.regions, s.response.regions), (0, 2));
        let f = analyze(&rec(&["Not a box: [1, 2, 3] or [a, b, c, d]"], 0)).request;
        assert_eq!(f.regions, 0);
    }

    #[test]
    fn frames_and_videos() {
        let mut r = rec(
            &["<video>\nWhat happens in frame 3 and frame 12? And in <frame_3>?"],
            0,
        );
        r.videos = vec!["v.mp4".into()];
        let f = analyze(&r).request;
        assert_eq!((f.videos, f.frames), (1, 2));
        assert_eq!(f.total(), 2);
    }

    #[test]
    fn single_han_characters_need_context() {
        let f = analyze(&rec(&["图中有几个人？人工智能会取代人类吗？"], 0)).request;
        assert_eq!(
            f.objects, 1,
            "人 after 个 counts; 人工智能 and 人类 do not: {f:?}"
        );
    }
}
