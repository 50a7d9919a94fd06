//! YAML output. Written by hand rather than through serde_norway: the layout follows the real
//! files (flow mappings for schedule cells, block scalars for paragraphs) and it is several
//! times faster at this volume.

use std::fmt::Write as _;

pub(super) struct Yaml {
    pub(super) s: String,
    /// the next line starts a list item
    dash: bool,
}

pub(super) enum Flow<'a> {
    Str(&'a str),
    Quoted(&'a str),
    Int(i64),
    Num(f64),
}

impl Yaml {
    pub(super) fn with_capacity(n: usize) -> Yaml {
        Yaml {
            s: String::with_capacity(n),
            dash: false,
        }
    }

    pub(super) fn comment(&mut self, text: &str) {
        self.s.push_str("# ");
        self.s.push_str(text);
        self.s.push('\n');
    }

    fn spaces(&mut self, n: usize) {
        for _ in 0..n {
            self.s.push(' ');
        }
    }

    pub(super) fn lead(&mut self, indent: usize) {
        if self.dash {
            self.dash = false;
            self.spaces(indent.saturating_sub(2));
            self.s.push_str("- ");
        } else {
            self.spaces(indent);
        }
    }

    /// The next field written starts a new item of the list above it.
    pub(super) fn item(&mut self) {
        self.dash = true;
    }

    pub(super) fn key(&mut self, indent: usize, key: &str) {
        self.lead(indent);
        self.s.push_str(key);
        self.s.push_str(":\n");
    }

    pub(super) fn str(&mut self, indent: usize, key: &str, value: &str) {
        self.lead(indent);
        self.s.push_str(key);
        self.s.push_str(": ");
        self.scalar(value, false);
        self.s.push('\n');
    }

    pub(super) fn opt_str(&mut self, indent: usize, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.str(indent, key, value);
        }
    }

    /// Dates and codes are quoted, as FORMAT.md asks, even where a plain scalar would do.
    pub(super) fn quoted(&mut self, indent: usize, key: &str, value: &str) {
        self.lead(indent);
        self.s.push_str(key);
        self.s.push_str(": ");
        self.quote(value);
        self.s.push('\n');
    }

    /// A number, written as Rust displays it (integers without a decimal point).
    pub(super) fn number(&mut self, indent: usize, key: &str, value: impl std::fmt::Display) {
        self.lead(indent);
        self.s.push_str(key);
        self.s.push_str(": ");
        self.push_display(value);
        self.s.push('\n');
    }

    pub(super) fn flag(&mut self, indent: usize, key: &str, value: bool) {
        self.lead(indent);
        self.s.push_str(key);
        self.s
            .push_str(if value { ": true\n" } else { ": false\n" });
    }

    /// A paragraph: a `|-` block when it has line breaks, as in the real files.
    pub(super) fn text(&mut self, indent: usize, key: &str, value: &str) {
        let blockable = value.contains('\n')
            && value
                .lines()
                .all(|l| !l.starts_with([' ', '\t']) && !l.ends_with([' ', '\t']))
            && !value.chars().any(|c| c.is_control() && c != '\n');
        if !blockable {
            self.str(indent, key, value);
            return;
        }
        self.lead(indent);
        self.s.push_str(key);
        self.s.push_str(": |-\n");
        for line in value.lines() {
            if !line.is_empty() {
                self.spaces(indent + 2);
                self.s.push_str(line);
            }
            self.s.push('\n');
        }
    }

    pub(super) fn strs<S: AsRef<str>>(&mut self, indent: usize, key: &str, values: &[S]) {
        if values.is_empty() {
            return;
        }
        self.key(indent, key);
        for v in values {
            self.spaces(indent + 2);
            self.s.push_str("- ");
            self.scalar(v.as_ref(), false);
            self.s.push('\n');
        }
    }

    fn flow(&mut self, pairs: &[(&str, Flow<'_>)]) {
        self.s.push_str("{ ");
        for (i, (key, value)) in pairs.iter().enumerate() {
            if i > 0 {
                self.s.push_str(", ");
            }
            self.s.push_str(key);
            self.s.push_str(": ");
            match value {
                Flow::Str(v) => self.scalar(v, true),
                Flow::Quoted(v) => self.quote(v),
                Flow::Int(v) => self.push_display(v),
                Flow::Num(v) => self.push_display(v),
            }
        }
        self.s.push_str(" }");
    }

    /// `key: { … }`
    pub(super) fn flow_field(&mut self, indent: usize, key: &str, pairs: &[(&str, Flow<'_>)]) {
        self.lead(indent);
        self.s.push_str(key);
        self.s.push_str(": ");
        self.flow(pairs);
        self.s.push('\n');
    }

    /// `- { … }` as an item of the list whose key is at `indent - 2`.
    pub(super) fn flow_entry(&mut self, indent: usize, pairs: &[(&str, Flow<'_>)]) {
        self.spaces(indent);
        self.s.push_str("- ");
        self.flow(pairs);
        self.s.push('\n');
    }

    fn push_display(&mut self, value: impl std::fmt::Display) {
        write!(self.s, "{value}").expect("writing to a String cannot fail");
    }

    fn scalar(&mut self, value: &str, flow: bool) {
        if plain_is_safe(value, flow) {
            self.s.push_str(value);
        } else {
            self.quote(value);
        }
    }

    /// A JSON string is a valid YAML double-quoted scalar.
    fn quote(&mut self, value: &str) {
        self.s.push('"');
        for c in value.chars() {
            match c {
                '"' => self.s.push_str("\\\""),
                '\\' => self.s.push_str("\\\\"),
                '\n' => self.s.push_str("\\n"),
                '\t' => self.s.push_str("\\t"),
                c if c.is_control() => {
                    write!(self.s, "\\u{:04x}", u32::from(c))
                        .expect("writing to a String cannot fail");
                }
                c => self.s.push(c),
            }
        }
        self.s.push('"');
    }
}

/// Whether a string can be written as a plain scalar and read back as the same string.
/// Conservative: anything doubtful is quoted.
pub(super) fn plain_is_safe(v: &str, flow: bool) -> bool {
    let Some(first) = v.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`~ \t".contains(first) || first.is_ascii_digit() || first == '+' {
        return false;
    }
    if v.ends_with([' ', '\t', ':'])
        || v.contains(": ")
        || v.contains(" #")
        || v.chars().any(char::is_control)
    {
        return false;
    }
    if flow && v.contains([',', '[', ']', '{', '}', ':', '#']) {
        return false;
    }
    !matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | ".nan" | ".inf"
    )
}
