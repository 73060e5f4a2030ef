//! Complexity (paper 004, section 3.1.2 and 4.2): how hard the instructions are and how
//! many objects, at which granularity, each sample involves.

pub mod agreement;
pub mod chinese;
pub mod difficulty;
pub mod en_words;
pub mod english;
pub mod instruction;
pub mod lexicon;
pub mod material;
pub mod object;
pub mod objects;
pub mod structure;

/// Semantic elements of one instruction (fixtures/complexity/GUIDE.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Elements {
    pub predicates: u32,
    pub arguments: u32,
    pub constraints: u32,
}

impl Elements {
    pub fn total(&self) -> u32 {
        self.predicates + self.arguments + self.constraints
    }
}

/// Which rule set counts a directive: Chinese when Han characters make up at least a
/// quarter of its letters, English otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    English,
    Chinese,
}

pub fn language_of(directive: &str) -> Language {
    let (mut han, mut other) = (0usize, 0usize);
    for c in directive.chars() {
        if crate::text::is_cjk_char(c) {
            han += 1;
        } else if c.is_alphabetic() {
            other += 1;
        }
    }
    if han > 0 && han * 3 >= other {
        Language::Chinese
    } else {
        Language::English
    }
}

/// Counts the predicates, arguments and constraints of an instruction, offline.
pub fn count_elements(instruction: &str) -> Elements {
    let d = material::split(instruction);
    count_elements_in(&d, language_of(&d.text))
}

pub fn count_elements_in(d: &material::Directive, language: Language) -> Elements {
    match language {
        Language::Chinese => chinese::count(&d.text, d.extra_arguments),
        Language::English => english::count(&d.text, d.extra_arguments),
    }
}
