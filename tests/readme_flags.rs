//! README's tables of `serve`'s flags say what `kyodo-hub serve --help` says: every flag of the
//! one is in the other, with the same environment variable and the same default.

use std::collections::BTreeMap;
use std::process::Command;

/// A flag's environment variable and default (`None`: the flag has none).
#[derive(Debug, PartialEq)]
struct Flag {
    env: Option<String>,
    default: Option<String>,
}

/// The text between `open` and the next `]` after it.
fn bracketed<'a>(text: &'a str, open: &str) -> Option<&'a str> {
    let from = text.find(open)? + open.len();
    let len = text[from..].find(']')?;
    Some(&text[from..from + len])
}

/// The flags of `serve --help`, by name without dashes.
fn help_flags() -> BTreeMap<String, Flag> {
    let output = Command::new(env!("CARGO_BIN_EXE_kyodo-hub"))
        .args(["serve", "--help"])
        // Defaults as the code has them, not as this environment would override them.
        .env_clear()
        .output()
        .expect("run kyodo-hub serve --help");
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).expect("UTF-8 help");
    // Each option is a line starting with its flag, and the description lines under it.
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let trimmed = trimmed
            .strip_prefix("-h, ")
            .or_else(|| trimmed.strip_prefix("-V, "))
            .unwrap_or(trimmed);
        if line.starts_with(' ')
            && let Some(rest) = trimmed.strip_prefix("--")
        {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            entries.push((name, line.to_owned()));
        } else if let Some((_, body)) = entries.last_mut()
            && line.starts_with(' ')
        {
            body.push(' ');
            body.push_str(line.trim());
        }
    }
    entries
        .into_iter()
        .filter(|(name, _)| name != "help")
        .map(|(name, body)| {
            let flag = Flag {
                env: bracketed(&body, "[env: ").map(|e| e.trim_end_matches('=').to_owned()),
                default: bracketed(&body, "[default: ").map(str::to_owned),
            };
            (name, flag)
        })
        .collect()
}

/// The rows of README's tables that start with a flag, by name. The default is the cell's first
/// word (what follows explains it); `none` and `off` mean the flag has no default.
fn readme_flags() -> BTreeMap<String, Flag> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let mut flags = BTreeMap::new();
    for line in readme.lines() {
        let Some(row) = line.strip_prefix("| `--") else {
            continue;
        };
        let cells: Vec<&str> = row.split(" | ").map(str::trim).collect();
        let name: String = cells[0]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let env = cells
            .get(1)
            .map(|c| c.trim_matches('`').to_owned())
            .filter(|c| !c.is_empty());
        let default = cells
            .get(2)
            .and_then(|c| c.split_whitespace().next())
            .map(|d| d.trim_matches('`').to_owned())
            .filter(|d| d != "none" && d != "off");
        flags.insert(name, Flag { env, default });
    }
    flags
}

#[test]
fn readme_lists_every_serve_flag_with_its_env_and_default() {
    let help = help_flags();
    let readme = readme_flags();
    assert!(help.len() > 20, "too few flags read from --help: {help:?}");
    let mut problems = Vec::new();
    for (name, flag) in &help {
        match readme.get(name) {
            None => problems.push(format!("--{name} is missing from README's tables")),
            Some(row) if row != flag => problems.push(format!(
                "--{name}: --help says {flag:?}, README says {row:?}"
            )),
            Some(_) => {}
        }
    }
    for name in readme.keys().filter(|n| !help.contains_key(*n)) {
        problems.push(format!(
            "README lists --{name}, which `serve` does not take"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
