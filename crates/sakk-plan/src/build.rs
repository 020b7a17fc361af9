//! The desired graph of a cluster, derived from its [`Model`].
//!
//! Every resource carries the ownership tags (`sakk.dev/cluster`, `sakk.dev/managed-by`) and its
//! own address (`sakk.dev/resource`) in the create call, so a crashed run finds it again by
//! tags alone. Names come from `model.names` and `sakk_model::naming`.

use crate::graph::Desired;
use crate::policies;
use crate::resource::*;
use sakk_model::model::{Access, CapacityType, Model, NatGateways};
use sakk_model::naming;
use serde_json::Value;
use std::collections::BTreeMap;

/// Log types sent to CloudWatch: who called the API, what changed, who authenticated.
pub const LOG_TYPES: [&str; 3] = ["api", "audit", "authenticator"];
/// Days control-plane logs are kept.
pub const LOG_RETENTION_DAYS: i32 = 90;
/// EKS add-ons sakk manages; the first two before nodes exist, the others once they do.
pub const ADDONS: [&str; 4] = ["vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"];
/// TTL of the NS delegation records.
pub const DELEGATION_TTL: i64 = 172_800;

/// The single resource of its kind (`vpc.main`, `eks_cluster.main`).
pub fn main(kind: Kind) -> Address {
    Address::new(kind, "main")
}

/// The address of the IAM role of a service account, by component (`iam_role.external-dns`).
pub fn service_account_role(component: &str) -> Address {
    Address::new(Kind::IamRole, component)
}

/// The desired graph of `model`.
pub fn desired(model: &Model) -> Desired {
    Builder::new(model).build()
}

struct Builder<'a> {
    model: &'a Model,
    graph: Desired,
}

impl<'a> Builder<'a> {
    fn new(model: &'a Model) -> Self {
        Self {
            model,
            graph: Desired {
                cluster: model.name.clone(),
                region: model.region.clone(),
                resources: BTreeMap::new(),
            },
        }
    }

    /// Ownership tags, the user's tags, and the resource's address.
    fn tags(&self, address: &Address) -> Tags {
        let mut tags = self.model.tags.clone();
        tags.extend(self.model.names.ownership_tags.clone());
        tags.insert(naming::RESOURCE_TAG.to_owned(), address.to_string());
        tags
    }

    /// Tags of an EC2 resource: with a `Name`.
    fn ec2_tags(&self, address: &Address, role: &str) -> Tags {
        let mut tags = self.tags(address);
        tags.insert(
            "Name".to_owned(),
            naming::ec2_name(&self.model.names.vpc, role),
        );
        tags
    }

    fn build(mut self) -> Desired {
        self.network();
        self.cluster_roles();
        self.encryption_and_logs();
        self.cluster();
        self.dns();
        self.bucket();
        self.service_account_roles();
        self.graph
    }

    fn eks_name(&self) -> &str {
        &self.model.names.eks_cluster
    }

    fn nat_zones(&self) -> Vec<&str> {
        let zones: Vec<&str> = self
            .model
            .network
            .subnets
            .iter()
            .map(|subnet| subnet.zone.as_str())
            .collect();
        match self.model.network.nat_gateways {
            NatGateways::Single => zones.into_iter().take(1).collect(),
            NatGateways::PerAz => zones,
        }
    }

