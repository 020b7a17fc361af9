//! The cloud as the engine sees it: narrow async traits per AWS service, holding only the
//! operations sakk uses, with sakk's own request and response types and one error type.
//!
//! No AWS SDK type crosses this boundary: `sakk-aws` implements the traits with the SDK, the
//! test kit implements them in memory. The executor only ever sees [`Cloud`].
//! Why `async-trait` and `Arc<dyn Trait>`: docs/adr/0020-cloud-traits-async-trait-dyn.md.

pub mod dynamodb;
pub mod ec2;
pub mod eks;
pub mod elb;
mod error;
pub mod iam;
pub mod kms;
pub mod logs;
pub mod objects;
pub mod route53;
pub mod s3;
pub mod sts;
pub mod tagging;

pub use error::{CloudError, CloudResult, ErrorKind, classify};

use std::collections::BTreeMap;
use std::sync::Arc;

/// Tags as key-value pairs, sorted.
pub type Tags = BTreeMap<String, String>;

/// Every service the engine uses, for one account and region.
#[derive(Clone)]
pub struct Cloud {
    /// The region every client talks to.
    pub region: String,
    /// STS.
    pub sts: Arc<dyn sts::Sts>,
    /// EC2 (VPC networking).
    pub ec2: Arc<dyn ec2::Ec2>,
    /// IAM.
    pub iam: Arc<dyn iam::Iam>,
    /// KMS.
    pub kms: Arc<dyn kms::Kms>,
    /// CloudWatch Logs.
    pub logs: Arc<dyn logs::Logs>,
    /// EKS.
    pub eks: Arc<dyn eks::Eks>,
    /// Route53.
    pub route53: Arc<dyn route53::Route53>,
    /// S3.
    pub s3: Arc<dyn s3::S3>,
    /// Elastic Load Balancing v2 (only to remove what controllers made).
    pub elb: Arc<dyn elb::Elb>,
    /// The Resource Groups Tagging API (the final scan).
    pub tagging: Arc<dyn tagging::Tagging>,
}

/// What the S3 state backend and `sakk init` use, in the backend's account and region (which
/// may differ from the cluster's).
#[derive(Clone)]
pub struct BackendServices {
    /// The backend's region.
    pub region: String,
    /// STS: who the credentials are.
    pub sts: Arc<dyn sts::Sts>,
    /// The bucket's settings.
    pub s3: Arc<dyn s3::S3>,
    /// The state and lock objects.
    pub objects: Arc<dyn objects::Objects>,
    /// The lock table.
    pub dynamodb: Arc<dyn dynamodb::DynamoDb>,
}

/// Drops the tags AWS manages itself (`aws:*`): they can be neither set nor removed.
pub fn user_tags(tags: Tags) -> Tags {
    tags.into_iter()
        .filter(|(key, _)| !key.starts_with("aws:"))
        .collect()
}
