//! IAM policy documents: trust policies and the least-privilege permissions of each
//! service-account role. Written as JSON values; references (`${...}`) are resolved when the
//! zone, bucket, provider or account they name is known.

use serde_json::{Value, json};

/// Version of the policy language.
const VERSION: &str = "2012-10-17";

/// A trust policy letting an AWS service assume the role.
pub fn service_trust(service: &str) -> Value {
    json!({
        "Version": VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole",
        }],
    })
}

/// A trust policy for Kubernetes service accounts through the cluster's OIDC provider (IRSA):
/// only the listed `namespace:name` service accounts, only with the STS audience.
pub fn service_account_trust(provider_arn: &str, issuer_host: &str, accounts: &[String]) -> Value {
    let subjects: Vec<Value> = accounts
        .iter()
        .map(|account| {
            let (namespace, name) = account.split_once(':').unwrap_or(("default", account));
            Value::String(format!("system:serviceaccount:{namespace}:{name}"))
        })
        .collect();
    let subject = if subjects.len() == 1 {
        subjects[0].clone()
    } else {
        Value::Array(subjects)
    };
    let mut condition = serde_json::Map::new();
    condition.insert(format!("{issuer_host}:aud"), json!("sts.amazonaws.com"));
    condition.insert(format!("{issuer_host}:sub"), subject);
    json!({
        "Version": VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": provider_arn },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": { "StringEquals": Value::Object(condition) },
        }],
    })
}

/// external-dns: change records only in the cluster's zones.
pub fn external_dns(partition: &str, zone_ids: &[String]) -> Value {
    let zones: Vec<String> = zone_ids
        .iter()
        .map(|zone| format!("arn:{partition}:route53:::hostedzone/{zone}"))
        .collect();
    json!({
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "ChangeRecordsInTheClusterZones",
                "Effect": "Allow",
                "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResource"],
                "Resource": zones,
            },
            {
                "Sid": "FindZones",
                "Effect": "Allow",
                "Action": ["route53:ListHostedZones", "route53:ListTagsForResources"],
                "Resource": "*",
            },
        ],
    })
}

/// cert-manager (ACME DNS-01): TXT records only in the cluster's zones.
pub fn cert_manager(partition: &str, zone_ids: &[String]) -> Value {
    let zones: Vec<String> = zone_ids
        .iter()
        .map(|zone| format!("arn:{partition}:route53:::hostedzone/{zone}"))
        .collect();
    json!({
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "AnswerChallengesInTheClusterZones",
                "Effect": "Allow",
                "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
                "Resource": zones,
                "Condition": {
                    "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] },
                },
            },
            {
                "Sid": "WatchChanges",
                "Effect": "Allow",
                "Action": "route53:GetChange",
                "Resource": format!("arn:{partition}:route53:::change/*"),
            },
            {
                "Sid": "FindZones",
                "Effect": "Allow",
                "Action": "route53:ListHostedZonesByName",
                "Resource": "*",
            },
        ],
    })
}

/// Cluster Autoscaler: reads everywhere, but changes only Auto Scaling groups tagged as this
/// cluster's.
pub fn cluster_autoscaler(eks_cluster: &str) -> Value {
    json!({
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "Discover",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                    "eks:DescribeNodegroup",
                ],
                "Resource": "*",
            },
            {
                "Sid": "ScaleOnlyThisCluster",
                "Effect": "Allow",
                "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": { format!("aws:ResourceTag/k8s.io/cluster-autoscaler/{eks_cluster}"): "owned" },
                },
            },
        ],
    })
}

