//! STS: who is calling.

use crate::CloudResult;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// The identity behind the credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerIdentity {
    /// Account ID.
    pub account: String,
    /// ARN of the user or assumed role.
    pub arn: String,
}

/// STS operations.
#[async_trait]
pub trait Sts: Send + Sync {
    /// `GetCallerIdentity`.
    async fn caller_identity(&self) -> CloudResult<CallerIdentity>;
}
