//! The layout keeps its layers: a module imports only from its own layer or the layers below
//! (`cli → app → http → {graphql, gate} → {write, read, dataset, cache} → {domain, error, db,
//! config, metrics}`), and nothing below `http` names axum. The test reads `src/` as text, so it
//! needs no build of its own and names the file and line of each import that points up.

use std::path::{Path, PathBuf};

/// The layer of each top-level module; higher numbers sit above lower ones.
const LAYERS: &[(&str, u8)] = &[
    ("cli", 6),
    ("main", 6),
    ("app", 5),
    ("http", 4),
    ("graphql", 3),
    ("gate", 3),
    ("write", 2),
    ("read", 2),
    ("dataset", 2),
    ("cache", 2),
    ("domain", 1),
    ("error", 1),
    ("db", 1),
    ("config", 1),
    ("metrics", 1),
    ("lib", 7),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src/")
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

/// The top-level module a file of `src/` belongs to (`src/write/records.rs` → `write`).
fn top_module(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src/");
    let first = relative
        .components()
        .next()
        .expect("a component")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// The top-level modules a line of code names through `crate::`, including those inside a
/// `use crate::{a, b::c}` group.
fn named_modules(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of the group: split at commas outside nested braces.
            let mut depth = 0;
            let mut start = 0;
            let bytes = group.as_bytes();
            for (i, b) in bytes.iter().enumerate() {
                match b {
                    b'{' => depth += 1,
                    b'}' if depth == 0 => {
                        push_ident(&group[start..i], &mut found);
                        break;
                    }
                    b'}' => depth -= 1,
                    b',' if depth == 0 => {
                        push_ident(&group[start..i], &mut found);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            push_ident(rest, &mut found);
        }
    }
    found
}

fn push_ident(text: &str, found: &mut Vec<String>) {
    let ident: String = text
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if !ident.is_empty() && ident != "self" {
        found.push(ident);
    }
}

/// The file's code with comments dropped, its `use` groups joined onto one line each so that a
/// group spread over lines is read whole, as (first line number, text) pairs.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or("");
        if let Some((n, mut joined)) = pending.take() {
            joined.push_str(line);
            if line.contains(';') {
                lines.push((n, joined));
            } else {
                pending = Some((n, joined));
            }
            continue;
        }
        if line.trim_start().starts_with("use crate::{")
            || line.trim_start().starts_with("pub use crate::{")
        {
            if line.contains(';') {
                lines.push((i + 1, line.to_owned()));
            } else {
                pending = Some((i + 1, line.to_owned()));
            }
        } else {
            lines.push((i + 1, line.to_owned()));
        }
    }
    lines
}

/// Every import of `src/` that points to a layer above its own, as `file:line: …` messages.
fn upward_imports(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut problems = Vec::new();
    for file in files {
        let module = top_module(src, &file);
        let Some(own) = layer(&module) else {
            problems.push(format!(
                "{}: module `{module}` has no layer in tests/architecture.rs",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("read a source file");
        for (n, line) in code_lines(&text) {
            for target in named_modules(&line) {
                match layer(&target) {
                    Some(l) if l > own => problems.push(format!(
                        "{}:{n}: `{module}` (layer {own}) imports `crate::{target}` (layer {l}): {}",
                        file.display(),
                        line.trim()
                    )),
                    _ => {}
                }
            }
            // The HTTP framework stays in `http` and above.
            if own < 4 && line.contains("axum") {
                problems.push(format!(
                    "{}:{n}: `{module}` sits below `http` but names axum: {}",
                    file.display(),
                    line.trim()
                ));
            }
        }
    }
    problems
}

#[test]
fn imports_point_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = upward_imports(&src);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_finds_an_upward_import() {
    // A write module naming the GraphQL layer, in the forms Rust allows.
    let dir = tempfile::tempdir().expect("folder");
    let write = dir.path().join("write");
    std::fs::create_dir_all(&write).expect("folder");
    std::fs::write(dir.path().join("graphql.rs"), "pub struct X;\n").expect("file");
    for (name, text) in [
        ("a.rs", "use crate::graphql::X;\n"),
        (
            "b.rs",
            "use crate::{\n    error::AppError,\n    graphql::X,\n};\n",
        ),
        ("c.rs", "fn f() { let _ = crate::graphql::X; }\n"),
        ("d.rs", "use axum::Router;\n"),
    ] {
        std::fs::write(write.join(name), text).expect("file");
    }
    let problems = upward_imports(dir.path());
    for name in ["a.rs", "b.rs", "c.rs", "d.rs"] {
        assert!(
            problems.iter().any(|p| p.contains(name)),
            "{name} not found in {problems:#?}"
        );
    }
    // Comments do not count.
    std::fs::write(write.join("a.rs"), "// see crate::graphql::X\n").expect("file");
    for name in ["b.rs", "c.rs", "d.rs"] {
        std::fs::remove_file(write.join(name)).expect("remove");
    }
    assert!(upward_imports(dir.path()).is_empty());
}
