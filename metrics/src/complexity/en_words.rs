//! Closed word classes and constraint vocabulary for the English element counter.

pub const DETERMINERS: &[&str] = &[
    "a", "an", "the", "my", "your", "his", "its", "our", "their", "some", "any", "several", "many", "much", "few",
    "another", "other", "such", "following", "same", "various", "certain",
];
/// Demonstratives and `her`: determiners before a noun, pronouns otherwise.
pub const DEMONSTRATIVES: &[&str] = &["this", "that", "these", "those", "her"];
/// Pronouns that stand for a participant and count as an argument.
pub const PRONOUN_ARGS: &[&str] = &[
    "it", "they", "them", "he", "she", "him", "something", "anything", "everything", "someone", "anyone", "everyone",
    "somebody", "anybody", "everybody", "itself", "themselves", "himself", "herself",
];
/// The speaker and the addressee: present in every request, not counted.
pub const PRONOUN_SKIP: &[&str] = &["i", "me", "you", "we", "us", "myself", "yourself", "yourselves", "ourselves", "one"];
pub const SUBJECT_PRONOUNS: &[&str] = &["i", "you", "we", "they", "he", "she", "it"];
pub const OBJECT_PRONOUNS: &[&str] = &["me", "us", "them", "him", "her"];
pub const WH: &[&str] = &["what", "which", "who", "whom", "whose", "where", "when", "why", "how", "whether"];
pub const RELATIVES: &[&str] = &["that", "which", "who", "whom", "whose"];
pub const PREPOSITIONS: &[&str] = &[
    "of", "in", "on", "at", "for", "with", "about", "to", "from", "by", "into", "onto", "over", "under", "between",
    "among", "through", "during", "within", "across", "after", "before", "like", "than", "as", "per", "via",
    "against", "toward", "towards", "upon", "around", "behind", "beside", "besides", "near", "inside", "outside",
    "regarding", "concerning", "despite", "along", "beyond", "throughout", "until", "till", "since", "unlike",
    "beneath", "above", "below", "off", "out", "up", "down",
];
pub const CONJUNCTIONS: &[&str] = &["and", "or", "but", "nor", "so", "yet", "then", "also", "plus", "because", "while", "although", "though", "whereas"];
pub const MODALS: &[&str] = &[
    "can", "could", "will", "would", "shall", "should", "may", "might", "must", "please", "let", "let's", "'ll", "'d",
    "kindly",
];
pub const BE: &[&str] = &["am", "is", "are", "was", "were", "be", "been", "being", "'s", "'re", "'m"];
pub const HAVE: &[&str] = &["have", "has", "had", "having", "'ve"];
pub const DO: &[&str] = &["do", "does", "did"];
pub const NEGATIONS: &[&str] = &["not", "n't", "never"];
/// Adverbs that are neither elements nor chunk boundaries.
pub const ADVERBS: &[&str] = &[
    "very", "really", "just", "still", "even", "again", "already", "almost", "quite", "rather", "too", "here",
    "there", "now", "first", "finally", "further", "instead", "else", "actually", "perhaps", "maybe", "always",
    "usually", "often", "sometimes", "mostly", "mainly", "especially", "particularly", "currently", "together",
];
/// -ly words that are not adverbs.
pub const LY_NOUNS: &[&str] = &[
    "family", "italy", "july", "fly", "ally", "belly", "bully", "jelly", "rally", "lily", "holy", "ugly", "reply",
    "apply", "supply", "imply", "rely", "multiply", "assembly", "anomaly", "butterfly", "monopoly", "firefly",
    "only", "early", "friendly", "weekly", "daily", "monthly", "yearly", "likely", "lovely", "silly", "curly",
    "oily", "july", "sully", "homily", "emily", "kelly", "billy", "molly", "polly", "sally",
];

pub const NUMBER_WORDS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty",
    "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "dozen", "single", "couple", "pair",
];

