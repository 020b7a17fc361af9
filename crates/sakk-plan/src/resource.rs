//! Resource kinds, addresses and specifications.
//!
//! A specification is what AWS should hold for one resource. Values that come from another
//! resource (a VPC ID, a role ARN, the OIDC issuer) are written `${address.attribute}` and
//! resolved once that resource exists; see [`crate::reference`].

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Tags, sorted.
pub type Tags = BTreeMap<String, String>;

/// The kind of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// VPC.
    Vpc,
    /// Subnet.
    Subnet,
    /// Internet gateway, attached to the VPC.
    InternetGateway,
    /// Elastic IP of a NAT gateway.
    ElasticIp,
    /// NAT gateway.
    NatGateway,
    /// Route table with its routes and subnet associations.
    RouteTable,
    /// IAM role with its managed and inline policies.
    IamRole,
    /// IAM OIDC provider of the cluster's issuer.
    OidcProvider,
    /// KMS key for Kubernetes secrets.
    KmsKey,
    /// KMS alias.
    KmsAlias,
    /// CloudWatch log group of the control plane.
    LogGroup,
    /// EKS cluster.
    EksCluster,
    /// EKS managed node group.
    NodeGroup,
    /// EKS add-on.
    Addon,
    /// EKS access entry with its access policy.
    AccessEntry,
    /// Route53 hosted zone.
    HostedZone,
    /// NS delegation of a zone in its parent zone.
    Delegation,
    /// S3 bucket.
    Bucket,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 18] = [
        Kind::Vpc,
        Kind::Subnet,
        Kind::InternetGateway,
        Kind::ElasticIp,
        Kind::NatGateway,
        Kind::RouteTable,
        Kind::IamRole,
        Kind::OidcProvider,
        Kind::KmsKey,
        Kind::KmsAlias,
        Kind::LogGroup,
        Kind::EksCluster,
        Kind::NodeGroup,
        Kind::Addon,
        Kind::AccessEntry,
        Kind::HostedZone,
        Kind::Delegation,
        Kind::Bucket,
    ];

    /// The prefix of addresses of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vpc => "vpc",
            Kind::Subnet => "subnet",
            Kind::InternetGateway => "internet_gateway",
            Kind::ElasticIp => "elastic_ip",
            Kind::NatGateway => "nat_gateway",
            Kind::RouteTable => "route_table",
            Kind::IamRole => "iam_role",
            Kind::OidcProvider => "iam_oidc_provider",
            Kind::KmsKey => "kms_key",
            Kind::KmsAlias => "kms_alias",
            Kind::LogGroup => "log_group",
            Kind::EksCluster => "eks_cluster",
            Kind::NodeGroup => "eks_node_group",
            Kind::Addon => "eks_addon",
            Kind::AccessEntry => "eks_access_entry",
            Kind::HostedZone => "route53_zone",
            Kind::Delegation => "route53_delegation",
            Kind::Bucket => "s3_bucket",
        }
    }

    /// The kind named `prefix`.
    pub fn from_prefix(prefix: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == prefix)
    }

    /// Fields that cannot change in place: a change replaces the resource.
    pub fn immutable_fields(self) -> &'static [&'static str] {
        match self {
            Kind::Vpc => &["cidr_block"],
            Kind::Subnet => &["vpc_id", "cidr_block", "availability_zone"],
            Kind::NatGateway => &["subnet_id", "allocation_id"],
            Kind::RouteTable => &["vpc_id"],
            Kind::IamRole => &["name"],
            Kind::OidcProvider => &["url"],
            Kind::KmsAlias => &["name"],
            Kind::LogGroup => &["name"],
            Kind::EksCluster => &["name", "role_arn", "subnet_ids", "secrets_key_arn"],
            Kind::NodeGroup => &[
                "cluster_name",
                "name",
                "node_role_arn",
                "subnet_ids",
                "instance_types",
                "ami_type",
                "capacity_type",
                "disk_size",
            ],
            Kind::Addon => &["cluster_name", "name"],
            Kind::AccessEntry => &["cluster_name", "principal_arn"],
            Kind::HostedZone => &["name", "private", "vpc_id"],
            Kind::Delegation => &["parent_zone_id", "name"],
            Kind::Bucket => &["name"],
            Kind::InternetGateway | Kind::ElasticIp | Kind::KmsKey => &[],
        }
    }

    /// Fields used only when creating: later differences are not drift (the autoscaler owns
    /// a node group's desired size; AWS cannot change a zone's comment or a key's description
    /// through the calls sakk makes).
    pub fn create_only_fields(self) -> &'static [&'static str] {
        match self {
            Kind::NodeGroup => &["desired_size"],
            Kind::EksCluster => &["authentication_mode"],
            Kind::HostedZone => &["comment"],
            Kind::KmsKey => &["description"],
            Kind::IamRole => &["description"],
            _ => &[],
        }
    }

    /// List fields whose order carries no meaning: sorted after references are resolved, so
    /// IDs compare equal whatever order they were created in.
    pub fn set_fields(self) -> &'static [&'static str] {
        match self {
            Kind::RouteTable => &["subnet_ids"],
            Kind::IamRole => &["managed_policies"],
            Kind::OidcProvider => &["client_ids"],
            Kind::EksCluster => &["subnet_ids", "public_access_cidrs", "enabled_log_types"],
            Kind::NodeGroup => &["subnet_ids", "taints"],
            Kind::AccessEntry => &["kubernetes_groups", "access_policies"],
            Kind::Delegation => &["name_servers"],
            _ => &[],
        }
    }

    /// Sorts the set fields of `fields` in place.
    pub fn normalize(self, fields: &mut serde_json::Map<String, Value>) {
        for field in self.set_fields() {
            if let Some(Value::Array(items)) = fields.get_mut(*field) {
                items.sort_by_key(|item| match item {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                });
            }
        }
    }

    /// Whether resources of this kind carry tags that sakk sets and checks.
    pub fn has_tags(self) -> bool {
        !matches!(self, Kind::KmsAlias | Kind::Delegation)
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Kind::from_prefix(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown resource kind `{text}`")))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The address of a resource in the graph: `<kind>.<name>` (`subnet.private-eu-west-1a`,
/// `route53_zone.ml.example.com`). Stable across runs: it is also a tag on the resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Address(String);

impl Address {
    /// The address of `name` of `kind`.
    pub fn new(kind: Kind, name: &str) -> Self {
        Self(format!("{}.{name}", kind.as_str()))
    }

    /// Parses an address; none when its kind is unknown.
    pub fn parse(text: &str) -> Option<Self> {
        let (prefix, name) = text.split_once('.')?;
        Kind::from_prefix(prefix)?;
        if name.is_empty() {
            return None;
        }
        Some(Self(text.to_owned()))
    }

    /// The kind.
    pub fn kind(&self) -> Kind {
        self.0
            .split_once('.')
            .and_then(|(prefix, _)| Kind::from_prefix(prefix))
            .unwrap_or(Kind::Vpc)
    }

    /// The name after the kind.
    pub fn name(&self) -> &str {
        self.0.split_once('.').map(|(_, name)| name).unwrap_or("")
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A reference to one of this resource's attributes, for use in a specification.
    pub fn attribute(&self, attribute: &str) -> String {
        format!("${{{}.{attribute}}}", self.0)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A VPC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpcSpec {
    /// Primary CIDR block.
    pub cidr_block: String,
    /// DNS host names for instances (EKS needs them).
    pub enable_dns_hostnames: bool,
    /// Tags.
    pub tags: Tags,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubnetSpec {
    /// VPC.
    pub vpc_id: String,
    /// CIDR block.
    pub cidr_block: String,
    /// Zone.
    pub availability_zone: String,
    /// Public subnets give instances a public address.
    pub map_public_ip_on_launch: bool,
    /// Tags (with the load balancer role tags).
    pub tags: Tags,
}

/// An internet gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InternetGatewaySpec {
    /// The VPC it is attached to.
    pub vpc_id: String,
    /// Tags.
    pub tags: Tags,
}

/// An Elastic IP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElasticIpSpec {
    /// Tags.
    pub tags: Tags,
}

/// A NAT gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NatGatewaySpec {
    /// Public subnet.
    pub subnet_id: String,
    /// Elastic IP allocation.
    pub allocation_id: String,
    /// Tags.
    pub tags: Tags,
}

/// A route table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteTableSpec {
    /// VPC.
    pub vpc_id: String,
    /// Routes by destination CIDR: target gateway (`igw-...`) or NAT gateway (`nat-...`).
    /// The VPC's `local` route is implicit.
    pub routes: BTreeMap<String, String>,
    /// Associated subnets, sorted.
    pub subnet_ids: Vec<String>,
    /// Tags.
    pub tags: Tags,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IamRoleSpec {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Trust policy.
    pub trust_policy: Value,
    /// Attached managed policies, sorted.
    pub managed_policies: Vec<String>,
    /// Inline policies by name.
    pub inline_policies: BTreeMap<String, Value>,
    /// Tags.
    pub tags: Tags,
}

/// An IAM OIDC provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OidcProviderSpec {
    /// Issuer URL without `https://`.
    pub url: String,
    /// Audiences, sorted.
    pub client_ids: Vec<String>,
    /// Tags.
    pub tags: Tags,
}

/// A KMS key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmsKeySpec {
    /// Description.
    pub description: String,
    /// Tags.
    pub tags: Tags,
}

/// A KMS alias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmsAliasSpec {
    /// `alias/...`.
    pub name: String,
    /// The key.
    pub target_key_id: String,
}

