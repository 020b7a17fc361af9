//! Field paths: where in the configuration a value lives, independent of its position in a file.

use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// An attribute or block name: `.domains`.
    Key(String),
    /// A list element: `[0]`.
    Index(usize),
    /// A block label or map key: `["gpu"]`.
    Label(String),
}

/// Where a value lives, for example `module.sak_kubeflow.admin_arns[0].userarn` or
/// `cluster.node_group["gpu"].max_size`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The empty path (the file itself).
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path followed by a key.
    pub fn key(&self, key: impl Into<String>) -> Self {
        self.with(Segment::Key(key.into()))
    }

    /// This path followed by a list index.
    pub fn index(&self, index: usize) -> Self {
        self.with(Segment::Index(index))
    }

    /// This path followed by a block label or map key.
    pub fn label(&self, label: impl Into<String>) -> Self {
        self.with(Segment::Label(label.into()))
    }

    fn with(&self, segment: Segment) -> Self {
        let mut segments = self.0.clone();
        segments.push(segment);
        Self(segments)
    }

    /// True for the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The segments.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The path without its last segment (the root stays the root).
    pub fn parent(&self) -> Self {
        let mut segments = self.0.clone();
        segments.pop();
        Self(segments)
    }

    /// The last key of the path, if the path ends in one.
    pub fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Segment::Key(key)) => Some(key),
            _ => None,
        }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if position == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Label(label) => write!(f, "[{label:?}]")?,
            }
        }
        Ok(())
    }
}

impl serde::Serialize for FieldPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_terraform_addresses() {
        let path = FieldPath::root()
            .key("module")
            .key("sak_kubeflow")
            .key("admin_arns")
            .index(0)
            .key("userarn");
        assert_eq!(
            path.to_string(),
            "module.sak_kubeflow.admin_arns[0].userarn"
        );
        let path = FieldPath::root()
            .key("cluster")
            .key("node_group")
            .label("gpu");
        assert_eq!(path.to_string(), r#"cluster.node_group["gpu"]"#);
        assert_eq!(path.last_key(), None);
    }
}
