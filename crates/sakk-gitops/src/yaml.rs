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
    fn literal_blocks_keep_final_newlines_exactly() {
        assert_eq!(scalar(&json!("a\nb"), 1), "|-\n  a\n  b");
        assert_eq!(scalar(&json!("a\nb\n"), 1), "|\n  a\n  b");
        assert_eq!(scalar(&json!("a\n\nb\n\n"), 1), "|+\n  a\n\n  b\n");
        assert_eq!(scalar(&json!(" a\nb"), 1), "\" a\\nb\"");
        assert_eq!(scalar(&json!("a \nb"), 1), "\"a \\nb\"");
    }
}
