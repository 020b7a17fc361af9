//! Printing a resolved model as HCL: objects with identifier keys become blocks, maps with
//! other keys and lists become attributes. Deterministic: key order is the model's.

use serde_json::Value;
use std::fmt::Write;

/// The model as a `cluster "<name>" { ... }` HCL document.
pub fn to_hcl(model: &crate::Model) -> String {
    let mut value = serde_json::to_value(model).unwrap_or(Value::Null);
    let mut out = String::new();
    let name = value
        .as_object_mut()
        .and_then(|object| object.shift_remove("name"))
        .and_then(|name| name.as_str().map(str::to_owned))
        .unwrap_or_default();
    let _ = writeln!(out, "cluster {} {{", quote(&name));
    if let Value::Object(object) = &value {
        body(&mut out, object, 1);
    }
    out.push_str("}\n");
    out
}

fn is_identifier(key: &str) -> bool {
    key.chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && key.chars().all(|character| {
            character.is_ascii_alphanumeric() || character == '_' || character == '-'
        })
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Object(object) => object.keys().all(|key| is_identifier(key)),
        _ => false,
    }
}

fn body(out: &mut String, object: &serde_json::Map<String, Value>, depth: usize) {
    let indent = "  ".repeat(depth);
    let attributes: Vec<(&String, &Value)> = object
        .iter()
        .filter(|(_, value)| !value.is_null() && !is_block(value) && !is_block_list(value))
        .collect();
    let width = attributes
        .iter()
        .map(|(key, _)| key.len())
        .max()
        .unwrap_or(0);
    for (key, value) in attributes {
        let _ = writeln!(out, "{indent}{key:width$} = {}", inline(value, depth));
    }
    for (key, value) in object {
        if is_block(value) {
            let Value::Object(inner) = value else {
                continue;
            };
            out.push('\n');
            if inner.is_empty() {
                let _ = writeln!(out, "{indent}{key} {{}}");
            } else {
                let _ = writeln!(out, "{indent}{key} {{");
                body(out, inner, depth + 1);
                let _ = writeln!(out, "{indent}}}");
            }
        } else if is_block_list(value) {
            let Value::Array(items) = value else { continue };
            for item in items {
                let Value::Object(inner) = item else { continue };
                out.push('\n');
                let _ = writeln!(out, "{indent}{key} {{");
                body(out, inner, depth + 1);
                let _ = writeln!(out, "{indent}}}");
            }
        }
    }
}

fn is_block_list(value: &Value) -> bool {
    matches!(value, Value::Array(items) if !items.is_empty() && items.iter().all(is_block))
}

fn inline(value: &Value, depth: usize) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => quote(text),
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|item| inline(item, depth + 1)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(object) if object.is_empty() => "{}".to_owned(),
        Value::Object(object) => {
            let indent = "  ".repeat(depth + 1);
            let mut text = String::from("{\n");
            for (key, item) in object {
                let key = if is_identifier(key) {
                    key.clone()
                } else {
                    quote(key)
                };
                let _ = writeln!(text, "{indent}{key} = {}", inline(item, depth + 1));
            }
            let _ = write!(text, "{}}}", "  ".repeat(depth));
            text
        }
    }
}

fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            '$' => quoted.push('$'),
            character if character.is_control() => {
                let _ = write!(quoted, "\\u{:04x}", character as u32);
            }
            character => quoted.push(character),
        }
    }
    quoted.push('"');
    quoted.replace("${", "$${").replace("%{", "%%{")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sakk_config::Input;

    fn demo_model() -> crate::Model {
        let checked = crate::check(&[Input {
            name: "demo.hcl".into(),
            bytes: include_bytes!("../../sakk-cli/src/example.hcl").to_vec(),
            dir: ".".into(),
        }]);
        assert!(
            !checked.diagnostics.has_errors(),
            "{:?}",
            checked.diagnostics
        );
        checked
            .models
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no model"))
    }

    /// `sakk show` prints HCL that parses, with every string as it is in the model, whatever
    /// quotes, escapes or template markers it holds.
    #[test]
    fn the_model_prints_as_hcl_that_reads_back() {
        let mut model = demo_model();
        let tricky = "a \"quoted\" \\ back\nslash ${not.a.template} %{nor.this} é\t\u{1}";
        model.tags.insert("tricky".into(), tricky.into());
        model.tags.insert("with space".into(), "x".into());
        let text = to_hcl(&model);
        let body = hcl_edit::parser::parse_body(&text)
            .unwrap_or_else(|error| panic!("invalid HCL ({error}):\n{text}"));
        let cluster = body
            .get_blocks("cluster")
            .next()
            .unwrap_or_else(|| panic!("no cluster block:\n{text}"));
        assert_eq!(
            cluster.labels.first().map(|label| label.as_str()),
            Some("demo")
        );
        let tags = cluster
            .body
            .get_blocks("tags")
            .next()
            .map(|block| block.body.to_string());
        // Keys that are not identifiers make `tags` an attribute (a map), not a block.
        assert_eq!(tags, None, "{text}");
        let Some(hcl_edit::expr::Expression::Object(object)) = cluster
            .body
            .get_attribute("tags")
            .map(|attribute| &attribute.value)
        else {
            panic!("tags is not an object:\n{text}");
        };
        let value = object
            .iter()
            .find(|(key, _)| match key {
                hcl_edit::expr::ObjectKey::Ident(ident) => ident.as_str() == "tricky",
                hcl_edit::expr::ObjectKey::Expression(expr) => {
                    matches!(expr, hcl_edit::expr::Expression::String(text) if text.value() == "tricky")
                }
            })
            .map(|(_, value)| value.expr().clone());
        match value {
            Some(hcl_edit::expr::Expression::String(text)) => assert_eq!(text.value(), tricky),
            other => panic!("tricky tag is {other:?}:\n{text}"),
        }
    }
}
