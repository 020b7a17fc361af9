//! An in-memory AWS behind `sakk-cloud`'s traits, for what moto cannot do: EKS add-ons,
//! access entries and version updates, resources that stay CREATING or DELETING for a while,
//! EKS resources that fail, degrade or stay CREATING by script ([`Fake::script`]), IAM
//! propagation delays, per-call latency, throttling, and faults at the k-th write.
//!
//! It keeps AWS's rules where the engine depends on them: dependency violations on delete,
//! NotFound codes per service, idempotency tokens, unique names, tag filters.

use async_trait::async_trait;
use sakk_cloud::ec2::*;
use sakk_cloud::eks::*;
use sakk_cloud::elb::{Elb, LoadBalancer, TargetGroup};
use sakk_cloud::iam::{Iam, OidcProvider, Role};
use sakk_cloud::kms::{Alias, Key, Kms};
use sakk_cloud::logs::{LogGroup, Logs};
use sakk_cloud::route53::{Change, HostedZone, RecordSet, Route53};
use sakk_cloud::s3::{ObjectVersion, PublicAccessBlock, S3, VersionPage};
use sakk_cloud::sts::{CallerIdentity, Sts};
use sakk_cloud::tagging::{TaggedResource, Tagging};
use sakk_cloud::{Cloud, CloudError, CloudResult, Tags, classify};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The account every fake call runs as.
pub const ACCOUNT: &str = "123456789012";

/// How long things take.
#[derive(Debug, Clone, Default)]
pub struct Timing {
    /// Added to every call.
    pub latency: Duration,
    /// EKS cluster CREATING / UPDATING.
    pub cluster: Duration,
    /// Node group CREATING / UPDATING.
    pub node_group: Duration,
    /// Add-on CREATING.
    pub addon: Duration,
    /// NAT gateway pending.
    pub nat: Duration,
    /// Deletions of clusters, node groups, add-ons and NAT gateways.
    pub delete: Duration,
    /// How long after its creation a role cannot be assumed by EKS.
    pub iam_propagation: Duration,
    /// How long after its creation a VPC is invisible to other calls.
    pub visibility: Duration,
}

/// Faults to inject.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Share of calls answered with a throttling error.
    pub throttle: f64,
    /// The k-th mutating call (1-based) and every later call fail without effect, as if the
    /// process had been killed just before it.
    pub die_before_write: Option<u64>,
    /// The k-th mutating call takes effect but its answer is lost.
    pub lose_write: Option<u64>,
    /// Seed of the throttling decisions.
    pub seed: u64,
}

/// Calls counted by operation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Reads by `service Operation`.
    pub reads: BTreeMap<String, u64>,
    /// Writes by `service Operation`.
    pub writes: BTreeMap<String, u64>,
    /// Calls answered with throttling.
    pub throttled: u64,
}

impl Counts {
    /// All reads.
    pub fn total_reads(&self) -> u64 {
        self.reads.values().sum()
    }
    /// All writes.
    pub fn total_writes(&self) -> u64 {
        self.writes.values().sum()
    }
}

/// An EKS resource kind whose life a test can script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EksKind {
    /// The cluster (named by its EKS name).
    Cluster,
    /// A managed node group (named by its name in the cluster).
    NodeGroup,
    /// An add-on (named by its add-on name).
    Addon,
}

/// A failure phase a named EKS resource goes through, as AWS can make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// It becomes DEGRADED (with a health issue) after its creation or update, and stays so
    /// until the script is lifted (then ACTIVE). Add-ons and node groups.
    Degraded,
    /// Its creation ends in CREATE_FAILED (a cluster: FAILED), with a health issue; lifting
    /// the script does not repair it (AWS does not either): it must be replaced.
    CreateFailed,
    /// Its next update ends in UPDATE_FAILED with the old configuration kept (add-ons).
    UpdateFailed,
    /// It stays CREATING after its creation until the script is lifted (then ACTIVE).
    StuckCreating,
}

/// The health issue AWS gives a resource of `kind` in `status` (none when healthy), as
/// `code: message`.
pub(crate) fn health(kind: EksKind, status: &str) -> Vec<String> {
    let issue = match (kind, status) {
        (EksKind::Addon, "DEGRADED") => {
            "InsufficientNumberOfReplicas: The add-on is unhealthy because it doesn't have the desired number of replicas."
        }
        (EksKind::Addon, "CREATE_FAILED") => {
            "ConfigurationConflict: Conflicts found when trying to apply. Will not continue due to resolve conflicts mode."
        }
        (EksKind::Addon, "UPDATE_FAILED") => {
            "AdmissionRequestDenied: admission webhook denied the request"
        }
        (EksKind::NodeGroup, "DEGRADED") => {
            "InsufficientFreeAddresses: One or more of the subnets associated with your managed node group does not have enough available IP addresses for new nodes."
        }
        (EksKind::NodeGroup, "CREATE_FAILED") => {
            "AsgInstanceLaunchFailures: Could not launch On-Demand Instances. InsufficientInstanceCapacity - We currently do not have sufficient capacity in the Availability Zone you requested."
        }
        (EksKind::Cluster, "FAILED") => "Ec2SubnetNotFound: The subnet ID does not exist.",
        _ => return Vec::new(),
    };
    vec![issue.to_owned()]
}

#[derive(Debug, Clone)]
struct Phase {
    status: String,
    until: Option<Instant>,
    next: &'static str,
}

impl Phase {
    fn ready(status: &str) -> Self {
        Self {
            status: status.to_owned(),
            until: None,
            next: "",
        }
    }

    fn timed(status: &str, duration: Duration, next: &'static str, now: Instant) -> Self {
        if duration.is_zero() {
            Self::ready(next)
        } else {
            Self {
                status: status.to_owned(),
                until: Some(now + duration),
                next,
            }
        }
    }

    /// Advances; true when the resource is now gone.
    fn tick(&mut self, now: Instant) -> bool {
        if let Some(until) = self.until
            && now >= until
        {
            self.until = None;
            self.status = self.next.to_owned();
        }
        self.status == "GONE"
    }
}

#[derive(Debug, Clone)]
struct FakeCluster {
    cluster: Cluster,
    phase: Phase,
}

#[derive(Debug, Clone)]
struct FakeNodeGroup {
    group: NodeGroup,
    phase: Phase,
}

#[derive(Debug, Clone)]
struct FakeAddon {
    addon: Addon,
    phase: Phase,
}

#[derive(Debug, Clone)]
struct FakeNat {
    nat: NatGateway,
    phase: Phase,
}

#[derive(Debug, Clone)]
struct FakeZone {
    zone: HostedZone,
    servers: Vec<String>,
    tags: Tags,
    records: Vec<RecordSet>,
}

#[derive(Debug, Clone, Default)]
struct FakeBucket {
    tags: Tags,
    versioning: bool,
    encryption: Option<String>,
    block: PublicAccessBlock,
    objects: Vec<ObjectVersion>,
}

#[derive(Debug, Clone)]
struct FakeRole {
    role: Role,
    created: Instant,
    instance_profiles: Vec<String>,
}

#[derive(Debug, Clone)]
struct FakeKey {
    key: Key,
    tags: Tags,
}

/// Everything the fake account holds.
#[derive(Debug, Default)]
struct World {
    counter: u64,
    vpcs: BTreeMap<String, (Vpc, bool, Instant)>,
    subnets: BTreeMap<String, Subnet>,
    gateways: BTreeMap<String, InternetGateway>,
    addresses: BTreeMap<String, ElasticIp>,
    nats: BTreeMap<String, FakeNat>,
    nat_tokens: BTreeMap<String, String>,
    tables: BTreeMap<String, RouteTable>,
    table_tokens: BTreeMap<String, String>,
    groups: BTreeMap<String, SecurityGroup>,
    interfaces: BTreeMap<String, NetworkInterface>,
    roles: BTreeMap<String, FakeRole>,
    providers: BTreeMap<String, OidcProvider>,
    keys: BTreeMap<String, FakeKey>,
    aliases: BTreeMap<String, String>,
    logs: BTreeMap<String, (LogGroup, Tags)>,
    clusters: BTreeMap<String, FakeCluster>,
    cluster_tokens: BTreeMap<String, String>,
    node_groups: BTreeMap<(String, String), FakeNodeGroup>,
    addons: BTreeMap<(String, String), FakeAddon>,
    entries: BTreeMap<(String, String), AccessEntry>,
    zones: BTreeMap<String, FakeZone>,
    buckets: BTreeMap<String, FakeBucket>,
    balancers: BTreeMap<String, (LoadBalancer, Tags)>,
    target_groups: BTreeMap<String, (TargetGroup, Tags)>,
    scripts: BTreeMap<(EksKind, String), Script>,
}

fn error(
    service: &'static str,
    operation: &'static str,
    code: &str,
    message: impl Into<String>,
) -> CloudError {
    let status = match code {
        "ResourceNotFoundException"
        | "NoSuchEntity"
        | "NoSuchBucket"
        | "NoSuchHostedZone"
        | "NotFoundException" => 404,
        "ResourceInUseException" | "EntityAlreadyExists" | "DeleteConflict" | "BucketNotEmpty" => {
            409
        }
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => 400,
        _ => 400,
    };
    let mut error = CloudError::new(
        service,
        operation,
        classify(code, Some(status)),
        code,
        message,
    );
    error.request_id = Some(format!("fake-{operation}"));
    error
}

impl World {
    fn id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}-{:017x}", self.counter)
    }

    fn script(&self, kind: EksKind, name: &str) -> Option<Script> {
        self.scripts.get(&(kind, name.to_owned())).copied()
    }

    /// The phase a resource of `kind` named `name` starts in when created: CREATING, then
    /// ACTIVE, or whatever its script says.
    fn creating(&self, kind: EksKind, name: &str, duration: Duration, now: Instant) -> Phase {
        match self.script(kind, name) {
            Some(Script::StuckCreating) => Phase::ready("CREATING"),
            Some(Script::CreateFailed) => {
                let failed = if kind == EksKind::Cluster {
                    "FAILED"
                } else {
                    "CREATE_FAILED"
                };
                Phase::timed("CREATING", duration, failed, now)
            }
            Some(Script::Degraded) => Phase::timed("CREATING", duration, "DEGRADED", now),
            _ => Phase::timed("CREATING", duration, "ACTIVE", now),
        }
    }

    /// The phase after an update: UPDATING, then ACTIVE, or whatever the script says. True
    /// when the update is to fail (its changes are then not applied).
    fn updating(
        &self,
        kind: EksKind,
        name: &str,
        duration: Duration,
        now: Instant,
    ) -> (Phase, bool) {
        match self.script(kind, name) {
            Some(Script::UpdateFailed) => (
                Phase::timed("UPDATING", duration, "UPDATE_FAILED", now),
                true,
            ),
            Some(Script::Degraded) => (Phase::timed("UPDATING", duration, "DEGRADED", now), false),
            _ => (Phase::timed("UPDATING", duration, "ACTIVE", now), false),
        }
    }

    fn tick(&mut self, now: Instant) {
        self.clusters.retain(|_, cluster| {
            let gone = cluster.phase.tick(now);
            cluster.cluster.status = cluster.phase.status.clone();
            cluster.cluster.health = health(EksKind::Cluster, &cluster.cluster.status);
            !gone
        });
        self.node_groups.retain(|_, group| {
            let gone = group.phase.tick(now);
            group.group.status = group.phase.status.clone();
            group.group.health = health(EksKind::NodeGroup, &group.group.status);
            !gone
        });
        self.addons.retain(|_, addon| {
            let gone = addon.phase.tick(now);
            addon.addon.status = addon.phase.status.clone();
            addon.addon.health = health(EksKind::Addon, &addon.addon.status);
            !gone
        });
        for nat in self.nats.values_mut() {
            nat.phase.tick(now);
            nat.nat.state = nat.phase.status.clone();
        }
    }
}

fn tags_match(filters: &[Filter], tags: &Tags, attributes: &[(&str, &str)]) -> bool {
    filters.iter().all(|filter| {
        if let Some(key) = filter.name.strip_prefix("tag:") {
            tags.get(key)
                .is_some_and(|value| filter.values.contains(value))
        } else if filter.name == "tag-key" {
            filter.values.iter().any(|key| tags.contains_key(key))
        } else {
            attributes
                .iter()
                .filter(|(name, _)| *name == filter.name)
                .any(|(_, value)| filter.values.iter().any(|wanted| wanted == value))
        }
    })
}

/// The shared core of every fake service.
pub struct Fake {
    world: Mutex<World>,
    timing: Mutex<Timing>,
    faults: Mutex<Faults>,
    rng: Mutex<fastrand::Rng>,
    writes: AtomicU64,
    dead: std::sync::atomic::AtomicBool,
    counts: Mutex<Counts>,
    started: Instant,
}

impl Fake {
    /// An empty account.
    pub fn new(timing: Timing) -> Arc<Self> {
        Arc::new(Self {
            world: Mutex::new(World::default()),
            timing: Mutex::new(timing),
            faults: Mutex::new(Faults::default()),
            rng: Mutex::new(fastrand::Rng::with_seed(1)),
            writes: AtomicU64::new(0),
            dead: std::sync::atomic::AtomicBool::new(false),
            counts: Mutex::new(Counts::default()),
            started: Instant::now(),
        })
    }

    /// Every service, backed by this fake.
    pub fn cloud(self: &Arc<Self>, region: &str) -> Cloud {
        let service = Arc::new(FakeService(self.clone()));
        Cloud {
            region: region.to_owned(),
            sts: service.clone(),
            ec2: service.clone(),
            iam: service.clone(),
            kms: service.clone(),
            logs: service.clone(),
            eks: service.clone(),
            route53: service.clone(),
            s3: service.clone(),
            elb: service.clone(),
            tagging: service,
        }
    }

    /// Sets the faults and restarts the write count (a new process).
    pub fn set_faults(&self, faults: Faults) {
        if let Ok(mut rng) = self.rng.lock() {
            *rng = fastrand::Rng::with_seed(faults.seed);
        }
        if let Ok(mut current) = self.faults.lock() {
            *current = faults;
        }
        self.writes.store(0, Ordering::SeqCst);
        self.dead.store(false, Ordering::SeqCst);
    }

    /// Changes the timing.
    pub fn set_timing(&self, timing: Timing) {
        if let Ok(mut current) = self.timing.lock() {
            *current = timing;
        }
    }

