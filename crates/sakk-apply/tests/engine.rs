//! The engine against the in-memory AWS: idempotence, crashes at every write, lost answers,
//! throttling, waiters that re-attach, IAM propagation, drift, upgrades, look-alikes, EKS
//! resources that fail, degrade or stay CREATING, and destroy leaving nothing.

use sakk_apply::retry::{RateLimiter, RetryPolicy};
use sakk_apply::{
    Engine, Event, Parts, Recorder, Report, Rng, Settings, SystemClock, Waits, load_state,
};
use sakk_plan::{Action, Kind, Plan};
use sakk_state::{LocalStore, StateStore};
use sakk_testkit::fake::{EksKind, Fake, Faults, Script, Timing, owned_by, shape};
use sakk_testkit::memory::MemoryStore;
use std::sync::Arc;
use std::time::Duration;

const PARENT_ZONE: &str = "Z0123456789ABCDEFGHIJ";

fn example() -> String {
    let path = format!(
        "{}/../../examples/native-simple/cluster.hcl",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).expect("example")
}

fn model() -> sakk_model::Model {
    model_of(&example())
}

fn model_of(text: &str) -> sakk_model::Model {
    let bytes = text.as_bytes().to_vec();
    let loaded = sakk_config::load(&[sakk_config::Input {
        name: "cluster.hcl".into(),
        bytes,
        dir: ".".into(),
    }]);
    let validated = sakk_model::validate(&loaded.clusters);
    assert!(!validated.diagnostics.has_errors());
    validated.models.into_iter().next().expect("model")
}

struct World {
    fake: Arc<Fake>,
    store: Arc<dyn StateStore>,
    model: sakk_model::Model,
    waits: Waits,
}

impl World {
    fn new(timing: Timing) -> Self {
        let fake = Fake::new(timing);
        fake.seed_zone(PARENT_ZONE, "some.domain.local");
        Self {
            fake,
            store: Arc::new(MemoryStore::default()),
            model: model(),
            waits: Waits::fast(),
        }
    }

    /// The same world, with its state in a file (what the CLI uses).
    fn with_file_state(mut self, dir: &tempfile::TempDir) -> Self {
        self.store = Arc::new(LocalStore::new(dir.path().join("state.json")));
        self
    }

    fn store(&self) -> Arc<dyn StateStore> {
        self.store.clone()
    }

    fn engine(&self, events: Arc<sakk_apply::events::Collect>) -> Engine {
        Engine::new(Parts {
            cloud: self.fake.cloud(&self.model.region),
            eks_cluster_name: self.model.names.eks_cluster.clone(),
            settings: Settings {
                waits: self.waits.clone(),
                ..Settings::default()
            },
            policy: RetryPolicy::fast(),
            limiter: RateLimiter::unlimited(),
            clock: Arc::new(SystemClock),
            random: Arc::new(Rng::seeded(42)),
            events,
        })
    }

    async fn plan(&self, destroy: bool) -> Plan {
        let engine = self.engine(Default::default());
        let store = self.store();
        let (state, _) = load_state(
            store.as_ref(),
            &self.model.name,
            &self.model.region,
            &Rng::seeded(1),
        )
        .await
        .expect("state");
        engine
            .plan(&sakk_plan::desired(&self.model), &state, destroy)
            .await
            .expect("plan")
    }

    async fn run(&self, destroy: bool) -> (Result<Report, sakk_apply::EngineError>, Vec<Event>) {
        let events = Arc::new(sakk_apply::events::Collect::default());
        let engine = self.engine(events.clone());
        let store = self.store();
        let (state, version) = load_state(
            store.as_ref(),
            &self.model.name,
            &self.model.region,
            &Rng::seeded(1),
        )
        .await
        .expect("state");
        let plan = match engine
            .plan(&sakk_plan::desired(&self.model), &state, destroy)
            .await
        {
            Ok(plan) => plan,
            Err(error) => return (Err(error), events.events()),
        };
        let recorder = Recorder::new(store, None, state, version);
        let report = engine.apply(&plan, &recorder).await;
        (report, events.events())
    }

