//! 正規化: text folded as Japanese readers expect a search to fold it. NFKC makes full-width
//! Latin letters and digits (ｂｏｓａｉ, ２０２３) and half-width katakana (ｶﾀｶﾅ) the same
//! characters as their usual forms; lowercase makes Latin letters match in either case.
//!
//! The index, the query and the snippet all fold through [`fold`], so a match the index finds
//! is a match the snippet can mark, and each folded character remembers which characters of
//! the original text it came from (NFKC may turn one character into several, ㍻ → 平成, or
//! several into one, ｶﾞ → ガ).

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::canonical_combining_class;

/// Text after folding, each character with the range of original characters it came from.
pub struct Folded {
    pub chars: Vec<char>,
    /// For each folded character, the original characters (by char index) it came from.
    pub origin: Vec<Range<usize>>,
}

/// Whether `c` only modifies the character before it once decomposed (a combining mark, or a
/// half-width sound mark such as ﾞ, which NFKC turns into one): it is folded together with
/// that character, so that ｶﾞ composes to ガ as it does when the whole text is normalised.
fn attaches(c: char) -> bool {
    std::iter::once(c)
        .nfkd()
        .next()
        .is_some_and(|d| canonical_combining_class(d) != 0)
}

/// Folds `text` (NFKC, then lowercase) a cluster at a time: a character with the marks that
/// attach to it.
pub fn fold(text: &str) -> Folded {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Folded {
        chars: Vec::with_capacity(chars.len()),
        origin: Vec::with_capacity(chars.len()),
    };
    let mut start = 0;
    while start < chars.len() {
        let mut end = start + 1;
        while end < chars.len() && attaches(chars[end]) {
            end += 1;
        }
        let cluster: String = chars[start..end].iter().copied().nfkc().collect();
        for c in cluster.chars().flat_map(char::to_lowercase) {
            out.chars.push(c);
            out.origin.push(start..end);
        }
        start = end;
    }
    out
}

/// `text` folded, as a string: what a query is searched as.
pub fn folded(text: &str) -> String {
    fold(text).chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_and_case_fold_to_one_form() {
        assert_eq!(folded("ｶﾀｶﾅ"), "カタカナ");
        assert_eq!(folded("ｶﾞｲﾄﾞ"), "ガイド");
        assert_eq!(folded("ＢＯＳＡＩ２０２３"), "bosai2023");
        assert_eq!(folded("NPO法人"), "npo法人");
        assert_eq!(folded("㍻"), "平成");
    }

    #[test]
    fn each_folded_character_knows_its_origin() {
        let f = fold("aｶﾞ㍻");
        assert_eq!(f.chars, ['a', 'ガ', '平', '成']);
        assert_eq!(f.origin, [0..1, 1..3, 3..4, 3..4]);
    }
}
