//! EC2.

use crate::convert;
use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, DomainType, Filter as SdkFilter, ResourceType, Tag, TagSpecification,
    VpcAttributeName,
};
use sakk_cloud::ec2::*;
use sakk_cloud::{CloudResult, Tags};

pub struct Ec2Client(pub Client);

const SERVICE: &str = "ec2";

fn filters(filters: &[Filter]) -> Option<Vec<SdkFilter>> {
    Some(
        filters
            .iter()
            .map(|filter| {
                SdkFilter::builder()
                    .name(&filter.name)
                    .set_values(Some(filter.values.clone()))
                    .build()
            })
            .collect(),
    )
}

fn tags_of(tags: &[Tag]) -> Tags {
    tags.iter()
        .filter_map(|tag| Some((tag.key()?.to_owned(), tag.value().unwrap_or("").to_owned())))
        .collect()
}

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect()
}

fn specification(kind: ResourceType, tags: &Tags) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(sdk_tags(tags)))
        .build()
}

fn vpc(vpc: &aws_sdk_ec2::types::Vpc) -> Vpc {
    Vpc {
        id: vpc.vpc_id().unwrap_or_default().to_owned(),
        cidr_block: vpc.cidr_block().unwrap_or_default().to_owned(),
        state: vpc
            .state()
            .map(|state| state.as_str().to_owned())
            .unwrap_or_default(),
        tags: tags_of(vpc.tags()),
    }
}

fn subnet(subnet: &aws_sdk_ec2::types::Subnet) -> Subnet {
    Subnet {
        id: subnet.subnet_id().unwrap_or_default().to_owned(),
        vpc_id: subnet.vpc_id().unwrap_or_default().to_owned(),
        cidr_block: subnet.cidr_block().unwrap_or_default().to_owned(),
        availability_zone: subnet.availability_zone().unwrap_or_default().to_owned(),
        map_public_ip_on_launch: subnet.map_public_ip_on_launch().unwrap_or(false),
        tags: tags_of(subnet.tags()),
    }
}

fn gateway(gateway: &aws_sdk_ec2::types::InternetGateway) -> InternetGateway {
    InternetGateway {
        id: gateway.internet_gateway_id().unwrap_or_default().to_owned(),
        attached_vpcs: gateway
            .attachments()
            .iter()
            .filter_map(|attachment| attachment.vpc_id().map(str::to_owned))
            .collect(),
        tags: tags_of(gateway.tags()),
    }
}

fn nat(nat: &aws_sdk_ec2::types::NatGateway) -> NatGateway {
    NatGateway {
        id: nat.nat_gateway_id().unwrap_or_default().to_owned(),
        subnet_id: nat.subnet_id().unwrap_or_default().to_owned(),
        vpc_id: nat.vpc_id().unwrap_or_default().to_owned(),
        allocation_ids: nat
            .nat_gateway_addresses()
            .iter()
            .filter_map(|address| address.allocation_id().map(str::to_owned))
            .collect(),
        state: nat
            .state()
            .map(|state| state.as_str().to_owned())
            .unwrap_or_default(),
        failure_message: nat.failure_message().map(str::to_owned),
        tags: tags_of(nat.tags()),
    }
}

fn route_table(table: &aws_sdk_ec2::types::RouteTable) -> RouteTable {
    RouteTable {
        id: table.route_table_id().unwrap_or_default().to_owned(),
        vpc_id: table.vpc_id().unwrap_or_default().to_owned(),
        routes: table
            .routes()
            .iter()
            .filter_map(|route| {
                let destination = route.destination_cidr_block()?.to_owned();
                let target = if let Some(nat) = route.nat_gateway_id() {
                    RouteTarget::NatGateway(nat.to_owned())
                } else if let Some(gateway) = route.gateway_id() {
                    if gateway == "local" {
                        RouteTarget::Local
                    } else {
                        RouteTarget::Gateway(gateway.to_owned())
                    }
                } else {
                    RouteTarget::Other(
                        route
                            .instance_id()
                            .or(route.vpc_peering_connection_id())
                            .or(route.transit_gateway_id())
                            .or(route.network_interface_id())
                            .unwrap_or("unknown")
                            .to_owned(),
                    )
                };
                Some(Route {
                    destination,
                    target,
                })
            })
            .collect(),
        associations: table
            .associations()
            .iter()
            .map(|association| RouteTableAssociation {
                id: association
                    .route_table_association_id()
                    .unwrap_or_default()
                    .to_owned(),
                subnet_id: association.subnet_id().map(str::to_owned),
                main: association.main().unwrap_or(false),
            })
            .collect(),
        tags: tags_of(table.tags()),
    }
}

