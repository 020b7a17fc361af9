//! S3 objects: the state file, its versions and the S3 lock object. Separate from [`crate::s3`]
//! (buckets the cluster owns) because only the state backend reads and writes objects.

use crate::CloudResult;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An object as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// Its bytes.
    pub body: Vec<u8>,
    /// Its ETag (quotes included, as S3 sends it): what `If-Match` compares.
    pub etag: String,
    /// Its version ID (none in an unversioned bucket).
    pub version_id: Option<String>,
    /// User metadata (`x-amz-meta-*`, without the prefix).
    pub metadata: BTreeMap<String, String>,
    /// How it is encrypted at rest, when S3 says.
    pub encryption: Option<Encryption>,
}

/// What a conditional write requires of the object it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Nothing: overwrite whatever is there.
    None,
    /// The object must not exist (`If-None-Match: *`).
    Absent,
    /// The object must still have this ETag (`If-Match`).
    Matches(String),
}

/// Server-side encryption of a written object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Encryption {
    /// S3-managed keys (`AES256`).
    S3Managed,
    /// A KMS key (ID, ARN or alias).
    Kms(String),
}

/// The outcome of a conditional write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// Written.
    Written {
        /// The new ETag.
        etag: String,
        /// The new version ID (none in an unversioned bucket).
        version_id: Option<String>,
    },
    /// The precondition did not hold (`412 PreconditionFailed`): nothing was written.
    PreconditionFailed,
    /// `409 ConditionalRequestConflict`: another conditional write to the key was in progress.
    /// Nothing was written and the condition was not judged: the same request may be sent
    /// again.
    Conflicted,
}

/// One version of an object, newest first in listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// Version ID.
    pub version_id: String,
    /// When it was written, milliseconds since the Unix epoch.
    pub last_modified_ms: u64,
    /// True for the current version.
    pub is_latest: bool,
    /// True for a delete marker (no content).
    pub is_delete_marker: bool,
    /// Size in bytes.
    pub size: u64,
}

/// A page of versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionListing {
    /// The versions of the key, newest first.
    pub versions: Vec<VersionInfo>,
    /// Where the next page starts, when there is one.
    pub next: Option<String>,
}

/// Object operations.
#[async_trait]
pub trait Objects: Send + Sync {
    /// `GetObject`; `None` when the key does not exist (or its latest version is a delete
    /// marker).
    async fn get(&self, bucket: &str, key: &str) -> CloudResult<Option<StoredObject>>;
    /// `GetObject` of one version.
    async fn get_version(
        &self,
        bucket: &str,
        key: &str,
        version_id: &str,
    ) -> CloudResult<StoredObject>;
    /// `HeadObject` of one version: its user metadata.
    async fn version_metadata(
        &self,
        bucket: &str,
        key: &str,
        version_id: &str,
    ) -> CloudResult<BTreeMap<String, String>>;
    /// `PutObject` with a precondition, server-side encryption and user metadata.
    async fn put(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        precondition: &Precondition,
        encryption: &Encryption,
        metadata: &BTreeMap<String, String>,
    ) -> CloudResult<PutOutcome>;
    /// The versions of exactly `key`, newest first, one page (`ListObjectVersions` with the key
    /// as prefix); `start` is a previous page's `next`.
    async fn versions(
        &self,
        bucket: &str,
        key: &str,
        start: Option<&str>,
    ) -> CloudResult<VersionListing>;
}
