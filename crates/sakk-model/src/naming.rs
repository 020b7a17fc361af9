//! Names of the AWS resources of a cluster, derived from the cluster name and the resource's
//! role, in one place. Each service has its own limits (IAM role names 64 characters, S3 bucket
//! names 3-63 lowercase, Cognito domain prefixes 1-63 without `aws`, `amazon` or `cognito`);
//! a name that would be too long keeps a readable prefix and ends in a short hash of the full
//! name, so it stays unique and stable.

use sha2::{Digest, Sha256};

/// The longest cluster name: derived names stay readable under every service's limit.
pub const MAX_CLUSTER_NAME: usize = 40;
/// IAM role names.
pub const MAX_IAM_ROLE: usize = 64;
/// EKS cluster names.
pub const MAX_EKS_CLUSTER: usize = 100;
/// S3 bucket names.
pub const MAX_BUCKET: usize = 63;
/// Cognito domain prefixes.
pub const MAX_COGNITO_PREFIX: usize = 63;
/// RDS instance identifiers.
pub const MAX_RDS_IDENTIFIER: usize = 63;

/// The tag key naming the cluster that owns a resource.
pub const OWNER_TAG: &str = "sakk.dev/cluster";
/// The tag key saying sakk manages a resource.
pub const MANAGED_BY_TAG: &str = "sakk.dev/managed-by";

/// The tag key naming the resource's address in sakk's graph (`subnet.private-eu-west-1a`):
/// with the owner tag it finds each resource again after a crash, without a recorded ID.
pub const RESOURCE_TAG: &str = "sakk.dev/resource";

/// The `Name` tag of an EC2 resource of the cluster (`ml-dev-private-eu-west-1a`).
pub fn ec2_name(cluster: &str, role: &str) -> String {
    if role.is_empty() {
        cluster.to_owned()
    } else {
        format!("{cluster}-{role}")
    }
}

/// The CloudWatch log group EKS writes control-plane logs to (its name is fixed by EKS).
pub fn eks_log_group(eks_cluster: &str) -> String {
    format!("/aws/eks/{eks_cluster}/cluster")
}

/// Hex of the first bytes of SHA-256 of `input`.
pub fn short_hash(input: &str, length: usize) -> String {
    let digest = Sha256::digest(input.as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    hex[..length.min(hex.len())].to_owned()
}

/// `name` if it fits in `max` characters, otherwise a prefix of it, `-`, and 8 hex characters
/// of its hash. Never ends in `-` before the hash.
pub fn fit(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let hash = short_hash(name, 8);
    let keep = max.saturating_sub(hash.len() + 1);
    let prefix = name[..keep].trim_end_matches(['-', '.', '_']);
    format!("{prefix}-{hash}")
}

/// An IAM role name for `purpose` in `cluster`.
pub fn iam_role(cluster: &str, purpose: &str) -> String {
    fit(&format!("{cluster}-{purpose}"), MAX_IAM_ROLE)
}

/// The default artifact bucket: globally unique, so it carries a hash of the cluster's identity
/// (name, region and first domain, which together no other organisation shares).
pub fn artifact_bucket(cluster: &str, region: &str, domain: &str) -> String {
    let hash = short_hash(&format!("{cluster}/{region}/{domain}"), 8);
    let base = format!("{cluster}-kfp-artifacts");
    let keep = MAX_BUCKET - hash.len() - 1;
    let base = if base.len() > keep {
        base[..keep].trim_end_matches('-').to_owned()
    } else {
        base
    };
    format!("{base}-{hash}")
}

/// The Cognito hosted UI domain prefix: unique per region across all accounts, so it carries a
/// hash; the words Cognito forbids are dropped from the readable part.
pub fn cognito_domain_prefix(cluster: &str, region: &str, domain: &str) -> String {
    let hash = short_hash(&format!("{cluster}/{region}/{domain}/auth"), 8);
    let mut readable = cluster.to_owned();
    for word in FORBIDDEN_COGNITO_WORDS {
        readable = readable.replace(word, "");
    }
    let readable = readable
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let readable = if readable.is_empty() {
        "kubeflow".to_owned()
    } else {
        readable
    };
    fit(&format!("{readable}-{hash}"), MAX_COGNITO_PREFIX)
}

/// Words Cognito does not allow in a domain prefix.
pub const FORBIDDEN_COGNITO_WORDS: &[&str] = &["aws", "amazon", "cognito"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_with_a_stable_hash() {
        let long = "a".repeat(80);
        let fitted = fit(&long, MAX_IAM_ROLE);
        assert_eq!(fitted.len(), MAX_IAM_ROLE);
        assert_eq!(fitted, fit(&long, MAX_IAM_ROLE));
        assert_ne!(fitted, fit(&"a".repeat(81), MAX_IAM_ROLE));
        assert_eq!(fit("short", MAX_IAM_ROLE), "short");
    }

    #[test]
    fn buckets_and_prefixes_respect_service_rules() {
        let cluster = "a".repeat(MAX_CLUSTER_NAME);
        let bucket = artifact_bucket(&cluster, "ap-southeast-4", "ml.example.com");
        assert!(bucket.len() <= MAX_BUCKET && bucket.len() >= 3, "{bucket}");
        let prefix = cognito_domain_prefix("my-aws-cognito-lab", "us-east-1", "x.example.com");
        assert!(prefix.starts_with("my-lab-"), "{prefix}");
        assert!(
            FORBIDDEN_COGNITO_WORDS
                .iter()
                .all(|word| !prefix.contains(word))
        );
        assert!(
            cognito_domain_prefix("aws", "us-east-1", "x.example.com").starts_with("kubeflow-")
        );
    }
}
