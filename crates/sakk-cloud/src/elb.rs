//! Elastic Load Balancing v2: only what `destroy` needs to remove load balancers and target
//! groups that Kubernetes controllers created in the cluster's VPC.

use crate::{CloudResult, Tags};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A load balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadBalancer {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// VPC.
    pub vpc_id: Option<String>,
    /// `application`, `network`, `gateway`.
    pub kind: String,
}

/// A target group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetGroup {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// VPC.
    pub vpc_id: Option<String>,
}

/// ELBv2 operations.
#[async_trait]
pub trait Elb: Send + Sync {
    /// Every load balancer of the region.
    async fn load_balancers(&self) -> CloudResult<Vec<LoadBalancer>>;
    /// Every target group of the region.
    async fn target_groups(&self) -> CloudResult<Vec<TargetGroup>>;
    /// Tags of up to 20 load balancers or target groups.
    async fn tags(&self, arns: &[String]) -> CloudResult<BTreeMap<String, Tags>>;
    /// `DeleteLoadBalancer`.
    async fn delete_load_balancer(&self, arn: &str) -> CloudResult<()>;
    /// `DeleteTargetGroup`.
    async fn delete_target_group(&self, arn: &str) -> CloudResult<()>;
}
