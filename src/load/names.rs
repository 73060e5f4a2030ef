//! Column-name vocabularies for role inference: which names mean the user side, the
//! assistant side, a task label, an id or metadata, in English and the languages most
//! common in public instruction data (Chinese, Japanese, Korean, Spanish, Portuguese,
//! French, German, Italian, Russian, Turkish, Arabic).
//!
//! Names are compared after [`normalize`]: lower case, camelCase split, separators folded
//! to `_`. A name matches *exactly* (the whole normalised name is in a list) or *by token*
//! (one of its `_`-separated words is); exact matches make a mapping more certain.

/// What a column name says about its role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameRole {
    /// The request itself: an instruction, prompt or question.
    User,
    /// Material that goes with the request: an input, context or passage.
    UserExtra,
    Assistant,
    System,
    Task,
    /// Ids, languages, URLs, scores and other fields that are never text to analyse.
    Meta,
}

const USER: &[&str] = &[
    "instruction",
    "instructions",
    "definition",
    "task_definition",
    "task_description",
    "prompt",
    "prompts",
    "query",
    "queries",
    "question",
    "questions",
    "problem",
    "request",
    "user",
    "human",
    "user_input",
    "user_message",
    "user_prompt",
    "user_query",
    "user_turns",
    "turns",
    "utterances",
    // Chinese, Japanese, Korean
    "指令",
    "指示",
    "问题",
    "問題",
    "提示",
    "质问",
    "質問",
    "问",
    "질문",
    "지시",
    // Spanish, Portuguese, French, German, Italian, Russian, Turkish, Arabic
    "pregunta",
    "instrucción",
    "instruccion",
    "consigna",
    "pergunta",
    "instrução",
    "instrucao",
    "consigne",
    "requête",
    "frage",
    "anweisung",
    "aufgabe_text",
    "domanda",
    "istruzione",
    "вопрос",
    "инструкция",
    "запрос",
    "soru",
    "talimat",
    "سؤال",
    "تعليمات",
];

const USER_EXTRA: &[&str] = &[
    "input",
    "inputs",
    "context",
    "passage",
    "document",
    "article",
    "paragraph",
    "options",
    "choices",
    "输入",
    "上下文",
    "入力",
    "문맥",
    "입력",
    "entrada",
    "contexto",
    "contexte",
    "eingabe",
    "kontext",
    "contesto",
    "ввод",
    "контекст",
    "girdi",
    "سياق",
];

const ASSISTANT: &[&str] = &[
    "output",
    "outputs",
    "response",
    "responses",
    "answer",
    "answers",
    "completion",
    "completions",
    "target",
    "targets",
    "reference",
    "references",
    "reference_answer",
    "solution",
    "solutions",
    "gold",
    "ground_truth",
    "expected_output",
    "assistant",
    "gpt",
    "bot",
    "reply",
    "输出",
    "回答",
    "答案",
    "回复",
    "回應",
    "答",
    "出力",
    "応答",
    "解答",
    "답변",
    "답",
    "응답",
    "respuesta",
    "salida",
    "resposta",
    "saída",
    "réponse",
    "reponse",
    "antwort",
    "ausgabe",
    "risposta",
    "ответ",
    "вывод",
    "cevap",
    "yanıt",
    "جواب",
    "إجابة",
];

/// Names of a whole conversation. A list of plain strings under one of them alternates
/// user, assistant, user, ... (LIMA's `conversations`, UltraChat's `data`), unlike a list
/// of strings under a request name (MT-Bench's `turns`: user turns only).
const CONVERSATION: &[&str] = &[
    "conversations",
    "conversation",
    "messages",
    "dialog",
    "dialogs",
    "dialogue",
    "dialogues",
    "chat",
    "data",
    "transcript",
    "exchanges",
    "对话",
    "会話",
    "대화",
    "diálogo",
    "dialogo",
    "диалог",
];

/// Whether a name names a whole conversation.
pub(crate) fn is_conversation_name(name: &str) -> bool {
    CONVERSATION.contains(&normalize(name).as_str())
}

const SYSTEM: &[&str] = &["system", "system_prompt", "system_message", "sys", "系统"];

/// Label columns, best first: when several are present the first in this list is the
/// task. Two-level labels are recognised separately (see `task_columns`).
pub(crate) const TASK: &[&str] = &[
    "task",
    "category",
    "subtask",
    "task_name",
    "task_type",
    "task_source",
    "source",
    "template",
    "task_category",
    "subcategory",
    "domain",
    "subdomain",
    "type",
    "skill",
    "topic",
    "subject",
    "genre",
    "intent",
    "dataset",
    "data_source",
    "任务",
    "类别",
    "类型",
    "领域",
    "分类",
    "カテゴリ",
    "分野",
    "카테고리",
    "categoría",
    "categoria",
    "catégorie",
    "kategorie",
    "категория",
    "kategori",
];

/// Words that make a column a task label wherever they appear in its name
/// (`main_category`, `question_type`).
const TASK_TOKENS: &[&str] = &["task", "category", "domain", "type", "subtask", "genre"];

