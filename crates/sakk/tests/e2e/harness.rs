//! Starting moto and the proxy, writing the cluster file, running `sakk`, and reading what
//! exists through the SDK.

use sakk_cloud::Cloud;
use sakk_cloud::ec2::Filter;
use sakk_testkit::moto::{Moto, aws_environment};
use sakk_testkit::proxy::Proxy;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

pub const REGION: &str = "us-east-2";
pub const PARENT_DOMAIN: &str = "some.domain.local";
/// The parent zone ID of the example; the proxy maps it onto the zone moto made.
pub const PARENT_ZONE: &str = "Z0123456789ABCDEFGHIJ";

/// moto, the proxy in front of it, a working directory and a runtime for SDK reads.
pub struct Env {
    pub moto: Moto,
    pub proxy: Proxy,
    pub dir: tempfile::TempDir,
    pub runtime: tokio::runtime::Runtime,
    pub cloud: Cloud,
}

impl Env {
    pub fn start() -> Self {
        let moto = Moto::start();
        let proxy = Proxy::start(moto.port());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        // Reads for assertions go straight to moto: they are not counted by the proxy.
        let aws = runtime.block_on(sakk_aws::Aws::emulator(REGION, &moto.endpoint()));
        let cloud = aws.cloud();
        Self {
            moto,
            proxy,
            dir: tempfile::tempdir().expect("tempdir"),
            runtime,
            cloud,
        }
    }

    /// Wipes moto and the proxy, creates the parent zone and writes the cluster file named
    /// `cluster` (the seed-equivalent example with the parent zone sakk must delegate from).
    pub fn prepare(&self, cluster: &str) -> String {
        let zone = self.reset();
        self.use_cluster(cluster, "sandbox");
        zone
    }

    /// Wipes moto and the proxy and creates the parent zone; returns its ID in moto.
    pub fn reset(&self) -> String {
        self.moto.reset();
        self.proxy.reset();
        let (zone, _) = self
            .runtime
            .block_on(self.cloud.route53.create_zone(
                PARENT_DOMAIN,
                "parent-zone",
                "the parent",
                None,
            ))
            .expect("parent zone");
        self.proxy.alias_zone(PARENT_ZONE, &zone.id);
        zone.id
    }

    /// Writes the cluster file for `cluster` with domain `<label>.some.domain.local`, with no
    /// state yet (several clusters can share one moto).
    pub fn use_cluster(&self, cluster: &str, label: &str) {
        write_cluster_file(self.dir.path(), cluster, label, PARENT_ZONE);
        let _ = std::fs::remove_dir_all(self.dir.path().join(".sakk"));
    }

    /// Runs `sakk` to completion.
    pub fn sakk(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("sakk runs")
    }

