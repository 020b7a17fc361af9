//! The typed model of one cluster: every default filled in, every name decided. Everything
//! downstream (planning AWS resources, rendering the GitOps tree) reads only this.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One cluster, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    /// The cluster name (a DNS-1123 label of at most 40 characters).
    pub name: String,
    /// AWS region.
    pub region: String,
    /// AWS partition of the region (`aws`, `aws-us-gov`, `aws-cn`).
    pub partition: String,
    /// Availability zones, at least two, all in `region`.
    pub availability_zones: Vec<String>,
    /// Kubernetes minor version (`1.34`).
    pub kubernetes_version: String,
    /// Tags the user asked for on every AWS resource (the ownership tags are added on top).
    pub tags: BTreeMap<String, String>,
    /// VPC layout.
    pub network: Network,
    /// DNS zones and host names.
    pub dns: Dns,
    /// TLS certificates.
    pub tls: Tls,
    /// IAM principals with cluster access (EKS access entries).
    pub admins: Vec<Admin>,
    /// Managed node groups.
    pub node_groups: Vec<NodeGroup>,
    /// The repository Argo CD syncs from.
    pub gitops: GitOps,
    /// Who can log in.
    pub identity: Identity,
    /// User groups (Cognito groups; Argo CD roles).
    pub groups: Vec<Group>,
    /// Users (created in Cognito when it is the identity provider).
    pub users: Vec<User>,
    /// Kubeflow profiles: one per team and one per user who asked for one.
    pub profiles: Vec<Profile>,
    /// Kubeflow release and components.
    pub kubeflow: Kubeflow,
    /// Database of Pipelines and Katib.
    pub database: Database,
    /// Bucket for Pipelines artifacts.
    pub object_store: ObjectStore,
    /// Where the state is kept.
    pub backend: Backend,
    /// Names of the AWS resources, decided here once.
    pub names: Names,
}

/// VPC layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// The VPC CIDR.
    pub vpc_cidr: String,
    /// One NAT gateway for the cluster, or one per zone.
    pub nat_gateways: NatGateways,
    /// A private and a public subnet per zone.
    pub subnets: Vec<ZoneSubnets>,
    /// Whether the Kubernetes API endpoint is reachable from the internet.
    pub endpoint_public_access: bool,
    /// Who may reach the public endpoint.
    pub public_access_cidrs: Vec<String>,
}

/// NAT gateway layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NatGateways {
    /// One NAT gateway in the first zone (cheaper; the SAKK layout).
    Single,
    /// One NAT gateway per zone (survives the loss of a zone).
    PerAz,
}

/// The subnets of one zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneSubnets {
    /// Availability zone.
    pub zone: String,
    /// Private subnet (nodes, pods).
    pub private: String,
    /// Public subnet (NAT gateway, internet-facing load balancers).
    pub public: String,
}

/// DNS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dns {
    /// Domains; sakk creates a hosted zone for each. The first drives the host names.
    pub domains: Vec<String>,
    /// The parent zone that gets NS records delegating each domain.
    pub parent_zone_id: Option<String>,
    /// Private (VPC-only) hosted zones.
    pub private: bool,
    /// Kubeflow's host name: `kubeflow.<first domain>`.
    pub kubeflow_host: String,
    /// Argo CD's host name: `argocd.<first domain>`.
    pub argocd_host: String,
}

/// TLS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tls {
    /// Let's Encrypt account e-mail (absent with private DNS).
    pub acme_email: Option<String>,
    /// The cert-manager ClusterIssuer the platform's certificates use.
    pub issuer: String,
}

/// Access level of an EKS access entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// `AmazonEKSClusterAdminPolicy`.
    ClusterAdmin,
    /// `AmazonEKSAdminPolicy`.
    Admin,
    /// `AmazonEKSEditPolicy`.
    Edit,
    /// `AmazonEKSViewPolicy`.
    View,
}

impl Access {
    /// Every level, with its name in the cluster file.
    pub const ALL: [(&'static str, Access); 4] = [
        ("cluster-admin", Access::ClusterAdmin),
        ("admin", Access::Admin),
        ("edit", Access::Edit),
        ("view", Access::View),
    ];

    /// The EKS access policy name.
    pub fn policy(self) -> &'static str {
        match self {
            Access::ClusterAdmin => "AmazonEKSClusterAdminPolicy",
            Access::Admin => "AmazonEKSAdminPolicy",
            Access::Edit => "AmazonEKSEditPolicy",
            Access::View => "AmazonEKSViewPolicy",
        }
    }
}

/// An IAM principal with access to the Kubernetes API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admin {
    /// IAM user or role ARN.
    pub arn: String,
    /// Kubernetes user name.
    pub username: String,
    /// Extra Kubernetes groups.
    pub kubernetes_groups: Vec<String>,
    /// Access level.
    pub access: Access,
}

/// On-demand or spot capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CapacityType {
    /// On-demand instances.
    OnDemand,
    /// Spot instances.
    Spot,
}

/// A Kubernetes taint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Taint {
    /// Key.
    pub key: String,
    /// Value (may be empty).
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

/// A managed node group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeGroup {
    /// Name (unique in the cluster).
    pub name: String,
    /// EC2 instance types.
    pub instance_types: Vec<String>,
    /// Minimum size.
    pub min_size: u32,
    /// Desired size at creation.
    pub desired_size: u32,
    /// Maximum size.
    pub max_size: u32,
    /// On-demand or spot.
    pub capacity_type: CapacityType,
    /// GPU nodes (the NVIDIA AMI, the device plugin, a taint).
    pub gpu: bool,
    /// EKS AMI type.
    pub ami_type: String,
    /// Root volume size in GiB.
    pub disk_size: u32,
    /// Kubernetes labels.
    pub labels: BTreeMap<String, String>,
    /// Kubernetes taints.
    pub taints: Vec<Taint>,
}