    fn network(&mut self) {
        let vpc = main(Kind::Vpc);
        let vpc_id = vpc.attribute("id");
        let spec = Spec::Vpc(VpcSpec {
            cidr_block: self.model.network.vpc_cidr.clone(),
            enable_dns_hostnames: true,
            tags: self.ec2_tags(&vpc, ""),
        });
        self.graph.add(vpc.clone(), spec, &[]);

        let gateway = main(Kind::InternetGateway);
        let spec = Spec::InternetGateway(InternetGatewaySpec {
            vpc_id: vpc_id.clone(),
            tags: self.ec2_tags(&gateway, "igw"),
        });
        self.graph.add(gateway.clone(), spec, &[]);

        let cluster_tag = format!("kubernetes.io/cluster/{}", self.eks_name());
        let mut public_subnets = Vec::new();
        for zone in self.model.network.subnets.clone() {
            for (public, cidr) in [(true, &zone.public), (false, &zone.private)] {
                let tier = if public { "public" } else { "private" };
                let address = Address::new(Kind::Subnet, &format!("{tier}-{}", zone.zone));
                let mut tags = self.ec2_tags(&address, &format!("{tier}-{}", zone.zone));
                tags.insert(cluster_tag.clone(), "shared".to_owned());
                // What the AWS Load Balancer Controller looks for when it places load balancers.
                let role = if public {
                    "kubernetes.io/role/elb"
                } else {
                    "kubernetes.io/role/internal-elb"
                };
                tags.insert(role.to_owned(), "1".to_owned());
                let spec = Spec::Subnet(SubnetSpec {
                    vpc_id: vpc_id.clone(),
                    cidr_block: cidr.clone(),
                    availability_zone: zone.zone.clone(),
                    map_public_ip_on_launch: public,
                    tags,
                });
                self.graph.add(address.clone(), spec, &[]);
                if public {
                    public_subnets.push(address);
                }
            }
        }

        let nat_zones: Vec<String> = self.nat_zones().into_iter().map(str::to_owned).collect();
        for zone in &nat_zones {
            let ip = Address::new(Kind::ElasticIp, zone);
            let spec = Spec::ElasticIp(ElasticIpSpec {
                tags: self.ec2_tags(&ip, &format!("nat-{zone}")),
            });
            self.graph.add(ip.clone(), spec, &[]);
            let nat = Address::new(Kind::NatGateway, zone);
            let spec = Spec::NatGateway(NatGatewaySpec {
                subnet_id: Address::new(Kind::Subnet, &format!("public-{zone}")).attribute("id"),
                allocation_id: ip.attribute("id"),
                tags: self.ec2_tags(&nat, &format!("nat-{zone}")),
            });
            // A NAT gateway needs the VPC's internet gateway attached before AWS accepts it.
            self.graph.add(nat, spec, std::slice::from_ref(&gateway));
        }

        let public_table = Address::new(Kind::RouteTable, "public");
        let mut subnet_ids: Vec<String> = public_subnets
            .iter()
            .map(|subnet| subnet.attribute("id"))
            .collect();
        subnet_ids.sort();
        let spec = Spec::RouteTable(RouteTableSpec {
            vpc_id: vpc_id.clone(),
            routes: BTreeMap::from([("0.0.0.0/0".to_owned(), gateway.attribute("id"))]),
            subnet_ids,
            tags: self.ec2_tags(&public_table, "public"),
        });
        self.graph.add(public_table, spec, &[]);

        // One private route table per zone: switching between one NAT gateway and one per zone
        // then changes routes in place instead of replacing tables.
        for zone in self.model.network.subnets.clone() {
            let nat_zone = if nat_zones.contains(&zone.zone) {
                zone.zone.clone()
            } else {
                nat_zones
                    .first()
                    .cloned()
                    .unwrap_or_else(|| zone.zone.clone())
            };
            let address = Address::new(Kind::RouteTable, &format!("private-{}", zone.zone));
            let spec = Spec::RouteTable(RouteTableSpec {
                vpc_id: vpc_id.clone(),
                routes: BTreeMap::from([(
                    "0.0.0.0/0".to_owned(),
                    Address::new(Kind::NatGateway, &nat_zone).attribute("id"),
                )]),
                subnet_ids: vec![
                    Address::new(Kind::Subnet, &format!("private-{}", zone.zone)).attribute("id"),
                ],
                tags: self.ec2_tags(&address, &format!("private-{}", zone.zone)),
            });
            self.graph.add(address, spec, &[]);
        }
    }

    fn managed_policy(&self, name: &str) -> String {
        format!("arn:{}:iam::aws:policy/{name}", self.model.partition)
    }