    async fn apply_ok(&self) -> Report {
        let (report, events) = self.run(false).await;
        if let Err(sakk_apply::EngineError::Conflicts(_)) = &report {
            panic!("conflicts: {:#?}", self.plan(false).await.conflicts);
        }
        let report = report.expect("apply");
        assert!(
            report.succeeded(),
            "failed: {:?}\nskipped: {:?}\nevents: {events:#?}",
            report.walk.failed,
            report.walk.skipped
        );
        report
    }

    fn ours(&self) -> Vec<(String, String)> {
        owned_by(&self.fake.inventory(), &self.model.name)
    }
}

fn changed(plan: &Plan) -> Vec<String> {
    plan.changes
        .iter()
        .filter(|change| change.action != Action::NoOp)
        .map(|change| {
            format!(
                "{} {:?} {:?} {:?}",
                change.address, change.action, change.reasons, change.fields
            )
        })
        .collect()
}

#[tokio::test]
async fn apply_converges_and_a_second_apply_makes_no_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = World::new(Timing::default()).with_file_state(&dir);
    let report = world.apply_ok().await;
    assert!(report.outputs.cluster_endpoint.is_some());
    assert_eq!(report.outputs.zone_ids.len(), 1);

    let inventory = world.fake.inventory();
    // Every resource sakk made carries the ownership tags and its address.
    for (kind, id, tags) in &inventory {
        if kind == "route53_zone" && id == PARENT_ZONE
            || kind == "kms_alias"
            || kind == "route53_record"
        {
            continue;
        }
        assert!(
            tags.contains_key("sakk.dev/resource"),
            "{kind} {id} has no address tag: {tags:?}"
        );
        assert_eq!(
            tags.get("sakk.dev/managed-by").map(String::as_str),
            Some("sakk")
        );
    }

    let plan = world.plan(false).await;
    assert!(changed(&plan).is_empty(), "{:#?}", changed(&plan));

    world.fake.reset_counts();
    world.apply_ok().await;
    let counts = world.fake.counts();
    assert_eq!(counts.total_writes(), 0, "{:?}", counts.writes);
}

#[tokio::test]
async fn a_no_op_plan_reads_each_kind_in_few_calls() {
    let world = World::new(Timing::default());
    world.apply_ok().await;
    world.fake.reset_counts();
    let plan = world.plan(false).await;
    assert!(!plan.has_changes());
    let counts = world.fake.counts();
    let kinds = Kind::ALL.len() as u64;
    // One identity call plus the per-kind reads.
    assert!(
        counts.total_reads() <= 2 * kinds + 1,
        "{} reads: {:#?}",
        counts.total_reads(),
        counts.reads
    );
}

#[tokio::test]
async fn destroy_leaves_nothing_and_keeps_what_is_not_ours() {
    let world = World::new(Timing::default());
    world.fake.seed_foreign("simple", "someone-elses-role");
    let foreign = |world: &World| -> Vec<_> {
        world
            .fake
            .inventory()
            .into_iter()
            .filter(|(_, _, tags)| {
                tags.get("sakk.dev/cluster").map(String::as_str) != Some("simple")
            })
            .filter(|(kind, _, _)| kind != "kms_alias" && kind != "route53_record")
            .collect()
    };
    let foreign_before = foreign(&world);
    world.apply_ok().await;
    let vpc = world.fake.inventory().into_iter().find(|(kind, _, tags)| {
        kind == "vpc" && tags.get("sakk.dev/cluster").map(String::as_str) == Some("simple")
    });
    let (_, vpc_id, _) = vpc.expect("our VPC");
    world.fake.seed_controller_objects(&vpc_id, "simple");
    // What external-dns and cert-manager left in the cluster's zone; the fake deletes a record
    // only when the deletion names it exactly, as Route53 does.
    let left = sakk_testkit::dns::controller_records(
        "sandbox.some.domain.local",
        (
            "k8s-istio-0123456789.elb.us-east-2.amazonaws.com.",
            "ZLMOA37VPKANP",
        ),
        "simple",
    );
    world.fake.seed_records("sandbox.some.domain.local", &left);

    let (report, events) = world.run(true).await;
    let report = report.expect("destroy");
    assert!(report.succeeded(), "{:?}\n{events:#?}", report.walk.failed);
    assert_eq!(report.removed.len(), 4, "{:?}", report.removed);
    assert!(world.ours().is_empty(), "left behind: {:#?}", world.ours());
    let records: Vec<_> = world
        .fake
        .inventory()
        .into_iter()
        .filter(|(kind, _, _)| kind == "route53_record" || kind == "kms_alias")
        .collect();
    assert_eq!(
        records.len(),
        1,
        "only the parent zone's own record: {records:#?}"
    );
    let zones: Vec<_> = world
        .fake
        .inventory()
        .into_iter()
        .filter(|(kind, id, _)| kind == "route53_zone" && id != PARENT_ZONE)
        .collect();
    assert!(zones.is_empty(), "zones left: {zones:#?}");
    assert_eq!(foreign_before, foreign(&world), "foreign resources changed");
}