#[async_trait]
impl Ec2 for Ec2Client {
    async fn vpcs(&self, wanted: &[Filter]) -> CloudResult<Vec<Vpc>> {
        let mut stream = self
            .0
            .describe_vpcs()
            .set_filters(filters(wanted))
            .into_paginator()
            .items()
            .send();
        let mut found = Vec::new();
        while let Some(item) = stream.next().await {
            found.push(vpc(
                &item.map_err(|error| convert(SERVICE, "DescribeVpcs", error))?
            ));
        }
        Ok(found)
    }

    async fn create_vpc(&self, cidr_block: &str, tags: &Tags) -> CloudResult<Vpc> {
        let output = self
            .0
            .create_vpc()
            .cidr_block(cidr_block)
            .tag_specifications(specification(ResourceType::Vpc, tags))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateVpc", error))?;
        Ok(output.vpc().map(vpc).unwrap_or(Vpc {
            id: String::new(),
            cidr_block: cidr_block.to_owned(),
            state: String::new(),
            tags: tags.clone(),
        }))
    }

    async fn vpc_dns_hostnames(&self, vpc_id: &str) -> CloudResult<bool> {
        let output = self
            .0
            .describe_vpc_attribute()
            .vpc_id(vpc_id)
            .attribute(VpcAttributeName::EnableDnsHostnames)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DescribeVpcAttribute", error))?;
        Ok(output
            .enable_dns_hostnames()
            .and_then(|value| value.value())
            .unwrap_or(false))
    }

    async fn set_vpc_dns_hostnames(&self, vpc_id: &str, enabled: bool) -> CloudResult<()> {
        self.0
            .modify_vpc_attribute()
            .vpc_id(vpc_id)
            .enable_dns_hostnames(AttributeBooleanValue::builder().value(enabled).build())
            .send()
            .await
            .map_err(|error| convert(SERVICE, "ModifyVpcAttribute", error))?;
        Ok(())
    }

    async fn delete_vpc(&self, vpc_id: &str) -> CloudResult<()> {
        self.0
            .delete_vpc()
            .vpc_id(vpc_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteVpc", error))?;
        Ok(())
    }

    async fn subnets(&self, wanted: &[Filter]) -> CloudResult<Vec<Subnet>> {
        let mut stream = self
            .0
            .describe_subnets()
            .set_filters(filters(wanted))
            .into_paginator()
            .items()
            .send();
        let mut found = Vec::new();
        while let Some(item) = stream.next().await {
            found.push(subnet(
                &item.map_err(|error| convert(SERVICE, "DescribeSubnets", error))?,
            ));
        }
        Ok(found)
    }

    async fn create_subnet(
        &self,
        vpc_id: &str,
        cidr_block: &str,
        availability_zone: &str,
        tags: &Tags,
    ) -> CloudResult<Subnet> {
        let output = self
            .0
            .create_subnet()
            .vpc_id(vpc_id)
            .cidr_block(cidr_block)
            .availability_zone(availability_zone)
            .tag_specifications(specification(ResourceType::Subnet, tags))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateSubnet", error))?;
        Ok(output.subnet().map(subnet).unwrap_or(Subnet {
            id: String::new(),
            vpc_id: vpc_id.to_owned(),
            cidr_block: cidr_block.to_owned(),
            availability_zone: availability_zone.to_owned(),
            map_public_ip_on_launch: false,
            tags: tags.clone(),
        }))
    }

    async fn set_subnet_public_ip(&self, subnet_id: &str, enabled: bool) -> CloudResult<()> {
        self.0
            .modify_subnet_attribute()
            .subnet_id(subnet_id)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(enabled).build())
            .send()
            .await
            .map_err(|error| convert(SERVICE, "ModifySubnetAttribute", error))?;
        Ok(())
    }

