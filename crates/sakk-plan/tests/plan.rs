//! The desired graph of the examples, and plans against what exists.

use sakk_plan::observed::Live;
use sakk_plan::plan::{Input, plan};
use sakk_plan::render::{Style, human};
use sakk_plan::{Action, Address, Kind, Observed, PriorState, Source, Status, desired};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn model(path: &str) -> sakk_model::Model {
    let full = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&full).expect("example exists");
    let loaded = sakk_config::load(&[sakk_config::Input {
        name: path.to_owned(),
        bytes,
        dir: ".".to_owned(),
    }]);
    let validated = sakk_model::validate(&loaded.clusters);
    assert!(
        !validated.diagnostics.has_errors(),
        "{:?}",
        validated.diagnostics
    );
    validated.models.into_iter().next().expect("one model")
}

/// Pretends every desired resource exists exactly as wanted, with made-up IDs.
fn everything_exists(graph: &sakk_plan::Desired) -> Observed {
    let mut observed = Observed::default();
    observed
        .account
        .insert("account_id".into(), json!("123456789012"));
    observed.account.insert("partition".into(), json!("aws"));
    let order = graph.order().expect("acyclic");
    for address in order {
        let resource = &graph.resources[&address];
        let mut attributes = BTreeMap::new();
        let id = format!("id-{}", address.name());
        attributes.insert("id".to_owned(), json!(id));
        attributes.insert("arn".to_owned(), json!(format!("arn:{address}")));
        attributes.insert("oidc_issuer_host".to_owned(), json!("oidc.example/id/1"));
        attributes.insert(
            "name_servers".to_owned(),
            json!(["ns-1.example", "ns-2.example"]),
        );
        let resolved =
            sakk_plan::reference::resolve(&Value::Object(resource.spec.fields()), &|reference| {
                observed.lookup(reference)
            });
        let Value::Object(fields) = resolved else {
            panic!()
        };
        let spec = sakk_plan::Spec::from_fields(address.kind(), fields).expect("spec");
        observed.resources.insert(
            address.clone(),
            Live {
                address,
                id,
                spec,
                attributes,
                status: Status::Ready,
            },
        );
    }
    observed
}

fn prior_of(observed: &Observed) -> PriorState {
    PriorState {
        lineage: Some("l".into()),
        serial: 3,
        resources: observed
            .resources
            .iter()
            .map(|(address, live)| {
                (
                    address.clone(),
                    sakk_plan::PriorResource {
                        id: live.id.clone(),
                        spec: live.spec.clone(),
                        depends_on: Default::default(),
                    },
                )
            })
            .collect(),
    }
}