    /// The calls counted since the last reset.
    pub fn counts(&self) -> Counts {
        self.counts
            .lock()
            .map(|counts| counts.clone())
            .unwrap_or_default()
    }

    /// Forgets the counts.
    pub fn reset_counts(&self) {
        if let Ok(mut counts) = self.counts.lock() {
            *counts = Counts::default();
        }
    }

    /// Writes made since the faults were last set.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    fn timing(&self) -> Timing {
        self.timing
            .lock()
            .map(|timing| timing.clone())
            .unwrap_or_default()
    }

    async fn before(
        &self,
        service: &'static str,
        operation: &'static str,
        write: bool,
    ) -> CloudResult<u64> {
        let latency = self.timing().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if self.dead.load(Ordering::SeqCst) {
            return Err(error(
                service,
                operation,
                "RequestTimeout",
                "the process is gone",
            ));
        }
        let faults = self
            .faults
            .lock()
            .map(|faults| faults.clone())
            .unwrap_or_default();
        if faults.throttle > 0.0 {
            let roll = self.rng.lock().map(|mut rng| rng.f64()).unwrap_or(1.0);
            if roll < faults.throttle {
                if let Ok(mut counts) = self.counts.lock() {
                    counts.throttled += 1;
                }
                let code = match service {
                    "ec2" => "RequestLimitExceeded",
                    "iam" | "route53" | "sts" => "Throttling",
                    "s3" => "SlowDown",
                    _ => "ThrottlingException",
                };
                return Err(error(service, operation, code, "Rate exceeded"));
            }
        }
        let key = format!("{service} {operation}");
        let mut number = 0;
        if write {
            number = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
            if faults.die_before_write == Some(number) {
                self.dead.store(true, Ordering::SeqCst);
                self.writes.fetch_sub(1, Ordering::SeqCst);
                return Err(error(
                    service,
                    operation,
                    "RequestTimeout",
                    "the process is gone",
                ));
            }
        }
        if let Ok(mut counts) = self.counts.lock() {
            let map = if write {
                &mut counts.writes
            } else {
                &mut counts.reads
            };
            *map.entry(key).or_default() += 1;
        }
        Ok(number)
    }

    fn after<T>(
        &self,
        service: &'static str,
        operation: &'static str,
        number: u64,
        result: CloudResult<T>,
    ) -> CloudResult<T> {
        let lose = self
            .faults
            .lock()
            .map(|faults| faults.lose_write)
            .unwrap_or(None);
        if number > 0 && lose == Some(number) {
            return Err(error(
                service,
                operation,
                "RequestTimeout",
                "the answer was lost",
            ));
        }
        result
    }

    async fn call<T>(
        &self,
        service: &'static str,
        operation: &'static str,
        write: bool,
        body: impl FnOnce(&mut World, Instant, &Timing) -> CloudResult<T>,
    ) -> CloudResult<T> {
        let number = self.before(service, operation, write).await?;
        let timing = self.timing();
        let result = {
            let mut world = self.world();
            let now = Instant::now();
            world.tick(now);
            body(&mut world, now, &timing)
        };
        self.after(service, operation, number, result)
    }

    /// Every resource the account holds: `(kind, id, tags)`, deleted ones excluded.
    pub fn inventory(&self) -> Vec<(String, String, Tags)> {
        let mut world = match self.world.lock() {
            Ok(world) => world,
            Err(poisoned) => poisoned.into_inner(),
        };
        world.tick(Instant::now());
        let mut items = Vec::new();
        for (vpc, _, _) in world.vpcs.values() {
            items.push(("vpc".into(), vpc.id.clone(), vpc.tags.clone()));
        }
        for subnet in world.subnets.values() {
            items.push(("subnet".into(), subnet.id.clone(), subnet.tags.clone()));
        }
        for gateway in world.gateways.values() {
            items.push((
                "internet_gateway".into(),
                gateway.id.clone(),
                gateway.tags.clone(),
            ));
        }
        for address in world.addresses.values() {
            items.push((
                "elastic_ip".into(),
                address.allocation_id.clone(),
                address.tags.clone(),
            ));
        }
        for nat in world.nats.values().filter(|nat| nat.nat.state != "deleted") {
            items.push((
                "nat_gateway".into(),
                nat.nat.id.clone(),
                nat.nat.tags.clone(),
            ));
        }
        for table in world.tables.values() {
            items.push(("route_table".into(), table.id.clone(), table.tags.clone()));
        }
        for group in world.groups.values() {
            items.push((
                "security_group".into(),
                group.id.clone(),
                group.tags.clone(),
            ));
        }
        for interface in world.interfaces.values() {
            items.push((
                "network_interface".into(),
                interface.id.clone(),
                interface.tags.clone(),
            ));
        }
        for role in world.roles.values() {
            items.push((
                "iam_role".into(),
                role.role.name.clone(),
                role.role.tags.clone(),
            ));
        }
        for provider in world.providers.values() {
            items.push((
                "iam_oidc_provider".into(),
                provider.arn.clone(),
                provider.tags.clone(),
            ));
        }
        for key in world.keys.values().filter(|key| key.key.is_live()) {
            items.push(("kms_key".into(), key.key.id.clone(), key.tags.clone()));
        }
        for alias in world.aliases.keys() {
            items.push(("kms_alias".into(), alias.clone(), Tags::new()));
        }
        for (group, tags) in world.logs.values() {
            items.push(("log_group".into(), group.name.clone(), tags.clone()));
        }
        for cluster in world.clusters.values() {
            items.push((
                "eks_cluster".into(),
                cluster.cluster.name.clone(),
                cluster.cluster.tags.clone(),
            ));
        }
        for group in world.node_groups.values() {
            items.push((
                "eks_node_group".into(),
                group.group.name.clone(),
                group.group.tags.clone(),
            ));
        }
        for addon in world.addons.values() {
            items.push((
                "eks_addon".into(),
                addon.addon.name.clone(),
                addon.addon.tags.clone(),
            ));
        }
        for entry in world.entries.values() {
            items.push((
                "eks_access_entry".into(),
                entry.principal_arn.clone(),
                entry.tags.clone(),
            ));
        }
        for zone in world.zones.values() {
            items.push((
                "route53_zone".into(),
                zone.zone.id.clone(),
                zone.tags.clone(),
            ));
            for record in &zone.records {
                if record.kind != "SOA" && !(record.kind == "NS" && record.name == zone.zone.name) {
                    items.push((
                        "route53_record".into(),
                        format!("{}/{}/{}", zone.zone.id, record.name, record.kind),
                        Tags::new(),
                    ));
                }
            }
        }
        for (name, bucket) in &world.buckets {
            items.push(("s3_bucket".into(), name.clone(), bucket.tags.clone()));
        }
        for (balancer, tags) in world.balancers.values() {
            items.push(("load_balancer".into(), balancer.arn.clone(), tags.clone()));
        }
        for (group, tags) in world.target_groups.values() {
            items.push(("target_group".into(), group.arn.clone(), tags.clone()));
        }
        items.sort();
        items
    }

    /// A hosted zone that exists outside sakk (the parent zone of the tests), with an
    /// untagged record of someone else's.
    pub fn seed_zone(&self, id: &str, name: &str) {
        let mut world = self
            .world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut zone = fake_zone(id, name, "seed", false, None);
        zone.records.push(RecordSet::simple(
            &format!("www.{}.", name.trim_end_matches('.')),
            "A",
            300,
            vec!["192.0.2.10".into()],
        ));
        world.zones.insert(id.to_owned(), zone);
    }

    /// Puts `records` into the zone named `domain` (what controllers made in it), as they are.
    pub fn seed_records(&self, domain: &str, records: &[RecordSet]) {
        let mut world = self
            .world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let name = format!("{}.", domain.trim_end_matches('.'));
        let zone = world
            .zones
            .values_mut()
            .find(|zone| zone.zone.name == name)
            .unwrap_or_else(|| panic!("no zone named {name}"));
        zone.records.extend(records.iter().cloned());
    }

    /// Look-alikes of another cluster: a VPC with the same `Name` tag and another cluster's
    /// ownership tags, and an untagged role.
    pub fn seed_foreign(&self, name_tag: &str, role: &str) {
        let mut world = self
            .world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let id = world.id("vpc");
        let tags: Tags = [
            ("Name".to_owned(), name_tag.to_owned()),
            ("sakk.dev/cluster".to_owned(), "someone-else".to_owned()),
            ("sakk.dev/managed-by".to_owned(), "sakk".to_owned()),
            ("sakk.dev/resource".to_owned(), "vpc.main".to_owned()),
        ]
        .into();
        let vpc = Vpc {
            id: id.clone(),
            cidr_block: "10.0.0.0/16".into(),
            state: "available".into(),
            tags,
        };
        world.vpcs.insert(id, (vpc, true, Instant::now()));
        let role = Role {
            name: role.to_owned(),
            arn: format!("arn:aws:iam::{ACCOUNT}:role/{role}"),
            trust_policy: "{}".into(),
            managed_policies: Vec::new(),
            inline_policies: BTreeMap::new(),
            tags: Tags::new(),
        };
        world.roles.insert(
            role.name.clone(),
            FakeRole {
                role,
                created: Instant::now(),
                instance_profiles: Vec::new(),
            },
        );
    }

    /// A controller-made load balancer, target group, security group and free network
    /// interface in `vpc_id`, tagged for `eks_cluster`.
    pub fn seed_controller_objects(&self, vpc_id: &str, eks_cluster: &str) {
        let mut world = self
            .world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tags: Tags = [("elbv2.k8s.aws/cluster".to_owned(), eks_cluster.to_owned())].into();
        let balancer = world.id("lb");
        let arn = format!(
            "arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:loadbalancer/net/k8s/{balancer}"
        );
        world.balancers.insert(
            arn.clone(),
            (
                LoadBalancer {
                    arn,
                    name: "k8s-istio".into(),
                    vpc_id: Some(vpc_id.to_owned()),
                    kind: "network".into(),
                },
                tags.clone(),
            ),
        );
        let group = world.id("tg");
        let arn =
            format!("arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:targetgroup/k8s/{group}");
        world.target_groups.insert(
            arn.clone(),
            (
                TargetGroup {
                    arn,
                    name: "k8s-istio".into(),
                    vpc_id: Some(vpc_id.to_owned()),
                },
                tags.clone(),
            ),
        );
        let id = world.id("sg");
        world.groups.insert(
            id.clone(),
            SecurityGroup {
                id,
                name: "k8s-elb".into(),
                vpc_id: Some(vpc_id.to_owned()),
                description: "made by the load balancer controller".into(),
                tags: tags.clone(),
            },
        );
        let subnet = world
            .subnets
            .values()
            .find(|subnet| subnet.vpc_id == vpc_id)
            .map(|subnet| subnet.id.clone())
            .unwrap_or_default();
        let id = world.id("eni");
        world.interfaces.insert(
            id.clone(),
            NetworkInterface {
                id,
                status: "available".into(),
                description: "aws-K8S-i-0123".into(),
                subnet_id: subnet,
                vpc_id: vpc_id.to_owned(),
                requester_id: None,
                tags: [(
                    "cluster.k8s.amazonaws.com/name".to_owned(),
                    eks_cluster.to_owned(),
                )]
                .into(),
            },
        );
    }

    /// A network interface someone else made in a subnet (not the VPC CNI's): it blocks the
    /// subnet's deletion and sakk must not delete it.
    pub fn seed_interface(&self, subnet_id: &str, description: &str) -> String {
        let mut world = self
            .world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let vpc = world
            .subnets
            .get(subnet_id)
            .map(|subnet| subnet.vpc_id.clone())
            .unwrap_or_default();
        let id = world.id("eni");
        world.interfaces.insert(
            id.clone(),
            NetworkInterface {
                id: id.clone(),
                status: "in-use".into(),
                description: description.to_owned(),
                subnet_id: subnet_id.to_owned(),
                vpc_id: vpc,
                requester_id: Some("123456789012".into()),
                tags: Tags::new(),
            },
        );
        id
    }

    /// Deletes a resource behind sakk's back (drift).
    pub fn delete_out_of_band(&self, kind: &str, id: &str) {
        let mut world = self
            .world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match kind {
            "subnet" => {
                world.subnets.remove(id);
            }
            "iam_role" => {
                world.roles.remove(id);
            }
            "eks_node_group" => {
                world.node_groups.retain(|(_, name), _| name != id);
            }
            _ => {}
        }
    }

    /// Seconds since the fake was made (for messages).
    pub fn age(&self) -> Duration {
        self.started.elapsed()
    }

    /// Scripts the life of the EKS resource of `kind` named `name` (a cluster by its name, a
    /// node group or an add-on by its own name, in whichever cluster): its next creation or
    /// update follows `script` instead of ending ACTIVE.
    pub fn script(&self, kind: EksKind, name: &str, script: Script) {
        let mut world = self.world();
        world.scripts.insert((kind, name.to_owned()), script);
    }

    /// Lifts the script of `kind` `name`: a resource kept CREATING or DEGRADED by it becomes
    /// ACTIVE; one that failed stays failed (as in AWS: it has to be replaced or updated).
    pub fn lift(&self, kind: EksKind, name: &str) {
        let mut world = self.world();
        world.scripts.remove(&(kind, name.to_owned()));
        let recover = |phase: &mut Phase| {
            if phase.until.is_none() && matches!(phase.status.as_str(), "CREATING" | "DEGRADED") {
                *phase = Phase::ready("ACTIVE");
            } else if phase.next == "DEGRADED" {
                phase.next = "ACTIVE";
            }
        };
        match kind {
            EksKind::Cluster => {
                if let Some(cluster) = world.clusters.get_mut(name) {
                    recover(&mut cluster.phase);
                }
            }
            EksKind::NodeGroup => world
                .node_groups
                .iter_mut()
                .filter(|((_, group), _)| group == name)
                .for_each(|(_, group)| recover(&mut group.phase)),
            EksKind::Addon => world
                .addons
                .iter_mut()
                .filter(|((_, addon), _)| addon == name)
                .for_each(|(_, addon)| recover(&mut addon.phase)),
        }
        world.tick(Instant::now());
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        match self.world.lock() {
            Ok(world) => world,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

fn fake_zone(id: &str, name: &str, reference: &str, private: bool, vpc: Option<&str>) -> FakeZone {
    let name = format!("{}.", name.trim_end_matches('.'));
    let servers: Vec<String> = (1..=4)
        .map(|n| format!("ns-{n}{}.awsdns-fake.com", id.len()))
        .collect();
    FakeZone {
        zone: HostedZone {
            id: id.to_owned(),
            name: name.clone(),
            caller_reference: reference.to_owned(),
            private,
            comment: String::new(),
            vpc_ids: vpc.map(|vpc| vec![vpc.to_owned()]).unwrap_or_default(),
        },
        servers: servers.clone(),
        tags: Tags::new(),
        records: vec![
            RecordSet::simple(&name, "NS", 172_800, servers),
            RecordSet::simple(
                &name,
                "SOA",
                900,
                vec!["ns-1.awsdns-fake.com. hostmaster. 1 7200 900 1209600 86400".into()],
            ),
        ],
    }
}

/// One object implementing every service trait on top of [`Fake`].
pub struct FakeService(Arc<Fake>);

#[async_trait]
impl Sts for FakeService {
    async fn caller_identity(&self) -> CloudResult<CallerIdentity> {
        self.0
            .call("sts", "GetCallerIdentity", false, |_, _, _| {
                Ok(CallerIdentity {
                    account: ACCOUNT.into(),
                    arn: format!("arn:aws:iam::{ACCOUNT}:user/tester"),
                })
            })
            .await
    }
}

const EC2: &str = "ec2";

#[async_trait]
impl Ec2 for FakeService {
    async fn vpcs(&self, filters: &[Filter]) -> CloudResult<Vec<Vpc>> {
        self.0
            .call(EC2, "DescribeVpcs", false, |world, _, _| {
                Ok(world
                    .vpcs
                    .values()
                    .filter(|(vpc, _, _)| {
                        tags_match(
                            filters,
                            &vpc.tags,
                            &[("vpc-id", &vpc.id), ("state", "available")],
                        )
                    })
                    .map(|(vpc, _, _)| vpc.clone())
                    .collect())
            })
            .await
    }

    async fn create_vpc(&self, cidr_block: &str, tags: &Tags) -> CloudResult<Vpc> {
        self.0
            .call(EC2, "CreateVpc", true, |world, now, _| {
                let id = world.id("vpc");
                let vpc = Vpc {
                    id: id.clone(),
                    cidr_block: cidr_block.to_owned(),
                    state: "available".into(),
                    tags: tags.clone(),
                };
                world.vpcs.insert(id, (vpc.clone(), false, now));
                Ok(vpc)
            })
            .await
    }

    async fn vpc_dns_hostnames(&self, vpc_id: &str) -> CloudResult<bool> {
        self.0
            .call(EC2, "DescribeVpcAttribute", false, |world, _, _| {
                world
                    .vpcs
                    .get(vpc_id)
                    .map(|(_, hostnames, _)| *hostnames)
                    .ok_or_else(|| {
                        error(EC2, "DescribeVpcAttribute", "InvalidVpcID.NotFound", vpc_id)
                    })
            })
            .await
    }

    async fn set_vpc_dns_hostnames(&self, vpc_id: &str, enabled: bool) -> CloudResult<()> {
        self.0
            .call(EC2, "ModifyVpcAttribute", true, |world, now, timing| {
                let Some((_, hostnames, created)) = world.vpcs.get_mut(vpc_id) else {
                    return Err(error(
                        EC2,
                        "ModifyVpcAttribute",
                        "InvalidVpcID.NotFound",
                        vpc_id,
                    ));
                };
                // Eventual consistency: a new VPC is not visible to every call at once.
                if now.duration_since(*created) < timing.visibility {
                    return Err(error(
                        EC2,
                        "ModifyVpcAttribute",
                        "InvalidVpcID.NotFound",
                        vpc_id,
                    ));
                }
                *hostnames = enabled;
                Ok(())
            })
            .await
    }

    async fn delete_vpc(&self, vpc_id: &str) -> CloudResult<()> {
        self.0
            .call(EC2, "DeleteVpc", true, |world, _, _| {
                if !world.vpcs.contains_key(vpc_id) {
                    return Err(error(EC2, "DeleteVpc", "InvalidVpcID.NotFound", vpc_id));
                }
                let used = world.subnets.values().any(|subnet| subnet.vpc_id == vpc_id)
                    || world
                        .gateways
                        .values()
                        .any(|gateway| gateway.attached_vpcs.iter().any(|vpc| vpc == vpc_id))
                    || world.tables.values().any(|table| table.vpc_id == vpc_id)
                    || world
                        .groups
                        .values()
                        .any(|group| group.vpc_id.as_deref() == Some(vpc_id));
                if used {
                    return Err(error(
                        EC2,
                        "DeleteVpc",
                        "DependencyViolation",
                        format!("The vpc '{vpc_id}' has dependencies and cannot be deleted."),
                    ));
                }
                world.vpcs.remove(vpc_id);
                Ok(())
            })
            .await
    }

    async fn subnets(&self, filters: &[Filter]) -> CloudResult<Vec<Subnet>> {
        self.0
            .call(EC2, "DescribeSubnets", false, |world, _, _| {
                Ok(world
                    .subnets
                    .values()
                    .filter(|subnet| {
                        tags_match(
                            filters,
                            &subnet.tags,
                            &[("vpc-id", &subnet.vpc_id), ("subnet-id", &subnet.id)],
                        )
                    })
                    .cloned()
                    .collect())
            })
            .await
    }

    async fn create_subnet(
        &self,
        vpc_id: &str,
        cidr_block: &str,
        availability_zone: &str,
        tags: &Tags,
    ) -> CloudResult<Subnet> {
        self.0
            .call(EC2, "CreateSubnet", true, |world, _, _| {
                if !world.vpcs.contains_key(vpc_id) {
                    return Err(error(EC2, "CreateSubnet", "InvalidVpcID.NotFound", vpc_id));
                }
                if world
                    .subnets
                    .values()
                    .any(|subnet| subnet.vpc_id == vpc_id && subnet.cidr_block == cidr_block)
                {
                    return Err(error(
                        EC2,
                        "CreateSubnet",
                        "InvalidSubnet.Conflict",
                        format!("The CIDR '{cidr_block}' conflicts with another subnet"),
                    ));
                }
                let id = world.id("subnet");
                let subnet = Subnet {
                    id: id.clone(),
                    vpc_id: vpc_id.to_owned(),
                    cidr_block: cidr_block.to_owned(),
                    availability_zone: availability_zone.to_owned(),
                    map_public_ip_on_launch: false,
                    tags: tags.clone(),
                };
                world.subnets.insert(id, subnet.clone());
                Ok(subnet)
            })
            .await
    }

    async fn set_subnet_public_ip(&self, subnet_id: &str, enabled: bool) -> CloudResult<()> {
        self.0
            .call(EC2, "ModifySubnetAttribute", true, |world, _, _| {
                let subnet = world.subnets.get_mut(subnet_id).ok_or_else(|| {
                    error(
                        EC2,
                        "ModifySubnetAttribute",
                        "InvalidSubnetID.NotFound",
                        subnet_id,
                    )
                })?;
                subnet.map_public_ip_on_launch = enabled;
                Ok(())
            })
            .await
    }

    async fn delete_subnet(&self, subnet_id: &str) -> CloudResult<()> {
        self.0
            .call(EC2, "DeleteSubnet", true, |world, _, _| {
                if !world.subnets.contains_key(subnet_id) {
                    return Err(error(
                        EC2,
                        "DeleteSubnet",
                        "InvalidSubnetID.NotFound",
                        subnet_id,
                    ));
                }
                let used = world
                    .nats
                    .values()
                    .any(|nat| nat.nat.subnet_id == subnet_id && nat.nat.state != "deleted")
                    || world
                        .interfaces
                        .values()
                        .any(|interface| interface.subnet_id == subnet_id)
                    || world
                        .node_groups
                        .values()
                        .any(|group| group.group.subnet_ids.iter().any(|id| id == subnet_id))
                    || world
                        .clusters
                        .values()
                        .any(|cluster| cluster.cluster.subnet_ids.iter().any(|id| id == subnet_id));
                if used {
                    return Err(error(
                        EC2,
                        "DeleteSubnet",
                        "DependencyViolation",
                        format!("The subnet '{subnet_id}' has dependencies and cannot be deleted."),
                    ));
                }
                world.subnets.remove(subnet_id);
                for table in world.tables.values_mut() {
                    table
                        .associations
                        .retain(|association| association.subnet_id.as_deref() != Some(subnet_id));
                }
                Ok(())
            })
            .await
    }

    async fn internet_gateways(&self, filters: &[Filter]) -> CloudResult<Vec<InternetGateway>> {
        self.0
            .call(EC2, "DescribeInternetGateways", false, |world, _, _| {
                Ok(world
                    .gateways
                    .values()
                    .filter(|gateway| {
                        let vpc = gateway.attached_vpcs.first().cloned().unwrap_or_default();
                        tags_match(
                            filters,
                            &gateway.tags,
                            &[
                                ("attachment.vpc-id", &vpc),
                                ("internet-gateway-id", &gateway.id),
                            ],
                        )
                    })
                    .cloned()
                    .collect())
            })
            .await
    }

    async fn create_internet_gateway(&self, tags: &Tags) -> CloudResult<InternetGateway> {
        self.0
            .call(EC2, "CreateInternetGateway", true, |world, _, _| {
                let id = world.id("igw");
                let gateway = InternetGateway {
                    id: id.clone(),
                    attached_vpcs: Vec::new(),
                    tags: tags.clone(),
                };
                world.gateways.insert(id, gateway.clone());
                Ok(gateway)
            })
            .await
    }

    async fn attach_internet_gateway(&self, gateway_id: &str, vpc_id: &str) -> CloudResult<()> {
        self.0
            .call(EC2, "AttachInternetGateway", true, |world, _, _| {
                if !world.vpcs.contains_key(vpc_id) {
                    return Err(error(
                        EC2,
                        "AttachInternetGateway",
                        "InvalidVpcID.NotFound",
                        vpc_id,
                    ));
                }
                let gateway = world.gateways.get_mut(gateway_id).ok_or_else(|| {
                    error(
                        EC2,
                        "AttachInternetGateway",
                        "InvalidInternetGatewayID.NotFound",
                        gateway_id,
                    )
                })?;
                if !gateway.attached_vpcs.is_empty() {
                    return Err(error(
                        EC2,
                        "AttachInternetGateway",
                        "Resource.AlreadyAssociated",
                        gateway_id,
                    ));
                }
                gateway.attached_vpcs.push(vpc_id.to_owned());
                Ok(())
            })
            .await
    }

    async fn detach_internet_gateway(&self, gateway_id: &str, vpc_id: &str) -> CloudResult<()> {
        self.0
            .call(EC2, "DetachInternetGateway", true, |world, _, _| {
                let mapped = world
                    .nats
                    .values()
                    .any(|nat| nat.nat.vpc_id == vpc_id && nat.nat.state != "deleted");
                let gateway = world.gateways.get_mut(gateway_id).ok_or_else(|| {
                    error(
                        EC2,
                        "DetachInternetGateway",
                        "InvalidInternetGatewayID.NotFound",
                        gateway_id,
                    )
                })?;
                if mapped {
                    return Err(error(
                        EC2,
                        "DetachInternetGateway",
                        "DependencyViolation",
                        "Network has some mapped public address(es).",
                    ));
                }
                if !gateway.attached_vpcs.iter().any(|vpc| vpc == vpc_id) {
                    return Err(error(
                        EC2,
                        "DetachInternetGateway",
                        "Gateway.NotAttached",
                        gateway_id,
                    ));
                }
                gateway.attached_vpcs.retain(|vpc| vpc != vpc_id);
                Ok(())
            })
            .await
    }

    async fn delete_internet_gateway(&self, gateway_id: &str) -> CloudResult<()> {
        self.0
            .call(EC2, "DeleteInternetGateway", true, |world, _, _| {
                let gateway = world.gateways.get(gateway_id).ok_or_else(|| {
                    error(
                        EC2,
                        "DeleteInternetGateway",
                        "InvalidInternetGatewayID.NotFound",
                        gateway_id,
                    )
                })?;
                if !gateway.attached_vpcs.is_empty() {
                    return Err(error(
                        EC2,
                        "DeleteInternetGateway",
                        "DependencyViolation",
                        "attached",
                    ));
                }
                world.gateways.remove(gateway_id);
                Ok(())
            })
            .await
    }

    async fn addresses(&self, filters: &[Filter]) -> CloudResult<Vec<ElasticIp>> {
        self.0
            .call(EC2, "DescribeAddresses", false, |world, _, _| {
                Ok(world
                    .addresses
                    .values()
                    .filter(|address| {
                        tags_match(
                            filters,
                            &address.tags,
                            &[("allocation-id", &address.allocation_id)],
                        )
                    })
                    .cloned()
                    .collect())
            })
            .await
    }

    async fn allocate_address(&self, tags: &Tags) -> CloudResult<ElasticIp> {
        self.0
            .call(EC2, "AllocateAddress", true, |world, _, _| {
                let id = world.id("eipalloc");
                let address = ElasticIp {
                    allocation_id: id.clone(),
                    public_ip: format!("198.51.100.{}", world.counter % 250),
                    association_id: None,
                    tags: tags.clone(),
                };
                world.addresses.insert(id, address.clone());
                Ok(address)
            })
            .await
    }

    async fn release_address(&self, allocation_id: &str) -> CloudResult<()> {
        self.0
            .call(EC2, "ReleaseAddress", true, |world, _, _| {
                if !world.addresses.contains_key(allocation_id) {
                    return Err(error(
                        EC2,
                        "ReleaseAddress",
                        "InvalidAllocationID.NotFound",
                        allocation_id,
                    ));
                }
                if world.nats.values().any(|nat| {
                    nat.nat.state != "deleted"
                        && nat.nat.allocation_ids.iter().any(|id| id == allocation_id)
                }) {
                    return Err(error(
                        EC2,
                        "ReleaseAddress",
                        "InvalidIPAddress.InUse",
                        "Address is in use",
                    ));
                }
                world.addresses.remove(allocation_id);
                Ok(())
            })
            .await
    }

    async fn nat_gateways(&self, filters: &[Filter]) -> CloudResult<Vec<NatGateway>> {
        self.0
            .call(EC2, "DescribeNatGateways", false, |world, _, _| {
                Ok(world
                    .nats
                    .values()
                    .filter(|nat| {
                        tags_match(
                            filters,
                            &nat.nat.tags,
                            &[
                                ("nat-gateway-id", &nat.nat.id),
                                ("state", &nat.nat.state),
                                ("vpc-id", &nat.nat.vpc_id),
                            ],
                        )
                    })
                    .map(|nat| nat.nat.clone())
                    .collect())
            })
            .await
    }

    async fn create_nat_gateway(
        &self,
        subnet_id: &str,
        allocation_id: &str,
        client_token: &str,
        tags: &Tags,
    ) -> CloudResult<NatGateway> {
        self.0
            .call(EC2, "CreateNatGateway", true, |world, now, timing| {
                if let Some(existing) = world
                    .nat_tokens
                    .get(client_token)
                    .and_then(|id| world.nats.get(id))
                {
                    return Ok(existing.nat.clone());
                }
                let subnet = world.subnets.get(subnet_id).cloned().ok_or_else(|| {
                    error(
                        EC2,
                        "CreateNatGateway",
                        "InvalidSubnetID.NotFound",
                        subnet_id,
                    )
                })?;
                if !world
                    .gateways
                    .values()
                    .any(|gateway| gateway.attached_vpcs.contains(&subnet.vpc_id))
                {
                    return Err(error(
                        EC2,
                        "CreateNatGateway",
                        "InvalidParameterValue",
                        "Network has no Internet gateway attached",
                    ));
                }
                if !world.addresses.contains_key(allocation_id) {
                    return Err(error(
                        EC2,
                        "CreateNatGateway",
                        "InvalidAllocationID.NotFound",
                        allocation_id,
                    ));
                }
                let id = world.id("nat");
                let phase = Phase::timed("pending", timing.nat, "available", now);
                let nat = NatGateway {
                    id: id.clone(),
                    subnet_id: subnet_id.to_owned(),
                    vpc_id: subnet.vpc_id.clone(),
                    allocation_ids: vec![allocation_id.to_owned()],
                    state: phase.status.clone(),
                    failure_message: None,
                    tags: tags.clone(),
                };
                world.nat_tokens.insert(client_token.to_owned(), id.clone());
                world.nats.insert(
                    id,
                    FakeNat {
                        nat: nat.clone(),
                        phase,
                    },
                );
                Ok(nat)
            })
            .await
    }

    async fn delete_nat_gateway(&self, nat_gateway_id: &str) -> CloudResult<()> {
        self.0
            .call(EC2, "DeleteNatGateway", true, |world, now, timing| {
                let nat = world
                    .nats
                    .get_mut(nat_gateway_id)
                    .filter(|nat| nat.nat.state != "deleted")
                    .ok_or_else(|| {
                        error(
                            EC2,
                            "DeleteNatGateway",
                            "NatGatewayNotFound",
                            nat_gateway_id,
                        )
                    })?;
                nat.phase = Phase::timed("deleting", timing.delete, "deleted", now);
                nat.nat.state = nat.phase.status.clone();
                Ok(())
            })
            .await
    }

    async fn route_tables(&self, filters: &[Filter]) -> CloudResult<Vec<RouteTable>> {
        self.0
            .call(EC2, "DescribeRouteTables", false, |world, _, _| {
                Ok(world
                    .tables
                    .values()
                    .filter(|table| {
                        tags_match(
                            filters,
                            &table.tags,
                            &[("route-table-id", &table.id), ("vpc-id", &table.vpc_id)],
                        )
                    })
                    .cloned()
                    .collect())
            })
            .await
    }

    async fn create_route_table(
        &self,
        vpc_id: &str,
        client_token: &str,
        tags: &Tags,
    ) -> CloudResult<RouteTable> {
        self.0
            .call(EC2, "CreateRouteTable", true, |world, _, _| {
                if let Some(existing) = world
                    .table_tokens
                    .get(client_token)
                    .and_then(|id| world.tables.get(id))
                {
                    return Ok(existing.clone());
                }
                let vpc = world.vpcs.get(vpc_id).ok_or_else(|| {
                    error(EC2, "CreateRouteTable", "InvalidVpcID.NotFound", vpc_id)
                })?;
                let cidr = vpc.0.cidr_block.clone();
                let id = world.id("rtb");
                let table = RouteTable {
                    id: id.clone(),
                    vpc_id: vpc_id.to_owned(),
                    routes: vec![Route {
                        destination: cidr,
                        target: RouteTarget::Local,
                    }],
                    associations: Vec::new(),
                    tags: tags.clone(),
                };
                world
                    .table_tokens
                    .insert(client_token.to_owned(), id.clone());
                world.tables.insert(id, table.clone());
                Ok(table)
            })
            .await
    }

    async fn create_route(
        &self,
        route_table_id: &str,
        destination: &str,
        target: &RouteTarget,
    ) -> CloudResult<()> {
        self.0
            .call(EC2, "CreateRoute", true, |world, _, _| {
                let table = world.tables.get_mut(route_table_id).ok_or_else(|| {
                    error(
                        EC2,
                        "CreateRoute",
                        "InvalidRouteTableID.NotFound",
                        route_table_id,
                    )
                })?;
                if table
                    .routes
                    .iter()
                    .any(|route| route.destination == destination)
                {
                    return Err(error(EC2, "CreateRoute", "RouteAlreadyExists", destination));
                }
                table.routes.push(Route {
                    destination: destination.to_owned(),
                    target: target.clone(),
                });
                Ok(())
            })
            .await
    }

    async fn replace_route(
        &self,
        route_table_id: &str,
        destination: &str,
        target: &RouteTarget,
    ) -> CloudResult<()> {
        self.0
            .call(EC2, "ReplaceRoute", true, |world, _, _| {
                let table = world.tables.get_mut(route_table_id).ok_or_else(|| {
                    error(
                        EC2,
                        "ReplaceRoute",
                        "InvalidRouteTableID.NotFound",
                        route_table_id,
                    )
                })?;
                let route = table
                    .routes
                    .iter_mut()
                    .find(|route| route.destination == destination)
                    .ok_or_else(|| {
                        error(EC2, "ReplaceRoute", "InvalidRoute.NotFound", destination)
                    })?;
                route.target = target.clone();
                Ok(())
            })
            .await
    }

    async fn delete_route(&self, route_table_id: &str, destination: &str) -> CloudResult<()> {
        self.0
            .call(EC2, "DeleteRoute", true, |world, _, _| {
                let table = world.tables.get_mut(route_table_id).ok_or_else(|| {
                    error(
                        EC2,
                        "DeleteRoute",
                        "InvalidRouteTableID.NotFound",
                        route_table_id,
                    )
                })?;
                let before = table.routes.len();
                table
                    .routes
                    .retain(|route| route.destination != destination);
                if before == table.routes.len() {
                    return Err(error(
                        EC2,
                        "DeleteRoute",
                        "InvalidRoute.NotFound",
                        destination,
                    ));
                }
                Ok(())
            })
            .await
    }

    async fn associate_route_table(
        &self,
        route_table_id: &str,
        subnet_id: &str,
    ) -> CloudResult<String> {
        self.0
            .call(EC2, "AssociateRouteTable", true, |world, _, _| {
                if !world.subnets.contains_key(subnet_id) {
                    return Err(error(
                        EC2,
                        "AssociateRouteTable",
                        "InvalidSubnetID.NotFound",
                        subnet_id,
                    ));
                }
                if world.tables.values().any(|table| {
                    table
                        .associations
                        .iter()
                        .any(|association| association.subnet_id.as_deref() == Some(subnet_id))
                }) {
                    return Err(error(
                        EC2,
                        "AssociateRouteTable",
                        "Resource.AlreadyAssociated",
                        subnet_id,
                    ));
                }
                let id = world.id("rtbassoc");
                let table = world.tables.get_mut(route_table_id).ok_or_else(|| {
                    error(
                        EC2,
                        "AssociateRouteTable",
                        "InvalidRouteTableID.NotFound",
                        route_table_id,
                    )
                })?;
                table.associations.push(RouteTableAssociation {
                    id: id.clone(),
                    subnet_id: Some(subnet_id.to_owned()),
                    main: false,
                });
                Ok(id)
            })
            .await
    }

    async fn disassociate_route_table(&self, association_id: &str) -> CloudResult<()> {
        self.0
            .call(EC2, "DisassociateRouteTable", true, |world, _, _| {
                for table in world.tables.values_mut() {
                    let before = table.associations.len();
                    table
                        .associations
                        .retain(|association| association.id != association_id);
                    if before != table.associations.len() {
                        return Ok(());
                    }
                }
                Err(error(
                    EC2,
                    "DisassociateRouteTable",
                    "InvalidAssociationID.NotFound",
                    association_id,
                ))
            })
            .await
    }

    async fn delete_route_table(&self, route_table_id: &str) -> CloudResult<()> {
        self.0
            .call(EC2, "DeleteRouteTable", true, |world, _, _| {
                let table = world.tables.get(route_table_id).ok_or_else(|| {
                    error(
                        EC2,
                        "DeleteRouteTable",
                        "InvalidRouteTableID.NotFound",
                        route_table_id,
                    )
                })?;
                if !table.associations.is_empty() {
                    return Err(error(
                        EC2,
                        "DeleteRouteTable",
                        "DependencyViolation",
                        "The routeTable has dependencies",
                    ));
                }
                world.tables.remove(route_table_id);
                Ok(())
            })
            .await
    }

    async fn create_tags(&self, resource_id: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .call(EC2, "CreateTags", true, |world, _, _| {
                let target = ec2_tags(world, resource_id)
                    .ok_or_else(|| error(EC2, "CreateTags", "InvalidID.NotFound", resource_id))?;
                target.extend(tags.clone());
                Ok(())
            })
            .await
    }

    async fn delete_tags(&self, resource_id: &str, keys: &[String]) -> CloudResult<()> {
        self.0
            .call(EC2, "DeleteTags", true, |world, _, _| {
                let target = ec2_tags(world, resource_id)
                    .ok_or_else(|| error(EC2, "DeleteTags", "InvalidID.NotFound", resource_id))?;
                for key in keys {
                    target.remove(key);
                }
                Ok(())
            })
            .await
    }

    async fn security_groups(&self, filters: &[Filter]) -> CloudResult<Vec<SecurityGroup>> {
        self.0
            .call(EC2, "DescribeSecurityGroups", false, |world, _, _| {
                Ok(world
                    .groups
                    .values()
                    .filter(|group| {
                        tags_match(
                            filters,
                            &group.tags,
                            &[("vpc-id", group.vpc_id.as_deref().unwrap_or(""))],
                        )
                    })
                    .cloned()
                    .collect())
            })
            .await
    }

    async fn delete_security_group(&self, group_id: &str) -> CloudResult<()> {
        self.0
            .call(EC2, "DeleteSecurityGroup", true, |world, _, _| {
                world.groups.remove(group_id).map(|_| ()).ok_or_else(|| {
                    error(
                        EC2,
                        "DeleteSecurityGroup",
                        "InvalidGroup.NotFound",
                        group_id,
                    )
                })
            })
            .await
    }

    async fn network_interfaces(&self, filters: &[Filter]) -> CloudResult<Vec<NetworkInterface>> {
        self.0
            .call(EC2, "DescribeNetworkInterfaces", false, |world, _, _| {
                Ok(world
                    .interfaces
                    .values()
                    .filter(|interface| {
                        tags_match(
                            filters,
                            &interface.tags,
                            &[
                                ("vpc-id", &interface.vpc_id),
                                ("subnet-id", &interface.subnet_id),
                                ("status", &interface.status),
                            ],
                        )
                    })
                    .cloned()
                    .collect())
            })
            .await
    }

    async fn delete_network_interface(&self, interface_id: &str) -> CloudResult<()> {
        self.0
            .call(EC2, "DeleteNetworkInterface", true, |world, _, _| {
                world
                    .interfaces
                    .remove(interface_id)
                    .map(|_| ())
                    .ok_or_else(|| {
                        error(
                            EC2,
                            "DeleteNetworkInterface",
                            "InvalidNetworkInterfaceID.NotFound",
                            interface_id,
                        )
                    })
            })
            .await
    }
}

fn ec2_tags<'a>(world: &'a mut World, id: &str) -> Option<&'a mut Tags> {
    if let Some((vpc, _, _)) = world.vpcs.get_mut(id) {
        return Some(&mut vpc.tags);
    }
    if let Some(subnet) = world.subnets.get_mut(id) {
        return Some(&mut subnet.tags);
    }
    if let Some(gateway) = world.gateways.get_mut(id) {
        return Some(&mut gateway.tags);
    }
    if let Some(address) = world.addresses.get_mut(id) {
        return Some(&mut address.tags);
    }
    if let Some(nat) = world.nats.get_mut(id) {
        return Some(&mut nat.nat.tags);
    }
    if let Some(table) = world.tables.get_mut(id) {
        return Some(&mut table.tags);
    }
    None
}

