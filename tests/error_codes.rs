//! Every `extensions.code` the API answers is spelt in one place, `src/error.rs`: elsewhere a
//! refusal is an `AppError` variant, whose code, status and headers come with it. A code
//! written out anywhere else is one that can drift from the variant that owns it.

use std::path::{Path, PathBuf};

use kyodo_hub::error::ErrorCode;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read a folder of src/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `file:line: …` for each line of `src/` outside `src/error.rs` that writes a code as a
/// string literal.
fn stray_codes(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let owner = src.join("error.rs");
    let mut found = Vec::new();
    for file in files.iter().filter(|f| **f != owner) {
        let text = std::fs::read_to_string(file).expect("read a source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for c in ErrorCode::ALL {
                if code.contains(&format!("\"{}\"", c.as_str())) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn error_codes_are_written_only_in_the_error_module() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = stray_codes(&src);
    assert!(
        found.is_empty(),
        "use an AppError variant (src/error.rs) instead of writing its code:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_finds_a_written_code() {
    let dir = tempfile::tempdir().expect("folder");
    std::fs::create_dir_all(dir.path().join("http")).expect("folder");
    std::fs::write(
        dir.path().join("error.rs"),
        "const A: &str = \"NOT_FOUND\";\n",
    )
    .expect("file");
    std::fs::write(
        dir.path().join("http/mod.rs"),
        "// \"CONFLICT\" in a comment is fine\nfn f() -> &'static str { \"LIMIT_EXCEEDED\" }\n",
    )
    .expect("file");
    let found = stray_codes(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("mod.rs:2"), "{found:?}");
}

#[test]
fn codes_are_distinct_and_spelt_as_the_contract_spells_them() {
    let mut seen = std::collections::BTreeSet::new();
    for c in ErrorCode::ALL {
        let text = c.as_str();
        assert!(
            text.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
            "{text}"
        );
        assert!(seen.insert(text), "{text} twice");
    }
}
