//! A typed reader over HCL bodies and objects that records every problem as a diagnostic with a
//! position and a field path, instead of stopping at the first one.

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, Object, ObjectKey};
use hcl_edit::structure::{Block, Body, Structure};
use sakk_core::{Diagnostic, Diagnostics, FieldPath, SourceId, Span, Spanned, code, did_you_mean};
use std::collections::{BTreeMap, BTreeSet};

/// Converts an hcl-edit byte range to a span of `source`.
pub(crate) fn span_of(source: SourceId, range: Option<std::ops::Range<usize>>) -> Option<Span> {
    range.map(|range| Span::from_range(source, range))
}

/// The span of a block's header: its identifier and labels (not its body).
pub(crate) fn block_header_span(source: SourceId, block: &Block) -> Option<Span> {
    let start = block.ident.span()?.start;
    let end = block
        .labels
        .last()
        .and_then(|label| label.span())
        .or_else(|| block.ident.span())?
        .end;
    Some(Span::new(source, start, end))
}

/// What kind of value an expression is, for "expected X, found Y" messages.
pub(crate) fn describe(expr: &Expression) -> &'static str {
    match expr {
        Expression::Null(_) => "null",
        Expression::Bool(_) => "a boolean",
        Expression::Number(_) => "a number",
        Expression::String(_) => "a string",
        Expression::Array(_) => "a list",
        Expression::Object(_) => "an object",
        Expression::StringTemplate(_) => "a string template",
        Expression::HeredocTemplate(_) => "a heredoc",
        Expression::Parenthesis(_) => "an expression in parentheses",
        Expression::Variable(_) => "a variable",
        Expression::Conditional(_) => "a conditional expression",
        Expression::FuncCall(_) => "a function call",
        Expression::Traversal(_) => "a reference",
        Expression::UnaryOp(_) | Expression::BinaryOp(_) => "an operation",
        Expression::ForExpr(_) => "a `for` expression",
    }
}

/// True for expressions that only Terraform could evaluate.
fn is_computed(expr: &Expression) -> bool {
    matches!(
        expr,
        Expression::StringTemplate(_)
            | Expression::HeredocTemplate(_)
            | Expression::Parenthesis(_)
            | Expression::Variable(_)
            | Expression::Conditional(_)
            | Expression::FuncCall(_)
            | Expression::Traversal(_)
            | Expression::UnaryOp(_)
            | Expression::BinaryOp(_)
            | Expression::ForExpr(_)
    )
}

/// The type a setting expects, for "expected X, found Y" messages and their hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expected {
    String,
    Bool,
    WholeNumber,
    List,
    StringMap,
    Object,
}

impl Expected {
    fn describe(self) -> &'static str {
        match self {
            Expected::String => "a string",
            Expected::Bool => "`true` or `false`",
            Expected::WholeNumber => "a whole number",
            Expected::List => "a list",
            Expected::StringMap => "an object of strings",
            Expected::Object => "an object",
        }
    }

    /// How to write the value, using what was written when that helps.
    fn hint(self, found: &Expression) -> String {
        let literal = literal_text(found);
        match (self, found) {
            (Expected::String, Expression::Array(array)) if array.len() == 1 => {
                match array.iter().next().map(literal_text) {
                    Some(Some(inner)) => format!("one value, without brackets: `{inner}`"),
                    _ => "one value in double quotes, like `\"value\"`".to_owned(),
                }
            }
            (Expected::String, Expression::Number(_) | Expression::Bool(_)) => match literal {
                Some(text) => format!("put it in double quotes: `\"{text}\"`"),
                None => "put it in double quotes".to_owned(),
            },
            (Expected::String, _) => {
                "write the value in double quotes, like `\"value\"`".to_owned()
            }
            (Expected::List, Expression::String(_)) => match literal {
                Some(text) => format!("put it in a list: `[{text}]`"),
                None => "put it in a list: `[\"value\"]`".to_owned(),
            },
            (Expected::List, _) => "write a list in brackets, like `[\"a\", \"b\"]`".to_owned(),
            (Expected::Bool, Expression::String(_)) => {
                "write `true` or `false`, without quotes".to_owned()
            }
            (Expected::Bool, _) => "write `true` or `false`".to_owned(),
            (Expected::WholeNumber, _) => "write a number without quotes, like `3`".to_owned(),
            (Expected::StringMap, _) => "write an object, like `{ key = \"value\" }`".to_owned(),
            (Expected::Object, _) => {
                "write an object, like `{ key = \"value\", other = 2 }`".to_owned()
            }
        }
    }
}

