//! Friendlier HCL syntax errors. The parser says where it gave up; the mistake is often earlier
//! (a string or block left open). A light scan of the text (strings, comments, heredocs and
//! brackets; no grammar) finds the likely place and says how to fix it.

/// Where to point and what to say about a syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Explained {
    /// Byte range to underline.
    pub start: usize,
    /// End of that range.
    pub end: usize,
    /// The headline (after "HCL syntax error: ").
    pub message: String,
    /// The text under the caret.
    pub label: String,
    /// How to fix it.
    pub hint: String,
}

/// An opening bracket that was not closed (yet), with the indentation of its line.
#[derive(Debug, Clone, Copy)]
struct Open {
    character: u8,
    at: usize,
    indent: usize,
    /// Keys (`=` and `:`) written directly inside it.
    keys: usize,
}

/// What the scan found.
#[derive(Debug, Default)]
struct Scan {
    /// Openings of quoted strings that reach the end of their line.
    unclosed_strings: Vec<usize>,
    /// Brackets still open at the end of the text (innermost last).
    unclosed: Vec<Open>,
    /// The first block whose `}` sits at another indentation than the block's first line: when
    /// a `}` is missing, the braces pair up wrongly from there on.
    misindented: Option<Open>,
    /// Brackets open at the error offset (innermost last).
    open_at_error: Vec<Open>,
    /// The most keys written directly in one block, object or file, and where it opens.
    most_keys: (usize, usize),
}

/// The indentation of the line starting at `start`.
fn indent_at(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .take_while(|byte| **byte == b' ' || **byte == b'\t')
        .count()
}

fn line_start(bytes: &[u8], at: usize) -> usize {
    bytes[..at.min(bytes.len())]
        .iter()
        .rposition(|byte| *byte == b'\n')
        .map_or(0, |index| index + 1)
}

fn scan(text: &str, error_offset: usize) -> Scan {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Mode {
        Code,
        String,
    }
    let bytes = text.as_bytes();
    let mut result = Scan::default();
    // Brackets and `${` template openings; a template opening is recorded as `$`.
    let mut stack: Vec<Open> = Vec::new();
    let mut top_level_keys = 0;
    let mut modes: Vec<(Mode, usize)> = vec![(Mode::Code, 0)];
    // The current line's indentation, kept as the scan goes: looking back from each bracket
    // would make a long line quadratic.
    let mut indent = indent_at(bytes, 0);
    let mut line_start = 0;
    let mut index = 0;
    while index < bytes.len() {
        if index > 0 && bytes[index - 1] == b'\n' {
            line_start = index;
            indent = indent_at(bytes, index);
        }
        if index == error_offset {
            result.open_at_error = stack
                .iter()
                .copied()
                .filter(|open| open.character != b'$')
                .collect();
        }
        let byte = bytes[index];
        let next = bytes.get(index + 1).copied();
        let (mode, mode_start) = modes.last().copied().unwrap_or((Mode::Code, 0));
        match mode {
            Mode::String => match byte {
                b'\\' => index += 1,
                b'"' => {
                    modes.pop();
                }
                b'$' | b'%' if next == Some(b'{') => {
                    stack.push(Open {
                        character: b'$',
                        at: index,
                        indent: 0,
                        keys: 0,
                    });
                    modes.push((Mode::Code, index));
                    index += 1;
                }
                b'\n' => {
                    // Quoted strings end on their line: this one was left open. Carry on as if
                    // it had been closed, to find more.
                    result.unclosed_strings.push(mode_start);
                    modes.pop();
                }
                _ => {}
            },
            Mode::Code => match byte {
                b'"' => modes.push((Mode::String, index)),
                b'#' => {
                    index = skip_line(bytes, index);
                    continue;
                }
                b'/' if next == Some(b'/') => {
                    index = skip_line(bytes, index);
                    continue;
                }
                b'/' if next == Some(b'*') => {
                    let end = text[index + 2..]
                        .find("*/")
                        .map_or(bytes.len(), |end| index + 2 + end + 2);
                    // The comment may hold line breaks: the line goes on from its last one.
                    if let Some(newline) = text[index..end].rfind('\n') {
                        line_start = index + newline + 1;
                        indent = indent_at(bytes, line_start);
                    }
                    index = end;
                    continue;
                }
                b'<' if next == Some(b'<') => {
                    if let Some(end) = skip_heredoc(text, index) {
                        index = end;
                        continue;
                    }
                }
                b'{' | b'[' | b'(' => stack.push(Open {
                    character: byte,
                    at: index,
                    indent,
                    keys: 0,
                }),
                b'=' | b':' => {
                    let previous = index.checked_sub(1).map(|before| bytes[before]);
                    let comparison = matches!(next, Some(b'=' | b'>'))
                        || matches!(previous, Some(b'=' | b'!' | b'<' | b'>'));
                    if !comparison {
                        match stack.last_mut() {
                            Some(open) => open.keys += 1,
                            None => top_level_keys += 1,
                        }
                    }
                }
                b'}' | b']' | b')' => {
                    if byte == b'}' && stack.last().is_some_and(|open| open.character == b'$') {
                        stack.pop();
                        modes.pop();
                    } else if let Some(open) = stack.pop()
                        && note_keys(&mut result, open)
                        && byte == b'}'
                        && open.character == b'{'
                        && result.misindented.is_none()
                        // First on its line: only the indentation precedes it.
                        && index == line_start + indent
                        && indent != open.indent
                    {
                        result.misindented = Some(open);
                    }
                }
                _ => {}
            },
        }
        index += 1;
    }
    if error_offset >= bytes.len() {
        result.open_at_error = stack
            .iter()
            .copied()
            .filter(|open| open.character != b'$')
            .collect();
    }
    if let Some((Mode::String, start)) = modes.last().copied() {
        result.unclosed_strings.push(start);
    }
    note_keys(
        &mut result,
        Open {
            character: b'{',
            at: 0,
            indent: 0,
            keys: top_level_keys,
        },
    );
    for open in &stack {
        note_keys(&mut result, *open);
    }
    result.unclosed = stack
        .into_iter()
        .filter(|open| open.character != b'$')
        .collect();
    result
}

