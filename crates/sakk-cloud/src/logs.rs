//! CloudWatch Logs: the log group EKS writes control-plane logs to. sakk creates it before the
//! cluster (with retention and tags) because EKS would make one that outlives the cluster.

use crate::{CloudResult, Tags};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A log group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogGroup {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Retention in days; none keeps logs forever.
    pub retention_days: Option<i32>,
}

/// CloudWatch Logs operations.
#[async_trait]
pub trait Logs: Send + Sync {
    /// Log groups whose name starts with `prefix`.
    async fn log_groups(&self, prefix: &str) -> CloudResult<Vec<LogGroup>>;
    /// Tags of a log group.
    async fn log_group_tags(&self, arn: &str) -> CloudResult<Tags>;
    /// `CreateLogGroup` with tags.
    async fn create_log_group(&self, name: &str, tags: &Tags) -> CloudResult<()>;
    /// `PutRetentionPolicy`.
    async fn put_retention(&self, name: &str, days: i32) -> CloudResult<()>;
    /// `TagResource`.
    async fn tag_log_group(&self, arn: &str, tags: &Tags) -> CloudResult<()>;
    /// `UntagResource`.
    async fn untag_log_group(&self, arn: &str, keys: &[String]) -> CloudResult<()>;
    /// `DeleteLogGroup`.
    async fn delete_log_group(&self, name: &str) -> CloudResult<()>;
}
