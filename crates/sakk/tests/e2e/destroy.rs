//! Destroy leaves nothing and touches nothing it does not own.

use crate::harness::{Env, text};
use sakk_cloud::ec2::Filter;
use sakk_cloud::route53::Change;

#[test]
fn destroy_leaves_nothing_and_foreign_resources_stay_byte_identical() {
    let env = Env::start();
    let parent = env.prepare("simple");
    env.fixture(&["seed-foreign", &parent]);
    let before = env.fixture(&["snapshot"]);

    let output = env.sakk(&["apply", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let records = env
        .runtime
        .block_on(env.cloud.route53.records(
            &parent,
            Some(("sandbox.some.domain.local.", "NS")),
            Some(1),
        ))
        .expect("parent records");
    assert_eq!(
        records.first().map(|record| record.kind.as_str()),
        Some("NS"),
        "the delegation exists"
    );
    let vpc = env
        .runtime
        .block_on(
            env.cloud
                .ec2
                .vpcs(&[Filter::tag("sakk.dev/cluster", "simple")]),
        )
        .expect("vpcs")
        .into_iter()
        .next()
        .expect("our VPC");
    // What the load balancer controller and the VPC CNI would have made.
    env.fixture(&["seed-controllers", &vpc.id, "simple"]);
    // What external-dns and cert-manager would have left in the cluster's zone.
    let domain = "sandbox.some.domain.local";
    let zone = env
        .runtime
        .block_on(env.cloud.route53.zones_named(domain))
        .expect("zones")
        .into_iter()
        .next()
        .expect("the cluster's zone");
    let left = sakk_testkit::dns::controller_records(
        domain,
        (
            "k8s-istio-ingress-0123456789.elb.us-east-2.amazonaws.com.",
            "ZLMOA37VPKANP",
        ),
        "simple",
    );
    let create: Vec<Change> = left
        .iter()
        .map(|record| Change {
            action: "CREATE".into(),
            record: record.clone(),
        })
        .collect();
    env.runtime
        .block_on(env.cloud.route53.change_records(&zone.id, &create))
        .expect("seed the zone");
    let seeded = env
        .runtime
        .block_on(env.cloud.route53.records(&zone.id, None, None))
        .expect("records");
    for record in &left {
        assert!(seeded.contains(record), "moto did not keep {record:#?}");
    }

    env.proxy.set_faults(Default::default());
    let output = env.sakk(&["destroy", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for kind in [
        "load balancer",
        "target group",
        "security group",
        "network interface",
    ] {
        assert!(
            stderr.contains(&format!("removed {kind}")),
            "{kind} not removed:\n{stderr}"
        );
    }
    let writes = env.proxy.counts().writes;
    assert!(
        writes
            .keys()
            .any(|call| call.contains("DeleteLoadBalancer")),
        "{writes:?}"
    );

    // Everything sakk made is gone (the KMS key waits out its deletion window), the delegation
    // is gone from the parent zone, and what was there before is exactly as it was.
    let after = env.fixture(&["snapshot"]);
    assert_eq!(before, after, "the account differs from before the apply");
    assert!(env.shape("simple", "sandbox").is_empty());
    let zones = env
        .runtime
        .block_on(env.cloud.route53.zones_named(domain))
        .expect("zones");
    assert!(zones.is_empty(), "zones left: {zones:#?}");
}