/// Single words that restrict the output: length, style, quality, scope.
pub const CONSTRAINT_WORDS: &[&str] = &[
    "short", "shorter", "brief", "briefly", "concise", "concisely", "succinct", "succinctly", "detailed", "thorough",
    "thoroughly", "comprehensive", "formal", "formally", "informal", "casual", "polite", "politely", "friendly",
    "professional", "funny", "humorous", "witty", "creative", "original", "unique", "simple", "easy", "clear",
    "clearly", "vivid", "engaging", "catchy", "persuasive", "compelling", "inspiring", "motivational", "poetic",
    "rhyming", "lengthy", "main", "key", "major", "important", "essential", "common", "typical", "healthy",
    "unusual", "alternative", "different", "novel", "fresh", "concrete", "specific", "practical", "realistic",
    "real-world", "average", "approximate", "roughly", "exact", "exactly", "precise", "precisely", "accurate",
    "weekly", "daily", "monthly", "annual", "yearly", "best", "worst", "highest", "lowest", "largest", "smallest",
    "biggest", "longest", "shortest", "fastest", "slowest", "cheapest", "greatest", "strongest", "oldest", "newest",
    "latest", "earliest", "objective", "unbiased", "sarcastic", "optimistic", "serious", "dramatic", "mysterious",
    "romantic", "cheerful", "upbeat", "carefully", "strictly", "only", "all", "every", "each", "both", "new",
    "kid-friendly", "beginner-friendly", "step-by-step", "well-structured", "structured", "numbered", "bulleted",
    "engaging", "informative", "educational", "entertaining", "memorable", "positive", "negative", "neutral",
    "top", "nearest", "closest", "cheap", "affordable", "quick", "quickly", "efficient", "efficiently",
];
/// Constraint adverbs that do not interrupt the verb they modify ("can only exercise").
pub const TRANSPARENT_CONSTRAINTS: &[&str] = &[
    "only", "briefly", "carefully", "clearly", "concisely", "politely", "formally", "quickly", "strictly",
    "exactly", "precisely", "thoroughly", "efficiently", "succinctly", "never", "not", "n't",
];

/// Fixed multi-word constraints.
pub const FIXED_PHRASES: &[&[&str]] = &[
    &["step", "by", "step"],
    &["in", "detail"],
    &["in", "details"],
    &["in", "simple", "terms"],
    &["in", "simple", "language"],
    &["in", "plain", "language"],
    &["in", "plain", "english"],
    &["in", "layman", "'s", "terms"],
    &["in", "laymen", "'s", "terms"],
    &["in", "your", "own", "words"],
    &["in", "brief"],
    &["in", "short"],
    &["in", "summary"],
    &["in", "the", "passive", "voice"],
    &["in", "passive", "voice"],
    &["in", "the", "active", "voice"],
    &["in", "active", "voice"],
    &["in", "the", "first", "person"],
    &["in", "the", "third", "person"],
    &["in", "the", "second", "person"],
    &["in", "the", "past", "tense"],
    &["in", "the", "present", "tense"],
    &["in", "the", "future", "tense"],
    &["in", "the", "style", "of"],
    &["yes", "or", "no"],
    &["true", "or", "false"],
    &["bullet", "points"],
    &["bullet", "point"],
    &["bullet", "list"],
    &["numbered", "list"],
    &["bulleted", "list"],
    &["a", "list", "of"],
    &["a", "numbered", "list", "of"],
    &["a", "bulleted", "list", "of"],
    &["on", "a", "budget"],
    &["if", "so"],
    &["if", "not"],
    &["if", "possible"],
    &["if", "necessary"],
    &["if", "needed"],
    &["if", "applicable"],
];

