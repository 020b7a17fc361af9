//! A small YAML writer for JSON values: block style, two-space indentation, keys in insertion
//! order, and strings quoted whenever a YAML 1.1 or 1.2 reader could take them for anything
//! but a string (`yes`, `1.10`, `0o17`, `~`, `2026-03-21`...). Multi-line strings are written
//! as literal blocks so embedded configuration files stay readable in a pull request.
//!
//! Why not a YAML library: the tree only ever writes JSON-shaped data, and byte-for-byte stable
//! output with a known quoting policy is the whole requirement (see docs/adr).

use serde_json::Value;
use std::fmt::Write;

/// One YAML document (no `---` marker), ending in a newline.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_list(&mut out, items, 0),
        other => {
            out.push_str(&scalar(other, 0));
            out.push('\n');
        }
    }
    out
}

/// Several documents separated by `---`.
pub fn documents(values: &[Value]) -> String {
    values
        .iter()
        .map(to_string)
        .collect::<Vec<_>>()
        .join("---\n")
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => false,
    }
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    let mut first = true;
    for (key, value) in map {
        if !first {
            indent(out, level);
        }
        first = false;
        write_entry(out, key, value, level);
    }
}

/// `key: value` at the current position (indentation already written).
fn write_entry(out: &mut String, key: &str, value: &Value, level: usize) {
    out.push_str(&string_scalar(key));
    out.push(':');
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            indent(out, level + 1);
            write_map(out, map, level + 1);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            indent(out, level + 1);
            write_list(out, items, level + 1);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other, level + 1));
            out.push('\n');
        }
    }
}

fn write_list(out: &mut String, items: &[Value], level: usize) {
    let mut first = true;
    for item in items {
        if !first {
            indent(out, level);
        }
        first = false;
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => write_map(out, map, level + 1),
            Value::Array(inner) if !inner.is_empty() => write_list(out, inner, level + 1),
            other => {
                out.push_str(&scalar(other, level + 1));
                out.push('\n');
            }
        }
    }
    debug_assert!(items.iter().all(|item| is_block(item) || !is_block(item)));
}

fn scalar(value: &Value, level: usize) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => {
            if text.contains('\n') && literal_block_safe(text) {
                literal_block(text, level)
            } else {
                string_scalar(text)
            }
        }
        Value::Object(_) => "{}".to_owned(),
        Value::Array(_) => "[]".to_owned(),
    }
}

/// Literal blocks cannot carry trailing spaces on a line faithfully through every editor, nor
/// tabs or control characters, nor a first line starting with a space without an indentation
/// indicator: such strings are double-quoted instead.
fn literal_block_safe(text: &str) -> bool {
    !text.starts_with([' ', '\n'])
        && !text
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{feff}')
        && text.split('\n').all(|line| !line.ends_with(' '))
}

fn literal_block(text: &str, level: usize) -> String {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let chomp = if !text.ends_with('\n') {
        "-"
    } else if body.ends_with('\n') {
        "+"
    } else {
        ""
    };
    let mut out = format!("|{chomp}");
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            for _ in 0..level {
                out.push_str("  ");
            }
            out.push_str(line);
        }
    }
    if chomp == "+" {
        // `|+` keeps the final newlines: the last content line was already closed above.
    }
    out
}

/// A string as a plain scalar when that is unambiguous, otherwise double-quoted with JSON
/// escapes (a subset of YAML's double-quoted escapes).
pub fn string_scalar(text: &str) -> String {
    if plain_is_safe(text) {
        text.to_owned()
    } else {
        let mut quoted = String::with_capacity(text.len() + 2);
        quoted.push('"');
        for c in text.chars() {
            match c {
                '"' => quoted.push_str("\\\""),
                '\\' => quoted.push_str("\\\\"),
                '\n' => quoted.push_str("\\n"),
                '\t' => quoted.push_str("\\t"),
                '\r' => quoted.push_str("\\r"),
                c if c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' => {
                    let _ = write!(quoted, "\\u{:04x}", c as u32);
                }
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        quoted
    }
}

/// Words YAML 1.1 or 1.2 readers resolve to booleans or null.
const RESERVED: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
];

fn plain_is_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    // Anything starting with a digit, sign or dot might be a number, a date or a sexagesimal.
    if !(first.is_ascii_alphabetic() || first == '/' || first == '_') {
        return false;
    }
    if RESERVED.contains(&text.to_ascii_lowercase().as_str()) {
        return false;
    }
    if text.ends_with(':') || text.contains(": ") || text.contains(" #") {
        return false;
    }
    text.chars().all(|c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_' | '-' | ':' | '@' | '=' | '+')
    })
}