#[tokio::test]
async fn look_alikes_block_the_plan_and_are_never_touched() {
    let world = World::new(Timing::default());
    let role = world.model.names.cluster_role.clone();
    world.fake.seed_foreign("simple", &role);
    let (report, _) = world.run(false).await;
    assert!(
        matches!(report, Err(sakk_apply::EngineError::Conflicts(1))),
        "{report:?}"
    );
    assert_eq!(world.fake.counts().total_writes(), 0);
}

/// Runs a clean apply on a fresh world and returns its number of writes and its shape.
async fn reference() -> (u64, std::collections::BTreeMap<String, Vec<String>>) {
    let world = World::new(Timing::default());
    world.apply_ok().await;
    (world.fake.writes(), shape(&world.fake.inventory()))
}

#[tokio::test]
async fn crash_matrix_in_memory_every_write_of_apply() {
    let (writes, expected) = reference().await;
    assert!(writes > 50, "{writes} writes");
    eprintln!(
        "in-memory crash matrix of apply: {writes} writes, {} cases",
        2 * writes
    );
    for variant in ["die", "lose"] {
        for k in 1..=writes {
            let world = World::new(Timing::default());
            world.fake.set_faults(Faults {
                die_before_write: (variant == "die").then_some(k),
                lose_write: (variant == "lose").then_some(k),
                ..Faults::default()
            });
            let _ = world.run(false).await;
            world.fake.set_faults(Faults::default());
            world.apply_ok().await;
            let found = shape(&world.fake.inventory());
            assert_eq!(found, expected, "{variant} at write {k}: resources differ");
            let plan = world.plan(false).await;
            assert!(
                changed(&plan).is_empty(),
                "{variant} at write {k}: {:#?}",
                changed(&plan)
            );
        }
    }
}

#[tokio::test]
async fn crash_matrix_in_memory_every_write_of_destroy() {
    let world = World::new(Timing::default());
    world.apply_ok().await;
    world.fake.set_faults(Faults::default());
    let (report, _) = world.run(true).await;
    assert!(report.expect("destroy").succeeded());
    let writes = world.fake.writes();
    let baseline = shape(&world.fake.inventory());
    eprintln!(
        "in-memory crash matrix of destroy: {writes} writes, {} cases",
        2 * writes
    );
    for variant in ["die", "lose"] {
        for k in 1..=writes {
            let world = World::new(Timing::default());
            world.apply_ok().await;
            world.fake.set_faults(Faults {
                die_before_write: (variant == "die").then_some(k),
                lose_write: (variant == "lose").then_some(k),
                ..Faults::default()
            });
            let _ = world.run(true).await;
            world.fake.set_faults(Faults::default());
            let (report, events) = world.run(true).await;
            let report = report.expect("destroy again");
            assert!(
                report.succeeded(),
                "{variant} at write {k}: {:?}\n{events:#?}",
                report.walk.failed
            );
            assert!(
                world.ours().is_empty(),
                "{variant} at write {k}: left {:?}",
                world.ours()
            );
            assert_eq!(
                shape(&world.fake.inventory()),
                baseline,
                "{variant} at write {k}"
            );
        }
    }
}