const IAM: &str = "iam";

#[async_trait]
impl Iam for FakeService {
    async fn roles(&self) -> CloudResult<Vec<Role>> {
        self.0
            .call(
                IAM,
                "GetAccountAuthorizationDetails",
                false,
                |world, _, _| Ok(world.roles.values().map(|role| role.role.clone()).collect()),
            )
            .await
    }

    async fn role(&self, name: &str) -> CloudResult<Role> {
        self.0
            .call(IAM, "GetRole", false, |world, _, _| {
                world
                    .roles
                    .get(name)
                    .map(|role| role.role.clone())
                    .ok_or_else(|| {
                        error(
                            IAM,
                            "GetRole",
                            "NoSuchEntity",
                            format!("The role with name {name} cannot be found."),
                        )
                    })
            })
            .await
    }

    async fn create_role(
        &self,
        name: &str,
        trust_policy: &str,
        _description: &str,
        tags: &Tags,
    ) -> CloudResult<Role> {
        self.0
            .call(IAM, "CreateRole", true, |world, now, _| {
                if world.roles.contains_key(name) {
                    return Err(error(
                        IAM,
                        "CreateRole",
                        "EntityAlreadyExists",
                        format!("Role with name {name} already exists."),
                    ));
                }
                let role = Role {
                    name: name.to_owned(),
                    arn: format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
                    trust_policy: trust_policy.to_owned(),
                    managed_policies: Vec::new(),
                    inline_policies: BTreeMap::new(),
                    tags: tags.clone(),
                };
                world.roles.insert(
                    name.to_owned(),
                    FakeRole {
                        role: role.clone(),
                        created: now,
                        instance_profiles: Vec::new(),
                    },
                );
                Ok(role)
            })
            .await
    }

