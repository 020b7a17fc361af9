//! moto, one fault-injecting proxy per concurrent `sakk` process (so each one's calls are
//! counted apart), the seed-equivalent cluster file with its S3 backend, and `sakk` runs.

use sakk_cloud::BackendServices;
use sakk_testkit::moto::{Moto, aws_environment};
use sakk_testkit::proxy::{Proxy, ProxyFaults};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub const REGION: &str = "us-east-2";
pub const PARENT_DOMAIN: &str = "some.domain.local";
/// The parent zone ID of the example; the proxies map it onto the zone moto made.
pub const PARENT_ZONE: &str = "Z0123456789ABCDEFGHIJ";
/// The backend of the example (examples/native-simple/cluster.hcl).
pub const BUCKET: &str = "bucket-with-terraform-states";
pub const KEY: &str = "some-key/kubeflow-sandbox";
pub const TABLE: &str = "dynamodb-table-for-locks";

/// Which lock the cluster file asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// No `dynamodb_table`: an S3 lock object.
    S3Object,
    /// `dynamodb_table` as in SAKK's backend.hcl.
    DynamoDb,
}

pub struct Env {
    pub moto: Moto,
    pub proxies: Vec<Proxy>,
    pub dir: tempfile::TempDir,
    pub runtime: tokio::runtime::Runtime,
    /// The backend's services, through the first proxy (moto's GetBucketVersioning answer
    /// needs the proxy's fix to parse).
    pub backend: BackendServices,
    pub flavour: Flavour,
    /// `SAKK_TEST_LOCK_LEASE_SECONDS` for every run.
    pub lease_seconds: Option<f64>,
}

impl Env {
    /// moto, `proxies` proxies in front of it, and the example cluster file with the lock of
    /// `flavour`.
    pub fn start(flavour: Flavour, proxies: usize) -> Self {
        let moto = Moto::start();
        let proxies: Vec<Proxy> = (0..proxies.max(1))
            .map(|_| Proxy::start(moto.port()))
            .collect();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let backend = runtime
            .block_on(sakk_aws::Aws::emulator(REGION, &proxies[0].endpoint()))
            .backend();
        let env = Self {
            moto,
            proxies,
            dir: tempfile::tempdir().expect("tempdir"),
            runtime,
            backend,
            flavour,
            lease_seconds: None,
        };
        env.reset();
        env
    }

    /// Wipes moto and the proxies, creates the parent zone, writes the cluster file and
    /// removes any local state.
    pub fn reset(&self) {
        self.moto.reset();
        let aws = self
            .runtime
            .block_on(sakk_aws::Aws::emulator(REGION, &self.moto.endpoint()));
        let (zone, _) = self
            .runtime
            .block_on(aws.cloud().route53.create_zone(
                PARENT_DOMAIN,
                "parent-zone",
                "the parent",
                None,
            ))
            .expect("parent zone");
        for proxy in &self.proxies {
            proxy.reset();
            proxy.set_faults(ProxyFaults::default());
            proxy.alias_zone(PARENT_ZONE, &zone.id);
        }
        write_cluster_file(self.dir.path(), self.flavour);
        let _ = std::fs::remove_dir_all(self.dir.path().join(".sakk"));
    }

    /// `sakk` with the test environment, its calls through proxy `proxy`.
    pub fn command(&self, proxy: usize, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sakk"));
        command.args(args).current_dir(self.dir.path()).env_clear();
        command.env("PATH", std::env::var("PATH").unwrap_or_default());
        command.env("NO_COLOR", "1");
        command.env("USER", "tester");
        for (key, value) in aws_environment(&self.proxies[proxy].endpoint(), REGION) {
            command.env(key, value);
        }
        if let Some(seconds) = self.lease_seconds {
            command.env("SAKK_TEST_LOCK_LEASE_SECONDS", seconds.to_string());
        }
        command
    }

    /// Runs `sakk` to completion through the first proxy.
    pub fn sakk(&self, args: &[&str]) -> Output {
        self.command(0, args).output().expect("sakk runs")
    }

    /// Starts `sakk` through proxy `proxy`.
    pub fn spawn(&self, proxy: usize, args: &[&str]) -> Child {
        self.command(proxy, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sakk starts")
    }

    /// The stored state, as `sakk state pull` prints it.
    pub fn pulled(&self) -> serde_json::Value {
        let output = self.sakk(&["state", "pull"]);
        assert!(output.status.success(), "{}", text(&output));
        serde_json::from_slice(&output.stdout).expect("state JSON")
    }
}

impl Env {
    /// Sets `max_size` of the `general` node group: a one-field change for `apply` to make.
    pub fn set_max_size(&self, max_size: u32) {
        let path = self.dir.path().join("cluster.hcl");
        let text = std::fs::read_to_string(&path).expect("cluster file");
        let mut out = String::new();
        let mut skipping = false;
        for line in text.lines() {
            if line.trim_start().starts_with("node_group \"general\"") {
                skipping = true;
                continue;
            }
            if skipping {
                skipping = line.trim() != "}";
                continue;
            }
            out.push_str(line);
            out.push('\n');
            if line.trim() == "group \"masters\" {}" {
                out.push_str(&format!(
                    "\n  node_group \"general\" {{\n    max_size = {max_size}\n  }}\n"
                ));
            }
        }
        assert!(out.contains("max_size"), "the example's groups moved");
        std::fs::write(&path, out).expect("cluster file");
    }
}

/// The seed-equivalent example with its S3 backend (without `dynamodb_table` for the S3 lock
/// object).
pub fn write_cluster_file(dir: &Path, flavour: Flavour) {
    let example = std::fs::read_to_string(format!(
        "{}/../../examples/native-simple/cluster.hcl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("example");
    let text: String = example
        .lines()
        .filter(|line| flavour == Flavour::DynamoDb || !line.contains("dynamodb_table"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(
        text.contains(BUCKET) && text.contains(KEY),
        "the example's backend moved"
    );
    std::fs::write(dir.join("cluster.hcl"), text).expect("cluster file");
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

/// The lock ID a "the state is locked" error printed.
pub fn lock_id(stderr: &str) -> String {
    let start = stderr
        .find("lock ID ")
        .map(|index| index + "lock ID ".len())
        .unwrap_or_else(|| panic!("no lock ID in:\n{stderr}"));
    stderr[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

/// Sends a signal to a process (SIGSTOP and SIGCONT have no std API).
pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} failed");
}

/// Waits for a child with a deadline, returning its output.
pub fn finish(child: Child, deadline: Duration) -> Output {
    let started = std::time::Instant::now();
    let mut child = child;
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("output");
            panic!(
                "sakk did not finish within {deadline:?}:\n{}",
                text(&output)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