#[tokio::test]
async fn thirty_percent_throttling_still_converges() {
    let world = World::new(Timing::default());
    world.fake.set_faults(Faults {
        throttle: 0.3,
        seed: 7,
        ..Faults::default()
    });
    let (report, events) = world.run(false).await;
    let report = report.expect("apply");
    assert!(report.succeeded(), "{:?}", report.walk.failed);
    let retries = events
        .iter()
        .filter(|event| matches!(event, Event::Retrying { reason, .. } if reason == "throttled"))
        .count();
    assert!(retries > 10, "{retries} retries");
    let counts = world.fake.counts();
    eprintln!(
        "in-memory 30% throttling: {retries} retries after throttling for {} successful calls",
        counts.total_reads() + counts.total_writes()
    );
    assert_eq!(retries as u64, world.fake.counts().throttled);
    world.fake.set_faults(Faults::default());
    let plan = world.plan(false).await;
    assert!(changed(&plan).is_empty(), "{:#?}", changed(&plan));
}

#[tokio::test]
async fn an_interrupted_wait_reattaches_without_a_second_create() {
    let world = World::new(Timing {
        cluster: Duration::from_millis(400),
        ..Timing::default()
    });
    let fake = world.fake.clone();
    {
        let run = world.run(false);
        tokio::pin!(run);
        // Stop the run (as a kill would) once the cluster is being created.
        loop {
            tokio::select! {
                _ = &mut run => panic!("the apply finished before the cluster was created"),
                _ = tokio::time::sleep(Duration::from_millis(5)) => {
                    if fake.counts().writes.contains_key("eks CreateCluster") {
                        break;
                    }
                }
            }
        }
    }
    let plan = world.plan(false).await;
    let cluster = plan
        .changes
        .iter()
        .find(|change| change.address.as_str() == "eks_cluster.main")
        .expect("cluster");
    assert!(
        matches!(cluster.action, Action::Update | Action::Adopt),
        "{cluster:?}"
    );
    assert!(
        cluster
            .reasons
            .iter()
            .any(|reason| reason.contains("CREATING")),
        "{:?}",
        cluster.reasons
    );
    let (report, events) = world.run(false).await;
    assert!(report.expect("apply").succeeded());
    assert_eq!(
        world.fake.counts().writes.get("eks CreateCluster"),
        Some(&1)
    );
    assert!(
        events
            .iter()
            .any(|event| matches!(event, Event::Waiting { what, .. } if what.contains("ACTIVE")))
    );
}

#[tokio::test]
async fn iam_propagation_is_waited_out() {
    let world = World::new(Timing {
        iam_propagation: Duration::from_millis(150),
        visibility: Duration::from_millis(20),
        ..Timing::default()
    });
    let (report, events) = world.run(false).await;
    assert!(report.expect("apply").succeeded());
    assert!(events.iter().any(
        |event| matches!(event, Event::Retrying { reason, .. } if reason == "IAM propagation")
    ));
    assert!(events.iter().any(
        |event| matches!(event, Event::Retrying { reason, .. } if reason.contains("not visible"))
    ));
}

#[tokio::test]
async fn drift_is_planned_and_repaired() {
    let world = World::new(Timing::default());
    world.apply_ok().await;
    let cloud = world.fake.cloud("us-east-2");
    let update = sakk_cloud::eks::NodeGroupUpdate {
        scaling: Some((2, 9, 3)),
        add_labels: [("team".to_owned(), "x".to_owned())].into(),
        ..Default::default()
    };
    cloud
        .eks
        .update_node_group("simple", "general", &update)
        .await
        .expect("drift");
    let subnet = world
        .fake
        .inventory()
        .into_iter()
        .find(|(kind, _, tags)| {
            kind == "subnet"
                && tags.get("sakk.dev/resource").map(String::as_str)
                    == Some("subnet.public-us-east-2b")
        })
        .expect("subnet");
    cloud
        .ec2
        .delete_tags(&subnet.1, &["Name".to_owned()])
        .await
        .expect("drift");
    let plan = world.plan(false).await;
    let changes = changed(&plan);
    assert_eq!(changes.len(), 2, "{changes:#?}");
    world.apply_ok().await;
    assert!(changed(&world.plan(false).await).is_empty());
}

