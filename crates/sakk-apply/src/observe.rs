//! Reading what exists: per kind, one batched read by ownership tag where AWS allows it (EC2,
//! the tagging API, IAM's account details), otherwise by the deterministic names and recorded
//! IDs. What carries sakk's tags for this cluster is ours; a resource with our name and without
//! our tags is a conflict that sakk reports and never touches.

use crate::engine::Engine;
use crate::retry::{Access, Expect};
use futures_util::future::join_all;
use sakk_cloud::ec2::{Filter, RouteTarget};
use sakk_cloud::{CloudResult, ErrorKind, Tags, user_tags};
use sakk_model::naming::{MANAGED_BY_TAG, OWNER_TAG, RESOURCE_TAG};
use sakk_plan::observed::Conflict;
use sakk_plan::resource::*;
use sakk_plan::{Address, Desired, Kind, Live, Observed, Status};
use sakk_state::State;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// What one kind's read found.
#[derive(Debug, Default)]
pub struct Found {
    /// Ours.
    pub lives: Vec<Live>,
    /// In the way.
    pub conflicts: Vec<Conflict>,
}

/// What the observer knows besides AWS: the desired graph, the state, and attributes already
/// read (the cluster's issuer for its OIDC provider, the zones' name servers for delegations).
pub struct Context<'a> {
    /// Desired graph.
    pub desired: &'a Desired,
    /// State.
    pub state: &'a State,
    /// Attributes known so far, by address.
    pub known: BTreeMap<Address, BTreeMap<String, Value>>,
}

impl Context<'_> {
    fn cluster(&self) -> &str {
        &self.desired.cluster
    }

    /// Addresses of `kind` that are wanted or recorded.
    fn addresses(&self, kind: Kind) -> BTreeSet<Address> {
        self.desired
            .resources
            .keys()
            .chain(self.state.resources.keys())
            .filter(|address| address.kind() == kind)
            .cloned()
            .collect()
    }

    fn desired_spec(&self, address: &Address) -> Option<&Spec> {
        self.desired
            .resources
            .get(address)
            .map(|resource| &resource.spec)
    }

    fn recorded_id(&self, address: &Address) -> Option<&str> {
        self.state
            .resources
            .get(address)
            .map(|resource| resource.id.as_str())
    }

    fn eks_name(&self) -> Option<String> {
        let main = Address::new(Kind::EksCluster, "main");
        match self.desired_spec(&main) {
            Some(Spec::EksCluster(spec)) => Some(spec.name.clone()),
            _ => self.recorded_id(&main).map(str::to_owned),
        }
    }

    fn is_ours(&self, tags: &Tags) -> bool {
        tags.get(OWNER_TAG).map(String::as_str) == Some(self.cluster())
            && tags.get(MANAGED_BY_TAG).map(String::as_str) == Some("sakk")
    }

    /// The address a resource's tags name, if it is of `kind`; resources of this cluster
    /// without a usable address tag get one from their ID, so they are deleted, not leaked.
    fn address_of(&self, kind: Kind, tags: &Tags, id: &str) -> Address {
        tags.get(RESOURCE_TAG)
            .and_then(|text| Address::parse(text))
            .filter(|address| address.kind() == kind)
            .unwrap_or_else(|| Address::new(kind, &format!("orphan-{id}")))
    }
}

fn attributes(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), value.clone()))
        .collect()
}

