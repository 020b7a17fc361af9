//! Diagnostics: everything wrong with an input, reported at once.

use crate::{FieldPath, Span};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input is rejected.
    Error,
    /// The input is accepted, but probably not what the user meant.
    Warning,
}

/// One problem, with where it is, what field it concerns and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The headline, a sentence without a final period.
    pub message: String,
    /// Where the problem is, when it is in a file.
    pub span: Option<Span>,
    /// A short text shown under the caret.
    pub label: Option<String>,
    /// The configuration field concerned.
    pub field: Option<FieldPath>,
    /// How to fix it.
    pub hint: Option<String>,
    /// A stable identifier of the kind of problem, for programs (see [`code`]); most
    /// diagnostics have none.
    pub code: Option<&'static str>,
    /// A part of the file that holds a secret (a password or client secret written where the
    /// ARN of its Secrets Manager secret belongs). It is masked in every rendering of the file.
    pub conceal: Option<Span>,
}

/// Stable identifiers of some kinds of diagnostics. They appear as `code` in JSON output and
/// let later stages recognise a problem without parsing its message.
pub mod code {
    /// A key the block does not have.
    pub const UNKNOWN_SETTING: &str = "unknown-setting";
    /// A nested block the block does not have.
    pub const UNKNOWN_BLOCK: &str = "unknown-block";
    /// A required setting is not written.
    pub const MISSING_SETTING: &str = "missing-setting";
    /// A setting written outside of any block.
    pub const MISPLACED_SETTING: &str = "misplaced-setting";
    /// The file is not valid HCL.
    pub const SYNTAX: &str = "syntax";
    /// The file is not UTF-8 text, or is too large to be a cluster file.
    pub const NOT_A_CLUSTER_FILE: &str = "not-a-cluster-file";
    /// A value still holds a placeholder of an example.
    pub const PLACEHOLDER: &str = "placeholder";
}