#[tokio::test]
async fn a_version_upgrade_moves_cluster_and_node_groups_in_one_pass() {
    let mut world = World::new(Timing::default());
    world.model.kubernetes_version = "1.33".into();
    world.apply_ok().await;
    world.model.kubernetes_version = "1.34".into();
    let plan = world.plan(false).await;
    let changes = changed(&plan);
    assert_eq!(changes.len(), 2, "{changes:#?}");
    world.fake.reset_counts();
    world.apply_ok().await;
    let writes = world.fake.counts().writes;
    assert_eq!(writes.get("eks UpdateClusterVersion"), Some(&1));
    assert_eq!(writes.get("eks UpdateNodegroupVersion"), Some(&1));
    assert!(changed(&world.plan(false).await).is_empty());
}

#[tokio::test]
async fn resources_deleted_outside_sakk_are_created_again() {
    let world = World::new(Timing::default());
    world.apply_ok().await;
    world.fake.delete_out_of_band(
        "iam_role",
        &world.model.names.service_account_roles["external-dns"].role,
    );
    let plan = world.plan(false).await;
    let changes = changed(&plan);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert!(changes[0].contains("deleted outside sakk"), "{changes:#?}");
    world.apply_ok().await;
    assert!(changed(&world.plan(false).await).is_empty());
}

#[tokio::test]
async fn a_blocked_deletion_says_what_blocks_it() {
    let world = World::new(Timing::default());
    world.apply_ok().await;
    let subnet = world
        .fake
        .inventory()
        .into_iter()
        .find(|(kind, _, tags)| {
            kind == "subnet"
                && tags.get("sakk.dev/resource").map(String::as_str)
                    == Some("subnet.private-us-east-2a")
        })
        .expect("subnet");
    let interface = world
        .fake
        .seed_interface(&subnet.1, "a database someone put here");
    let (report, _) = world.run(true).await;
    let report = report.expect("destroy runs");
    let failures: Vec<String> = report
        .walk
        .failed
        .iter()
        .map(|(address, error)| format!("{address}: {error}"))
        .collect();
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert!(
        failures[0].starts_with("subnet.private-us-east-2a"),
        "{failures:#?}"
    );
    assert!(
        failures[0].contains(&interface) && failures[0].contains("a database someone put here"),
        "{failures:#?}"
    );
    // The interface is not ours: it is still there; so is the VPC that holds it.
    assert!(
        world
            .fake
            .inventory()
            .iter()
            .any(|(_, id, _)| *id == interface)
    );
    assert!(
        report
            .walk
            .skipped
            .iter()
            .any(|address| address.as_str() == "vpc.main")
    );
}

// EKS failure phases, by script: what the plan says, what apply reports, and that the next
// apply converges once the fault is lifted.

/// The failed steps as apply reports them (`address: error`).
fn failures(report: &Report) -> Vec<String> {
    report
        .walk
        .failed
        .iter()
        .map(|(address, error)| format!("{address}: {error}"))
        .collect()
}

/// The plan's change of `address`.
fn change<'a>(plan: &'a Plan, address: &str) -> &'a sakk_plan::Change {
    plan.changes
        .iter()
        .find(|change| change.address.as_str() == address)
        .unwrap_or_else(|| panic!("no {address} in the plan"))
}

fn warnings(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Warning { address, message } => Some(format!(
                "{}: {message}",
                address.as_ref().map(|a| a.to_string()).unwrap_or_default()
            )),
            _ => None,
        })
        .collect()
}

/// Lifts the script, applies, and checks that nothing is left to do.
async fn lift_and_converge(world: &World, kind: EksKind, name: &str) {
    world.fake.lift(kind, name);
    world.apply_ok().await;
    let plan = world.plan(false).await;
    assert!(changed(&plan).is_empty(), "{:#?}", changed(&plan));
    let text = sakk_plan::render::human(&plan, sakk_plan::render::Style::Plain);
    assert!(!text.contains("Warnings"), "{text}");
}

