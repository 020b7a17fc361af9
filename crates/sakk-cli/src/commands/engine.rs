//! What `plan`, `apply`, `destroy` and `state` share: choosing the cluster, its state store,
//! connecting to AWS, building the engine, and showing its progress.

use crate::args::Target;
use crate::load::{Session, load};
use crate::output::Printer;
use crate::user_error;
use anyhow::Context;
use sakk_apply::retry::{RateLimiter, RetryPolicy};
use sakk_apply::{Engine, Event, Events, Parts, Rng, Settings, SystemClock};
use sakk_core::render::Color;
use sakk_model::Model;
use sakk_model::model::Backend;
use sakk_state::{
    KeepAlive, Lease, LocalStore, LockInfo, S3Store, S3StoreSettings, StateError, StateStore,
    keep_alive,
};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The cluster a command acts on.
pub struct Selected {
    /// Its model.
    pub model: Model,
    /// The directory of its cluster file (the state path is relative to it).
    pub dir: PathBuf,
}

/// Loads the cluster files and picks one cluster; invalid files print their diagnostics and
/// give exit code 1.
pub fn select(target: &Target, printer: &Printer) -> anyhow::Result<Result<Selected, ExitCode>> {
    let session = load(&target.files)?;
    if session.diagnostics.has_errors() {
        return Ok(Err(super::validate::report(
            &session,
            crate::args::Output::Human,
            printer,
        )));
    }
    printer.message(&sakk_core::render::human(
        &session.diagnostics,
        &session.sources,
        printer.color(),
    ));
    let models = &session.models;
    let model = match (&target.cluster, models.len()) {
        (Some(name), _) => models
            .iter()
            .find(|model| &model.name == name)
            .ok_or_else(|| {
                user_error(
                    format!("no cluster `{name}` in the cluster files"),
                    format!("the files hold: {}", names(models)),
                )
            })?,
        (None, 1) => &models[0],
        (None, 0) => {
            return Err(user_error(
                "the cluster files hold no cluster",
                "write one with `sakk new`",
            ));
        }
        (None, _) => {
            return Err(user_error(
                "the cluster files hold several clusters",
                format!("pick one with `--cluster NAME` ({})", names(models)),
            ));
        }
    };
    let dir = cluster_dir(&session, model);
    Ok(Ok(Selected {
        model: model.clone(),
        dir,
    }))
}