impl Diagnostic {
    /// An error.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            span: None,
            label: None,
            field: None,
            hint: None,
            code: None,
            conceal: None,
        }
    }

    /// A warning.
    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(message)
        }
    }

    /// Sets where the problem is.
    #[must_use]
    pub fn at(mut self, span: Option<Span>) -> Self {
        self.span = span;
        self
    }

    /// Sets the text under the caret.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the field concerned.
    #[must_use]
    pub fn field(mut self, field: &FieldPath) -> Self {
        self.field = (!field.is_root()).then(|| field.clone());
        self
    }

    /// Sets the hint.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the stable identifier of the kind of problem (one of [`code`]).
    #[must_use]
    pub fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    /// Marks `span` as holding a secret: renderings of the file mask it.
    #[must_use]
    pub fn conceal(mut self, span: Option<Span>) -> Self {
        self.conceal = span;
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// An ordered collection of diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Adds all of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// True when at least one is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|item| item.is_error()).count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The diagnostics, in their current order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Sorts by file and position (diagnostics without a position last), then severity, and
    /// drops exact duplicates.
    pub fn sort(&mut self) {
        self.items.sort_by(|left, right| {
            let key = |item: &Diagnostic| {
                (
                    item.span.is_none(),
                    item.span.map(|span| (span.source, span.start, span.end)),
                    item.severity,
                    item.field.clone(),
                    item.message.clone(),
                )
            };
            key(left).cmp(&key(right))
        });
        self.items.dedup();
    }

    /// Drops the "missing setting" diagnostics that another diagnostic already explains, so
    /// one mistake gives one error, at the place to fix:
    /// - the same block holds an unknown setting that is a likely misspelling of it (`regoin`
    ///   for `region`: "did you mean `region`?" says it all);
    /// - the setting is written but invalid (another error has the same field path);
    /// - the setting is written outside of any block in the same file.
    ///
    /// Only diagnostics of the same file explain each other.
    pub fn absorb_missing(&mut self) {
        struct Written {
            source: Option<crate::SourceId>,
            block: crate::FieldPath,
            key: String,
            code: Option<&'static str>,
        }
        let written: Vec<Written> = self
            .items
            .iter()
            .filter(|item| item.is_error() && item.code != Some(code::MISSING_SETTING))
            .filter_map(|item| {
                let field = item.field.as_ref()?;
                Some(Written {
                    source: item.span.map(|span| span.source),
                    block: field.parent(),
                    key: field.last_key()?.to_owned(),
                    code: item.code,
                })
            })
            .collect();
        if written.is_empty() {
            return;
        }
        self.items.retain(|item| {
            if item.code != Some(code::MISSING_SETTING) {
                return true;
            }
            let Some(field) = &item.field else {
                return true;
            };
            let Some(wanted) = field.last_key() else {
                return true;
            };
            let block = field.parent();
            let source = item.span.map(|span| span.source);
            // Clusters of a fleet share field paths (`cluster["ml"]`): only the same file
            // explains.
            let explained = written.iter().any(|other| {
                other.source == source
                    && match other.code {
                        Some(code::UNKNOWN_SETTING) => {
                            other.block == block && crate::suggest(&other.key, [wanted]).is_some()
                        }
                        Some(code::MISPLACED_SETTING) => other.key == wanted,
                        _ => other.block == block && other.key == wanted,
                    }
            });
            !explained
        });
    }

    /// Consumes the collection.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Self {
            items: iter.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceId;

    fn missing(block: &FieldPath, key: &str) -> Diagnostic {
        Diagnostic::error(format!("missing required setting `{key}`"))
            .code(code::MISSING_SETTING)
            .at(Some(Span::new(SourceId(0), 0, 5)))
            .field(&block.key(key))
    }

    #[test]
    fn a_misspelt_or_invalid_setting_is_not_also_missing() {
        let block = FieldPath::root().key("cluster").label("ml-dev");
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(missing(&block, "region"));
        diagnostics.push(missing(&block, "acme_email"));
        diagnostics.push(missing(&block, "domains"));
        diagnostics.push(missing(&block.key("gitops"), "github"));
        let here = Some(Span::new(SourceId(0), 10, 12));
        diagnostics.push(
            Diagnostic::error("unknown setting `regoin`")
                .code(code::UNKNOWN_SETTING)
                .at(here)
                .field(&block.key("regoin")),
        );
        diagnostics.push(
            Diagnostic::error("expected a string")
                .at(here)
                .field(&block.key("acme_email")),
        );
        // An unknown setting in another block explains nothing here.
        diagnostics.push(
            Diagnostic::error("unknown setting `domain`")
                .code(code::UNKNOWN_SETTING)
                .at(here)
                .field(&block.key("gitops").key("domain")),
        );
        // Nor does a problem of the same setting in another file of the fleet.
        diagnostics.push(
            Diagnostic::error("`x` is not a domain name")
                .at(Some(Span::new(SourceId(1), 0, 1)))
                .field(&block.key("domains")),
        );
        diagnostics.absorb_missing();
        let left: Vec<String> = diagnostics
            .iter()
            .map(|item| item.message.clone())
            .collect();
        assert_eq!(
            left,
            [
                "missing required setting `domains`",
                "missing required setting `github`",
                "unknown setting `regoin`",
                "expected a string",
                "unknown setting `domain`",
                "`x` is not a domain name",
            ]
        );
    }

    #[test]
    fn a_setting_outside_of_the_block_is_not_also_missing() {
        let block = FieldPath::root().key("cluster").label("ml-dev");
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(missing(&block, "region"));
        diagnostics.push(
            Diagnostic::error("`region` is set outside of any block")
                .code(code::MISPLACED_SETTING)
                .at(Some(Span::new(SourceId(0), 0, 6)))
                .field(&FieldPath::root().key("region")),
        );
        diagnostics.absorb_missing();
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics.error_count(), 1);
    }
}
