//! What the AWS foundation gives later stages (the GitOps renderer, the bootstrap): IDs, ARNs,
//! endpoints. Recomputed from the resources after every apply and kept in the state.

use crate::ResourceState;
use sakk_plan::{Address, Kind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The foundation's outputs. Empty fields are unknown (not yet applied).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundationOutputs {
    /// AWS account ID.
    pub account_id: Option<String>,
    /// VPC ID.
    pub vpc_id: Option<String>,
    /// Private subnet IDs by zone.
    pub private_subnets: BTreeMap<String, String>,
    /// Public subnet IDs by zone.
    pub public_subnets: BTreeMap<String, String>,
    /// EKS cluster name.
    pub cluster_name: Option<String>,
    /// EKS cluster ARN.
    pub cluster_arn: Option<String>,
    /// Kubernetes API endpoint.
    pub cluster_endpoint: Option<String>,
    /// Base64 CA certificate of the API server.
    pub cluster_certificate_authority: Option<String>,
    /// The security group EKS made for the cluster.
    pub cluster_security_group_id: Option<String>,
    /// OIDC issuer URL.
    pub oidc_issuer: Option<String>,
    /// IAM OIDC provider ARN.
    pub oidc_provider_arn: Option<String>,
    /// Node role ARN.
    pub node_role_arn: Option<String>,
    /// Service-account role ARNs by component.
    pub service_account_roles: BTreeMap<String, String>,
    /// Hosted zone IDs by domain.
    pub zone_ids: BTreeMap<String, String>,
    /// Name servers by domain.
    pub name_servers: BTreeMap<String, Vec<String>>,
    /// The artifact bucket.
    pub artifact_bucket: Option<String>,
    /// ARN of the KMS key encrypting Kubernetes secrets.
    pub secrets_key_arn: Option<String>,
}

fn text(resource: &ResourceState, attribute: &str) -> Option<String> {
    match resource.attributes.get(attribute) {
        Some(Value::String(value)) => Some(value.clone()),
        _ => None,
    }
}

impl FoundationOutputs {
    /// Outputs of the resources recorded in a state.
    pub fn from_resources(
        resources: &BTreeMap<Address, ResourceState>,
        account: &BTreeMap<String, Value>,
    ) -> Self {
        let mut outputs = FoundationOutputs {
            account_id: account
                .get("account_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            ..Default::default()
        };
        for (address, resource) in resources {
            let name = address.name();
            match address.kind() {
                Kind::Vpc => outputs.vpc_id = Some(resource.id.clone()),
                Kind::Subnet => {
                    if let Some(zone) = name.strip_prefix("private-") {
                        outputs
                            .private_subnets
                            .insert(zone.to_owned(), resource.id.clone());
                    } else if let Some(zone) = name.strip_prefix("public-") {
                        outputs
                            .public_subnets
                            .insert(zone.to_owned(), resource.id.clone());
                    }
                }
                Kind::EksCluster => {
                    outputs.cluster_name = Some(resource.id.clone());
                    outputs.cluster_arn = text(resource, "arn");
                    outputs.cluster_endpoint = text(resource, "endpoint");
                    outputs.cluster_certificate_authority = text(resource, "certificate_authority");
                    outputs.cluster_security_group_id = text(resource, "security_group_id");
                    outputs.oidc_issuer = text(resource, "oidc_issuer");
                }
                Kind::OidcProvider => outputs.oidc_provider_arn = text(resource, "arn"),
                Kind::IamRole if name == "node" => outputs.node_role_arn = text(resource, "arn"),
                Kind::IamRole if name != "cluster" => {
                    if let Some(arn) = text(resource, "arn") {
                        outputs.service_account_roles.insert(name.to_owned(), arn);
                    }
                }
                Kind::HostedZone => {
                    outputs
                        .zone_ids
                        .insert(name.to_owned(), resource.id.clone());
                    if let Some(Value::Array(servers)) = resource.attributes.get("name_servers") {
                        outputs.name_servers.insert(
                            name.to_owned(),
                            servers
                                .iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect(),
                        );
                    }
                }
                Kind::Bucket => outputs.artifact_bucket = Some(resource.id.clone()),
                Kind::KmsKey => outputs.secrets_key_arn = text(resource, "arn"),
                _ => {}
            }
        }
        outputs
    }
}
