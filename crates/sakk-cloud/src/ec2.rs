//! EC2: the cluster's VPC and what lives in it.

use crate::{CloudResult, Tags};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// An EC2 `Describe*` filter: `name` is one of EC2's filter names (`tag:Key`, `vpc-id`...);
/// a resource matches when it matches every filter, and a filter when any value matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Filter name.
    pub name: String,
    /// Accepted values.
    pub values: Vec<String>,
}

impl Filter {
    /// A filter on one value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            values: vec![value.into()],
        }
    }

    /// A filter on a tag's value.
    pub fn tag(key: &str, value: impl Into<String>) -> Self {
        Self::new(format!("tag:{key}"), value)
    }
}

/// A VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vpc {
    /// ID.
    pub id: String,
    /// Primary CIDR block.
    pub cidr_block: String,
    /// `pending` or `available`.
    pub state: String,
    /// Tags.
    pub tags: Tags,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    /// ID.
    pub id: String,
    /// VPC.
    pub vpc_id: String,
    /// CIDR block.
    pub cidr_block: String,
    /// Availability zone.
    pub availability_zone: String,
    /// Instances get a public IP.
    pub map_public_ip_on_launch: bool,
    /// Tags.
    pub tags: Tags,
}

/// An internet gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternetGateway {
    /// ID.
    pub id: String,
    /// VPCs it is attached to.
    pub attached_vpcs: Vec<String>,
    /// Tags.
    pub tags: Tags,
}

/// An Elastic IP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElasticIp {
    /// Allocation ID.
    pub allocation_id: String,
    /// The address.
    pub public_ip: String,
    /// Association, when it is in use.
    pub association_id: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// A NAT gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NatGateway {
    /// ID.
    pub id: String,
    /// Subnet.
    pub subnet_id: String,
    /// VPC.
    pub vpc_id: String,
    /// Elastic IP allocations.
    pub allocation_ids: Vec<String>,
    /// `pending`, `available`, `deleting`, `deleted`, `failed`.
    pub state: String,
    /// Why it failed, when it did.
    pub failure_message: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteTarget {
    /// `local` (the VPC itself).
    Local,
    /// An internet gateway.
    Gateway(String),
    /// A NAT gateway.
    NatGateway(String),
    /// Anything else (instance, peering, endpoint...), as AWS shows it.
    Other(String),
}

/// A route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// Destination CIDR.
    pub destination: String,
    /// Target.
    pub target: RouteTarget,
}

/// A subnet association of a route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTableAssociation {
    /// Association ID.
    pub id: String,
    /// Associated subnet (none for the main association).
    pub subnet_id: Option<String>,
    /// True for the VPC's main association.
    pub main: bool,
}

/// A route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTable {
    /// ID.
    pub id: String,
    /// VPC.
    pub vpc_id: String,
    /// Routes.
    pub routes: Vec<Route>,
    /// Associations.
    pub associations: Vec<RouteTableAssociation>,
    /// Tags.
    pub tags: Tags,
}

/// A security group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroup {
    /// ID.
    pub id: String,
    /// Name.
    pub name: String,
    /// VPC.
    pub vpc_id: Option<String>,
    /// Description.
    pub description: String,
    /// Tags.
    pub tags: Tags,
}

/// A network interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInterface {
    /// ID.
    pub id: String,
    /// `available`, `in-use`...
    pub status: String,
    /// Description (the VPC CNI writes `aws-K8S-...`).
    pub description: String,
    /// Subnet.
    pub subnet_id: String,
    /// VPC.
    pub vpc_id: String,
    /// Who created it on our behalf (a service), if anyone.
    pub requester_id: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// EC2 operations.
#[async_trait]
pub trait Ec2: Send + Sync {
    /// `DescribeVpcs`, every page.
    async fn vpcs(&self, filters: &[Filter]) -> CloudResult<Vec<Vpc>>;
    /// `CreateVpc` with tags.
    async fn create_vpc(&self, cidr_block: &str, tags: &Tags) -> CloudResult<Vpc>;
    /// `DescribeVpcAttribute(enableDnsHostnames)`.
    async fn vpc_dns_hostnames(&self, vpc_id: &str) -> CloudResult<bool>;
    /// `ModifyVpcAttribute(enableDnsHostnames)`.
    async fn set_vpc_dns_hostnames(&self, vpc_id: &str, enabled: bool) -> CloudResult<()>;
    /// `DeleteVpc`.
    async fn delete_vpc(&self, vpc_id: &str) -> CloudResult<()>;