#[test]
fn the_simple_example_builds_an_acyclic_graph_with_every_kind() {
    let graph = desired(&model("examples/native-simple/cluster.hcl"));
    graph.order().expect("no cycle");
    let kinds: std::collections::BTreeSet<Kind> =
        graph.resources.keys().map(Address::kind).collect();
    assert_eq!(kinds.len(), Kind::ALL.len(), "{kinds:?}");
    for resource in graph.resources.values() {
        if let Some(tags) = resource.spec.tags() {
            assert_eq!(
                tags.get("sakk.dev/cluster").map(String::as_str),
                Some("simple")
            );
            assert_eq!(
                tags.get("sakk.dev/managed-by").map(String::as_str),
                Some("sakk")
            );
            assert_eq!(
                tags.get("sakk.dev/resource"),
                Some(&resource.address.to_string())
            );
        }
    }
    insta::assert_snapshot!(
        "simple-addresses",
        graph
            .resources
            .values()
            .map(|resource| format!(
                "{} <- {}",
                resource.address,
                resource
                    .depends_on
                    .iter()
                    .map(Address::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_first_plan_creates_everything_and_renders() {
    let graph = desired(&model("examples/native-simple/cluster.hcl"));
    let plan = plan(&Input {
        desired: &graph,
        destroy: false,
        observed: &Observed::default(),
        prior: &PriorState::default(),
        source: Source::State,
    })
    .expect("plan");
    assert!(
        plan.changes
            .iter()
            .all(|change| change.action == Action::Create)
    );
    insta::assert_snapshot!("simple-first-plan", human(&plan, Style::Plain));
}

#[test]
fn nothing_to_do_when_everything_matches_and_drift_is_an_update() {
    let graph = desired(&model("examples/native-simple/cluster.hcl"));
    let mut observed = everything_exists(&graph);
    let prior = prior_of(&observed);
    let clean = plan(&Input {
        desired: &graph,
        destroy: false,
        observed: &observed,
        prior: &prior,
        source: Source::Live,
    })
    .expect("plan");
    assert!(!clean.has_changes(), "{}", human(&clean, Style::Plain));

    let group = Address::new(Kind::NodeGroup, "general");
    if let Some(live) = observed.resources.get_mut(&group)
        && let sakk_plan::Spec::NodeGroup(spec) = &mut live.spec
    {
        spec.max_size = 99;
        spec.desired_size = 42;
    }
    let vpc = Address::new(Kind::Vpc, "main");
    if let Some(live) = observed.resources.get_mut(&vpc)
        && let sakk_plan::Spec::Vpc(spec) = &mut live.spec
    {
        spec.tags.insert("someone-else".into(), "x".into());
        spec.tags.remove("Name");
    }
    let drift = plan(&Input {
        desired: &graph,
        destroy: false,
        observed: &observed,
        prior: &prior,
        source: Source::Live,
    })
    .expect("plan");
    let changed: Vec<(String, Action)> = drift
        .changes
        .iter()
        .filter(|change| change.action != Action::NoOp)
        .map(|change| (change.address.to_string(), change.action))
        .collect();
    assert_eq!(
        changed,
        [
            ("eks_node_group.general".to_owned(), Action::Update),
            ("vpc.main".to_owned(), Action::Update)
        ]
    );
    insta::assert_snapshot!("simple-drift", human(&drift, Style::Plain));
}

#[test]
fn a_replaced_vpc_replaces_what_cannot_move_and_orders_deletions() {
    let graph = desired(&model("examples/native-simple/cluster.hcl"));
    let mut observed = everything_exists(&graph);
    let prior = prior_of(&observed);
    let vpc = Address::new(Kind::Vpc, "main");
    if let Some(live) = observed.resources.get_mut(&vpc)
        && let sakk_plan::Spec::Vpc(spec) = &mut live.spec
    {
        spec.cidr_block = "10.99.0.0/16".into();
    }
    let plan = plan(&Input {
        desired: &graph,
        destroy: false,
        observed: &observed,
        prior: &prior,
        source: Source::Live,
    })
    .expect("plan");
    let action = |address: &str| {
        plan.changes
            .iter()
            .find(|change| change.address.as_str() == address)
            .map(|change| change.action)
    };
    assert_eq!(action("vpc.main"), Some(Action::Replace));
    assert_eq!(action("subnet.private-us-east-2a"), Some(Action::Replace));
    assert_eq!(action("eks_cluster.main"), Some(Action::Replace));
    assert_eq!(action("iam_role.cluster"), Some(Action::NoOp));
    let vpc_change = plan
        .changes
        .iter()
        .find(|change| change.address == vpc)
        .expect("vpc");
    assert!(
        vpc_change
            .delete_after
            .iter()
            .any(|address| address.as_str() == "subnet.private-us-east-2a")
    );
}

#[test]
fn destroy_deletes_everything_found_and_duplicates() {
    let graph = desired(&model("examples/native-simple/cluster.hcl"));
    let mut observed = everything_exists(&graph);
    let prior = prior_of(&observed);
    let mut copy = observed.resources[&Address::new(Kind::Vpc, "main")].clone();
    copy.id = "vpc-copy".into();
    observed.insert(copy, Some("id-main"));
    let plan = plan(&Input {
        desired: &graph,
        destroy: true,
        observed: &observed,
        prior: &prior,
        source: Source::Live,
    })
    .expect("plan");
    assert!(
        plan.changes
            .iter()
            .all(|change| change.action == Action::Delete)
    );
    assert_eq!(plan.changes.len(), graph.resources.len() + 1);
    let cluster = plan
        .changes
        .iter()
        .find(|change| change.address.as_str() == "eks_cluster.main")
        .expect("cluster");
    assert!(
        cluster
            .delete_after
            .iter()
            .any(|address| address.as_str() == "eks_node_group.general")
    );
    assert!(
        plan.changes
            .iter()
            .any(|change| change.is_duplicate() && change.key() == "vpc.main#vpc-copy")
    );
}
