//! Source files and byte spans into them.

use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SourceId(pub u32);

/// One input file: the name shown to users and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Name as the user would type it (for example `main.tf` or `clusters/prod.hcl`).
    pub name: String,
    /// The text. Files that are not UTF-8 never become a `SourceFile`.
    pub text: Arc<str>,
    /// Byte offset of the start of each line, for line/column lookups.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A file with its name and text.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, byte)| *byte == b'\n')
                .map(|(index, _)| index + 1),
        );
        Self {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// One-based line and column (in characters) of a byte offset. Offsets past the end map to
    /// the end of the file; offsets inside a multi-byte character map to that character.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index.saturating_sub(1),
        };
        let line_start = self.line_starts[line_index];
        // Characters before the offset; an offset inside a character is that character's.
        let column = self.text[line_start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count();
        LineCol {
            line: line_index + 1,
            column: column + 1,
        }
    }

    /// Byte range of the (one-based) line `line`, without its line terminator.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let index = line.saturating_sub(1).min(self.line_starts.len() - 1);
        let start = self.line_starts[index];
        let end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |next| next - 1);
        let end = if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        start..end.max(start)
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// The largest character boundary of `text` at or before `offset` (clamped to the text).
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The smallest character boundary of `text` at or after `offset` (clamped to the text).
pub fn ceil_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

/// A one-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct LineCol {
    /// One-based line.
    pub line: usize,
    /// One-based column, counted in characters.
    pub column: usize,
}

/// All files of one invocation.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> SourceId {
        let id = SourceId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(file);
        id
    }

    /// The file with this id.
    pub fn get(&self, id: SourceId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// Masks the text of `span` with `*`, one per byte, so that no rendering of the file shows
    /// it and every byte offset (every other span) stays valid. Columns after the span on its
    /// line move only if the masked text held characters of more than one byte.
    pub fn conceal(&mut self, span: Span) {
        let Some(file) = self.files.get_mut(span.source.0 as usize) else {
            return;
        };
        let text = &file.text;
        let start = floor_char_boundary(text, span.start);
        let end = ceil_char_boundary(text, span.end);
        if start >= end {
            return;
        }
        let mut masked = String::with_capacity(text.len());
        masked.push_str(&text[..start]);
        for character in text[start..end].chars() {
            if character == '\n' {
                masked.push('\n');
            } else {
                masked.extend(std::iter::repeat_n('*', character.len_utf8()));
            }
        }
        masked.push_str(&text[end..]);
        file.text = masked.into();
    }

    /// Every file, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = (SourceId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(index, file)| (SourceId(index as u32), file))
    }
}

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// The file.
    pub source: SourceId,
    /// Start byte offset (inclusive).
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
}

impl Span {
    /// A span of `source` from `start` to `end`.
    pub fn new(source: SourceId, start: usize, end: usize) -> Self {
        Self {
            source,
            start,
            end: end.max(start),
        }
    }

    /// A span of `source` for a byte range.
    pub fn from_range(source: SourceId, range: std::ops::Range<usize>) -> Self {
        Self::new(source, range.start, range.end)
    }

    /// A sub-span, relative to this span's start.
    pub fn sub(self, start: usize, end: usize) -> Self {
        Self::new(self.source, self.start + start, self.start + end)
    }
}

/// A value, the field path it belongs to and, when it came from a file, where it was written.
///
/// Values filled in by defaults have no span. Equality looks at the value only, so two
/// configurations that say the same thing in different places compare equal.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written, if it was.
    pub span: Option<Span>,
    /// The setting it is the value of.
    pub path: crate::FieldPath,
}

impl<T> Spanned<T> {
    /// A value written at `span`.
    pub fn new(value: T, span: Option<Span>) -> Self {
        Self {
            value,
            span,
            path: crate::FieldPath::root(),
        }
    }

    /// A value that was not written anywhere (a default).
    pub fn defaulted(value: T) -> Self {
        Self::new(value, None)
    }

    /// Sets the field path.
    #[must_use]
    pub fn at_path(mut self, path: crate::FieldPath) -> Self {
        self.path = path;
        self
    }

    /// Maps the value, keeping the span and path.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned {
            value: f(self.value),
            span: self.span,
            path: self.path,
        }
    }

    /// A diagnostic about this value: at its span, for its field.
    pub fn error(&self, message: impl Into<String>) -> crate::Diagnostic {
        crate::Diagnostic::error(message)
            .at(self.span)
            .field(&self.path)
    }

    /// A warning about this value.
    pub fn warning(&self, message: impl Into<String>) -> crate::Diagnostic {
        crate::Diagnostic::warning(message)
            .at(self.span)
            .field(&self.path)
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_lines() {
        let file = SourceFile::new("f", "ab\ncé d\n\nx");
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(2), LineCol { line: 1, column: 3 });
        assert_eq!(file.line_col(3), LineCol { line: 2, column: 1 });
        // `é` is two bytes: the space after it is the third character.
        assert_eq!(file.line_col(6), LineCol { line: 2, column: 3 });
        // Inside `é`: that character's column.
        assert_eq!(file.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(file.line_col(9), LineCol { line: 3, column: 1 });
        assert_eq!(file.line_col(10), LineCol { line: 4, column: 1 });
        assert_eq!(file.line_col(1000), LineCol { line: 4, column: 2 });
        assert_eq!(file.line_range(2), 3..8);
        assert_eq!(file.line_range(3), 9..9);
        assert_eq!(file.line_count(), 4);
    }

    #[test]
    fn conceal_masks_a_span_and_keeps_offsets() {
        let mut sources = SourceMap::new();
        let id = sources.add(SourceFile::new("f", "a = \"pässword\"\nb = 1\n"));
        // A span that starts and ends inside `ä` (bytes 6..7) is widened to whole characters.
        sources.conceal(Span::new(id, 5, 7));
        let file = sources.get(id).map(|file| file.text.to_string());
        assert_eq!(file.as_deref(), Some("a = \"***ssword\"\nb = 1\n"));
        sources.conceal(Span::new(id, 5, 14));
        let file = sources.get(id).map(|file| file.text.to_string());
        assert_eq!(file.as_deref(), Some("a = \"*********\"\nb = 1\n"));
        assert_eq!(floor_char_boundary("é", 1), 0);
        assert_eq!(ceil_char_boundary("é", 1), 2);
        assert_eq!(ceil_char_boundary("é", 10), 2);
    }

    #[test]
    fn line_range_strips_carriage_returns() {
        let file = SourceFile::new("f", "a = 1\r\nb = 2\r\n");
        assert_eq!(&file.text[file.line_range(1)], "a = 1");
        assert_eq!(&file.text[file.line_range(2)], "b = 2");
    }
}
