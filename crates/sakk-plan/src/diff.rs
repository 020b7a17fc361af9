//! Field-level comparison of what should be with what is.

use crate::reference;
use crate::resource::{Kind, Tags};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The tag keys sakk always owns on its resources.
const SAKK_TAG_PREFIX: &str = "sakk.dev/";

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Field name (`cidr_block`, `tags`).
    pub field: String,
    /// The value in AWS (none when the resource is created).
    pub before: Option<Value>,
    /// The value wanted; `${...}` references in it are known only after apply.
    pub after: Value,
    /// True when the field cannot change in place.
    pub forces_replacement: bool,
}

impl FieldChange {
    /// True when the wanted value depends on resources not yet created or replaced.
    pub fn known_after_apply(&self) -> bool {
        reference::is_unresolved(&self.after)
    }
}

/// Compares `desired` (references resolved where possible) with `observed`.
///
/// Without `observed` every field is listed (a creation). Create-only fields are not compared
/// on existing resources. Tags are compared on the keys sakk manages: the wanted ones, the ones
/// it set before (`previous_tags`), and every `sakk.dev/` key; tags others add are left alone.
pub fn compare(
    kind: Kind,
    desired: &Map<String, Value>,
    observed: Option<&Map<String, Value>>,
    previous_tags: Option<&Tags>,
) -> Vec<FieldChange> {
    let immutable = kind.immutable_fields();
    let Some(observed) = observed else {
        return desired
            .iter()
            .map(|(field, value)| FieldChange {
                field: field.clone(),
                before: None,
                after: value.clone(),
                forces_replacement: false,
            })
            .collect();
    };
    let mut changes = Vec::new();
    for (field, wanted) in desired {
        if kind.create_only_fields().contains(&field.as_str()) {
            continue;
        }
        let actual = observed.get(field).cloned().unwrap_or(Value::Null);
        let actual = if field == "tags" {
            managed_tags(&actual, wanted, previous_tags)
        } else {
            actual
        };
        if reference::is_unresolved(wanted) || !equivalent(wanted, &actual) {
            changes.push(FieldChange {
                field: field.clone(),
                before: Some(actual),
                after: wanted.clone(),
                forces_replacement: immutable.contains(&field.as_str()),
            });
        }
    }
    changes
}

/// The observed tags restricted to the keys sakk manages.
fn managed_tags(actual: &Value, wanted: &Value, previous: Option<&Tags>) -> Value {
    let Value::Object(actual) = actual else {
        return Value::Object(Map::new());
    };
    let wanted = wanted.as_object();
    let kept = actual
        .iter()
        .filter(|(key, _)| {
            key.starts_with(SAKK_TAG_PREFIX)
                || wanted.is_some_and(|wanted| wanted.contains_key(*key))
                || previous.is_some_and(|previous| previous.contains_key(*key))
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Value::Object(kept)
}

/// Equality that treats a missing value, `null`, an empty list and an empty map alike.
fn equivalent(left: &Value, right: &Value) -> bool {
    fn empty(value: &Value) -> bool {
        match value {
            Value::Null => true,
            Value::Array(items) => items.is_empty(),
            Value::Object(map) => map.is_empty(),
            _ => false,
        }
    }
    if empty(left) && empty(right) {
        return true;
    }
    left == right
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn immutable_fields_force_replacement_and_foreign_tags_are_ignored() {
        let desired = map(json!({
            "cidr_block": "10.1.0.0/16",
            "enable_dns_hostnames": true,
            "tags": {"Name": "a", "sakk.dev/cluster": "a"},
        }));
        let observed = map(json!({
            "cidr_block": "10.0.0.0/16",
            "enable_dns_hostnames": true,
            "tags": {"Name": "a", "sakk.dev/cluster": "a", "team": "x"},
        }));
        let changes = compare(Kind::Vpc, &desired, Some(&observed), None);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].field, "cidr_block");
        assert!(changes[0].forces_replacement);

        let previous: Tags = [("team".to_owned(), "x".to_owned())].into();
        let changes = compare(Kind::Vpc, &desired, Some(&observed), Some(&previous));
        assert_eq!(
            changes.len(),
            2,
            "a tag sakk set before and no longer wants is removed"
        );
    }

    #[test]
    fn create_only_fields_and_empty_values() {
        let desired = map(json!({"desired_size": 3, "labels": {}, "min_size": 1}));
        let observed = map(json!({"desired_size": 7, "min_size": 1}));
        assert!(compare(Kind::NodeGroup, &desired, Some(&observed), None).is_empty());
    }
}
