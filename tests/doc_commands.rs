//! Every command README.md, docs/ and the examples' READMEs show in a shell block runs in CI as
//! written: each is a line of a script under `.ci/` (after whitespace is normalised), or is in
//! `.ci/doc-commands`' `not_run` list with the reason it cannot run there. A command added to a
//! doc without either fails here, so the docs cannot drift from what CI has run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Info strings of the fenced blocks whose lines are commands.
const SHELL: [&str; 4] = ["sh", "bash", "shell", "console"];

/// First words that make a line of an untagged block look like a command: such a block must be
/// tagged `sh`, or its commands would escape the check.
const COMMAND_WORDS: [&str; 16] = [
    "cargo",
    "kyodo-hub",
    "curl",
    "npm",
    "node",
    "sqlite3",
    "psql",
    "pg_dump",
    "pg_restore",
    "createdb",
    "createuser",
    "examples/load/run.sh",
    "pgbench",
    "rover",
    "router",
    "cd",
];

/// A fenced code block of a Markdown file: its info string, first line number and lines (with
/// the fence's own indentation taken off).
struct Block {
    info: String,
    line: usize,
    lines: Vec<String>,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, Block)> = None; // (fence, indent, block)
    for (i, line) in markdown.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        let fence: String = trimmed
            .chars()
            .take_while(|c| *c == '`' || *c == '~')
            .collect();
        match &mut open {
            None if fence.len() >= 3 => {
                let info = trimmed[fence.len()..].trim().to_owned();
                open = Some((
                    fence,
                    indent,
                    Block {
                        info,
                        line: i + 1,
                        lines: Vec::new(),
                    },
                ));
            }
            None => {}
            Some((open_fence, _, _))
                if fence.len() >= open_fence.len()
                    && fence.starts_with(&open_fence[..1])
                    && trimmed[fence.len()..].trim().is_empty() =>
            {
                if let Some((_, _, block)) = open.take() {
                    out.push(block);
                }
            }
            Some((_, indent, block)) => {
                let cut = line.len() - line.trim_start().len();
                block.lines.push(line[cut.min(*indent)..].to_owned());
            }
        }
    }
    out
}

/// `line` without a trailing `# comment` (a `#` after whitespace, outside quotes).
fn strip_comment(line: &str) -> &str {
    let (mut single, mut double, mut prev_space) = (false, false, true);
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev_space => return &line[..i],
            _ => {}
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// Runs of spaces and tabs as one space, no space at either end.
fn normalise(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The word a here-document ends at, if `line` opens one (`<<'YAML'`, `<<EOF`, `<<-EOF`).
fn heredoc_end(line: &str) -> Option<String> {
    let at = line.find("<<")?;
    let rest = &line[at + 2..];
    if rest.starts_with('<') {
        return None; // a here-string
    }
    let word: String = rest
        .trim_start_matches('-')
        .trim_start()
        .trim_matches(|c| c == '\'' || c == '"')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// The commands of shell source: `\` continuations joined, a here-document kept with the line
/// that opens it (one line each, joined by newlines), comments and blank lines left out,
/// whitespace normalised.
fn commands(source: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = source.iter();
    while let Some(first) = lines.next() {
        let mut logical = first.trim_end().to_owned();
        while logical.ends_with('\\') {
            logical.pop();
            match lines.next() {
                Some(next) => {
                    logical.push(' ');
                    logical.push_str(next.trim_end());
                }
                None => break,
            }
        }
        let mut command = normalise(strip_comment(&logical));
        if command.is_empty() {
            continue;
        }
        if let Some(end) = heredoc_end(&command) {
            for body in lines.by_ref() {
                command.push('\n');
                command.push_str(&normalise(body));
                if body.trim() == end {
                    break;
                }
            }
        }
        out.push(command);
    }
    out
}

/// A command with where it is shown.
struct Shown {
    command: String,
    at: String,
}

/// The commands of a Markdown text's shell blocks, and the lines of its other blocks that look
/// like commands (which should be in a shell block).
fn shown_commands(markdown: &str, name: &str) -> (Vec<Shown>, Vec<String>) {
    let mut shown = Vec::new();
    let mut untagged = Vec::new();
    for block in blocks(markdown) {
        let lang = block.info.split_whitespace().next().unwrap_or("");
        if SHELL.contains(&lang) {
            for command in commands(&block.lines) {
                shown.push(Shown {
                    command,
                    at: format!("{name}:{}", block.line),
                });
            }
        } else if lang.is_empty() || lang == "text" {
            for line in &block.lines {
                // The first word after any `NAME=value` settings.
                let first = line.split_whitespace().find(|w| !w.contains('='));
                if first.is_some_and(|w| COMMAND_WORDS.contains(&w)) {
                    untagged.push(format!(
                        "{name}:{}: `{}` is a command in a block not tagged sh",
                        block.line,
                        line.trim()
                    ));
                }
            }
        }
    }
    (shown, untagged)
}

/// Shell words of `line` (single and double quotes, no expansion): enough for `not_run` lines.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|c| *c != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// What CI's scripts run, and what they list as not run with the reason.
struct Ci {
    run: BTreeSet<String>,
    not_run: Vec<(String, String)>,
}

fn ci(scripts: &[(String, String)]) -> Ci {
    let mut ci = Ci {
        run: BTreeSet::new(),
        not_run: Vec::new(),
    };
    for (_, text) in scripts {
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        for command in commands(&lines) {
            if command.starts_with("not_run ") {
                let words = shell_words(&command);
                if let [_, listed, reason] = words.as_slice() {
                    ci.not_run.push((normalise(listed), reason.clone()));
                }
                continue;
            }
            ci.run.insert(command);
        }
    }
    ci
}

/// What is wrong: shown commands CI neither runs nor lists, commands in untagged blocks,
/// `not_run` entries without a reason or for a command no doc shows.
fn problems(docs: &[(String, String)], scripts: &[(String, String)]) -> Vec<String> {
    let ci = ci(scripts);
    let mut problems = Vec::new();
    let mut shown_set = BTreeSet::new();
    for (name, text) in docs {
        let (shown, untagged) = shown_commands(text, name);
        problems.extend(untagged);
        for Shown { command, at } in shown {
            let listed = ci.not_run.iter().any(|(c, _)| *c == command);
            if !ci.run.contains(&command) && !listed {
                problems.push(format!(
                    "{at}: `{command}` is run by no script under .ci/ and is not in \
                     .ci/doc-commands' not_run list"
                ));
            }
            shown_set.insert(command);
        }
    }
    for (command, reason) in &ci.not_run {
        if reason.split_whitespace().count() < 4 {
            problems.push(format!("not_run `{command}` needs its reason"));
        }
        if !shown_set.contains(command) {
            problems.push(format!("not_run `{command}` is shown in no doc any more"));
        }
    }
    problems
}

/// README.md, docs/*.md and every README.md under examples/ (not under node_modules).
fn doc_files() -> Vec<PathBuf> {
    fn readmes(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "node_modules") {
                    readmes(&path, out);
                }
            } else if path.file_name().is_some_and(|n| n == "README.md") {
                out.push(path);
            }
        }
    }
    let root = Path::new(ROOT);
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    readmes(&root.join("examples"), &mut docs);
    docs.sort();
    files.extend(docs);
    files
}

