//! References between resources: `${address.attribute}` inside a specification's strings (and
//! object keys: IAM conditions are keyed by the OIDC issuer).
//!
//! A string that is exactly one reference takes the referenced value whole (a list of name
//! servers stays a list); a reference inside a longer string is replaced by the value's text.
//! `${aws.account_id}`, `${aws.partition}` and `${aws.region}` name the account itself.

use crate::resource::Address;
use serde_json::Value;
use std::collections::BTreeSet;

/// The pseudo-address of the account's own attributes.
pub const ACCOUNT: &str = "aws";

/// One reference: the address (or `aws`) and the attribute.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    /// `vpc.main`, or `aws`.
    pub address: String,
    /// `id`, `arn`...
    pub attribute: String,
}

/// Every reference in `text`, with its byte range.
fn scan(text: &str) -> Vec<(std::ops::Range<usize>, Reference)> {
    let mut found = Vec::new();
    let mut start = 0;
    while let Some(offset) = text[start..].find("${") {
        let open = start + offset;
        let Some(length) = text[open + 2..].find('}') else {
            break;
        };
        let inner = &text[open + 2..open + 2 + length];
        let close = open + 2 + length + 1;
        if let Some((address, attribute)) = inner.rsplit_once('.')
            && !address.is_empty()
            && !attribute.is_empty()
        {
            found.push((
                open..close,
                Reference {
                    address: address.to_owned(),
                    attribute: attribute.to_owned(),
                },
            ));
        }
        start = close;
    }
    found
}

/// The resources a value refers to (the account pseudo-address excluded).
pub fn addresses(value: &Value) -> BTreeSet<Address> {
    let mut found = BTreeSet::new();
    visit_strings(value, &mut |text| {
        for (_, reference) in scan(text) {
            if let Some(address) = Address::parse(&reference.address) {
                found.insert(address);
            }
        }
    });
    found
}

/// True when a value still holds a reference.
pub fn is_unresolved(value: &Value) -> bool {
    let mut unresolved = false;
    visit_strings(value, &mut |text| {
        if !scan(text).is_empty() {
            unresolved = true;
        }
    });
    unresolved
}

fn visit_strings(value: &Value, visit: &mut dyn FnMut(&str)) {
    match value {
        Value::String(text) => visit(text),
        Value::Array(items) => items.iter().for_each(|item| visit_strings(item, visit)),
        Value::Object(map) => {
            for (key, item) in map {
                visit(key);
                visit_strings(item, visit);
            }
        }
        _ => {}
    }
}

/// Replaces every reference `lookup` knows; the others stay as they are.
pub fn resolve(value: &Value, lookup: &dyn Fn(&Reference) -> Option<Value>) -> Value {
    match value {
        Value::String(text) => resolve_string(text, lookup),
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| resolve(item, lookup)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| {
                    let key = match resolve_string(key, lookup) {
                        Value::String(text) => text,
                        other => other.to_string(),
                    };
                    (key, resolve(item, lookup))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn resolve_string(text: &str, lookup: &dyn Fn(&Reference) -> Option<Value>) -> Value {
    let references = scan(text);
    if references.is_empty() {
        return Value::String(text.to_owned());
    }
    if references.len() == 1 && references[0].0 == (0..text.len()) {
        return lookup(&references[0].1).unwrap_or_else(|| Value::String(text.to_owned()));
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (range, reference) in references {
        out.push_str(&text[last..range.start]);
        match lookup(&reference) {
            Some(Value::String(value)) => out.push_str(&value),
            Some(Value::Number(number)) => out.push_str(&number.to_string()),
            _ => out.push_str(&text[range.clone()]),
        }
        last = range.end;
    }
    out.push_str(&text[last..]);
    Value::String(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lookup(reference: &Reference) -> Option<Value> {
        match (reference.address.as_str(), reference.attribute.as_str()) {
            ("vpc.main", "id") => Some(json!("vpc-1")),
            ("route53_zone.a.example.com", "name_servers") => Some(json!(["ns1", "ns2"])),
            ("aws", "account_id") => Some(json!("123456789012")),
            ("eks_cluster.main", "oidc_issuer_host") => Some(json!("oidc.example/id/X")),
            _ => None,
        }
    }

    #[test]
    fn whole_and_embedded_references_resolve() {
        let value = json!({
            "vpc": "${vpc.main.id}",
            "servers": "${route53_zone.a.example.com.name_servers}",
            "arn": "arn:aws:iam::${aws.account_id}:role/x",
            "${eks_cluster.main.oidc_issuer_host}:sub": ["a"],
            "later": "${subnet.public-a.id}",
        });
        let resolved = resolve(&value, &lookup);
        assert_eq!(resolved["vpc"], json!("vpc-1"));
        assert_eq!(resolved["servers"], json!(["ns1", "ns2"]));
        assert_eq!(resolved["arn"], json!("arn:aws:iam::123456789012:role/x"));
        assert_eq!(resolved["oidc.example/id/X:sub"], json!(["a"]));
        assert_eq!(resolved["later"], json!("${subnet.public-a.id}"));
        assert!(is_unresolved(&resolved));
        let addresses: Vec<String> = addresses(&value).iter().map(|a| a.to_string()).collect();
        assert_eq!(
            addresses,
            [
                "eks_cluster.main",
                "route53_zone.a.example.com",
                "subnet.public-a",
                "vpc.main"
            ]
        );
    }
}