fn names(models: &[Model]) -> String {
    models
        .iter()
        .map(|model| model.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The directory of the file that defines `model`.
fn cluster_dir(session: &Session, model: &Model) -> PathBuf {
    let spec = session.clusters.iter().find(|spec| {
        spec.name
            .as_ref()
            .is_some_and(|name| name.value == model.name)
    });
    spec.and_then(|spec| session.sources.get(spec.source))
        .and_then(|source| Path::new(&source.name).parent().map(Path::to_path_buf))
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The lease length of remote locks: [`sakk_state::lock::DEFAULT_LEASE`], or, in a build with
/// the `test-hooks` feature (the test binaries only), `SAKK_TEST_LOCK_LEASE_SECONDS`, so a
/// killed holder's lease runs out in seconds.
fn lease_length() -> Duration {
    #[cfg(feature = "test-hooks")]
    if let Some(lease) = std::env::var("SAKK_TEST_LOCK_LEASE_SECONDS")
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .map(Duration::from_secs_f64)
    {
        return lease;
    }
    sakk_state::lock::DEFAULT_LEASE
}

/// The services of the S3 backend (its own region and profile).
pub async fn backend_services(backend: &Backend) -> Option<sakk_cloud::BackendServices> {
    match backend {
        Backend::Local { .. } => None,
        Backend::S3 {
            region, profile, ..
        } => Some(
            sakk_aws::Aws::connect_backend(region, profile.as_deref())
                .await
                .backend(),
        ),
    }
}

/// The local state file of the cluster (also where `sakk init --migrate-state` looks when the
/// backend is S3).
pub fn local_path(selected: &Selected) -> PathBuf {
    match &selected.model.backend {
        Backend::Local { path } => selected.dir.join(path),
        Backend::S3 { .. } => selected
            .dir
            .join(format!(".sakk/{}/state.json", selected.model.name)),
    }
}

/// The state store of the cluster: the local file, or the S3 object with its lock (an S3
/// lock object, or the DynamoDB item when `dynamodb_table` is set).
pub async fn store(selected: &Selected) -> anyhow::Result<Arc<dyn StateStore>> {
    match &selected.model.backend {
        Backend::Local { .. } => Ok(Arc::new(LocalStore::new(local_path(selected)))),
        Backend::S3 {
            bucket,
            key,
            dynamodb_table,
            kms_key_id,
            ..
        } => {
            let services = backend_services(&selected.model.backend)
                .await
                .context("cannot configure the AWS SDK for the state backend")?;
            let settings = S3StoreSettings {
                bucket: bucket.clone(),
                key: key.clone(),
                kms_key_id: kms_key_id.clone(),
                lease: lease_length(),
            };
            let clock = Arc::new(sakk_state::SystemClock);
            Ok(match dynamodb_table {
                Some(table) => Arc::new(S3Store::with_dynamodb_lock(
                    services.objects,
                    services.dynamodb,
                    table,
                    &settings,
                    clock,
                )),
                None => Arc::new(S3Store::with_s3_lock(services.objects, &settings, clock)),
            })
        }
    }
}

/// A state error as the user sees it: a held lock names its holder and how to release it;
/// the rest keeps its causes.
pub fn state_error(error: StateError, context: &str) -> anyhow::Error {
    match &error {
        StateError::Locked { id, expires_ms, .. } => {
            let hint = match expires_ms {
                Some(expires_ms) => format!(
                    "wait for that run to finish (`--lock-timeout 10m` waits for it). If it died, \
                     its lease runs out at {} and the next run takes over; to release it now, \
                     run `sakk state unlock {id}` (with `--force` while the lease is fresh, only \
                     if you know the holder is dead)",
                    sakk_state::clock::format_time(*expires_ms)
                ),
                None => "wait for that process to finish: a local lock is an OS file lock, \
                         released the moment its process exits"
                    .to_owned(),
            };
            user_error(format!("the state is locked: {error}"), hint)
        }
        StateError::LeaseLost { .. }
        | StateError::LeaseExpired { .. }
        | StateError::Fenced { .. } => user_error(
            format!("{context}: {error}"),
            "another run holds the lock now; nothing more was written by this one. \
                 Check with `sakk plan`, then run again",
        ),
        StateError::NewerFormat { .. } => user_error(error.to_string(), "upgrade sakk"),
        StateError::Cloud { source, .. }
            if matches!(
                source.code.as_str(),
                "NoSuchBucket" | "ResourceNotFoundException"
            ) =>
        {
            let hint = "create the backend (the bucket, and the lock table when `dynamodb_table` \
                        is set) with `sakk init`";
            user_error(format!("{context}: {error}: {source}"), hint)
        }
        StateError::Cloud { source, .. } if source.kind == sakk_cloud::ErrorKind::AccessDenied => {
            let hint = "these credentials may not use the state backend: check AWS_PROFILE (or \
                        `profile` in the backend) and the bucket's and table's permissions";
            user_error(format!("{context}: {error}: {source}"), hint)
        }
        _ => anyhow::Error::new(error).context(context.to_owned()),
    }
}

/// The lock, held while a command writes: renewed in the background, released at the end.
pub struct Held {
    store: Arc<dyn StateStore>,
    /// The lease (clones share it).
    pub lease: Lease,
    keeper: Option<KeepAlive>,
}

impl Held {
    /// Takes the lock for `operation`, waiting up to `timeout` while someone else holds it.
    pub async fn take(
        store: &Arc<dyn StateStore>,
        operation: &str,
        timeout: Duration,
        printer: &Printer,
    ) -> anyhow::Result<Held> {
        let started = Instant::now();
        let mut told = false;
        loop {
            match store.lock(&lock_info(operation)).await {
                Ok(lease) => {
                    let keeper = keep_alive(store.clone(), &lease);
                    return Ok(Held {
                        store: store.clone(),
                        lease,
                        keeper,
                    });
                }
                Err(error @ StateError::Locked { .. }) => {
                    let waited = started.elapsed();
                    if waited >= timeout {
                        return Err(state_error(error, "cannot take the lock"));
                    }
                    if !told {
                        printer.message(&format!(
                            "Waiting up to {} for the lock: {error}\n",
                            duration(timeout)
                        ));
                        told = true;
                    }
                    tokio::time::sleep((timeout - waited).min(Duration::from_secs(2))).await;
                }
                Err(error) => return Err(state_error(error, "cannot take the lock on the state")),
            }
        }
    }

    /// Stops renewing and releases the lock; a lock that is no longer ours is left alone and
    /// said so.
    pub async fn release(mut self, printer: &Printer) {
        if let Some(keeper) = self.keeper.take() {
            keeper.stop();
        }
        if let Err(error) = self.store.unlock(self.lease).await {
            printer.warning(&format!("could not release the lock: {error}"));
        }
    }
}

/// Runs `work` under the lock, releasing it whatever happens: success, error or Ctrl-C.
pub async fn under_lock<T>(
    held: Held,
    printer: &Printer,
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let result = tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(user_error(
            "interrupted",
            "what was done is recorded in the state and the lock was released: run the same \
             command again to continue",
        )),
    };
    held.release(printer).await;
    result
}

/// A runtime for the AWS calls.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Connects to AWS in the cluster's region.
pub async fn connect(model: &Model) -> anyhow::Result<sakk_aws::Aws> {
    sakk_aws::Aws::connect(Some(&model.region))
        .await
        .context("cannot configure the AWS SDK")
}

/// The engine for `model`.
pub fn engine(aws: &sakk_aws::Aws, model: &Model, events: Arc<dyn Events>) -> Engine {
    Engine::new(Parts {
        cloud: aws.cloud(),
        eks_cluster_name: model.names.eks_cluster.clone(),
        settings: Settings::default(),
        policy: RetryPolicy::default(),
        limiter: RateLimiter::aws_defaults(),
        clock: Arc::new(SystemClock),
        random: Arc::new(Rng::new()),
        events,
    })
}

/// Who takes the lock.
pub fn lock_info(operation: &str) -> LockInfo {
    let user = std::env::var("USER").unwrap_or_else(|_| "someone".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|text| text.trim().to_owned())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "this machine".into());
    LockInfo {
        holder: format!("{user}@{host} (pid {})", std::process::id()),
        operation: operation.to_owned(),
        since: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|duration| duration.as_secs())
            .unwrap_or(0),
    }
}

