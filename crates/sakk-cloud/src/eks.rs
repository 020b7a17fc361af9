//! EKS: the cluster, its managed node groups, add-ons and access entries.

use crate::{CloudResult, Tags};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// `CREATING`, `ACTIVE`, `UPDATING`, `DELETING`, `FAILED`, `PENDING`.
    pub status: String,
    /// What AWS says is wrong (`code: message` of each health issue).
    #[serde(default)]
    pub health: Vec<String>,
    /// Kubernetes minor version.
    pub version: String,
    /// Cluster IAM role.
    pub role_arn: String,
    /// Subnets of the control plane's network interfaces.
    pub subnet_ids: Vec<String>,
    /// Public endpoint.
    pub endpoint_public_access: bool,
    /// Private endpoint.
    pub endpoint_private_access: bool,
    /// Who may reach the public endpoint.
    pub public_access_cidrs: Vec<String>,
    /// Control plane log types that are on, sorted.
    pub enabled_log_types: Vec<String>,
    /// KMS key encrypting Kubernetes secrets.
    pub secrets_key_arn: Option<String>,
    /// OIDC issuer URL.
    pub oidc_issuer: Option<String>,
    /// API server endpoint.
    pub endpoint: Option<String>,
    /// Base64 CA certificate.
    pub certificate_authority: Option<String>,
    /// The security group EKS made for the cluster.
    pub cluster_security_group_id: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// What `CreateCluster` sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateCluster {
    /// Name.
    pub name: String,
    /// Kubernetes minor version.
    pub version: String,
    /// Cluster IAM role ARN.
    pub role_arn: String,
    /// Subnets.
    pub subnet_ids: Vec<String>,
    /// Public endpoint.
    pub endpoint_public_access: bool,
    /// Private endpoint.
    pub endpoint_private_access: bool,
    /// Who may reach the public endpoint.
    pub public_access_cidrs: Vec<String>,
    /// Log types to enable.
    pub enabled_log_types: Vec<String>,
    /// KMS key for secrets encryption.
    pub secrets_key_arn: Option<String>,
    /// Access entries only (`API`), no aws-auth ConfigMap.
    pub authentication_mode: String,
    /// False: nobody gets implicit admin access; admins come from access entries.
    pub bootstrap_creator_admin: bool,
    /// False: vpc-cni, kube-proxy and coredns come as managed add-ons, not pre-installed.
    pub bootstrap_self_managed_addons: bool,
    /// Idempotency token.
    pub client_request_token: String,
    /// Tags.
    pub tags: Tags,
}

/// Changes to a cluster's configuration (one kind of change per update, as EKS requires).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClusterUpdate {
    /// Endpoint access.
    Endpoint {
        /// Public endpoint.
        public: bool,
        /// Private endpoint.
        private: bool,
        /// Who may reach the public endpoint.
        public_access_cidrs: Vec<String>,
    },
    /// Log types: the full set that should be on; every other type is turned off.
    Logging {
        /// On.
        enabled: Vec<String>,
        /// Off.
        disabled: Vec<String>,
    },
}

/// A Kubernetes taint on a node group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Taint {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
    /// `NO_SCHEDULE`, `NO_EXECUTE`, `PREFER_NO_SCHEDULE`.
    pub effect: String,
}

/// A managed node group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeGroup {
    /// Cluster.
    pub cluster: String,
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// `CREATING`, `ACTIVE`, `UPDATING`, `DELETING`, `CREATE_FAILED`, `DELETE_FAILED`, `DEGRADED`.
    pub status: String,
    /// What AWS says is wrong (`code: message` of each health issue).
    #[serde(default)]
    pub health: Vec<String>,
    /// Node IAM role ARN.
    pub node_role: String,
    /// Subnets.
    pub subnet_ids: Vec<String>,
    /// Instance types.
    pub instance_types: Vec<String>,
    /// AMI type.
    pub ami_type: String,
    /// `ON_DEMAND` or `SPOT`.
    pub capacity_type: String,
    /// Root volume GiB.
    pub disk_size: Option<i32>,
    /// Minimum size.
    pub min_size: i32,
    /// Maximum size.
    pub max_size: i32,
    /// Desired size.
    pub desired_size: i32,
    /// Kubernetes labels.
    pub labels: BTreeMap<String, String>,
    /// Taints, sorted.
    pub taints: Vec<Taint>,
    /// Kubernetes version.
    pub version: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// What `CreateNodegroup` sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateNodeGroup {
    /// Cluster.
    pub cluster: String,
    /// Name.
    pub name: String,
    /// Node role ARN.
    pub node_role: String,
    /// Subnets.
    pub subnet_ids: Vec<String>,
    /// Instance types.
    pub instance_types: Vec<String>,
    /// AMI type.
    pub ami_type: String,
    /// `ON_DEMAND` or `SPOT`.
    pub capacity_type: String,
    /// Root volume GiB.
    pub disk_size: i32,
    /// Minimum size.
    pub min_size: i32,
    /// Maximum size.
    pub max_size: i32,
    /// Desired size.
    pub desired_size: i32,
    /// Kubernetes labels.
    pub labels: BTreeMap<String, String>,
    /// Taints.
    pub taints: Vec<Taint>,
    /// Kubernetes version (the cluster's).
    pub version: Option<String>,
    /// Idempotency token.
    pub client_request_token: String,
    /// Tags.
    pub tags: Tags,
}

/// Changes to a node group's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeGroupUpdate {
    /// New minimum, maximum and desired size.
    pub scaling: Option<(i32, i32, i32)>,
    /// Labels to add or change.
    pub add_labels: BTreeMap<String, String>,
    /// Labels to remove.
    pub remove_labels: Vec<String>,
    /// Taints to add or change.
    pub add_taints: Vec<Taint>,
    /// Taints to remove.
    pub remove_taints: Vec<Taint>,
}

