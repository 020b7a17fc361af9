//! EKS.

use crate::{convert, invalid};
use async_trait::async_trait;
use aws_sdk_eks::Client;
use aws_sdk_eks::types::{
    AccessScope, AccessScopeType, AmiTypes, AuthenticationMode, CapacityTypes,
    CreateAccessConfigRequest, EncryptionConfig, LogSetup, LogType, Logging,
    NodegroupScalingConfig, Provider, ResolveConflicts, Taint as SdkTaint, TaintEffect,
    UpdateLabelsPayload, UpdateTaintsPayload, VpcConfigRequest,
};
use sakk_cloud::eks::*;
use sakk_cloud::{CloudResult, Tags};
use std::collections::HashMap;

pub struct EksClient(pub Client);

const SERVICE: &str = "eks";

fn tags_of(tags: Option<&HashMap<String, String>>) -> Tags {
    tags.map(|tags| {
        tags.iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    })
    .unwrap_or_default()
}

fn sdk_tags(tags: &Tags) -> Option<HashMap<String, String>> {
    Some(
        tags.iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect(),
    )
}

fn sdk_taint(taint: &Taint) -> SdkTaint {
    SdkTaint::builder()
        .key(&taint.key)
        .value(&taint.value)
        .effect(TaintEffect::from(taint.effect.as_str()))
        .build()
}

/// Health issues as people read them: `code: message` each.
fn issues<T>(issues: &[T], parts: impl Fn(&T) -> (Option<&str>, Option<&str>)) -> Vec<String> {
    issues
        .iter()
        .map(|issue| match parts(issue) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(text), None) | (None, Some(text)) => text.to_owned(),
            (None, None) => "an unnamed issue".to_owned(),
        })
        .collect()
}