/// A short literal (string, number, boolean) as it would be written, for hints.
fn literal_text(expr: &Expression) -> Option<String> {
    let text = match expr {
        Expression::String(text) => format!("{:?}", text.value().as_str()),
        Expression::Number(number) => number.value().to_string(),
        Expression::Bool(flag) => flag.value().to_string(),
        _ => return None,
    };
    (text.chars().count() <= 60).then_some(text)
}

/// Where a value sits and the file it came from, for building diagnostics.
#[derive(Clone)]
pub(crate) struct At {
    pub source: SourceId,
    pub path: FieldPath,
}

impl At {
    pub(crate) fn new(source: SourceId, path: FieldPath) -> Self {
        Self { source, path }
    }

    fn span(&self, expr: &Expression) -> Option<Span> {
        span_of(self.source, expr.span())
    }

    /// Reports a value of the wrong type, or an expression sakk does not evaluate.
    pub(crate) fn wrong_type(
        &self,
        diags: &mut Diagnostics,
        expr: &Expression,
        expected: Expected,
    ) {
        let span = self.span(expr);
        let what = expected.describe();
        if is_computed(expr) {
            diags.push(
                Diagnostic::error(format!(
                    "sakk reads literal values, and this is {}",
                    describe(expr)
                ))
                .at(span)
                .label(format!("expected {what} written out"))
                .field(&self.path)
                .hint(
                    "sakk does not evaluate Terraform variables, functions or interpolation; \
                     write the value itself",
                ),
            );
        } else {
            diags.push(
                Diagnostic::error(format!("expected {what}, found {}", describe(expr)))
                    .at(span)
                    .label(format!("expected {what}"))
                    .field(&self.path)
                    .hint(expected.hint(expr)),
            );
        }
    }

    /// A string value.
    pub(crate) fn string(
        &self,
        diags: &mut Diagnostics,
        expr: &Expression,
    ) -> Option<Spanned<String>> {
        match expr {
            Expression::String(value) => Some(
                Spanned::new(value.value().clone(), self.span(expr)).at_path(self.path.clone()),
            ),
            _ => {
                self.wrong_type(diags, expr, Expected::String);
                None
            }
        }
    }

    /// A boolean; the strings `"true"` and `"false"` are accepted too, as Terraform does.
    pub(crate) fn bool(&self, diags: &mut Diagnostics, expr: &Expression) -> Option<Spanned<bool>> {
        match expr {
            Expression::Bool(value) => {
                Some(Spanned::new(*value.value(), self.span(expr)).at_path(self.path.clone()))
            }
            Expression::String(value) if value.value() == "true" || value.value() == "false" => {
                Some(
                    Spanned::new(value.value() == "true", self.span(expr))
                        .at_path(self.path.clone()),
                )
            }
            _ => {
                self.wrong_type(diags, expr, Expected::Bool);
                None
            }
        }
    }