/// An add-on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addon {
    /// Name (`vpc-cni`).
    pub name: String,
    /// ARN.
    pub arn: String,
    /// `CREATING`, `ACTIVE`, `DEGRADED`, `UPDATING`, `DELETING`, `CREATE_FAILED`,
    /// `UPDATE_FAILED`, `DELETE_FAILED`.
    pub status: String,
    /// What AWS says is wrong (`code: message` of each health issue).
    #[serde(default)]
    pub health: Vec<String>,
    /// Version.
    pub version: String,
    /// Service-account role.
    pub service_account_role_arn: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// What `CreateAddon` sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateAddon {
    /// Cluster.
    pub cluster: String,
    /// Name.
    pub name: String,
    /// Version; none for the default of the cluster's Kubernetes version.
    pub version: Option<String>,
    /// Service-account role.
    pub service_account_role_arn: Option<String>,
    /// Idempotency token.
    pub client_request_token: String,
    /// Tags.
    pub tags: Tags,
}

/// An access entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// IAM principal.
    pub principal_arn: String,
    /// ARN of the entry.
    pub arn: String,
    /// Kubernetes user name.
    pub username: String,
    /// Kubernetes groups, sorted.
    pub kubernetes_groups: Vec<String>,
    /// Access policies associated with cluster scope, sorted.
    pub access_policies: Vec<String>,
    /// Tags.
    pub tags: Tags,
}

/// EKS operations.
#[async_trait]
pub trait Eks: Send + Sync {
    /// `DescribeCluster`.
    async fn cluster(&self, name: &str) -> CloudResult<Cluster>;
    /// `CreateCluster`.
    async fn create_cluster(&self, request: &CreateCluster) -> CloudResult<Cluster>;
    /// `UpdateClusterConfig`.
    async fn update_cluster(&self, name: &str, update: &ClusterUpdate) -> CloudResult<()>;
    /// `UpdateClusterVersion`.
    async fn update_cluster_version(&self, name: &str, version: &str) -> CloudResult<()>;
    /// `DeleteCluster`.
    async fn delete_cluster(&self, name: &str) -> CloudResult<()>;
    /// `TagResource` on any EKS ARN.
    async fn tag(&self, arn: &str, tags: &Tags) -> CloudResult<()>;
    /// `UntagResource` on any EKS ARN.
    async fn untag(&self, arn: &str, keys: &[String]) -> CloudResult<()>;

    /// Names of the cluster's node groups.
    async fn node_groups(&self, cluster: &str) -> CloudResult<Vec<String>>;
    /// `DescribeNodegroup`.
    async fn node_group(&self, cluster: &str, name: &str) -> CloudResult<NodeGroup>;
    /// `CreateNodegroup`.
    async fn create_node_group(&self, request: &CreateNodeGroup) -> CloudResult<NodeGroup>;
    /// `UpdateNodegroupConfig`.
    async fn update_node_group(
        &self,
        cluster: &str,
        name: &str,
        update: &NodeGroupUpdate,
    ) -> CloudResult<()>;
    /// `UpdateNodegroupVersion` to the cluster's version.
    async fn update_node_group_version(
        &self,
        cluster: &str,
        name: &str,
        version: &str,
    ) -> CloudResult<()>;
    /// `DeleteNodegroup`.
    async fn delete_node_group(&self, cluster: &str, name: &str) -> CloudResult<()>;

    /// Names of the cluster's add-ons.
    async fn addons(&self, cluster: &str) -> CloudResult<Vec<String>>;
    /// `DescribeAddon`.
    async fn addon(&self, cluster: &str, name: &str) -> CloudResult<Addon>;
    /// `CreateAddon` (conflicts resolved by overwriting).
    async fn create_addon(&self, request: &CreateAddon) -> CloudResult<Addon>;
    /// `UpdateAddon`.
    async fn update_addon(
        &self,
        cluster: &str,
        name: &str,
        version: Option<&str>,
        service_account_role_arn: Option<&str>,
    ) -> CloudResult<()>;
    /// `DeleteAddon`.
    async fn delete_addon(&self, cluster: &str, name: &str) -> CloudResult<()>;

    /// `DescribeAccessEntry` with its cluster-scoped access policies.
    async fn access_entry(&self, cluster: &str, principal_arn: &str) -> CloudResult<AccessEntry>;
    /// Principals with an access entry.
    async fn access_entries(&self, cluster: &str) -> CloudResult<Vec<String>>;
    /// `CreateAccessEntry` (type `STANDARD`).
    async fn create_access_entry(
        &self,
        cluster: &str,
        principal_arn: &str,
        username: &str,
        kubernetes_groups: &[String],
        tags: &Tags,
    ) -> CloudResult<AccessEntry>;
    /// `UpdateAccessEntry`.
    async fn update_access_entry(
        &self,
        cluster: &str,
        principal_arn: &str,
        username: &str,
        kubernetes_groups: &[String],
    ) -> CloudResult<()>;
    /// `AssociateAccessPolicy` with cluster scope.
    async fn associate_access_policy(
        &self,
        cluster: &str,
        principal_arn: &str,
        policy_arn: &str,
    ) -> CloudResult<()>;
    /// `DisassociateAccessPolicy`.
    async fn disassociate_access_policy(
        &self,
        cluster: &str,
        principal_arn: &str,
        policy_arn: &str,
    ) -> CloudResult<()>;
    /// `DeleteAccessEntry`.
    async fn delete_access_entry(&self, cluster: &str, principal_arn: &str) -> CloudResult<()>;
}
