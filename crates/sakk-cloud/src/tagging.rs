//! The Resource Groups Tagging API: every tagged resource of some types, in one call per page.

use crate::{CloudResult, Tags};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A tagged resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaggedResource {
    /// Its ARN.
    pub arn: String,
    /// Its tags.
    pub tags: Tags,
}

/// Tagging operations.
#[async_trait]
pub trait Tagging: Send + Sync {
    /// `GetResources` with tag filters (`key = value`), every page. `resource_types` such as
    /// `kms:key`, `ec2:vpc`; empty means every type.
    async fn resources(
        &self,
        tag_filters: &Tags,
        resource_types: &[String],
    ) -> CloudResult<Vec<TaggedResource>>;
}