/// A failed run: the failures, and what the next plan says of `address`.
async fn failed_run(world: &World, address: &str) -> (Vec<String>, sakk_plan::Change, String) {
    let (report, events) = world.run(false).await;
    let report = report.expect("apply runs");
    assert!(!report.succeeded(), "the apply succeeded: {events:#?}");
    let failed = failures(&report);
    let plan = world.plan(false).await;
    let text = sakk_plan::render::human(&plan, sakk_plan::render::Style::Plain);
    (failed, change(&plan, address).clone(), text)
}

async fn degraded_warns_and_goes_on(kind: EksKind, name: &str, address: &str, issue: &str) {
    let world = World::new(Timing::default());
    world.fake.script(kind, name, Script::Degraded);
    let (report, events) = world.run(false).await;
    let report = report.expect("apply");
    assert!(report.succeeded(), "{:#?}", failures(&report));
    let warned = warnings(&events);
    assert!(
        warned.iter().any(|warning| warning.starts_with(address)
            && warning.contains(&format!("DEGRADED ({issue}"))),
        "{warned:#?}"
    );
    // The resource exists: nothing to do, but the plan says what AWS reports.
    let plan = world.plan(false).await;
    assert!(changed(&plan).is_empty(), "{:#?}", changed(&plan));
    let text = sakk_plan::render::human(&plan, sakk_plan::render::Style::Plain);
    assert!(
        text.contains("Warnings:")
            && text.contains(&format!("! {address} "))
            && text.contains(issue)
            && text.contains("No changes"),
        "{text}"
    );
    lift_and_converge(&world, kind, name).await;
}

#[tokio::test]
async fn a_degraded_addon_warns_and_the_apply_goes_on() {
    degraded_warns_and_goes_on(
        EksKind::Addon,
        "coredns",
        "eks_addon.coredns",
        "InsufficientNumberOfReplicas",
    )
    .await;
}

#[tokio::test]
async fn a_degraded_node_group_warns_and_the_apply_goes_on() {
    degraded_warns_and_goes_on(
        EksKind::NodeGroup,
        "general",
        "eks_node_group.general",
        "InsufficientFreeAddresses",
    )
    .await;
}

/// A creation that ends failed: the step fails naming AWS's issue, what depends on it does not
/// start, the next plan replaces it with that reason, and once the cause is gone the replace
/// converges (one deletion, one more creation).
async fn create_failed_is_replaced(
    kind: EksKind,
    name: &str,
    address: &str,
    status: &str,
    issue: &str,
    dependant: Option<&str>,
) {
    let world = World::new(Timing::default());
    world.fake.script(kind, name, Script::CreateFailed);
    let (report, _) = world.run(false).await;
    let report = report.expect("apply runs");
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].starts_with(address)
            && failed[0].contains(&format!("{status} ({issue}"))
            && failed[0].contains("the next `sakk plan` replaces it"),
        "{failed:#?}"
    );
    if let Some(dependant) = dependant {
        assert!(
            report
                .walk
                .skipped
                .iter()
                .any(|skipped| skipped.as_str() == dependant),
            "{:?}",
            report.walk.skipped
        );
    }
    // Still failing: the replace fails the same way.
    let (failed, planned, text) = failed_run(&world, address).await;
    assert!(failed[0].starts_with(address), "{failed:#?}");
    assert_eq!(planned.action, Action::Replace, "{planned:?}");
    assert!(
        planned
            .reasons
            .iter()
            .any(|reason| reason.contains(&format!("AWS reports it failed: {status} ({issue}"))),
        "{:?}",
        planned.reasons
    );
    assert!(text.contains(&format!("-/+ {address}")), "{text}");
    world.fake.reset_counts();
    lift_and_converge(&world, kind, name).await;
    let writes = world.fake.counts().writes;
    let (delete, create) = match kind {
        EksKind::Cluster => ("eks DeleteCluster", "eks CreateCluster"),
        EksKind::NodeGroup => ("eks DeleteNodegroup", "eks CreateNodegroup"),
        EksKind::Addon => ("eks DeleteAddon", "eks CreateAddon"),
    };
    assert_eq!(writes.get(delete), Some(&1), "{writes:?}");
    assert!(writes.get(create) >= Some(&1), "{writes:?}");
}

