//! KMS: the key that encrypts the cluster's Kubernetes secrets, and its alias.

use crate::{CloudResult, Tags};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    /// Key ID.
    pub id: String,
    /// ARN.
    pub arn: String,
    /// `Enabled`, `PendingDeletion`...
    pub state: String,
    /// Description.
    pub description: String,
}

impl Key {
    /// False once deletion is scheduled: such a key is as good as gone.
    pub fn is_live(&self) -> bool {
        self.state != "PendingDeletion" && self.state != "PendingReplicaDeletion"
    }
}

/// An alias.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alias {
    /// `alias/...`.
    pub name: String,
    /// The key it points at.
    pub target_key_id: Option<String>,
}

/// KMS operations.
#[async_trait]
pub trait Kms: Send + Sync {
    /// `CreateKey` (symmetric, encrypt/decrypt) with tags.
    async fn create_key(&self, description: &str, tags: &Tags) -> CloudResult<Key>;
    /// `DescribeKey`.
    async fn describe_key(&self, key_id: &str) -> CloudResult<Key>;
    /// `ListResourceTags`.
    async fn key_tags(&self, key_id: &str) -> CloudResult<Tags>;
    /// `TagResource`.
    async fn tag_key(&self, key_id: &str, tags: &Tags) -> CloudResult<()>;
    /// `UntagResource`.
    async fn untag_key(&self, key_id: &str, keys: &[String]) -> CloudResult<()>;
    /// `ScheduleKeyDeletion`.
    async fn schedule_key_deletion(&self, key_id: &str, days: u32) -> CloudResult<()>;
    /// Every alias of the account and region.
    async fn aliases(&self) -> CloudResult<Vec<Alias>>;
    /// `CreateAlias`.
    async fn create_alias(&self, name: &str, key_id: &str) -> CloudResult<()>;
    /// `UpdateAlias`.
    async fn update_alias(&self, name: &str, key_id: &str) -> CloudResult<()>;
    /// `DeleteAlias`.
    async fn delete_alias(&self, name: &str) -> CloudResult<()>;
}