    async fn update_trust_policy(&self, name: &str, trust_policy: &str) -> CloudResult<()> {
        self.0
            .call(IAM, "UpdateAssumeRolePolicy", true, |world, _, _| {
                let role = world
                    .roles
                    .get_mut(name)
                    .ok_or_else(|| error(IAM, "UpdateAssumeRolePolicy", "NoSuchEntity", name))?;
                role.role.trust_policy = trust_policy.to_owned();
                Ok(())
            })
            .await
    }

    async fn attach_policy(&self, role: &str, policy_arn: &str) -> CloudResult<()> {
        self.0
            .call(IAM, "AttachRolePolicy", true, |world, _, _| {
                let role = world
                    .roles
                    .get_mut(role)
                    .ok_or_else(|| error(IAM, "AttachRolePolicy", "NoSuchEntity", role))?;
                if !policy_arn.contains(":iam::aws:policy/") {
                    return Err(error(
                        IAM,
                        "AttachRolePolicy",
                        "NoSuchEntity",
                        format!("Policy {policy_arn} does not exist"),
                    ));
                }
                if !role
                    .role
                    .managed_policies
                    .iter()
                    .any(|arn| arn == policy_arn)
                {
                    role.role.managed_policies.push(policy_arn.to_owned());
                    role.role.managed_policies.sort();
                }
                Ok(())
            })
            .await
    }