/// Units that make "in two sentences", "under 150 words" a length constraint.
pub const LENGTH_UNITS: &[&str] = &[
    "sentence", "sentences", "word", "words", "paragraph", "paragraphs", "line", "lines", "character", "characters",
    "page", "pages", "point", "points", "bullet", "bullets", "tweet", "tweets", "syllables", "stanza", "stanzas",
    "verse", "verses", "item", "items", "step", "steps", "minute", "minutes", "second", "seconds", "token", "tokens",
];
pub const LIMIT_HEADS: &[&[&str]] = &[
    &["no", "more", "than"],
    &["not", "more", "than"],
    &["no", "less", "than"],
    &["no", "fewer", "than"],
    &["no", "longer", "than"],
    &["at", "least"],
    &["at", "most"],
    &["up", "to"],
    &["fewer", "than"],
    &["less", "than"],
    &["more", "than"],
    &["a", "maximum", "of"],
    &["a", "minimum", "of"],
    &["maximum", "of"],
    &["minimum", "of"],
    &["under"],
    &["within"],
    &["exactly"],
    &["in", "under"],
    &["in", "less", "than"],
    &["in", "fewer", "than"],
    &["in", "no", "more", "than"],
    &["in", "at", "most"],
    &["top"],
];
pub const ORDER_WORDS: &[&str] = &[
    "ascending", "descending", "alphabetical", "chronological", "reverse", "random", "increasing", "decreasing",
    "numerical", "logical",
];
/// Phrases that open a scope restriction running to the end of the clause.
pub const SCOPE_HEADS: &[&[&str]] = &[
    &["in", "terms", "of"],
    &["in", "order", "of"],
    &["with", "respect", "to"],
    &["in", "the", "context", "of"],
    &["from", "the", "perspective", "of"],
    &["from", "the", "point", "of", "view", "of"],
    &["according", "to"],
    &["in", "the", "form", "of"],
    &["in", "the", "format", "of"],
];
pub const LANGUAGES: &[&str] = &[
    "english", "chinese", "mandarin", "cantonese", "french", "spanish", "german", "italian", "portuguese",
    "russian", "japanese", "korean", "arabic", "hindi", "dutch", "swedish", "turkish", "vietnamese", "thai",
    "indonesian", "polish", "greek", "hebrew", "latin", "persian", "ukrainian", "bengali", "urdu", "malay",
    "swahili", "norwegian", "danish", "finnish", "czech", "romanian", "hungarian",
];
pub const TRANSLATE_VERBS: &[&str] = &[
    "translate", "translates", "translating", "convert", "converts", "converting", "change", "turn", "transform",
    "render", "rewrite", "transcribe", "localize", "localise",
];
pub const PROGRAMMING: &[&str] = &[
    "python", "java", "javascript", "typescript", "c", "c++", "c#", "rust", "golang", "ruby", "php", "swift",
    "kotlin", "sql", "bash", "shell", "powershell", "html", "css", "latex", "matlab", "scala", "perl", "haskell",
    "julia", "pandas", "numpy", "react", "r", "lua", "dart", "elixir", "go",
];
pub const CODE_NOUNS: &[&str] = &[
    "function", "functions", "script", "scripts", "program", "programs", "code", "query", "queries", "class",
    "classes", "snippet", "one-liner", "statement", "statements", "method", "module", "app", "application",
    "regex", "command", "commands", "implementation", "solution", "notebook", "component", "decorator", "lambda",
    "loop", "api", "endpoint", "test", "tests",
];
pub const PLATFORMS: &[&str] = &["windows", "macos", "mac", "linux", "ubuntu", "android", "ios", "debian", "centos"];
pub const AUDIENCE: &[&str] = &[
    "beginner", "beginners", "novice", "novices", "child", "children", "kid", "kids", "student", "students",
    "teenager", "teenagers", "teen", "teens", "adult", "adults", "expert", "experts", "developer", "developers",
    "engineer", "engineers", "programmer", "programmers", "audience", "audiences", "reader", "readers", "someone",
    "layperson", "laypeople", "layman", "non-experts", "owner", "owners", "hiker", "hikers", "tourist", "tourists",
    "traveler", "travelers", "traveller", "travellers", "manager", "managers", "executive", "executives",
    "investor", "investors", "parent", "parents", "senior", "seniors", "toddler", "toddlers", "grader", "graders",
    "newcomer", "newcomers", "people",
];
/// Output formats after `in` (`in JSON`, `in a table`).
pub const FORMATS: &[&str] = &[
    "json", "csv", "yaml", "xml", "markdown", "table", "tables", "list", "bullets", "latex", "tsv", "outline",
];
pub const TIME_WORDS: &[&str] = &["today", "tonight", "tomorrow", "yesterday", "nowadays", "recently", "currently"];
pub const TIME_RELATIVE: &[&str] = &["next", "last", "this", "coming", "past", "previous", "upcoming"];
pub const TIME_UNITS: &[&str] = &[
    "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "weekend",
    "weekends", "month", "months", "year", "years", "decade", "decades", "century", "centuries", "morning",
    "evening", "night", "summer", "winter", "spring", "autumn", "fall", "quarter", "semester",
];
/// Verbs after which "as" introduces a role, not a format ("act as a tutor").
pub const ROLE_VERBS: &[&str] = &["act", "acts", "acting", "serve", "serves", "serving", "pose", "work", "working", "behave", "such", "well", "known"];
/// Verbs after which "into" introduces categories ("group X into A, B and C").
pub const CATEGORY_VERBS: &[&str] = &[
    "group", "classify", "categorize", "categorise", "sort", "divide", "split", "separate", "organize", "organise",
    "cluster", "break",
];
/// Nouns that make "with a legend", "with comments" a format requirement.
pub const WITH_FORMAT: &[&str] = &[
    "legend", "labels", "comments", "headings", "headers", "title", "titles", "citations", "sources", "emojis",
    "emoji", "hashtags", "examples", "explanations", "references", "captions", "annotations",
];
pub const PHRASAL: &[&[&str]] = &[
    &["stand", "for"],
    &["set", "up"],
    &["fill", "in"],
    &["fill", "out"],
    &["come", "up", "with"],
    &["make", "sure"],
    &["take", "office"],
    &["find", "out"],
    &["figure", "out"],
    &["point", "out"],
    &["write", "down"],
    &["sum", "up"],
    &["carry", "out"],
    &["look", "up"],
    &["pick", "up"],
    &["break", "down"],
    &["put", "together"],
    &["take", "care", "of"],
    &["log", "in"],
    &["sign", "up"],
    &["get", "rid", "of"],
    &["keep", "track", "of"],
    &["make", "up"],
    &["give", "up"],
    &["go", "through"],
    &["deal", "with"],
];
/// Multi-word prepositions, so that "next" in "next to" is not a noun.
pub const PREP_PHRASES: &[&[&str]] = &[
    &["next", "to"],
    &["in", "front", "of"],
    &["on", "top", "of"],
    &["because", "of"],
    &["due", "to"],
    &["instead", "of"],
    &["such", "as"],
    &["as", "well", "as"],
    &["based", "on"],
    &["each", "other"],
    &["how", "many"],
    &["how", "much"],
];
/// Verbs whose following numbers are operands, not quantities ("add 3 and 5").
pub const COMPUTE_VERBS: &[&str] = &[
    "calculate", "compute", "convert", "add", "subtract", "multiply", "divide", "sum", "solve", "evaluate",
    "simplify", "round", "factor", "is", "are", "'s", "of", "times", "plus", "minus", "and", "equals", "than",
];
pub const UNITS: &[&str] = &[
    "cm", "mm", "m", "km", "kg", "g", "mg", "lb", "lbs", "oz", "ml", "l", "degrees", "degree", "percent", "%",
    "miles", "mile", "meters", "metres", "meter", "metre", "inches", "inch", "feet", "foot", "hours", "hour",
    "minutes", "minute", "seconds", "second", "days", "day", "years", "year", "dollars", "dollar", "euros",
    "yuan", "km/h", "mph", "celsius", "fahrenheit", "kelvin", "gb", "mb", "kb", "tb", "pounds", "pound",
];