/// Keeps the most crowded opening; always true (it runs inside a condition chain).
fn note_keys(result: &mut Scan, open: Open) -> bool {
    if open.keys > result.most_keys.0 {
        result.most_keys = (open.keys, open.at);
    }
    true
}

/// The most keys written directly in one block, object or the file itself, and the offset where
/// it opens. The HCL parser checks keys for duplicates one by one, so a block of tens of
/// thousands of keys takes minutes: such a file is refused before parsing.
pub(crate) fn most_keys_in_one_block(text: &str) -> (usize, usize) {
    scan(text, usize::MAX).most_keys
}

fn skip_line(bytes: &[u8], index: usize) -> usize {
    bytes[index..]
        .iter()
        .position(|byte| *byte == b'\n')
        .map_or(bytes.len(), |offset| index + offset)
}

/// The end of a heredoc starting at `index` (`<<EOT` or `<<-EOT`), or `None` if this is not one.
fn skip_heredoc(text: &str, index: usize) -> Option<usize> {
    let rest = text[index + 2..]
        .strip_prefix('-')
        .unwrap_or(&text[index + 2..]);
    let marker: String = rest
        .chars()
        .take_while(|character| character.is_ascii_alphanumeric() || *character == '_')
        .collect();
    if marker.is_empty() {
        return None;
    }
    let body_start = index + text[index..].find('\n')? + 1;
    let mut offset = body_start;
    for line in text[body_start..].split_inclusive('\n') {
        offset += line.len();
        if line.trim() == marker {
            return Some(offset);
        }
    }
    Some(text.len())
}

/// The line holding `at`, without its indentation and line end, as a byte range.
fn trimmed_line(text: &str, at: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let start = line_start(bytes, at);
    let end = text[start..]
        .find('\n')
        .map_or(text.len(), |end| start + end);
    let line = &text[start..end];
    let leading = line.len() - line.trim_start().len();
    let trailing = line.len() - line.trim_end().len();
    (start + leading, end - trailing)
}