    async fn detach_policy(&self, role: &str, policy_arn: &str) -> CloudResult<()> {
        self.0
            .call(IAM, "DetachRolePolicy", true, |world, _, _| {
                let role = world
                    .roles
                    .get_mut(role)
                    .ok_or_else(|| error(IAM, "DetachRolePolicy", "NoSuchEntity", role))?;
                let before = role.role.managed_policies.len();
                role.role.managed_policies.retain(|arn| arn != policy_arn);
                if before == role.role.managed_policies.len() {
                    return Err(error(IAM, "DetachRolePolicy", "NoSuchEntity", policy_arn));
                }
                Ok(())
            })
            .await
    }

    async fn put_inline_policy(&self, role: &str, name: &str, document: &str) -> CloudResult<()> {
        self.0
            .call(IAM, "PutRolePolicy", true, |world, _, _| {
                let role = world
                    .roles
                    .get_mut(role)
                    .ok_or_else(|| error(IAM, "PutRolePolicy", "NoSuchEntity", role))?;
                if document.len() > 10_240 {
                    return Err(error(
                        IAM,
                        "PutRolePolicy",
                        "LimitExceeded",
                        "Maximum policy size of 10240 bytes exceeded",
                    ));
                }
                role.role
                    .inline_policies
                    .insert(name.to_owned(), document.to_owned());
                Ok(())
            })
            .await
    }

    async fn delete_inline_policy(&self, role: &str, name: &str) -> CloudResult<()> {
        self.0
            .call(IAM, "DeleteRolePolicy", true, |world, _, _| {
                let role = world
                    .roles
                    .get_mut(role)
                    .ok_or_else(|| error(IAM, "DeleteRolePolicy", "NoSuchEntity", role))?;
                role.role
                    .inline_policies
                    .remove(name)
                    .map(|_| ())
                    .ok_or_else(|| error(IAM, "DeleteRolePolicy", "NoSuchEntity", name))
            })
            .await
    }

    async fn tag_role(&self, role: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .call(IAM, "TagRole", true, |world, _, _| {
                let role = world
                    .roles
                    .get_mut(role)
                    .ok_or_else(|| error(IAM, "TagRole", "NoSuchEntity", role))?;
                role.role.tags.extend(tags.clone());
                Ok(())
            })
            .await
    }

    async fn untag_role(&self, role: &str, keys: &[String]) -> CloudResult<()> {
        self.0
            .call(IAM, "UntagRole", true, |world, _, _| {
                let role = world
                    .roles
                    .get_mut(role)
                    .ok_or_else(|| error(IAM, "UntagRole", "NoSuchEntity", role))?;
                for key in keys {
                    role.role.tags.remove(key);
                }
                Ok(())
            })
            .await
    }

    async fn instance_profiles_of(&self, role: &str) -> CloudResult<Vec<String>> {
        self.0
            .call(IAM, "ListInstanceProfilesForRole", false, |world, _, _| {
                world
                    .roles
                    .get(role)
                    .map(|role| role.instance_profiles.clone())
                    .ok_or_else(|| error(IAM, "ListInstanceProfilesForRole", "NoSuchEntity", role))
            })
            .await
    }

    async fn remove_from_instance_profile(&self, profile: &str, role: &str) -> CloudResult<()> {
        self.0
            .call(IAM, "RemoveRoleFromInstanceProfile", true, |world, _, _| {
                let role = world.roles.get_mut(role).ok_or_else(|| {
                    error(IAM, "RemoveRoleFromInstanceProfile", "NoSuchEntity", role)
                })?;
                role.instance_profiles.retain(|name| name != profile);
                Ok(())
            })
            .await
    }

    async fn delete_role(&self, name: &str) -> CloudResult<()> {
        self.0
            .call(IAM, "DeleteRole", true, |world, _, _| {
                let role = world
                    .roles
                    .get(name)
                    .ok_or_else(|| error(IAM, "DeleteRole", "NoSuchEntity", name))?;
                if !role.role.managed_policies.is_empty()
                    || !role.role.inline_policies.is_empty()
                    || !role.instance_profiles.is_empty()
                {
                    return Err(error(
                        IAM,
                        "DeleteRole",
                        "DeleteConflict",
                        "Cannot delete entity, must detach all policies first.",
                    ));
                }
                world.roles.remove(name);
                Ok(())
            })
            .await
    }

    async fn oidc_providers(&self) -> CloudResult<Vec<String>> {
        self.0
            .call(IAM, "ListOpenIDConnectProviders", false, |world, _, _| {
                Ok(world.providers.keys().cloned().collect())
            })
            .await
    }

    async fn oidc_provider(&self, arn: &str) -> CloudResult<OidcProvider> {
        self.0
            .call(IAM, "GetOpenIDConnectProvider", false, |world, _, _| {
                world
                    .providers
                    .get(arn)
                    .cloned()
                    .ok_or_else(|| error(IAM, "GetOpenIDConnectProvider", "NoSuchEntity", arn))
            })
            .await
    }

    async fn create_oidc_provider(
        &self,
        url: &str,
        client_ids: &[String],
        tags: &Tags,
    ) -> CloudResult<String> {
        self.0
            .call(IAM, "CreateOpenIDConnectProvider", true, |world, _, _| {
                let url = url.trim_start_matches("https://").to_owned();
                let arn = format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{url}");
                if world.providers.contains_key(&arn) {
                    return Err(error(
                        IAM,
                        "CreateOpenIDConnectProvider",
                        "EntityAlreadyExists",
                        "Provider with url already exists.",
                    ));
                }
                let mut client_ids = client_ids.to_vec();
                client_ids.sort();
                world.providers.insert(
                    arn.clone(),
                    OidcProvider {
                        arn: arn.clone(),
                        url,
                        client_ids,
                        tags: tags.clone(),
                    },
                );
                Ok(arn)
            })
            .await
    }

    async fn tag_oidc_provider(&self, arn: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .call(IAM, "TagOpenIDConnectProvider", true, |world, _, _| {
                let provider = world
                    .providers
                    .get_mut(arn)
                    .ok_or_else(|| error(IAM, "TagOpenIDConnectProvider", "NoSuchEntity", arn))?;
                provider.tags.extend(tags.clone());
                Ok(())
            })
            .await
    }

    async fn untag_oidc_provider(&self, arn: &str, keys: &[String]) -> CloudResult<()> {
        self.0
            .call(IAM, "UntagOpenIDConnectProvider", true, |world, _, _| {
                let provider = world
                    .providers
                    .get_mut(arn)
                    .ok_or_else(|| error(IAM, "UntagOpenIDConnectProvider", "NoSuchEntity", arn))?;
                for key in keys {
                    provider.tags.remove(key);
                }
                Ok(())
            })
            .await
    }

    async fn add_oidc_client_id(&self, arn: &str, client_id: &str) -> CloudResult<()> {
        self.0
            .call(
                IAM,
                "AddClientIDToOpenIDConnectProvider",
                true,
                |world, _, _| {
                    let provider = world.providers.get_mut(arn).ok_or_else(|| {
                        error(
                            IAM,
                            "AddClientIDToOpenIDConnectProvider",
                            "NoSuchEntity",
                            arn,
                        )
                    })?;
                    if !provider.client_ids.iter().any(|id| id == client_id) {
                        provider.client_ids.push(client_id.to_owned());
                        provider.client_ids.sort();
                    }
                    Ok(())
                },
            )
            .await
    }

    async fn delete_oidc_provider(&self, arn: &str) -> CloudResult<()> {
        self.0
            .call(IAM, "DeleteOpenIDConnectProvider", true, |world, _, _| {
                world
                    .providers
                    .remove(arn)
                    .map(|_| ())
                    .ok_or_else(|| error(IAM, "DeleteOpenIDConnectProvider", "NoSuchEntity", arn))
            })
            .await
    }
}

const KMS: &str = "kms";

fn key_id_of(text: &str) -> String {
    text.rsplit('/').next().unwrap_or(text).to_owned()
}

#[async_trait]
impl Kms for FakeService {
    async fn create_key(&self, description: &str, tags: &Tags) -> CloudResult<Key> {
        self.0
            .call(KMS, "CreateKey", true, |world, _, _| {
                let id = world.id("key");
                let key = Key {
                    id: id.clone(),
                    arn: format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/{id}"),
                    state: "Enabled".into(),
                    description: description.to_owned(),
                };
                world.keys.insert(
                    id,
                    FakeKey {
                        key: key.clone(),
                        tags: tags.clone(),
                    },
                );
                Ok(key)
            })
            .await
    }

    async fn describe_key(&self, key_id: &str) -> CloudResult<Key> {
        self.0
            .call(KMS, "DescribeKey", false, |world, _, _| {
                world
                    .keys
                    .get(&key_id_of(key_id))
                    .map(|key| key.key.clone())
                    .ok_or_else(|| error(KMS, "DescribeKey", "NotFoundException", key_id))
            })
            .await
    }

    async fn key_tags(&self, key_id: &str) -> CloudResult<Tags> {
        self.0
            .call(KMS, "ListResourceTags", false, |world, _, _| {
                world
                    .keys
                    .get(&key_id_of(key_id))
                    .map(|key| key.tags.clone())
                    .ok_or_else(|| error(KMS, "ListResourceTags", "NotFoundException", key_id))
            })
            .await
    }

    async fn tag_key(&self, key_id: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .call(KMS, "TagResource", true, |world, _, _| {
                let key = world
                    .keys
                    .get_mut(&key_id_of(key_id))
                    .ok_or_else(|| error(KMS, "TagResource", "NotFoundException", key_id))?;
                key.tags.extend(tags.clone());
                Ok(())
            })
            .await
    }

    async fn untag_key(&self, key_id: &str, keys: &[String]) -> CloudResult<()> {
        self.0
            .call(KMS, "UntagResource", true, |world, _, _| {
                let key = world
                    .keys
                    .get_mut(&key_id_of(key_id))
                    .ok_or_else(|| error(KMS, "UntagResource", "NotFoundException", key_id))?;
                for name in keys {
                    key.tags.remove(name);
                }
                Ok(())
            })
            .await
    }

    async fn schedule_key_deletion(&self, key_id: &str, _days: u32) -> CloudResult<()> {
        self.0
            .call(KMS, "ScheduleKeyDeletion", true, |world, _, _| {
                let key = world.keys.get_mut(&key_id_of(key_id)).ok_or_else(|| {
                    error(KMS, "ScheduleKeyDeletion", "NotFoundException", key_id)
                })?;
                if key.key.state == "PendingDeletion" {
                    return Err(error(
                        KMS,
                        "ScheduleKeyDeletion",
                        "KMSInvalidStateException",
                        "already pending deletion",
                    ));
                }
                key.key.state = "PendingDeletion".into();
                Ok(())
            })
            .await
    }

    async fn aliases(&self) -> CloudResult<Vec<Alias>> {
        self.0
            .call(KMS, "ListAliases", false, |world, _, _| {
                Ok(world
                    .aliases
                    .iter()
                    .map(|(name, key)| Alias {
                        name: name.clone(),
                        target_key_id: Some(key.clone()),
                    })
                    .collect())
            })
            .await
    }

    async fn create_alias(&self, name: &str, key_id: &str) -> CloudResult<()> {
        self.0
            .call(KMS, "CreateAlias", true, |world, _, _| {
                if world.aliases.contains_key(name) {
                    return Err(error(KMS, "CreateAlias", "AlreadyExistsException", name));
                }
                if !world.keys.contains_key(&key_id_of(key_id)) {
                    return Err(error(KMS, "CreateAlias", "NotFoundException", key_id));
                }
                world.aliases.insert(name.to_owned(), key_id_of(key_id));
                Ok(())
            })
            .await
    }

    async fn update_alias(&self, name: &str, key_id: &str) -> CloudResult<()> {
        self.0
            .call(KMS, "UpdateAlias", true, |world, _, _| {
                let alias = world
                    .aliases
                    .get_mut(name)
                    .ok_or_else(|| error(KMS, "UpdateAlias", "NotFoundException", name))?;
                *alias = key_id_of(key_id);
                Ok(())
            })
            .await
    }

    async fn delete_alias(&self, name: &str) -> CloudResult<()> {
        self.0
            .call(KMS, "DeleteAlias", true, |world, _, _| {
                world
                    .aliases
                    .remove(name)
                    .map(|_| ())
                    .ok_or_else(|| error(KMS, "DeleteAlias", "NotFoundException", name))
            })
            .await
    }
}

const LOGS: &str = "logs";

#[async_trait]
impl Logs for FakeService {
    async fn log_groups(&self, prefix: &str) -> CloudResult<Vec<LogGroup>> {
        self.0
            .call(LOGS, "DescribeLogGroups", false, |world, _, _| {
                Ok(world
                    .logs
                    .values()
                    .filter(|(group, _)| group.name.starts_with(prefix))
                    .map(|(group, _)| group.clone())
                    .collect())
            })
            .await
    }

