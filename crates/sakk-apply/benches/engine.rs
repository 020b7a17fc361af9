//! The engine's benchmark (a documented script, not criterion: each sample is a whole apply).
//!
//!   cargo bench -p sakk-apply --bench engine
//!
//! 1. Scheduling: the seed-equivalent example is applied to the in-memory AWS with a latency on
//!    every call and creation times per kind (EKS cluster, node group, add-on, NAT gateway).
//!    The apply's wall time is divided by the critical path of the graph, where each resource
//!    takes what AWS makes it take: its creation time plus one round trip per call it must make
//!    (its writes, and one read to see it ready). A second ratio uses what each step really
//!    took: 1.0 there means the executor never delayed a step whose dependencies were done.
//! 2. Reads of a no-op plan: after the apply, a plan is made and its read calls are counted by
//!    operation, against the number of resource kinds.
//!
//! Prints medians over the samples.

use sakk_apply::retry::{RateLimiter, RetryPolicy};
use sakk_apply::{Engine, Event, Parts, Recorder, Rng, Settings, SystemClock, Waits, load_state};
use sakk_plan::{Address, Kind};
use sakk_testkit::fake::{Fake, Timing};
use sakk_testkit::memory::MemoryStore;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SAMPLES: usize = 5;

fn model() -> sakk_model::Model {
    let path = format!(
        "{}/../../examples/native-simple/cluster.hcl",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).expect("example");
    let loaded = sakk_config::load(&[sakk_config::Input {
        name: "cluster.hcl".into(),
        bytes,
        dir: ".".into(),
    }]);
    sakk_model::validate(&loaded.clusters)
        .models
        .into_iter()
        .next()
        .expect("model")
}

fn timing() -> Timing {
    Timing {
        latency: Duration::from_millis(20),
        cluster: Duration::from_millis(3000),
        node_group: Duration::from_millis(1500),
        addon: Duration::from_millis(400),
        nat: Duration::from_millis(800),
        delete: Duration::ZERO,
        iam_propagation: Duration::ZERO,
        visibility: Duration::ZERO,
    }
}

struct Sample {
    walk: Duration,
    plan: Duration,
    critical: Duration,
    steps: Duration,
    reads: BTreeMap<String, u64>,
    kinds: usize,
    resources: usize,
}

