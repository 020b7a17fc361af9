//! What AWS gives back after `apply`: the identifiers, ARNs and endpoints that later stages (the
//! GitOps tree above all) need and that no configuration file can know in advance.
//!
//! The AWS engine produces an [`Outputs`] after a successful apply and keeps it in the state;
//! `sakk-gitops` reads it. Before any apply, `sakk_gitops::placeholder_outputs` builds documented
//! placeholders with the same shape, so a tree can be rendered and reviewed offline.
//!
//! No field holds a secret: secrets stay in AWS Secrets Manager and are referenced by name.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Values produced by AWS for one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outputs {
    /// The 12-digit AWS account ID the cluster lives in.
    pub account_id: String,
    /// The EKS API server endpoint (`https://...eks.amazonaws.com`).
    pub cluster_endpoint: String,
    /// The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<ID>`): the
    /// issuer of service-account tokens, trusted by IRSA roles and by oauth2-proxy for
    /// machine-to-machine access.
    pub oidc_issuer_url: String,
    /// The VPC ID (`vpc-...`).
    pub vpc_id: String,
    /// Route53 hosted zone ID of each of the cluster's domains, by domain.
    pub zone_ids: BTreeMap<String, String>,
    /// ARN of each service-account role, keyed like `Model::names.service_account_roles`.
    pub service_account_role_arns: BTreeMap<String, String>,
    /// ARN of each profile's IAM role, by profile name (only profiles that have one).
    pub profile_role_arns: BTreeMap<String, String>,
    /// The Pipelines artifact bucket.
    pub artifact_bucket: String,
    /// The Cognito user pool, when Cognito is the identity provider.
    pub cognito: Option<CognitoOutputs>,
    /// The RDS endpoint, when sakk created the database.
    pub database: Option<DatabaseOutputs>,
}

/// The Cognito user pool and its app client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CognitoOutputs {
    /// User pool ID (`<region>_<id>`).
    pub user_pool_id: String,
    /// App client ID of the client Dex uses (the secret is in Secrets Manager).
    pub client_id: String,
    /// The hosted UI domain (`<prefix>.auth.<region>.amazoncognito.com`).
    pub domain: String,
}

impl CognitoOutputs {
    /// The OIDC issuer of the pool (`https://cognito-idp.<region>.amazonaws.com/<pool id>`).
    pub fn issuer(&self, region: &str) -> String {
        format!(
            "https://cognito-idp.{region}.amazonaws.com/{}",
            self.user_pool_id
        )
    }
}

/// The database endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseOutputs {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_round_trip_through_json_and_refuse_unknown_fields() {
        let outputs = Outputs {
            account_id: "123456789012".into(),
            cluster_endpoint: "https://example.eks.amazonaws.com".into(),
            oidc_issuer_url: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC".into(),
            vpc_id: "vpc-0123".into(),
            zone_ids: BTreeMap::from([("ml.example.com".into(), "Z1".into())]),
            service_account_role_arns: BTreeMap::new(),
            profile_role_arns: BTreeMap::new(),
            artifact_bucket: "bucket".into(),
            cognito: Some(CognitoOutputs {
                user_pool_id: "eu-west-1_abc".into(),
                client_id: "client".into(),
                domain: "x.auth.eu-west-1.amazoncognito.com".into(),
            }),
            database: None,
        };
        let text = serde_json::to_string(&outputs).expect("serialisable");
        let back: Outputs = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, outputs);
        assert_eq!(
            outputs.cognito.as_ref().map(|c| c.issuer("eu-west-1")),
            Some("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc".to_owned())
        );
        let mut value = serde_json::to_value(&outputs).expect("value");
        value["typo"] = serde_json::json!(1);
        assert!(serde_json::from_value::<Outputs>(value).is_err());
    }
}
