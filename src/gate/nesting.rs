//! The text pre-scan that bounds nesting before async-graphql's recursive parser sees a
//! document.

use async_graphql::ServerError;

use crate::gate::limit_exceeded;

/// 入れ子 (nesting): refuses `text` when its braces, brackets and parentheses, outside strings
/// and comments, nest deeper than `max`. One pass over the bytes, before the parser, whose
/// recursion follows the same nesting and has no bound of its own for list and object values.
///
/// Where the text is not valid GraphQL the scan errs towards counting more than the parser
/// would reach (an unterminated string is code again at its line's end, a closing bracket
/// that does not match the innermost opening one closes nothing), so no text the parser reads
/// as nested is seen here as shallower.
pub fn check_nesting(text: &str, max: usize) -> Result<(), ServerError> {
    let bytes = text.as_bytes();
    let mut open: Vec<u8> = Vec::new();
    // Once a block string is found unterminated, every later one is too (the scan for its end
    // would retrace the same bytes), which keeps the pass linear.
    let mut unterminated_block_from = usize::MAX;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'#' => {
                while bytes.get(i).is_some_and(|b| *b != b'\n' && *b != b'\r') {
                    i += 1;
                }
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                if i < unterminated_block_from {
                    if let Some(end) = block_string_end(bytes, i + 3) {
                        i = end;
                        continue;
                    }
                    unterminated_block_from = i;
                }
                // The parser, finding no end, reads `""` as an empty string and goes on from
                // the third quote.
                i += 2;
                continue;
            }
            b'"' => {
                i = string_end(bytes, i + 1);
                continue;
            }
            b'{' | b'[' | b'(' => {
                open.push(byte);
                if open.len() > max {
                    let (line, column) = line_and_column(text, i);
                    return Err(limit_exceeded(format!(
                        "the document nests braces, brackets and parentheses more than {max} deep \
                         (at line {line}, column {column}); at most {max} levels are allowed"
                    )));
                }
            }
            b'}' | b']' | b')' => {
                let opening = match byte {
                    b'}' => b'{',
                    b']' => b'[',
                    _ => b'(',
                };
                if open.last() == Some(&opening) {
                    open.pop();
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Where a block string whose content starts at `from` ends (just past its closing `"""`).
fn block_string_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    while from < bytes.len() {
        let rest = &bytes[from..];
        if rest.starts_with(b"\\\"\"\"") {
            from += 4;
        } else if rest.starts_with(b"\"\"\"") {
            return Some(from + 3);
        } else {
            from += 1;
        }
    }
    None
}

/// Where a string whose content starts at `from` ends: just past its closing quote, or at the
/// line terminator or escaped line terminator that leaves it unterminated.
fn string_end(bytes: &[u8], mut from: usize) -> usize {
    while let Some(&byte) = bytes.get(from) {
        match byte {
            b'"' => return from + 1,
            b'\n' | b'\r' => return from,
            b'\\' => match bytes.get(from + 1) {
                Some(b'\n' | b'\r') | None => return from + 1,
                Some(_) => from += 2,
            },
            _ => from += 1,
        }
    }
    from
}

fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::check_nesting;
    use crate::gate::MAX_NESTING;

    /// GraphiQL's introspection query (graphql-js `getIntrospectionQuery`), the deepest
    /// document a standard tool sends.
    const INTROSPECTION: &str = r#"
    query IntrospectionQuery {
      __schema {
        queryType { name } mutationType { name } subscriptionType { name }
        types { ...FullType }
        directives { name description locations args { ...InputValue } }
      }
    }
    fragment FullType on __Type {
      kind name description
      fields(includeDeprecated: true) {
        name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
      }
      inputFields { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
    fragment TypeRef on __Type {
      kind name
      ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType {
        kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
    }"#;

    fn depth_refused(text: &str) -> bool {
        check_nesting(text, MAX_NESTING).is_err()
    }

    #[test]
    fn the_introspection_query_and_every_example_pass() {
        assert!(!depth_refused(INTROSPECTION));
        assert!(check_nesting(INTROSPECTION, 12).is_ok());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/queries");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("examples/queries") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read");
            assert!(
                check_nesting(&text, MAX_NESTING / 4).is_ok(),
                "{}",
                path.display()
            );
            seen += 1;
        }
        assert!(seen >= 6);
    }

    #[test]
    fn nesting_past_the_bound_is_refused_with_its_place() {
        let list = |n: usize| {
            format!(
                "{{ fiscalYear(label: {}1{}) {{ year }} }}",
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        // The braces and parenthesis around the value count too.
        assert!(!depth_refused(&list(MAX_NESTING - 2)));
        assert!(depth_refused(&list(MAX_NESTING - 1)));
        let e = check_nesting(&list(1800), MAX_NESTING).expect_err("refused");
        assert!(e.message.contains("line 1, column"), "{}", e.message);
        assert_eq!(
            e.extensions
                .and_then(|x| x.get("code").map(ToString::to_string)),
            Some("\"LIMIT_EXCEEDED\"".to_owned())
        );
        let object = format!("{{ a(x: {}1{}) }}", "{a: ".repeat(2000), "}".repeat(2000));
        assert!(depth_refused(&object));
        let selections = format!("{}a{}", "{ b ".repeat(100), "}".repeat(100));
        assert!(depth_refused(&selections));
        let types = format!("query($v: {}Int{}) {{ a }}", "[".repeat(70), "]".repeat(70));
        assert!(depth_refused(&types));
        // Unclosed brackets count as deep as closed ones, and a wrong closing bracket closes
        // nothing.
        assert!(depth_refused(&"[".repeat(100)));
        assert!(depth_refused(&"[)".repeat(100)));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let deep = "[".repeat(500);
        for text in [
            format!("{{ a(x: \"{deep}\") }}"),
            format!("{{ a(x: \"\\\"{deep}\") }}"),
            format!("{{ a(x: \"\"\"{deep}\\\"\"\"{deep}\"\"\") }}"),
            format!("{{ a # {deep}\n b }}"),
        ] {
            assert!(!depth_refused(&text), "{text}");
        }
    }

    #[test]
    fn text_the_parser_reads_as_code_is_counted() {
        let deep = "[".repeat(500);
        for text in [
            // An unterminated block string is, to the parser, an empty string and a string.
            format!("{{ a(x: [\"\"\" \" {deep}"),
            format!("{{ a(x: [\"\"\" \\\"\"\" \" {deep}"),
            // A string ends at its line; an escaped line end leaves it unterminated.
            format!("{{ a(x: \"abc\n{deep}"),
            format!("{{ a(x: \"abc\\\n{deep}"),
            // A comment ends at a carriage return too.
            format!("{{ a # c\r{deep}"),
        ] {
            assert!(depth_refused(&text), "{text:?}");
        }
    }

    #[test]
    fn many_unterminated_block_strings_scan_in_linear_time() {
        let text = "\"\"\" \\\"\"\" ".repeat(200_000);
        let started = std::time::Instant::now();
        let _ = check_nesting(&text, MAX_NESTING);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