async fn sample(model: &sakk_model::Model) -> Sample {
    let fake = Fake::new(timing());
    fake.seed_zone("Z0123456789ABCDEFGHIJ", "some.domain.local");
    let events = Arc::new(sakk_apply::events::Collect::default());
    let engine = Engine::new(Parts {
        cloud: fake.cloud(&model.region),
        eks_cluster_name: model.names.eks_cluster.clone(),
        settings: Settings {
            waits: Waits {
                // Polls far finer than the creation times, as 15 s polls are next to AWS's minutes.
                cluster_poll: Duration::from_millis(25),
                poll: Duration::from_millis(25),
                ..Waits::fast()
            },
            ..Settings::default()
        },
        policy: RetryPolicy::fast(),
        limiter: RateLimiter::unlimited(),
        clock: Arc::new(SystemClock),
        random: Arc::new(Rng::seeded(5)),
        events: events.clone(),
    });
    let store: Arc<dyn sakk_state::StateStore> = Arc::new(MemoryStore::default());
    let desired = sakk_plan::desired(model);
    let (state, version) = load_state(store.as_ref(), &model.name, &model.region, &Rng::seeded(1))
        .await
        .expect("state");
    let started = Instant::now();
    let plan = engine.plan(&desired, &state, false).await.expect("plan");
    let plan_time = started.elapsed();
    let recorder = Recorder::new(store.clone(), None, state, version);
    let started = Instant::now();
    let report = engine.apply(&plan, &recorder).await.expect("apply");
    let walk = started.elapsed();
    assert!(report.succeeded(), "{:?}", report.walk.failed);

    let step: BTreeMap<Address, f64> = events
        .events()
        .into_iter()
        .filter_map(|event| match event {
            Event::Finished {
                address, elapsed, ..
            } => Some((address, elapsed.as_secs_f64())),
            _ => None,
        })
        .collect();
    let steps = desired.critical_path(&|address| step.get(address).copied().unwrap_or(0.0));
    let calls = engine.calls_by_address();
    let timing = timing();
    let critical = desired.critical_path(&|address| {
        let (reads, writes) = calls.get(address.as_str()).copied().unwrap_or_default();
        let creation = match address.kind() {
            Kind::EksCluster => timing.cluster,
            Kind::NodeGroup => timing.node_group,
            Kind::Addon => timing.addon,
            Kind::NatGateway => timing.nat,
            _ => Duration::ZERO,
        };
        // Waiting resources need one read to see they are ready; the others' reads are part of
        // their step (a log group's ARN after its creation).
        let needed_reads = if creation.is_zero() {
            reads
        } else {
            reads.min(1)
        };
        (creation + timing.latency * (writes + needed_reads) as u32).as_secs_f64()
    });

    let (state, _) = load_state(store.as_ref(), &model.name, &model.region, &Rng::seeded(1))
        .await
        .expect("state");
    fake.reset_counts();
    let again = engine.plan(&desired, &state, false).await.expect("plan");
    assert!(!again.has_changes());
    Sample {
        walk,
        plan: plan_time,
        critical: Duration::from_secs_f64(critical),
        steps: Duration::from_secs_f64(steps),
        reads: fake.counts().reads,
        kinds: desired
            .resources
            .keys()
            .map(Address::kind)
            .collect::<std::collections::BTreeSet<Kind>>()
            .len(),
        resources: desired.resources.len(),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|left, right| left.total_cmp(right));
    values[values.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let model = model();
    let samples: Vec<Sample> = (0..SAMPLES)
        .map(|_| runtime.block_on(sample(&model)))
        .collect();
    let ratios: Vec<f64> = samples
        .iter()
        .map(|sample| sample.walk.as_secs_f64() / sample.critical.as_secs_f64())
        .collect();
    let timing = timing();
    println!(
        "sakk engine benchmark: {} resources of {} kinds, {} samples",
        samples[0].resources, samples[0].kinds, SAMPLES
    );
    println!(
        "injected: {} ms per call; cluster {} ms, node group {} ms, add-on {} ms, NAT gateway {} ms",
        timing.latency.as_millis(),
        timing.cluster.as_millis(),
        timing.node_group.as_millis(),
        timing.addon.as_millis(),
        timing.nat.as_millis()
    );
    println!(
        "apply (walk) median {:.3} s; critical path median {:.3} s; wall / critical path median {:.3} (min {:.3}, max {:.3}); plan before it {:.3} s",
        median(
            samples
                .iter()
                .map(|sample| sample.walk.as_secs_f64())
                .collect()
        ),
        median(
            samples
                .iter()
                .map(|sample| sample.critical.as_secs_f64())
                .collect()
        ),
        median(ratios.clone()),
        ratios.iter().copied().fold(f64::INFINITY, f64::min),
        ratios.iter().copied().fold(0.0, f64::max),
        median(
            samples
                .iter()
                .map(|sample| sample.plan.as_secs_f64())
                .collect()
        ),
    );
    let scheduling: Vec<f64> = samples
        .iter()
        .map(|sample| sample.walk.as_secs_f64() / sample.steps.as_secs_f64())
        .collect();
    println!(
        "scheduling alone: wall / critical path of the steps as they ran, median {:.3}",
        median(scheduling)
    );
    let reads = &samples[0].reads;
    let total: u64 = reads.values().sum();
    println!(
        "no-op plan: {total} read calls for {} resource kinds ({:.2} per kind; one of them is the identity call)",
        samples[0].kinds,
        total as f64 / samples[0].kinds as f64
    );
    for (operation, count) in reads {
        println!("  {count:>3}  {operation}");
    }
}