fn live(
    address: Address,
    id: &str,
    spec: Spec,
    mut attributes: BTreeMap<String, Value>,
    status: Status,
) -> Live {
    attributes
        .entry("id".to_owned())
        .or_insert_with(|| Value::String(id.to_owned()));
    Live {
        address,
        id: id.to_owned(),
        spec,
        attributes,
        status,
    }
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// An EKS status as the planner sees it; `health` (AWS's issues) goes into the detail.
fn eks_status(status: &str, health: &[String]) -> Status {
    let detail = crate::drivers::with_health(status, health);
    match status {
        "ACTIVE" | "" => Status::Ready,
        "DEGRADED" => Status::Degraded(detail),
        "UPDATE_FAILED" => Status::UpdateFailed(detail),
        "CREATING" | "UPDATING" | "PENDING" => Status::Pending(detail),
        "DELETING" => Status::Deleting(detail),
        // FAILED, CREATE_FAILED, DELETE_FAILED and anything EKS adds later.
        _ => Status::Failed(detail),
    }
}

impl Engine {
    /// Reads everything of the cluster: the account first, then the kinds in two waves (the
    /// second needs the cluster's issuer and the zones' name servers).
    pub async fn observe(&self, desired: &Desired, state: &State) -> CloudResult<Observed> {
        let identity = self
            .caller
            .call(
                None,
                "sts",
                "GetCallerIdentity",
                Access::Read,
                Expect::Nothing,
                || self.cloud.sts.caller_identity(),
            )
            .await?;
        let partition = identity.arn.split(':').nth(1).unwrap_or("aws").to_owned();
        let mut observed = Observed::default();
        observed
            .account
            .insert("account_id".into(), json!(identity.account));
        observed
            .account
            .insert("partition".into(), json!(partition));
        observed
            .account
            .insert("region".into(), json!(self.cloud.region));
        observed
            .account
            .insert("caller_arn".into(), json!(identity.arn));

        let mut context = Context {
            desired,
            state,
            known: BTreeMap::new(),
        };
        let first = [
            Kind::Vpc,
            Kind::Subnet,
            Kind::InternetGateway,
            Kind::ElasticIp,
            Kind::NatGateway,
            Kind::RouteTable,
            Kind::IamRole,
            Kind::KmsKey,
            Kind::KmsAlias,
            Kind::LogGroup,
            Kind::EksCluster,
            Kind::HostedZone,
            Kind::Bucket,
        ];
        let second = [
            Kind::OidcProvider,
            Kind::NodeGroup,
            Kind::Addon,
            Kind::AccessEntry,
            Kind::Delegation,
        ];
        for wave in [&first[..], &second[..]] {
            let results =
                join_all(wave.iter().map(|kind| self.observe_kind(*kind, &context))).await;
            for found in results {
                let found = found?;
                for live in found.lives {
                    let preferred = state
                        .resources
                        .get(&live.address)
                        .map(|resource| resource.id.clone());
                    context
                        .known
                        .insert(live.address.clone(), live.attributes.clone());
                    observed.insert(live, preferred.as_deref());
                }
                observed.conflicts.extend(found.conflicts);
            }
        }
        observed
            .conflicts
            .sort_by(|left, right| left.address.cmp(&right.address));
        Ok(observed)
    }

    /// Reads the resources of one kind.
    pub async fn observe_kind(&self, kind: Kind, context: &Context<'_>) -> CloudResult<Found> {
        self.events.emit(crate::Event::Observing {
            kind: kind.to_string(),
        });
        match kind {
            Kind::Vpc => self.observe_vpcs(context).await,
            Kind::Subnet => self.observe_subnets(context).await,
            Kind::InternetGateway => self.observe_gateways(context).await,
            Kind::ElasticIp => self.observe_addresses(context).await,
            Kind::NatGateway => self.observe_nat_gateways(context).await,
            Kind::RouteTable => self.observe_route_tables(context).await,
            Kind::IamRole => self.observe_roles(context).await,
            Kind::OidcProvider => self.observe_oidc(context).await,
            Kind::KmsKey => self.observe_keys(context).await,
            Kind::KmsAlias => self.observe_aliases(context).await,
            Kind::LogGroup => self.observe_log_groups(context).await,
            Kind::EksCluster => self.observe_cluster(context).await,
            Kind::NodeGroup => self.observe_node_groups(context).await,
            Kind::Addon => self.observe_addons(context).await,
            Kind::AccessEntry => self.observe_access_entries(context).await,
            Kind::HostedZone => self.observe_zones(context).await,
            Kind::Delegation => self.observe_delegations(context).await,
            Kind::Bucket => self.observe_bucket(context).await,
        }
    }

    fn owner_filter(&self, context: &Context<'_>) -> Vec<Filter> {
        vec![Filter::tag(OWNER_TAG, context.cluster())]
    }

    async fn observe_vpcs(&self, context: &Context<'_>) -> CloudResult<Found> {
        let filters = self.owner_filter(context);
        let vpcs = self
            .caller
            .call(
                None,
                "ec2",
                "DescribeVpcs",
                Access::Read,
                Expect::Nothing,
                || self.cloud.ec2.vpcs(&filters),
            )
            .await?;
        let mut found = Found::default();
        for vpc in vpcs.into_iter().filter(|vpc| context.is_ours(&vpc.tags)) {
            let hostnames = self
                .caller
                .call(
                    None,
                    "ec2",
                    "DescribeVpcAttribute",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.ec2.vpc_dns_hostnames(&vpc.id),
                )
                .await?;
            let address = context.address_of(Kind::Vpc, &vpc.tags, &vpc.id);
            let status = if vpc.state == "pending" {
                Status::Pending("pending".into())
            } else {
                Status::Ready
            };
            let spec = Spec::Vpc(VpcSpec {
                cidr_block: vpc.cidr_block.clone(),
                enable_dns_hostnames: hostnames,
                tags: user_tags(vpc.tags),
            });
            found
                .lives
                .push(live(address, &vpc.id, spec, BTreeMap::new(), status));
        }
        Ok(found)
    }

    async fn observe_subnets(&self, context: &Context<'_>) -> CloudResult<Found> {
        let filters = self.owner_filter(context);
        let subnets = self
            .caller
            .call(
                None,
                "ec2",
                "DescribeSubnets",
                Access::Read,
                Expect::Nothing,
                || self.cloud.ec2.subnets(&filters),
            )
            .await?;
        let mut found = Found::default();
        for subnet in subnets
            .into_iter()
            .filter(|subnet| context.is_ours(&subnet.tags))
        {
            let address = context.address_of(Kind::Subnet, &subnet.tags, &subnet.id);
            let spec = Spec::Subnet(SubnetSpec {
                vpc_id: subnet.vpc_id.clone(),
                cidr_block: subnet.cidr_block.clone(),
                availability_zone: subnet.availability_zone.clone(),
                map_public_ip_on_launch: subnet.map_public_ip_on_launch,
                tags: user_tags(subnet.tags),
            });
            found.lives.push(live(
                address,
                &subnet.id,
                spec,
                BTreeMap::new(),
                Status::Ready,
            ));
        }
        Ok(found)
    }

    async fn observe_gateways(&self, context: &Context<'_>) -> CloudResult<Found> {
        let filters = self.owner_filter(context);
        let gateways = self
            .caller
            .call(
                None,
                "ec2",
                "DescribeInternetGateways",
                Access::Read,
                Expect::Nothing,
                || self.cloud.ec2.internet_gateways(&filters),
            )
            .await?;
        let mut found = Found::default();
        for gateway in gateways
            .into_iter()
            .filter(|gateway| context.is_ours(&gateway.tags))
        {
            let address = context.address_of(Kind::InternetGateway, &gateway.tags, &gateway.id);
            let spec = Spec::InternetGateway(InternetGatewaySpec {
                vpc_id: gateway.attached_vpcs.first().cloned().unwrap_or_default(),
                tags: user_tags(gateway.tags),
            });
            found.lives.push(live(
                address,
                &gateway.id,
                spec,
                BTreeMap::new(),
                Status::Ready,
            ));
        }
        Ok(found)
    }

    async fn observe_addresses(&self, context: &Context<'_>) -> CloudResult<Found> {
        let filters = self.owner_filter(context);
        let addresses = self
            .caller
            .call(
                None,
                "ec2",
                "DescribeAddresses",
                Access::Read,
                Expect::Nothing,
                || self.cloud.ec2.addresses(&filters),
            )
            .await?;
        let mut found = Found::default();
        for ip in addresses.into_iter().filter(|ip| context.is_ours(&ip.tags)) {
            let address = context.address_of(Kind::ElasticIp, &ip.tags, &ip.allocation_id);
            let spec = Spec::ElasticIp(ElasticIpSpec {
                tags: user_tags(ip.tags),
            });
            found.lives.push(live(
                address,
                &ip.allocation_id,
                spec,
                attributes(&[("public_ip", json!(ip.public_ip))]),
                Status::Ready,
            ));
        }
        Ok(found)
    }

    async fn observe_nat_gateways(&self, context: &Context<'_>) -> CloudResult<Found> {
        let mut filters = self.owner_filter(context);
        filters.push(Filter {
            name: "state".into(),
            values: vec![
                "pending".into(),
                "available".into(),
                "deleting".into(),
                "failed".into(),
            ],
        });
        let gateways = self
            .caller
            .call(
                None,
                "ec2",
                "DescribeNatGateways",
                Access::Read,
                Expect::Nothing,
                || self.cloud.ec2.nat_gateways(&filters),
            )
            .await?;
        let mut found = Found::default();
        for nat in gateways
            .into_iter()
            .filter(|nat| context.is_ours(&nat.tags))
        {
            let address = context.address_of(Kind::NatGateway, &nat.tags, &nat.id);
            let status = match nat.state.as_str() {
                "pending" => Status::Pending("pending".into()),
                "deleting" | "deleted" => Status::Deleting(nat.state.clone()),
                "failed" => Status::Failed(
                    nat.failure_message
                        .clone()
                        .unwrap_or_else(|| "failed".into()),
                ),
                _ => Status::Ready,
            };
            let spec = Spec::NatGateway(NatGatewaySpec {
                subnet_id: nat.subnet_id.clone(),
                allocation_id: nat.allocation_ids.first().cloned().unwrap_or_default(),
                tags: user_tags(nat.tags),
            });
            found
                .lives
                .push(live(address, &nat.id, spec, BTreeMap::new(), status));
        }
        Ok(found)
    }

    async fn observe_route_tables(&self, context: &Context<'_>) -> CloudResult<Found> {
        let filters = self.owner_filter(context);
        let tables = self
            .caller
            .call(
                None,
                "ec2",
                "DescribeRouteTables",
                Access::Read,
                Expect::Nothing,
                || self.cloud.ec2.route_tables(&filters),
            )
            .await?;
        let mut found = Found::default();
        for table in tables
            .into_iter()
            .filter(|table| context.is_ours(&table.tags))
        {
            let address = context.address_of(Kind::RouteTable, &table.tags, &table.id);
            let routes = table
                .routes
                .iter()
                .filter_map(|route| match &route.target {
                    RouteTarget::Local => None,
                    RouteTarget::Gateway(id)
                    | RouteTarget::NatGateway(id)
                    | RouteTarget::Other(id) => Some((route.destination.clone(), id.clone())),
                })
                .collect();
            let mut subnet_ids: Vec<String> = table
                .associations
                .iter()
                .filter(|association| !association.main)
                .filter_map(|association| association.subnet_id.clone())
                .collect();
            subnet_ids.sort();
            let spec = Spec::RouteTable(RouteTableSpec {
                vpc_id: table.vpc_id.clone(),
                routes,
                subnet_ids,
                tags: user_tags(table.tags),
            });
            found.lives.push(live(
                address,
                &table.id,
                spec,
                BTreeMap::new(),
                Status::Ready,
            ));
        }
        Ok(found)
    }

    async fn observe_roles(&self, context: &Context<'_>) -> CloudResult<Found> {
        let roles = self
            .caller
            .call(
                None,
                "iam",
                "GetAccountAuthorizationDetails",
                Access::Read,
                Expect::Nothing,
                || self.cloud.iam.roles(),
            )
            .await?;
        let wanted: BTreeMap<String, Address> = context
            .addresses(Kind::IamRole)
            .into_iter()
            .filter_map(|address| match context.desired_spec(&address) {
                Some(Spec::IamRole(spec)) => Some((spec.name.clone(), address)),
                _ => context
                    .recorded_id(&address)
                    .map(|name| (name.to_owned(), address.clone())),
            })
            .collect();
        let mut found = Found::default();
        for role in roles {
            if !context.is_ours(&role.tags) {
                if let Some(address) = wanted.get(&role.name) {
                    found.conflicts.push(Conflict {
                        address: address.clone(),
                        id: role.name.clone(),
                        message: "an IAM role with this name exists without sakk's tags for this cluster: \
                                  rename the cluster or delete the role"
                            .into(),
                    });
                }
                continue;
            }
            let address = context.address_of(Kind::IamRole, &role.tags, &role.name);
            let spec = Spec::IamRole(IamRoleSpec {
                name: role.name.clone(),
                description: String::new(),
                trust_policy: parse_json(&role.trust_policy),
                managed_policies: role.managed_policies.clone(),
                inline_policies: role
                    .inline_policies
                    .iter()
                    .map(|(name, document)| (name.clone(), parse_json(document)))
                    .collect(),
                tags: user_tags(role.tags),
            });
            found.lives.push(live(
                address,
                &role.name,
                spec,
                attributes(&[("arn", json!(role.arn))]),
                Status::Ready,
            ));
        }
        Ok(found)
    }

    async fn observe_oidc(&self, context: &Context<'_>) -> CloudResult<Found> {
        let cluster = Address::new(Kind::EksCluster, "main");
        let issuer = context
            .known
            .get(&cluster)
            .and_then(|attributes| attributes.get("oidc_issuer_host"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let recorded: Vec<(Address, String)> = context
            .addresses(Kind::OidcProvider)
            .into_iter()
            .filter_map(|address| {
                context
                    .recorded_id(&address)
                    .map(|id| (address.clone(), id.to_owned()))
            })
            .collect();
        if issuer.is_none() && recorded.is_empty() {
            return Ok(Found::default());
        }
        let providers = self
            .caller
            .call(
                None,
                "iam",
                "ListOpenIDConnectProviders",
                Access::Read,
                Expect::Nothing,
                || self.cloud.iam.oidc_providers(),
            )
            .await?;
        let mut found = Found::default();
        for arn in providers {
            let for_issuer = issuer
                .as_ref()
                .is_some_and(|issuer| arn.ends_with(&format!("oidc-provider/{issuer}")));
            let in_state = recorded.iter().any(|(_, id)| *id == arn);
            if !for_issuer && !in_state {
                continue;
            }
            let provider = match self
                .caller
                .call(
                    None,
                    "iam",
                    "GetOpenIDConnectProvider",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.iam.oidc_provider(&arn),
                )
                .await
            {
                Ok(provider) => provider,
                Err(error) if error.is_not_found() => continue,
                Err(error) => return Err(error),
            };
            if !context.is_ours(&provider.tags) {
                found.conflicts.push(Conflict {
                    address: Address::new(Kind::OidcProvider, "main"),
                    id: arn.clone(),
                    message:
                        "an IAM OIDC provider for this cluster's issuer exists without sakk's tags \
                              (made by another tool?): delete it, sakk makes its own"
                            .into(),
                });
                continue;
            }
            let address = context.address_of(Kind::OidcProvider, &provider.tags, &arn);
            let spec = Spec::OidcProvider(OidcProviderSpec {
                url: provider.url.clone(),
                client_ids: provider.client_ids.clone(),
                tags: user_tags(provider.tags),
            });
            found.lives.push(live(
                address,
                &arn,
                spec,
                attributes(&[("arn", json!(arn))]),
                Status::Ready,
            ));
        }
        Ok(found)
    }

    async fn observe_keys(&self, context: &Context<'_>) -> CloudResult<Found> {
        let filter: Tags = [(OWNER_TAG.to_owned(), context.cluster().to_owned())].into();
        let types = vec!["kms:key".to_owned()];
        let tagged = self
            .caller
            .call(
                None,
                "tagging",
                "GetResources",
                Access::Read,
                Expect::Nothing,
                || self.cloud.tagging.resources(&filter, &types),
            )
            .await?;
        let mut found = Found::default();
        for resource in tagged
            .into_iter()
            .filter(|resource| context.is_ours(&resource.tags))
        {
            let key = match self
                .caller
                .call(
                    None,
                    "kms",
                    "DescribeKey",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.kms.describe_key(&resource.arn),
                )
                .await
            {
                Ok(key) => key,
                Err(error) if error.is_not_found() => continue,
                Err(error) => return Err(error),
            };
            if !key.is_live() {
                continue;
            }
            let address = context.address_of(Kind::KmsKey, &resource.tags, &key.id);
            let spec = Spec::KmsKey(KmsKeySpec {
                description: key.description.clone(),
                tags: user_tags(resource.tags),
            });
            found.lives.push(live(
                address,
                &key.id,
                spec,
                attributes(&[("arn", json!(key.arn))]),
                Status::Ready,
            ));
        }
        Ok(found)
    }

    async fn observe_aliases(&self, context: &Context<'_>) -> CloudResult<Found> {
        let wanted: BTreeMap<String, Address> = context
            .addresses(Kind::KmsAlias)
            .into_iter()
            .filter_map(|address| match context.desired_spec(&address) {
                Some(Spec::KmsAlias(spec)) => Some((spec.name.clone(), address)),
                _ => context
                    .recorded_id(&address)
                    .map(|name| (name.to_owned(), address.clone())),
            })
            .collect();
        if wanted.is_empty() {
            return Ok(Found::default());
        }
        let aliases = self
            .caller
            .call(
                None,
                "kms",
                "ListAliases",
                Access::Read,
                Expect::Nothing,
                || self.cloud.kms.aliases(),
            )
            .await?;
        let mut found = Found::default();
        for alias in aliases {
            // The alias name is in sakk's namespace (`alias/sakk/<cluster>`): it is ours.
            let Some(address) = wanted.get(&alias.name) else {
                continue;
            };
            let spec = Spec::KmsAlias(KmsAliasSpec {
                name: alias.name.clone(),
                target_key_id: alias.target_key_id.clone().unwrap_or_default(),
            });
            found.lives.push(live(
                address.clone(),
                &alias.name,
                spec,
                BTreeMap::new(),
                Status::Ready,
            ));
        }
        Ok(found)
    }

    async fn observe_log_groups(&self, context: &Context<'_>) -> CloudResult<Found> {
        let mut found = Found::default();
        for address in context.addresses(Kind::LogGroup) {
            let name = match context.desired_spec(&address) {
                Some(Spec::LogGroup(spec)) => spec.name.clone(),
                _ => match context.recorded_id(&address) {
                    Some(name) => name.to_owned(),
                    None => continue,
                },
            };
            let groups = self
                .caller
                .call(
                    None,
                    "logs",
                    "DescribeLogGroups",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.logs.log_groups(&name),
                )
                .await?;
            let Some(group) = groups.into_iter().find(|group| group.name == name) else {
                continue;
            };
            let tags = self
                .caller
                .call(
                    None,
                    "logs",
                    "ListTagsForResource",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.logs.log_group_tags(&group.arn),
                )
                .await?;
            if !context.is_ours(&tags) {
                found.conflicts.push(Conflict {
                    address: address.clone(),
                    id: name.clone(),
                    message:
                        "this log group exists without sakk's tags (EKS makes it when a cluster \
                              of this name logged before): delete it, or export what you need first"
                            .into(),
                });
                continue;
            }
            let spec = Spec::LogGroup(LogGroupSpec {
                name: name.clone(),
                retention_days: group.retention_days.unwrap_or(0),
                tags: user_tags(tags),
            });
            found.lives.push(live(
                address,
                &name,
                spec,
                attributes(&[("arn", json!(group.arn))]),
                Status::Ready,
            ));
        }
        Ok(found)
    }

    async fn observe_cluster(&self, context: &Context<'_>) -> CloudResult<Found> {
        let mut found = Found::default();
        let Some(name) = context.eks_name() else {
            return Ok(found);
        };
        let cluster = match self
            .caller
            .call(
                None,
                "eks",
                "DescribeCluster",
                Access::Read,
                Expect::Nothing,
                || self.cloud.eks.cluster(&name),
            )
            .await
        {
            Ok(cluster) => cluster,
            Err(error) if error.is_not_found() => return Ok(found),
            Err(error) => return Err(error),
        };
        let address = Address::new(Kind::EksCluster, "main");
        if !context.is_ours(&cluster.tags) {
            found.conflicts.push(Conflict {
                address,
                id: name,
                message: "an EKS cluster with this name exists without sakk's tags: sakk will not \
                          adopt it; choose another cluster name"
                    .into(),
            });
            return Ok(found);
        }
        let authentication_mode = match context.desired_spec(&address) {
            Some(Spec::EksCluster(spec)) => spec.authentication_mode.clone(),
            _ => "API".to_owned(),
        };
        let issuer = cluster.oidc_issuer.clone().unwrap_or_default();
        let spec = Spec::EksCluster(EksClusterSpec {
            name: cluster.name.clone(),
            version: cluster.version.clone(),
            role_arn: cluster.role_arn.clone(),
            subnet_ids: cluster.subnet_ids.clone(),
            endpoint_public_access: cluster.endpoint_public_access,
            endpoint_private_access: cluster.endpoint_private_access,
            public_access_cidrs: if cluster.endpoint_public_access {
                cluster.public_access_cidrs.clone()
            } else {
                Vec::new()
            },
            enabled_log_types: cluster.enabled_log_types.clone(),
            secrets_key_arn: cluster.secrets_key_arn.clone().unwrap_or_default(),
            authentication_mode,
            tags: user_tags(cluster.tags.clone()),
        });
        found.lives.push(live(
            address,
            &cluster.name,
            spec,
            attributes(&[
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
            ]),
            eks_status(&cluster.status, &cluster.health),
        ));
        Ok(found)
    }

    /// The cluster name when the cluster was found (none: nothing inside it can exist).
    fn found_cluster(&self, context: &Context<'_>) -> Option<String> {
        let address = Address::new(Kind::EksCluster, "main");
        context.known.get(&address)?;
        context.eks_name()
    }

    async fn observe_node_groups(&self, context: &Context<'_>) -> CloudResult<Found> {
        let mut found = Found::default();
        let Some(cluster) = self.found_cluster(context) else {
            return Ok(found);
        };
        for address in context.addresses(Kind::NodeGroup) {
            let name = address.name().to_owned();
            let group = match self
                .caller
                .call(
                    None,
                    "eks",
                    "DescribeNodegroup",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.eks.node_group(&cluster, &name),
                )
                .await
            {
                Ok(group) => group,
                Err(error) if error.is_not_found() => continue,
                Err(error) => return Err(error),
            };
            if !context.is_ours(&group.tags) {
                found.conflicts.push(Conflict {
                    address,
                    id: name,
                    message:
                        "a node group with this name exists in the cluster without sakk's tags"
                            .into(),
                });
                continue;
            }
            let desired_size = match context.desired_spec(&address) {
                Some(Spec::NodeGroup(spec)) => spec.desired_size,
                _ => group.desired_size,
            };
            let taints = group
                .taints
                .iter()
                .map(|taint| TaintSpec {
                    key: taint.key.clone(),
                    value: taint.value.clone(),
                    effect: taint.effect.clone(),
                })
                .collect();
            let spec = Spec::NodeGroup(NodeGroupSpec {
                cluster_name: group.cluster.clone(),
                name: group.name.clone(),
                node_role_arn: group.node_role.clone(),
                subnet_ids: group.subnet_ids.clone(),
                instance_types: group.instance_types.clone(),
                ami_type: group.ami_type.clone(),
                capacity_type: group.capacity_type.clone(),
                disk_size: group.disk_size.unwrap_or(0),
                min_size: group.min_size,
                max_size: group.max_size,
                desired_size,
                labels: group.labels.clone(),
                taints,
                version: group.version.clone().unwrap_or_default(),
                tags: user_tags(group.tags.clone()),
            });
            found.lives.push(live(
                address,
                &group.name,
                spec,
                attributes(&[
                    ("arn", json!(group.arn)),
                    ("current_desired_size", json!(group.desired_size)),
                ]),
                eks_status(&group.status, &group.health),
            ));
        }
        Ok(found)
    }

    async fn observe_addons(&self, context: &Context<'_>) -> CloudResult<Found> {
        let mut found = Found::default();
        let Some(cluster) = self.found_cluster(context) else {
            return Ok(found);
        };
        for address in context.addresses(Kind::Addon) {
            let name = address.name().to_owned();
            let addon = match self
                .caller
                .call(
                    None,
                    "eks",
                    "DescribeAddon",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.eks.addon(&cluster, &name),
                )
                .await
            {
                Ok(addon) => addon,
                Err(error) if error.is_not_found() => continue,
                Err(error) => return Err(error),
            };
            if !context.is_ours(&addon.tags) {
                found.conflicts.push(Conflict {
                    address,
                    id: name,
                    message: "this add-on exists without sakk's tags".into(),
                });
                continue;
            }
            // A version left to EKS's default is not compared.
            let version = match context.desired_spec(&address) {
                Some(Spec::Addon(spec)) if spec.version.is_none() => None,
                _ => Some(addon.version.clone()),
            };
            let spec = Spec::Addon(AddonSpec {
                cluster_name: cluster.clone(),
                name: addon.name.clone(),
                version,
                service_account_role_arn: addon.service_account_role_arn.clone(),
                tags: user_tags(addon.tags.clone()),
            });
            found.lives.push(live(
                address,
                &addon.name,
                spec,
                attributes(&[("arn", json!(addon.arn)), ("version", json!(addon.version))]),
                eks_status(&addon.status, &addon.health),
            ));
        }
        Ok(found)
    }

    async fn observe_access_entries(&self, context: &Context<'_>) -> CloudResult<Found> {
        let mut found = Found::default();
        let Some(cluster) = self.found_cluster(context) else {
            return Ok(found);
        };
        for address in context.addresses(Kind::AccessEntry) {
            let principal = address.name().to_owned();
            let entry = match self
                .caller
                .call(
                    None,
                    "eks",
                    "DescribeAccessEntry",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.eks.access_entry(&cluster, &principal),
                )
                .await
            {
                Ok(entry) => entry,
                Err(error) if error.is_not_found() => continue,
                Err(error) => return Err(error),
            };
            if !context.is_ours(&entry.tags) {
                found.conflicts.push(Conflict {
                    address,
                    id: principal,
                    message: "an access entry for this principal exists without sakk's tags".into(),
                });
                continue;
            }
            let spec = Spec::AccessEntry(AccessEntrySpec {
                cluster_name: cluster.clone(),
                principal_arn: entry.principal_arn.clone(),
                username: entry.username.clone(),
                kubernetes_groups: entry.kubernetes_groups.clone(),
                access_policies: entry.access_policies.clone(),
                tags: user_tags(entry.tags.clone()),
            });
            found.lives.push(live(
                address,
                &principal,
                spec,
                attributes(&[("arn", json!(entry.arn))]),
                Status::Ready,
            ));
        }
        Ok(found)
    }

    async fn observe_zones(&self, context: &Context<'_>) -> CloudResult<Found> {
        let mut found = Found::default();
        // (address, zone, token, details already read)
        let mut candidates = Vec::new();
        for address in context.addresses(Kind::HostedZone) {
            let token = context.state.token(&address, "CreateHostedZone");
            // A recorded zone is read by ID: one call gives its name servers too.
            if let Some(id) = context.recorded_id(&address) {
                match self
                    .caller
                    .call(
                        None,
                        "route53",
                        "GetHostedZone",
                        Access::Read,
                        Expect::Nothing,
                        || self.cloud.route53.zone(id),
                    )
                    .await
                {
                    Ok((zone, servers)) => {
                        candidates.push((
                            address.clone(),
                            zone.clone(),
                            token,
                            Some((zone, servers)),
                        ));
                        continue;
                    }
                    Err(error) if error.is_not_found() => {}
                    Err(error) => return Err(error),
                }
            }
            let zones = self
                .caller
                .call(
                    None,
                    "route53",
                    "ListHostedZonesByName",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.route53.zones_named(address.name()),
                )
                .await?;
            for zone in zones {
                candidates.push((address.clone(), zone, token.clone(), None));
            }
        }
        if candidates.is_empty() {
            return Ok(found);
        }
        let ids: Vec<String> = candidates
            .iter()
            .map(|(_, zone, _, _)| zone.id.clone())
            .collect();
        let tags = self
            .caller
            .call(
                None,
                "route53",
                "ListTagsForResources",
                Access::Read,
                Expect::Nothing,
                || self.cloud.route53.zone_tags(&ids),
            )
            .await?;
        for (address, zone, token, known) in candidates {
            let zone_tags = tags.get(&zone.id).cloned().unwrap_or_default();
            // A zone created by an interrupted run before it was tagged is recognised by the
            // caller reference sakk derived for it.
            let ours = context.is_ours(&zone_tags)
                || zone.caller_reference == token
                || context.recorded_id(&address) == Some(zone.id.as_str());
            if !ours {
                continue;
            }
            let (details, servers) = match known {
                Some(known) => known,
                None => {
                    self.caller
                        .call(
                            None,
                            "route53",
                            "GetHostedZone",
                            Access::Read,
                            Expect::Nothing,
                            || self.cloud.route53.zone(&zone.id),
                        )
                        .await?
                }
            };
            let tagged_address = zone_tags
                .get(RESOURCE_TAG)
                .and_then(|text| Address::parse(text))
                .filter(|tagged| tagged.kind() == Kind::HostedZone)
                .unwrap_or(address);
            let spec = Spec::HostedZone(HostedZoneSpec {
                name: details.name.trim_end_matches('.').to_owned(),
                comment: details.comment.clone(),
                private: details.private,
                vpc_id: details.vpc_ids.first().cloned(),
                tags: user_tags(zone_tags),
            });
            let servers: Vec<Value> = servers
                .iter()
                .map(|server| json!(server.trim_end_matches('.')))
                .collect();
            found.lives.push(live(
                tagged_address,
                &zone.id,
                spec,
                attributes(&[
                    ("name_servers", Value::Array(servers)),
                    ("caller_reference", json!(zone.caller_reference)),
                ]),
                Status::Ready,
            ));
        }
        Ok(found)
    }

    async fn observe_delegations(&self, context: &Context<'_>) -> CloudResult<Found> {
        let mut found = Found::default();
        for address in context.addresses(Kind::Delegation) {
            let (parent, name) = match (
                context.desired_spec(&address),
                context.state.resources.get(&address),
            ) {
                (Some(Spec::Delegation(spec)), _) => {
                    (spec.parent_zone_id.clone(), spec.name.clone())
                }
                (_, Some(recorded)) => match &recorded.spec {
                    Spec::Delegation(spec) => (spec.parent_zone_id.clone(), spec.name.clone()),
                    _ => continue,
                },
                _ => continue,
            };
            let record_name = format!("{}.", name.trim_end_matches('.'));
            let records = match self
                .caller
                .call(
                    None,
                    "route53",
                    "ListResourceRecordSets",
                    Access::Read,
                    Expect::Nothing,
                    || {
                        self.cloud
                            .route53
                            .records(&parent, Some((&record_name, "NS")), Some(1))
                    },
                )
                .await
            {
                Ok(records) => records,
                Err(error) if error.kind == ErrorKind::NotFound => {
                    found.conflicts.push(Conflict {
                        address: address.clone(),
                        id: parent.clone(),
                        message:
                            "the parent zone does not exist (or these credentials cannot see it): \
                                  check `parent_zone_id`"
                                .into(),
                    });
                    continue;
                }
                Err(error) => return Err(error),
            };
            let Some(record) = records.into_iter().find(|record| {
                record.kind == "NS" && record.name.eq_ignore_ascii_case(&record_name)
            }) else {
                continue;
            };
            let mut values: Vec<String> = record
                .values
                .iter()
                .map(|value| value.trim_end_matches('.').to_owned())
                .collect();
            values.sort();
            let zone = Address::new(Kind::HostedZone, &name);
            let our_servers: Option<Vec<String>> = context
                .known
                .get(&zone)
                .and_then(|attributes| attributes.get("name_servers"))
                .and_then(Value::as_array)
                .map(|servers| {
                    let mut servers: Vec<String> = servers
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect();
                    servers.sort();
                    servers
                });
            let recorded = context.state.resources.contains_key(&address);
            if our_servers.as_ref() != Some(&values) && !recorded {
                found.conflicts.push(Conflict {
                    address: address.clone(),
                    id: format!("{parent}/{record_name}NS"),
                    message:
                        "the parent zone already delegates this domain to other name servers: \
                              remove that NS record if it is stale"
                            .into(),
                });
                continue;
            }
            let spec = Spec::Delegation(DelegationSpec {
                parent_zone_id: parent.clone(),
                name: name.clone(),
                ttl: record.ttl.unwrap_or(0),
                name_servers: json!(values),
            });
            found.lives.push(live(
                address,
                &record_name,
                spec,
                attributes(&[("values", json!(record.values)), ("ttl", json!(record.ttl))]),
                Status::Ready,
            ));
        }
        Ok(found)
    }

    async fn observe_bucket(&self, context: &Context<'_>) -> CloudResult<Found> {
        let mut found = Found::default();
        for address in context.addresses(Kind::Bucket) {
            let name = match context.desired_spec(&address) {
                Some(Spec::Bucket(spec)) => spec.name.clone(),
                _ => match context.recorded_id(&address) {
                    Some(name) => name.to_owned(),
                    None => continue,
                },
            };
            let tags = match self
                .caller
                .call(
                    None,
                    "s3",
                    "GetBucketTagging",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.s3.bucket_tags(&name),
                )
                .await
            {
                Ok(tags) => tags,
                Err(error) if error.is_not_found() => continue,
                Err(error) if error.kind == ErrorKind::AccessDenied => {
                    found.conflicts.push(Conflict {
                        address,
                        id: name,
                        message:
                            "this bucket name belongs to someone else (bucket names are global): \
                                  set `bucket` in the cluster file"
                                .into(),
                    });
                    continue;
                }
                Err(error) => return Err(error),
            };
            // S3 creates a bucket with the tags of the create call, in one step: a bucket with
            // our name and without our tags is someone else's, journal or not.
            if !context.is_ours(&tags) && context.recorded_id(&address) != Some(name.as_str()) {
                found.conflicts.push(Conflict {
                    address,
                    id: name,
                    message:
                        "a bucket with this name exists without sakk's tags: sakk will not adopt it"
                            .into(),
                });
                continue;
            }
            let versioning = self
                .caller
                .call(
                    None,
                    "s3",
                    "GetBucketVersioning",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.s3.versioning(&name),
                )
                .await?;
            let encryption = self
                .caller
                .call(
                    None,
                    "s3",
                    "GetBucketEncryption",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.s3.encryption(&name),
                )
                .await?;
            let block = self
                .caller
                .call(
                    None,
                    "s3",
                    "GetPublicAccessBlock",
                    Access::Read,
                    Expect::Nothing,
                    || self.cloud.s3.public_access_block(&name),
                )
                .await?;
            let spec = Spec::Bucket(BucketSpec {
                name: name.clone(),
                versioning,
                encryption: encryption.unwrap_or_default(),
                block_public_access: block == sakk_cloud::s3::PublicAccessBlock::ALL,
                tags: user_tags(tags),
            });
            let partition = context
                .state
                .account
                .get("partition")
                .and_then(Value::as_str)
                .unwrap_or("aws")
                .to_owned();
            found.lives.push(live(
                address,
                &name,
                spec,
                attributes(&[("arn", json!(format!("arn:{partition}:s3:::{name}")))]),
                Status::Ready,
            ));
        }
        Ok(found)
    }
}