    async fn delete_subnet(&self, subnet_id: &str) -> CloudResult<()> {
        self.0
            .delete_subnet()
            .subnet_id(subnet_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteSubnet", error))?;
        Ok(())
    }

    async fn internet_gateways(&self, wanted: &[Filter]) -> CloudResult<Vec<InternetGateway>> {
        let mut stream = self
            .0
            .describe_internet_gateways()
            .set_filters(filters(wanted))
            .into_paginator()
            .items()
            .send();
        let mut found = Vec::new();
        while let Some(item) = stream.next().await {
            found.push(gateway(&item.map_err(|error| {
                convert(SERVICE, "DescribeInternetGateways", error)
            })?));
        }
        Ok(found)
    }

    async fn create_internet_gateway(&self, tags: &Tags) -> CloudResult<InternetGateway> {
        let output = self
            .0
            .create_internet_gateway()
            .tag_specifications(specification(ResourceType::InternetGateway, tags))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateInternetGateway", error))?;
        Ok(output
            .internet_gateway()
            .map(gateway)
            .unwrap_or(InternetGateway {
                id: String::new(),
                attached_vpcs: Vec::new(),
                tags: tags.clone(),
            }))
    }

    async fn attach_internet_gateway(&self, gateway_id: &str, vpc_id: &str) -> CloudResult<()> {
        self.0
            .attach_internet_gateway()
            .internet_gateway_id(gateway_id)
            .vpc_id(vpc_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "AttachInternetGateway", error))?;
        Ok(())
    }

    async fn detach_internet_gateway(&self, gateway_id: &str, vpc_id: &str) -> CloudResult<()> {
        self.0
            .detach_internet_gateway()
            .internet_gateway_id(gateway_id)
            .vpc_id(vpc_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DetachInternetGateway", error))?;
        Ok(())
    }

    async fn delete_internet_gateway(&self, gateway_id: &str) -> CloudResult<()> {
        self.0
            .delete_internet_gateway()
            .internet_gateway_id(gateway_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteInternetGateway", error))?;
        Ok(())
    }

    async fn addresses(&self, wanted: &[Filter]) -> CloudResult<Vec<ElasticIp>> {
        let output = self
            .0
            .describe_addresses()
            .set_filters(filters(wanted))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DescribeAddresses", error))?;
        Ok(output
            .addresses()
            .iter()
            .map(|address| ElasticIp {
                allocation_id: address.allocation_id().unwrap_or_default().to_owned(),
                public_ip: address.public_ip().unwrap_or_default().to_owned(),
                association_id: address.association_id().map(str::to_owned),
                tags: tags_of(address.tags()),
            })
            .collect())
    }

    async fn allocate_address(&self, tags: &Tags) -> CloudResult<ElasticIp> {
        let output = self
            .0
            .allocate_address()
            .domain(DomainType::Vpc)
            .tag_specifications(specification(ResourceType::ElasticIp, tags))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "AllocateAddress", error))?;
        Ok(ElasticIp {
            allocation_id: output.allocation_id().unwrap_or_default().to_owned(),
            public_ip: output.public_ip().unwrap_or_default().to_owned(),
            association_id: None,
            tags: tags.clone(),
        })
    }