    async fn log_group_tags(&self, arn: &str) -> CloudResult<Tags> {
        self.0
            .call(LOGS, "ListTagsForResource", false, |world, _, _| {
                world
                    .logs
                    .values()
                    .find(|(group, _)| group.arn == arn)
                    .map(|(_, tags)| tags.clone())
                    .ok_or_else(|| {
                        error(
                            LOGS,
                            "ListTagsForResource",
                            "ResourceNotFoundException",
                            arn,
                        )
                    })
            })
            .await
    }

    async fn create_log_group(&self, name: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .call(LOGS, "CreateLogGroup", true, |world, _, _| {
                if world.logs.contains_key(name) {
                    return Err(error(
                        LOGS,
                        "CreateLogGroup",
                        "ResourceAlreadyExistsException",
                        name,
                    ));
                }
                let group = LogGroup {
                    name: name.to_owned(),
                    arn: format!("arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:{name}"),
                    retention_days: None,
                };
                world.logs.insert(name.to_owned(), (group, tags.clone()));
                Ok(())
            })
            .await
    }

    async fn put_retention(&self, name: &str, days: i32) -> CloudResult<()> {
        self.0
            .call(LOGS, "PutRetentionPolicy", true, |world, _, _| {
                let (group, _) = world.logs.get_mut(name).ok_or_else(|| {
                    error(
                        LOGS,
                        "PutRetentionPolicy",
                        "ResourceNotFoundException",
                        name,
                    )
                })?;
                group.retention_days = Some(days);
                Ok(())
            })
            .await
    }

    async fn tag_log_group(&self, arn: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .call(LOGS, "TagResource", true, |world, _, _| {
                let (_, current) = world
                    .logs
                    .values_mut()
                    .find(|(group, _)| group.arn == arn)
                    .ok_or_else(|| error(LOGS, "TagResource", "ResourceNotFoundException", arn))?;
                current.extend(tags.clone());
                Ok(())
            })
            .await
    }

    async fn untag_log_group(&self, arn: &str, keys: &[String]) -> CloudResult<()> {
        self.0
            .call(LOGS, "UntagResource", true, |world, _, _| {
                let (_, current) = world
                    .logs
                    .values_mut()
                    .find(|(group, _)| group.arn == arn)
                    .ok_or_else(|| {
                        error(LOGS, "UntagResource", "ResourceNotFoundException", arn)
                    })?;
                for key in keys {
                    current.remove(key);
                }
                Ok(())
            })
            .await
    }

    async fn delete_log_group(&self, name: &str) -> CloudResult<()> {
        self.0
            .call(LOGS, "DeleteLogGroup", true, |world, _, _| {
                world
                    .logs
                    .remove(name)
                    .map(|_| ())
                    .ok_or_else(|| error(LOGS, "DeleteLogGroup", "ResourceNotFoundException", name))
            })
            .await
    }
}

const EKS: &str = "eks";

fn cluster_not_found(operation: &'static str, name: &str) -> CloudError {
    error(
        EKS,
        operation,
        "ResourceNotFoundException",
        format!("No cluster found for name: {name}."),
    )
}

fn active_cluster<'a>(
    world: &'a mut World,
    operation: &'static str,
    name: &str,
) -> CloudResult<&'a mut FakeCluster> {
    let cluster = world
        .clusters
        .get_mut(name)
        .ok_or_else(|| cluster_not_found(operation, name))?;
    if cluster.cluster.status != "ACTIVE" {
        return Err(error(
            EKS,
            operation,
            "ResourceInUseException",
            format!("Cluster is in {} state", cluster.cluster.status),
        ));
    }
    Ok(cluster)
}

#[async_trait]
impl Eks for FakeService {
    async fn cluster(&self, name: &str) -> CloudResult<Cluster> {
        self.0
            .call(EKS, "DescribeCluster", false, |world, _, _| {
                world
                    .clusters
                    .get(name)
                    .map(|cluster| cluster.cluster.clone())
                    .ok_or_else(|| cluster_not_found("DescribeCluster", name))
            })
            .await
    }

    async fn create_cluster(&self, request: &CreateCluster) -> CloudResult<Cluster> {
        self.0
            .call(EKS, "CreateCluster", true, |world, now, timing| {
                if let Some(existing) = world
                    .cluster_tokens
                    .get(&request.client_request_token)
                    .and_then(|name| world.clusters.get(name))
                {
                    return Ok(existing.cluster.clone());
                }
                if world.clusters.contains_key(&request.name) {
                    return Err(error(
                        EKS,
                        "CreateCluster",
                        "ResourceInUseException",
                        format!("Cluster already exists with name: {}", request.name),
                    ));
                }
                let role_name = request.role_arn.rsplit('/').next().unwrap_or_default();
                let role = world.roles.get(role_name).ok_or_else(|| {
                    error(
                        EKS,
                        "CreateCluster",
                        "InvalidParameterException",
                        "Role does not exist",
                    )
                })?;
                if now.duration_since(role.created) < timing.iam_propagation {
                    return Err(error(
                        EKS,
                        "CreateCluster",
                        "InvalidParameterException",
                        "Role could not be assumed because the trusted entity is not correct",
                    ));
                }
                for subnet in &request.subnet_ids {
                    if !world.subnets.contains_key(subnet) {
                        return Err(error(
                            EKS,
                            "CreateCluster",
                            "InvalidParameterException",
                            format!("Subnet {subnet} does not exist"),
                        ));
                    }
                }
                world.counter += 1;
                let phase = world.creating(EksKind::Cluster, &request.name, timing.cluster, now);
                let issuer = format!(
                    "https://oidc.eks.eu-west-1.amazonaws.com/id/{:032X}",
                    world.counter
                );
                let mut logs = request.enabled_log_types.clone();
                logs.sort();
                let cluster = Cluster {
                    name: request.name.clone(),
                    arn: format!("arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/{}", request.name),
                    status: phase.status.clone(),
                    health: Vec::new(),
                    version: request.version.clone(),
                    role_arn: request.role_arn.clone(),
                    subnet_ids: request.subnet_ids.clone(),
                    endpoint_public_access: request.endpoint_public_access,
                    endpoint_private_access: request.endpoint_private_access,
                    public_access_cidrs: if request.endpoint_public_access {
                        request.public_access_cidrs.clone()
                    } else {
                        Vec::new()
                    },
                    enabled_log_types: logs,
                    secrets_key_arn: request.secrets_key_arn.clone(),
                    oidc_issuer: Some(issuer),
                    endpoint: Some(format!(
                        "https://{:032X}.gr7.eu-west-1.eks.amazonaws.com",
                        world.counter
                    )),
                    certificate_authority: Some("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t".into()),
                    cluster_security_group_id: Some(format!("sg-cluster{:08x}", world.counter)),
                    tags: request.tags.clone(),
                };
                world
                    .cluster_tokens
                    .insert(request.client_request_token.clone(), request.name.clone());
                world.clusters.insert(
                    request.name.clone(),
                    FakeCluster {
                        cluster: cluster.clone(),
                        phase,
                    },
                );
                Ok(cluster)
            })
            .await
    }

    async fn update_cluster(&self, name: &str, update: &ClusterUpdate) -> CloudResult<()> {
        self.0
            .call(EKS, "UpdateClusterConfig", true, |world, now, timing| {
                let cluster = active_cluster(world, "UpdateClusterConfig", name)?;
                match update {
                    ClusterUpdate::Endpoint {
                        public,
                        private,
                        public_access_cidrs,
                    } => {
                        cluster.cluster.endpoint_public_access = *public;
                        cluster.cluster.endpoint_private_access = *private;
                        cluster.cluster.public_access_cidrs = public_access_cidrs.clone();
                    }
                    ClusterUpdate::Logging { enabled, .. } => {
                        let mut logs = enabled.clone();
                        logs.sort();
                        cluster.cluster.enabled_log_types = logs;
                    }
                }
                cluster.phase = Phase::timed("UPDATING", timing.cluster / 4, "ACTIVE", now);
                cluster.cluster.status = cluster.phase.status.clone();
                Ok(())
            })
            .await
    }

    async fn update_cluster_version(&self, name: &str, version: &str) -> CloudResult<()> {
        self.0
            .call(EKS, "UpdateClusterVersion", true, |world, now, timing| {
                let cluster = active_cluster(world, "UpdateClusterVersion", name)?;
                cluster.cluster.version = version.to_owned();
                cluster.phase = Phase::timed("UPDATING", timing.cluster, "ACTIVE", now);
                cluster.cluster.status = cluster.phase.status.clone();
                Ok(())
            })
            .await
    }

    async fn delete_cluster(&self, name: &str) -> CloudResult<()> {
        self.0
            .call(EKS, "DeleteCluster", true, |world, now, timing| {
                if world.node_groups.keys().any(|(cluster, _)| cluster == name) {
                    return Err(error(
                        EKS,
                        "DeleteCluster",
                        "ResourceInUseException",
                        "Cluster has nodegroups attached",
                    ));
                }
                let cluster = world
                    .clusters
                    .get_mut(name)
                    .ok_or_else(|| cluster_not_found("DeleteCluster", name))?;
                cluster.phase = Phase::timed("DELETING", timing.delete, "GONE", now);
                cluster.cluster.status = cluster.phase.status.clone();
                let gone = cluster.phase.status == "GONE";
                if gone {
                    world.clusters.remove(name);
                }
                // Add-ons and access entries go with their cluster.
                world.addons.retain(|(cluster, _), _| cluster != name);
                world.entries.retain(|(cluster, _), _| cluster != name);
                Ok(())
            })
            .await
    }

    async fn tag(&self, arn: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .call(EKS, "TagResource", true, |world, _, _| {
                let target = eks_tags(world, arn)
                    .ok_or_else(|| error(EKS, "TagResource", "NotFoundException", arn))?;
                target.extend(tags.clone());
                Ok(())
            })
            .await
    }

    async fn untag(&self, arn: &str, keys: &[String]) -> CloudResult<()> {
        self.0
            .call(EKS, "UntagResource", true, |world, _, _| {
                let target = eks_tags(world, arn)
                    .ok_or_else(|| error(EKS, "UntagResource", "NotFoundException", arn))?;
                for key in keys {
                    target.remove(key);
                }
                Ok(())
            })
            .await
    }

    async fn node_groups(&self, cluster: &str) -> CloudResult<Vec<String>> {
        self.0
            .call(EKS, "ListNodegroups", false, |world, _, _| {
                if !world.clusters.contains_key(cluster) {
                    return Err(cluster_not_found("ListNodegroups", cluster));
                }
                Ok(world
                    .node_groups
                    .keys()
                    .filter(|(owner, _)| owner == cluster)
                    .map(|(_, name)| name.clone())
                    .collect())
            })
            .await
    }

    async fn node_group(&self, cluster: &str, name: &str) -> CloudResult<NodeGroup> {
        self.0
            .call(EKS, "DescribeNodegroup", false, |world, _, _| {
                world
                    .node_groups
                    .get(&(cluster.to_owned(), name.to_owned()))
                    .map(|group| group.group.clone())
                    .ok_or_else(|| {
                        error(
                            EKS,
                            "DescribeNodegroup",
                            "ResourceNotFoundException",
                            format!("No node group found for name: {name}."),
                        )
                    })
            })
            .await
    }

    async fn create_node_group(&self, request: &CreateNodeGroup) -> CloudResult<NodeGroup> {
        self.0
            .call(EKS, "CreateNodegroup", true, |world, now, timing| {
                active_cluster(world, "CreateNodegroup", &request.cluster)?;
                let key = (request.cluster.clone(), request.name.clone());
                if world.node_groups.contains_key(&key) {
                    return Err(error(
                        EKS,
                        "CreateNodegroup",
                        "ResourceInUseException",
                        "NodeGroup already exists",
                    ));
                }
                let phase =
                    world.creating(EksKind::NodeGroup, &request.name, timing.node_group, now);
                let mut taints = request.taints.clone();
                taints.sort();
                let mut subnet_ids = request.subnet_ids.clone();
                subnet_ids.sort();
                world.counter += 1;
                let group = NodeGroup {
                    cluster: request.cluster.clone(),
                    name: request.name.clone(),
                    arn: format!(
                        "arn:aws:eks:eu-west-1:{ACCOUNT}:nodegroup/{}/{}/{:08x}",
                        request.cluster, request.name, world.counter
                    ),
                    status: phase.status.clone(),
                    health: Vec::new(),
                    node_role: request.node_role.clone(),
                    subnet_ids,
                    instance_types: request.instance_types.clone(),
                    ami_type: request.ami_type.clone(),
                    capacity_type: request.capacity_type.clone(),
                    disk_size: Some(request.disk_size),
                    min_size: request.min_size,
                    max_size: request.max_size,
                    desired_size: request.desired_size,
                    labels: request.labels.clone(),
                    taints,
                    version: request.version.clone(),
                    tags: request.tags.clone(),
                };
                world.node_groups.insert(
                    key,
                    FakeNodeGroup {
                        group: group.clone(),
                        phase,
                    },
                );
                Ok(group)
            })
            .await
    }

    async fn update_node_group(
        &self,
        cluster: &str,
        name: &str,
        update: &NodeGroupUpdate,
    ) -> CloudResult<()> {
        self.0
            .call(EKS, "UpdateNodegroupConfig", true, |world, now, timing| {
                let (phase, _) =
                    world.updating(EksKind::NodeGroup, name, timing.node_group / 4, now);
                let group = world
                    .node_groups
                    .get_mut(&(cluster.to_owned(), name.to_owned()))
                    .ok_or_else(|| {
                        error(
                            EKS,
                            "UpdateNodegroupConfig",
                            "ResourceNotFoundException",
                            name,
                        )
                    })?;
                if !matches!(group.group.status.as_str(), "ACTIVE" | "DEGRADED") {
                    return Err(error(
                        EKS,
                        "UpdateNodegroupConfig",
                        "ResourceInUseException",
                        "update in progress",
                    ));
                }
                if let Some((min, max, desired)) = update.scaling {
                    group.group.min_size = min;
                    group.group.max_size = max;
                    group.group.desired_size = desired;
                }
                group.group.labels.extend(update.add_labels.clone());
                for key in &update.remove_labels {
                    group.group.labels.remove(key);
                }
                for taint in &update.remove_taints {
                    group.group.taints.retain(|existing| {
                        !(existing.key == taint.key && existing.effect == taint.effect)
                    });
                }
                for taint in &update.add_taints {
                    group.group.taints.retain(|existing| {
                        !(existing.key == taint.key && existing.effect == taint.effect)
                    });
                    group.group.taints.push(taint.clone());
                }
                group.group.taints.sort();
                group.phase = phase;
                group.group.status = group.phase.status.clone();
                Ok(())
            })
            .await
    }

