//! Rendering diagnostics for people (compiler style, with a source snippet and a caret) and for
//! programs (JSON).

use crate::{Diagnostic, Diagnostics, Severity, SourceMap};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// Whether to use ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// Plain text (files, pipes, `NO_COLOR`).
    Never,
    /// ANSI colours (a terminal).
    Always,
}

/// Renders every diagnostic, compiler style, each followed by a blank line.
pub fn human(diagnostics: &Diagnostics, sources: &SourceMap, color: Color) -> String {
    let renderer = match color {
        Color::Never => Renderer::plain(),
        Color::Always => Renderer::styled(),
    };
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&one(diagnostic, sources, &renderer));
        out.push_str("\n\n");
    }
    out
}

/// Like [`human`], for at most `limit` diagnostics (the first ones, in their order), followed by
/// a line saying how many were left out. Rendering a diagnostic costs the length of its lines:
/// a pathological file with thousands of problems on one long line stays fast to report.
pub fn human_at_most(
    diagnostics: &Diagnostics,
    sources: &SourceMap,
    color: Color,
    limit: usize,
) -> String {
    if diagnostics.len() <= limit {
        return human(diagnostics, sources, color);
    }
    let shown: Diagnostics = diagnostics.iter().take(limit).cloned().collect();
    let mut out = human(&shown, sources, color);
    let left = diagnostics.len() - limit;
    out.push_str(&format!(
        "... and {left} more {} not shown here; `--output json` lists them all\n\n",
        if left == 1 {
            "diagnostic"
        } else {
            "diagnostics"
        }
    ));
    out
}

fn one(diagnostic: &Diagnostic, sources: &SourceMap, renderer: &Renderer) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let mut group = Group::with_title(level.primary_title(diagnostic.message.as_str()));
    let location = diagnostic
        .span
        .and_then(|span| sources.get(span.source).map(|file| (span, file)));
    let snippet_text;
    if let Some((span, file)) = location {
        let start = file.line_col(span.start);
        let end = file.line_col(span.end.max(span.start));
        // Show at most a few lines of a long span; the caret marks its start.
        let last_line = end.line.min(start.line + 3);
        let first = file.line_range(start.line).start;
        let last = file.line_range(last_line).end;
        snippet_text = file.text[first..last].to_owned();
        // Spans are byte ranges; the renderer slices by them, so they must fall on character
        // boundaries whatever produced them.
        let local_start =
            crate::floor_char_boundary(&snippet_text, span.start.saturating_sub(first));
        let mut local_end =
            crate::ceil_char_boundary(&snippet_text, span.end.saturating_sub(first));
        if local_end <= local_start {
            // Point at one character, or just past the end of the line.
            local_end = snippet_text[local_start..]
                .chars()
                .next()
                .filter(|character| *character != '\n')
                .map_or(local_start, |character| local_start + character.len_utf8());
        }
        let mut annotation = AnnotationKind::Primary.span(local_start..local_end);
        if let Some(label) = &diagnostic.label {
            annotation = annotation.label(label.as_str());
        }
        group = group.element(
            Snippet::source(snippet_text.as_str())
                .line_start(start.line)
                .path(file.name.as_str())
                .annotation(annotation),
        );
    } else if let Some(label) = &diagnostic.label {
        group = group.element(Level::NOTE.message(label.as_str()));
    }
    let field_text;
    if let Some(field) = &diagnostic.field {
        field_text = field.to_string();
        group = group.element(Level::NOTE.with_name("field").message(field_text.as_str()));
    }
    if let Some(hint) = &diagnostic.hint {
        group = group.element(Level::HELP.with_name("hint").message(hint.as_str()));
    }
    renderer.render(&[group])
}

/// One diagnostic as JSON: severity, file, line and column (one-based, columns in characters),
/// end position, field path, message, label, hint and code (each only when known).
pub fn json_value(diagnostic: &Diagnostic, sources: &SourceMap) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    object.insert(
        "severity".into(),
        serde_json::to_value(diagnostic.severity).unwrap_or_default(),
    );
    object.insert("message".into(), diagnostic.message.clone().into());
    if let Some(span) = diagnostic.span
        && let Some(file) = sources.get(span.source)
    {
        let start = file.line_col(span.start);
        let end = file.line_col(span.end);
        object.insert("file".into(), file.name.clone().into());
        object.insert("line".into(), start.line.into());
        object.insert("column".into(), start.column.into());
        object.insert("end_line".into(), end.line.into());
        object.insert("end_column".into(), end.column.into());
    }
    if let Some(field) = &diagnostic.field {
        object.insert("field".into(), field.to_string().into());
    }
    if let Some(label) = &diagnostic.label {
        object.insert("label".into(), label.clone().into());
    }
    if let Some(hint) = &diagnostic.hint {
        object.insert("hint".into(), hint.clone().into());
    }
    if let Some(code) = diagnostic.code {
        object.insert("code".into(), code.into());
    }
    serde_json::Value::Object(object)
}