const META: &[&str] = &[
    "id",
    "idx",
    "index",
    "uid",
    "uuid",
    "key",
    "hash",
    "url",
    "urls",
    "link",
    "license",
    "lang",
    "language",
    "locale",
    "split",
    "score",
    "scores",
    "rating",
    "ratings",
    "label",
    "labels",
    "model",
    "model_name",
    "date",
    "time",
    "timestamp",
    "created_at",
    "length",
    "num_turns",
    "tokens",
    "metadata",
    "meta",
    "checklist",
    "criteria",
    "rubric",
    "tags",
    "images",
    "image",
    "videos",
    "video",
    "audio",
    "is_classification",
    "entry_point",
    "test",
    "tests",
];

const META_TOKENS: &[&str] = &["id", "idx", "uuid", "url", "hash", "score", "lang"];

const USER_TOKENS: &[&str] = &[
    "instruction",
    "prompt",
    "question",
    "query",
    "request",
    "human",
    "user",
    "problem",
    "definition",
];
const USER_EXTRA_TOKENS: &[&str] = &["input", "context", "passage", "document"];
const ASSISTANT_TOKENS: &[&str] = &[
    "answer",
    "response",
    "output",
    "completion",
    "target",
    "reply",
    "solution",
    "reference",
    "assistant",
    "gpt",
    "bot",
];

/// The last segment of a dotted path (`conversation.turns` -> `turns`): what names a
/// nested column.
pub(crate) fn leaf(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// A numbered column name split into its stem and number: `user_1` -> (`user`, 1),
/// `q1` -> (`q`, 1), `domain2` -> (`domain`, 2). Only the path's last segment counts.
pub(crate) fn numbered(name: &str) -> Option<(String, u32)> {
    let n = normalize(leaf(name));
    let at = n.find(|c: char| c.is_ascii_digit())?;
    let num = n[at..].parse().ok()?;
    let stem = n[..at].trim_end_matches('_');
    (!stem.is_empty()).then(|| (stem.to_string(), num))
}

/// Lower case, camelCase split, `-`, spaces and dots folded to `_`.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.trim().chars() {
        if c.is_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else if c == '-' || c == ' ' || c == '.' {
            out.push('_');
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// The role a name says, and whether it said so exactly (the whole name) or by one of
/// its words. `None` for names that say nothing.
pub(crate) fn role_of(name: &str) -> Option<(NameRole, bool)> {
    let n = normalize(name);
    let exact = [
        (SYSTEM, NameRole::System),
        (USER, NameRole::User),
        (USER_EXTRA, NameRole::UserExtra),
        (ASSISTANT, NameRole::Assistant),
        (TASK, NameRole::Task),
        (META, NameRole::Meta),
    ];
    for (list, role) in exact {
        if list.contains(&n.as_str()) {
            return Some((role, true));
        }
    }
    let words: Vec<&str> = n.split('_').filter(|w| !w.is_empty()).collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    // Metadata words first: `question_id` is an id, not a question.
    if has(META_TOKENS) || words.last().is_some_and(|w| *w == "id") {
        return Some((NameRole::Meta, false));
    }
    // The last word is the head of an English compound: `question_type` is a type.
    if words.last().is_some_and(|w| TASK_TOKENS.contains(w)) {
        return Some((NameRole::Task, false));
    }
    let assistant = has(ASSISTANT_TOKENS);
    let user = has(USER_TOKENS);
    if has(TASK_TOKENS) && !assistant && !user {
        return Some((NameRole::Task, false));
    }
    match (user, assistant) {
        (true, false) => Some((NameRole::User, false)),
        (false, true) => Some((NameRole::Assistant, false)),
        // `user_response`, `question_answer`: the name names both sides.
        (true, true) => None,
        (false, false) if has(USER_EXTRA_TOKENS) => Some((NameRole::UserExtra, false)),
        (false, false) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise() {
        assert_eq!(normalize("userPrompt"), "user_prompt");
        assert_eq!(normalize("Model-Answer"), "model_answer");
        assert_eq!(normalize("conversation.turns"), "conversation_turns");
        assert_eq!(normalize("问题"), "问题");
        assert!(is_conversation_name("Conversations"));
        assert!(!is_conversation_name("turns"));
    }

    #[test]
    fn roles_from_names() {
        use NameRole::*;
        let cases = [
            ("definition", Some((User, true))),
            ("input", Some((UserExtra, true))),
            ("target", Some((Assistant, true))),
            ("subtask", Some((Task, true))),
            ("question_id", Some((Meta, false))),
            ("userPrompt", Some((User, true))),
            ("model_answer", Some((Assistant, false))),
            ("main_category", Some((Task, false))),
            ("question_type", Some((Task, false))),
            ("respuesta", Some((Assistant, true))),
            ("指令", Some((User, true))),
            ("question_answer", None),
            ("checklist", Some((Meta, true))),
            ("foo", None),
        ];
        for (name, want) in cases {
            assert_eq!(role_of(name), want, "{name}");
        }
    }
}