    /// `DescribeSubnets`, every page.
    async fn subnets(&self, filters: &[Filter]) -> CloudResult<Vec<Subnet>>;
    /// `CreateSubnet` with tags.
    async fn create_subnet(
        &self,
        vpc_id: &str,
        cidr_block: &str,
        availability_zone: &str,
        tags: &Tags,
    ) -> CloudResult<Subnet>;
    /// `ModifySubnetAttribute(MapPublicIpOnLaunch)`.
    async fn set_subnet_public_ip(&self, subnet_id: &str, enabled: bool) -> CloudResult<()>;
    /// `DeleteSubnet`.
    async fn delete_subnet(&self, subnet_id: &str) -> CloudResult<()>;

    /// `DescribeInternetGateways`, every page.
    async fn internet_gateways(&self, filters: &[Filter]) -> CloudResult<Vec<InternetGateway>>;
    /// `CreateInternetGateway` with tags.
    async fn create_internet_gateway(&self, tags: &Tags) -> CloudResult<InternetGateway>;
    /// `AttachInternetGateway`.
    async fn attach_internet_gateway(&self, gateway_id: &str, vpc_id: &str) -> CloudResult<()>;
    /// `DetachInternetGateway`.
    async fn detach_internet_gateway(&self, gateway_id: &str, vpc_id: &str) -> CloudResult<()>;
    /// `DeleteInternetGateway`.
    async fn delete_internet_gateway(&self, gateway_id: &str) -> CloudResult<()>;

    /// `DescribeAddresses`.
    async fn addresses(&self, filters: &[Filter]) -> CloudResult<Vec<ElasticIp>>;
    /// `AllocateAddress` (VPC) with tags.
    async fn allocate_address(&self, tags: &Tags) -> CloudResult<ElasticIp>;
    /// `ReleaseAddress`.
    async fn release_address(&self, allocation_id: &str) -> CloudResult<()>;

    /// `DescribeNatGateways`, every page.
    async fn nat_gateways(&self, filters: &[Filter]) -> CloudResult<Vec<NatGateway>>;
    /// `CreateNatGateway` with an idempotency token and tags.
    async fn create_nat_gateway(
        &self,
        subnet_id: &str,
        allocation_id: &str,
        client_token: &str,
        tags: &Tags,
    ) -> CloudResult<NatGateway>;
    /// `DeleteNatGateway`.
    async fn delete_nat_gateway(&self, nat_gateway_id: &str) -> CloudResult<()>;

    /// `DescribeRouteTables`, every page.
    async fn route_tables(&self, filters: &[Filter]) -> CloudResult<Vec<RouteTable>>;
    /// `CreateRouteTable` with an idempotency token and tags.
    async fn create_route_table(
        &self,
        vpc_id: &str,
        client_token: &str,
        tags: &Tags,
    ) -> CloudResult<RouteTable>;
    /// `CreateRoute`.
    async fn create_route(
        &self,
        route_table_id: &str,
        destination: &str,
        target: &RouteTarget,
    ) -> CloudResult<()>;
    /// `ReplaceRoute`.
    async fn replace_route(
        &self,
        route_table_id: &str,
        destination: &str,
        target: &RouteTarget,
    ) -> CloudResult<()>;
    /// `DeleteRoute`.
    async fn delete_route(&self, route_table_id: &str, destination: &str) -> CloudResult<()>;
    /// `AssociateRouteTable`; returns the association ID.
    async fn associate_route_table(
        &self,
        route_table_id: &str,
        subnet_id: &str,
    ) -> CloudResult<String>;
    /// `DisassociateRouteTable`.
    async fn disassociate_route_table(&self, association_id: &str) -> CloudResult<()>;
    /// `DeleteRouteTable`.
    async fn delete_route_table(&self, route_table_id: &str) -> CloudResult<()>;

    /// `CreateTags` on any EC2 resource.
    async fn create_tags(&self, resource_id: &str, tags: &Tags) -> CloudResult<()>;
    /// `DeleteTags` on any EC2 resource.
    async fn delete_tags(&self, resource_id: &str, keys: &[String]) -> CloudResult<()>;

    /// `DescribeSecurityGroups`, every page.
    async fn security_groups(&self, filters: &[Filter]) -> CloudResult<Vec<SecurityGroup>>;
    /// `DeleteSecurityGroup`.
    async fn delete_security_group(&self, group_id: &str) -> CloudResult<()>;
    /// `DescribeNetworkInterfaces`, every page.
    async fn network_interfaces(&self, filters: &[Filter]) -> CloudResult<Vec<NetworkInterface>>;
    /// `DeleteNetworkInterface`.
    async fn delete_network_interface(&self, interface_id: &str) -> CloudResult<()>;
}
