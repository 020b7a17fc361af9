//! Turning bytes into a parsed HCL body, with guards: size, binary content, UTF-8, syntax.

use hcl_edit::structure::Body;
use sakk_core::{Diagnostic, SourceFile, SourceId, SourceMap, Span, code};

/// The largest cluster file sakk reads. Real ones are a few kilobytes.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// The most settings sakk reads in one block or object (or a file's top level). Real blocks
/// have a few dozen; the HCL parser's duplicate check is quadratic in this number.
pub const MAX_KEYS_IN_ONE_BLOCK: usize = 5_000;

/// Adds `bytes` to `sources` as `name` and parses it. On failure the file is still added (so
/// that the diagnostic can name it) and the error is returned.
pub fn parse_file(
    sources: &mut SourceMap,
    name: &str,
    bytes: &[u8],
) -> (SourceId, Result<Body, Box<Diagnostic>>) {
    if bytes.len() > MAX_FILE_BYTES {
        let id = sources.add(SourceFile::new(name, ""));
        // Readers stop after the limit, so the size is only known to exceed it.
        let diagnostic = Diagnostic::error(format!(
            "`{name}` is too large for a cluster file (over {})",
            human_size(MAX_FILE_BYTES)
        ))
        .code(code::NOT_A_CLUSTER_FILE)
        .at(Some(Span::new(id, 0, 0)))
        .hint("a cluster file is a few kilobytes; is this the right file?");
        return (id, Err(Box::new(diagnostic)));
    }
    let text = match text_or_binary_offset(bytes) {
        Ok(text) => text,
        Err(offset) => {
            // Everything before `offset` is text, so the offset is the same in the readable
            // copy, where the bad byte became one replacement character.
            let id = sources.add(SourceFile::new(name, readable(bytes)));
            let width = '\u{fffd}'.len_utf8();
            let diagnostic = Diagnostic::error(format!("`{name}` is not a text file"))
                .code(code::NOT_A_CLUSTER_FILE)
                .at(Some(Span::new(id, offset, offset + width)))
                .label(describe_byte(bytes, offset))
                .hint("cluster files are UTF-8 text in HCL syntax");
            return (id, Err(Box::new(diagnostic)));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let id = sources.add(SourceFile::new(name, text));
    let (keys, at) = crate::syntax::most_keys_in_one_block(text);
    if keys > MAX_KEYS_IN_ONE_BLOCK {
        let diagnostic = Diagnostic::error(format!(
            "`{name}` has {keys} settings in one block; sakk reads at most {MAX_KEYS_IN_ONE_BLOCK}"
        ))
        .code(code::NOT_A_CLUSTER_FILE)
        .at(Some(Span::new(id, at, at + 1)))
        .label("this block")
        .hint("a cluster file has a few dozen settings per block; is this the right file?");
        return (id, Err(Box::new(diagnostic)));
    }
    match hcl_edit::parser::parse_body(text) {
        Ok(body) => (id, Ok(body)),
        Err(error) => {
            let explained =
                crate::syntax::explain(text, error.location().offset(), error.message());
            let diagnostic = Diagnostic::error(format!("HCL syntax error: {}", explained.message))
                .code(code::SYNTAX)
                .at(Some(Span::new(id, explained.start, explained.end)))
                .label(explained.label)
                .hint(explained.hint);
            (id, Err(Box::new(diagnostic)))
        }
    }
}

/// The text, or the offset of the first byte that makes this not a text file: invalid UTF-8,
/// NUL, or a control character other than tab, newline, carriage return and form feed.
fn text_or_binary_offset(bytes: &[u8]) -> Result<&str, usize> {
    let (valid, invalid_at) = match std::str::from_utf8(bytes) {
        Ok(text) => (text.as_bytes(), None),
        Err(error) => (&bytes[..error.valid_up_to()], Some(error.valid_up_to())),
    };
    let control = valid
        .iter()
        .position(|byte| byte.is_ascii_control() && !matches!(byte, b'\t' | b'\n' | b'\r' | 0x0c));
    match (control.or(invalid_at), std::str::from_utf8(valid)) {
        (None, Ok(text)) => Ok(text),
        (Some(offset), _) => Err(offset),
        (None, Err(error)) => Err(error.valid_up_to()),
    }
}

fn describe_byte(bytes: &[u8], offset: usize) -> String {
    match bytes.get(offset) {
        Some(0) => "a NUL byte".to_owned(),
        Some(byte) if byte.is_ascii_control() => format!("control character 0x{byte:02x}"),
        Some(byte) => format!("byte 0x{byte:02x} is not valid UTF-8"),
        None => "unexpected end".to_owned(),
    }
}

/// The file as text for showing a snippet: invalid UTF-8 and control characters become U+FFFD.
fn readable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|character| {
            if character.is_control() && !matches!(character, '\t' | '\n' | '\r') {
                '\u{fffd}'
            } else {
                character
            }
        })
        .collect()
}

fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
