//! Quotations in the dataset are the documents' words byte for byte. YAML folds a line break in
//! a plain or `>` scalar into an ASCII space, which Japanese text never has between two of its
//! characters; a quotation wrapped across lines in a data file gains such a space. This check
//! reads every file under `data/` as the importer does and fails on one.

use std::path::{Path, PathBuf};

/// Quotations whose space between Japanese characters is in the document itself (the source's
/// layout, kept in the extracted text), each with the line of the source text it is copied
/// from (`../shared/seeds/` beside the repository).
const IN_THE_DOCUMENT: &[(&str, &str)] = &[
    ("H25～H27: 協力団体20団体 来場者数約 2,000名", "000 line 63"),
    ("H23～27年度 受講者：課長級～主任級 計411名", "000 line 103"),
    (
        "分権型社会における自治体経営の刷新戦略（分権型社会に対応した地方行政組織運営の刷新に関する研究会 平成17年3月）",
        "001 line 145",
    ),
    (
        "ひと、まち、歴史と自然が輝く 交流と創造のまち 山口",
        "001 line 157",
    ),
    ("個性豊かで 活力のある 自立した 地域社会", "001 line 242"),
    (
        "協働推進員 各課・各室の概ね10年以上の中堅職員1名ずつ(140名)",
        "002 line 39",
    ),
    (
        "協働調整員 原則として主管課を所掌する部の部長級の職員1名ずつ(21名)",
        "002 line 38",
    ),
    ("相手に伝わる チラシの作り方", "002 line 104"),
    (
        "市民 公益活動",
        "004 line 20: the note quotes the stray space",
    ),
    ("市の 調査", "004 line 20: the note quotes the stray space"),
    (
        "の 実施方法",
        "004 line 49: the note quotes the stray space",
    ),
];

/// Hiragana, katakana, kanji, CJK punctuation and full-width forms.
fn japanese(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}')
}

/// The quotations in `text`: inside 「」, 『』, “” and pairs of ASCII double quotes.
fn quotations(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (open, close) in [('「', '」'), ('『', '』'), ('“', '”')] {
        let mut rest = text;
        while let Some(start) = rest.find(open) {
            let after = &rest[start + open.len_utf8()..];
            let Some(end) = after.find(close) else { break };
            out.push(&after[..end]);
            rest = &after[end + close.len_utf8()..];
        }
    }
    out.extend(text.split('"').skip(1).step_by(2));
    out
}

/// Whether an ASCII space (or a run of them) stands between two Japanese characters.
fn spaced(quote: &str) -> bool {
    let chars: Vec<char> = quote.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        c == ' '
            && i > 0
            && japanese(chars[i - 1])
            && chars[i..]
                .iter()
                .find(|&&n| n != ' ')
                .is_some_and(|&n| japanese(n))
    })
}

fn strings(value: &serde_norway::Value, out: &mut Vec<String>) {
    use serde_norway::Value as V;
    match value {
        V::String(s) => out.push(s.clone()),
        V::Sequence(items) => items.iter().for_each(|v| strings(v, out)),
        V::Mapping(map) => map.iter().for_each(|(k, v)| {
            strings(k, out);
            strings(v, out);
        }),
        V::Tagged(t) => strings(&t.value, out),
        _ => {}
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("list data") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Offending quotations in one file's text: the values as parsed for YAML, the raw text for
/// anything else.
fn offending(path: &Path, text: &str) -> Vec<String> {
    let values = if path.extension().is_some_and(|e| e == "yaml") {
        let doc: serde_norway::Value = serde_norway::from_str(text).expect("data file parses");
        let mut out = Vec::new();
        strings(&doc, &mut out);
        out
    } else {
        vec![text.to_owned()]
    };
    values
        .iter()
        .flat_map(|v| quotations(v))
        .filter(|q| spaced(q) && !IN_THE_DOCUMENT.iter().any(|(d, _)| d == q))
        .map(|q| format!("{}: {q:?}", path.display()))
        .collect()
}

#[test]
fn no_quotation_in_the_data_gains_a_space_from_line_folding() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut paths = Vec::new();
    files(&data, &mut paths);
    paths.sort();
    assert!(paths.len() >= 5, "{paths:?}");
    let mut bad = Vec::new();
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        bad.extend(offending(path, &text));
    }
    assert!(
        bad.is_empty(),
        "quotations with an ASCII space between Japanese characters (a folded line?):\n{}",
        bad.join("\n")
    );
}

#[test]
fn a_quotation_folded_across_lines_is_caught() {
    let folded = "note: >-\n  取組み: \"研修を\n  実施し、88人\" と「研修を\n  実施」\n";
    let found = offending(Path::new("x.yaml"), folded);
    assert_eq!(found.len(), 2, "{found:?}");
    let joined =
        "note: >-\n  取組み: \"研修を実施し、88人\" and \"a b\" 「相手に伝わる チラシの作り方」\n";
    assert!(offending(Path::new("x.yaml"), joined).is_empty());
}