/// A CloudWatch log group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogGroupSpec {
    /// Name.
    pub name: String,
    /// Retention in days.
    pub retention_days: i32,
    /// Tags.
    pub tags: Tags,
}

/// An EKS cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EksClusterSpec {
    /// Name.
    pub name: String,
    /// Kubernetes minor version.
    pub version: String,
    /// Cluster role.
    pub role_arn: String,
    /// Subnets of the control plane's interfaces, sorted.
    pub subnet_ids: Vec<String>,
    /// Public endpoint.
    pub endpoint_public_access: bool,
    /// Private endpoint.
    pub endpoint_private_access: bool,
    /// Who may reach the public endpoint, sorted.
    pub public_access_cidrs: Vec<String>,
    /// Control plane log types, sorted.
    pub enabled_log_types: Vec<String>,
    /// KMS key encrypting Kubernetes secrets.
    pub secrets_key_arn: String,
    /// `API`: access entries only.
    pub authentication_mode: String,
    /// Tags.
    pub tags: Tags,
}

/// A taint as EKS spells it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaintSpec {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
    /// `NO_SCHEDULE`, `NO_EXECUTE`, `PREFER_NO_SCHEDULE`.
    pub effect: String,
}

/// A managed node group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeGroupSpec {
    /// Cluster.
    pub cluster_name: String,
    /// Name.
    pub name: String,
    /// Node role.
    pub node_role_arn: String,
    /// Private subnets, sorted.
    pub subnet_ids: Vec<String>,
    /// Instance types (order is preference).
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
    /// Size at creation (the autoscaler owns it afterwards).
    pub desired_size: i32,
    /// Kubernetes labels.
    pub labels: BTreeMap<String, String>,
    /// Taints, sorted.
    pub taints: Vec<TaintSpec>,
    /// Kubernetes version (the cluster's).
    pub version: String,
    /// Tags (with the autoscaler's discovery tags).
    pub tags: Tags,
}

