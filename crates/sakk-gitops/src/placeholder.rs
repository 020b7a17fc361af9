//! Placeholders for the AWS outputs, so a tree can be rendered before the first apply.
//!
//! Everything sakk decides itself is exact (role names, bucket, Cognito domain); only what AWS
//! assigns is a placeholder, in the right shape so the tree still validates: account
//! `000000000000`, zone IDs `Z` + 20 characters derived from the domain, VPC
//! `vpc-00000000000000000`, a Cognito pool `<region>_PLACEHOLD`, an OIDC issuer ID of zeros.
//! `docs/gitops.md` lists them.

use sakk_core::outputs::{CognitoOutputs, DatabaseOutputs, Outputs};
use sakk_model::Model;
use sakk_model::model::{Database, Identity};
use sakk_model::naming::short_hash;

/// The account ID placeholder.
pub const PLACEHOLDER_ACCOUNT: &str = "000000000000";

/// Documented placeholder outputs for `model`.
pub fn placeholder_outputs(model: &Model) -> Outputs {
    outputs_in_account(model, PLACEHOLDER_ACCOUNT)
}

/// Placeholder outputs in a known account: the role ARNs are then exact (sakk names the roles),
/// everything AWS assigns stays a placeholder until the caller fills it in.
pub fn outputs_in_account(model: &Model, account: &str) -> Outputs {
    let role_arn = |role: &str| format!("arn:{}:iam::{account}:role/{role}", model.partition);
    let suffix = if model.partition == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Outputs {
        account_id: account.to_owned(),
        cluster_endpoint: format!(
            "https://00000000000000000000000000000000.gr7.{}.eks.{suffix}",
            model.region
        ),
        oidc_issuer_url: format!(
            "https://oidc.eks.{}.{suffix}/id/00000000000000000000000000000000",
            model.region
        ),
        vpc_id: "vpc-00000000000000000".to_owned(),
        zone_ids: model
            .dns
            .domains
            .iter()
            .map(|domain| {
                (
                    domain.clone(),
                    format!("Z{}", short_hash(domain, 20).to_ascii_uppercase()),
                )
            })
            .collect(),
        service_account_role_arns: model
            .names
            .service_account_roles
            .iter()
            .map(|(component, role)| (component.clone(), role_arn(&role.role)))
            .collect(),
        profile_role_arns: model
            .profiles
            .iter()
            .filter_map(|profile| {
                profile
                    .iam_role
                    .as_ref()
                    .map(|role| (profile.name.clone(), role_arn(role)))
            })
            .collect(),
        artifact_bucket: model.object_store.bucket.clone(),
        cognito: match &model.identity {
            Identity::Cognito { domain_prefix, .. } => Some(CognitoOutputs {
                user_pool_id: format!("{}_PLACEHOLD", model.region),
                client_id: "placeholder-client-id".to_owned(),
                domain: format!("{domain_prefix}.auth.{}.amazoncognito.com", model.region),
            }),
            Identity::Oidc { .. } => None,
        },
        database: match &model.database {
            Database::Rds { identifier, .. } => Some(DatabaseOutputs {
                host: format!("{identifier}.placeholder.{}.rds.{suffix}", model.region),
                port: 3306,
            }),
            _ => None,
        },
    }
}