    async fn update_node_group_version(
        &self,
        cluster: &str,
        name: &str,
        version: &str,
    ) -> CloudResult<()> {
        self.0
            .call(EKS, "UpdateNodegroupVersion", true, |world, now, timing| {
                let (phase, _) = world.updating(EksKind::NodeGroup, name, timing.node_group, now);
                let cluster_version = world
                    .clusters
                    .get(cluster)
                    .map(|cluster| cluster.cluster.version.clone())
                    .unwrap_or_default();
                if cluster_version != version {
                    return Err(error(
                        EKS,
                        "UpdateNodegroupVersion",
                        "InvalidParameterException",
                        "Nodegroup version must match the cluster's",
                    ));
                }
                let group = world
                    .node_groups
                    .get_mut(&(cluster.to_owned(), name.to_owned()))
                    .ok_or_else(|| {
                        error(
                            EKS,
                            "UpdateNodegroupVersion",
                            "ResourceNotFoundException",
                            name,
                        )
                    })?;
                group.group.version = Some(version.to_owned());
                group.phase = phase;
                group.group.status = group.phase.status.clone();
                Ok(())
            })
            .await
    }

    async fn delete_node_group(&self, cluster: &str, name: &str) -> CloudResult<()> {
        self.0
            .call(EKS, "DeleteNodegroup", true, |world, now, timing| {
                let key = (cluster.to_owned(), name.to_owned());
                let group = world.node_groups.get_mut(&key).ok_or_else(|| {
                    error(EKS, "DeleteNodegroup", "ResourceNotFoundException", name)
                })?;
                if group.group.status == "DELETING" {
                    return Ok(());
                }
                group.phase = Phase::timed("DELETING", timing.delete, "GONE", now);
                group.group.status = group.phase.status.clone();
                if group.phase.status == "GONE" {
                    world.node_groups.remove(&key);
                }
                Ok(())
            })
            .await
    }

    async fn addons(&self, cluster: &str) -> CloudResult<Vec<String>> {
        self.0
            .call(EKS, "ListAddons", false, |world, _, _| {
                Ok(world
                    .addons
                    .keys()
                    .filter(|(owner, _)| owner == cluster)
                    .map(|(_, name)| name.clone())
                    .collect())
            })
            .await
    }

    async fn addon(&self, cluster: &str, name: &str) -> CloudResult<Addon> {
        self.0
            .call(EKS, "DescribeAddon", false, |world, _, _| {
                if !world.clusters.contains_key(cluster) {
                    return Err(cluster_not_found("DescribeAddon", cluster));
                }
                world
                    .addons
                    .get(&(cluster.to_owned(), name.to_owned()))
                    .map(|addon| addon.addon.clone())
                    .ok_or_else(|| {
                        error(
                            EKS,
                            "DescribeAddon",
                            "ResourceNotFoundException",
                            format!("No addon: {name} found in cluster: {cluster}"),
                        )
                    })
            })
            .await
    }

    async fn create_addon(&self, request: &CreateAddon) -> CloudResult<Addon> {
        self.0
            .call(EKS, "CreateAddon", true, |world, now, timing| {
                active_cluster(world, "CreateAddon", &request.cluster)?;
                let key = (request.cluster.clone(), request.name.clone());
                if let Some(existing) = world.addons.get(&key) {
                    return Err(error(
                        EKS,
                        "CreateAddon",
                        "ResourceInUseException",
                        format!("Addon already exists: {}", existing.addon.name),
                    ));
                }
                let phase = world.creating(EksKind::Addon, &request.name, timing.addon, now);
                let addon = Addon {
                    name: request.name.clone(),
                    arn: format!(
                        "arn:aws:eks:eu-west-1:{ACCOUNT}:addon/{}/{}/1",
                        request.cluster, request.name
                    ),
                    status: phase.status.clone(),
                    health: Vec::new(),
                    version: request
                        .version
                        .clone()
                        .unwrap_or_else(|| "v1.0.0-eksbuild.1".into()),
                    service_account_role_arn: request.service_account_role_arn.clone(),
                    tags: request.tags.clone(),
                };
                world.addons.insert(
                    key,
                    FakeAddon {
                        addon: addon.clone(),
                        phase,
                    },
                );
                Ok(addon)
            })
            .await
    }

    async fn update_addon(
        &self,
        cluster: &str,
        name: &str,
        version: Option<&str>,
        service_account_role_arn: Option<&str>,
    ) -> CloudResult<()> {
        self.0
            .call(EKS, "UpdateAddon", true, |world, now, timing| {
                let (phase, fails) = world.updating(EksKind::Addon, name, timing.addon, now);
                let addon = world
                    .addons
                    .get_mut(&(cluster.to_owned(), name.to_owned()))
                    .ok_or_else(|| error(EKS, "UpdateAddon", "ResourceNotFoundException", name))?;
                if matches!(
                    addon.addon.status.as_str(),
                    "CREATING" | "UPDATING" | "DELETING"
                ) {
                    return Err(error(
                        EKS,
                        "UpdateAddon",
                        "ResourceInUseException",
                        format!("Addon {name} is {}", addon.addon.status),
                    ));
                }
                // A failed update keeps the add-on as it was.
                if !fails {
                    if let Some(version) = version {
                        addon.addon.version = version.to_owned();
                    }
                    addon.addon.service_account_role_arn =
                        service_account_role_arn.map(str::to_owned);
                }
                addon.phase = phase;
                addon.addon.status = addon.phase.status.clone();
                Ok(())
            })
            .await
    }

    async fn delete_addon(&self, cluster: &str, name: &str) -> CloudResult<()> {
        self.0
            .call(EKS, "DeleteAddon", true, |world, now, timing| {
                let key = (cluster.to_owned(), name.to_owned());
                let addon = world
                    .addons
                    .get_mut(&key)
                    .ok_or_else(|| error(EKS, "DeleteAddon", "ResourceNotFoundException", name))?;
                addon.phase = Phase::timed("DELETING", timing.delete, "GONE", now);
                addon.addon.status = addon.phase.status.clone();
                if addon.phase.status == "GONE" {
                    world.addons.remove(&key);
                }
                Ok(())
            })
            .await
    }

    async fn access_entry(&self, cluster: &str, principal_arn: &str) -> CloudResult<AccessEntry> {
        self.0
            .call(EKS, "DescribeAccessEntry", false, |world, _, _| {
                world
                    .entries
                    .get(&(cluster.to_owned(), principal_arn.to_owned()))
                    .cloned()
                    .ok_or_else(|| {
                        error(
                            EKS,
                            "DescribeAccessEntry",
                            "ResourceNotFoundException",
                            principal_arn,
                        )
                    })
            })
            .await
    }

    async fn access_entries(&self, cluster: &str) -> CloudResult<Vec<String>> {
        self.0
            .call(EKS, "ListAccessEntries", false, |world, _, _| {
                Ok(world
                    .entries
                    .keys()
                    .filter(|(owner, _)| owner == cluster)
                    .map(|(_, principal)| principal.clone())
                    .collect())
            })
            .await
    }

    async fn create_access_entry(
        &self,
        cluster: &str,
        principal_arn: &str,
        username: &str,
        kubernetes_groups: &[String],
        tags: &Tags,
    ) -> CloudResult<AccessEntry> {
        self.0
            .call(EKS, "CreateAccessEntry", true, |world, _, _| {
                active_cluster(world, "CreateAccessEntry", cluster)?;
                let key = (cluster.to_owned(), principal_arn.to_owned());
                if world.entries.contains_key(&key) {
                    return Err(error(
                        EKS,
                        "CreateAccessEntry",
                        "ResourceInUseException",
                        "The specified access entry resource is already in use on this cluster.",
                    ));
                }
                let mut groups = kubernetes_groups.to_vec();
                groups.sort();
                let entry = AccessEntry {
                    principal_arn: principal_arn.to_owned(),
                    arn: format!(
                        "arn:aws:eks:eu-west-1:{ACCOUNT}:access-entry/{cluster}/{}",
                        principal_arn.replace(['/', ':'], "_")
                    ),
                    username: username.to_owned(),
                    kubernetes_groups: groups,
                    access_policies: Vec::new(),
                    tags: tags.clone(),
                };
                world.entries.insert(key, entry.clone());
                Ok(entry)
            })
            .await
    }

    async fn update_access_entry(
        &self,
        cluster: &str,
        principal_arn: &str,
        username: &str,
        kubernetes_groups: &[String],
    ) -> CloudResult<()> {
        self.0
            .call(EKS, "UpdateAccessEntry", true, |world, _, _| {
                let entry = world
                    .entries
                    .get_mut(&(cluster.to_owned(), principal_arn.to_owned()))
                    .ok_or_else(|| {
                        error(
                            EKS,
                            "UpdateAccessEntry",
                            "ResourceNotFoundException",
                            principal_arn,
                        )
                    })?;
                entry.username = username.to_owned();
                entry.kubernetes_groups = kubernetes_groups.to_vec();
                entry.kubernetes_groups.sort();
                Ok(())
            })
            .await
    }

    async fn associate_access_policy(
        &self,
        cluster: &str,
        principal_arn: &str,
        policy_arn: &str,
    ) -> CloudResult<()> {
        self.0
            .call(EKS, "AssociateAccessPolicy", true, |world, _, _| {
                let entry = world
                    .entries
                    .get_mut(&(cluster.to_owned(), principal_arn.to_owned()))
                    .ok_or_else(|| {
                        error(
                            EKS,
                            "AssociateAccessPolicy",
                            "ResourceNotFoundException",
                            principal_arn,
                        )
                    })?;
                if !entry
                    .access_policies
                    .iter()
                    .any(|policy| policy == policy_arn)
                {
                    entry.access_policies.push(policy_arn.to_owned());
                    entry.access_policies.sort();
                }
                Ok(())
            })
            .await
    }

    async fn disassociate_access_policy(
        &self,
        cluster: &str,
        principal_arn: &str,
        policy_arn: &str,
    ) -> CloudResult<()> {
        self.0
            .call(EKS, "DisassociateAccessPolicy", true, |world, _, _| {
                let entry = world
                    .entries
                    .get_mut(&(cluster.to_owned(), principal_arn.to_owned()))
                    .ok_or_else(|| {
                        error(
                            EKS,
                            "DisassociateAccessPolicy",
                            "ResourceNotFoundException",
                            principal_arn,
                        )
                    })?;
                entry.access_policies.retain(|policy| policy != policy_arn);
                Ok(())
            })
            .await
    }

    async fn delete_access_entry(&self, cluster: &str, principal_arn: &str) -> CloudResult<()> {
        self.0
            .call(EKS, "DeleteAccessEntry", true, |world, _, _| {
                world
                    .entries
                    .remove(&(cluster.to_owned(), principal_arn.to_owned()))
                    .map(|_| ())
                    .ok_or_else(|| {
                        error(
                            EKS,
                            "DeleteAccessEntry",
                            "ResourceNotFoundException",
                            principal_arn,
                        )
                    })
            })
            .await
    }
}

fn eks_tags<'a>(world: &'a mut World, arn: &str) -> Option<&'a mut Tags> {
    if let Some(cluster) = world
        .clusters
        .values_mut()
        .find(|cluster| cluster.cluster.arn == arn)
    {
        return Some(&mut cluster.cluster.tags);
    }
    if let Some(group) = world
        .node_groups
        .values_mut()
        .find(|group| group.group.arn == arn)
    {
        return Some(&mut group.group.tags);
    }
    if let Some(addon) = world
        .addons
        .values_mut()
        .find(|addon| addon.addon.arn == arn)
    {
        return Some(&mut addon.addon.tags);
    }
    world
        .entries
        .values_mut()
        .find(|entry| entry.arn == arn)
        .map(|entry| &mut entry.tags)
}

const ROUTE53: &str = "route53";

#[async_trait]
impl Route53 for FakeService {
    async fn zones_named(&self, name: &str) -> CloudResult<Vec<HostedZone>> {
        self.0
            .call(ROUTE53, "ListHostedZonesByName", false, |world, _, _| {
                let wanted = format!("{}.", name.trim_end_matches('.'));
                Ok(world
                    .zones
                    .values()
                    .filter(|zone| zone.zone.name == wanted)
                    .map(|zone| zone.zone.clone())
                    .collect())
            })
            .await
    }

    async fn zone(&self, id: &str) -> CloudResult<(HostedZone, Vec<String>)> {
        self.0
            .call(ROUTE53, "GetHostedZone", false, |world, _, _| {
                world
                    .zones
                    .get(id)
                    .map(|zone| (zone.zone.clone(), zone.servers.clone()))
                    .ok_or_else(|| error(ROUTE53, "GetHostedZone", "NoSuchHostedZone", id))
            })
            .await
    }

    async fn create_zone(
        &self,
        name: &str,
        caller_reference: &str,
        comment: &str,
        private_vpc: Option<&str>,
    ) -> CloudResult<(HostedZone, Vec<String>)> {
        self.0
            .call(ROUTE53, "CreateHostedZone", true, |world, _, _| {
                if world.zones.values().any(|zone| zone.zone.caller_reference == caller_reference) {
                    return Err(error(ROUTE53, "CreateHostedZone", "HostedZoneAlreadyExists", "A hosted zone has already been created with the specified caller reference."));
                }
                let id = format!("Z{:020X}", world.counter + 1);
                world.counter += 1;
                let mut zone = fake_zone(&id, name, caller_reference, private_vpc.is_some(), private_vpc);
                zone.zone.comment = comment.to_owned();
                let result = (zone.zone.clone(), zone.servers.clone());
                world.zones.insert(id, zone);
                Ok(result)
            })
            .await
    }

    async fn delete_zone(&self, id: &str) -> CloudResult<()> {
        self.0
            .call(ROUTE53, "DeleteHostedZone", true, |world, _, _| {
                let zone = world
                    .zones
                    .get(id)
                    .ok_or_else(|| error(ROUTE53, "DeleteHostedZone", "NoSuchHostedZone", id))?;
                if zone.records.iter().any(|record| {
                    !(record.name == zone.zone.name
                        && (record.kind == "SOA" || record.kind == "NS"))
                }) {
                    return Err(error(
                        ROUTE53,
                        "DeleteHostedZone",
                        "HostedZoneNotEmpty",
                        "The hosted zone contains resource records that are not SOA or NS records.",
                    ));
                }
                world.zones.remove(id);
                Ok(())
            })
            .await
    }