/// An EKS add-on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddonSpec {
    /// Cluster.
    pub cluster_name: String,
    /// Name.
    pub name: String,
    /// Version; none follows EKS's default for the cluster's Kubernetes version.
    pub version: Option<String>,
    /// Service-account role.
    pub service_account_role_arn: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// An EKS access entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessEntrySpec {
    /// Cluster.
    pub cluster_name: String,
    /// IAM principal.
    pub principal_arn: String,
    /// Kubernetes user name.
    pub username: String,
    /// Kubernetes groups, sorted.
    pub kubernetes_groups: Vec<String>,
    /// Access policies with cluster scope, sorted.
    pub access_policies: Vec<String>,
    /// Tags.
    pub tags: Tags,
}

/// A Route53 hosted zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostedZoneSpec {
    /// Domain, without the trailing dot.
    pub name: String,
    /// Comment.
    pub comment: String,
    /// Private zone.
    pub private: bool,
    /// The VPC a private zone answers in.
    pub vpc_id: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// The NS record delegating a zone from its parent zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DelegationSpec {
    /// The parent zone.
    pub parent_zone_id: String,
    /// Domain, without the trailing dot.
    pub name: String,
    /// TTL.
    pub ttl: i64,
    /// The zone's name servers, sorted.
    pub name_servers: Value,
}