/// Why a document is not in the form [`to_string`] writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Reads back one document written by [`to_string`] (block style, two-space indentation, the
/// quoting policy above). Not a general YAML reader: what [`to_string`] never writes (flow
/// collections other than `{}`/`[]`, anchors, tags, folded blocks) is an error.
pub fn parse(text: &str) -> Result<Value, ParseError> {
    let lines: Vec<Line> = text
        .split('\n')
        .enumerate()
        .map(|(number, raw)| {
            let content = raw.trim_start_matches(' ');
            Line {
                number: number + 1,
                indent: raw.len() - content.len(),
                text: content.to_owned(),
            }
        })
        .collect();
    let mut reader = Reader { lines, at: 0 };
    reader.skip_blank();
    if reader.at >= reader.lines.len() {
        return Ok(Value::Null);
    }
    let value = reader.block(0)?;
    reader.skip_blank();
    if let Some(line) = reader.lines.get(reader.at) {
        return Err(ParseError {
            line: line.number,
            message: "unexpected indentation".to_owned(),
        });
    }
    Ok(value)
}

struct Line {
    number: usize,
    indent: usize,
    text: String,
}

struct Reader {
    lines: Vec<Line>,
    at: usize,
}

fn error(line: usize, message: &str) -> ParseError {
    ParseError {
        line,
        message: message.to_owned(),
    }
}

impl Reader {
    fn skip_blank(&mut self) {
        while self
            .lines
            .get(self.at)
            .is_some_and(|line| line.text.is_empty())
        {
            self.at += 1;
        }
    }

    /// A map or a list whose first line is at `indent`.
    fn block(&mut self, indent: usize) -> Result<Value, ParseError> {
        let line = &self.lines[self.at];
        if line.indent != indent {
            return Err(error(line.number, "unexpected indentation"));
        }
        if line.text == "-" || line.text.starts_with("- ") {
            self.list(indent)
        } else {
            self.map(indent)
        }
    }

