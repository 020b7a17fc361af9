//! The records Kubernetes controllers leave in a cluster's zone, as Route53 holds them.

use sakk_cloud::route53::{AliasTarget, RecordSet};

/// What external-dns and cert-manager leave in the zone of `domain` for a host exposed through
/// the load balancer `target` (its DNS name and canonical zone):
/// - alias A and AAAA records of `kubeflow.<domain>` with `EvaluateTargetHealth = true` (what
///   external-dns makes for a load balancer);
/// - its TXT registry records in both forms: the old one next to the record
///   (`kubeflow.<domain>`) and the newer per-type ones (`a-kubeflow.<domain>`,
///   `aaaa-kubeflow.<domain>`);
/// - cert-manager's `_acme-challenge.kubeflow.<domain>` TXT record of a DNS-01 challenge that
///   was never cleaned up.
pub fn controller_records(domain: &str, target: (&str, &str), owner: &str) -> Vec<RecordSet> {
    let domain = domain.trim_end_matches('.');
    let host = format!("kubeflow.{domain}.");
    let alias = |kind: &str| RecordSet {
        alias: Some(AliasTarget {
            dns_name: target.0.to_owned(),
            zone_id: target.1.to_owned(),
            evaluate_target_health: true,
        }),
        ttl: None,
        ..RecordSet::simple(&host, kind, 0, Vec::new())
    };
    let registry = format!(
        "\"heritage=external-dns,external-dns/owner={owner},external-dns/resource=service/istio-system/istio-ingressgateway\""
    );
    vec![
        alias("A"),
        alias("AAAA"),
        RecordSet::simple(&host, "TXT", 300, vec![registry.clone()]),
        RecordSet::simple(
            &format!("a-kubeflow.{domain}."),
            "TXT",
            300,
            vec![registry.clone()],
        ),
        RecordSet::simple(
            &format!("aaaa-kubeflow.{domain}."),
            "TXT",
            300,
            vec![registry],
        ),
        RecordSet::simple(
            &format!("_acme-challenge.kubeflow.{domain}."),
            "TXT",
            60,
            vec!["\"mQd0Pd8Cux9hH1nmrcVkXyMfvHQ0vRbK1sqhaSy6Fo4\"".into()],
        ),
    ]
}