/// An S3 bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketSpec {
    /// Name.
    pub name: String,
    /// Versioning on.
    pub versioning: bool,
    /// Default encryption (`AES256`).
    pub encryption: String,
    /// Every public access setting blocked.
    pub block_public_access: bool,
    /// Tags.
    pub tags: Tags,
}

/// What one resource should be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Spec {
    /// VPC.
    Vpc(VpcSpec),
    /// Subnet.
    Subnet(SubnetSpec),
    /// Internet gateway.
    InternetGateway(InternetGatewaySpec),
    /// Elastic IP.
    ElasticIp(ElasticIpSpec),
    /// NAT gateway.
    NatGateway(NatGatewaySpec),
    /// Route table.
    RouteTable(RouteTableSpec),
    /// IAM role.
    IamRole(IamRoleSpec),
    /// IAM OIDC provider.
    #[serde(rename = "iam_oidc_provider")]
    OidcProvider(OidcProviderSpec),
    /// KMS key.
    KmsKey(KmsKeySpec),
    /// KMS alias.
    KmsAlias(KmsAliasSpec),
    /// Log group.
    LogGroup(LogGroupSpec),
    /// EKS cluster.
    EksCluster(EksClusterSpec),
    /// Node group.
    #[serde(rename = "eks_node_group")]
    NodeGroup(NodeGroupSpec),
    /// Add-on.
    #[serde(rename = "eks_addon")]
    Addon(AddonSpec),
    /// Access entry.
    #[serde(rename = "eks_access_entry")]
    AccessEntry(AccessEntrySpec),
    /// Hosted zone.
    #[serde(rename = "route53_zone")]
    HostedZone(HostedZoneSpec),
    /// Delegation.
    #[serde(rename = "route53_delegation")]
    Delegation(DelegationSpec),
    /// Bucket.
    #[serde(rename = "s3_bucket")]
    Bucket(BucketSpec),
}

impl Spec {
    /// The kind.
    pub fn kind(&self) -> Kind {
        match self {
            Spec::Vpc(_) => Kind::Vpc,
            Spec::Subnet(_) => Kind::Subnet,
            Spec::InternetGateway(_) => Kind::InternetGateway,
            Spec::ElasticIp(_) => Kind::ElasticIp,
            Spec::NatGateway(_) => Kind::NatGateway,
            Spec::RouteTable(_) => Kind::RouteTable,
            Spec::IamRole(_) => Kind::IamRole,
            Spec::OidcProvider(_) => Kind::OidcProvider,
            Spec::KmsKey(_) => Kind::KmsKey,
            Spec::KmsAlias(_) => Kind::KmsAlias,
            Spec::LogGroup(_) => Kind::LogGroup,
            Spec::EksCluster(_) => Kind::EksCluster,
            Spec::NodeGroup(_) => Kind::NodeGroup,
            Spec::Addon(_) => Kind::Addon,
            Spec::AccessEntry(_) => Kind::AccessEntry,
            Spec::HostedZone(_) => Kind::HostedZone,
            Spec::Delegation(_) => Kind::Delegation,
            Spec::Bucket(_) => Kind::Bucket,
        }
    }