    /// A whole number in `0..=max`; numeric strings are accepted, as Terraform does.
    pub(crate) fn uint(
        &self,
        diags: &mut Diagnostics,
        expr: &Expression,
        max: u64,
    ) -> Option<Spanned<u64>> {
        let parsed = match expr {
            Expression::Number(number) => number
                .value()
                .as_u64()
                .ok_or_else(|| number.value().to_string()),
            Expression::String(text) => {
                let value = text.value().trim();
                value.parse::<u64>().map_err(|_| format!("{value:?}"))
            }
            _ => {
                self.wrong_type(diags, expr, Expected::WholeNumber);
                return None;
            }
        };
        match parsed {
            Ok(value) if value <= max => {
                Some(Spanned::new(value, self.span(expr)).at_path(self.path.clone()))
            }
            Ok(value) => {
                diags.push(
                    Diagnostic::error(format!("{value} is too large"))
                        .at(self.span(expr))
                        .label(format!("at most {max}"))
                        .field(&self.path)
                        .hint(format!("write a number from 0 to {max}")),
                );
                None
            }
            Err(written) => {
                diags.push(
                    Diagnostic::error(format!("`{written}` is not a whole number"))
                        .at(self.span(expr))
                        .label(format!("expected a whole number from 0 to {max}"))
                        .field(&self.path)
                        .hint(format!("write a number from 0 to {max}, like `3`")),
                );
                None
            }
        }
    }

    /// The elements of a list, each with its own path.
    pub(crate) fn list<'e>(
        &self,
        diags: &mut Diagnostics,
        expr: &'e Expression,
    ) -> Option<Vec<(At, &'e Expression)>> {
        match expr {
            Expression::Array(array) => Some(
                array
                    .iter()
                    .enumerate()
                    .map(|(index, item)| (At::new(self.source, self.path.index(index)), item))
                    .collect(),
            ),
            _ => {
                self.wrong_type(diags, expr, Expected::List);
                None
            }
        }
    }

    /// A list of strings, spanned as a whole and per element.
    pub(crate) fn string_list(
        &self,
        diags: &mut Diagnostics,
        expr: &Expression,
    ) -> Option<crate::spec::TextList> {
        let items = self.list(diags, expr)?;
        let values: Vec<Spanned<String>> = items
            .into_iter()
            .filter_map(|(at, item)| at.string(diags, item))
            .collect();
        Some(Spanned::new(values, self.span(expr)).at_path(self.path.clone()))
    }

    /// An object with string values (labels, tags, member roles). Keys may be identifiers or
    /// quoted strings.
    pub(crate) fn string_map(
        &self,
        diags: &mut Diagnostics,
        expr: &Expression,
    ) -> Option<crate::spec::TextMap> {
        let Expression::Object(object) = expr else {
            self.wrong_type(diags, expr, Expected::StringMap);
            return None;
        };
        let mut seen: BTreeMap<String, ()> = BTreeMap::new();
        let mut values = Vec::new();
        for (key, value) in object.iter() {
            let Some(key) = object_key(self.source, key, &self.path, diags) else {
                continue;
            };
            let at = At::new(self.source, self.path.label(key.value.clone()));
            let key = key.at_path(at.path.clone());
            if seen.insert(key.value.clone(), ()).is_some() {
                diags.push(duplicate(&key, &at.path));
                continue;
            }
            if let Some(value) = at.string(diags, value.expr()) {
                values.push((key, value));
            }
        }
        Some(Spanned::new(values, self.span(expr)).at_path(self.path.clone()))
    }

    /// The fields of an object value, read like a block body.
    pub(crate) fn object<'e>(
        &self,
        diags: &mut Diagnostics,
        expr: &'e Expression,
        what: &str,
    ) -> Option<Fields<'e>> {
        match expr {
            Expression::Object(object) => Some(Fields::from_object(
                self.source,
                self.path.clone(),
                object,
                self.span(expr),
                what,
                diags,
            )),
            _ => {
                self.wrong_type(diags, expr, Expected::Object);
                None
            }
        }
    }
}