/// Explains the parser's error `message` at `offset` in `text`.
pub(crate) fn explain(text: &str, offset: usize, message: &str) -> Explained {
    // The parser's offset may fall inside a multi-byte character (a stray byte-order mark, say):
    // every slice below starts at a character boundary.
    let offset = sakk_core::floor_char_boundary(text, offset);
    let found = scan(text, offset);
    let at_end = offset >= text.trim_end().len();
    if let Some(start) = found
        .unclosed_strings
        .iter()
        .copied()
        .find(|start| *start <= offset)
    {
        return Explained {
            start,
            end: start + 1,
            message: "this string is not closed".to_owned(),
            label: "the string starts here and runs to the end of the line".to_owned(),
            hint: "add the closing `\"` (a string ends on its line; for text over several lines \
                   use a heredoc, `<<EOT` ... `EOT`)"
                .to_owned(),
        };
    }
    if at_end && let Some(open) = found.misindented.or(found.unclosed.last().copied()) {
        let (start, end) = trimmed_line(text, open.at);
        let (what, closer) = match open.character {
            b'{' => ("block", '}'),
            b'[' => ("list", ']'),
            _ => ("parenthesis", ')'),
        };
        return Explained {
            start,
            end,
            message: format!("this {what} is not closed"),
            label: format!(
                "no `{closer}` for the `{}` on this line",
                open.character as char
            ),
            hint: format!(
                "the file ends inside it: add its closing `{closer}` where the {what} ends"
            ),
        };
    }
    let (start, end) = (offset, offset + 1);
    let base = |hint: String| Explained {
        start,
        end,
        message: message.to_owned(),
        label: "here".to_owned(),
        hint,
    };
    let rest = &text[offset..];
    if message.contains("nesting depth") {
        return base(
            "blocks, lists and objects nest at most 64 levels deep; a cluster file needs four or \
             five: is a `}` or `]` missing?"
                .to_owned(),
        );
    }
    if message.contains("redefined attribute") {
        let key: String = rest
            .chars()
            .take_while(|character| {
                character.is_alphanumeric() || *character == '_' || *character == '-'
            })
            .collect();
        return Explained {
            start,
            end: start + key.len().max(1),
            message: format!("`{key}` is set more than once in this block"),
            label: "set again here".to_owned(),
            hint: "keep one of them".to_owned(),
        };
    }
    if rest.starts_with(':') {
        return Explained {
            start,
            end,
            message: "expected `=`, found `:`".to_owned(),
            label: "here".to_owned(),
            hint: "HCL assigns with `=`, not `:` (this is not YAML or JSON)".to_owned(),
        };
    }
    let inside_list = found
        .open_at_error
        .last()
        .is_some_and(|open| open.character == b'[');
    let starts_value = rest.chars().next().is_some_and(|character| {
        character == '"' || character == '{' || character == '[' || character.is_alphanumeric()
    });
    if inside_list && starts_value {
        return base("separate the elements of a list with commas: `[\"a\", \"b\"]`".to_owned());
    }
    base(
        "cluster files use HCL syntax: `key = \"value\"`, `block \"label\" { ... }`, lists `[a, b]`"
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_error(text: &str) -> Explained {
        match hcl_edit::parser::parse_body(text) {
            Ok(_) => panic!("expected a syntax error in {text:?}"),
            Err(error) => explain(text, error.location().offset(), error.message()),
        }
    }

    #[test]
    fn points_at_the_string_left_open() {
        let text = "a {\n  b = \"x\n  c = [\"y\"]\n}\n";
        let explained = parse_error(text);
        assert_eq!(explained.start, text.find("\"x").unwrap_or_default());
        assert_eq!(explained.message, "this string is not closed");
    }

    #[test]
    fn points_at_the_block_left_open() {
        let text = "a \"x\" {\n  b = 1\n  c {\n    d = \"}\" # }\n  }\n";
        let explained = parse_error(text);
        assert_eq!(&text[explained.start..explained.end], "a \"x\" {");
        assert_eq!(explained.message, "this block is not closed");
        // A `}` missing in the middle: the indentation shows which block lost it.
        let text = "a {\n  b {\n    c = 1\n\n  d {\n    e = 2\n  }\n}\n";
        let explained = parse_error(text);
        assert_eq!(&text[explained.start..explained.end], "b {");
    }

    /// Found by fuzzing: the parser reported an offset inside a byte-order mark in the middle of
    /// the file, and slicing the text there panicked.
    #[test]
    fn any_offset_is_explained_without_panicking() {
        let text = "a \"é\" {\n  b = \"\u{feff}x\n  c = [\"🦀\" \"y\"]\n  d\u{feff} = 1\n";
        for offset in 0..=text.len() + 2 {
            let explained = explain(text, offset, "expected `]`");
            assert!(
                text.is_char_boundary(explained.start.min(text.len())),
                "{offset}"
            );
            assert!(!explained.hint.is_empty());
        }
        if let Err(error) = hcl_edit::parser::parse_body("a = \"x\"\u{feff}\n") {
            let explained = explain(
                "a = \"x\"\u{feff}\n",
                error.location().offset(),
                error.message(),
            );
            assert!(!explained.message.is_empty());
        }
    }

    #[test]
    fn counts_the_keys_of_the_most_crowded_block() {
        let text = "a = 1\nb {\n  c = 1\n  d = { e = 1, f: 2, g = \"h = i\" }\n  j = k == l\n}\n";
        let (keys, at) = most_keys_in_one_block(text);
        assert_eq!(keys, 3);
        assert_eq!(&text[at..at + 3], "{ e");
    }

    #[test]
    fn heredocs_and_comments_do_not_confuse_the_scan() {
        let text = "a {\n  b = <<EOT\n  \"{ [\nEOT\n  /* { */\n  c = [1 2]\n}\n";
        let explained = parse_error(text);
        assert!(explained.hint.contains("commas"), "{explained:?}");
        let text = "a {\n  b = \"${x}\"\n  b = 2\n}\n";
        let explained = parse_error(text);
        assert_eq!(explained.message, "`b` is set more than once in this block");
    }
}