/// `1m 05s`, `12.3 s`.
pub fn duration(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    if seconds >= 60 {
        format!("{}m {:02}s", seconds / 60, seconds % 60)
    } else {
        format!("{:.1} s", elapsed.as_secs_f64())
    }
}

/// The engine's events as lines on stderr: each step as it starts and ends, what it waits for
/// (at most every 30 seconds per resource), retries, and what was removed.
pub struct Progress {
    color: Color,
    started: Instant,
    last_wait: Mutex<BTreeMap<String, Instant>>,
    /// Retries after throttling seen.
    pub throttled: std::sync::atomic::AtomicU64,
}

impl Progress {
    /// A progress display.
    pub fn new(printer: &Printer) -> Self {
        Self {
            color: printer.color(),
            started: Instant::now(),
            last_wait: Mutex::new(BTreeMap::new()),
            throttled: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color == Color::Always {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn line(&self, text: &str) {
        let stamp = duration(self.started.elapsed());
        let _ = writeln!(std::io::stderr().lock(), "[{stamp:>8}] {text}");
    }
}

impl Events for Progress {
    fn emit(&self, event: Event) {
        match event {
            Event::Observing { .. } => {}
            Event::Started { address, action } => {
                self.line(&format!("{address}: {}…", action.verb()));
            }
            Event::Waiting {
                address,
                what,
                elapsed,
            } => {
                let mut last = self.last_wait.lock().unwrap_or_else(|p| p.into_inner());
                let key = address.to_string();
                let due = last
                    .get(&key)
                    .is_none_or(|previous| previous.elapsed() >= Duration::from_secs(30));
                if due {
                    last.insert(key, Instant::now());
                    self.line(&format!(
                        "{address}: waiting for {what} ({} so far)",
                        duration(elapsed)
                    ));
                }
            }
            Event::Retrying {
                call,
                reason,
                attempt,
                delay,
                ..
            } => {
                if reason == "throttled" {
                    self.throttled
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                self.line(&self.paint(
                    "33",
                    &format!("{call}: {reason}; attempt {attempt} in {}", duration(delay)),
                ));
            }
            Event::Finished {
                address,
                action,
                id,
                elapsed,
            } => {
                let id = id.map(|id| format!(" ({id})")).unwrap_or_default();
                self.line(&self.paint(
                    "32",
                    &format!(
                        "{address}{id}: {} done in {}",
                        action.verb(),
                        duration(elapsed)
                    ),
                ));
            }
            Event::Failed { address, error } => {
                self.line(&self.paint("31", &format!("{address}: failed: {error}")));
            }
            Event::Warning { address, message } => {
                let prefix = address.map(|a| format!("{a}: ")).unwrap_or_default();
                self.line(&self.paint("33", &format!("{prefix}warning: {message}")));
            }
            Event::Removed { kind, id } => {
                self.line(&format!(
                    "removed {kind} {id} (made by a Kubernetes controller)"
                ));
            }
        }
    }
}