#[tokio::test]
async fn an_addon_that_fails_to_create_is_replaced() {
    create_failed_is_replaced(
        EksKind::Addon,
        "coredns",
        "eks_addon.coredns",
        "CREATE_FAILED",
        "ConfigurationConflict",
        None,
    )
    .await;
}

#[tokio::test]
async fn a_node_group_that_fails_to_create_is_replaced() {
    create_failed_is_replaced(
        EksKind::NodeGroup,
        "general",
        "eks_node_group.general",
        "CREATE_FAILED",
        "AsgInstanceLaunchFailures",
        Some("eks_addon.coredns"),
    )
    .await;
}

#[tokio::test]
async fn a_cluster_that_fails_to_create_is_replaced() {
    create_failed_is_replaced(
        EksKind::Cluster,
        "simple",
        "eks_cluster.main",
        "FAILED",
        "Ec2SubnetNotFound",
        Some("eks_node_group.general"),
    )
    .await;
}

#[tokio::test]
async fn an_addon_update_that_fails_is_sent_again() {
    let world = World::new(Timing::default());
    world.apply_ok().await;
    // Drift: the EBS CSI driver lost its role; the plan puts it back with an update.
    let cloud = world.fake.cloud("us-east-2");
    cloud
        .eks
        .update_addon("simple", "aws-ebs-csi-driver", None, None)
        .await
        .expect("drift");
    world
        .fake
        .script(EksKind::Addon, "aws-ebs-csi-driver", Script::UpdateFailed);
    let (failed, planned, _) = failed_run(&world, "eks_addon.aws-ebs-csi-driver").await;
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].starts_with("eks_addon.aws-ebs-csi-driver")
            && failed[0].contains("UPDATE_FAILED (AdmissionRequestDenied")
            && failed[0].contains("sends the update again"),
        "{failed:#?}"
    );
    // Not a replace (deleting the add-on would take its pods away): the update again.
    assert_eq!(planned.action, Action::Update, "{planned:?}");
    assert!(
        planned.reasons.iter().any(|reason| reason
            .contains("AWS reports UPDATE_FAILED (AdmissionRequestDenied")
            && reason.contains("sends the update again")),
        "{:?}",
        planned.reasons
    );
    world.fake.reset_counts();
    lift_and_converge(&world, EksKind::Addon, "aws-ebs-csi-driver").await;
    let writes = world.fake.counts().writes;
    assert_eq!(writes.get("eks UpdateAddon"), Some(&1), "{writes:?}");
    assert_eq!(writes.get("eks DeleteAddon"), None, "{writes:?}");
}

/// A resource that stays CREATING past the waiter's limit: the step fails saying so, the next
/// plan waits for it (no second creation), and the next apply re-attaches.
async fn stuck_creating_reattaches(kind: EksKind, name: &str, address: &str, waiting: &str) {
    let mut world = World::new(Timing::default());
    world.waits = Waits {
        cluster: Duration::from_millis(300),
        node_group: Duration::from_millis(300),
        addon: Duration::from_millis(300),
        ..Waits::fast()
    };
    world.fake.script(kind, name, Script::StuckCreating);
    let (report, _) = world.run(false).await;
    let failed = failures(&report.expect("apply runs"));
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].starts_with(address)
            && failed[0].contains(&format!("still waiting for {waiting} after 300 ms"))
            && failed[0].contains("run `sakk apply` again"),
        "{failed:#?}"
    );
    let plan = world.plan(false).await;
    let planned = change(&plan, address);
    assert!(
        matches!(planned.action, Action::Update | Action::Adopt),
        "{planned:?}"
    );
    assert!(
        planned
            .reasons
            .iter()
            .any(|reason| reason.contains("AWS reports CREATING: apply waits")),
        "{:?}",
        planned.reasons
    );
    lift_and_converge(&world, kind, name).await;
    let create = match kind {
        EksKind::Cluster => "eks CreateCluster",
        EksKind::NodeGroup => "eks CreateNodegroup",
        EksKind::Addon => "eks CreateAddon",
    };
    let counts = world.fake.counts();
    let created = counts.writes.get(create).copied().unwrap_or(0);
    let expected = if kind == EksKind::Addon { 4 } else { 1 };
    assert_eq!(created, expected, "created twice: {:?}", counts.writes);
}