/// The GitOps repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitOps {
    /// The URL Argo CD clones.
    pub repo_url: String,
    /// Branch.
    pub branch: String,
    /// Directory of the root application, relative to the repository root, without a trailing
    /// slash (SAKK's `argo_path_prefix` + `argo_apps_dir`).
    pub path: String,
}

/// The identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "provider")]
pub enum Identity {
    /// A Cognito user pool created by sakk.
    Cognito {
        /// User pool name.
        user_pool: String,
        /// Hosted UI domain prefix (`<prefix>.auth.<region>.amazoncognito.com`).
        domain_prefix: String,
    },
    /// An existing OIDC provider.
    Oidc {
        /// Issuer URL.
        issuer: String,
        /// Client ID.
        client_id: String,
        /// ARN of the Secrets Manager secret holding the client secret.
        client_secret_arn: String,
        /// The claim holding group names.
        groups_claim: String,
    },
}

/// Argo CD role of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArgoRole {
    /// `role:admin`.
    Admin,
    /// `role:readonly`.
    Readonly,
}

/// A user group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Name.
    pub name: String,
    /// Argo CD role of its members.
    pub argocd_role: ArgoRole,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// User name.
    pub username: String,
    /// E-mail (the Kubeflow identity).
    pub email: String,
    /// Groups.
    pub groups: Vec<String>,
}

/// Edit or view access to a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemberAccess {
    /// Can create and change resources.
    Edit,
    /// Can read.
    View,
}

/// A member of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// E-mail.
    pub email: String,
    /// Access.
    pub access: MemberAccess,
}

/// A profile's resource quota (Kubernetes quantities).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Quota {
    /// CPU.
    pub cpu: Option<String>,
    /// Memory.
    pub memory: Option<String>,
    /// GPUs.
    pub gpu: Option<u64>,
    /// Persistent volume storage.
    pub storage: Option<String>,
}

/// Team or personal profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileKind {
    /// From a `team` block.
    Team,
    /// A user's own profile.
    Personal,
}

/// A Kubeflow profile (and its namespace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Profile and namespace name.
    pub name: String,
    /// Team or personal.
    pub kind: ProfileKind,
    /// Owner's e-mail.
    pub owner: String,
    /// Other members.
    pub members: Vec<Member>,
    /// Resource quota.
    pub quota: Option<Quota>,
    /// IAM policies of the profile's role.
    pub aws_policies: Vec<String>,
    /// The profile's IAM role, when it has policies.
    pub iam_role: Option<String>,
}

/// Kubeflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kubeflow {
    /// kubeflow/manifests release (`26.03`, `v1.10.2`).
    pub release: String,
    /// Every component of the catalog, switched on or off, with its version.
    pub components: Vec<Component>,
}

impl Kubeflow {
    /// The component named `name`, if it is enabled.
    pub fn enabled(&self, name: &str) -> Option<&Component> {
        self.components
            .iter()
            .find(|component| component.name == name && component.enabled)
    }
}

/// A platform component (an EKS add-on or a part of Kubeflow).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// Name in the catalog.
    pub name: String,
    /// Installed or not.
    pub enabled: bool,
    /// The version installed.
    pub version: String,
    /// True when the version comes from the cluster file, not the release.
    pub version_overridden: bool,
}

/// The database of Pipelines and Katib.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Database {
    /// MySQL in the cluster (the kubeflow/manifests default).
    InCluster,
    /// An RDS MySQL instance created by sakk.
    Rds {
        /// Instance identifier.
        identifier: String,
        /// Instance class.
        instance_class: String,
        /// Storage in GiB.
        storage_gb: u32,
        /// Multi-AZ.
        multi_az: bool,
        /// Name of the Secrets Manager secret sakk creates for the password.
        password_secret: String,
    },
    /// An existing MySQL server.
    External {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// User name.
        username: String,
        /// ARN of the Secrets Manager secret holding the password.
        password_secret_arn: String,
    },
}

/// The Pipelines artifact bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectStore {
    /// Bucket name.
    pub bucket: String,
    /// True when sakk creates and deletes it; false for an existing bucket.
    pub managed: bool,
}

/// Where the state lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Backend {
    /// A file.
    Local {
        /// Path, relative to the cluster file's directory.
        path: String,
    },
    /// An S3 object.
    S3 {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// Bucket region.
        region: String,
        /// DynamoDB lock table; without one, an S3 lock object is used.
        dynamodb_table: Option<String>,
        /// KMS key for the state object.
        kms_key_id: Option<String>,
        /// AWS profile for the backend.
        profile: Option<String>,
    },
}

/// An IAM role for a Kubernetes service account (IRSA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccountRole {
    /// IAM role name.
    pub role: String,
    /// The service accounts it trusts, as `namespace:name`.
    pub service_accounts: Vec<String>,
}

/// Names of the AWS resources of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    /// EKS cluster.
    pub eks_cluster: String,
    /// `Name` tag of the VPC.
    pub vpc: String,
    /// EKS cluster IAM role.
    pub cluster_role: String,
    /// Node IAM role.
    pub node_role: String,
    /// Alias of the KMS key for secrets encryption.
    pub kms_alias: String,
    /// Service-account roles, by component.
    pub service_account_roles: BTreeMap<String, ServiceAccountRole>,
    /// Secrets Manager secrets sakk creates, by purpose.
    pub secrets: BTreeMap<String, String>,
    /// Ownership tags every created resource carries.
    pub ownership_tags: BTreeMap<String, String>,
}