    /// The tags, for kinds that have them.
    pub fn tags(&self) -> Option<&Tags> {
        match self {
            Spec::Vpc(spec) => Some(&spec.tags),
            Spec::Subnet(spec) => Some(&spec.tags),
            Spec::InternetGateway(spec) => Some(&spec.tags),
            Spec::ElasticIp(spec) => Some(&spec.tags),
            Spec::NatGateway(spec) => Some(&spec.tags),
            Spec::RouteTable(spec) => Some(&spec.tags),
            Spec::IamRole(spec) => Some(&spec.tags),
            Spec::OidcProvider(spec) => Some(&spec.tags),
            Spec::KmsKey(spec) => Some(&spec.tags),
            Spec::LogGroup(spec) => Some(&spec.tags),
            Spec::EksCluster(spec) => Some(&spec.tags),
            Spec::NodeGroup(spec) => Some(&spec.tags),
            Spec::Addon(spec) => Some(&spec.tags),
            Spec::AccessEntry(spec) => Some(&spec.tags),
            Spec::HostedZone(spec) => Some(&spec.tags),
            Spec::Bucket(spec) => Some(&spec.tags),
            Spec::KmsAlias(_) | Spec::Delegation(_) => None,
        }
    }

    /// The fields as a JSON object, without the `kind` tag.
    pub fn fields(&self) -> serde_json::Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(mut map)) => {
                map.shift_remove("kind");
                map
            }
            _ => serde_json::Map::new(),
        }
    }

    /// Rebuilds a specification of `kind` from its fields.
    pub fn from_fields(
        kind: Kind,
        fields: serde_json::Map<String, Value>,
    ) -> Result<Spec, serde_json::Error> {
        let mut map = fields;
        // The serde tag of every variant is the kind's address prefix.
        map.insert("kind".into(), Value::String(kind.as_str().into()));
        serde_json::from_value(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_and_keep_dotted_names() {
        let address = Address::new(Kind::HostedZone, "ml.example.com");
        assert_eq!(address.as_str(), "route53_zone.ml.example.com");
        assert_eq!(address.kind(), Kind::HostedZone);
        assert_eq!(address.name(), "ml.example.com");
        assert_eq!(Address::parse("route53_zone.ml.example.com"), Some(address));
        assert_eq!(Address::parse("nonsense.x"), None);
        assert_eq!(Address::parse("vpc."), None);
    }

    #[test]
    fn specs_round_trip_through_their_fields() {
        for kind in Kind::ALL {
            let spec = match kind {
                Kind::Bucket => Spec::Bucket(BucketSpec {
                    name: "b".into(),
                    versioning: true,
                    encryption: "AES256".into(),
                    block_public_access: true,
                    tags: Tags::new(),
                }),
                Kind::Delegation => Spec::Delegation(DelegationSpec {
                    parent_zone_id: "Z1".into(),
                    name: "a.example.com".into(),
                    ttl: 300,
                    name_servers: Value::Array(vec![]),
                }),
                Kind::OidcProvider => Spec::OidcProvider(OidcProviderSpec {
                    url: "u".into(),
                    client_ids: vec![],
                    tags: Tags::new(),
                }),
                _ => continue,
            };
            let rebuilt = Spec::from_fields(spec.kind(), spec.fields()).expect("round trip");
            assert_eq!(rebuilt, spec);
        }
    }
}
