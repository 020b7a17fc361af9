//! What `destroy` does besides deleting the plan's resources: first remove what Kubernetes
//! controllers made in the cluster's VPC (load balancers, target groups, security groups,
//! leftover network interfaces), which no state knows and which block the VPC's deletion;
//! afterwards, scan every service for anything still carrying the cluster's tags.

use crate::engine::{Engine, Step, StepError};
use crate::events::Event;
use crate::retry::{Access, Expect};
use sakk_cloud::ec2::Filter;
use sakk_cloud::{CloudResult, ErrorKind, Tags};
use sakk_model::naming::{MANAGED_BY_TAG, OWNER_TAG};
use sakk_plan::{Desired, Plan, Spec};
use sakk_state::State;
use std::collections::BTreeSet;

/// True when tags say a Kubernetes controller of `eks_cluster` made the object.
fn made_by_controllers(tags: &Tags, eks_cluster: &str) -> bool {
    tags.get("elbv2.k8s.aws/cluster").map(String::as_str) == Some(eks_cluster)
        || tags.contains_key(&format!("kubernetes.io/cluster/{eks_cluster}"))
        || tags
            .get("cluster.k8s.amazonaws.com/name")
            .map(String::as_str)
            == Some(eks_cluster)
}

impl Engine {
    async fn delete_call<F, Fut>(
        &self,
        step: Option<&Step<'_>>,
        service: &'static str,
        operation: &'static str,
        call: F,
    ) -> Result<(), StepError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = CloudResult<()>>,
    {
        let address = step.map(|step| &step.address);
        match self
            .caller
            .call(
                address,
                service,
                operation,
                Access::Write,
                Expect::InUse,
                call,
            )
            .await
        {
            Ok(()) => Ok(()),
            Err(error) if error.is_not_found() => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Of these load balancer or target group ARNs, those Kubernetes controllers made for this
    /// cluster (one `DescribeTags` for all of them), in the same order.
    async fn made_by_controllers_elb(&self, arns: Vec<String>) -> Result<Vec<String>, StepError> {
        if arns.is_empty() {
            return Ok(arns);
        }
        let tags = self
            .caller
            .call(
                None,
                "elasticloadbalancing",
                "DescribeTags",
                Access::Read,
                Expect::Nothing,
                || self.cloud.elb.tags(&arns),
            )
            .await?;
        Ok(arns
            .into_iter()
            .filter(|arn| {
                tags.get(arn)
                    .is_some_and(|found| made_by_controllers(found, &self.eks_cluster_name))
            })
            .collect())
    }

    /// Removes, in the VPC, the load balancers, target groups, security groups and free
    /// network interfaces that Kubernetes controllers made for this cluster.
    pub async fn clean_vpc(
        &self,
        step: Option<&Step<'_>>,
        vpc_id: &str,
    ) -> Result<Vec<String>, StepError> {
        let eks_cluster = self.eks_cluster_name.clone();
        let mut removed = Vec::new();
        let balancers = self
            .caller
            .call(
                None,
                "elasticloadbalancing",
                "DescribeLoadBalancers",
                Access::Read,
                Expect::Nothing,
                || self.cloud.elb.load_balancers(),
            )
            .await?;
        let in_vpc = balancers
            .into_iter()
            .filter(|balancer| balancer.vpc_id.as_deref() == Some(vpc_id))
            .map(|balancer| balancer.arn);
        for arn in self.made_by_controllers_elb(in_vpc.collect()).await? {
            self.delete_call(step, "elasticloadbalancing", "DeleteLoadBalancer", || {
                self.cloud.elb.delete_load_balancer(&arn)
            })
            .await?;
            self.events.emit(Event::Removed {
                kind: "load balancer".into(),
                id: arn.clone(),
            });
            removed.push(arn);
        }
        let groups = self
            .caller
            .call(
                None,
                "elasticloadbalancing",
                "DescribeTargetGroups",
                Access::Read,
                Expect::Nothing,
                || self.cloud.elb.target_groups(),
            )
            .await?;
        let in_vpc = groups
            .into_iter()
            .filter(|group| group.vpc_id.as_deref() == Some(vpc_id))
            .map(|group| group.arn);
        for arn in self.made_by_controllers_elb(in_vpc.collect()).await? {
            self.delete_call(step, "elasticloadbalancing", "DeleteTargetGroup", || {
                self.cloud.elb.delete_target_group(&arn)
            })
            .await?;
            self.events.emit(Event::Removed {
                kind: "target group".into(),
                id: arn.clone(),
            });
            removed.push(arn);
        }
        removed.extend(
            self.clean_interfaces(step, &[Filter::new("vpc-id", vpc_id)])
                .await?,
        );
        let in_this_vpc = [Filter::new("vpc-id", vpc_id)];
        let groups = self
            .caller
            .call(
                None,
                "ec2",
                "DescribeSecurityGroups",
                Access::Read,
                Expect::Nothing,
                || self.cloud.ec2.security_groups(&in_this_vpc),
            )
            .await?;
        for group in groups {
            if group.name == "default" || !made_by_controllers(&group.tags, &eks_cluster) {
                continue;
            }
            // A load balancer's security group is free only once its network interfaces are.
            self.delete_call(step, "ec2", "DeleteSecurityGroup", || {
                self.cloud.ec2.delete_security_group(&group.id)
            })
            .await?;
            self.events.emit(Event::Removed {
                kind: "security group".into(),
                id: group.id.clone(),
            });
            removed.push(group.id.clone());
        }
        Ok(removed)
    }

    /// Deletes free network interfaces the VPC CNI left (they block subnets and the VPC).
    pub async fn clean_interfaces(
        &self,
        step: Option<&Step<'_>>,
        filters: &[Filter],
    ) -> Result<Vec<String>, StepError> {
        let eks_cluster = self.eks_cluster_name.clone();
        let mut wanted = filters.to_vec();
        wanted.push(Filter::new("status", "available"));
        let interfaces = self
            .caller
            .call(
                None,
                "ec2",
                "DescribeNetworkInterfaces",
                Access::Read,
                Expect::Nothing,
                || self.cloud.ec2.network_interfaces(&wanted),
            )
            .await?;
        let mut removed = Vec::new();
        for interface in interfaces {
            let cni = interface.description.starts_with("aws-K8S-");
            if !cni && !made_by_controllers(&interface.tags, &eks_cluster) {
                continue;
            }
            self.delete_call(step, "ec2", "DeleteNetworkInterface", || {
                self.cloud.ec2.delete_network_interface(&interface.id)
            })
            .await?;
            self.events.emit(Event::Removed {
                kind: "network interface".into(),
                id: interface.id.clone(),
            });
            removed.push(interface.id.clone());
        }
        Ok(removed)
    }

    /// What in a VPC (or one of its subnets) keeps it from being deleted, for the error
    /// message (G12): network interfaces with who made them, and security groups.
    pub async fn blockers(
        &self,
        vpc: Option<&str>,
        subnet: Option<&str>,
    ) -> CloudResult<Vec<String>> {
        let filters: Vec<Filter> = match (vpc, subnet) {
            (_, Some(subnet)) => vec![Filter::new("subnet-id", subnet)],
            (Some(vpc), None) => vec![Filter::new("vpc-id", vpc)],
            (None, None) => return Ok(Vec::new()),
        };
        let mut found = Vec::new();
        let interfaces = self
            .caller
            .call(
                None,
                "ec2",
                "DescribeNetworkInterfaces",
                Access::Read,
                Expect::Nothing,
                || self.cloud.ec2.network_interfaces(&filters),
            )
            .await?;
        for interface in interfaces {
            found.push(format!(
                "network interface {} ({}, {}{})",
                interface.id,
                interface.status,
                if interface.description.is_empty() {
                    "no description"
                } else {
                    &interface.description
                },
                interface
                    .requester_id
                    .as_ref()
                    .map(|requester| format!(", made by {requester}"))
                    .unwrap_or_default()
            ));
        }
        if subnet.is_none() {
            let groups = self
                .caller
                .call(
                    None,
                    "ec2",
                    "DescribeSecurityGroups",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.ec2.security_groups(&filters),
                )
                .await?;
            for group in groups.into_iter().filter(|group| group.name != "default") {
                found.push(format!("security group {} ({})", group.id, group.name));
            }
        }
        Ok(found)
    }

    /// Everything still carrying this cluster's ownership tags (or its names) after a destroy.
    pub async fn scan(
        &self,
        desired: &Desired,
        state: &State,
        plan: &Plan,
    ) -> CloudResult<Vec<String>> {
        let cluster = desired.cluster.clone();
        let ours = |tags: &Tags| {
            tags.get(OWNER_TAG) == Some(&cluster)
                && tags.get(MANAGED_BY_TAG).map(String::as_str) == Some("sakk")
        };
        let mut left: BTreeSet<String> = BTreeSet::new();
        let owner = [Filter::tag(OWNER_TAG, cluster.clone())];
        let read = Access::Read;
        let nothing = Expect::Nothing;
        for vpc in self
            .caller
            .call(None, "ec2", "DescribeVpcs", read, nothing, || {
                self.cloud.ec2.vpcs(&owner)
            })
            .await?
        {
            left.insert(format!("VPC {}", vpc.id));
        }
        for subnet in self
            .caller
            .call(None, "ec2", "DescribeSubnets", read, nothing, || {
                self.cloud.ec2.subnets(&owner)
            })
            .await?
        {
            left.insert(format!("subnet {}", subnet.id));
        }
        for gateway in self
            .caller
            .call(
                None,
                "ec2",
                "DescribeInternetGateways",
                read,
                nothing,
                || self.cloud.ec2.internet_gateways(&owner),
            )
            .await?
        {
            left.insert(format!("internet gateway {}", gateway.id));
        }
        for ip in self
            .caller
            .call(None, "ec2", "DescribeAddresses", read, nothing, || {
                self.cloud.ec2.addresses(&owner)
            })
            .await?
        {
            left.insert(format!("Elastic IP {}", ip.allocation_id));
        }
        for nat in self
            .caller
            .call(None, "ec2", "DescribeNatGateways", read, nothing, || {
                self.cloud.ec2.nat_gateways(&owner)
            })
            .await?
        {
            if nat.state != "deleted" {
                left.insert(format!("NAT gateway {} ({})", nat.id, nat.state));
            }
        }
        for table in self
            .caller
            .call(None, "ec2", "DescribeRouteTables", read, nothing, || {
                self.cloud.ec2.route_tables(&owner)
            })
            .await?
        {
            left.insert(format!("route table {}", table.id));
        }
        let filter: Tags = [(OWNER_TAG.to_owned(), cluster.clone())].into();
        for resource in self
            .caller
            .call(None, "tagging", "GetResources", read, nothing, || {
                self.cloud.tagging.resources(&filter, &[])
            })
            .await?
        {
            if !ours(&resource.tags) {
                continue;
            }
            if resource.arn.contains(":kms:") {
                let key = self
                    .caller
                    .call(None, "kms", "DescribeKey", read, nothing, || {
                        self.cloud.kms.describe_key(&resource.arn)
                    })
                    .await;
                if key.as_ref().is_ok_and(|key| !key.is_live())
                    || key.as_ref().is_err_and(|error| error.is_not_found())
                {
                    continue;
                }
            }
            if resource.arn.contains(":natgateway/") {
                // Deleted NAT gateways stay visible for an hour; the EC2 read above judges them.
                continue;
            }
            left.insert(resource.arn.clone());
        }
        for role in self
            .caller
            .call(
                None,
                "iam",
                "GetAccountAuthorizationDetails",
                read,
                nothing,
                || self.cloud.iam.roles(),
            )
            .await?
        {
            if ours(&role.tags) {
                left.insert(format!("IAM role {}", role.name));
            }
        }
        for arn in self
            .caller
            .call(
                None,
                "iam",
                "ListOpenIDConnectProviders",
                read,
                nothing,
                || self.cloud.iam.oidc_providers(),
            )
            .await?
        {
            match self
                .caller
                .call(
                    None,
                    "iam",
                    "GetOpenIDConnectProvider",
                    read,
                    nothing,
                    || self.cloud.iam.oidc_provider(&arn),
                )
                .await
            {
                Ok(provider) if ours(&provider.tags) => {
                    left.insert(format!("IAM OIDC provider {arn}"));
                }
                Ok(_) => {}
                Err(error) if error.is_not_found() => {}
                Err(error) => return Err(error),
            }
        }
        for resource in desired.resources.values() {
            match &resource.spec {
                Spec::EksCluster(spec) => {
                    match self
                        .caller
                        .call(None, "eks", "DescribeCluster", read, nothing, || {
                            self.cloud.eks.cluster(&spec.name)
                        })
                        .await
                    {
                        Ok(found) if ours(&found.tags) => {
                            left.insert(format!("EKS cluster {} ({})", found.name, found.status));
                        }
                        Ok(_) => {}
                        Err(error) if error.is_not_found() => {}
                        Err(error) => return Err(error),
                    }
                }
                Spec::LogGroup(spec) => {
                    let groups = self
                        .caller
                        .call(None, "logs", "DescribeLogGroups", read, nothing, || {
                            self.cloud.logs.log_groups(&spec.name)
                        })
                        .await?;
                    if groups.iter().any(|group| group.name == spec.name) {
                        left.insert(format!("log group {}", spec.name));
                    }
                }
                Spec::Bucket(spec) => {
                    match self
                        .caller
                        .call(None, "s3", "GetBucketTagging", read, nothing, || {
                            self.cloud.s3.bucket_tags(&spec.name)
                        })
                        .await
                    {
                        Ok(tags) if ours(&tags) => {
                            left.insert(format!("S3 bucket {}", spec.name));
                        }
                        Ok(_) => {}
                        Err(error)
                            if error.is_not_found() || error.kind == ErrorKind::AccessDenied => {}
                        Err(error) => return Err(error),
                    }
                }
                Spec::KmsAlias(spec) => {
                    let aliases = self
                        .caller
                        .call(None, "kms", "ListAliases", read, nothing, || {
                            self.cloud.kms.aliases()
                        })
                        .await?;
                    if aliases.iter().any(|alias| alias.name == spec.name) {
                        left.insert(format!("KMS alias {}", spec.name));
                    }
                }
                Spec::HostedZone(spec) => {
                    let zones = self
                        .caller
                        .call(
                            None,
                            "route53",
                            "ListHostedZonesByName",
                            read,
                            nothing,
                            || self.cloud.route53.zones_named(&spec.name),
                        )
                        .await?;
                    if zones.is_empty() {
                        continue;
                    }
                    let ids: Vec<String> = zones.iter().map(|zone| zone.id.clone()).collect();
                    let tags = self
                        .caller
                        .call(
                            None,
                            "route53",
                            "ListTagsForResources",
                            read,
                            nothing,
                            || self.cloud.route53.zone_tags(&ids),
                        )
                        .await?;
                    let token = state.token(&resource.address, "CreateHostedZone");
                    for zone in zones {
                        let tagged = tags.get(&zone.id).is_some_and(&ours);
                        if tagged || zone.caller_reference == token {
                            left.insert(format!("hosted zone {} ({})", zone.id, spec.name));
                        }
                    }
                }
                Spec::Delegation(spec) => {
                    let name = format!("{}.", spec.name.trim_end_matches('.'));
                    let records = match self
                        .caller
                        .call(
                            None,
                            "route53",
                            "ListResourceRecordSets",
                            read,
                            nothing,
                            || {
                                self.cloud.route53.records(
                                    &spec.parent_zone_id,
                                    Some((&name, "NS")),
                                    Some(1),
                                )
                            },
                        )
                        .await
                    {
                        Ok(records) => records,
                        Err(error) if error.is_not_found() => continue,
                        Err(error) => return Err(error),
                    };
                    // The values it had when the destroy was planned (or last recorded).
                    let before: Vec<&Spec> = plan
                        .changes
                        .iter()
                        .filter(|change| change.address == resource.address)
                        .filter_map(|change| change.observed.as_ref().map(|live| &live.spec))
                        .chain(
                            state
                                .resources
                                .get(&resource.address)
                                .map(|recorded| &recorded.spec),
                        )
                        .collect();
                    for record in records {
                        if record.kind != "NS" || !record.name.eq_ignore_ascii_case(&name) {
                            continue;
                        }
                        let mut values: Vec<String> = record
                            .values
                            .iter()
                            .map(|value| value.trim_end_matches('.').to_owned())
                            .collect();
                        values.sort();
                        let ours_before = before.iter().any(|spec| {
                            matches!(spec, Spec::Delegation(before) if before.name_servers == serde_json::json!(values))
                        });
                        if ours_before {
                            left.insert(format!(
                                "NS record {name} in zone {}",
                                spec.parent_zone_id
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(left.into_iter().collect())
    }
}