    async fn release_address(&self, allocation_id: &str) -> CloudResult<()> {
        self.0
            .release_address()
            .allocation_id(allocation_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "ReleaseAddress", error))?;
        Ok(())
    }

    async fn nat_gateways(&self, wanted: &[Filter]) -> CloudResult<Vec<NatGateway>> {
        let mut stream = self
            .0
            .describe_nat_gateways()
            .set_filter(filters(wanted))
            .into_paginator()
            .items()
            .send();
        let mut found = Vec::new();
        while let Some(item) = stream.next().await {
            found.push(nat(
                &item.map_err(|error| convert(SERVICE, "DescribeNatGateways", error))?
            ));
        }
        Ok(found)
    }

    async fn create_nat_gateway(
        &self,
        subnet_id: &str,
        allocation_id: &str,
        client_token: &str,
        tags: &Tags,
    ) -> CloudResult<NatGateway> {
        let output = self
            .0
            .create_nat_gateway()
            .subnet_id(subnet_id)
            .allocation_id(allocation_id)
            .client_token(client_token)
            .tag_specifications(specification(ResourceType::Natgateway, tags))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateNatGateway", error))?;
        Ok(output.nat_gateway().map(nat).unwrap_or(NatGateway {
            id: String::new(),
            subnet_id: subnet_id.to_owned(),
            vpc_id: String::new(),
            allocation_ids: vec![allocation_id.to_owned()],
            state: "pending".to_owned(),
            failure_message: None,
            tags: tags.clone(),
        }))
    }

    async fn delete_nat_gateway(&self, nat_gateway_id: &str) -> CloudResult<()> {
        self.0
            .delete_nat_gateway()
            .nat_gateway_id(nat_gateway_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteNatGateway", error))?;
        Ok(())
    }

    async fn route_tables(&self, wanted: &[Filter]) -> CloudResult<Vec<RouteTable>> {
        let mut stream = self
            .0
            .describe_route_tables()
            .set_filters(filters(wanted))
            .into_paginator()
            .items()
            .send();
        let mut found = Vec::new();
        while let Some(item) = stream.next().await {
            found.push(route_table(
                &item.map_err(|error| convert(SERVICE, "DescribeRouteTables", error))?,
            ));
        }
        Ok(found)
    }

    async fn create_route_table(
        &self,
        vpc_id: &str,
        client_token: &str,
        tags: &Tags,
    ) -> CloudResult<RouteTable> {
        let output = self
            .0
            .create_route_table()
            .vpc_id(vpc_id)
            .client_token(client_token)
            .tag_specifications(specification(ResourceType::RouteTable, tags))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateRouteTable", error))?;
        Ok(output.route_table().map(route_table).unwrap_or(RouteTable {
            id: String::new(),
            vpc_id: vpc_id.to_owned(),
            routes: Vec::new(),
            associations: Vec::new(),
            tags: tags.clone(),
        }))
    }

    async fn create_route(
        &self,
        route_table_id: &str,
        destination: &str,
        target: &RouteTarget,
    ) -> CloudResult<()> {
        let mut request = self
            .0
            .create_route()
            .route_table_id(route_table_id)
            .destination_cidr_block(destination);
        request = match target {
            RouteTarget::NatGateway(id) => request.nat_gateway_id(id),
            RouteTarget::Gateway(id) | RouteTarget::Other(id) => request.gateway_id(id),
            RouteTarget::Local => request.gateway_id("local"),
        };
        request
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateRoute", error))?;
        Ok(())
    }

    async fn replace_route(
        &self,
        route_table_id: &str,
        destination: &str,
        target: &RouteTarget,
    ) -> CloudResult<()> {
        let mut request = self
            .0
            .replace_route()
            .route_table_id(route_table_id)
            .destination_cidr_block(destination);
        request = match target {
            RouteTarget::NatGateway(id) => request.nat_gateway_id(id),
            RouteTarget::Gateway(id) | RouteTarget::Other(id) => request.gateway_id(id),
            RouteTarget::Local => request.gateway_id("local"),
        };
        request
            .send()
            .await
            .map_err(|error| convert(SERVICE, "ReplaceRoute", error))?;
        Ok(())
    }

    async fn delete_route(&self, route_table_id: &str, destination: &str) -> CloudResult<()> {
        self.0
            .delete_route()
            .route_table_id(route_table_id)
            .destination_cidr_block(destination)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteRoute", error))?;
        Ok(())
    }

    async fn associate_route_table(
        &self,
        route_table_id: &str,
        subnet_id: &str,
    ) -> CloudResult<String> {
        let output = self
            .0
            .associate_route_table()
            .route_table_id(route_table_id)
            .subnet_id(subnet_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "AssociateRouteTable", error))?;
        Ok(output.association_id().unwrap_or_default().to_owned())
    }

    async fn disassociate_route_table(&self, association_id: &str) -> CloudResult<()> {
        self.0
            .disassociate_route_table()
            .association_id(association_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DisassociateRouteTable", error))?;
        Ok(())
    }

    async fn delete_route_table(&self, route_table_id: &str) -> CloudResult<()> {
        self.0
            .delete_route_table()
            .route_table_id(route_table_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteRouteTable", error))?;
        Ok(())
    }

    async fn create_tags(&self, resource_id: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .create_tags()
            .resources(resource_id)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateTags", error))?;
        Ok(())
    }

    async fn delete_tags(&self, resource_id: &str, keys: &[String]) -> CloudResult<()> {
        self.0
            .delete_tags()
            .resources(resource_id)
            .set_tags(Some(
                keys.iter()
                    .map(|key| Tag::builder().key(key).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteTags", error))?;
        Ok(())
    }

    async fn security_groups(&self, wanted: &[Filter]) -> CloudResult<Vec<SecurityGroup>> {
        let mut stream = self
            .0
            .describe_security_groups()
            .set_filters(filters(wanted))
            .into_paginator()
            .items()
            .send();
        let mut found = Vec::new();
        while let Some(item) = stream.next().await {
            let group = item.map_err(|error| convert(SERVICE, "DescribeSecurityGroups", error))?;
            found.push(SecurityGroup {
                id: group.group_id().unwrap_or_default().to_owned(),
                name: group.group_name().unwrap_or_default().to_owned(),
                vpc_id: group.vpc_id().map(str::to_owned),
                description: group.description().unwrap_or_default().to_owned(),
                tags: tags_of(group.tags()),
            });
        }
        Ok(found)
    }

    async fn delete_security_group(&self, group_id: &str) -> CloudResult<()> {
        self.0
            .delete_security_group()
            .group_id(group_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteSecurityGroup", error))?;
        Ok(())
    }

    async fn network_interfaces(&self, wanted: &[Filter]) -> CloudResult<Vec<NetworkInterface>> {
        let mut stream = self
            .0
            .describe_network_interfaces()
            .set_filters(filters(wanted))
            .into_paginator()
            .items()
            .send();
        let mut found = Vec::new();
        while let Some(item) = stream.next().await {
            let interface =
                item.map_err(|error| convert(SERVICE, "DescribeNetworkInterfaces", error))?;
            found.push(NetworkInterface {
                id: interface
                    .network_interface_id()
                    .unwrap_or_default()
                    .to_owned(),
                status: interface
                    .status()
                    .map(|status| status.as_str().to_owned())
                    .unwrap_or_default(),
                description: interface.description().unwrap_or_default().to_owned(),
                subnet_id: interface.subnet_id().unwrap_or_default().to_owned(),
                vpc_id: interface.vpc_id().unwrap_or_default().to_owned(),
                requester_id: interface.requester_id().map(str::to_owned),
                tags: tags_of(interface.tag_set()),
            });
        }
        Ok(found)
    }

    async fn delete_network_interface(&self, interface_id: &str) -> CloudResult<()> {
        self.0
            .delete_network_interface()
            .network_interface_id(interface_id)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteNetworkInterface", error))?;
        Ok(())
    }
}
