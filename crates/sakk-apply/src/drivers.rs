//! What each kind of resource needs to be created, brought in line, or deleted.
//!
//! `ensure` starts from what was observed (none: create) and makes only the calls that close
//! the difference, so it can be repeated after any interruption. `remove` treats `NotFound`
//! as done. Both journal every mutating call before making it.

use crate::engine::{Engine, Step, StepError, tag_changes};
use crate::retry::Expect;
use sakk_cloud::ec2::{Filter, RouteTarget};
use sakk_cloud::eks::{
    ClusterUpdate, CreateAddon, CreateCluster, CreateNodeGroup, NodeGroupUpdate, Taint,
};
use sakk_cloud::route53::{Change, RecordSet};
use sakk_cloud::s3::PublicAccessBlock;
use sakk_cloud::{CloudError, CloudResult, ErrorKind, Tags};
use sakk_plan::resource::*;
use sakk_plan::{Live, Status};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// `Ok(())` when the error says the resource is already gone.
fn gone(result: Result<(), StepError>) -> Result<(), StepError> {
    match result {
        Err(StepError::Cloud(error)) if error.is_not_found() => Ok(()),
        other => other,
    }
}

fn route_target(id: &str) -> RouteTarget {
    if id.starts_with("nat-") {
        RouteTarget::NatGateway(id.to_owned())
    } else {
        RouteTarget::Gateway(id.to_owned())
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn previous_tags(previous: Option<&Spec>) -> Option<&Tags> {
    previous.and_then(Spec::tags)
}

fn live(step: &Step<'_>, id: &str, spec: Spec, attributes: &[(&str, Value)]) -> Live {
    let mut map: BTreeMap<String, Value> = attributes
        .iter()
        .map(|(key, value)| ((*key).to_owned(), value.clone()))
        .collect();
    map.entry("id".to_owned())
        .or_insert_with(|| Value::String(id.to_owned()));
    Live {
        address: step.address.clone(),
        id: id.to_owned(),
        spec,
        attributes: map,
        status: Status::Ready,
    }
}

/// An EKS status with what AWS says is wrong: `DEGRADED (code: message; …)`.
pub(crate) fn with_health(status: &str, health: &[String]) -> String {
    if health.is_empty() {
        status.to_owned()
    } else {
        format!("{status} ({})", health.join("; "))
    }
}

fn eks_effect_matches(left: &Taint, right: &Taint) -> bool {
    left.key == right.key && left.effect == right.effect
}

impl Engine {
    /// Makes the resource exist as `desired` (references resolved) says.
    pub async fn ensure(
        &self,
        step: &Step<'_>,
        desired: &Spec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        match desired {
            Spec::Vpc(spec) => self.ensure_vpc(step, spec, observed, previous).await,
            Spec::Subnet(spec) => self.ensure_subnet(step, spec, observed, previous).await,
            Spec::InternetGateway(spec) => {
                self.ensure_gateway(step, spec, observed, previous).await
            }
            Spec::ElasticIp(spec) => self.ensure_address(step, spec, observed, previous).await,
            Spec::NatGateway(spec) => self.ensure_nat(step, spec, observed, previous).await,
            Spec::RouteTable(spec) => {
                self.ensure_route_table(step, spec, observed, previous)
                    .await
            }
            Spec::IamRole(spec) => self.ensure_role(step, spec, observed, previous).await,
            Spec::OidcProvider(spec) => self.ensure_oidc(step, spec, observed, previous).await,
            Spec::KmsKey(spec) => self.ensure_key(step, spec, observed, previous).await,
            Spec::KmsAlias(spec) => self.ensure_alias(step, spec, observed).await,
            Spec::LogGroup(spec) => self.ensure_log_group(step, spec, observed, previous).await,
            Spec::EksCluster(spec) => self.ensure_cluster(step, spec, observed, previous).await,
            Spec::NodeGroup(spec) => self.ensure_node_group(step, spec, observed, previous).await,
            Spec::Addon(spec) => self.ensure_addon(step, spec, observed, previous).await,
            Spec::AccessEntry(spec) => {
                self.ensure_access_entry(step, spec, observed, previous)
                    .await
            }
            Spec::HostedZone(spec) => self.ensure_zone(step, spec, observed, previous).await,
            Spec::Delegation(spec) => self.ensure_delegation(step, spec, observed).await,
            Spec::Bucket(spec) => self.ensure_bucket(step, spec, observed, previous).await,
        }
    }

    async fn ec2_tags(
        &self,
        step: &Step<'_>,
        id: &str,
        desired: &Tags,
        observed: Option<&Tags>,
        previous: Option<&Spec>,
    ) -> Result<(), StepError> {
        let Some(observed) = observed else {
            return Ok(());
        };
        let (add, remove) = tag_changes(desired, observed, previous_tags(previous));
        if !add.is_empty() {
            self.write(
                step,
                "ec2",
                "CreateTags",
                Expect::NotFoundAfterCreate,
                |_| self.cloud.ec2.create_tags(id, &add),
            )
            .await?;
        }
        if !remove.is_empty() {
            self.write(
                step,
                "ec2",
                "DeleteTags",
                Expect::NotFoundAfterCreate,
                |_| self.cloud.ec2.delete_tags(id, &remove),
            )
            .await?;
        }
        Ok(())
    }

    async fn ensure_vpc(
        &self,
        step: &Step<'_>,
        spec: &VpcSpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let (id, current) = match observed {
            Some(found) => match &found.spec {
                Spec::Vpc(current) => (found.id.clone(), Some(current.clone())),
                _ => return Err(StepError::Stuck(format!("{}: not a VPC", step.address))),
            },
            None => {
                let vpc = self
                    .write(step, "ec2", "CreateVpc", Expect::Nothing, |_| {
                        self.cloud.ec2.create_vpc(&spec.cidr_block, &spec.tags)
                    })
                    .await?;
                (vpc.id, None)
            }
        };
        if current.as_ref().map(|current| current.enable_dns_hostnames)
            != Some(spec.enable_dns_hostnames)
        {
            self.write(
                step,
                "ec2",
                "ModifyVpcAttribute",
                Expect::NotFoundAfterCreate,
                |_| {
                    self.cloud
                        .ec2
                        .set_vpc_dns_hostnames(&id, spec.enable_dns_hostnames)
                },
            )
            .await?;
        }
        self.ec2_tags(
            step,
            &id,
            &spec.tags,
            current.as_ref().map(|current| &current.tags),
            previous,
        )
        .await?;
        Ok(live(step, &id, Spec::Vpc(spec.clone()), &[]))
    }

    async fn ensure_subnet(
        &self,
        step: &Step<'_>,
        spec: &SubnetSpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let (id, current) = match observed.map(|found| (&found.id, &found.spec)) {
            Some((id, Spec::Subnet(current))) => (id.clone(), Some(current.clone())),
            _ => {
                let subnet = self
                    .write(
                        step,
                        "ec2",
                        "CreateSubnet",
                        Expect::NotFoundAfterCreate,
                        |_| {
                            self.cloud.ec2.create_subnet(
                                &spec.vpc_id,
                                &spec.cidr_block,
                                &spec.availability_zone,
                                &spec.tags,
                            )
                        },
                    )
                    .await?;
                (subnet.id, None)
            }
        };
        let public_now = current
            .as_ref()
            .map(|current| current.map_public_ip_on_launch)
            .unwrap_or(false);
        if public_now != spec.map_public_ip_on_launch {
            self.write(
                step,
                "ec2",
                "ModifySubnetAttribute",
                Expect::NotFoundAfterCreate,
                |_| {
                    self.cloud
                        .ec2
                        .set_subnet_public_ip(&id, spec.map_public_ip_on_launch)
                },
            )
            .await?;
        }
        self.ec2_tags(
            step,
            &id,
            &spec.tags,
            current.as_ref().map(|current| &current.tags),
            previous,
        )
        .await?;
        Ok(live(step, &id, Spec::Subnet(spec.clone()), &[]))
    }

    async fn ensure_gateway(
        &self,
        step: &Step<'_>,
        spec: &InternetGatewaySpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let (id, current) = match observed.map(|found| (&found.id, &found.spec)) {
            Some((id, Spec::InternetGateway(current))) => (id.clone(), Some(current.clone())),
            _ => {
                let gateway = self
                    .write(
                        step,
                        "ec2",
                        "CreateInternetGateway",
                        Expect::Nothing,
                        |_| self.cloud.ec2.create_internet_gateway(&spec.tags),
                    )
                    .await?;
                (gateway.id, None)
            }
        };
        let attached = current
            .as_ref()
            .map(|current| current.vpc_id.clone())
            .unwrap_or_default();
        if attached != spec.vpc_id {
            if !attached.is_empty() {
                gone(
                    self.write(
                        step,
                        "ec2",
                        "DetachInternetGateway",
                        Expect::Nothing,
                        |_| self.cloud.ec2.detach_internet_gateway(&id, &attached),
                    )
                    .await,
                )?;
            }
            self.write(
                step,
                "ec2",
                "AttachInternetGateway",
                Expect::NotFoundAfterCreate,
                |_| self.cloud.ec2.attach_internet_gateway(&id, &spec.vpc_id),
            )
            .await?;
        }
        self.ec2_tags(
            step,
            &id,
            &spec.tags,
            current.as_ref().map(|current| &current.tags),
            previous,
        )
        .await?;
        Ok(live(step, &id, Spec::InternetGateway(spec.clone()), &[]))
    }

    async fn ensure_address(
        &self,
        step: &Step<'_>,
        spec: &ElasticIpSpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        match observed {
            Some(found) => {
                let current = found.spec.tags().cloned();
                self.ec2_tags(step, &found.id, &spec.tags, current.as_ref(), previous)
                    .await?;
                let public_ip = found
                    .attributes
                    .get("public_ip")
                    .cloned()
                    .unwrap_or(Value::Null);
                Ok(live(
                    step,
                    &found.id,
                    Spec::ElasticIp(spec.clone()),
                    &[("public_ip", public_ip)],
                ))
            }
            None => {
                let ip = self
                    .write(step, "ec2", "AllocateAddress", Expect::Nothing, |_| {
                        self.cloud.ec2.allocate_address(&spec.tags)
                    })
                    .await?;
                Ok(live(
                    step,
                    &ip.allocation_id,
                    Spec::ElasticIp(spec.clone()),
                    &[("public_ip", json!(ip.public_ip))],
                ))
            }
        }
    }

    async fn ensure_nat(
        &self,
        step: &Step<'_>,
        spec: &NatGatewaySpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let (id, current) = match observed {
            Some(found) if !matches!(found.status, Status::Deleting(_)) => {
                (found.id.clone(), found.spec.tags().cloned())
            }
            _ => {
                let nat = self
                    .write(
                        step,
                        "ec2",
                        "CreateNatGateway",
                        Expect::NotFoundAfterCreate,
                        |token| async move {
                            self.cloud
                                .ec2
                                .create_nat_gateway(
                                    &spec.subnet_id,
                                    &spec.allocation_id,
                                    &token,
                                    &spec.tags,
                                )
                                .await
                        },
                    )
                    .await?;
                (nat.id, None)
            }
        };
        let filters = [Filter::new("nat-gateway-id", id.clone())];
        let waits = &self.settings.waits;
        self.wait_until(
            step,
            "NAT gateway pending → available",
            waits.poll,
            waits.network,
            || async {
                let found = self
                    .read(step, "ec2", "DescribeNatGateways", || {
                        self.cloud.ec2.nat_gateways(&filters)
                    })
                    .await?;
                match found.first().map(|nat| nat.state.as_str()) {
                    Some("available") => Ok(Some(())),
                    Some("failed") => Err(StepError::Stuck(format!(
                        "{}: NAT gateway {id} failed: {}",
                        step.address,
                        found
                            .first()
                            .and_then(|nat| nat.failure_message.clone())
                            .unwrap_or_default()
                    ))),
                    _ => Ok(None),
                }
            },
        )
        .await?;
        self.ec2_tags(step, &id, &spec.tags, current.as_ref(), previous)
            .await?;
        Ok(live(step, &id, Spec::NatGateway(spec.clone()), &[]))
    }

    async fn ensure_route_table(
        &self,
        step: &Step<'_>,
        spec: &RouteTableSpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let (id, current) = match observed.map(|found| (&found.id, &found.spec)) {
            Some((id, Spec::RouteTable(current))) => (id.clone(), Some(current.clone())),
            _ => {
                let table = self
                    .write(
                        step,
                        "ec2",
                        "CreateRouteTable",
                        Expect::Nothing,
                        |token| async move {
                            self.cloud
                                .ec2
                                .create_route_table(&spec.vpc_id, &token, &spec.tags)
                                .await
                        },
                    )
                    .await?;
                (table.id, None)
            }
        };
        let routes = current
            .as_ref()
            .map(|current| current.routes.clone())
            .unwrap_or_default();
        for (destination, target) in &spec.routes {
            let route = route_target(target);
            let route = &route;
            match routes.get(destination) {
                Some(existing) if existing == target => {}
                Some(_) => {
                    self.write(
                        step,
                        "ec2",
                        "ReplaceRoute",
                        Expect::NotFoundAfterCreate,
                        |_| self.cloud.ec2.replace_route(&id, destination, route),
                    )
                    .await?;
                }
                None => {
                    let result = self
                        .write(
                            step,
                            "ec2",
                            "CreateRoute",
                            Expect::NotFoundAfterCreate,
                            |_| self.cloud.ec2.create_route(&id, destination, route),
                        )
                        .await;
                    match result {
                        // Made by an attempt whose answer was lost: make sure it points right.
                        Err(StepError::Cloud(error)) if error.kind == ErrorKind::Conflict => {
                            self.write(step, "ec2", "ReplaceRoute", Expect::Nothing, |_| {
                                self.cloud.ec2.replace_route(&id, destination, route)
                            })
                            .await?;
                        }
                        other => other?,
                    }
                }
            }
        }
        for destination in routes
            .keys()
            .filter(|destination| !spec.routes.contains_key(*destination))
        {
            gone(
                self.write(step, "ec2", "DeleteRoute", Expect::Nothing, |_| {
                    self.cloud.ec2.delete_route(&id, destination)
                })
                .await,
            )?;
        }
        // Associations: what is associated now, by subnet.
        let associated: BTreeMap<String, String> = if current.is_some() {
            let filters = [Filter::new("route-table-id", id.clone())];
            let tables = self
                .read(step, "ec2", "DescribeRouteTables", || {
                    self.cloud.ec2.route_tables(&filters)
                })
                .await?;
            tables
                .into_iter()
                .flat_map(|table| table.associations)
                .filter(|association| !association.main)
                .filter_map(|association| Some((association.subnet_id?, association.id)))
                .collect()
        } else {
            BTreeMap::new()
        };
        for subnet in &spec.subnet_ids {
            if associated.contains_key(subnet) {
                continue;
            }
            let result = self
                .write(
                    step,
                    "ec2",
                    "AssociateRouteTable",
                    Expect::NotFoundAfterCreate,
                    |_| self.cloud.ec2.associate_route_table(&id, subnet),
                )
                .await;
            match result {
                Err(StepError::Cloud(error)) if error.kind == ErrorKind::Conflict => {}
                other => {
                    other?;
                }
            }
        }
        for (subnet, association) in &associated {
            if !spec.subnet_ids.contains(subnet) {
                gone(
                    self.write(
                        step,
                        "ec2",
                        "DisassociateRouteTable",
                        Expect::Nothing,
                        |_| self.cloud.ec2.disassociate_route_table(association),
                    )
                    .await,
                )?;
            }
        }
        self.ec2_tags(
            step,
            &id,
            &spec.tags,
            current.as_ref().map(|current| &current.tags),
            previous,
        )
        .await?;
        Ok(live(step, &id, Spec::RouteTable(spec.clone()), &[]))
    }

    async fn ensure_role(
        &self,
        step: &Step<'_>,
        spec: &IamRoleSpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let trust = spec.trust_policy.to_string();
        let (arn, current) = match observed.map(|found| (found, &found.spec)) {
            Some((found, Spec::IamRole(current))) => (
                found.attributes.get("arn").map(text).unwrap_or_default(),
                Some(current.clone()),
            ),
            _ => {
                let result = self
                    .write(step, "iam", "CreateRole", Expect::Nothing, |_| {
                        self.cloud.iam.create_role(
                            &spec.name,
                            &trust,
                            &spec.description,
                            &spec.tags,
                        )
                    })
                    .await;
                match result {
                    Ok(role) => (role.arn, None),
                    // Made by an attempt whose answer was lost: read it and go on.
                    Err(StepError::Cloud(error)) if error.kind == ErrorKind::Conflict => {
                        let role = self
                            .read(step, "iam", "GetRole", || self.cloud.iam.role(&spec.name))
                            .await?;
                        if !role
                            .tags
                            .get(sakk_model::naming::OWNER_TAG)
                            .is_some_and(|owner| {
                                spec.tags.get(sakk_model::naming::OWNER_TAG) == Some(owner)
                            })
                        {
                            return Err(StepError::Cloud(error));
                        }
                        let current = IamRoleSpec {
                            name: role.name.clone(),
                            description: spec.description.clone(),
                            trust_policy: serde_json::from_str(&role.trust_policy)
                                .unwrap_or(Value::Null),
                            managed_policies: role.managed_policies.clone(),
                            inline_policies: role
                                .inline_policies
                                .iter()
                                .map(|(name, document)| {
                                    (
                                        name.clone(),
                                        serde_json::from_str(document).unwrap_or(Value::Null),
                                    )
                                })
                                .collect(),
                            tags: role.tags.clone(),
                        };
                        (role.arn, Some(current))
                    }
                    Err(error) => return Err(error),
                }
            }
        };
        if let Some(current) = &current
            && current.trust_policy != spec.trust_policy
        {
            self.write(
                step,
                "iam",
                "UpdateAssumeRolePolicy",
                Expect::NotFoundAfterCreate,
                |_| self.cloud.iam.update_trust_policy(&spec.name, &trust),
            )
            .await?;
        }
        let attached = current
            .as_ref()
            .map(|current| current.managed_policies.clone())
            .unwrap_or_default();
        for policy in spec
            .managed_policies
            .iter()
            .filter(|policy| !attached.contains(policy))
        {
            self.write(
                step,
                "iam",
                "AttachRolePolicy",
                Expect::NotFoundAfterCreate,
                |_| self.cloud.iam.attach_policy(&spec.name, policy),
            )
            .await?;
        }
        for policy in attached
            .iter()
            .filter(|policy| !spec.managed_policies.contains(policy))
        {
            gone(
                self.write(step, "iam", "DetachRolePolicy", Expect::Nothing, |_| {
                    self.cloud.iam.detach_policy(&spec.name, policy)
                })
                .await,
            )?;
        }
        let inline = current
            .as_ref()
            .map(|current| current.inline_policies.clone())
            .unwrap_or_default();
        for (name, document) in &spec.inline_policies {
            if inline.get(name) != Some(document) {
                let text = document.to_string();
                self.write(
                    step,
                    "iam",
                    "PutRolePolicy",
                    Expect::NotFoundAfterCreate,
                    |_| self.cloud.iam.put_inline_policy(&spec.name, name, &text),
                )
                .await?;
            }
        }
        for name in inline
            .keys()
            .filter(|name| !spec.inline_policies.contains_key(*name))
        {
            gone(
                self.write(step, "iam", "DeleteRolePolicy", Expect::Nothing, |_| {
                    self.cloud.iam.delete_inline_policy(&spec.name, name)
                })
                .await,
            )?;
        }
        if let Some(current) = &current {
            let (add, remove) = tag_changes(&spec.tags, &current.tags, previous_tags(previous));
            if !add.is_empty() {
                self.write(step, "iam", "TagRole", Expect::NotFoundAfterCreate, |_| {
                    self.cloud.iam.tag_role(&spec.name, &add)
                })
                .await?;
            }
            if !remove.is_empty() {
                self.write(step, "iam", "UntagRole", Expect::Nothing, |_| {
                    self.cloud.iam.untag_role(&spec.name, &remove)
                })
                .await?;
            }
        }
        Ok(live(
            step,
            &spec.name,
            Spec::IamRole(spec.clone()),
            &[("arn", json!(arn))],
        ))
    }

    async fn ensure_oidc(
        &self,
        step: &Step<'_>,
        spec: &OidcProviderSpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let arn = match observed.map(|found| (found, &found.spec)) {
            Some((found, Spec::OidcProvider(current))) => {
                for client in spec
                    .client_ids
                    .iter()
                    .filter(|client| !current.client_ids.contains(client))
                {
                    self.write(
                        step,
                        "iam",
                        "AddClientIDToOpenIDConnectProvider",
                        Expect::Nothing,
                        |_| self.cloud.iam.add_oidc_client_id(&found.id, client),
                    )
                    .await?;
                }
                let (add, remove) = tag_changes(&spec.tags, &current.tags, previous_tags(previous));
                if !add.is_empty() {
                    self.write(
                        step,
                        "iam",
                        "TagOpenIDConnectProvider",
                        Expect::Nothing,
                        |_| self.cloud.iam.tag_oidc_provider(&found.id, &add),
                    )
                    .await?;
                }
                if !remove.is_empty() {
                    self.write(
                        step,
                        "iam",
                        "UntagOpenIDConnectProvider",
                        Expect::Nothing,
                        |_| self.cloud.iam.untag_oidc_provider(&found.id, &remove),
                    )
                    .await?;
                }
                found.id.clone()
            }
            _ => {
                self.write(
                    step,
                    "iam",
                    "CreateOpenIDConnectProvider",
                    Expect::Nothing,
                    |_| {
                        self.cloud
                            .iam
                            .create_oidc_provider(&spec.url, &spec.client_ids, &spec.tags)
                    },
                )
                .await?
            }
        };
        Ok(live(
            step,
            &arn,
            Spec::OidcProvider(spec.clone()),
            &[("arn", json!(arn))],
        ))
    }

    async fn ensure_key(
        &self,
        step: &Step<'_>,
        spec: &KmsKeySpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        match observed {
            Some(found) => {
                let current = found.spec.tags().cloned().unwrap_or_default();
                let (add, remove) = tag_changes(&spec.tags, &current, previous_tags(previous));
                if !add.is_empty() {
                    self.write(step, "kms", "TagResource", Expect::Nothing, |_| {
                        self.cloud.kms.tag_key(&found.id, &add)
                    })
                    .await?;
                }
                if !remove.is_empty() {
                    self.write(step, "kms", "UntagResource", Expect::Nothing, |_| {
                        self.cloud.kms.untag_key(&found.id, &remove)
                    })
                    .await?;
                }
                let arn = found.attributes.get("arn").cloned().unwrap_or(Value::Null);
                Ok(live(
                    step,
                    &found.id,
                    Spec::KmsKey(spec.clone()),
                    &[("arn", arn)],
                ))
            }
            None => {
                let key = self
                    .write(step, "kms", "CreateKey", Expect::Nothing, |_| {
                        self.cloud.kms.create_key(&spec.description, &spec.tags)
                    })
                    .await?;
                Ok(live(
                    step,
                    &key.id,
                    Spec::KmsKey(spec.clone()),
                    &[("arn", json!(key.arn))],
                ))
            }
        }
    }

    async fn ensure_alias(
        &self,
        step: &Step<'_>,
        spec: &KmsAliasSpec,
        observed: Option<&Live>,
    ) -> Result<Live, StepError> {
        match observed.map(|found| &found.spec) {
            Some(Spec::KmsAlias(current)) if current.target_key_id == spec.target_key_id => {}
            Some(Spec::KmsAlias(_)) => {
                self.write(
                    step,
                    "kms",
                    "UpdateAlias",
                    Expect::NotFoundAfterCreate,
                    |_| self.cloud.kms.update_alias(&spec.name, &spec.target_key_id),
                )
                .await?;
            }
            _ => {
                let result = self
                    .write(
                        step,
                        "kms",
                        "CreateAlias",
                        Expect::NotFoundAfterCreate,
                        |_| self.cloud.kms.create_alias(&spec.name, &spec.target_key_id),
                    )
                    .await;
                match result {
                    Err(StepError::Cloud(error)) if error.kind == ErrorKind::Conflict => {
                        self.write(step, "kms", "UpdateAlias", Expect::Nothing, |_| {
                            self.cloud.kms.update_alias(&spec.name, &spec.target_key_id)
                        })
                        .await?;
                    }
                    other => other?,
                }
            }
        }
        Ok(live(step, &spec.name, Spec::KmsAlias(spec.clone()), &[]))
    }

    async fn ensure_log_group(
        &self,
        step: &Step<'_>,
        spec: &LogGroupSpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let (arn, current) = match observed.map(|found| (found, &found.spec)) {
            Some((found, Spec::LogGroup(current))) => (
                found.attributes.get("arn").map(text).unwrap_or_default(),
                Some(current.clone()),
            ),
            _ => {
                let result = self
                    .write(step, "logs", "CreateLogGroup", Expect::Nothing, |_| {
                        self.cloud.logs.create_log_group(&spec.name, &spec.tags)
                    })
                    .await;
                match result {
                    Ok(())
                    | Err(StepError::Cloud(CloudError {
                        kind: ErrorKind::Conflict,
                        ..
                    })) => {}
                    Err(error) => return Err(error),
                }
                let groups = self
                    .read(step, "logs", "DescribeLogGroups", || {
                        self.cloud.logs.log_groups(&spec.name)
                    })
                    .await?;
                let group = groups.into_iter().find(|group| group.name == spec.name);
                (group.map(|group| group.arn).unwrap_or_default(), None)
            }
        };
        if current.as_ref().map(|current| current.retention_days) != Some(spec.retention_days) {
            self.write(
                step,
                "logs",
                "PutRetentionPolicy",
                Expect::NotFoundAfterCreate,
                |_| {
                    self.cloud
                        .logs
                        .put_retention(&spec.name, spec.retention_days)
                },
            )
            .await?;
        }
        if let Some(current) = &current {
            let (add, remove) = tag_changes(&spec.tags, &current.tags, previous_tags(previous));
            if !add.is_empty() {
                self.write(step, "logs", "TagResource", Expect::Nothing, |_| {
                    self.cloud.logs.tag_log_group(&arn, &add)
                })
                .await?;
            }
            if !remove.is_empty() {
                self.write(step, "logs", "UntagResource", Expect::Nothing, |_| {
                    self.cloud.logs.untag_log_group(&arn, &remove)
                })
                .await?;
            }
        }
        Ok(live(
            step,
            &spec.name,
            Spec::LogGroup(spec.clone()),
            &[("arn", json!(arn))],
        ))
    }

    /// Waits until the cluster leaves CREATING or UPDATING; returns it.
    async fn cluster_ready(
        &self,
        step: &Step<'_>,
        name: &str,
    ) -> Result<sakk_cloud::eks::Cluster, StepError> {
        let waits = &self.settings.waits;
        self.wait_until(
            step,
            "EKS cluster → ACTIVE",
            waits.cluster_poll,
            waits.cluster,
            || async {
                let cluster = self
                    .read(step, "eks", "DescribeCluster", || {
                        self.cloud.eks.cluster(name)
                    })
                    .await?;
                match cluster.status.as_str() {
                    "ACTIVE" => Ok(Some(cluster)),
                    "FAILED" => Err(StepError::Stuck(format!(
                        "{}: EKS reports the cluster {}: the next `sakk plan` replaces it \
                         (fix the cause first)",
                        step.address,
                        with_health(&cluster.status, &cluster.health)
                    ))),
                    "DELETING" => Err(StepError::Stuck(format!(
                        "{}: EKS reports the cluster {} (deleted outside sakk?)",
                        step.address,
                        with_health(&cluster.status, &cluster.health)
                    ))),
                    _ => Ok(None),
                }
            },
        )
        .await
    }

    async fn ensure_cluster(
        &self,
        step: &Step<'_>,
        spec: &EksClusterSpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let existing = observed.filter(|found| !matches!(found.status, Status::Deleting(_)));
        if let Some(found) = observed.filter(|found| matches!(found.status, Status::Deleting(_))) {
            self.wait_gone(
                step,
                "EKS cluster DELETING → gone",
                "DescribeCluster",
                || async { self.cloud.eks.cluster(&found.id).await.map(|_| ()) },
            )
            .await?;
        }
        if existing.is_none() {
            let request = |token: String| CreateCluster {
                name: spec.name.clone(),
                version: spec.version.clone(),
                role_arn: spec.role_arn.clone(),
                subnet_ids: spec.subnet_ids.clone(),
                endpoint_public_access: spec.endpoint_public_access,
                endpoint_private_access: spec.endpoint_private_access,
                public_access_cidrs: spec.public_access_cidrs.clone(),
                enabled_log_types: spec.enabled_log_types.clone(),
                secrets_key_arn: (!spec.secrets_key_arn.is_empty())
                    .then(|| spec.secrets_key_arn.clone()),
                authentication_mode: spec.authentication_mode.clone(),
                bootstrap_creator_admin: false,
                bootstrap_self_managed_addons: false,
                client_request_token: token,
                tags: spec.tags.clone(),
            };
            let result = self
                .write(
                    step,
                    "eks",
                    "CreateCluster",
                    Expect::IamPropagation,
                    |token| {
                        let request = request(token);
                        async move { self.cloud.eks.create_cluster(&request).await }
                    },
                )
                .await;
            match result {
                Ok(_) => {}
                // The same token's earlier attempt made it: EKS says it is in use.
                Err(StepError::Cloud(error))
                    if error.kind == ErrorKind::InUse || error.kind == ErrorKind::Conflict => {}
                Err(error) => return Err(error),
            }
        }
        let mut cluster = self.cluster_ready(step, &spec.name).await?;
        if let Some(Spec::EksCluster(current)) = existing.map(|found| &found.spec) {
            if current.version != spec.version {
                self.write(step, "eks", "UpdateClusterVersion", Expect::InUse, |_| {
                    self.cloud
                        .eks
                        .update_cluster_version(&spec.name, &spec.version)
                })
                .await?;
                cluster = self.cluster_ready(step, &spec.name).await?;
            }
            if current.endpoint_public_access != spec.endpoint_public_access
                || current.endpoint_private_access != spec.endpoint_private_access
                || current.public_access_cidrs != spec.public_access_cidrs
            {
                let update = ClusterUpdate::Endpoint {
                    public: spec.endpoint_public_access,
                    private: spec.endpoint_private_access,
                    public_access_cidrs: spec.public_access_cidrs.clone(),
                };
                self.write(step, "eks", "UpdateClusterConfig", Expect::InUse, |_| {
                    self.cloud.eks.update_cluster(&spec.name, &update)
                })
                .await?;
                cluster = self.cluster_ready(step, &spec.name).await?;
            }
            if current.enabled_log_types != spec.enabled_log_types {
                let disabled = current
                    .enabled_log_types
                    .iter()
                    .filter(|kind| !spec.enabled_log_types.contains(kind))
                    .cloned()
                    .collect();
                let update = ClusterUpdate::Logging {
                    enabled: spec.enabled_log_types.clone(),
                    disabled,
                };
                self.write(step, "eks", "UpdateClusterConfig", Expect::InUse, |_| {
                    self.cloud.eks.update_cluster(&spec.name, &update)
                })
                .await?;
                cluster = self.cluster_ready(step, &spec.name).await?;
            }
            let (add, remove) = tag_changes(&spec.tags, &current.tags, previous_tags(previous));
            if !add.is_empty() {
                self.write(step, "eks", "TagResource", Expect::Nothing, |_| {
                    self.cloud.eks.tag(&cluster.arn, &add)
                })
                .await?;
            }
            if !remove.is_empty() {
                self.write(step, "eks", "UntagResource", Expect::Nothing, |_| {
                    self.cloud.eks.untag(&cluster.arn, &remove)
                })
                .await?;
            }
        }
        let issuer = cluster.oidc_issuer.clone().unwrap_or_default();
        Ok(live(
            step,
            &spec.name,
            Spec::EksCluster(spec.clone()),
            &[
                ("arn", json!(cluster.arn)),
                ("oidc_issuer", json!(issuer)),
                (
                    "oidc_issuer_host",
                    json!(issuer.trim_start_matches("https://")),
                ),
                ("endpoint", json!(cluster.endpoint)),
                (
                    "certificate_authority",
                    json!(cluster.certificate_authority),
                ),
                (
                    "security_group_id",
                    json!(cluster.cluster_security_group_id),
                ),
                ("version", json!(cluster.version)),
            ],
        ))
    }

    async fn node_group_ready(
        &self,
        step: &Step<'_>,
        cluster: &str,
        name: &str,
    ) -> Result<sakk_cloud::eks::NodeGroup, StepError> {
        let waits = &self.settings.waits;
        self.wait_until(
            step,
            "node group → ACTIVE",
            waits.poll,
            waits.node_group,
            || async {
                let group = self
                    .read(step, "eks", "DescribeNodegroup", || {
                        self.cloud.eks.node_group(cluster, name)
                    })
                    .await?;
                let status = with_health(&group.status, &group.health);
                match group.status.as_str() {
                    "ACTIVE" => Ok(Some(group)),
                    "DEGRADED" => {
                        self.events.emit(crate::Event::Warning {
                            address: Some(step.address.clone()),
                            message: format!(
                                "EKS reports the node group {status}; sakk goes on (the node \
                                 group exists; its nodes may be fewer than wanted)"
                            ),
                        });
                        Ok(Some(group))
                    }
                    "CREATE_FAILED" | "DELETE_FAILED" => Err(StepError::Stuck(format!(
                        "{}: EKS reports the node group {status}: the next `sakk plan` \
                         replaces it (fix the cause first)",
                        step.address
                    ))),
                    "DELETING" => Err(StepError::Stuck(format!(
                        "{}: EKS reports the node group {status} (deleted outside sakk?)",
                        step.address
                    ))),
                    _ => Ok(None),
                }
            },
        )
        .await
    }

    async fn ensure_node_group(
        &self,
        step: &Step<'_>,
        spec: &NodeGroupSpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let cluster = spec.cluster_name.clone();
        if let Some(found) = observed.filter(|found| matches!(found.status, Status::Deleting(_))) {
            self.wait_gone(
                step,
                "node group DELETING → gone",
                "DescribeNodegroup",
                || async {
                    self.cloud
                        .eks
                        .node_group(&cluster, &found.id)
                        .await
                        .map(|_| ())
                },
            )
            .await?;
        }
        let existing = observed.filter(|found| !matches!(found.status, Status::Deleting(_)));
        let taints: Vec<Taint> = spec
            .taints
            .iter()
            .map(|taint| Taint {
                key: taint.key.clone(),
                value: taint.value.clone(),
                effect: taint.effect.clone(),
            })
            .collect();
        if existing.is_none() {
            let request = |token: String| CreateNodeGroup {
                cluster: cluster.clone(),
                name: spec.name.clone(),
                node_role: spec.node_role_arn.clone(),
                subnet_ids: spec.subnet_ids.clone(),
                instance_types: spec.instance_types.clone(),
                ami_type: spec.ami_type.clone(),
                capacity_type: spec.capacity_type.clone(),
                disk_size: spec.disk_size,
                min_size: spec.min_size,
                max_size: spec.max_size,
                desired_size: spec.desired_size,
                labels: spec.labels.clone(),
                taints: taints.clone(),
                version: Some(spec.version.clone()),
                client_request_token: token,
                tags: spec.tags.clone(),
            };
            let result = self
                .write(
                    step,
                    "eks",
                    "CreateNodegroup",
                    Expect::IamPropagation,
                    |token| {
                        let request = request(token);
                        async move { self.cloud.eks.create_node_group(&request).await }
                    },
                )
                .await;
            match result {
                Ok(_) => {}
                Err(StepError::Cloud(error))
                    if error.kind == ErrorKind::InUse || error.kind == ErrorKind::Conflict => {}
                Err(error) => return Err(error),
            }
        }
        let mut group = self.node_group_ready(step, &cluster, &spec.name).await?;
        if let Some(Spec::NodeGroup(current)) = existing.map(|found| &found.spec) {
            let mut update = NodeGroupUpdate::default();
            if current.min_size != spec.min_size || current.max_size != spec.max_size {
                // The autoscaler owns the desired size: keep it, inside the new bounds.
                let desired = group
                    .desired_size
                    .clamp(spec.min_size, spec.max_size.max(spec.min_size));
                update.scaling = Some((spec.min_size, spec.max_size, desired));
            }
            for (key, value) in &spec.labels {
                if current.labels.get(key) != Some(value) {
                    update.add_labels.insert(key.clone(), value.clone());
                }
            }
            update.remove_labels = current
                .labels
                .keys()
                .filter(|key| !spec.labels.contains_key(*key))
                .cloned()
                .collect();
            let current_taints: Vec<Taint> = current
                .taints
                .iter()
                .map(|taint| Taint {
                    key: taint.key.clone(),
                    value: taint.value.clone(),
                    effect: taint.effect.clone(),
                })
                .collect();
            update.add_taints = taints
                .iter()
                .filter(|taint| !current_taints.contains(taint))
                .cloned()
                .collect();
            update.remove_taints = current_taints
                .iter()
                .filter(|taint| {
                    !taints
                        .iter()
                        .any(|wanted| eks_effect_matches(wanted, taint))
                })
                .cloned()
                .collect();
            if update != NodeGroupUpdate::default() {
                self.write(step, "eks", "UpdateNodegroupConfig", Expect::InUse, |_| {
                    self.cloud
                        .eks
                        .update_node_group(&cluster, &spec.name, &update)
                })
                .await?;
                group = self.node_group_ready(step, &cluster, &spec.name).await?;
            }
            if current.version != spec.version {
                self.write(step, "eks", "UpdateNodegroupVersion", Expect::InUse, |_| {
                    self.cloud
                        .eks
                        .update_node_group_version(&cluster, &spec.name, &spec.version)
                })
                .await?;
                group = self.node_group_ready(step, &cluster, &spec.name).await?;
            }
            let (add, remove) = tag_changes(&spec.tags, &current.tags, previous_tags(previous));
            if !add.is_empty() {
                self.write(step, "eks", "TagResource", Expect::Nothing, |_| {
                    self.cloud.eks.tag(&group.arn, &add)
                })
                .await?;
            }
            if !remove.is_empty() {
                self.write(step, "eks", "UntagResource", Expect::Nothing, |_| {
                    self.cloud.eks.untag(&group.arn, &remove)
                })
                .await?;
            }
        }
        Ok(live(
            step,
            &spec.name,
            Spec::NodeGroup(spec.clone()),
            &[
                ("arn", json!(group.arn)),
                ("current_desired_size", json!(group.desired_size)),
            ],
        ))
    }

    async fn addon_ready(
        &self,
        step: &Step<'_>,
        cluster: &str,
        name: &str,
    ) -> Result<sakk_cloud::eks::Addon, StepError> {
        let waits = &self.settings.waits;
        self.wait_until(step, "add-on → ACTIVE", waits.poll, waits.addon, || async {
            let addon = self
                .read(step, "eks", "DescribeAddon", || {
                    self.cloud.eks.addon(cluster, name)
                })
                .await?;
            let status = with_health(&addon.status, &addon.health);
            match addon.status.as_str() {
                "ACTIVE" => Ok(Some(addon)),
                "DEGRADED" => {
                    self.events.emit(crate::Event::Warning {
                        address: Some(step.address.clone()),
                        message: format!(
                            "EKS reports the add-on {status}; sakk goes on (the add-on is \
                             installed; its pods are not healthy yet)"
                        ),
                    });
                    Ok(Some(addon))
                }
                "CREATE_FAILED" | "DELETE_FAILED" => Err(StepError::Stuck(format!(
                    "{}: EKS reports the add-on {status}: the next `sakk plan` replaces it \
                     (fix the cause first)",
                    step.address
                ))),
                "UPDATE_FAILED" => Err(StepError::Stuck(format!(
                    "{}: EKS reports the add-on {status}: it keeps its previous \
                     configuration; the next `sakk apply` sends the update again",
                    step.address
                ))),
                "DELETING" => Err(StepError::Stuck(format!(
                    "{}: EKS reports the add-on {status} (deleted outside sakk?)",
                    step.address
                ))),
                _ => Ok(None),
            }
        })
        .await
    }

    async fn ensure_addon(
        &self,
        step: &Step<'_>,
        spec: &AddonSpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let cluster = spec.cluster_name.clone();
        if let Some(found) = observed.filter(|found| matches!(found.status, Status::Deleting(_))) {
            self.wait_gone(step, "add-on DELETING → gone", "DescribeAddon", || async {
                self.cloud.eks.addon(&cluster, &found.id).await.map(|_| ())
            })
            .await?;
        }
        let existing = observed.filter(|found| !matches!(found.status, Status::Deleting(_)));
        if existing.is_none() {
            let result = self
                .write(
                    step,
                    "eks",
                    "CreateAddon",
                    Expect::IamPropagation,
                    |token| {
                        let request = CreateAddon {
                            cluster: cluster.clone(),
                            name: spec.name.clone(),
                            version: spec.version.clone(),
                            service_account_role_arn: spec.service_account_role_arn.clone(),
                            client_request_token: token,
                            tags: spec.tags.clone(),
                        };
                        async move { self.cloud.eks.create_addon(&request).await }
                    },
                )
                .await;
            match result {
                Ok(_) => {}
                Err(StepError::Cloud(error))
                    if error.kind == ErrorKind::InUse || error.kind == ErrorKind::Conflict => {}
                Err(error) => return Err(error),
            }
        }
        // A failed update left the add-on as it was: the update is sent again at once (waiting
        // for it to become ACTIVE would fail on UPDATE_FAILED).
        let update_failed =
            existing.is_some_and(|found| matches!(found.status, Status::UpdateFailed(_)));
        let mut addon = if update_failed {
            self.read(step, "eks", "DescribeAddon", || {
                self.cloud.eks.addon(&cluster, &spec.name)
            })
            .await?
        } else {
            self.addon_ready(step, &cluster, &spec.name).await?
        };
        if let Some(Spec::Addon(current)) = existing.map(|found| &found.spec) {
            if update_failed
                || current.service_account_role_arn != spec.service_account_role_arn
                || (spec.version.is_some() && current.version != spec.version)
            {
                self.write(step, "eks", "UpdateAddon", Expect::InUse, |_| {
                    self.cloud.eks.update_addon(
                        &cluster,
                        &spec.name,
                        spec.version.as_deref(),
                        spec.service_account_role_arn.as_deref(),
                    )
                })
                .await?;
                addon = self.addon_ready(step, &cluster, &spec.name).await?;
            }
            let (add, remove) = tag_changes(&spec.tags, &current.tags, previous_tags(previous));
            if !add.is_empty() {
                self.write(step, "eks", "TagResource", Expect::Nothing, |_| {
                    self.cloud.eks.tag(&addon.arn, &add)
                })
                .await?;
            }
            if !remove.is_empty() {
                self.write(step, "eks", "UntagResource", Expect::Nothing, |_| {
                    self.cloud.eks.untag(&addon.arn, &remove)
                })
                .await?;
            }
        }
        Ok(live(
            step,
            &spec.name,
            Spec::Addon(spec.clone()),
            &[("arn", json!(addon.arn)), ("version", json!(addon.version))],
        ))
    }

    async fn ensure_access_entry(
        &self,
        step: &Step<'_>,
        spec: &AccessEntrySpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let cluster = spec.cluster_name.clone();
        let (arn, current) = match observed.map(|found| (found, &found.spec)) {
            Some((found, Spec::AccessEntry(current))) => (
                found.attributes.get("arn").map(text).unwrap_or_default(),
                Some(current.clone()),
            ),
            _ => {
                let result = self
                    .write(step, "eks", "CreateAccessEntry", Expect::Nothing, |_| {
                        self.cloud.eks.create_access_entry(
                            &cluster,
                            &spec.principal_arn,
                            &spec.username,
                            &spec.kubernetes_groups,
                            &spec.tags,
                        )
                    })
                    .await;
                match result {
                    Ok(entry) => (entry.arn, None),
                    Err(StepError::Cloud(error))
                        if error.kind == ErrorKind::InUse || error.kind == ErrorKind::Conflict =>
                    {
                        let entry = self
                            .read(step, "eks", "DescribeAccessEntry", || {
                                self.cloud.eks.access_entry(&cluster, &spec.principal_arn)
                            })
                            .await?;
                        let current = AccessEntrySpec {
                            cluster_name: cluster.clone(),
                            principal_arn: entry.principal_arn.clone(),
                            username: entry.username.clone(),
                            kubernetes_groups: entry.kubernetes_groups.clone(),
                            access_policies: entry.access_policies.clone(),
                            tags: entry.tags.clone(),
                        };
                        (entry.arn, Some(current))
                    }
                    Err(error) => return Err(error),
                }
            }
        };
        if let Some(current) = &current
            && (current.username != spec.username
                || current.kubernetes_groups != spec.kubernetes_groups)
        {
            self.write(step, "eks", "UpdateAccessEntry", Expect::Nothing, |_| {
                self.cloud.eks.update_access_entry(
                    &cluster,
                    &spec.principal_arn,
                    &spec.username,
                    &spec.kubernetes_groups,
                )
            })
            .await?;
        }
        let associated = current
            .as_ref()
            .map(|current| current.access_policies.clone())
            .unwrap_or_default();
        for policy in spec
            .access_policies
            .iter()
            .filter(|policy| !associated.contains(policy))
        {
            self.write(
                step,
                "eks",
                "AssociateAccessPolicy",
                Expect::NotFoundAfterCreate,
                |_| {
                    self.cloud
                        .eks
                        .associate_access_policy(&cluster, &spec.principal_arn, policy)
                },
            )
            .await?;
        }
        for policy in associated
            .iter()
            .filter(|policy| !spec.access_policies.contains(policy))
        {
            gone(
                self.write(
                    step,
                    "eks",
                    "DisassociateAccessPolicy",
                    Expect::Nothing,
                    |_| {
                        self.cloud.eks.disassociate_access_policy(
                            &cluster,
                            &spec.principal_arn,
                            policy,
                        )
                    },
                )
                .await,
            )?;
        }
        if let Some(current) = &current {
            let (add, remove) = tag_changes(&spec.tags, &current.tags, previous_tags(previous));
            if !add.is_empty() {
                self.write(step, "eks", "TagResource", Expect::Nothing, |_| {
                    self.cloud.eks.tag(&arn, &add)
                })
                .await?;
            }
            if !remove.is_empty() {
                self.write(step, "eks", "UntagResource", Expect::Nothing, |_| {
                    self.cloud.eks.untag(&arn, &remove)
                })
                .await?;
            }
        }
        Ok(live(
            step,
            &spec.principal_arn,
            Spec::AccessEntry(spec.clone()),
            &[("arn", json!(arn))],
        ))
    }

    async fn ensure_zone(
        &self,
        step: &Step<'_>,
        spec: &HostedZoneSpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let (id, servers, current_tags) = match observed {
            Some(found) => (
                found.id.clone(),
                found
                    .attributes
                    .get("name_servers")
                    .cloned()
                    .unwrap_or(Value::Null),
                found.spec.tags().cloned().unwrap_or_default(),
            ),
            None => {
                let (zone, servers) = self
                    .write(
                        step,
                        "route53",
                        "CreateHostedZone",
                        Expect::Nothing,
                        |token| async move {
                            self.cloud
                                .route53
                                .create_zone(
                                    &spec.name,
                                    &token,
                                    &spec.comment,
                                    spec.vpc_id.as_deref(),
                                )
                                .await
                        },
                    )
                    .await?;
                let servers: Vec<Value> = servers
                    .iter()
                    .map(|server| json!(server.trim_end_matches('.')))
                    .collect();
                (zone.id, Value::Array(servers), Tags::new())
            }
        };
        // Route53 cannot tag in the create call: the zone is recognised by its caller reference
        // until this call has been made.
        let (add, remove) = tag_changes(&spec.tags, &current_tags, previous_tags(previous));
        if !add.is_empty() || !remove.is_empty() {
            self.write(
                step,
                "route53",
                "ChangeTagsForResource",
                Expect::NotFoundAfterCreate,
                |_| self.cloud.route53.change_zone_tags(&id, &add, &remove),
            )
            .await?;
        }
        Ok(live(
            step,
            &id,
            Spec::HostedZone(spec.clone()),
            &[("name_servers", servers)],
        ))
    }

    async fn ensure_delegation(
        &self,
        step: &Step<'_>,
        spec: &DelegationSpec,
        observed: Option<&Live>,
    ) -> Result<Live, StepError> {
        let record_name = format!("{}.", spec.name.trim_end_matches('.'));
        let values: Vec<String> = spec
            .name_servers
            .as_array()
            .map(|servers| servers.iter().map(text).collect())
            .unwrap_or_default();
        let record = RecordSet::simple(&record_name, "NS", spec.ttl, values.clone());
        let unchanged = matches!(observed.map(|found| &found.spec), Some(Spec::Delegation(current)) if current == spec);
        if !unchanged {
            // CREATE when absent: it fails rather than overwrite a record someone else made.
            let action = if observed.is_some() {
                "UPSERT"
            } else {
                "CREATE"
            };
            let changes = [Change {
                action: action.into(),
                record: record.clone(),
            }];
            let result = self
                .write(
                    step,
                    "route53",
                    "ChangeResourceRecordSets",
                    Expect::Nothing,
                    |_| {
                        self.cloud
                            .route53
                            .change_records(&spec.parent_zone_id, &changes)
                    },
                )
                .await;
            match result {
                Err(StepError::Cloud(error))
                    if error.kind == ErrorKind::Conflict && observed.is_none() =>
                {
                    // Our own earlier attempt may have made it: accept it only if it is ours.
                    let found = self
                        .read(step, "route53", "ListResourceRecordSets", || {
                            self.cloud.route53.records(
                                &spec.parent_zone_id,
                                Some((&record_name, "NS")),
                                Some(1),
                            )
                        })
                        .await?;
                    let same = found.first().is_some_and(|existing| {
                        let mut existing_values: Vec<String> = existing
                            .values
                            .iter()
                            .map(|value| value.trim_end_matches('.').to_owned())
                            .collect();
                        existing_values.sort();
                        existing.name.eq_ignore_ascii_case(&record_name)
                            && existing_values == values
                    });
                    if !same {
                        return Err(StepError::Cloud(error));
                    }
                }
                other => other?,
            }
        }
        Ok(live(
            step,
            &record_name,
            Spec::Delegation(spec.clone()),
            &[("values", json!(values)), ("ttl", json!(spec.ttl))],
        ))
    }

    async fn ensure_bucket(
        &self,
        step: &Step<'_>,
        spec: &BucketSpec,
        observed: Option<&Live>,
        previous: Option<&Spec>,
    ) -> Result<Live, StepError> {
        let current = match observed.map(|found| &found.spec) {
            Some(Spec::Bucket(current)) => Some(current.clone()),
            _ => {
                let result = self
                    .write(step, "s3", "CreateBucket", Expect::Nothing, |_| {
                        self.cloud.s3.create_bucket(&spec.name, &spec.tags)
                    })
                    .await;
                match result {
                    Ok(()) => {}
                    Err(StepError::Cloud(error)) if error.code == "BucketAlreadyOwnedByYou" => {}
                    Err(error) => return Err(error),
                }
                None
            }
        };
        let (add, remove) = tag_changes(
            &spec.tags,
            current
                .as_ref()
                .map(|current| &current.tags)
                .unwrap_or(&Tags::new()),
            previous_tags(previous),
        );
        if !add.is_empty() || !remove.is_empty() {
            // S3 replaces the whole tag set: keep tags others set.
            let mut tags = current
                .as_ref()
                .map(|current| current.tags.clone())
                .unwrap_or_default();
            for key in &remove {
                tags.remove(key);
            }
            tags.extend(spec.tags.clone());
            self.write(
                step,
                "s3",
                "PutBucketTagging",
                Expect::NotFoundAfterCreate,
                |_| self.cloud.s3.put_bucket_tags(&spec.name, &tags),
            )
            .await?;
        }
        if current.as_ref().map(|current| current.versioning) != Some(spec.versioning) {
            self.write(
                step,
                "s3",
                "PutBucketVersioning",
                Expect::NotFoundAfterCreate,
                |_| self.cloud.s3.put_versioning(&spec.name, spec.versioning),
            )
            .await?;
        }
        if current.as_ref().map(|current| current.encryption.as_str())
            != Some(spec.encryption.as_str())
        {
            self.write(
                step,
                "s3",
                "PutBucketEncryption",
                Expect::NotFoundAfterCreate,
                |_| self.cloud.s3.put_encryption(&spec.name, &spec.encryption),
            )
            .await?;
        }
        if current.as_ref().map(|current| current.block_public_access)
            != Some(spec.block_public_access)
        {
            let block = if spec.block_public_access {
                PublicAccessBlock::ALL
            } else {
                PublicAccessBlock::default()
            };
            self.write(
                step,
                "s3",
                "PutPublicAccessBlock",
                Expect::NotFoundAfterCreate,
                |_| self.cloud.s3.put_public_access_block(&spec.name, block),
            )
            .await?;
        }
        let partition = step
            .recorder
            .account()
            .await
            .get("partition")
            .and_then(Value::as_str)
            .unwrap_or("aws")
            .to_owned();
        Ok(live(
            step,
            &spec.name,
            Spec::Bucket(spec.clone()),
            &[("arn", json!(format!("arn:{partition}:s3:::{}", spec.name)))],
        ))
    }

    /// Polls `describe` until it says NotFound.
    pub async fn wait_gone<F, Fut>(
        &self,
        step: &Step<'_>,
        what: &str,
        operation: &'static str,
        describe: F,
    ) -> Result<(), StepError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = CloudResult<()>>,
    {
        let waits = &self.settings.waits;
        let limit = waits.cluster.max(waits.node_group);
        self.wait_until(step, what, waits.poll, limit, || async {
            match self.read(step, "eks", operation, &describe).await {
                Ok(()) => Ok(None),
                Err(error) if error.is_not_found() => Ok(Some(())),
                Err(error) => Err(StepError::Cloud(error)),
            }
        })
        .await
    }

    /// Deletes a resource as it was found; `NotFound` is done.
    pub async fn remove(&self, step: &Step<'_>, found: &Live) -> Result<(), StepError> {
        let id = found.id.as_str();
        let waits = &self.settings.waits;
        match &found.spec {
            Spec::Vpc(_) => {
                let result = self
                    .write(step, "ec2", "DeleteVpc", Expect::Nothing, |_| {
                        self.cloud.ec2.delete_vpc(id)
                    })
                    .await;
                if let Err(StepError::Cloud(error)) = &result
                    && error.kind == ErrorKind::DependencyViolation
                {
                    self.clean_vpc(Some(step), id).await?;
                    let result = gone(
                        self.write(step, "ec2", "DeleteVpc", Expect::InUse, |_| {
                            self.cloud.ec2.delete_vpc(id)
                        })
                        .await,
                    );
                    return match result {
                        Err(error) => Err(self.blocked(error, id, Some(id), None).await),
                        ok => ok,
                    };
                }
                gone(result)
            }
            Spec::Subnet(subnet) => {
                let result = self
                    .write(step, "ec2", "DeleteSubnet", Expect::Nothing, |_| {
                        self.cloud.ec2.delete_subnet(id)
                    })
                    .await;
                if let Err(StepError::Cloud(error)) = &result
                    && error.kind == ErrorKind::DependencyViolation
                {
                    self.clean_interfaces(Some(step), &[Filter::new("subnet-id", id)])
                        .await?;
                    let result = gone(
                        self.write(step, "ec2", "DeleteSubnet", Expect::InUse, |_| {
                            self.cloud.ec2.delete_subnet(id)
                        })
                        .await,
                    );
                    return match result {
                        Err(error) => Err(self
                            .blocked(error, id, Some(&subnet.vpc_id), Some(id))
                            .await),
                        ok => ok,
                    };
                }
                gone(result)
            }
            Spec::InternetGateway(spec) => {
                if !spec.vpc_id.is_empty() {
                    gone(
                        self.write(step, "ec2", "DetachInternetGateway", Expect::InUse, |_| {
                            self.cloud.ec2.detach_internet_gateway(id, &spec.vpc_id)
                        })
                        .await,
                    )?;
                }
                gone(
                    self.write(step, "ec2", "DeleteInternetGateway", Expect::InUse, |_| {
                        self.cloud.ec2.delete_internet_gateway(id)
                    })
                    .await,
                )
            }
            Spec::ElasticIp(_) => gone(
                self.write(step, "ec2", "ReleaseAddress", Expect::InUse, |_| {
                    self.cloud.ec2.release_address(id)
                })
                .await,
            ),
            Spec::NatGateway(_) => {
                gone(
                    self.write(step, "ec2", "DeleteNatGateway", Expect::Nothing, |_| {
                        self.cloud.ec2.delete_nat_gateway(id)
                    })
                    .await,
                )?;
                let filters = [Filter::new("nat-gateway-id", id)];
                self.wait_until(
                    step,
                    "NAT gateway deleting → deleted",
                    waits.poll,
                    waits.network,
                    || async {
                        let found = self
                            .read(step, "ec2", "DescribeNatGateways", || {
                                self.cloud.ec2.nat_gateways(&filters)
                            })
                            .await?;
                        Ok(found.iter().all(|nat| nat.state == "deleted").then_some(()))
                    },
                )
                .await
            }
            Spec::RouteTable(_) => {
                let filters = [Filter::new("route-table-id", id)];
                let tables = self
                    .read(step, "ec2", "DescribeRouteTables", || {
                        self.cloud.ec2.route_tables(&filters)
                    })
                    .await?;
                for association in tables.iter().flat_map(|table| &table.associations) {
                    if association.main {
                        continue;
                    }
                    gone(
                        self.write(
                            step,
                            "ec2",
                            "DisassociateRouteTable",
                            Expect::Nothing,
                            |_| self.cloud.ec2.disassociate_route_table(&association.id),
                        )
                        .await,
                    )?;
                }
                gone(
                    self.write(step, "ec2", "DeleteRouteTable", Expect::InUse, |_| {
                        self.cloud.ec2.delete_route_table(id)
                    })
                    .await,
                )
            }
            Spec::IamRole(spec) => {
                let profiles = match self
                    .read(step, "iam", "ListInstanceProfilesForRole", || {
                        self.cloud.iam.instance_profiles_of(id)
                    })
                    .await
                {
                    Ok(profiles) => profiles,
                    Err(error) if error.is_not_found() => return Ok(()),
                    Err(error) => return Err(error.into()),
                };
                for profile in &profiles {
                    gone(
                        self.write(
                            step,
                            "iam",
                            "RemoveRoleFromInstanceProfile",
                            Expect::Nothing,
                            |_| self.cloud.iam.remove_from_instance_profile(profile, id),
                        )
                        .await,
                    )?;
                }
                for policy in &spec.managed_policies {
                    gone(
                        self.write(step, "iam", "DetachRolePolicy", Expect::Nothing, |_| {
                            self.cloud.iam.detach_policy(id, policy)
                        })
                        .await,
                    )?;
                }
                for name in spec.inline_policies.keys() {
                    gone(
                        self.write(step, "iam", "DeleteRolePolicy", Expect::Nothing, |_| {
                            self.cloud.iam.delete_inline_policy(id, name)
                        })
                        .await,
                    )?;
                }
                let result = self
                    .write(step, "iam", "DeleteRole", Expect::Nothing, |_| {
                        self.cloud.iam.delete_role(id)
                    })
                    .await;
                if let Err(StepError::Cloud(error)) = &result
                    && error.kind == ErrorKind::DependencyViolation
                {
                    // Policies attached by someone else since the role was read.
                    let role = self
                        .read(step, "iam", "GetRole", || self.cloud.iam.role(id))
                        .await?;
                    for policy in &role.managed_policies {
                        gone(
                            self.write(step, "iam", "DetachRolePolicy", Expect::Nothing, |_| {
                                self.cloud.iam.detach_policy(id, policy)
                            })
                            .await,
                        )?;
                    }
                    for name in role.inline_policies.keys() {
                        gone(
                            self.write(step, "iam", "DeleteRolePolicy", Expect::Nothing, |_| {
                                self.cloud.iam.delete_inline_policy(id, name)
                            })
                            .await,
                        )?;
                    }
                    return gone(
                        self.write(step, "iam", "DeleteRole", Expect::InUse, |_| {
                            self.cloud.iam.delete_role(id)
                        })
                        .await,
                    );
                }
                gone(result)
            }
            Spec::OidcProvider(_) => gone(
                self.write(
                    step,
                    "iam",
                    "DeleteOpenIDConnectProvider",
                    Expect::Nothing,
                    |_| self.cloud.iam.delete_oidc_provider(id),
                )
                .await,
            ),
            Spec::KmsKey(_) => {
                let days = self.settings.key_deletion_days;
                match self
                    .write(step, "kms", "ScheduleKeyDeletion", Expect::Nothing, |_| {
                        self.cloud.kms.schedule_key_deletion(id, days)
                    })
                    .await
                {
                    // Already pending deletion.
                    Err(StepError::Cloud(error)) if error.kind == ErrorKind::InUse => Ok(()),
                    other => gone(other),
                }
            }
            Spec::KmsAlias(_) => gone(
                self.write(step, "kms", "DeleteAlias", Expect::Nothing, |_| {
                    self.cloud.kms.delete_alias(id)
                })
                .await,
            ),
            Spec::LogGroup(_) => gone(
                self.write(step, "logs", "DeleteLogGroup", Expect::Nothing, |_| {
                    self.cloud.logs.delete_log_group(id)
                })
                .await,
            ),
            Spec::EksCluster(_) => {
                gone(
                    self.write(step, "eks", "DeleteCluster", Expect::InUse, |_| {
                        self.cloud.eks.delete_cluster(id)
                    })
                    .await,
                )?;
                self.wait_gone(
                    step,
                    "EKS cluster DELETING → gone",
                    "DescribeCluster",
                    || async { self.cloud.eks.cluster(id).await.map(|_| ()) },
                )
                .await
            }
            Spec::NodeGroup(spec) => {
                let cluster = spec.cluster_name.clone();
                gone(
                    self.write(step, "eks", "DeleteNodegroup", Expect::InUse, |_| {
                        self.cloud.eks.delete_node_group(&cluster, id)
                    })
                    .await,
                )?;
                self.wait_gone(
                    step,
                    "node group DELETING → gone",
                    "DescribeNodegroup",
                    || async { self.cloud.eks.node_group(&cluster, id).await.map(|_| ()) },
                )
                .await
            }
            Spec::Addon(spec) => {
                let cluster = spec.cluster_name.clone();
                gone(
                    self.write(step, "eks", "DeleteAddon", Expect::InUse, |_| {
                        self.cloud.eks.delete_addon(&cluster, id)
                    })
                    .await,
                )?;
                self.wait_gone(step, "add-on DELETING → gone", "DescribeAddon", || async {
                    self.cloud.eks.addon(&cluster, id).await.map(|_| ())
                })
                .await
            }
            Spec::AccessEntry(spec) => gone(
                self.write(step, "eks", "DeleteAccessEntry", Expect::Nothing, |_| {
                    self.cloud.eks.delete_access_entry(&spec.cluster_name, id)
                })
                .await,
            ),
            Spec::HostedZone(_) => {
                let records = match self
                    .read(step, "route53", "ListResourceRecordSets", || {
                        self.cloud.route53.records(id, None, None)
                    })
                    .await
                {
                    Ok(records) => records,
                    Err(error) if error.is_not_found() => return Ok(()),
                    Err(error) => return Err(error.into()),
                };
                let apex = records
                    .iter()
                    .filter(|record| record.kind == "SOA")
                    .map(|record| record.name.clone())
                    .next()
                    .unwrap_or_default();
                // Records external-dns and cert-manager left: the zone is ours, so they go.
                let changes: Vec<Change> = records
                    .into_iter()
                    .filter(|record| {
                        !(record.name == apex && (record.kind == "SOA" || record.kind == "NS"))
                    })
                    .map(|record| Change {
                        action: "DELETE".into(),
                        record,
                    })
                    .collect();
                for batch in changes.chunks(100) {
                    gone(
                        self.write(
                            step,
                            "route53",
                            "ChangeResourceRecordSets",
                            Expect::Nothing,
                            |_| self.cloud.route53.change_records(id, batch),
                        )
                        .await,
                    )?;
                }
                gone(
                    self.write(step, "route53", "DeleteHostedZone", Expect::InUse, |_| {
                        self.cloud.route53.delete_zone(id)
                    })
                    .await,
                )
            }
            Spec::Delegation(spec) => {
                let name = format!("{}.", spec.name.trim_end_matches('.'));
                // Delete exactly what is there now (Route53 wants the current values).
                let records = match self
                    .read(step, "route53", "ListResourceRecordSets", || {
                        self.cloud.route53.records(
                            &spec.parent_zone_id,
                            Some((&name, "NS")),
                            Some(1),
                        )
                    })
                    .await
                {
                    Ok(records) => records,
                    Err(error) if error.is_not_found() => return Ok(()),
                    Err(error) => return Err(error.into()),
                };
                let Some(record) = records
                    .into_iter()
                    .find(|record| record.kind == "NS" && record.name.eq_ignore_ascii_case(&name))
                else {
                    return Ok(());
                };
                let changes = [Change {
                    action: "DELETE".into(),
                    record,
                }];
                match self
                    .write(
                        step,
                        "route53",
                        "ChangeResourceRecordSets",
                        Expect::Nothing,
                        |_| {
                            self.cloud
                                .route53
                                .change_records(&spec.parent_zone_id, &changes)
                        },
                    )
                    .await
                {
                    // Gone between the read and the delete.
                    Err(StepError::Cloud(error)) if error.kind == ErrorKind::Conflict => Ok(()),
                    other => gone(other),
                }
            }
            Spec::Bucket(_) => {
                loop {
                    let page = match self
                        .read(step, "s3", "ListObjectVersions", || {
                            self.cloud.s3.list_versions(id)
                        })
                        .await
                    {
                        Ok(page) => page,
                        Err(error) if error.is_not_found() => return Ok(()),
                        Err(error) => return Err(error.into()),
                    };
                    if page.versions.is_empty() {
                        break;
                    }
                    self.write(step, "s3", "DeleteObjects", Expect::Nothing, |_| {
                        self.cloud.s3.delete_versions(id, &page.versions)
                    })
                    .await?;
                }
                gone(
                    self.write(step, "s3", "DeleteBucket", Expect::InUse, |_| {
                        self.cloud.s3.delete_bucket(id)
                    })
                    .await,
                )
            }
        }
    }

    /// Turns a final DependencyViolation into a message listing what blocks (G12).
    async fn blocked(
        &self,
        error: StepError,
        id: &str,
        vpc: Option<&str>,
        subnet: Option<&str>,
    ) -> StepError {
        match error {
            StepError::Cloud(cloud) if cloud.kind == ErrorKind::DependencyViolation => {
                let blockers = self.blockers(vpc, subnet).await.unwrap_or_default();
                let listed = if blockers.is_empty() {
                    "nothing sakk can see (another account's or service's object?)".to_owned()
                } else {
                    blockers.join("; ")
                };
                StepError::Stuck(format!(
                    "{id} is still in use after {} s of retries ({cloud}); blocked by: {listed}",
                    self.caller.policy.in_use.as_secs()
                ))
            }
            other => other,
        }
    }
}