/// Kubeflow Pipelines: objects of its artifact bucket, nothing else.
pub fn pipelines(partition: &str, bucket: &str) -> Value {
    json!({
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "ListTheArtifactBucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                "Resource": format!("arn:{partition}:s3:::{bucket}"),
            },
            {
                "Sid": "ReadWriteArtifacts",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": format!("arn:{partition}:s3:::{bucket}/*"),
            },
        ],
    })
}

/// External Secrets Operator: read the cluster's secrets (`sakk/<cluster>/...`) only.
pub fn external_secrets(partition: &str, region: &str, cluster: &str) -> Value {
    json!({
        "Version": VERSION,
        "Statement": [{
            "Sid": "ReadTheClusterSecrets",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:GetSecretValue",
                "secretsmanager:DescribeSecret",
                "secretsmanager:ListSecretVersionIds",
                "secretsmanager:GetResourcePolicy",
            ],
            "Resource": format!("arn:{partition}:secretsmanager:{region}:${{aws.account_id}}:secret:sakk/{cluster}/*"),
        }],
    })
}

/// AWS Load Balancer Controller: the upstream policy, with every write restricted to load
/// balancers, target groups and security groups tagged for this cluster
/// (`elbv2.k8s.aws/cluster = <cluster>`, where upstream accepts any cluster's tag).
pub fn load_balancer_controller(partition: &str, eks_cluster: &str) -> Value {
    let ours_on_request =
        json!({ "StringEquals": { "aws:RequestTag/elbv2.k8s.aws/cluster": eks_cluster } });
    let ours_on_resource =
        json!({ "StringEquals": { "aws:ResourceTag/elbv2.k8s.aws/cluster": eks_cluster } });
    let balancers = json!([
        format!("arn:{partition}:elasticloadbalancing:*:*:targetgroup/*/*"),
        format!("arn:{partition}:elasticloadbalancing:*:*:loadbalancer/net/*/*"),
        format!("arn:{partition}:elasticloadbalancing:*:*:loadbalancer/app/*/*"),
    ]);
    json!({
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:CreateServiceLinkedRole",
                "Resource": "*",
                "Condition": { "StringEquals": { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
            },
            {
                "Effect": "Allow",
                "Action": [
                    "ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones",
                    "ec2:DescribeInternetGateways", "ec2:DescribeVpcs", "ec2:DescribeVpcPeeringConnections",
                    "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeInstances",
                    "ec2:DescribeNetworkInterfaces", "ec2:DescribeTags", "ec2:GetCoipPoolUsage",
                    "ec2:DescribeCoipPools", "ec2:GetSecurityGroupsForVpc", "ec2:DescribeIpamPools",
                    "ec2:DescribeRouteTables",
                    "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
                    "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerCertificates",
                    "elasticloadbalancing:DescribeSSLPolicies", "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
                    "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTags",
                    "elasticloadbalancing:DescribeTrustStores", "elasticloadbalancing:DescribeListenerAttributes",
                    "elasticloadbalancing:DescribeCapacityReservation",
                ],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": [
                    "cognito-idp:DescribeUserPoolClient", "acm:ListCertificates", "acm:DescribeCertificate",
                    "iam:ListServerCertificates", "iam:GetServerCertificate",
                    "wafv2:GetWebACL", "wafv2:GetWebACLForResource", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL",
                    "shield:GetSubscriptionState", "shield:DescribeProtection", "shield:CreateProtection", "shield:DeleteProtection",
                ],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:CreateSecurityGroup"],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": "ec2:CreateTags",
                "Resource": format!("arn:{partition}:ec2:*:*:security-group/*"),
                "Condition": {
                    "StringEquals": { "ec2:CreateAction": "CreateSecurityGroup", "aws:RequestTag/elbv2.k8s.aws/cluster": eks_cluster },
                },
            },
            {
                "Effect": "Allow",
                "Action": ["ec2:CreateTags", "ec2:DeleteTags", "ec2:DeleteSecurityGroup"],
                "Resource": format!("arn:{partition}:ec2:*:*:security-group/*"),
                "Condition": ours_on_resource.clone(),
            },
            {
                "Effect": "Allow",
                "Action": ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
                "Resource": "*",
                "Condition": ours_on_request.clone(),
            },
            {
                "Effect": "Allow",
                "Action": [
                    "elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener",
                    "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule",
                ],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
                "Resource": balancers.clone(),
                "Condition": ours_on_resource.clone(),
            },
            {
                "Effect": "Allow",
                "Action": ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
                "Resource": [
                    format!("arn:{partition}:elasticloadbalancing:*:*:listener/net/*/*/*"),
                    format!("arn:{partition}:elasticloadbalancing:*:*:listener/app/*/*/*"),
                    format!("arn:{partition}:elasticloadbalancing:*:*:listener-rule/net/*/*/*"),
                    format!("arn:{partition}:elasticloadbalancing:*:*:listener-rule/app/*/*/*"),
                ],
            },
            {
                "Effect": "Allow",
                "Action": [
                    "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetIpAddressType",
                    "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
                    "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyTargetGroup",
                    "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup",
                    "elasticloadbalancing:ModifyListenerAttributes", "elasticloadbalancing:ModifyCapacityReservation",
                    "elasticloadbalancing:ModifyIpPools",
                ],
                "Resource": "*",
                "Condition": ours_on_resource,
            },
            {
                "Effect": "Allow",
                "Action": "elasticloadbalancing:AddTags",
                "Resource": balancers,
                "Condition": {
                    "StringEquals": {
                        "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"],
                        "aws:RequestTag/elbv2.k8s.aws/cluster": eks_cluster,
                    },
                },
            },
            {
                "Effect": "Allow",
                "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
                "Resource": format!("arn:{partition}:elasticloadbalancing:*:*:targetgroup/*/*"),
            },
            {
                "Effect": "Allow",
                "Action": [
                    "elasticloadbalancing:SetWebAcl", "elasticloadbalancing:ModifyListener",
                    "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
                    "elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities",
                ],
                "Resource": "*",
            },
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_policies_fit_iam_limits() {
        // IAM allows 10,240 characters of inline policy per role (whitespace not counted).
        let policy = load_balancer_controller("aws", "a-cluster-name-of-forty-characters-abcde");
        let text = serde_json::to_string(&policy).expect("serializable");
        assert!(text.len() < 10_240, "{} characters", text.len());
    }

    #[test]
    fn service_account_trust_names_each_account() {
        let trust = service_account_trust(
            "arn:aws:iam::1:oidc-provider/x",
            "x",
            &["kubeflow:ml-pipeline".into(), "team:default-editor".into()],
        );
        let condition = &trust["Statement"][0]["Condition"]["StringEquals"];
        assert_eq!(condition["x:aud"], "sts.amazonaws.com");
        assert_eq!(
            condition["x:sub"],
            json!([
                "system:serviceaccount:kubeflow:ml-pipeline",
                "system:serviceaccount:team:default-editor"
            ])
        );
    }
}