    fn ec2_service(&self) -> &'static str {
        if self.model.partition == "aws-cn" {
            "ec2.amazonaws.com.cn"
        } else {
            "ec2.amazonaws.com"
        }
    }

    fn cluster_roles(&mut self) {
        let cluster_role = Address::new(Kind::IamRole, "cluster");
        let spec = Spec::IamRole(IamRoleSpec {
            name: self.model.names.cluster_role.clone(),
            description: format!("EKS control plane of {}", self.model.name),
            trust_policy: policies::service_trust("eks.amazonaws.com"),
            managed_policies: vec![self.managed_policy("AmazonEKSClusterPolicy")],
            inline_policies: BTreeMap::new(),
            tags: self.tags(&cluster_role),
        });
        self.graph.add(cluster_role, spec, &[]);

        let node_role = Address::new(Kind::IamRole, "node");
        let mut managed = vec![
            self.managed_policy("AmazonEC2ContainerRegistryReadOnly"),
            // The VPC CNI runs with the node's role: it must keep it until every node is gone,
            // so the CNI can release its network interfaces (amazon-vpc-cni-k8s#1447).
            self.managed_policy("AmazonEKS_CNI_Policy"),
            self.managed_policy("AmazonEKSWorkerNodePolicy"),
        ];
        managed.sort();
        let spec = Spec::IamRole(IamRoleSpec {
            name: self.model.names.node_role.clone(),
            description: format!("EKS nodes of {}", self.model.name),
            trust_policy: policies::service_trust(self.ec2_service()),
            managed_policies: managed,
            inline_policies: BTreeMap::new(),
            tags: self.tags(&node_role),
        });
        self.graph.add(node_role, spec, &[]);
    }

    fn encryption_and_logs(&mut self) {
        let key = Address::new(Kind::KmsKey, "secrets");
        let spec = Spec::KmsKey(KmsKeySpec {
            description: format!("Kubernetes secrets of EKS cluster {}", self.eks_name()),
            tags: self.tags(&key),
        });
        self.graph.add(key.clone(), spec, &[]);
        let alias = Address::new(Kind::KmsAlias, "secrets");
        let spec = Spec::KmsAlias(KmsAliasSpec {
            name: self.model.names.kms_alias.clone(),
            target_key_id: key.attribute("id"),
        });
        self.graph.add(alias, spec, &[]);

        let logs = Address::new(Kind::LogGroup, "cluster");
        let spec = Spec::LogGroup(LogGroupSpec {
            name: naming::eks_log_group(self.eks_name()),
            retention_days: LOG_RETENTION_DAYS,
            tags: self.tags(&logs),
        });
        self.graph.add(logs, spec, &[]);
    }

    fn cluster(&mut self) {
        let cluster = main(Kind::EksCluster);
        let mut subnet_ids: Vec<String> = self
            .model
            .network
            .subnets
            .iter()
            .map(|zone| {
                Address::new(Kind::Subnet, &format!("private-{}", zone.zone)).attribute("id")
            })
            .collect();
        subnet_ids.sort();
        let mut cidrs = self.model.network.public_access_cidrs.clone();
        cidrs.sort();
        let mut tags = self.tags(&cluster);
        tags.insert(
            format!("kubernetes.io/cluster/{}", self.eks_name()),
            "owned".to_owned(),
        );
        let spec = Spec::EksCluster(EksClusterSpec {
            name: self.eks_name().to_owned(),
            version: self.model.kubernetes_version.clone(),
            role_arn: Address::new(Kind::IamRole, "cluster").attribute("arn"),
            subnet_ids: subnet_ids.clone(),
            endpoint_public_access: self.model.network.endpoint_public_access,
            endpoint_private_access: true,
            public_access_cidrs: if self.model.network.endpoint_public_access {
                cidrs
            } else {
                Vec::new()
            },
            enabled_log_types: LOG_TYPES.iter().map(|kind| (*kind).to_owned()).collect(),
            secrets_key_arn: Address::new(Kind::KmsKey, "secrets").attribute("arn"),
            authentication_mode: "API".to_owned(),
            tags,
        });
        // EKS writes to the log group sakk made (with retention and tags) only if it exists first.
        self.graph.add(
            cluster.clone(),
            spec,
            &[Address::new(Kind::LogGroup, "cluster")],
        );

        let provider = main(Kind::OidcProvider);
        let spec = Spec::OidcProvider(OidcProviderSpec {
            url: cluster.attribute("oidc_issuer_host"),
            client_ids: vec!["sts.amazonaws.com".to_owned()],
            tags: self.tags(&provider),
        });
        self.graph.add(provider, spec, &[]);

        let before_nodes: Vec<Address> = ADDONS[..2]
            .iter()
            .map(|name| Address::new(Kind::Addon, name))
            .collect();
        for name in &ADDONS[..2] {
            self.addon(name, None, &[]);
        }

        let private_tables: Vec<Address> = self
            .model
            .network
            .subnets
            .iter()
            .map(|zone| Address::new(Kind::RouteTable, &format!("private-{}", zone.zone)))
            .collect();
        let mut node_groups = Vec::new();
        for group in &self.model.node_groups {
            let address = Address::new(Kind::NodeGroup, &group.name);
            let mut tags = self.tags(&address);
            // Cluster Autoscaler auto-discovery, and what it needs to scale a group from zero.
            tags.insert("k8s.io/cluster-autoscaler/enabled".into(), "true".into());
            tags.insert(
                format!("k8s.io/cluster-autoscaler/{}", self.eks_name()),
                "owned".into(),
            );
            for (key, value) in &group.labels {
                tags.insert(
                    format!("k8s.io/cluster-autoscaler/node-template/label/{key}"),
                    value.clone(),
                );
            }
            let mut taints: Vec<TaintSpec> = group
                .taints
                .iter()
                .map(|taint| TaintSpec {
                    key: taint.key.clone(),
                    value: taint.value.clone(),
                    effect: eks_effect(&taint.effect),
                })
                .collect();
            taints.sort();
            for taint in &group.taints {
                tags.insert(
                    format!(
                        "k8s.io/cluster-autoscaler/node-template/taint/{}",
                        taint.key
                    ),
                    format!("{}:{}", taint.value, taint.effect),
                );
            }
            let spec = Spec::NodeGroup(NodeGroupSpec {
                cluster_name: cluster.attribute("id"),
                name: group.name.clone(),
                node_role_arn: Address::new(Kind::IamRole, "node").attribute("arn"),
                subnet_ids: subnet_ids.clone(),
                instance_types: group.instance_types.clone(),
                ami_type: group.ami_type.clone(),
                capacity_type: match group.capacity_type {
                    CapacityType::OnDemand => "ON_DEMAND".to_owned(),
                    CapacityType::Spot => "SPOT".to_owned(),
                },
                disk_size: group.disk_size as i32,
                min_size: group.min_size as i32,
                max_size: group.max_size as i32,
                desired_size: group.desired_size as i32,
                labels: group.labels.clone(),
                taints,
                // The model's version, not the cluster's current one: an upgrade plans the
                // cluster and its node groups in one pass.
                version: self.model.kubernetes_version.clone(),
                tags,
            });
            let mut after = before_nodes.clone();
            after.extend(private_tables.iter().cloned());
            after.push(cluster.clone());
            self.graph.add(address.clone(), spec, &after);
            node_groups.push(address);
        }

        // coredns and the EBS CSI driver run as pods: created before any node, they would sit
        // DEGRADED; after the node groups they become ACTIVE.
        self.addon(ADDONS[2], None, &node_groups);
        self.addon(
            ADDONS[3],
            Some(service_account_role("aws-ebs-csi-driver").attribute("arn")),
            &node_groups,
        );

        for admin in &self.model.admins {
            let address = Address::new(Kind::AccessEntry, &admin.arn);
            let mut groups = admin.kubernetes_groups.clone();
            groups.retain(|group| !group.starts_with("system:"));
            groups.sort();
            let policy = match admin.access {
                Access::ClusterAdmin => "AmazonEKSClusterAdminPolicy",
                other => other.policy(),
            };
            let spec = Spec::AccessEntry(AccessEntrySpec {
                cluster_name: cluster.attribute("id"),
                principal_arn: admin.arn.clone(),
                username: admin.username.clone(),
                kubernetes_groups: groups,
                access_policies: vec![format!(
                    "arn:{}:eks::aws:cluster-access-policy/{policy}",
                    self.model.partition
                )],
                tags: self.tags(&address),
            });
            self.graph.add(address, spec, &[]);
        }
    }

    fn addon(&mut self, name: &str, role: Option<String>, after: &[Address]) {
        let address = Address::new(Kind::Addon, name);
        let spec = Spec::Addon(AddonSpec {
            cluster_name: main(Kind::EksCluster).attribute("id"),
            name: name.to_owned(),
            version: None,
            service_account_role_arn: role,
            tags: self.tags(&address),
        });
        self.graph.add(address, spec, after);
    }

    fn zone_ids(&self) -> Vec<String> {
        self.model
            .dns
            .domains
            .iter()
            .map(|domain| Address::new(Kind::HostedZone, domain).attribute("id"))
            .collect()
    }

    fn dns(&mut self) {
        for domain in self.model.dns.domains.clone() {
            let zone = Address::new(Kind::HostedZone, &domain);
            let spec = Spec::HostedZone(HostedZoneSpec {
                name: domain.clone(),
                comment: format!("sakk cluster {}", self.model.name),
                private: self.model.dns.private,
                vpc_id: self
                    .model
                    .dns
                    .private
                    .then(|| main(Kind::Vpc).attribute("id")),
                tags: self.tags(&zone),
            });
            self.graph.add(zone.clone(), spec, &[]);
            if let (Some(parent), false) = (&self.model.dns.parent_zone_id, self.model.dns.private)
            {
                let delegation = Address::new(Kind::Delegation, &domain);
                let spec = Spec::Delegation(DelegationSpec {
                    parent_zone_id: parent.clone(),
                    name: domain.clone(),
                    ttl: DELEGATION_TTL,
                    name_servers: Value::String(zone.attribute("name_servers")),
                });
                self.graph.add(delegation, spec, &[]);
            }
        }
    }

    fn bucket(&mut self) {
        if !self.model.object_store.managed {
            return;
        }
        let address = Address::new(Kind::Bucket, "artifacts");
        let spec = Spec::Bucket(BucketSpec {
            name: self.model.object_store.bucket.clone(),
            versioning: true,
            encryption: "AES256".to_owned(),
            block_public_access: true,
            tags: self.tags(&address),
        });
        self.graph.add(address, spec, &[]);
    }

    fn service_account_roles(&mut self) {
        let provider = main(Kind::OidcProvider).attribute("arn");
        let issuer = main(Kind::EksCluster).attribute("oidc_issuer_host");
        let partition = self.model.partition.clone();
        for (component, role) in self.model.names.service_account_roles.clone() {
            let address = service_account_role(&component);
            let mut managed = Vec::new();
            let mut inline = BTreeMap::new();
            let policy_name = format!("sakk-{component}");
            match component.as_str() {
                "aws-ebs-csi-driver" => {
                    managed.push(self.managed_policy("service-role/AmazonEBSCSIDriverPolicy"))
                }
                "aws-load-balancer-controller" => {
                    inline.insert(
                        policy_name,
                        policies::load_balancer_controller(&partition, self.eks_name()),
                    );
                }
                "cert-manager" => {
                    inline.insert(
                        policy_name,
                        policies::cert_manager(&partition, &self.zone_ids()),
                    );
                }
                "external-dns" => {
                    inline.insert(
                        policy_name,
                        policies::external_dns(&partition, &self.zone_ids()),
                    );
                }
                "cluster-autoscaler" => {
                    inline.insert(policy_name, policies::cluster_autoscaler(self.eks_name()));
                }
                "external-secrets" => {
                    inline.insert(
                        policy_name,
                        policies::external_secrets(
                            &partition,
                            &self.model.region,
                            &self.model.name,
                        ),
                    );
                }
                "pipelines" => {
                    inline.insert(
                        policy_name,
                        policies::pipelines(&partition, &self.model.object_store.bucket),
                    );
                }
                _ => {}
            }
            let spec = Spec::IamRole(IamRoleSpec {
                name: role.role.clone(),
                description: format!("{component} in {}", self.model.name),
                trust_policy: policies::service_account_trust(
                    &provider,
                    &issuer,
                    &role.service_accounts,
                ),
                managed_policies: managed,
                inline_policies: inline,
                tags: self.tags(&address),
            });
            let after: Vec<Address> = if component == "pipelines" && self.model.object_store.managed
            {
                vec![Address::new(Kind::Bucket, "artifacts")]
            } else {
                Vec::new()
            };
            self.graph.add(address, spec, &after);
        }
    }
}

/// Kubernetes taint effect → EKS spelling.
fn eks_effect(effect: &str) -> String {
    match effect {
        "NoSchedule" => "NO_SCHEDULE",
        "NoExecute" => "NO_EXECUTE",
        "PreferNoSchedule" => "PREFER_NO_SCHEDULE",
        other => other,
    }
    .to_owned()
}