#[tokio::test]
async fn an_addon_stuck_creating_fails_the_step_and_is_waited_for_next_time() {
    stuck_creating_reattaches(
        EksKind::Addon,
        "vpc-cni",
        "eks_addon.vpc-cni",
        "add-on → ACTIVE",
    )
    .await;
}

#[tokio::test]
async fn a_node_group_stuck_creating_fails_the_step_and_is_waited_for_next_time() {
    stuck_creating_reattaches(
        EksKind::NodeGroup,
        "general",
        "eks_node_group.general",
        "node group → ACTIVE",
    )
    .await;
}

#[tokio::test]
async fn a_cluster_stuck_creating_fails_the_step_and_is_waited_for_next_time() {
    stuck_creating_reattaches(
        EksKind::Cluster,
        "simple",
        "eks_cluster.main",
        "EKS cluster → ACTIVE",
    )
    .await;
}

/// The issuer host of the cluster as EKS reports it, and checks that the OIDC provider and
/// every role trusting an OIDC provider name it (and no other issuer).
async fn trusts_follow(world: &World) -> String {
    let cloud = world.fake.cloud("us-east-2");
    let cluster = cloud.eks.cluster("simple").await.expect("cluster");
    let issuer = cluster.oidc_issuer.expect("issuer");
    let host = issuer.trim_start_matches("https://").to_owned();
    let providers = cloud.iam.oidc_providers().await.expect("providers");
    assert_eq!(providers.len(), 1, "{providers:?}");
    let provider = cloud
        .iam
        .oidc_provider(&providers[0])
        .await
        .expect("provider");
    assert_eq!(provider.url, host);
    let mut trusting = 0;
    for role in cloud.iam.roles().await.expect("roles") {
        if !role.trust_policy.contains("oidc-provider/") {
            continue;
        }
        trusting += 1;
        let trust: serde_json::Value =
            serde_json::from_str(&role.trust_policy).expect("trust policy JSON");
        let statement = &trust["Statement"][0];
        let federated = statement["Principal"]["Federated"].as_str().unwrap_or("");
        let conditions = statement["Condition"]["StringEquals"]
            .as_object()
            .map(|map| map.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        assert!(
            federated == provider.arn
                && conditions.len() == 2
                && conditions
                    .iter()
                    .all(|key| key.starts_with(&format!("{host}:"))),
            "{} trusts another issuer than {host}: {}",
            role.name,
            role.trust_policy
        );
    }
    assert_eq!(trusting, 7, "every service-account role trusts the issuer");
    host
}

#[tokio::test]
async fn a_replaced_cluster_gets_a_new_issuer_and_every_trust_follows_it() {
    let mut world = World::new(Timing::default());
    world.apply_ok().await;
    let first = trusts_follow(&world).await;
    // An immutable field: a third zone changes the cluster's subnets.
    let zones = r#"availability_zones = ["us-east-2a", "us-east-2b"]"#;
    assert!(example().contains(zones));
    world.model = model_of(&example().replace(
        zones,
        r#"availability_zones = ["us-east-2a", "us-east-2b", "us-east-2c"]"#,
    ));
    let plan = world.plan(false).await;
    assert_eq!(change(&plan, "eks_cluster.main").action, Action::Replace);
    assert_eq!(
        change(&plan, "iam_oidc_provider.main").action,
        Action::Replace
    );
    assert_eq!(
        change(&plan, "iam_role.external-dns").action,
        Action::Update
    );
    world.apply_ok().await;
    let second = trusts_follow(&world).await;
    assert_ne!(first, second, "EKS gives a re-created cluster a new issuer");
    let plan = world.plan(false).await;
    assert!(changed(&plan).is_empty(), "{:#?}", changed(&plan));
}