    fn list(&mut self, indent: usize) -> Result<Value, ParseError> {
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            let Some(line) = self.lines.get_mut(self.at) else {
                break;
            };
            if line.indent != indent || !line.text.starts_with("- ") {
                break;
            }
            // The item's content continues as if it started two columns further right.
            line.text.drain(..2);
            line.indent = indent + 2;
            let text = line.text.clone();
            let number = line.number;
            if text.starts_with("- ") || split_key(&text).is_some() {
                items.push(self.block(indent + 2)?);
            } else {
                self.at += 1;
                items.push(self.scalar(&text, indent + 2, number)?);
            }
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, indent: usize) -> Result<Value, ParseError> {
        let mut map = serde_json::Map::new();
        loop {
            self.skip_blank();
            let Some(line) = self.lines.get(self.at) else {
                break;
            };
            if line.indent != indent || line.text.starts_with("- ") {
                break;
            }
            let number = line.number;
            let (key, rest) =
                split_key(&line.text).ok_or_else(|| error(number, "expected `key: value`"))?;
            self.at += 1;
            let value = if rest.is_empty() {
                self.skip_blank();
                match self.lines.get(self.at) {
                    Some(next) if next.indent > indent => self.block(next.indent)?,
                    _ => return Err(error(number, "a key without a value")),
                }
            } else {
                self.scalar(&rest, indent + 2, number)?
            };
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }

    fn scalar(&mut self, text: &str, indent: usize, number: usize) -> Result<Value, ParseError> {
        match text {
            "null" => return Ok(Value::Null),
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            "{}" => return Ok(Value::Object(serde_json::Map::new())),
            "[]" => return Ok(Value::Array(Vec::new())),
            "|" | "|-" | "|+" => return Ok(Value::String(self.literal(text, indent))),
            _ => {}
        }
        let first = text.chars().next().unwrap_or(' ');
        if first == '"' || first.is_ascii_digit() || first == '-' {
            return serde_json::from_str(text).map_err(|_| error(number, "not a scalar"));
        }
        Ok(Value::String(text.to_owned()))
    }

    fn literal(&mut self, header: &str, indent: usize) -> String {
        let mut body: Vec<String> = Vec::new();
        while let Some(line) = self.lines.get(self.at) {
            if line.text.is_empty() {
                body.push(String::new());
            } else if line.indent >= indent {
                let mut content = " ".repeat(line.indent - indent);
                content.push_str(&line.text);
                body.push(content);
            } else {
                break;
            }
            self.at += 1;
        }
        if header != "|+" {
            while body.last().is_some_and(String::is_empty) {
                body.pop();
                self.at -= 1;
            }
        }
        let mut text = body.join("\n");
        if header != "|-" {
            text.push('\n');
        }
        text
    }
}

/// `key: rest` or `key:` → (key, rest); `None` when the line is not a map entry.
fn split_key(text: &str) -> Option<(String, String)> {
    if text.starts_with('"') {
        let mut escaped = false;
        for (index, c) in text.char_indices().skip(1) {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let key: String = serde_json::from_str(&text[..=index]).ok()?;
                    let rest = &text[index + 1..];
                    return match rest.strip_prefix(':') {
                        Some("") => Some((key, String::new())),
                        Some(rest) => rest.strip_prefix(' ').map(|r| (key, r.to_owned())),
                        None => None,
                    };
                }
                _ => escaped = false,
            }
        }
        return None;
    }
    if let Some(position) = text.find(": ") {
        return Some((text[..position].to_owned(), text[position + 2..].to_owned()));
    }
    text.strip_suffix(':')
        .map(|key| (key.to_owned(), String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_kubernetes_shaped_documents() {
        let value = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "x", "labels": {"a.b/c": "yes"}},
            "data": {"version": "1.10", "empty": "", "list": [], "map": {}},
            "items": [{"name": "a", "value": 1}, "plain", ["nested"]],
            "config": "line one\nline two\n",
        });
        let text = to_string(&value);
        assert_eq!(
            text,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    a.b/c: \"yes\"\n\
             data:\n  version: \"1.10\"\n  empty: \"\"\n  list: []\n  map: {}\n\
             items:\n  - name: a\n    value: 1\n  - plain\n  - - nested\n\
             config: |\n  line one\n  line two\n"
        );
    }

    #[test]
    fn quotes_everything_a_reader_could_retype() {
        for text in [
            "yes",
            "No",
            "ON",
            "~",
            "null",
            "1.34",
            "26.03",
            "0o17",
            "0x1F",
            "1e3",
            "-a",
            ".inf",
            "2026-03-21",
            "1:20",
            "a: b",
            "a #b",
            "",
            " lead",
            "x:",
            "*ref",
            "&anchor",
            "!tag",
            "{a}",
            "[a]",
            "'q'",
            "\"q\"",
            "a,b",
            "%x",
            "@x",
            "`x",
        ] {
            assert!(string_scalar(text).starts_with('"'), "{text:?} left plain");
        }
        for text in [
            "v1.10.0",
            "kubeflow",
            "argoproj.io/v1alpha1",
            "a.b-c_d",
            "s3://x",
        ] {
            assert_eq!(string_scalar(text), text);
        }
    }

    #[test]
    fn reads_back_what_it_writes() {
        let value = json!({
            "apiVersion": "v1",
            "data": {"version": "1.10", "empty": "", "list": [], "map": {}, "n": 3, "f": -1.5},
            "items": [{"name": "a", "value": 1}, "plain", ["nested", {"k": "v"}], "s3://x", "a: b"],
            "config": "line one\n  indented\n\nline two\n",
            "strip": "a\nb",
            "keep": "a\n\nb\n\n",
            "quoted key: x": {"\"q\"": null, "t": true},
            "last": "x",
        });
        let text = to_string(&value);
        assert_eq!(parse(&text).expect("reads back"), value, "{text}");
        assert!(parse("a: b\n c: d\n").is_err());
        assert!(parse("a\nb: c\n").is_err());
    }

    #[test]
    fn literal_blocks_keep_final_newlines_exactly() {
        assert_eq!(scalar(&json!("a\nb"), 1), "|-\n  a\n  b");
        assert_eq!(scalar(&json!("a\nb\n"), 1), "|\n  a\n  b");
        assert_eq!(scalar(&json!("a\n\nb\n\n"), 1), "|+\n  a\n\n  b\n");
        assert_eq!(scalar(&json!(" a\nb"), 1), "\" a\\nb\"");
        assert_eq!(scalar(&json!("a \nb"), 1), "\"a \\nb\"");
    }
}