/// Every diagnostic as a JSON document: `{"valid", "errors", "warnings", "diagnostics": [...]}`.
pub fn json(diagnostics: &Diagnostics, sources: &SourceMap) -> serde_json::Value {
    serde_json::json!({
        "valid": !diagnostics.has_errors(),
        "errors": diagnostics.error_count(),
        "warnings": diagnostics.warning_count(),
        "diagnostics": diagnostics
            .iter()
            .map(|diagnostic| json_value(diagnostic, sources))
            .collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FieldPath, SourceFile, Span};

    #[test]
    fn renders_a_snippet_with_a_caret_field_and_hint() {
        let mut sources = SourceMap::new();
        let id = sources.add(SourceFile::new(
            "main.tf",
            "module \"m\" {\n  cert_manager_emial = \"a@b.c\"\n}\n",
        ));
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(
            Diagnostic::error("unknown key `cert_manager_emial`")
                .at(Some(Span::new(id, 15, 33)))
                .label("not a setting of the SAKK module")
                .field(
                    &FieldPath::root()
                        .key("module")
                        .label("m")
                        .key("cert_manager_emial"),
                )
                .hint("did you mean `cert_manager_email`?"),
        );
        insta::assert_snapshot!(human(&diagnostics, &sources, Color::Never), @r#"
        error: unknown key `cert_manager_emial`
         --> main.tf:2:3
          |
        2 |   cert_manager_emial = "a@b.c"
          |   ^^^^^^^^^^^^^^^^^^ not a setting of the SAKK module
          |
          = field: module["m"].cert_manager_emial
          = hint: did you mean `cert_manager_email`?
        "#);
        let value = json(&diagnostics, &sources);
        assert_eq!(value["valid"], false);
        assert_eq!(value["diagnostics"][0]["line"], 2);
        assert_eq!(value["diagnostics"][0]["column"], 3);
        assert_eq!(value["diagnostics"][0]["end_column"], 21);
    }

    #[test]
    fn spans_inside_a_character_render() {
        let mut sources = SourceMap::new();
        let id = sources.add(SourceFile::new("x.hcl", "a = \"\u{fffd}\u{fffd}\"\nb\r\n"));
        let mut diagnostics = Diagnostics::new();
        for (start, end) in [(5, 6), (6, 7), (6, 9), (7, 7), (5, 100), (13, 14)] {
            diagnostics.push(Diagnostic::error("bad byte").at(Some(Span::new(id, start, end))));
        }
        let text = human(&diagnostics, &sources, Color::Never);
        assert_eq!(text.matches("error: bad byte").count(), 6, "{text}");
    }

    #[test]
    fn at_most_limits_the_rendered_diagnostics() {
        let mut sources = SourceMap::new();
        let id = sources.add(SourceFile::new("x.hcl", "a = 1\n"));
        let mut diagnostics = Diagnostics::new();
        for _ in 0..5 {
            diagnostics.push(Diagnostic::error("bad").at(Some(Span::new(id, 0, 1))));
        }
        let text = human_at_most(&diagnostics, &sources, Color::Never, 2);
        assert_eq!(text.matches("error: bad").count(), 2, "{text}");
        assert!(
            text.ends_with(
                "... and 3 more diagnostics not shown here; `--output json` lists them all\n\n"
            ),
            "{text}"
        );
        assert_eq!(
            human_at_most(&diagnostics, &sources, Color::Never, 5),
            human(&diagnostics, &sources, Color::Never)
        );
    }

    #[test]
    fn zero_width_span_at_end_of_file_renders() {
        let mut sources = SourceMap::new();
        let id = sources.add(SourceFile::new("x.hcl", "a = "));
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(Diagnostic::error("expected a value").at(Some(Span::new(id, 4, 4))));
        let text = human(&diagnostics, &sources, Color::Never);
        assert!(text.contains("x.hcl:1:5"), "{text}");
    }
}
