//! S3: the Pipelines artifact bucket.

use crate::{CloudResult, Tags};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// One version (or delete marker) of an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectVersion {
    /// Key.
    pub key: String,
    /// Version ID (`null` for unversioned objects).
    pub version_id: Option<String>,
}

/// A page of object versions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionPage {
    /// Versions and delete markers.
    pub versions: Vec<ObjectVersion>,
    /// True when more pages follow.
    pub truncated: bool,
}

/// Public access block settings (all four true means fully private).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAccessBlock {
    /// `BlockPublicAcls`.
    pub block_public_acls: bool,
    /// `IgnorePublicAcls`.
    pub ignore_public_acls: bool,
    /// `BlockPublicPolicy`.
    pub block_public_policy: bool,
    /// `RestrictPublicBuckets`.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// Everything blocked.
    pub const ALL: PublicAccessBlock = PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };
}

/// S3 operations.
#[async_trait]
pub trait S3: Send + Sync {
    /// The bucket's tags; `NotFound` when the bucket does not exist, `AccessDenied` when it is
    /// someone else's.
    async fn bucket_tags(&self, bucket: &str) -> CloudResult<Tags>;
    /// `CreateBucket` in the client's region, with tags.
    async fn create_bucket(&self, bucket: &str, tags: &Tags) -> CloudResult<()>;
    /// `PutBucketTagging`.
    async fn put_bucket_tags(&self, bucket: &str, tags: &Tags) -> CloudResult<()>;
    /// True when versioning is enabled.
    async fn versioning(&self, bucket: &str) -> CloudResult<bool>;
    /// Enables (or suspends) versioning.
    async fn put_versioning(&self, bucket: &str, enabled: bool) -> CloudResult<()>;
    /// The default encryption algorithm (`AES256`, `aws:kms`), if any.
    async fn encryption(&self, bucket: &str) -> CloudResult<Option<String>>;
    /// Sets default encryption.
    async fn put_encryption(&self, bucket: &str, algorithm: &str) -> CloudResult<()>;
    /// The public access block (all false when none is set).
    async fn public_access_block(&self, bucket: &str) -> CloudResult<PublicAccessBlock>;
    /// Sets the public access block.
    async fn put_public_access_block(
        &self,
        bucket: &str,
        block: PublicAccessBlock,
    ) -> CloudResult<()>;
    /// One page of object versions and delete markers.
    async fn list_versions(&self, bucket: &str) -> CloudResult<VersionPage>;
    /// Deletes up to 1000 object versions.
    async fn delete_versions(&self, bucket: &str, versions: &[ObjectVersion]) -> CloudResult<()>;
    /// `DeleteBucket` (it must be empty).
    async fn delete_bucket(&self, bucket: &str) -> CloudResult<()>;
}