    async fn zone_tags(&self, ids: &[String]) -> CloudResult<BTreeMap<String, Tags>> {
        self.0
            .call(ROUTE53, "ListTagsForResources", false, |world, _, _| {
                Ok(ids
                    .iter()
                    .filter_map(|id| {
                        world
                            .zones
                            .get(id)
                            .map(|zone| (id.clone(), zone.tags.clone()))
                    })
                    .collect())
            })
            .await
    }

    async fn change_zone_tags(&self, id: &str, add: &Tags, remove: &[String]) -> CloudResult<()> {
        self.0
            .call(ROUTE53, "ChangeTagsForResource", true, |world, _, _| {
                let zone = world.zones.get_mut(id).ok_or_else(|| {
                    error(ROUTE53, "ChangeTagsForResource", "NoSuchHostedZone", id)
                })?;
                zone.tags.extend(add.clone());
                for key in remove {
                    zone.tags.remove(key);
                }
                Ok(())
            })
            .await
    }

    async fn records(
        &self,
        zone_id: &str,
        start: Option<(&str, &str)>,
        max_items: Option<i32>,
    ) -> CloudResult<Vec<RecordSet>> {
        self.0
            .call(ROUTE53, "ListResourceRecordSets", false, |world, _, _| {
                let zone = world.zones.get(zone_id).ok_or_else(|| {
                    error(
                        ROUTE53,
                        "ListResourceRecordSets",
                        "NoSuchHostedZone",
                        zone_id,
                    )
                })?;
                let mut records = zone.records.clone();
                records.sort_by(|left, right| {
                    (&left.name, &left.kind).cmp(&(&right.name, &right.kind))
                });
                let mut found: Vec<RecordSet> = match start {
                    Some((name, kind)) => records
                        .into_iter()
                        .filter(|record| {
                            (record.name.as_str(), record.kind.as_str()) >= (name, kind)
                        })
                        .collect(),
                    None => records,
                };
                if let Some(max) = max_items {
                    found.truncate(max.max(0) as usize);
                }
                Ok(found)
            })
            .await
    }

    async fn change_records(&self, zone_id: &str, changes: &[Change]) -> CloudResult<()> {
        self.0
            .call(ROUTE53, "ChangeResourceRecordSets", true, |world, _, _| {
                let zone = world.zones.get_mut(zone_id).ok_or_else(|| {
                    error(
                        ROUTE53,
                        "ChangeResourceRecordSets",
                        "NoSuchHostedZone",
                        zone_id,
                    )
                })?;
                let mut records = zone.records.clone();
                for change in changes {
                    let same = |record: &RecordSet| {
                        record.name == change.record.name
                            && record.kind == change.record.kind
                            && record.set_identifier == change.record.set_identifier
                    };
                    match change.action.as_str() {
                        "CREATE" => {
                            if records.iter().any(same) {
                                return Err(error(
                                    ROUTE53,
                                    "ChangeResourceRecordSets",
                                    "InvalidChangeBatch",
                                    "Tried to create resource record set but it already exists",
                                ));
                            }
                            records.push(change.record.clone());
                        }
                        "UPSERT" => {
                            records.retain(|record| !same(record));
                            records.push(change.record.clone());
                        }
                        _ => {
                            // As Route53: a deletion names the record exactly as it is (values,
                            // TTL, alias target and its health evaluation, routing policy).
                            let position =
                                records.iter().position(|record| *record == change.record);
                            match position {
                                Some(index) => {
                                    records.remove(index);
                                }
                                None => {
                                    let found = if records.iter().any(same) {
                                        "the values provided do not match the current values"
                                    } else {
                                        "it was not found"
                                    };
                                    return Err(error(
                                        ROUTE53,
                                        "ChangeResourceRecordSets",
                                        "InvalidChangeBatch",
                                        format!(
                                            "[Tried to delete resource record set [name='{}', type='{}'] but {found}]",
                                            change.record.name, change.record.kind
                                        ),
                                    ));
                                }
                            }
                        }
                    }
                }
                zone.records = records;
                Ok(())
            })
            .await
    }
}

const S3: &str = "s3";

#[async_trait]
impl S3 for FakeService {
    async fn bucket_tags(&self, bucket: &str) -> CloudResult<Tags> {
        self.0
            .call(S3, "GetBucketTagging", false, |world, _, _| {
                world
                    .buckets
                    .get(bucket)
                    .map(|found| found.tags.clone())
                    .ok_or_else(|| error(S3, "GetBucketTagging", "NoSuchBucket", bucket))
            })
            .await
    }

    async fn create_bucket(&self, bucket: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .call(S3, "CreateBucket", true, |world, _, _| {
                if world.buckets.contains_key(bucket) {
                    return Err(error(S3, "CreateBucket", "BucketAlreadyOwnedByYou", bucket));
                }
                // As S3: the tags of the create call come with the bucket, in one step.
                world.buckets.insert(
                    bucket.to_owned(),
                    FakeBucket {
                        tags: tags.clone(),
                        ..FakeBucket::default()
                    },
                );
                Ok(())
            })
            .await
    }

    async fn put_bucket_tags(&self, bucket: &str, tags: &Tags) -> CloudResult<()> {
        self.0
            .call(S3, "PutBucketTagging", true, |world, _, _| {
                let found = world
                    .buckets
                    .get_mut(bucket)
                    .ok_or_else(|| error(S3, "PutBucketTagging", "NoSuchBucket", bucket))?;
                found.tags = tags.clone();
                Ok(())
            })
            .await
    }

    async fn versioning(&self, bucket: &str) -> CloudResult<bool> {
        self.0
            .call(S3, "GetBucketVersioning", false, |world, _, _| {
                world
                    .buckets
                    .get(bucket)
                    .map(|found| found.versioning)
                    .ok_or_else(|| error(S3, "GetBucketVersioning", "NoSuchBucket", bucket))
            })
            .await
    }

    async fn put_versioning(&self, bucket: &str, enabled: bool) -> CloudResult<()> {
        self.0
            .call(S3, "PutBucketVersioning", true, |world, _, _| {
                let found = world
                    .buckets
                    .get_mut(bucket)
                    .ok_or_else(|| error(S3, "PutBucketVersioning", "NoSuchBucket", bucket))?;
                found.versioning = enabled;
                Ok(())
            })
            .await
    }

    async fn encryption(&self, bucket: &str) -> CloudResult<Option<String>> {
        self.0
            .call(S3, "GetBucketEncryption", false, |world, _, _| {
                world
                    .buckets
                    .get(bucket)
                    .map(|found| found.encryption.clone())
                    .ok_or_else(|| error(S3, "GetBucketEncryption", "NoSuchBucket", bucket))
            })
            .await
    }

    async fn put_encryption(&self, bucket: &str, algorithm: &str) -> CloudResult<()> {
        self.0
            .call(S3, "PutBucketEncryption", true, |world, _, _| {
                let found = world
                    .buckets
                    .get_mut(bucket)
                    .ok_or_else(|| error(S3, "PutBucketEncryption", "NoSuchBucket", bucket))?;
                found.encryption = Some(algorithm.to_owned());
                Ok(())
            })
            .await
    }

    async fn public_access_block(&self, bucket: &str) -> CloudResult<PublicAccessBlock> {
        self.0
            .call(S3, "GetPublicAccessBlock", false, |world, _, _| {
                world
                    .buckets
                    .get(bucket)
                    .map(|found| found.block)
                    .ok_or_else(|| error(S3, "GetPublicAccessBlock", "NoSuchBucket", bucket))
            })
            .await
    }

    async fn put_public_access_block(
        &self,
        bucket: &str,
        block: PublicAccessBlock,
    ) -> CloudResult<()> {
        self.0
            .call(S3, "PutPublicAccessBlock", true, |world, _, _| {
                let found = world
                    .buckets
                    .get_mut(bucket)
                    .ok_or_else(|| error(S3, "PutPublicAccessBlock", "NoSuchBucket", bucket))?;
                found.block = block;
                Ok(())
            })
            .await
    }

    async fn list_versions(&self, bucket: &str) -> CloudResult<VersionPage> {
        self.0
            .call(S3, "ListObjectVersions", false, |world, _, _| {
                let found = world
                    .buckets
                    .get(bucket)
                    .ok_or_else(|| error(S3, "ListObjectVersions", "NoSuchBucket", bucket))?;
                Ok(VersionPage {
                    versions: found.objects.iter().take(1000).cloned().collect(),
                    truncated: found.objects.len() > 1000,
                })
            })
            .await
    }

    async fn delete_versions(&self, bucket: &str, versions: &[ObjectVersion]) -> CloudResult<()> {
        self.0
            .call(S3, "DeleteObjects", true, |world, _, _| {
                let found = world
                    .buckets
                    .get_mut(bucket)
                    .ok_or_else(|| error(S3, "DeleteObjects", "NoSuchBucket", bucket))?;
                found.objects.retain(|object| !versions.contains(object));
                Ok(())
            })
            .await
    }

    async fn delete_bucket(&self, bucket: &str) -> CloudResult<()> {
        self.0
            .call(S3, "DeleteBucket", true, |world, _, _| {
                let found = world
                    .buckets
                    .get(bucket)
                    .ok_or_else(|| error(S3, "DeleteBucket", "NoSuchBucket", bucket))?;
                if !found.objects.is_empty() {
                    return Err(error(
                        S3,
                        "DeleteBucket",
                        "BucketNotEmpty",
                        "The bucket you tried to delete is not empty",
                    ));
                }
                world.buckets.remove(bucket);
                Ok(())
            })
            .await
    }
}

const ELB: &str = "elasticloadbalancing";

#[async_trait]
impl Elb for FakeService {
    async fn load_balancers(&self) -> CloudResult<Vec<LoadBalancer>> {
        self.0
            .call(ELB, "DescribeLoadBalancers", false, |world, _, _| {
                Ok(world
                    .balancers
                    .values()
                    .map(|(balancer, _)| balancer.clone())
                    .collect())
            })
            .await
    }

    async fn target_groups(&self) -> CloudResult<Vec<TargetGroup>> {
        self.0
            .call(ELB, "DescribeTargetGroups", false, |world, _, _| {
                Ok(world
                    .target_groups
                    .values()
                    .map(|(group, _)| group.clone())
                    .collect())
            })
            .await
    }

    async fn tags(&self, arns: &[String]) -> CloudResult<BTreeMap<String, Tags>> {
        self.0
            .call(ELB, "DescribeTags", false, |world, _, _| {
                Ok(arns
                    .iter()
                    .filter_map(|arn| {
                        world
                            .balancers
                            .get(arn)
                            .map(|(_, tags)| tags.clone())
                            .or_else(|| world.target_groups.get(arn).map(|(_, tags)| tags.clone()))
                            .map(|tags| (arn.clone(), tags))
                    })
                    .collect())
            })
            .await
    }

    async fn delete_load_balancer(&self, arn: &str) -> CloudResult<()> {
        self.0
            .call(ELB, "DeleteLoadBalancer", true, |world, _, _| {
                world.balancers.remove(arn);
                Ok(())
            })
            .await
    }

    async fn delete_target_group(&self, arn: &str) -> CloudResult<()> {
        self.0
            .call(ELB, "DeleteTargetGroup", true, |world, _, _| {
                world.target_groups.remove(arn);
                Ok(())
            })
            .await
    }
}

#[async_trait]
impl Tagging for FakeService {
    async fn resources(
        &self,
        tag_filters: &Tags,
        resource_types: &[String],
    ) -> CloudResult<Vec<TaggedResource>> {
        self.0
            .call("tagging", "GetResources", false, |world, _, _| {
                let matches = |tags: &Tags| {
                    tag_filters
                        .iter()
                        .all(|(key, value)| tags.get(key) == Some(value))
                };
                let wanted = |kind: &str| {
                    resource_types.is_empty() || resource_types.iter().any(|wanted| wanted == kind)
                };
                let mut found = Vec::new();
                if wanted("kms:key") {
                    for key in world.keys.values().filter(|key| matches(&key.tags)) {
                        found.push(TaggedResource {
                            arn: key.key.arn.clone(),
                            tags: key.tags.clone(),
                        });
                    }
                }
                if wanted("ec2:vpc") {
                    for (vpc, _, _) in world.vpcs.values().filter(|(vpc, _, _)| matches(&vpc.tags))
                    {
                        found.push(TaggedResource {
                            arn: format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc/{}", vpc.id),
                            tags: vpc.tags.clone(),
                        });
                    }
                }
                if wanted("ec2:subnet") {
                    for subnet in world
                        .subnets
                        .values()
                        .filter(|subnet| matches(&subnet.tags))
                    {
                        found.push(TaggedResource {
                            arn: format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:subnet/{}", subnet.id),
                            tags: subnet.tags.clone(),
                        });
                    }
                }
                if wanted("s3") {
                    for (name, bucket) in world
                        .buckets
                        .iter()
                        .filter(|(_, bucket)| matches(&bucket.tags))
                    {
                        found.push(TaggedResource {
                            arn: format!("arn:aws:s3:::{name}"),
                            tags: bucket.tags.clone(),
                        });
                    }
                }
                Ok(found)
            })
            .await
    }
}

/// Resources of the inventory whose tags say they belong to `cluster`.
pub fn owned_by(inventory: &[(String, String, Tags)], cluster: &str) -> Vec<(String, String)> {
    inventory
        .iter()
        .filter(|(_, _, tags)| tags.get("sakk.dev/cluster").map(String::as_str) == Some(cluster))
        .map(|(kind, id, _)| (kind.clone(), id.clone()))
        .collect()
}

/// Kinds and counts of an inventory, ignoring IDs: two runs that converge to the same
/// resources have equal shapes.
pub fn shape(inventory: &[(String, String, Tags)]) -> BTreeMap<String, Vec<String>> {
    let mut shape: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (kind, id, tags) in inventory {
        let name = tags
            .get("sakk.dev/resource")
            .cloned()
            .unwrap_or_else(|| format!("untagged {id}"));
        shape.entry(kind.clone()).or_default().push(name);
    }
    for names in shape.values_mut() {
        names.sort();
    }
    shape
}