fn cluster(cluster: &aws_sdk_eks::types::Cluster) -> Cluster {
    let config = cluster.resources_vpc_config();
    let mut subnet_ids: Vec<String> = config
        .map(|config| config.subnet_ids().to_vec())
        .unwrap_or_default();
    subnet_ids.sort();
    let mut cidrs: Vec<String> = config
        .map(|config| config.public_access_cidrs().to_vec())
        .unwrap_or_default();
    cidrs.sort();
    let mut logs: Vec<String> = cluster
        .logging()
        .map(|logging| {
            logging
                .cluster_logging()
                .iter()
                .filter(|setup| setup.enabled().unwrap_or(false))
                .flat_map(|setup| setup.types().iter().map(|kind| kind.as_str().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    logs.sort();
    logs.dedup();
    Cluster {
        name: cluster.name().unwrap_or_default().to_owned(),
        arn: cluster.arn().unwrap_or_default().to_owned(),
        status: cluster
            .status()
            .map(|status| status.as_str().to_owned())
            .unwrap_or_default(),
        health: cluster
            .health()
            .map(|health| {
                issues(health.issues(), |issue| {
                    (issue.code().map(|code| code.as_str()), issue.message())
                })
            })
            .unwrap_or_default(),
        version: cluster.version().unwrap_or_default().to_owned(),
        role_arn: cluster.role_arn().unwrap_or_default().to_owned(),
        subnet_ids,
        endpoint_public_access: config
            .map(|config| config.endpoint_public_access())
            .unwrap_or(true),
        endpoint_private_access: config
            .map(|config| config.endpoint_private_access())
            .unwrap_or(false),
        public_access_cidrs: cidrs,
        enabled_log_types: logs,
        secrets_key_arn: cluster
            .encryption_config()
            .iter()
            // EKS now encrypts all API data with the configured key: the first provider is it.
            .find_map(|config| config.provider())
            .and_then(|provider| provider.key_arn())
            .map(str::to_owned),
        oidc_issuer: cluster
            .identity()
            .and_then(|identity| identity.oidc())
            .and_then(|oidc| oidc.issuer())
            .map(str::to_owned),
        endpoint: cluster.endpoint().map(str::to_owned),
        certificate_authority: cluster
            .certificate_authority()
            .and_then(|authority| authority.data())
            .map(str::to_owned),
        cluster_security_group_id: config
            .and_then(|config| config.cluster_security_group_id())
            .map(str::to_owned),
        tags: tags_of(cluster.tags()),
    }
}

fn node_group(group: &aws_sdk_eks::types::Nodegroup) -> NodeGroup {
    let scaling = group.scaling_config();
    let mut subnet_ids = group.subnets().to_vec();
    subnet_ids.sort();
    let mut taints: Vec<Taint> = group
        .taints()
        .iter()
        .map(|taint| Taint {
            key: taint.key().unwrap_or_default().to_owned(),
            value: taint.value().unwrap_or_default().to_owned(),
            effect: taint
                .effect()
                .map(|effect| effect.as_str().to_owned())
                .unwrap_or_default(),
        })
        .collect();
    taints.sort();
    NodeGroup {
        cluster: group.cluster_name().unwrap_or_default().to_owned(),
        name: group.nodegroup_name().unwrap_or_default().to_owned(),
        arn: group.nodegroup_arn().unwrap_or_default().to_owned(),
        status: group
            .status()
            .map(|status| status.as_str().to_owned())
            .unwrap_or_default(),
        health: group
            .health()
            .map(|health| {
                issues(health.issues(), |issue| {
                    (issue.code().map(|code| code.as_str()), issue.message())
                })
            })
            .unwrap_or_default(),
        node_role: group.node_role().unwrap_or_default().to_owned(),
        subnet_ids,
        instance_types: group.instance_types().to_vec(),
        ami_type: group
            .ami_type()
            .map(|kind| kind.as_str().to_owned())
            .unwrap_or_default(),
        capacity_type: group
            .capacity_type()
            .map(|kind| kind.as_str().to_owned())
            .unwrap_or_default(),
        disk_size: group.disk_size(),
        min_size: scaling.and_then(|scaling| scaling.min_size()).unwrap_or(0),
        max_size: scaling.and_then(|scaling| scaling.max_size()).unwrap_or(0),
        desired_size: scaling
            .and_then(|scaling| scaling.desired_size())
            .unwrap_or(0),
        labels: group
            .labels()
            .map(|labels| {
                labels
                    .iter()
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        taints,
        version: group.version().map(str::to_owned),
        tags: tags_of(group.tags()),
    }
}

fn addon(addon: &aws_sdk_eks::types::Addon) -> Addon {
    Addon {
        name: addon.addon_name().unwrap_or_default().to_owned(),
        arn: addon.addon_arn().unwrap_or_default().to_owned(),
        status: addon
            .status()
            .map(|status| status.as_str().to_owned())
            .unwrap_or_default(),
        health: addon
            .health()
            .map(|health| {
                issues(health.issues(), |issue| {
                    (issue.code().map(|code| code.as_str()), issue.message())
                })
            })
            .unwrap_or_default(),
        version: addon.addon_version().unwrap_or_default().to_owned(),
        service_account_role_arn: addon.service_account_role_arn().map(str::to_owned),
        tags: tags_of(addon.tags()),
    }
}

#[async_trait]
impl Eks for EksClient {
    async fn cluster(&self, name: &str) -> CloudResult<Cluster> {
        let output = self
            .0
            .describe_cluster()
            .name(name)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DescribeCluster", error))?;
        output
            .cluster()
            .map(cluster)
            .ok_or_else(|| invalid(SERVICE, "DescribeCluster", "the answer holds no cluster"))
    }

    async fn create_cluster(&self, request: &CreateCluster) -> CloudResult<Cluster> {
        let mut call = self
            .0
            .create_cluster()
            .name(&request.name)
            .version(&request.version)
            .role_arn(&request.role_arn)
            .resources_vpc_config(
                VpcConfigRequest::builder()
                    .set_subnet_ids(Some(request.subnet_ids.clone()))
                    .endpoint_public_access(request.endpoint_public_access)
                    .endpoint_private_access(request.endpoint_private_access)
                    .set_public_access_cidrs(if request.endpoint_public_access {
                        Some(request.public_access_cidrs.clone())
                    } else {
                        None
                    })
                    .build(),
            )
            .access_config(
                CreateAccessConfigRequest::builder()
                    .authentication_mode(AuthenticationMode::from(
                        request.authentication_mode.as_str(),
                    ))
                    .bootstrap_cluster_creator_admin_permissions(request.bootstrap_creator_admin)
                    .build(),
            )
            .bootstrap_self_managed_addons(request.bootstrap_self_managed_addons)
            .client_request_token(&request.client_request_token)
            .set_tags(sdk_tags(&request.tags));
        if !request.enabled_log_types.is_empty() {
            call = call.logging(
                Logging::builder()
                    .cluster_logging(
                        LogSetup::builder()
                            .set_types(Some(
                                request
                                    .enabled_log_types
                                    .iter()
                                    .map(|kind| LogType::from(kind.as_str()))
                                    .collect(),
                            ))
                            .enabled(true)
                            .build(),
                    )
                    .build(),
            );
        }
        if let Some(key) = &request.secrets_key_arn {
            call = call.encryption_config(
                EncryptionConfig::builder()
                    .provider(Provider::builder().key_arn(key).build())
                    .build(),
            );
        }
        let output = call
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateCluster", error))?;
        output
            .cluster()
            .map(cluster)
            .ok_or_else(|| invalid(SERVICE, "CreateCluster", "the answer holds no cluster"))
    }

    async fn update_cluster(&self, name: &str, update: &ClusterUpdate) -> CloudResult<()> {
        let call = self.0.update_cluster_config().name(name);
        let call = match update {
            ClusterUpdate::Endpoint {
                public,
                private,
                public_access_cidrs,
            } => call.resources_vpc_config(
                VpcConfigRequest::builder()
                    .endpoint_public_access(*public)
                    .endpoint_private_access(*private)
                    .set_public_access_cidrs(if *public {
                        Some(public_access_cidrs.clone())
                    } else {
                        None
                    })
                    .build(),
            ),
            ClusterUpdate::Logging { enabled, disabled } => {
                let mut logging = Logging::builder();
                for (kinds, on) in [(enabled, true), (disabled, false)] {
                    if !kinds.is_empty() {
                        logging = logging.cluster_logging(
                            LogSetup::builder()
                                .set_types(Some(
                                    kinds
                                        .iter()
                                        .map(|kind| LogType::from(kind.as_str()))
                                        .collect(),
                                ))
                                .enabled(on)
                                .build(),
                        );
                    }
                }
                call.logging(logging.build())
            }
        };
        call.send()
            .await
            .map_err(|error| convert(SERVICE, "UpdateClusterConfig", error))?;
        Ok(())
    }

    async fn update_cluster_version(&self, name: &str, version: &str) -> CloudResult<()> {
        self.0
            .update_cluster_version()
            .name(name)
            .version(version)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "UpdateClusterVersion", error))?;
        Ok(())
    }

    async fn delete_cluster(&self, name: &str) -> CloudResult<()> {
        self.0
            .delete_cluster()
            .name(name)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteCluster", error))?;
        Ok(())
    }

    async fn tag(&self, arn: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .tag_resource()
            .resource_arn(arn)
            .set_tags(sdk_tags(tags))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "TagResource", error))?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: &[String]) -> CloudResult<()> {
        self.0
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "UntagResource", error))?;
        Ok(())
    }

    async fn node_groups(&self, cluster: &str) -> CloudResult<Vec<String>> {
        let mut names = Vec::new();
        let mut stream = self
            .0
            .list_nodegroups()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = stream.next().await {
            names.push(item.map_err(|error| convert(SERVICE, "ListNodegroups", error))?);
        }
        Ok(names)
    }

    async fn node_group(&self, cluster: &str, name: &str) -> CloudResult<NodeGroup> {
        let output = self
            .0
            .describe_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DescribeNodegroup", error))?;
        output.nodegroup().map(node_group).ok_or_else(|| {
            invalid(
                SERVICE,
                "DescribeNodegroup",
                "the answer holds no node group",
            )
        })
    }

    async fn create_node_group(&self, request: &CreateNodeGroup) -> CloudResult<NodeGroup> {
        let output = self
            .0
            .create_nodegroup()
            .cluster_name(&request.cluster)
            .nodegroup_name(&request.name)
            .node_role(&request.node_role)
            .set_subnets(Some(request.subnet_ids.clone()))
            .set_instance_types(Some(request.instance_types.clone()))
            .ami_type(AmiTypes::from(request.ami_type.as_str()))
            .capacity_type(CapacityTypes::from(request.capacity_type.as_str()))
            .disk_size(request.disk_size)
            .scaling_config(
                NodegroupScalingConfig::builder()
                    .min_size(request.min_size)
                    .max_size(request.max_size)
                    .desired_size(request.desired_size)
                    .build(),
            )
            .set_labels(Some(
                request
                    .labels
                    .iter()
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect(),
            ))
            .set_taints(Some(request.taints.iter().map(sdk_taint).collect()))
            .set_version(request.version.clone())
            .client_request_token(&request.client_request_token)
            .set_tags(sdk_tags(&request.tags))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateNodegroup", error))?;
        output
            .nodegroup()
            .map(node_group)
            .ok_or_else(|| invalid(SERVICE, "CreateNodegroup", "the answer holds no node group"))
    }

    async fn update_node_group(
        &self,
        cluster: &str,
        name: &str,
        update: &NodeGroupUpdate,
    ) -> CloudResult<()> {
        let mut call = self
            .0
            .update_nodegroup_config()
            .cluster_name(cluster)
            .nodegroup_name(name);
        if let Some((min, max, desired)) = update.scaling {
            call = call.scaling_config(
                NodegroupScalingConfig::builder()
                    .min_size(min)
                    .max_size(max)
                    .desired_size(desired)
                    .build(),
            );
        }
        if !update.add_labels.is_empty() || !update.remove_labels.is_empty() {
            call = call.labels(
                UpdateLabelsPayload::builder()
                    .set_add_or_update_labels((!update.add_labels.is_empty()).then(|| {
                        update
                            .add_labels
                            .iter()
                            .map(|(key, value)| (key.clone(), value.clone()))
                            .collect()
                    }))
                    .set_remove_labels(
                        (!update.remove_labels.is_empty()).then(|| update.remove_labels.clone()),
                    )
                    .build(),
            );
        }
        if !update.add_taints.is_empty() || !update.remove_taints.is_empty() {
            call = call.taints(
                UpdateTaintsPayload::builder()
                    .set_add_or_update_taints(
                        (!update.add_taints.is_empty())
                            .then(|| update.add_taints.iter().map(sdk_taint).collect()),
                    )
                    .set_remove_taints(
                        (!update.remove_taints.is_empty())
                            .then(|| update.remove_taints.iter().map(sdk_taint).collect()),
                    )
                    .build(),
            );
        }
        call.send()
            .await
            .map_err(|error| convert(SERVICE, "UpdateNodegroupConfig", error))?;
        Ok(())
    }

    async fn update_node_group_version(
        &self,
        cluster: &str,
        name: &str,
        version: &str,
    ) -> CloudResult<()> {
        self.0
            .update_nodegroup_version()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .version(version)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "UpdateNodegroupVersion", error))?;
        Ok(())
    }

    async fn delete_node_group(&self, cluster: &str, name: &str) -> CloudResult<()> {
        self.0
            .delete_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteNodegroup", error))?;
        Ok(())
    }

    async fn addons(&self, cluster: &str) -> CloudResult<Vec<String>> {
        let mut names = Vec::new();
        let mut stream = self
            .0
            .list_addons()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = stream.next().await {
            names.push(item.map_err(|error| convert(SERVICE, "ListAddons", error))?);
        }
        Ok(names)
    }

    async fn addon(&self, cluster: &str, name: &str) -> CloudResult<Addon> {
        let output = self
            .0
            .describe_addon()
            .cluster_name(cluster)
            .addon_name(name)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DescribeAddon", error))?;
        output
            .addon()
            .map(addon)
            .ok_or_else(|| invalid(SERVICE, "DescribeAddon", "the answer holds no add-on"))
    }

    async fn create_addon(&self, request: &CreateAddon) -> CloudResult<Addon> {
        let output = self
            .0
            .create_addon()
            .cluster_name(&request.cluster)
            .addon_name(&request.name)
            .set_addon_version(request.version.clone())
            .set_service_account_role_arn(request.service_account_role_arn.clone())
            .resolve_conflicts(ResolveConflicts::Overwrite)
            .client_request_token(&request.client_request_token)
            .set_tags(sdk_tags(&request.tags))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateAddon", error))?;
        output
            .addon()
            .map(addon)
            .ok_or_else(|| invalid(SERVICE, "CreateAddon", "the answer holds no add-on"))
    }

    async fn update_addon(
        &self,
        cluster: &str,
        name: &str,
        version: Option<&str>,
        service_account_role_arn: Option<&str>,
    ) -> CloudResult<()> {
        self.0
            .update_addon()
            .cluster_name(cluster)
            .addon_name(name)
            .set_addon_version(version.map(str::to_owned))
            .set_service_account_role_arn(service_account_role_arn.map(str::to_owned))
            .resolve_conflicts(ResolveConflicts::Overwrite)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "UpdateAddon", error))?;
        Ok(())
    }

    async fn delete_addon(&self, cluster: &str, name: &str) -> CloudResult<()> {
        self.0
            .delete_addon()
            .cluster_name(cluster)
            .addon_name(name)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteAddon", error))?;
        Ok(())
    }

    async fn access_entry(&self, cluster: &str, principal_arn: &str) -> CloudResult<AccessEntry> {
        let output = self
            .0
            .describe_access_entry()
            .cluster_name(cluster)
            .principal_arn(principal_arn)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DescribeAccessEntry", error))?;
        let entry = output.access_entry().ok_or_else(|| {
            invalid(
                SERVICE,
                "DescribeAccessEntry",
                "the answer holds no access entry",
            )
        })?;
        let policies = self
            .0
            .list_associated_access_policies()
            .cluster_name(cluster)
            .principal_arn(principal_arn)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "ListAssociatedAccessPolicies", error))?;
        let mut access_policies: Vec<String> = policies
            .associated_access_policies()
            .iter()
            .filter(|policy| {
                policy
                    .access_scope()
                    .and_then(|scope| scope.r#type())
                    .is_none_or(|kind| *kind == AccessScopeType::Cluster)
            })
            .filter_map(|policy| policy.policy_arn().map(str::to_owned))
            .collect();
        access_policies.sort();
        let mut groups = entry.kubernetes_groups().to_vec();
        groups.sort();
        Ok(AccessEntry {
            principal_arn: entry.principal_arn().unwrap_or(principal_arn).to_owned(),
            arn: entry.access_entry_arn().unwrap_or_default().to_owned(),
            username: entry.username().unwrap_or_default().to_owned(),
            kubernetes_groups: groups,
            access_policies,
            tags: tags_of(entry.tags()),
        })
    }

    async fn access_entries(&self, cluster: &str) -> CloudResult<Vec<String>> {
        let mut names = Vec::new();
        let mut stream = self
            .0
            .list_access_entries()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = stream.next().await {
            names.push(item.map_err(|error| convert(SERVICE, "ListAccessEntries", error))?);
        }
        Ok(names)
    }

    async fn create_access_entry(
        &self,
        cluster: &str,
        principal_arn: &str,
        username: &str,
        kubernetes_groups: &[String],
        tags: &Tags,
    ) -> CloudResult<AccessEntry> {
        let output = self
            .0
            .create_access_entry()
            .cluster_name(cluster)
            .principal_arn(principal_arn)
            .username(username)
            .set_kubernetes_groups(Some(kubernetes_groups.to_vec()))
            .r#type("STANDARD")
            .set_tags(sdk_tags(tags))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "CreateAccessEntry", error))?;
        let entry = output.access_entry();
        Ok(AccessEntry {
            principal_arn: principal_arn.to_owned(),
            arn: entry
                .and_then(|entry| entry.access_entry_arn())
                .unwrap_or_default()
                .to_owned(),
            username: username.to_owned(),
            kubernetes_groups: kubernetes_groups.to_vec(),
            access_policies: Vec::new(),
            tags: tags.clone(),
        })
    }

    async fn update_access_entry(
        &self,
        cluster: &str,
        principal_arn: &str,
        username: &str,
        kubernetes_groups: &[String],
    ) -> CloudResult<()> {
        self.0
            .update_access_entry()
            .cluster_name(cluster)
            .principal_arn(principal_arn)
            .username(username)
            .set_kubernetes_groups(Some(kubernetes_groups.to_vec()))
            .send()
            .await
            .map_err(|error| convert(SERVICE, "UpdateAccessEntry", error))?;
        Ok(())
    }

    async fn associate_access_policy(
        &self,
        cluster: &str,
        principal_arn: &str,
        policy_arn: &str,
    ) -> CloudResult<()> {
        self.0
            .associate_access_policy()
            .cluster_name(cluster)
            .principal_arn(principal_arn)
            .policy_arn(policy_arn)
            .access_scope(
                AccessScope::builder()
                    .r#type(AccessScopeType::Cluster)
                    .build(),
            )
            .send()
            .await
            .map_err(|error| convert(SERVICE, "AssociateAccessPolicy", error))?;
        Ok(())
    }

    async fn disassociate_access_policy(
        &self,
        cluster: &str,
        principal_arn: &str,
        policy_arn: &str,
    ) -> CloudResult<()> {
        self.0
            .disassociate_access_policy()
            .cluster_name(cluster)
            .principal_arn(principal_arn)
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DisassociateAccessPolicy", error))?;
        Ok(())
    }

    async fn delete_access_entry(&self, cluster: &str, principal_arn: &str) -> CloudResult<()> {
        self.0
            .delete_access_entry()
            .cluster_name(cluster)
            .principal_arn(principal_arn)
            .send()
            .await
            .map_err(|error| convert(SERVICE, "DeleteAccessEntry", error))?;
        Ok(())
    }
}