fn read_all(paths: impl IntoIterator<Item = PathBuf>) -> Vec<(String, String)> {
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"));
            let name = p
                .strip_prefix(ROOT)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            (name, text)
        })
        .collect()
}

fn ci_scripts() -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join(".ci"))
        .expect(".ci/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    read_all(paths)
}

#[test]
fn every_command_the_docs_show_is_run_by_ci_or_listed_with_the_reason_it_cannot_be() {
    // Arrange
    let docs = read_all(doc_files());
    let scripts = ci_scripts();
    assert!(
        scripts.iter().any(|(n, _)| n.ends_with("doc-commands")),
        "no .ci/doc-commands"
    );
    let shown: usize = docs
        .iter()
        .map(|(name, text)| shown_commands(text, name).0.len())
        .sum();
    assert!(shown > 50, "too few commands read from the docs: {shown}");

    // Act
    let problems = problems(&docs, &scripts);

    // Assert
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_command_added_to_a_doc_fails_the_check_until_ci_runs_it() {
    // Arrange: a doc with a continued line, a here-document, comments and output lines, and a
    // script that runs all of it but one command.
    let doc = "Text.\n\n```sh\nkyodo-hub serve   # serves\n# output, not a command\n\
               curl -s http://127.0.0.1:8080/graphql \\\n  -d '{\"query\":\"{ a }\"}'\n\
               cat > f.yaml <<'YAML'\na:  1\nYAML\nkyodo-hub token list\n```\n\n\
               - item:\n\n  ```sh\n  new-command --flag\n  ```\n";
    let script = "#!/usr/bin/env bash\nkyodo-hub   serve\ncurl -s http://127.0.0.1:8080/graphql \
                  -d '{\"query\":\"{ a }\"}'\n(\ncat > f.yaml <<'YAML'\na: 1\nYAML\n)\n\
                  not_run 'kyodo-hub token list' \"it needs a token database here\"\n";
    let docs = vec![("doc.md".to_owned(), doc.to_owned())];
    let scripts = vec![(".ci/doc-commands".to_owned(), script.to_owned())];

    // Act
    let (shown, _) = shown_commands(doc, "doc.md");
    let problems = problems(&docs, &scripts);

    // Assert
    let shown: Vec<&str> = shown.iter().map(|s| s.command.as_str()).collect();
    assert_eq!(
        shown,
        [
            "kyodo-hub serve",
            "curl -s http://127.0.0.1:8080/graphql -d '{\"query\":\"{ a }\"}'",
            "cat > f.yaml <<'YAML'\na: 1\nYAML",
            "kyodo-hub token list",
            "new-command --flag",
        ]
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("`new-command --flag`"), "{problems:?}");
}

#[test]
fn a_not_run_entry_needs_a_reason_and_a_doc_that_shows_its_command() {
    // Arrange
    let doc = "```sh\nrover supergraph compose\n```\n";
    let script = "not_run 'rover supergraph compose' 'no'\nnot_run 'gone --now' \
                  'it was shown once, in an older doc'\n";
    let docs = vec![("doc.md".to_owned(), doc.to_owned())];
    let scripts = vec![(".ci/doc-commands".to_owned(), script.to_owned())];

    // Act
    let problems = problems(&docs, &scripts);

    // Assert
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("needs its reason"), "{problems:?}");
    assert!(problems[1].contains("shown in no doc"), "{problems:?}");
}

#[test]
fn a_command_in_an_untagged_block_fails_the_check() {
    // Arrange
    let doc = "```\nTEST=1 cargo test --workspace\n```\n\n```\nerror: hofu.yaml: bad\n```\n";

    // Act
    let (shown, untagged) = shown_commands(doc, "doc.md");

    // Assert
    assert!(shown.is_empty());
    assert_eq!(untagged.len(), 1, "{untagged:?}");
}
