//! The plan for people, in the style Terraform users know: `+` create, `~` update in place,
//! `-/+` replace, `-` delete, `<=` adopt, with the fields that change.

use crate::diff::FieldChange;
use crate::plan::{Action, Change, Plan, Source, short};
use crate::reference;
use serde_json::Value;

/// Colours for a terminal, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain text.
    Plain,
    /// ANSI colours.
    Color,
}

fn paint(style: Style, code: &str, text: &str) -> String {
    match style {
        Style::Plain => text.to_owned(),
        Style::Color => format!("\x1b[{code}m{text}\x1b[0m"),
    }
}

fn symbol(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("+", "32"),
        Action::Adopt => ("<=", "36"),
        Action::Update => ("~", "33"),
        Action::Replace => ("-/+", "35"),
        Action::Delete => ("-", "31"),
        Action::NoOp => (" ", "0"),
    }
}

/// The whole plan.
pub fn human(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    if plan.source == Source::State {
        out.push_str(
            "Note: this plan compares the cluster file with the state file only (no AWS \
             credentials, or --offline): changes made outside sakk are not visible.\n\n",
        );
    }
    if !plan.conflicts.is_empty() {
        out.push_str(&paint(
            style,
            "1;31",
            "Resources in the way (sakk does not touch them):",
        ));
        out.push('\n');
        for conflict in &plan.conflicts {
            out.push_str(&format!(
                "  ! {} ({}): {}\n",
                conflict.address, conflict.id, conflict.message
            ));
        }
        out.push('\n');
    }
    let warnings: Vec<String> = plan
        .changes
        .iter()
        .filter_map(|change| {
            let live = change.observed.as_ref()?;
            let detail = live.status.warning()?;
            Some(format!(
                "  ! {} ({}): AWS reports {detail}; sakk cannot repair that by a call and leaves it as it is\n",
                change.address, live.id
            ))
        })
        .collect();
    if !warnings.is_empty() {
        out.push_str(&paint(style, "1;33", "Warnings:"));
        out.push('\n');
        out.extend(warnings);
        out.push('\n');
    }
    let changed: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|change| change.action != Action::NoOp)
        .collect();
    if changed.is_empty() && plan.destroy {
        out.push_str(&format!(
            "Nothing to destroy: no AWS resource of cluster \"{}\" ({}) was found.\n",
            plan.cluster, plan.region
        ));
        return out;
    }
    if changed.is_empty() {
        out.push_str(&format!(
            "No changes: the AWS resources of cluster \"{}\" ({}) match the cluster file.\n",
            plan.cluster, plan.region
        ));
        return out;
    }
    out.push_str(&format!(
        "sakk will {} cluster \"{}\" in {}:\n\n",
        if plan.destroy { "destroy" } else { "change" },
        plan.cluster,
        plan.region
    ));
    for change in changed {
        change_lines(change, style, &mut out);
    }
    let summary = plan.summary();
    out.push_str(&format!(
        "Plan: {} to create, {} to adopt, {} to update, {} to replace, {} to delete; {} unchanged.\n",
        summary.create,
        summary.adopt,
        summary.update,
        summary.replace,
        summary.delete,
        summary.unchanged
    ));
    out
}

fn change_lines(change: &Change, style: Style, out: &mut String) {
    let (mark, color) = symbol(change.action);
    let mut head = format!("{mark:>3} {}", change.address);
    if let Some(id) = &change.id {
        head.push_str(&format!(" ({id})"));
    }
    out.push_str(&paint(style, color, &head));
    out.push_str(&format!(": {}", change.action.verb()));
    if !change.reasons.is_empty() {
        out.push_str(&format!(", {}", change.reasons.join("; ")));
    }
    out.push('\n');
    for field in &change.fields {
        out.push_str(&field_line(field));
    }
    out.push('\n');
}

fn value_text(value: &Value) -> String {
    if reference::is_unresolved(value) {
        // Show what the value will come from: `iam_role.cluster.arn (known after apply)`.
        let shown = reference::resolve(value, &|reference| {
            Some(Value::String(format!(
                "{}.{}",
                reference.address, reference.attribute
            )))
        });
        let text = match &shown {
            Value::String(text) => text.clone(),
            other => compact(other).replace('"', ""),
        };
        return format!("{text} (known after apply)");
    }
    compact(value)
}

fn compact(value: &Value) -> String {
    match value {
        Value::String(_) => format!("\"{}\"", short(value)),
        Value::Object(map) if map.len() > 4 || value.to_string().len() > 90 => {
            format!("{{ {} keys }}", map.len())
        }
        other => {
            let text = other.to_string();
            if text.len() > 90 {
                format!(
                    "{}…",
                    &text[..text.char_indices().nth(87).map_or(text.len(), |(i, _)| i)]
                )
            } else {
                text
            }
        }
    }
}

fn field_line(field: &FieldChange) -> String {
    let replace = if field.forces_replacement {
        "  # forces replacement"
    } else {
        ""
    };
    match &field.before {
        None => format!("      {:<26} = {}\n", field.field, value_text(&field.after)),
        Some(before) => {
            if let (Value::Object(old), Value::Object(new)) = (before, &field.after) {
                let mut lines = format!("      {}:{replace}\n", field.field);
                for (key, value) in new {
                    match old.get(key) {
                        Some(previous) if previous == value => {}
                        Some(previous) => lines.push_str(&format!(
                            "        ~ {key}: {} → {}\n",
                            compact(previous),
                            value_text(value)
                        )),
                        None => {
                            lines.push_str(&format!("        + {key}: {}\n", value_text(value)))
                        }
                    }
                }
                for (key, previous) in old {
                    if !new.contains_key(key) {
                        lines.push_str(&format!("        - {key}: {}\n", compact(previous)));
                    }
                }
                lines
            } else {
                format!(
                    "      {:<26} {} → {}{replace}\n",
                    format!("{}:", field.field),
                    compact(before),
                    value_text(&field.after)
                )
            }
        }
    }
}