    /// Starts `sakk`.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sakk starts")
    }

    /// Runs `sakk` with extra environment variables.
    pub fn sakk_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let mut command = self.command(args);
        for (key, value) in extra {
            command.env(key, value);
        }
        command.output().expect("sakk runs")
    }

    /// Runs the Python fixture (boto3) against moto directly: seeding and snapshots are not
    /// counted by the proxy.
    pub fn fixture(&self, args: &[&str]) -> String {
        let python = std::env::var("SAKK_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = format!("{}/tests/e2e/fixture.py", env!("CARGO_MANIFEST_DIR"));
        let mut command = Command::new(&python);
        command.arg(&script).args(args).env_clear();
        command.env("PATH", std::env::var("PATH").unwrap_or_default());
        for (key, value) in aws_environment(&self.moto.endpoint(), REGION) {
            command.env(key, value);
        }
        let output = command.output().unwrap_or_else(|error| {
            panic!("cannot run {python} ({error}): run the tests with scripts/test, which installs boto3 with moto")
        });
        assert!(
            output.status.success(),
            "fixture.py {args:?} failed (is boto3 installed for {python}?):\n{}",
            text(&output)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sakk"));
        command.args(args).current_dir(self.dir.path()).env_clear();
        command.env("PATH", std::env::var("PATH").unwrap_or_default());
        command.env("NO_COLOR", "1");
        for (key, value) in aws_environment(&self.proxy.endpoint(), REGION) {
            command.env(key, value);
        }
        command
    }

    /// Every resource moto holds with the cluster's owner tag (or the cluster's names where
    /// a service has no tag filter), by kind and address: the cluster's shape, with the
    /// cluster's name and domain label written `{cluster}` and `{label}`.
    pub fn shape(&self, cluster: &str, label: &str) -> BTreeMap<String, Vec<String>> {
        let found = self.runtime.block_on(shape(&self.cloud, cluster, label));
        found
            .into_iter()
            .map(|(kind, names)| {
                let names = names
                    .into_iter()
                    .map(|name| {
                        name.replace(cluster, "{cluster}")
                            .replace(&format!("{label}."), "{label}.")
                    })
                    .collect();
                (kind, names)
            })
            .collect()
    }
}

/// The seed-equivalent example (examples/native-simple) with the state kept locally and the
/// parent zone moto made.
pub fn write_cluster_file(dir: &Path, cluster: &str, label: &str, parent_zone: &str) {
    let example = std::fs::read_to_string(format!(
        "{}/../../examples/native-simple/cluster.hcl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("example");
    let mut text = String::new();
    let mut skipping = false;
    for line in example.lines() {
        if line.trim_start().starts_with("backend \"s3\"") {
            skipping = true;
            continue;
        }
        if skipping {
            if line.trim() == "}" {
                skipping = false;
            }
            continue;
        }
        text.push_str(line);
        text.push('\n');
    }
    let text = text
        .replace("Z0123456789ABCDEFGHIJ", parent_zone)
        .replace("cluster \"simple\"", &format!("cluster \"{cluster}\""))
        .replace(
            "sandbox.some.domain.local",
            &format!("{label}.{PARENT_DOMAIN}"),
        );
    std::fs::write(dir.join("cluster.hcl"), text).expect("cluster file");
}

fn tagged(tags: &sakk_cloud::Tags, cluster: &str) -> Option<String> {
    if tags.get("sakk.dev/cluster").map(String::as_str) != Some(cluster) {
        return None;
    }
    Some(
        tags.get("sakk.dev/resource")
            .cloned()
            .unwrap_or_else(|| "(no address tag)".into()),
    )
}

pub async fn shape(cloud: &Cloud, cluster: &str, label: &str) -> BTreeMap<String, Vec<String>> {
    let mut shape: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |kind: &str, address: Option<String>| {
        if let Some(address) = address {
            shape.entry(kind.to_owned()).or_default().push(address);
        }
    };
    let owner = [Filter::tag("sakk.dev/cluster", cluster)];
    for vpc in cloud.ec2.vpcs(&owner).await.expect("vpcs") {
        add("vpc", tagged(&vpc.tags, cluster));
    }
    for subnet in cloud.ec2.subnets(&owner).await.expect("subnets") {
        add("subnet", tagged(&subnet.tags, cluster));
    }
    for gateway in cloud.ec2.internet_gateways(&owner).await.expect("gateways") {
        add("internet_gateway", tagged(&gateway.tags, cluster));
    }
    for ip in cloud.ec2.addresses(&owner).await.expect("addresses") {
        add("elastic_ip", tagged(&ip.tags, cluster));
    }
    for nat in cloud.ec2.nat_gateways(&owner).await.expect("nat gateways") {
        if nat.state != "deleted" {
            add("nat_gateway", tagged(&nat.tags, cluster));
        }
    }
    for table in cloud.ec2.route_tables(&owner).await.expect("route tables") {
        add("route_table", tagged(&table.tags, cluster));
    }
    for role in cloud.iam.roles().await.expect("roles") {
        add("iam_role", tagged(&role.tags, cluster));
    }
    for arn in cloud.iam.oidc_providers().await.expect("providers") {
        let provider = cloud.iam.oidc_provider(&arn).await.expect("provider");
        add("iam_oidc_provider", tagged(&provider.tags, cluster));
    }
    let owner_tags: sakk_cloud::Tags = [("sakk.dev/cluster".to_owned(), cluster.to_owned())].into();
    for key in cloud
        .tagging
        .resources(&owner_tags, &["kms:key".to_owned()])
        .await
        .expect("keys")
    {
        let described = cloud.kms.describe_key(&key.arn).await.expect("key");
        if described.is_live() {
            add("kms_key", tagged(&key.tags, cluster));
        }
    }
    for alias in cloud.kms.aliases().await.expect("aliases") {
        if alias.name == format!("alias/sakk/{cluster}") {
            add("kms_alias", Some(alias.name.clone()));
        }
    }
    for group in cloud
        .logs
        .log_groups(&format!("/aws/eks/{cluster}/"))
        .await
        .expect("log groups")
    {
        add("log_group", Some(group.name.clone()));
    }
    if let Ok(found) = cloud.eks.cluster(cluster).await {
        add("eks_cluster", tagged(&found.tags, cluster));
        for name in cloud.eks.node_groups(cluster).await.expect("node groups") {
            let group = cloud
                .eks
                .node_group(cluster, &name)
                .await
                .expect("node group");
            add("eks_node_group", tagged(&group.tags, cluster));
        }
    }
    for zone in cloud
        .route53
        .zones_named(&format!("{label}.{PARENT_DOMAIN}"))
        .await
        .expect("zones")
    {
        let tags = cloud
            .route53
            .zone_tags(std::slice::from_ref(&zone.id))
            .await
            .expect("zone tags");
        let address = tags.get(&zone.id).and_then(|tags| tagged(tags, cluster));
        add(
            "route53_zone",
            address.or_else(|| Some(format!("untagged {}", zone.caller_reference))),
        );
    }
    for names in shape.values_mut() {
        names.sort();
    }
    shape
}

/// The text of an output, for messages.
pub fn text(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