fn object_key(
    source: SourceId,
    key: &ObjectKey,
    path: &FieldPath,
    diags: &mut Diagnostics,
) -> Option<Spanned<String>> {
    let span = span_of(source, key.span());
    match key {
        ObjectKey::Ident(ident) => Some(Spanned::new(ident.as_str().to_owned(), span)),
        ObjectKey::Expression(Expression::String(text)) => {
            Some(Spanned::new(text.value().clone(), span))
        }
        ObjectKey::Expression(other) => {
            diags.push(
                Diagnostic::error(format!(
                    "an object key must be a name or a string, found {}",
                    describe(other)
                ))
                .at(span)
                .field(path)
                .hint("write the key as `name = ...` or `\"name\" = ...`"),
            );
            None
        }
    }
}

fn duplicate(key: &Spanned<String>, path: &FieldPath) -> Diagnostic {
    Diagnostic::error(format!("`{}` is set more than once", key.value))
        .at(key.span)
        .label("set again here")
        .field(path)
        .hint("keep one of them")
}

struct Entry<'a> {
    key: Spanned<String>,
    value: &'a Expression,
    used: bool,
}

/// The attributes (and, for a block body, the nested blocks) of one block or object, read by
/// name. Every key that is asked for becomes "known"; [`Fields::finish`] reports the rest as
/// unknown, with a suggestion among the known ones.
pub(crate) struct Fields<'a> {
    source: SourceId,
    path: FieldPath,
    span: Option<Span>,
    what: String,
    entries: Vec<Entry<'a>>,
    /// The keys of `entries`.
    names: BTreeSet<String>,
    blocks: Vec<(&'a Block, bool)>,
    known: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    /// The body of a block (or a file). `span` is what "missing setting" errors point at.
    pub(crate) fn from_body(
        source: SourceId,
        path: FieldPath,
        body: &'a Body,
        span: Option<Span>,
        what: impl Into<String>,
        diags: &mut Diagnostics,
    ) -> Self {
        let mut fields = Self {
            source,
            path,
            span,
            what: what.into(),
            entries: Vec::new(),
            names: BTreeSet::new(),
            blocks: Vec::new(),
            known: Vec::new(),
        };
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    let key = Spanned::new(
                        attribute.key.as_str().to_owned(),
                        span_of(source, attribute.key.span()),
                    );
                    fields.push_entry(key, &attribute.value, diags);
                }
                Structure::Block(block) => fields.blocks.push((block, false)),
            }
        }
        fields
    }

    fn from_object(
        source: SourceId,
        path: FieldPath,
        object: &'a Object,
        span: Option<Span>,
        what: &str,
        diags: &mut Diagnostics,
    ) -> Self {
        let mut fields = Self {
            source,
            path,
            span,
            what: what.to_owned(),
            entries: Vec::new(),
            names: BTreeSet::new(),
            blocks: Vec::new(),
            known: Vec::new(),
        };
        for (key, value) in object.iter() {
            if let Some(key) = object_key(source, key, &fields.path, diags) {
                fields.push_entry(key, value.expr(), diags);
            }
        }
        fields
    }

    fn push_entry(&mut self, key: Spanned<String>, value: &'a Expression, diags: &mut Diagnostics) {
        // A set, not a scan of `entries`: an object with many keys stays linear.
        if !self.names.insert(key.value.clone()) {
            diags.push(duplicate(&key, &self.path.key(key.value.clone())));
            return;
        }
        self.entries.push(Entry {
            key,
            value,
            used: false,
        });
    }

    /// The source file.
    pub(crate) fn source(&self) -> SourceId {
        self.source
    }

    /// The path of this block or object.
    pub(crate) fn path(&self) -> &FieldPath {
        &self.path
    }

    /// The span "missing" errors point at.
    pub(crate) fn span(&self) -> Option<Span> {
        self.span
    }

    /// The raw value of `key`, marking it as read.
    pub(crate) fn raw(&mut self, key: &'static str) -> Option<(At, &'a Expression)> {
        self.known.push(key);
        let entry = self
            .entries
            .iter_mut()
            .find(|entry| entry.key.value == key)?;
        entry.used = true;
        if matches!(entry.value, Expression::Null(_)) {
            // `null` means "not set", as in Terraform.
            return None;
        }
        Some((At::new(self.source, self.path.key(key)), entry.value))
    }

    /// The span of the key `key`, if it is present.
    pub(crate) fn key_span(&self, key: &str) -> Option<Span> {
        self.entries
            .iter()
            .find(|entry| entry.key.value == key)
            .and_then(|entry| entry.key.span)
    }

    /// True when the attribute `key` is written (even as `null`).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|entry| entry.key.value == key)
    }

    /// A string setting.
    pub(crate) fn string(
        &mut self,
        diags: &mut Diagnostics,
        key: &'static str,
    ) -> Option<Spanned<String>> {
        let (at, expr) = self.raw(key)?;
        at.string(diags, expr)
    }

    /// A string setting that must be present.
    pub(crate) fn required_string(
        &mut self,
        diags: &mut Diagnostics,
        key: &'static str,
        hint: &str,
    ) -> Option<Spanned<String>> {
        if !self.has(key) {
            self.missing(diags, key, hint);
        }
        self.string(diags, key)
    }

    /// Reports a missing required setting.
    pub(crate) fn missing(&self, diags: &mut Diagnostics, key: &str, hint: &str) {
        diags.push(
            Diagnostic::error(format!("missing required setting `{key}` in {}", self.what))
                .code(code::MISSING_SETTING)
                .at(self.span)
                .label(format!("`{key}` is not set"))
                .field(&self.path.key(key))
                .hint(hint.to_owned()),
        );
    }

    /// A boolean setting.
    pub(crate) fn bool(
        &mut self,
        diags: &mut Diagnostics,
        key: &'static str,
    ) -> Option<Spanned<bool>> {
        let (at, expr) = self.raw(key)?;
        at.bool(diags, expr)
    }

    /// A whole-number setting in `0..=max`.
    pub(crate) fn uint(
        &mut self,
        diags: &mut Diagnostics,
        key: &'static str,
        max: u64,
    ) -> Option<Spanned<u64>> {
        let (at, expr) = self.raw(key)?;
        at.uint(diags, expr, max)
    }

    /// A list-of-strings setting.
    pub(crate) fn string_list(
        &mut self,
        diags: &mut Diagnostics,
        key: &'static str,
    ) -> Option<crate::spec::TextList> {
        let (at, expr) = self.raw(key)?;
        at.string_list(diags, expr)
    }

    /// A map-of-strings setting.
    pub(crate) fn string_map(
        &mut self,
        diags: &mut Diagnostics,
        key: &'static str,
    ) -> Option<crate::spec::TextMap> {
        let (at, expr) = self.raw(key)?;
        at.string_map(diags, expr)
    }

    /// The nested blocks named `ident`, marked as read.
    pub(crate) fn blocks(&mut self, ident: &'static str) -> Vec<&'a Block> {
        self.known.push(ident);
        self.blocks
            .iter_mut()
            .filter(|(block, _)| block.ident.as_str() == ident)
            .map(|(block, used)| {
                *used = true;
                *block
            })
            .collect()
    }

    /// At most one nested block named `ident`, read as [`Fields`], with a check that it has no
    /// labels. Further blocks of the same name are reported.
    pub(crate) fn single_block(
        &mut self,
        diags: &mut Diagnostics,
        ident: &'static str,
    ) -> Option<Fields<'a>> {
        let blocks = self.blocks(ident);
        for extra in blocks.iter().skip(1) {
            diags.push(
                Diagnostic::error(format!(
                    "only one `{ident}` block is allowed in {}",
                    self.what
                ))
                .at(block_header_span(self.source, extra))
                .label("second block")
                .field(&self.path.key(ident))
                .hint("merge the settings into the first block"),
            );
        }
        let block = blocks.first()?;
        let source = self.source;
        let header = block_header_span(source, block);
        if let Some(label) = block.labels.first() {
            diags.push(
                Diagnostic::error(format!("the `{ident}` block takes no label"))
                    .at(span_of(source, label.span()))
                    .label("unexpected label")
                    .field(&self.path.key(ident))
                    .hint(format!("write `{ident} {{ ... }}`")),
            );
        }
        Some(Fields::from_body(
            source,
            self.path.key(ident),
            &block.body,
            header,
            format!("the `{ident}` block"),
            diags,
        ))
    }

    /// The nested blocks named `ident` that take exactly one label (`node_group "gpu" { ... }`),
    /// each with its label and fields. Blocks with a wrong number of labels are reported and
    /// skipped; so are repeated labels.
    pub(crate) fn labeled_blocks(
        &mut self,
        diags: &mut Diagnostics,
        ident: &'static str,
        example: &str,
    ) -> Vec<(Spanned<String>, Fields<'a>)> {
        let source = self.source;
        let mut result: Vec<(Spanned<String>, Fields<'a>)> = Vec::new();
        let mut labels = BTreeSet::new();
        for block in self.blocks(ident) {
            let header = block_header_span(source, block);
            let [label] = block.labels.as_slice() else {
                diags.push(
                    Diagnostic::error(format!(
                        "a `{ident}` block takes exactly one label, found {}",
                        block.labels.len()
                    ))
                    .at(header)
                    .field(&self.path.key(ident))
                    .hint(format!("write `{example}`")),
                );
                continue;
            };
            let path = self.path.key(ident).label(label.as_str());
            let name = Spanned::new(label.as_str().to_owned(), span_of(source, label.span()))
                .at_path(path.clone());
            if !labels.insert(name.value.clone()) {
                diags.push(
                    Diagnostic::error(format!(
                        "`{ident} \"{}\"` is defined more than once",
                        name.value
                    ))
                    .at(name.span)
                    .label("defined again here")
                    .field(&path)
                    .hint("merge the two blocks"),
                );
                continue;
            }
            let fields = Fields::from_body(
                source,
                path,
                &block.body,
                header,
                format!("`{ident} \"{}\"`", name.value),
                diags,
            );
            result.push((name, fields));
        }
        result
    }

    /// Reports every attribute and block that was not read, with a suggestion.
    pub(crate) fn finish(self, diags: &mut Diagnostics) {
        let known = self.known.clone();
        for entry in self.entries.iter().filter(|entry| !entry.used) {
            let hint = did_you_mean(&entry.key.value, known.iter().copied());
            let as_block = self
                .known
                .iter()
                .any(|name| *name == entry.key.value)
                .then(|| {
                    format!(
                        "`{}` is a block here: write `{} {{ ... }}`",
                        entry.key.value, entry.key.value
                    )
                });
            diags.push(
                Diagnostic::error(format!(
                    "unknown setting `{}` in {}",
                    entry.key.value, self.what
                ))
                .code(code::UNKNOWN_SETTING)
                .at(entry.key.span)
                .label("unknown setting")
                .field(&self.path.key(entry.key.value.clone()))
                .hint(as_block.unwrap_or(hint)),
            );
        }
        for (block, _) in self.blocks.iter().filter(|(_, used)| !used) {
            let name = block.ident.as_str();
            let is_attribute =
                self.entries.iter().any(|entry| entry.key.value == name) || known.contains(&name);
            let hint = if is_attribute {
                format!("`{name}` is a setting here: write `{name} = ...`")
            } else {
                did_you_mean(name, known.iter().copied())
            };
            diags.push(
                Diagnostic::error(format!("unknown block `{name}` in {}", self.what))
                    .code(code::UNKNOWN_BLOCK)
                    .at(block_header_span(self.source, block))
                    .label("unknown block")
                    .field(&self.path.key(name))
                    .hint(hint),
            );
        }
    }
}
