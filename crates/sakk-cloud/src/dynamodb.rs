//! DynamoDB: the lock table of the S3 state backend (`dynamodb_table`, as in `backend.hcl`).

use crate::{CloudResult, Tags};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One attribute value (the lock item only needs strings and numbers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Attribute {
    /// `S`.
    String(String),
    /// `N`, in DynamoDB's decimal text form.
    Number(String),
}

impl Attribute {
    /// The text of a string attribute.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Attribute::String(text) => Some(text),
            Attribute::Number(_) => None,
        }
    }

    /// The value of a number attribute that is a whole number.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Attribute::Number(text) => text.parse().ok(),
            Attribute::String(_) => None,
        }
    }
}

/// An item: attribute name to value.
pub type Item = BTreeMap<String, Attribute>;

/// A condition expression with its placeholders (`#name`, `:value`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Condition {
    /// The expression (`attribute_not_exists(LockID)`).
    pub expression: String,
    /// `#name` placeholders.
    pub names: BTreeMap<String, String>,
    /// `:value` placeholders.
    pub values: Item,
}

/// What a table is, as far as the lock needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDescription {
    /// `ACTIVE`, `CREATING`...
    pub status: String,
    /// Key schema: (attribute, `HASH`/`RANGE`).
    pub key_schema: Vec<(String, String)>,
    /// Attribute types of the key attributes: (attribute, `S`/`N`/`B`).
    pub attribute_types: Vec<(String, String)>,
    /// `PAY_PER_REQUEST` or `PROVISIONED`.
    pub billing_mode: String,
    /// The table's ARN.
    pub arn: String,
}

/// The outcome of a conditional write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Written.
    Written,
    /// The condition did not hold (`ConditionalCheckFailedException`): nothing was written.
    ConditionFailed,
}

/// DynamoDB operations.
#[async_trait]
pub trait DynamoDb: Send + Sync {
    /// `GetItem` with a strongly consistent read, by a string hash key.
    async fn get_item(&self, table: &str, key_name: &str, key: &str) -> CloudResult<Option<Item>>;
    /// `PutItem` with an optional condition.
    async fn put_item(
        &self,
        table: &str,
        item: Item,
        condition: Option<&Condition>,
    ) -> CloudResult<WriteOutcome>;
    /// `DescribeTable`; `None` when it does not exist.
    async fn describe_table(&self, table: &str) -> CloudResult<Option<TableDescription>>;
    /// `CreateTable` with one string hash key, on-demand billing, and tags.
    async fn create_table(&self, table: &str, key_name: &str, tags: &Tags) -> CloudResult<()>;
}
